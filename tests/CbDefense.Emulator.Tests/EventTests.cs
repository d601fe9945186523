using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

public sealed class EventTests : IClassFixture<SharedEmu>
{
    private readonly Emu _emu;

    public EventTests(SharedEmu shared) => _emu = shared.Emu;

    private async Task<System.Collections.Generic.List<JsonElement>> Events(string q = "")
    {
        var j = await _emu.Ok(Emu.V3 + "/event?rows=10000" + q);
        return j.GetProperty("results").EnumerateArray().ToList();
    }

    [Fact]
    public async Task List_EnvelopeAndNewestFirst()
    {
        var j = await _emu.Ok(Emu.V3 + "/event");
        Assert.Equal(600, j.GetProperty("totalResults").GetInt32());
        Assert.Equal(20, j.GetProperty("results").GetArrayLength());
        Assert.True(j.GetProperty("success").GetBoolean());
        var all = await Events();
        var times = all.Select(e => e.GetProperty("eventTime").GetInt64()).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);
        Assert.Equal(600, all.Select(e => e.GetProperty("eventId").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task Record_ShapedLikeFixture()
    {
        var e = (await Events()).First(x => x.GetProperty("eventType").GetString() == "CREATE_PROCESS");
        foreach (var f in new[] { "shortDescription", "longDescription", "eventTime", "eventId", "createTime", "threatIndicators", "registryValue", "securityEventCode", "deviceDetails", "netFlow", "processDetails", "eventType", "parentApp", "selectedApp", "targetApp", "attackStage", "alertScore", "alertCategory", "incidentId" })
        {
            Assert.True(e.TryGetProperty(f, out _), "missing " + f);
        }
        Assert.Matches("^[0-9a-f]{32}$", e.GetProperty("eventId").GetString()!);
        Assert.Contains("<share><link hash=", e.GetProperty("shortDescription").GetString()!);
        Assert.Equal(64, e.GetProperty("selectedApp").GetProperty("sha256Hash").GetString()!.Length);
        foreach (var f in new[] { "deviceIpAddress", "agentLocation", "deviceLocation", "deviceIpV4Address", "deviceType", "email", "policyId", "deviceId", "deviceName", "deviceHostName", "deviceVersion", "targetPriorityType", "targetPriorityCode", "loginUserName", "deviceOwnerName", "msmGroupId", "msmGroupName", "policyName" })
        {
            Assert.True(e.GetProperty("deviceDetails").TryGetProperty(f, out _), "deviceDetails missing " + f);
        }
        foreach (var f in new[] { "userName", "parentName", "privatePid", "targetPrivatePid", "commandLine", "milisSinceProcessStart", "processId", "parentPid", "targetCommandLine", "targetPid", "parentCommandLine", "interpreterName", "interpreterHash", "parentPrivatePid", "fullUserName", "targetName", "name" })
        {
            Assert.True(e.GetProperty("processDetails").TryGetProperty(f, out _), "processDetails missing " + f);
        }
    }

    [Fact]
    public async Task Events_ReferenceSeededDevices()
    {
        var e = (await Events())[0];
        long id = e.GetProperty("deviceDetails").GetProperty("deviceId").GetInt64();
        var d = await _emu.Device(id);
        Assert.Equal(d.GetProperty("name").GetString(), e.GetProperty("deviceDetails").GetProperty("deviceName").GetString());
    }

    [Fact]
    public async Task Get_WrapsEventInfo()
    {
        var e = (await Events())[3];
        string id = e.GetProperty("eventId").GetString()!;
        var j = await _emu.Ok(Emu.V3 + "/event/" + id);
        Assert.True(j.GetProperty("success").GetBoolean());
        Assert.Equal("Success", j.GetProperty("message").GetString());
        Assert.Equal(e.GetRawText(), j.GetProperty("eventInfo").GetRawText());
    }

    [Fact]
    public async Task Get_Unknown_Is404()
    {
        Emu.V3Error(await _emu.Get(Emu.V3 + "/event/00000000000000000000000000000000"), 404, "00000000000000000000000000000000");
    }

    [Fact]
    public async Task Filter_HostNameExact_And_EventType()
    {
        var all = await Events();
        string host = all[0].GetProperty("deviceDetails").GetProperty("deviceName").GetString()!;
        var byHost = await Events("&hostNameExact=" + Uri.EscapeDataString(host));
        Assert.Equal(all.Count(e => e.GetProperty("deviceDetails").GetProperty("deviceName").GetString() == host), byHost.Count);
        var net = await Events("&eventType=NETWORK");
        Assert.NotEmpty(net);
        Assert.All(net, e => Assert.Equal("NETWORK", e.GetProperty("eventType").GetString()));
        Assert.Equal(all.Count(e => e.GetProperty("eventType").GetString() == "NETWORK"), net.Count);
    }

    [Fact]
    public async Task Filter_Sha256_And_ApplicationName()
    {
        var all = await Events();
        string sha = all[0].GetProperty("selectedApp").GetProperty("sha256Hash").GetString()!;
        var bySha = await Events("&sha256Hash=" + sha);
        Assert.NotEmpty(bySha);
        Assert.All(bySha, e => Assert.True(
            e.GetProperty("selectedApp").GetProperty("sha256Hash").GetString() == sha
            || e.GetProperty("parentApp").GetProperty("sha256Hash").GetString() == sha
            || (e.GetProperty("targetApp").ValueKind == JsonValueKind.Object && e.GetProperty("targetApp").GetProperty("sha256Hash").GetString() == sha)));
        var byApp = await Events("&applicationName=powershell.exe");
        Assert.All(byApp, e => Assert.Equal("powershell.exe", e.GetProperty("selectedApp").GetProperty("applicationName").GetString()));
        Assert.Equal(all.Count(e => e.GetProperty("selectedApp").GetProperty("applicationName").GetString() == "powershell.exe"), byApp.Count);
    }

    [Fact]
    public async Task Filter_OwnerAndIp()
    {
        var all = await Events();
        string email = all[1].GetProperty("deviceDetails").GetProperty("email").GetString()!;
        var byOwner = await Events("&ownerNameExact=" + Uri.EscapeDataString(email));
        Assert.All(byOwner, e => Assert.Equal(email, e.GetProperty("deviceDetails").GetProperty("email").GetString()));
        Assert.NotEmpty(byOwner);
        string ip = all[1].GetProperty("deviceDetails").GetProperty("deviceIpAddress").GetString()!;
        Assert.NotEmpty(await Events("&ipAddress=" + ip));
    }

    [Theory]
    [InlineData("1h", 1)]
    [InlineData("3h", 3)]
    [InlineData("1d", 24)]
    [InlineData("1w", 168)]
    [InlineData("2w", 336)]
    public async Task SearchWindow_LimitsByAge(string window, int hours)
    {
        var all = await Events();
        var found = await Events("&searchWindow=" + window);
        long min = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - hours * 3_600_000L - 5_000;
        Assert.All(found, e => Assert.True(e.GetProperty("eventTime").GetInt64() >= min));
        long strictMin = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - hours * 3_600_000L + 60_000;
        Assert.True(found.Count >= all.Count(e => e.GetProperty("eventTime").GetInt64() >= strictMin));
    }

    [Fact]
    public async Task SearchWindow_Unknown_Is400()
    {
        Emu.V3Error(await _emu.Get(Emu.V3 + "/event?searchWindow=5y"), 400, "searchWindow");
    }

    [Fact]
    public async Task StartAndEndTime_AreInclusive()
    {
        var all = await Events();
        long t1 = all[100].GetProperty("eventTime").GetInt64();
        long t0 = all[200].GetProperty("eventTime").GetInt64();
        string iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
        var found = await Events("&startTime=" + iso(t0) + "&endTime=" + iso(t1));
        Assert.Equal(all.Count(e => e.GetProperty("eventTime").GetInt64() >= t0 && e.GetProperty("eventTime").GetInt64() <= t1), found.Count);
        Assert.Contains(found, e => e.GetProperty("eventTime").GetInt64() == t0);
        Assert.Contains(found, e => e.GetProperty("eventTime").GetInt64() == t1);
    }

    [Theory]
    [InlineData("startTime=yesterday")]
    [InlineData("endTime=2020-13-45T99:00:00Z")]
    public async Task BadTimes_Are400(string q)
    {
        Emu.V3Error(await _emu.Get(Emu.V3 + "/event?" + q), 400);
    }

    [Fact]
    public async Task Rows_ClampedAt10000()
    {
        await using var emu = await Emu.Start("--devices", "20", "--events", "10500");
        var j = await emu.Ok(Emu.V3 + "/event?rows=50000");
        Assert.Equal(10000, j.GetProperty("results").GetArrayLength());
        Assert.Equal(10500, j.GetProperty("totalResults").GetInt32());
    }
}
