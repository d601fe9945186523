using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>Session lifecycle on both families: PENDING → ACTIVE, close, expiry, the cap, reuse, device states.</summary>
public sealed class LiveResponseSessionTests : IAsyncLifetime
{
    private Emu _emu = null!;

    public async Task InitializeAsync() => _emu = await Emu.Start("--devices", "60", "--events", "10",
        "--lr-session-delay-ms", "150", "--lr-command-delay-ms", "20", "--lr-large-file-mb", "1");

    public async Task DisposeAsync() => await _emu.DisposeAsync();

    private async Task Reset(string liveResponse) =>
        Assert.Equal(200, (await _emu.Post("/_emulator/reset", "{\"devices\": 60, \"events\": 10, \"liveResponse\": " + liveResponse + "}", null)).Code);

    [Fact]
    public async Task V3_CreatePendingThenActive_FixtureShapes()
    {
        var lr = new LrClient(_emu, v6: false);
        long dev = await LrDevices.Online(_emu, "WINDOWS");
        var r = await lr.Create(dev);
        Assert.Equal(200, r.Code);
        var j = r.Json;
        // lr_session_create.json, field for field
        Assert.Equal(new[] { "hostname", "address", "os_version", "current_working_directory", "supported_commands", "drives", "id", "sensor_id",
            "check_in_timeout", "session_timeout", "sensor_check_in_time", "status", "current_command_index", "create_time" }, j.EnumerateObject().Select(p => p.Name));
        string id = j.GetProperty("id").GetString()!;
        Assert.Matches("^[0-9]+:" + dev + "$", id);
        Assert.Equal("PENDING", j.GetProperty("status").GetString());
        Assert.Equal(dev, j.GetProperty("sensor_id").GetInt64());
        Assert.Equal(900, j.GetProperty("session_timeout").GetInt32());
        Assert.Equal(900, j.GetProperty("check_in_timeout").GetInt32());
        Assert.Equal(JsonValueKind.Null, j.GetProperty("supported_commands").ValueKind);
        Assert.Equal(JsonValueKind.Null, j.GetProperty("sensor_check_in_time").ValueKind);
        Assert.True(j.GetProperty("create_time").GetInt64() > 1_500_000_000_000); // epoch ms
        await Task.Delay(250);
        var g = (await lr.GetSession(id)).Json;
        Assert.Equal("ACTIVE", g.GetProperty("status").GetString());
        Assert.Equal(new[] { "put file", "get file", "memdump", "create directory", "delete file", "directory list", "reg enum key", "reg query value",
            "reg create key", "reg delete key", "reg delete value", "reg set value", "process list", "kill", "create process" },
            g.GetProperty("supported_commands").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(new[] { "C:\\", "D:\\" }, g.GetProperty("drives").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("C:\\Windows\\system32", g.GetProperty("current_working_directory").GetString());
        Assert.Equal(JsonValueKind.Number, g.GetProperty("sensor_check_in_time").ValueKind);
        var c = await lr.Close(id);
        Assert.Equal(200, c.Code);
        Assert.Equal("CLOSE", c.Json.GetProperty("status").GetString());
        Assert.Equal("CLOSE", (await lr.GetSession(id)).Json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task V6_Create201_GetAddsFields_Delete204()
    {
        var lr = new LrClient(_emu, v6: true);
        long dev = await LrDevices.Online(_emu, "WINDOWS", 1);
        var r = await lr.Create(dev);
        Assert.Equal(201, r.Code);
        var j = r.Json;
        // the SDK's SESSION_INIT_RESP
        Assert.Equal(new[] { "id", "device_id", "check_in_timeout", "session_timeout", "status", "current_command_index", "create_time", "device_check_in_time" },
            j.EnumerateObject().Select(p => p.Name));
        Assert.Equal("PENDING", j.GetProperty("status").GetString());
        Assert.Equal(dev, j.GetProperty("device_id").GetInt64());
        Assert.EndsWith("Z", j.GetProperty("create_time").GetString());
        string id = j.GetProperty("id").GetString()!;
        string active = await lr.Open(dev); // same device: the open session is reused
        Assert.Equal(id, active);
        var g = (await lr.GetSession(id)).Json;
        foreach (var f in new[] { "supported_commands", "drives", "current_working_directory", "hostname", "os_version" })
        {
            Assert.NotEqual(JsonValueKind.Null, g.GetProperty(f).ValueKind);
        }
        Assert.Equal(15, g.GetProperty("supported_commands").GetArrayLength());
        var d = await lr.Close(id);
        Assert.Equal(204, d.Code);
        Assert.Equal("", d.Text);
        Assert.Equal("CLOSED", (await lr.GetSession(id)).Json.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CommandOnClosedSession_404NotFound(bool v6)
    {
        var lr = new LrClient(_emu, v6);
        string id = await lr.Open(await LrDevices.Online(_emu, "WINDOWS", 2));
        await lr.Close(id);
        var p = await lr.Post(id, lr.Body("directory list", "C:\\"));
        Assert.Equal(404, p.Code);
        Assert.Equal("NOT_FOUND", p.Json.GetProperty("status").GetString());
        if (v6)
        {
            Assert.Equal("NOT_FOUND", p.Json.GetProperty("error_code").GetString());
        }
        var k = await _emu.Get(lr.SessionPath(id) + "/keepalive", lr.Token);
        Assert.Equal(404, k.Code);
        Assert.Equal("NOT_FOUND", k.Json.GetProperty("status").GetString());
        var unknown = await lr.Post("99:1", lr.Body("process list", null));
        Assert.Equal(404, unknown.Code);
        Assert.Equal("NOT_FOUND", unknown.Json.GetProperty("status").GetString());
        Assert.Equal(404, (await lr.GetSession("99:1")).Code);
    }

    [Fact]
    public async Task CommandsPostedWhilePending_RunOnceActive()
    {
        await Reset("{\"sessionDelayMs\": 1000, \"commandDelayMs\": 10}");
        var lr = new LrClient(_emu, v6: false);
        long dev = await LrDevices.Online(_emu, "LINUX");
        string id = (await lr.Create(dev)).Json.GetProperty("id").GetString()!;
        var p = await lr.Post(id, lr.Body("directory list", "/tmp/"));
        Assert.Equal(200, p.Code);
        Assert.Equal("pending", p.Json.GetProperty("status").GetString());
        Assert.Equal(0, p.Json.GetProperty("completion_time").GetInt64());
        var done = await lr.Wait(id, p.Json.GetProperty("id").GetInt64());
        Assert.Equal("complete", done.GetProperty("status").GetString());
        Assert.Contains(done.GetProperty("files").EnumerateArray(), f => f.GetProperty("filename").GetString() == "large.bin");
        await lr.Close(id);
        await Reset("{}");
    }

    [Fact]
    public async Task UnixSession_NoRegistryCommands()
    {
        foreach (var os in new[] { "LINUX", "MAC" })
        {
            var lr = new LrClient(_emu, v6: true);
            string id = await lr.Open(await LrDevices.Online(_emu, os));
            var g = (await lr.GetSession(id)).Json;
            var cmds = g.GetProperty("supported_commands").EnumerateArray().Select(e => e.GetString()).ToList();
            Assert.Equal(9, cmds.Count);
            Assert.DoesNotContain(cmds, c => c!.StartsWith("reg ", StringComparison.Ordinal));
            Assert.Equal(new[] { "/" }, g.GetProperty("drives").EnumerateArray().Select(e => e.GetString()));
            Assert.Equal("/", g.GetProperty("current_working_directory").GetString());
            var r = await lr.Post(id, lr.Body("reg enum key", "HKLM\\SOFTWARE"));
            Emu.V6Error(r, 400, "INVALID_ARGUMENT", "not supported");
            await lr.Close(id);
        }
    }

    [Fact]
    public async Task Expiry_WithoutKeepalive_ClosesSession_KeepaliveKeepsItOpen()
    {
        await Reset("{\"sessionTimeoutSec\": 2, \"sessionDelayMs\": 50, \"commandDelayMs\": 10}");
        var lr = new LrClient(_emu, v6: false);
        string idle = await lr.Open(await LrDevices.Online(_emu, "WINDOWS"));
        string kept = await lr.Open(await LrDevices.Online(_emu, "WINDOWS", 1));
        for (int i = 0; i < 9; i++)
        {
            await Task.Delay(300);
            var k = await _emu.Get(lr.SessionPath(kept) + "/keepalive", lr.Token);
            Assert.Equal(200, k.Code);
            Assert.Equal("{}", k.Text);
        }
        Assert.Equal("ACTIVE", (await lr.GetSession(kept)).Json.GetProperty("status").GetString());
        Assert.Equal("CLOSE", (await lr.GetSession(idle)).Json.GetProperty("status").GetString());
        var p = await lr.Post(idle, lr.Body("process list", null));
        Assert.Equal(404, p.Code);
        Assert.Equal("NOT_FOUND", p.Json.GetProperty("status").GetString());
        var admin = await _emu.Ok("/_emulator/lr/sessions", null);
        var s = admin.GetProperty("sessions").EnumerateArray().First(x => x.GetProperty("id").GetString() == idle);
        Assert.Equal("expired", s.GetProperty("closeReason").GetString());
        var ks = admin.GetProperty("sessions").EnumerateArray().First(x => x.GetProperty("id").GetString() == kept);
        Assert.Equal(JsonValueKind.String, ks.GetProperty("lastKeepalive").ValueKind);
        await Reset("{}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cap_403SessionLimit_ReuseDoesNotCount(bool v6)
    {
        await Reset("{\"sessionCap\": 2, \"sessionDelayMs\": 10}");
        var lr = new LrClient(_emu, v6);
        long a = await LrDevices.Online(_emu, "WINDOWS"), b = await LrDevices.Online(_emu, "WINDOWS", 1), c = await LrDevices.Online(_emu, "WINDOWS", 2);
        string first = (await lr.Create(a)).Json.GetProperty("id").GetString()!;
        Assert.Equal(v6 ? 201 : 200, (await lr.Create(b)).Code);
        var again = await lr.Create(a);
        Assert.Equal(v6 ? 201 : 200, again.Code);
        Assert.Equal(first, again.Json.GetProperty("id").GetString());
        var over = await lr.Create(c);
        if (v6)
        {
            Emu.V6Error(over, 403, "FORBIDDEN", "Session limit reached");
        }
        else
        {
            Emu.V3Error(over, 403, "Session limit reached");
        }
        await lr.Close(first);
        Assert.Equal(v6 ? 201 : 200, (await lr.Create(c)).Code);
        await Reset("{}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UnknownAndUnavailableDevices_404(bool v6)
    {
        var lr = new LrClient(_emu, v6);
        var r = await lr.Create(1);
        Assert.Equal(404, r.Code);
        Assert.Contains("not found", r.Json.GetProperty("message").GetString());
        long dereg = await LrDevices.Online(_emu, "WINDOWS", 9);
        Assert.Equal(204, (await _emu.Post(Emu.V6 + "/device_actions", "{\"action_type\": \"UNINSTALL_SENSOR\", \"device_id\": [" + dereg + "]}")).Code);
        var d = await lr.Create(dereg);
        Assert.Equal(404, d.Code);
        Assert.Contains("UNINSTALLED", d.Json.GetProperty("message").GetString());
        if (v6)
        {
            Emu.V6Error(await _emu.Post(lr.Base + "/sessions", "{\"sensor_id\": 5}", lr.Token), 400, "INVALID_ARGUMENT");
        }
        else
        {
            Emu.V3Error(await _emu.Post(lr.Base + "/session/abc", "{}", lr.Token), 400);
            Emu.V3Error(await _emu.Post(lr.Base + "/session/" + dereg, "{\"sensor_id\": 5}", lr.Token), 400, "sensor_id");
        }
        await _emu.Post("/_emulator/reset", "{\"devices\": 60, \"events\": 10}", null);
    }

    [Fact]
    public async Task UninstalledDevice_CannotOpen_OpenSessionClosesWhenDeviceGoes()
    {
        var lr = new LrClient(_emu, v6: true);
        long dev = await LrDevices.Online(_emu, "WINDOWS", 5);
        string id = await lr.Open(dev);
        Assert.Equal(204, (await _emu.Post(Emu.V6 + "/device_actions", "{\"action_type\": \"UNINSTALL_SENSOR\", \"device_id\": [" + dev + "]}")).Code);
        Assert.Equal("CLOSED", (await lr.GetSession(id)).Json.GetProperty("status").GetString());
        var p = await lr.Post(id, lr.Body("process list", null));
        Assert.Equal(404, p.Code);
        var c = await lr.Create(dev);
        Assert.Equal(404, c.Code);
        Assert.Contains("UNINSTALLED", c.Json.GetProperty("message").GetString());
        await _emu.Post("/_emulator/reset", "{\"devices\": 60, \"events\": 10}", null);
    }

    [Fact]
    public async Task OfflineDevice_StaysPending_TimesOutAtCheckIn()
    {
        await Reset("{\"sessionTimeoutSec\": 2, \"sessionDelayMs\": 10}");
        var lr = new LrClient(_emu, v6: false);
        long offline = await LrDevices.WithStatus(_emu, "INACTIVE");
        string id = (await lr.Create(offline)).Json.GetProperty("id").GetString()!;
        var p = await lr.Post(id, lr.Body("directory list", "C:\\"));
        for (int i = 0; i < 3; i++)
        {
            await Task.Delay(250);
            var g = await lr.GetSession(id); // polling does not make the sensor check in
            Assert.Equal("PENDING", g.Json.GetProperty("status").GetString());
            Assert.Equal("pending", (await lr.GetCommand(id, p.Json.GetProperty("id").GetInt64())).Json.GetProperty("status").GetString());
        }
        await Task.Delay(1500);
        Assert.Equal("CLOSE", (await lr.GetSession(id)).Json.GetProperty("status").GetString());
        await Reset("{}");
    }

    [Fact]
    public async Task AdminError_PutsSessionInErrorStatus()
    {
        var lr = new LrClient(_emu, v6: false);
        string id = await lr.Open(await LrDevices.Online(_emu, "MAC"));
        Assert.Equal(200, (await _emu.Post("/_emulator/lr/sessions/" + id + "/error", "", null)).Code);
        Assert.Equal("error", (await lr.GetSession(id)).Json.GetProperty("status").GetString());
        Assert.Equal("ERROR", (await new LrClient(_emu, true).GetSession(id)).Json.GetProperty("status").GetString());
        Assert.Equal(404, (await lr.Post(id, lr.Body("process list", null))).Code);
        Assert.Equal(200, (await lr.Close(id)).Code);
    }

    [Fact]
    public async Task CloseBody_IsValidated()
    {
        var lr = new LrClient(_emu, v6: false);
        Emu.V3Error(await _emu.Put(lr.Base + "/session", "{\"session_id\": \"1:2\"}", lr.Token), 400, "CLOSE");
        Emu.V3Error(await _emu.Put(lr.Base + "/session", "not json", lr.Token), 400);
        var unknown = await _emu.Put(lr.Base + "/session", "{\"session_id\": \"77:1\", \"status\": \"CLOSE\"}", lr.Token);
        Assert.Equal(404, unknown.Code);
        Assert.Equal(404, (await _emu.Delete(Emu.V6 + "/liveresponse/sessions/77:1", Emu.Custom)).Code);
    }

    [Fact]
    public async Task OneState_V3SessionIsReadableThroughV6()
    {
        var v3 = new LrClient(_emu, v6: false);
        var v6 = new LrClient(_emu, v6: true);
        long dev = await LrDevices.Online(_emu, "WINDOWS", 3);
        string id = await v3.Open(dev);
        var g = await v6.GetSession(id);
        Assert.Equal(200, g.Code);
        Assert.Equal(dev, g.Json.GetProperty("device_id").GetInt64());
        var j = await v6.Ok(id, "directory list", "C:\\TEMP\\");
        Assert.Contains(j.GetProperty("files").EnumerateArray(), f => f.GetProperty("filename").GetString() == "test.txt");
        await v6.Close(id);
        Assert.Equal("CLOSE", (await v3.GetSession(id)).Json.GetProperty("status").GetString());
    }
}
