using System;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>One emulator with fast Live Response timings for the command tests.</summary>
public sealed class LrEmu : IAsyncLifetime
{
    public Emu Emu { get; private set; } = null!;

    public async Task InitializeAsync() => Emu = await Emu.Start("--devices", "60", "--events", "10",
        "--lr-session-delay-ms", "30", "--lr-command-delay-ms", "10", "--lr-large-file-mb", "2", "--lr-memdump-mb", "1",
        "--lr-memdump-ms", "300", "--lr-session-cap", "1000");

    public async Task DisposeAsync() => await Emu.DisposeAsync();
}

/// <summary>Every command on both families, with the fixtures' result fields and the sensor's HRESULTs.</summary>
public sealed class LiveResponseCommandTests : IClassFixture<LrEmu>
{
    private const int FileNotFound = 2, PathNotFound = 3, AccessDenied = 5, SharingViolation = 32, FileExists = 80,
        InvalidParameter = 87, DirNotEmpty = 145, AlreadyExists = 183, Directory = 267;

    private readonly Emu _emu;

    public LiveResponseCommandTests(LrEmu f) => _emu = f.Emu;

    private async Task<(LrClient Lr, string Id)> Open(bool v6, string os = "WINDOWS", int which = 0)
    {
        var lr = new LrClient(_emu, v6);
        return (lr, await lr.Open(await LrDevices.Online(_emu, os, which)));
    }

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DirectoryList_FolderWithDots_Wildcards_AndTheFolderItself(bool v6)
    {
        var (lr, id) = await Open(v6);
        var j = await lr.Ok(id, "directory list", "C:\\TEMP\\");
        var files = LrClient.Array(j, "files");
        Assert.Equal(".", files[0].GetProperty("filename").GetString());
        Assert.Equal("..", files[1].GetProperty("filename").GetString());
        var test = files.First(f => f.GetProperty("filename").GetString() == "test.txt");
        Assert.Equal(new[] { "attributes", "create_time", "filename", "last_access_time", "last_write_time", "size" }, test.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1234, test.GetProperty("size").GetInt64());
        Assert.Equal("ARCHIVE", test.GetProperty("attributes")[0].GetString());
        Assert.InRange(test.GetProperty("create_time").GetInt64(), 1_000_000_000, 9_999_999_999); // epoch seconds
        Assert.Equal("DIRECTORY", files[0].GetProperty("attributes")[0].GetString());
        Assert.Equal(2 * 1024 * 1024, files.First(f => f.GetProperty("filename").GetString() == "large.bin").GetProperty("size").GetInt64());

        var star = LrClient.Array(await lr.Ok(id, "directory list", "C:\\TEMP\\*"), "files");
        Assert.Equal(files.Select(f => f.GetProperty("filename").GetString()), star.Select(f => f.GetProperty("filename").GetString()));
        var logs = LrClient.Array(await lr.Ok(id, "directory list", "C:\\temp\\*.LOG"), "files").Select(f => f.GetProperty("filename").GetString()).ToList();
        Assert.Equal(new[] { "install.log", "setup.log" }, logs);
        var self = LrClient.Array(await lr.Ok(id, "directory list", "C:\\TEMP"), "files");
        Assert.Single(self);
        Assert.Equal("TEMP", self[0].GetProperty("filename").GetString());
        var root = LrClient.Array(await lr.Ok(id, "directory list", "C:\\"), "files").Select(f => f.GetProperty("filename").GetString()).ToList();
        Assert.DoesNotContain(".", root);
        Assert.Contains("pagefile.sys", root);
        Assert.Contains("Windows", root);
        // the fixture's doubled backslashes and forward slashes name the same folder
        Assert.Equal(files.Count, LrClient.Array(await lr.Ok(id, "directory list", "C:\\\\TEMP\\\\"), "files").Count);
        Assert.Equal(files.Count, LrClient.Array(await lr.Ok(id, "directory list", "c:/temp/"), "files").Count);
        await lr.Fails(id, FileNotFound, "directory list", "C:\\TEMP\\*.nothing");
        await lr.Fails(id, PathNotFound, "directory list", "C:\\NoSuchFolder\\*");
        await lr.Fails(id, PathNotFound, "directory list", "Q:\\");
        await lr.Fails(id, Directory, "directory list", "C:\\TEMP\\test.txt\\");
        await lr.Close(id);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DirectoryList_Unix(bool v6)
    {
        var (lr, id) = await Open(v6, "LINUX");
        var names = LrClient.Array(await lr.Ok(id, "directory list", "/tmp/"), "files").Select(f => f.GetProperty("filename").GetString()).ToList();
        Assert.Equal(new[] { ".", "..", "install.log", "large.bin", "notes.txt", "test.txt" }, names);
        Assert.Contains("etc", LrClient.Array(await lr.Ok(id, "directory list", "/"), "files").Select(f => f.GetProperty("filename").GetString()));
        await lr.Fails(id, FileNotFound, "directory list", "/tmp/*.LOG"); // case-sensitive
        await lr.Close(id);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetFile_Content_Locked_Missing_Folder(bool v6)
    {
        var (lr, id) = await Open(v6);
        var bytes = await lr.GetFile(id, "C:\\TEMP\\test.txt");
        Assert.Equal(1234, bytes.Length);
        Assert.StartsWith("Line 001: the quick brown fox", Encoding.UTF8.GetString(bytes));
        var post = await lr.Post(id, lr.Body("get file", "C:\\pagefile.sys"));
        if (v6)
        {
            var fd = post.Json.GetProperty("file_details");
            Assert.Equal(0, fd.GetProperty("offset").GetInt64());
            Assert.Equal(0, fd.GetProperty("count").GetInt64());
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", fd.GetProperty("file_id").GetString()!);
        }
        else
        {
            Assert.Equal(JsonValueKind.Number, post.Json.GetProperty("file_id").ValueKind);
        }
        await lr.Wait(id, post.Json.GetProperty("id").GetInt64());
        await lr.Fails(id, SharingViolation, "get file", "C:\\pagefile.sys");
        await lr.Fails(id, SharingViolation, "get file", "C:\\Windows\\System32\\config\\SAM");
        await lr.Fails(id, FileNotFound, "get file", "C:\\TEMP\\missing.txt");
        await lr.Fails(id, PathNotFound, "get file", "C:\\Missing\\missing.txt");
        await lr.Fails(id, AccessDenied, "get file", "C:\\TEMP");
        // a failed get file has no content
        var failed = await lr.Run(id, "get file", "C:\\TEMP\\missing.txt");
        string fid = v6 ? failed.GetProperty("file_details").GetProperty("file_id").GetString()! : failed.GetProperty("file_id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var content = await _emu.Get(lr.FilesPath(id) + "/" + fid + "/content", lr.Token);
        Assert.Equal(404, content.Code);
        await lr.Close(id);
    }

    [Fact]
    public async Task GetFile_OffsetAndCount()
    {
        var (lr, id) = await Open(v6: true);
        var j = await lr.Ok(id, "get file", "C:\\TEMP\\test.txt", ("offset", 5), ("get_count", 3));
        Assert.Equal(5, j.GetProperty("file_details").GetProperty("offset").GetInt64());
        var bytes = await lr.Download(id, j.GetProperty("file_details").GetProperty("file_id").GetString()!);
        Assert.Equal("001", Encoding.UTF8.GetString(bytes));
        await lr.Close(id);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PutFile_CreateNew_Overwrite_Protected(bool v6)
    {
        var (lr, id) = await Open(v6);
        byte[] data = Encoding.UTF8.GetBytes("hello from the client\r\n");
        var fileId = await lr.Upload(id, data, "hello.txt");
        string path = "C:\\TEMP\\" + Unique("put-") + ".txt";
        object fid = v6 ? fileId.GetString()! : fileId.GetInt64();
        await lr.Ok(id, "put file", path, ("file_id", fid));
        Assert.Equal(data, await lr.GetFile(id, path));
        await lr.Fails(id, FileExists, "put file", path, ("file_id", fid));
        var other = await lr.Upload(id, Encoding.UTF8.GetBytes("second"));
        await lr.Ok(id, "put file", path, ("file_id", v6 ? other.GetString()! : other.GetInt64()), ("overwrite", true));
        Assert.Equal("second", Encoding.UTF8.GetString(await lr.GetFile(id, path)));
        await lr.Fails(id, AccessDenied, "put file", "C:\\Program Files\\Confer\\RepMgr.exe", ("file_id", fid), ("overwrite", true));
        await lr.Fails(id, SharingViolation, "put file", "C:\\pagefile.sys", ("file_id", fid), ("overwrite", true));
        await lr.Fails(id, PathNotFound, "put file", "C:\\NoSuchFolder\\x.txt", ("file_id", fid));
        // relative paths are relative to current_working_directory, as the fixture's "foobar.txt"
        await lr.Ok(id, "put file", "foobar-" + Unique("") + ".txt", ("file_id", fid));
        var bad = await lr.Post(id, lr.Body("put file", "C:\\TEMP\\y.txt", ("file_id", 99999)));
        Assert.Equal(400, bad.Code);
        var sha = (await _emu.Ok("/_emulator/lr/devices/" + (await LrDevices.Online(_emu, "WINDOWS")) + "/file?path=" + Uri.EscapeDataString(path), null)).GetProperty("sha256").GetString();
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("second"))), sha);
        await lr.Close(id);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DeleteFile_CreateDirectory(bool v6)
    {
        var (lr, id) = await Open(v6);
        string dir = "C:\\TEMP\\" + Unique("dir-");
        await lr.Ok(id, "create directory", dir);
        await lr.Fails(id, AlreadyExists, "create directory", dir);
        await lr.Fails(id, PathNotFound, "create directory", "C:\\NoSuch\\Deeper");
        var up = await lr.Upload(id, new byte[] { 1, 2, 3 });
        await lr.Ok(id, "put file", dir + "\\a.bin", ("file_id", v6 ? up.GetString()! : up.GetInt64()));
        await lr.Fails(id, DirNotEmpty, "delete file", dir);
        await lr.Ok(id, "delete file", dir + "\\a.bin");
        await lr.Fails(id, FileNotFound, "delete file", dir + "\\a.bin");
        await lr.Ok(id, "delete file", dir);
        await lr.Fails(id, PathNotFound, "delete file", dir + "\\a.bin");
        await lr.Fails(id, SharingViolation, "delete file", "C:\\pagefile.sys");
        await lr.Fails(id, AccessDenied, "delete file", "C:\\Windows\\System32\\cmd.exe");
        await lr.Fails(id, AccessDenied, "delete file", "C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe"); // running
        // the fixture's error, byte for byte: -2147024894, WinHresult
        var err = await lr.Run(id, "delete file", "C:\\TEMP\\foo.txt");
        Assert.Equal(-2147024894, err.GetProperty("result_code").GetInt32());
        Assert.Equal("File not found", err.GetProperty("result_desc").GetString());
        await lr.Close(id);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ProcessList_FieldNamesPerFamily(bool v6)
    {
        var (lr, id) = await Open(v6);
        var procs = LrClient.Array(await lr.Ok(id, "process list", null), "processes");
        string[] names = v6
            ? new[] { "process_pid", "create_time", "proc_guid", "process_path", "process_cmdline", "sid", "process_username", "parent_pid", "parent_guid" }
            : new[] { "pid", "create_time", "proc_guid", "path", "command_line", "sid", "username", "parent", "parent_guid" };
        Assert.Equal(names, procs[0].EnumerateObject().Select(p => p.Name));
        string pid = v6 ? "process_pid" : "pid", path = v6 ? "process_path" : "path", user = v6 ? "process_username" : "username";
        Assert.Contains(procs, p => p.GetProperty(pid).GetInt32() == 4);
        var sensor = procs.First(p => p.GetProperty(path).GetString()!.EndsWith("RepMgr.exe", StringComparison.Ordinal));
        Assert.Equal("NT AUTHORITY\\SYSTEM", sensor.GetProperty(user).GetString());
        Assert.Contains(procs, p => p.GetProperty(path).GetString()!.EndsWith("lsass.exe", StringComparison.Ordinal));
        Assert.Contains(procs, p => p.GetProperty(path).GetString()!.EndsWith("explorer.exe", StringComparison.Ordinal));
        await lr.Close(id);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Kill_ProtectedUnknownAndStartedProcess(bool v6)
    {
        var (lr, id) = await Open(v6, "WINDOWS", 1);
        var denied = await lr.Fails(id, AccessDenied, "kill", 4);
        Assert.Equal(4, denied.GetProperty("object").GetInt32());
        await lr.Fails(id, InvalidParameter, "kill", 999_999);
        var started = await lr.Ok(id, "create process", "notepad.exe", ("wait", false));
        int pid = started.GetProperty("pid").GetInt32();
        string pidField = v6 ? "process_pid" : "pid";
        await Task.Delay(100);
        Assert.Contains(LrClient.Array(await lr.Ok(id, "process list", null), "processes"), p => p.GetProperty(pidField).GetInt32() == pid);
        var k = await lr.Ok(id, "kill", pid);
        Assert.Equal(pid, k.GetProperty("object").GetInt32());
        Assert.DoesNotContain(LrClient.Array(await lr.Ok(id, "process list", null), "processes"), p => p.GetProperty(pidField).GetInt32() == pid);
        var sensorPid = (await _emu.Ok("/_emulator/lr/devices/" + await LrDevices.Online(_emu, "WINDOWS", 1), null)).GetProperty("sensorPid").GetInt32();
        await lr.Fails(id, AccessDenied, "kill", sensorPid);
        if (v6)
        {
            Emu.V6Error(await lr.Post(id, "{\"name\": \"kill\", \"object\": 12}"), 400, "INVALID_ARGUMENT", "pid");
        }
        else
        {
            Emu.V3Error(await lr.Post(id, "{\"name\": \"kill\", \"object\": \"abc\"}"), 400);
        }
        await lr.Close(id);
    }

    [Fact]
    public async Task Kill_UnixProtected()
    {
        var (lr, id) = await Open(v6: false, "LINUX");
        await lr.Fails(id, AccessDenied, "kill", 1);
        var procs = LrClient.Array(await lr.Ok(id, "process list", null), "processes");
        var agent = procs.First(p => p.GetProperty("path").GetString()!.EndsWith("cbagentd", StringComparison.Ordinal));
        await lr.Fails(id, AccessDenied, "kill", agent.GetProperty("pid").GetInt32());
        var sshd = procs.First(p => p.GetProperty("path").GetString() == "/usr/sbin/sshd");
        await lr.Ok(id, "kill", sshd.GetProperty("pid").GetInt32());
        await lr.Close(id);
    }

    /// <summary>Runs a waited create process with an output file, fetches and deletes it, as cbapi does.</summary>
    private static async Task<string> Exec(LrClient lr, string id, string command, string outFile, string? workingDirectory = null)
    {
        var extra = new System.Collections.Generic.List<(string, object?)> { ("wait", true), ("output_file", outFile) };
        if (workingDirectory != null)
        {
            extra.Add(("working_directory", workingDirectory));
        }
        var j = await lr.Ok(id, "create process", command, extra.ToArray());
        Assert.Equal(0, j.GetProperty("return_code").GetInt32());
        string text = Encoding.UTF8.GetString(await lr.GetFile(id, outFile));
        await lr.Ok(id, "delete file", outFile);
        return text;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CreateProcess_WindowsOutput(bool v6)
    {
        var (lr, id) = await Open(v6, "WINDOWS", 2);
        var dev = await _emu.Device(await LrDevices.Online(_emu, "WINDOWS", 2));
        string o = "c:\\windows\\temp\\cblr." + Unique("") + ".tmp";
        Assert.Equal("hello world\r\n", await Exec(lr, id, "cmd.exe /c echo hello world", o));
        Assert.Equal(dev.GetProperty("name").GetString() + "\r\n", await Exec(lr, id, "hostname", o));
        Assert.Equal("nt authority\\system\r\n", await Exec(lr, id, "whoami.exe", o));
        string ip = await Exec(lr, id, "ipconfig", o);
        Assert.Contains("IPv4 Address. . . . . . . . . . . : " + dev.GetProperty("lastInternalIpAddress").GetString(), ip);
        string all = await Exec(lr, id, "ipconfig /all", o);
        Assert.Contains("Physical Address", all);
        Assert.Contains("Host Name . . . . . . . . . . . . : " + dev.GetProperty("name").GetString(), all);
        string dir = await Exec(lr, id, "cmd.exe /c dir C:\\TEMP", o);
        Assert.Contains(" Directory of C:\\TEMP", dir);
        Assert.Contains("test.txt", dir);
        Assert.Contains("1,234 test.txt", dir);
        Assert.Equal(Encoding.UTF8.GetString(await lr.GetFile(id, "C:\\TEMP\\test.txt")), await Exec(lr, id, "cmd /c type C:\\TEMP\\test.txt", o));
        Assert.Equal("'nosuch' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", await ExecAnyCode(lr, id, "cmd.exe /c nosuch", o));
        Assert.Contains("test.txt", await Exec(lr, id, "cmd.exe /c dir /b", o, workingDirectory: "C:\\TEMP"));
        await lr.Fails(id, FileNotFound, "create process", "C:\\nope\\evil.exe", ("wait", true));
        await lr.Fails(id, FileNotFound, "create process", "doesnotexist.exe", ("wait", false));
        await lr.Fails(id, Directory, "create process", "cmd.exe /c echo x", ("wait", true), ("working_directory", "C:\\NoSuchDir"));
        await lr.Close(id);
    }

    private static async Task<string> ExecAnyCode(LrClient lr, string id, string command, string outFile)
    {
        await lr.Ok(id, "create process", command, ("wait", true), ("output_file", outFile));
        return Encoding.UTF8.GetString(await lr.GetFile(id, outFile));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CreateProcess_UnixOutput(bool v6)
    {
        var (lr, id) = await Open(v6, "LINUX");
        var dev = await _emu.Device(await LrDevices.Online(_emu, "LINUX"));
        string o = "/tmp/cblr." + Unique("") + ".tmp";
        Assert.Equal("hi there\n", await Exec(lr, id, "sh -c \"echo hi there\"", o));
        string uname = await Exec(lr, id, "uname -a", o);
        Assert.StartsWith("Linux " + dev.GetProperty("name").GetString() + " ", uname);
        Assert.Equal(Encoding.UTF8.GetString(await lr.GetFile(id, "/tmp/test.txt")), await Exec(lr, id, "cat /tmp/test.txt", o));
        string ls = await Exec(lr, id, "ls /tmp", o);
        Assert.Contains("large.bin\n", ls);
        Assert.Contains("test.txt\n", ls);
        Assert.Equal("root\n", await Exec(lr, id, "/usr/bin/whoami", o));
        await lr.Fails(id, FileNotFound, "create process", "/opt/missing/tool", ("wait", true));
        var mac = await Open(v6, "MAC");
        Assert.StartsWith("Darwin ", await Exec(mac.Lr, mac.Id, "uname -a", "/tmp/u.txt"));
        await mac.Lr.Close(mac.Id);
        await lr.Close(id);
    }

    [Fact]
    public async Task CreateProcess_WaitTakesTheProcessRunTime_NoWaitKeepsRunning()
    {
        var (lr, id) = await Open(v6: false, "WINDOWS", 3);
        var sw = Stopwatch.StartNew();
        var j = await lr.Ok(id, "create process", "timeout.exe /t 1 /nobreak", ("wait", true));
        Assert.True(sw.ElapsedMilliseconds >= 1000, "a waited process completes when it exits");
        Assert.Equal(0, j.GetProperty("return_code").GetInt32());
        var bg = await lr.Ok(id, "create process", "ping -n 3 127.0.0.1", ("wait", false), ("output_file", "C:\\TEMP\\ping.txt"));
        int pid = bg.GetProperty("pid").GetInt32();
        Assert.Contains(LrClient.Array(await lr.Ok(id, "process list", null), "processes"), p => p.GetProperty("pid").GetInt32() == pid);
        await Task.Delay(2300);
        Assert.DoesNotContain(LrClient.Array(await lr.Ok(id, "process list", null), "processes"), p => p.GetProperty("pid").GetInt32() == pid);
        Assert.Contains("Reply from 127.0.0.1", Encoding.UTF8.GetString(await lr.GetFile(id, "C:\\TEMP\\ping.txt")));
        await lr.Close(id);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task Memdump_ProgressThenFile(bool v6, bool compress)
    {
        var (lr, id) = await Open(v6, "WINDOWS", 4);
        string path = "C:\\Windows\\Temp\\" + Unique("mem-") + ".dmp";
        var post = await lr.Post(id, lr.Body("memdump", path, ("compress", compress)));
        Assert.Equal(200, post.Code);
        var p = post.Json;
        Assert.Equal(0, p.GetProperty("return_code").GetInt32());
        Assert.False(p.GetProperty("complete").GetBoolean());
        Assert.InRange(p.GetProperty("percentdone").GetInt32(), 0, 99);
        Assert.True(p.GetProperty("dumping").GetBoolean()); // the session is active: it starts at once
        await Task.Delay(100);
        var mid = (await lr.GetCommand(id, p.GetProperty("id").GetInt64())).Json;
        if (mid.GetProperty("status").GetString() != lr.Complete)
        {
            Assert.True(mid.GetProperty("dumping").GetBoolean());
            Assert.False(mid.GetProperty("complete").GetBoolean());
            Assert.InRange(mid.GetProperty("percentdone").GetInt32(), 0, 99);
        }
        var done = await lr.Wait(id, p.GetProperty("id").GetInt64());
        Assert.Equal(lr.Complete, done.GetProperty("status").GetString());
        Assert.True(done.GetProperty("complete").GetBoolean());
        Assert.Equal(100, done.GetProperty("percentdone").GetInt32());
        Assert.False(done.GetProperty("dumping").GetBoolean());
        byte[] dump = await lr.GetFile(id, compress ? path + ".zip" : path);
        if (compress)
        {
            Assert.Equal((byte)'P', dump[0]);
            using var zip = new System.IO.Compression.ZipArchive(new System.IO.MemoryStream(dump));
            var entry = Assert.Single(zip.Entries);
            Assert.Equal(1024 * 1024, entry.Length);
            await lr.Fails(id, FileNotFound, "get file", path);
        }
        else
        {
            Assert.Equal(1024 * 1024, dump.Length);
            Assert.Equal("PAGEDU64", Encoding.ASCII.GetString(dump, 0, 8));
        }
        await lr.Ok(id, "delete file", compress ? path + ".zip" : path);
        await lr.Close(id);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Registry_EnumFixtureKey_RoundTripsEveryType(bool v6)
    {
        var (lr, id) = await Open(v6, "WINDOWS", 5);
        var e = await lr.Ok(id, "reg enum key", "HKLM\\SYSTEM\\CurrentControlSet\\services\\ACPI");
        Assert.Equal(new[] { "Enum", "Parameters" }, e.GetProperty("sub_keys").EnumerateArray().Select(x => x.GetString()).OrderBy(x => x));
        var values = LrClient.Array(e, "values");
        Assert.Equal(new[] { "Start", "Type", "ErrorControl", "ImagePath", "DisplayName", "Group", "DriverPackageId", "Tag" }, values.Select(v => v.GetProperty("value_name").GetString()));
        Assert.Equal(new[] { "value_data", "value_name", "value_type" }, values[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("REG_EXPAND_SZ", values[3].GetProperty("value_type").GetString());
        var q = await lr.Ok(id, "reg query value", "HKLM\\SYSTEM\\CurrentControlSet\\services\\ACPI\\Start");
        Assert.Equal(0, q.GetProperty("value").GetProperty("value_data").GetInt32());
        Assert.Equal("REG_DWORD", q.GetProperty("value").GetProperty("value_type").GetString());

        string key = "HKCU\\Software\\" + Unique("Test");
        await lr.Ok(id, "reg create key", key + "\\Sub\\Deeper");
        (string Type, object Data, string Expected)[] cases =
        {
            ("REG_SZ", "text", "\"text\""),
            ("REG_EXPAND_SZ", "%TEMP%\\x", "\"%TEMP%\\\\x\""),
            ("REG_MULTI_SZ", new[] { "a", "b" }, "[\"a\",\"b\"]"),
            ("REG_DWORD", 4294967295L, "4294967295"),
            ("REG_QWORD", 1L << 40, (1L << 40).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("REG_BINARY", "0a1bff", "\"0a1bff\""),
        };
        foreach (var (type, data, expected) in cases)
        {
            string name = key + "\\v_" + type;
            await lr.Ok(id, "reg set value", name, ("value_type", type), ("value_data", data), ("overwrite", true));
            var v = (await lr.Ok(id, "reg query value", name)).GetProperty("value");
            Assert.Equal(type, v.GetProperty("value_type").GetString());
            Assert.Equal("v_" + type, v.GetProperty("value_name").GetString());
            Assert.Equal(expected, v.GetProperty("value_data").GetRawText());
        }
        await lr.Fails(id, AlreadyExists, "reg set value", key + "\\v_REG_SZ", ("value_type", "REG_SZ"), ("value_data", "x"), ("overwrite", false));
        // DWORD from a negative int: stored as its unsigned 32 bits
        await lr.Ok(id, "reg set value", key + "\\neg", ("value_type", "REG_DWORD"), ("value_data", -1));
        Assert.Equal(4294967295, (await lr.Ok(id, "reg query value", key + "\\neg")).GetProperty("value").GetProperty("value_data").GetInt64());
        var admin = await _emu.Ok("/_emulator/lr/devices/" + await LrDevices.Online(_emu, "WINDOWS", 5) + "/registry?key=" + Uri.EscapeDataString(key), null);
        Assert.Contains(admin.GetProperty("values").EnumerateArray(), v => v.GetProperty("name").GetString() == "v_REG_MULTI_SZ" && v.GetProperty("type").GetString() == "REG_MULTI_SZ");
        Assert.Equal("Sub", admin.GetProperty("subKeys")[0].GetString());

        await lr.Fails(id, AccessDenied, "reg delete key", key + "\\Sub"); // has a sub key
        await lr.Ok(id, "reg delete key", key + "\\Sub\\Deeper");
        await lr.Ok(id, "reg delete key", key + "\\Sub");
        await lr.Ok(id, "reg delete value", key + "\\v_REG_SZ");
        await lr.Fails(id, FileNotFound, "reg query value", key + "\\v_REG_SZ");
        await lr.Fails(id, FileNotFound, "reg delete value", key + "\\v_REG_SZ");
        await lr.Fails(id, FileNotFound, "reg enum key", key + "\\Sub");
        await lr.Fails(id, FileNotFound, "reg set value", key + "\\Missing\\v", ("value_type", "REG_SZ"), ("value_data", "x"));
        await lr.Fails(id, AccessDenied, "reg set value", "HKLM\\SOFTWARE\\Confer\\LiveResponse", ("value_type", "REG_DWORD"), ("value_data", 0));
        await lr.Fails(id, AccessDenied, "reg delete key", "HKLM\\SYSTEM\\CurrentControlSet\\Services\\CbDefense");
        Assert.Equal(400, (await lr.Post(id, lr.Body("reg set value", key + "\\x", ("value_type", "REG_NONE"), ("value_data", 1)))).Code);
        Assert.Equal(400, (await lr.Post(id, lr.Body("reg set value", key + "\\x", ("value_type", "REG_DWORD"), ("value_data", "abc")))).Code);
        await lr.Close(id);
    }

    [Fact]
    public async Task V6_CancelPendingCommand_EffectNotApplied()
    {
        var (lr, id) = await Open(v6: true, "WINDOWS", 6);
        var slow = await lr.Post(id, lr.Body("create process", "timeout /t 1", ("wait", true)));
        string dir = "C:\\TEMP\\" + Unique("cancel-");
        var mk = await lr.Post(id, lr.Body("create directory", dir));
        Assert.Equal("PENDING", mk.Json.GetProperty("status").GetString());
        long mkId = mk.Json.GetProperty("id").GetInt64();
        Assert.Equal(204, (await _emu.Delete(lr.CommandsPath(id) + "/" + mkId, lr.Token)).Code);
        Assert.Equal("CANCELLED", (await lr.GetCommand(id, mkId)).Json.GetProperty("status").GetString());
        await lr.Wait(id, slow.Json.GetProperty("id").GetInt64());
        await Task.Delay(100);
        await lr.Fails(id, PathNotFound, "directory list", dir + "\\*");
        var again = await _emu.Delete(lr.CommandsPath(id) + "/" + slow.Json.GetProperty("id").GetInt64(), lr.Token);
        Emu.V6Error(again, 400, "INVALID_ARGUMENT", "only a PENDING command");
        Assert.Equal(404, (await _emu.Delete(lr.CommandsPath(id) + "/9999", lr.Token)).Code);
        await lr.Close(id);
    }

    [Fact]
    public async Task V6_CommandReplyShape_AndBodyValidation()
    {
        var (lr, id) = await Open(v6: true, "WINDOWS", 7);
        var j = await lr.Ok(id, "directory list", "C:\\");
        foreach (var f in new[] { "id", "session_id", "device_id", "command_timeout", "status", "name", "object", "completion_time", "input", "create_time", "finish_time", "sub_keys", "values", "files", "result_code", "result_desc" })
        {
            Assert.True(j.TryGetProperty(f, out _), "missing " + f + ": " + j.GetRawText());
        }
        Assert.Equal("C:\\", j.GetProperty("input").GetProperty("object").GetString());
        Assert.Equal(0, j.GetProperty("result_code").GetInt32());
        Emu.V6Error(await lr.Post(id, "{\"name\": \"directory list\", \"object\": \"C:\\\\\"}"), 400, "INVALID_ARGUMENT", "'path'");
        Emu.V6Error(await lr.Post(id, "{\"name\": \"format disk\", \"path\": \"C:\\\\\"}"), 400, "INVALID_ARGUMENT", "Unknown command");
        Emu.V6Error(await lr.Post(id, "{\"path\": \"C:\\\\\"}"), 400, "INVALID_ARGUMENT", "name");
        Emu.V6Error(await lr.Post(id, "{\"name\": \"create process\", \"path\": \"cmd\", \"wait\": \"yes\"}"), 400, "INVALID_ARGUMENT", "wait");
        Emu.V6Error(await lr.Post(id, "{\"name\": \"directory list\", \"path\": \"C:\\\\\", \"session_id\": \"5:5\"}"), 400, "INVALID_ARGUMENT", "session_id");
        Emu.V6Error(await lr.Post(id, "not json"), 400, "INVALID_ARGUMENT");
        await lr.Close(id);
    }

    [Fact]
    public async Task V3_PostReplyIsInProgress_AsTheFixtures()
    {
        var (lr, id) = await Open(v6: false, "WINDOWS", 8);
        var p = await lr.Post(id, "{\"session_id\": \"" + id + "\", \"name\": \"create directory\", \"object\": \"C:\\\\TEMP\\\\" + Unique("T") + "\"}");
        Assert.Equal(new[] { "id", "session_id", "sensor_id", "command_timeout", "status", "name", "object", "completion_time" }, p.Json.EnumerateObject().Select(x => x.Name));
        Assert.Equal("in progress", p.Json.GetProperty("status").GetString());
        Assert.Equal(120, p.Json.GetProperty("command_timeout").GetInt32());
        var done = await lr.Wait(id, p.Json.GetProperty("id").GetInt64());
        Assert.Equal(new[] { "id", "session_id", "sensor_id", "command_timeout", "status", "name", "object", "completion_time" }, done.EnumerateObject().Select(x => x.Name));
        Assert.True(done.GetProperty("completion_time").GetInt64() > 1_500_000_000);
        Emu.V3Error(await lr.Post(id, "{\"name\": \"directory list\", \"path\": \"C:\\\\\"}"), 400, "'object'");
        Assert.Equal(404, (await lr.GetCommand(id, 9999)).Code);
        await lr.Close(id);
    }

    [Fact]
    public async Task V6_StatusCaseLower_WhenAsked()
    {
        var emu = await Emu.Start("--devices", "20", "--events", "5", "--lr-session-delay-ms", "10", "--lr-command-delay-ms", "10", "--lr-v6-status-case", "lower", "--lr-large-file-mb", "1");
        await using (emu)
        {
            var lr = new LrClient(emu, v6: true);
            string id = await lr.Open(await LrDevices.Online(emu, "WINDOWS"));
            var p = await lr.Post(id, lr.Body("directory list", "C:\\"));
            Assert.Equal("pending", p.Json.GetProperty("status").GetString());
            await Task.Delay(100);
            Assert.Equal("complete", (await lr.GetCommand(id, p.Json.GetProperty("id").GetInt64())).Json.GetProperty("status").GetString());
            Assert.Equal("ACTIVE", (await lr.GetSession(id)).Json.GetProperty("status").GetString()); // sessions stay upper case
        }
    }
}
