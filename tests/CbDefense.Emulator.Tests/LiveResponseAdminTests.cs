using System;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>The admin views of the Live Response state, reset, options and determinism.</summary>
public sealed class LiveResponseAdminTests : IAsyncLifetime
{
    private Emu _emu = null!;

    public async Task InitializeAsync() => _emu = await Emu.Start("--devices", "40", "--events", "10",
        "--lr-session-delay-ms", "20", "--lr-command-delay-ms", "10", "--lr-large-file-mb", "1", "--lr-session-cap", "7");

    public async Task DisposeAsync() => await _emu.DisposeAsync();

    [Fact]
    public async Task Sessions_ListedWithStatusTimesAndDevice()
    {
        var lr = new LrClient(_emu, v6: false);
        long dev = await LrDevices.Online(_emu, "WINDOWS");
        string id = await lr.Open(dev);
        await _emu.Get(lr.SessionPath(id) + "/keepalive", lr.Token);
        var j = await _emu.Ok("/_emulator/lr/sessions", null);
        Assert.Equal(7, j.GetProperty("cap").GetInt32());
        Assert.True(j.GetProperty("open").GetInt32() >= 1);
        var s = j.GetProperty("sessions").EnumerateArray().First(x => x.GetProperty("id").GetString() == id);
        Assert.Equal(dev, s.GetProperty("deviceId").GetInt64());
        Assert.Equal("ACTIVE", s.GetProperty("status").GetString());
        Assert.Equal("WINDOWS", s.GetProperty("os").GetString());
        foreach (var f in new[] { "created", "activeAt", "lastActivity", "lastKeepalive", "expires" })
        {
            Assert.Equal(JsonValueKind.String, s.GetProperty(f).ValueKind);
        }
        await lr.Close(id);
        var after = (await _emu.Ok("/_emulator/lr/sessions", null)).GetProperty("sessions").EnumerateArray().First(x => x.GetProperty("id").GetString() == id);
        Assert.Equal("CLOSED", after.GetProperty("status").GetString());
        Assert.Equal("closed", after.GetProperty("closeReason").GetString());
        Assert.DoesNotContain((await _emu.Ok("/_emulator/lr/sessions?open=true", null)).GetProperty("sessions").EnumerateArray(), x => x.GetProperty("id").GetString() == id);
        Assert.Equal(404, (await _emu.Post("/_emulator/lr/sessions/9:9/error", "", null)).Code);
    }

    [Fact]
    public async Task DeviceViews_Files_Processes_Registry()
    {
        long win = await LrDevices.Online(_emu, "WINDOWS", 1);
        var d = await _emu.Ok("/_emulator/lr/devices/" + win, null);
        Assert.Equal("online", d.GetProperty("liveResponse").GetString());
        Assert.Equal("C:\\TEMP\\large.bin", d.GetProperty("largeFile").GetString());
        var temp = await _emu.Ok("/_emulator/lr/devices/" + win + "/files?path=" + Uri.EscapeDataString("C:\\TEMP"), null);
        var test = temp.GetProperty("files").EnumerateArray().First(f => f.GetProperty("path").GetString() == "C:\\TEMP\\test.txt");
        Assert.Equal(1234, test.GetProperty("size").GetInt64());
        Assert.Matches("^[0-9a-f]{64}$", test.GetProperty("sha256").GetString()!);
        var root = await _emu.Ok("/_emulator/lr/devices/" + win + "/files?path=" + Uri.EscapeDataString("C:\\") + "&hash=false", null);
        var page = root.GetProperty("files").EnumerateArray().First(f => f.GetProperty("path").GetString() == "C:\\pagefile.sys");
        Assert.True(page.GetProperty("locked").GetBoolean());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("sha256").ValueKind);
        var all = await _emu.Ok("/_emulator/lr/devices/" + win + "/files?path=" + Uri.EscapeDataString("C:\\Users") + "&recurse=true&hash=false", null);
        Assert.Contains(all.GetProperty("files").EnumerateArray(), f => f.GetProperty("path").GetString()!.EndsWith("\\Documents\\notes.txt", StringComparison.Ordinal));
        var content = await _emu.Get("/_emulator/lr/devices/" + win + "/file/content?path=" + Uri.EscapeDataString("C:\\TEMP\\test.txt"), null);
        Assert.Equal(1234, Encoding.UTF8.GetByteCount(content.Text));
        Assert.Equal(404, (await _emu.Get("/_emulator/lr/devices/" + win + "/file?path=" + Uri.EscapeDataString("C:\\nope"), null)).Code);

        var procs = await _emu.Ok("/_emulator/lr/devices/" + win + "/processes", null);
        var system = procs.GetProperty("processes").EnumerateArray().First(p => p.GetProperty("pid").GetInt32() == 4);
        Assert.Equal("System", system.GetProperty("name").GetString());
        Assert.True(system.GetProperty("protected").GetBoolean());

        var reg = await _emu.Ok("/_emulator/lr/devices/" + win + "/registry?key=" + Uri.EscapeDataString("HKCU\\Software\\Emulator\\Types"), null);
        Assert.Equal(new[] { "REG_SZ", "REG_EXPAND_SZ", "REG_MULTI_SZ", "REG_DWORD", "REG_QWORD", "REG_BINARY" }, reg.GetProperty("values").EnumerateArray().Select(v => v.GetProperty("type").GetString()));
        Assert.Equal(404, (await _emu.Get("/_emulator/lr/devices/" + win + "/registry?key=HKLM%5CNope", null)).Code);
        long linux = await LrDevices.Online(_emu, "LINUX");
        Assert.Equal(400, (await _emu.Get("/_emulator/lr/devices/" + linux + "/registry?key=HKLM", null)).Code);
        Assert.Contains((await _emu.Ok("/_emulator/lr/devices/" + linux + "/processes", null)).GetProperty("processes").EnumerateArray(), p => p.GetProperty("name").GetString() == "cbagentd");
        Assert.Equal(404, (await _emu.Get("/_emulator/lr/devices/1/processes", null)).Code);
        Assert.Equal("offline", (await _emu.Ok("/_emulator/lr/devices/" + await LrDevices.WithStatus(_emu, "INACTIVE"), null)).GetProperty("liveResponse").GetString());
    }

    [Fact]
    public async Task Reset_RestoresMachinesAndClosesSessions_AndSetsOptions()
    {
        var lr = new LrClient(_emu, v6: true);
        long dev = await LrDevices.Online(_emu, "WINDOWS", 2);
        string id = await lr.Open(dev);
        await lr.Ok(id, "delete file", "C:\\TEMP\\notes.txt");
        Assert.Equal(404, (await _emu.Get("/_emulator/lr/devices/" + dev + "/file?path=" + Uri.EscapeDataString("C:\\TEMP\\notes.txt"), null)).Code);
        var r = await _emu.Post("/_emulator/reset", "{\"devices\": 40, \"events\": 10, \"liveResponse\": {\"sessionCap\": 3, \"commandDelayMs\": 5, \"v6StatusCase\": \"lower\"}}", null);
        Assert.Equal(200, r.Code);
        Assert.Equal(200, (await _emu.Get("/_emulator/lr/devices/" + dev + "/file?path=" + Uri.EscapeDataString("C:\\TEMP\\notes.txt"), null)).Code);
        Assert.Equal(404, (await lr.GetSession(id)).Code);
        Assert.Empty((await _emu.Ok("/_emulator/lr/sessions", null)).GetProperty("sessions").EnumerateArray());
        var info = await _emu.Ok("/_emulator/info", null);
        var o = info.GetProperty("liveResponse");
        Assert.Equal(3, o.GetProperty("sessionCap").GetInt32());
        Assert.Equal(5, o.GetProperty("commandDelayMs").GetInt32());
        Assert.Equal("lower", o.GetProperty("v6StatusCase").GetString());
        Assert.Equal(20, o.GetProperty("sessionDelayMs").GetInt32()); // from the command line
        Assert.Equal(0, info.GetProperty("liveResponseOpenSessions").GetInt32());
        Emu.V3Error(await _emu.Post("/_emulator/reset", "{\"liveResponse\": {\"sessionCap\": -1}}", null), 400, "sessionCap");
        Emu.V3Error(await _emu.Post("/_emulator/reset", "{\"liveResponse\": {\"nope\": 1}}", null), 400, "unknown liveResponse field");
        Assert.Equal(200, (await _emu.Post("/_emulator/reset", "", null)).Code);
        Assert.Equal(7, (await _emu.Ok("/_emulator/info", null)).GetProperty("liveResponse").GetProperty("sessionCap").GetInt32());
    }

    [Fact]
    public async Task UploadedFiles_LeaveTheDiskWhenNothingRefersToThem()
    {
        async Task<int> Temp() => (await _emu.Ok("/_emulator/lr/sessions", null)).GetProperty("tempFiles").GetInt32();
        var lr = new LrClient(_emu, v6: false);
        long dev = await LrDevices.Online(_emu, "WINDOWS", 3);
        int before = await Temp();
        string id = await lr.Open(dev);
        var a = await lr.Upload(id, new byte[1000]);
        var b = await lr.Upload(id, new byte[2000]);
        Assert.Equal(before + 2, await Temp());
        Assert.Equal(200, (await _emu.Delete(lr.FilesPath(id) + "/" + a.GetInt64(), lr.Token)).Code);
        Assert.Equal(before + 1, await Temp());
        await lr.Ok(id, "put file", "C:\\TEMP\\kept.bin", ("file_id", b.GetInt64()));
        await lr.Close(id);
        Assert.Equal(before + 1, await Temp()); // the device's file still refers to it
        id = await lr.Open(dev);
        await lr.Ok(id, "delete file", "C:\\TEMP\\kept.bin");
        Assert.Equal(before, await Temp());
        await lr.Close(id);
    }

    [Fact]
    public async Task SameSeed_SameMachines()
    {
        var other = await Emu.Start("--devices", "40", "--events", "10", "--lr-large-file-mb", "1");
        await using (other)
        {
            foreach (var os in new[] { "WINDOWS", "MAC", "LINUX" })
            {
                long dev = await LrDevices.Online(_emu, os);
                foreach (var view in new[] { "/processes", "/files?path=" + Uri.EscapeDataString(os == "WINDOWS" ? "C:\\TEMP" : "/tmp") })
                {
                    var a = (await _emu.Get("/_emulator/lr/devices/" + dev + view, null)).Text;
                    var b = (await other.Get("/_emulator/lr/devices/" + dev + view, null)).Text;
                    Assert.Equal(a, b);
                }
            }
        }
    }

    [Fact]
    public void Options_ParseAndRefuseBadValues()
    {
        var o = EmulatorOptions.Parse(new[] { "--lr-session-delay-ms", "5", "--lr-command-delay-ms=6", "--lr-session-timeout-sec", "7", "--lr-session-cap", "8",
            "--lr-large-file-mb", "256", "--lr-memdump-mb", "3", "--lr-memdump-ms", "9", "--lr-storage-ttl-sec", "10", "--lr-v6-status-case", "LOWER" });
        Assert.Equal(5, o.Lr.SessionDelayMs);
        Assert.Equal(6, o.Lr.CommandDelayMs);
        Assert.Equal(7, o.Lr.SessionTimeoutSec);
        Assert.Equal(8, o.Lr.SessionCap);
        Assert.Equal(256, o.Lr.LargeFileMb);
        Assert.Equal(3, o.Lr.MemdumpMb);
        Assert.Equal(9, o.Lr.MemdumpMs);
        Assert.Equal(10, o.Lr.StorageTtlSec);
        Assert.Equal("lower", o.Lr.V6StatusCase);
        Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(new[] { "--lr-session-cap", "-1" }));
        Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(new[] { "--lr-v6-status-case", "mixed" }));
        Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(new[] { "--lr-nope", "1" }));
        Assert.Contains("--lr-large-file-mb", EmulatorOptions.HelpText);
    }
}
