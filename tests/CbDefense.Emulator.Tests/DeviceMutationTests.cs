using System;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

public sealed class DeviceMutationTests : IAsyncLifetime
{
    private Emu _emu = null!;
    private long _win;
    private long _mac;

    public async Task InitializeAsync()
    {
        _emu = await Emu.Start("--devices", "60", "--events", "50");
        var all = await _emu.Devices();
        _win = all.First(d => d.GetProperty("deviceType").GetString() == "WINDOWS" && d.GetProperty("status").GetString() == "REGISTERED").GetProperty("deviceId").GetInt64();
        _mac = all.First(d => d.GetProperty("deviceType").GetString() == "MAC").GetProperty("deviceId").GetInt64();
    }

    public async Task DisposeAsync() => await _emu.DisposeAsync();

    private async Task<string> Snapshot() => string.Join("\n", (await _emu.Devices()).Select(d => d.GetRawText()));

    [Fact]
    public async Task Patch_PolicyId_ChangesDevice()
    {
        var r = await _emu.Patch(Emu.V3 + "/device/" + _win, "{\"policyId\": 6526}");
        Assert.Equal(200, r.Code);
        Assert.True(r.Json.GetProperty("success").GetBoolean());
        Assert.Equal(6526, r.Json.GetProperty("deviceInfo").GetProperty("policyId").GetInt64());
        var d = await _emu.Device(_win);
        Assert.Equal(6526, d.GetProperty("policyId").GetInt64());
        Assert.Equal("Advanced", d.GetProperty("policyName").GetString());
    }

    [Fact]
    public async Task Patch_PolicyName_ChangesDevice()
    {
        var r = await _emu.Patch(Emu.V3 + "/device/" + _win, "{\"policyName\": \"Monitored\"}");
        Assert.Equal(200, r.Code);
        var d = await _emu.Device(_win);
        Assert.Equal(6527, d.GetProperty("policyId").GetInt64());
        Assert.Equal("Monitored", d.GetProperty("policyName").GetString());
    }

    [Theory]
    [InlineData("{\"policyId\": 424242}", 400, "424242")]
    [InlineData("{\"policyName\": \"NoSuchPolicy\"}", 400, "NoSuchPolicy")]
    [InlineData("{\"policyId\": \"abc\"}", 400, "policyId")]
    [InlineData("{\"policyName\": 5}", 400, "policyName")]
    [InlineData("{}", 400, "policyId")]
    [InlineData("[1,2]", 400, null)]
    [InlineData("{not json", 400, "JSON")]
    [InlineData("", 400, null)]
    [InlineData("{\"policyId\": 6526, \"policyName\": \"Standard\"}", 400, null)]
    public async Task Patch_BadInput_Is400_NoChange(string body, int status, string? contains)
    {
        string before = await Snapshot();
        Emu.V3Error(await _emu.Patch(Emu.V3 + "/device/" + _win, body), status, contains);
        Assert.Equal(before, await Snapshot());
    }

    [Fact]
    public async Task Patch_UnknownDevice_Is404()
    {
        Emu.V3Error(await _emu.Patch(Emu.V3 + "/device/123", "{\"policyId\": 6526}"), 404, "123");
    }

    private Task<Emu.Reply> Act(string type, string ids, string? options = null) =>
        _emu.Action("{\"action_type\": \"" + type + "\", \"device_id\": [" + ids + "]" + (options == null ? "" : ", \"options\": " + options) + "}");

    [Fact]
    public async Task Quarantine_OnThenOff()
    {
        Assert.Equal(204, (await Act("QUARANTINE", _win.ToString(), "{\"toggle\": \"ON\"}")).Code);
        var d = await _emu.Device(_win);
        Assert.True(d.GetProperty("quarantined").GetBoolean());
        Assert.Equal("QUARANTINE", d.GetProperty("status").GetString());
        Assert.Equal(204, (await Act("QUARANTINE", _win.ToString(), "{\"toggle\": \"OFF\"}")).Code);
        d = await _emu.Device(_win);
        Assert.False(d.GetProperty("quarantined").GetBoolean());
        Assert.Equal("ACTIVE", d.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Bypass_OnThenOff()
    {
        Assert.Equal(204, (await Act("BYPASS", _win.ToString(), "{\"toggle\": \"ON\"}")).Code);
        Assert.Equal("BYPASS", (await _emu.Device(_win)).GetProperty("status").GetString());
        Assert.Equal(204, (await Act("BYPASS", _win.ToString(), "{\"toggle\": \"OFF\"}")).Code);
        Assert.Equal("ACTIVE", (await _emu.Device(_win)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task BackgroundScan_OnThenOff()
    {
        Assert.Equal(204, (await Act("BACKGROUND_SCAN", _win.ToString(), "{\"toggle\": \"ON\"}")).Code);
        var d = await _emu.Device(_win);
        Assert.Equal("IN_PROGRESS", d.GetProperty("scanStatus").GetString());
        Assert.True(d.GetProperty("scanLastActionTime").GetInt64() > 0);
        Assert.Equal(204, (await Act("BACKGROUND_SCAN", _win.ToString(), "{\"toggle\": \"OFF\"}")).Code);
        Assert.Equal("STOPPED", (await _emu.Device(_win)).GetProperty("scanStatus").GetString());
    }

    [Fact]
    public async Task UpdatePolicy_ChangesIdAndName()
    {
        Assert.Equal(204, (await Act("UPDATE_POLICY", _win + "," + _mac, "{\"policy_id\": 30247}")).Code);
        foreach (var id in new[] { _win, _mac })
        {
            var d = await _emu.Device(id);
            Assert.Equal(30247, d.GetProperty("policyId").GetInt64());
            Assert.Equal("policy-restrictive", d.GetProperty("policyName").GetString());
        }
    }

    [Fact]
    public async Task UpdateSensorVersion_OnlyMatchingOs()
    {
        string macBefore = (await _emu.Device(_mac)).GetProperty("sensorVersion").GetString()!;
        Assert.Equal(204, (await Act("UPDATE_SENSOR_VERSION", _win + "," + _mac, "{\"sensor_version\": {\"WINDOWS\": \"9.9.9.9\"}}")).Code);
        Assert.Equal("9.9.9.9", (await _emu.Device(_win)).GetProperty("sensorVersion").GetString());
        Assert.Equal(macBefore, (await _emu.Device(_mac)).GetProperty("sensorVersion").GetString());
        Assert.Equal(204, (await Act("UPDATE_SENSOR_VERSION", _mac.ToString(), "{\"sensor_version\": {\"MAC\": \"4.0.0.1\"}}")).Code);
        Assert.Equal("4.0.0.1", (await _emu.Device(_mac)).GetProperty("sensorVersion").GetString());
    }

    [Fact]
    public async Task UninstallSensor_SetsStatusAndTime()
    {
        Assert.Equal(204, (await Act("UNINSTALL_SENSOR", _win.ToString())).Code);
        var d = await _emu.Device(_win);
        Assert.Equal("UNINSTALLED", d.GetProperty("status").GetString());
        Assert.True(d.GetProperty("uninstalledTime").GetInt64() > 0);
    }

    [Fact]
    public async Task DeleteSensor_RemovesDevice()
    {
        Assert.Equal(204, (await Act("DELETE_SENSOR", _win.ToString())).Code);
        Emu.V3Error(await _emu.Get(Emu.V3 + "/device/" + _win), 404);
        var j = await _emu.Ok(Emu.V3 + "/device?rows=5000");
        Assert.Equal(59, j.GetProperty("totalResults").GetInt32());
        Assert.DoesNotContain(j.GetProperty("results").EnumerateArray(), d => d.GetProperty("deviceId").GetInt64() == _win);
    }

    [Fact]
    public async Task UnknownIds_AreIgnored()
    {
        string before = await Snapshot();
        Assert.Equal(204, (await Act("QUARANTINE", "1,2,3", "{\"toggle\": \"ON\"}")).Code);
        Assert.Equal(before, await Snapshot());
    }

    [Fact]
    public async Task SearchBased_AppliesToMatchingDevices()
    {
        var r = await _emu.Action("{\"action_type\": \"QUARANTINE\", \"search\": {\"criteria\": {\"os\": [\"MAC\"]}, \"exclusions\": {}, \"query\": \"\"}, \"options\": {\"toggle\": \"ON\"}}");
        Assert.Equal(204, r.Code);
        var all = await _emu.Devices();
        Assert.All(all.Where(d => d.GetProperty("deviceType").GetString() == "MAC"), d => Assert.True(d.GetProperty("quarantined").GetBoolean()));
        Assert.All(all.Where(d => d.GetProperty("deviceType").GetString() == "WINDOWS"), d => Assert.Equal(d.GetProperty("status").GetString() == "QUARANTINE", d.GetProperty("quarantined").GetBoolean()));
        Assert.True((await _emu.Device(_mac)).GetProperty("quarantined").GetBoolean());
    }

    [Fact]
    public async Task SearchBased_QueryMatchingNothing_ChangesNothing()
    {
        string before = await Snapshot();
        Assert.Equal(204, (await _emu.Action("{\"action_type\": \"BACKGROUND_SCAN\", \"search\": {\"query\": \"foobar\", \"criteria\": {}, \"exclusions\": {}}, \"options\": {\"toggle\": \"ON\"}}")).Code);
        Assert.Equal(before, await Snapshot());
    }

    [Theory]
    [InlineData("{\"action_type\": \"REBOOT\", \"device_id\": [1]}", "action_type")]
    [InlineData("{\"device_id\": [1]}", "action_type")]
    [InlineData("{\"action_type\": \"QUARANTINE\", \"options\": {\"toggle\": \"ON\"}}", "device_id")]
    [InlineData("{\"action_type\": \"QUARANTINE\", \"device_id\": 5, \"options\": {\"toggle\": \"ON\"}}", "device_id")]
    [InlineData("{\"action_type\": \"QUARANTINE\", \"device_id\": [\"x\"], \"options\": {\"toggle\": \"ON\"}}", "device_id")]
    [InlineData("{\"action_type\": \"QUARANTINE\", \"device_id\": [DEV]}", "toggle")]
    [InlineData("{\"action_type\": \"BYPASS\", \"device_id\": [DEV], \"options\": {\"toggle\": \"MAYBE\"}}", "toggle")]
    [InlineData("{\"action_type\": \"BACKGROUND_SCAN\", \"device_id\": [DEV], \"options\": {\"toggle\": true}}", "toggle")]
    [InlineData("{\"action_type\": \"UPDATE_POLICY\", \"device_id\": [DEV], \"options\": {\"policy_id\": \"abc\"}}", "policy_id")]
    [InlineData("{\"action_type\": \"UPDATE_POLICY\", \"device_id\": [DEV], \"options\": {\"policy_id\": 8675309}}", "8675309")]
    [InlineData("{\"action_type\": \"UPDATE_POLICY\", \"device_id\": [DEV]}", "policy_id")]
    [InlineData("{\"action_type\": \"UPDATE_SENSOR_VERSION\", \"device_id\": [DEV], \"options\": {\"sensor_version\": \"1.2.3\"}}", "sensor_version")]
    [InlineData("{\"action_type\": \"UPDATE_SENSOR_VERSION\", \"device_id\": [DEV], \"options\": {\"sensor_version\": {\"AMIGA\": \"1.0\"}}}", "AMIGA")]
    [InlineData("{\"action_type\": \"UPDATE_SENSOR_VERSION\", \"device_id\": [DEV], \"options\": {\"sensor_version\": {\"WINDOWS\": 3}}}", "WINDOWS")]
    [InlineData("{\"action_type\": \"QUARANTINE\", \"search\": \"all\", \"options\": {\"toggle\": \"ON\"}}", "search")]
    [InlineData("this is not json", "JSON")]
    [InlineData("[1, 2, 3]", "object")]
    [InlineData("", "body")]
    public async Task DeviceActions_BadInput_Is400_NoChange(string body, string contains)
    {
        string before = await Snapshot();
        var r = await _emu.Action(body.Replace("DEV", _win.ToString(), StringComparison.Ordinal));
        Emu.V6Error(r, 400, "INVALID_ARGUMENT", contains);
        Assert.Equal(before, await Snapshot());
    }
}
