using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

public sealed class DeviceTests : IClassFixture<SharedEmu>
{
    private readonly Emu _emu;

    public DeviceTests(SharedEmu shared) => _emu = shared.Emu;

    private static readonly string[] FixtureFields =
    {
        "adGroupId", "policyOverride", "currentSensorPolicyName", "deviceMetaDataItemList", "vulnSeverity", "vulnScore",
        "lastDevicePolicyRequestedTime", "lastDevicePolicyChangedTime", "lastPolicyUpdatedTime", "loginUserName",
        "deploymentType", "subDeploymentType", "vmName", "vmIp", "vmUuid", "vmMoId", "dataCenterName", "dataCenterMoId",
        "vcenterName", "vcenterUuid", "vcenterMoId", "esxHostName", "esxHostUuid", "esxHostMoId", "clusterName",
        "clusterMoId", "applianceUuid", "applianceName", "cleanupRequestTime", "messages", "assignedToName", "deviceGuid",
        "email", "assignedToId", "lastName", "firstName", "middleName", "deviceType", "deviceOwnerId", "deviceSessionId",
        "activationCode", "deviceId", "organizationId", "lastReportedTime", "uninstallCode", "createTime",
        "targetPriorityType", "organizationName", "sensorVersion", "activationCodeExpiryTime", "sensorKitType", "osVersion",
        "registeredTime", "lastContact", "windowsPlatform", "vdiBaseDevice", "avStatus", "deregisteredTime", "sensorStates",
        "rootedBySensor", "rootedBySensorTime", "quarantined", "lastInternalIpAddress", "macAddress", "lastExternalIpAddress",
        "lastLocation", "sensorOutOfDate", "avUpdateServers", "passiveMode", "lastResetTime", "lastShutdownTime", "scanStatus",
        "scanLastActionTime", "scanLastCompleteTime", "linuxKernelVersion", "avEngine", "avProductVersion", "avAveVersion",
        "avPackVersion", "avVdfVersion", "avLastScanTime", "virtualMachine", "virtualizationProvider", "sensorPendingUpdate",
        "rootedByAnalytics", "rootedByAnalyticsTime", "avMaster", "firstVirusActivityTime", "lastVirusActivityTime", "testId",
        "uninstalledTime", "encodedActivationCode", "originEventHash", "name", "status", "policyId", "policyName",
    };

    [Fact]
    public async Task List_HasV3Envelope()
    {
        var j = await _emu.Ok(Emu.V3 + "/device");
        Assert.Equal(0, j.GetProperty("latestTime").GetInt64());
        Assert.True(j.GetProperty("success").GetBoolean());
        Assert.Equal("Success", j.GetProperty("message").GetString());
        Assert.True(j.GetProperty("elapsed").GetInt64() >= 0);
        Assert.Equal(120, j.GetProperty("totalResults").GetInt32());
        Assert.Equal(20, j.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public async Task Record_HasEveryFixtureField()
    {
        var d = (await _emu.Devices("rows=1"))[0];
        foreach (var f in FixtureFields)
        {
            Assert.True(d.TryGetProperty(f, out _), "missing " + f);
        }
        Assert.Equal(JsonValueKind.Null, d.GetProperty("createTime").ValueKind);
        Assert.Equal(JsonValueKind.Number, d.GetProperty("lastContact").ValueKind);
        Assert.Equal("ENDPOINT", d.GetProperty("deploymentType").GetString());
    }

    [Fact]
    public async Task Data_IsRealistic()
    {
        var all = await _emu.Devices();
        Assert.Equal(120, all.Select(d => d.GetProperty("deviceId").GetInt64()).Distinct().Count());
        Assert.True(all.Count(d => d.GetProperty("deviceType").GetString() == "WINDOWS") > 60);
        Assert.Contains(all, d => d.GetProperty("deviceType").GetString() == "MAC");
        Assert.Contains(all, d => d.GetProperty("deviceType").GetString() == "LINUX");
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.All(all, d => Assert.InRange(d.GetProperty("lastContact").GetInt64(), now - 61L * 86_400_000, now));
        Assert.All(all, d => Assert.Contains("@", d.GetProperty("email").GetString()));
        Assert.True(all.Count(d => d.GetProperty("status").GetString() is "REGISTERED" or "ACTIVE") > 70);
        var ids = all.Select(d => d.GetProperty("deviceId").GetInt64()).ToList();
        Assert.Equal(ids.OrderBy(i => i), ids);
    }

    [Theory]
    [InlineData("")]
    [InlineData("start=0&")]
    [InlineData("start=1&")]
    public async Task Start_AbsentZeroOrOne_IsFirstRow(string start)
    {
        var first = (await _emu.Devices("rows=3"))[0].GetProperty("deviceId").GetInt64();
        var page = await _emu.Devices(start + "rows=3");
        Assert.Equal(first, page[0].GetProperty("deviceId").GetInt64());
        Assert.Equal(3, page.Count);
    }

    [Fact]
    public async Task Start_IsOneBased()
    {
        var all = await _emu.Devices();
        var page = await _emu.Devices("start=2&rows=2");
        Assert.Equal(all[1].GetProperty("deviceId").GetInt64(), page[0].GetProperty("deviceId").GetInt64());
        Assert.Equal(all[2].GetProperty("deviceId").GetInt64(), page[1].GetProperty("deviceId").GetInt64());
    }

    [Fact]
    public async Task Start_Last_GivesOneRow()
    {
        var j = await _emu.Ok(Emu.V3 + "/device?start=120&rows=10");
        Assert.Equal(1, j.GetProperty("results").GetArrayLength());
        Assert.Equal(120, j.GetProperty("totalResults").GetInt32());
    }

    [Fact]
    public async Task PartialLastPage()
    {
        var j = await _emu.Ok(Emu.V3 + "/device?start=101&rows=50");
        Assert.Equal(20, j.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public async Task StartBeyondEnd_IsEmptyWithTotal()
    {
        var j = await _emu.Ok(Emu.V3 + "/device?start=500&rows=50");
        Assert.Equal(0, j.GetProperty("results").GetArrayLength());
        Assert.Equal(120, j.GetProperty("totalResults").GetInt32());
    }

    [Fact]
    public async Task RowsZero_GivesCountOnly()
    {
        var j = await _emu.Ok(Emu.V3 + "/device?rows=0&limit=0");
        Assert.Equal(0, j.GetProperty("results").GetArrayLength());
        Assert.Equal(120, j.GetProperty("totalResults").GetInt32());
    }

    [Theory]
    [InlineData("rows=abc")]
    [InlineData("rows=-1")]
    [InlineData("start=x")]
    [InlineData("start=-5")]
    public async Task BadPaging_Is400(string q)
    {
        Emu.V3Error(await _emu.Get(Emu.V3 + "/device?" + q), 400);
    }

    [Fact]
    public async Task HostName_SubstringCaseInsensitive()
    {
        var all = await _emu.Devices();
        string name = all.First(d => d.GetProperty("deviceType").GetString() == "WINDOWS").GetProperty("name").GetString()!;
        string part = name.Substring(4, 3).ToLowerInvariant();
        var found = await _emu.Devices("rows=5000&hostName=" + part);
        Assert.NotEmpty(found);
        Assert.All(found, d => Assert.Contains(part, d.GetProperty("name").GetString()!, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(all.Count(d => d.GetProperty("name").GetString()!.Contains(part, StringComparison.OrdinalIgnoreCase)), found.Count);
    }

    [Fact]
    public async Task HostName_TrailingWildcardIsPrefix()
    {
        var all = await _emu.Devices();
        var found = await _emu.Devices("rows=5000&hostName=win-*");
        Assert.NotEmpty(found);
        Assert.All(found, d => Assert.StartsWith("WIN-", d.GetProperty("name").GetString()!));
        Assert.Equal(all.Count(d => d.GetProperty("name").GetString()!.StartsWith("WIN-", StringComparison.Ordinal)), found.Count);
    }

    [Fact]
    public async Task HostNameExact()
    {
        var all = await _emu.Devices();
        string name = all[5].GetProperty("name").GetString()!;
        var found = await _emu.Devices("hostNameExact=" + Uri.EscapeDataString(name.ToLowerInvariant()));
        Assert.Single(found);
        Assert.Equal(name, found[0].GetProperty("name").GetString());
        Assert.Empty(await _emu.Devices("hostNameExact=" + Uri.EscapeDataString(name[..^1])));
    }

    [Fact]
    public async Task OwnerName_And_OwnerNameExact()
    {
        var all = await _emu.Devices();
        string email = all[3].GetProperty("email").GetString()!;
        string last = all[3].GetProperty("lastName").GetString()!;
        var byLast = await _emu.Devices("rows=5000&ownerName=" + last.ToUpperInvariant());
        Assert.Contains(byLast, d => d.GetProperty("email").GetString() == email);
        Assert.All(byLast, d => Assert.True(
            d.GetProperty("email").GetString()!.Contains(last, StringComparison.OrdinalIgnoreCase)
            || d.GetProperty("lastName").GetString()!.Contains(last, StringComparison.OrdinalIgnoreCase)
            || d.GetProperty("firstName").GetString()!.Contains(last, StringComparison.OrdinalIgnoreCase)));
        var exact = await _emu.Devices("rows=5000&ownerNameExact=" + Uri.EscapeDataString(email));
        Assert.NotEmpty(exact);
        Assert.All(exact, d => Assert.Equal(email, d.GetProperty("email").GetString()));
        Assert.Equal(all.Count(d => d.GetProperty("email").GetString() == email), exact.Count);
    }

    [Fact]
    public async Task IpAddress_MatchesInternalOrExternal()
    {
        var all = await _emu.Devices();
        string ip = all[7].GetProperty("lastInternalIpAddress").GetString()!;
        var found = await _emu.Devices("ipAddress=" + ip);
        Assert.Contains(found, d => d.GetProperty("deviceId").GetInt64() == all[7].GetProperty("deviceId").GetInt64());
        string ext = all[7].GetProperty("lastExternalIpAddress").GetString()!;
        var byExt = await _emu.Devices("rows=5000&ipAddress=" + ext);
        Assert.All(byExt, d => Assert.True(d.GetProperty("lastExternalIpAddress").GetString() == ext || d.GetProperty("lastInternalIpAddress").GetString() == ext));
        Assert.NotEmpty(byExt);
    }

    [Fact]
    public async Task Filters_AreAnded()
    {
        var all = await _emu.Devices();
        var d0 = all[10];
        string email = d0.GetProperty("email").GetString()!;
        string name = d0.GetProperty("name").GetString()!;
        var both = await _emu.Devices("ownerNameExact=" + Uri.EscapeDataString(email) + "&hostNameExact=" + Uri.EscapeDataString(name));
        Assert.Single(both);
        var none = await _emu.Devices("ownerNameExact=nobody@nowhere.test&hostNameExact=" + Uri.EscapeDataString(name));
        Assert.Empty(none);
        var j = await _emu.Ok(Emu.V3 + "/device?hostName=zzzz-no-such");
        Assert.Equal(0, j.GetProperty("totalResults").GetInt32());
    }

    [Fact]
    public async Task Get_WrapsDeviceInfo()
    {
        var first = (await _emu.Devices("rows=1"))[0];
        long id = first.GetProperty("deviceId").GetInt64();
        var j = await _emu.Ok(Emu.V3 + "/device/" + id);
        Assert.True(j.GetProperty("success").GetBoolean());
        Assert.Equal("Success", j.GetProperty("message").GetString());
        Assert.Equal(id, j.GetProperty("deviceInfo").GetProperty("deviceId").GetInt64());
        Assert.Equal(first.GetRawText(), j.GetProperty("deviceInfo").GetRawText());
    }

    [Fact]
    public async Task Get_Unknown_Is404NamingTheId()
    {
        Emu.V3Error(await _emu.Get(Emu.V3 + "/device/999999999"), 404, "999999999");
    }

    [Fact]
    public async Task Get_NonNumeric_Is400()
    {
        Emu.V3Error(await _emu.Get(Emu.V3 + "/device/abc"), 400, "abc");
    }
}
