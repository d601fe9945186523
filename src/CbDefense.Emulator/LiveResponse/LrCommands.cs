using System;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace CbDefense.Emulator.LiveResponse;

internal sealed partial class LrState
{
    /// <summary>command_timeout of every command: a waited process that runs longer fails with ERROR_TIMEOUT.</summary>
    public const int CommandTimeoutSec = 120;

    /// <summary>Validates a command body (v3: the target in <c>object</c>; v6: in <c>path</c>, <c>pid</c> for kill).
    /// Returns the message of a 400 answer, or null and the command (not yet queued).</summary>
    public string? Prepare(LrSession s, JsonElement body, bool v6, out LrCommand cmd)
    {
        cmd = new LrCommand();
        if (body.ValueKind != JsonValueKind.Object)
        {
            return "The command body must be a JSON object such as {\"name\": \"directory list\", \"" + (v6 ? "path" : "object") + "\": \"C:\\\\TEMP\\\\\"}";
        }
        if (!body.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(n.GetString()))
        {
            return "The command body needs 'name', one of: " + string.Join(", ", VirtualMachine.WindowsCommands);
        }
        string name = n.GetString()!;
        if (Array.IndexOf(VirtualMachine.WindowsCommands, name) < 0)
        {
            return "Unknown command '" + name + "'; the commands are: " + string.Join(", ", VirtualMachine.WindowsCommands);
        }
        if (Array.IndexOf(s.Vm.SupportedCommands, name) < 0)
        {
            return "Command '" + name + "' is not supported by device " + s.DeviceId.ToString(CultureInfo.InvariantCulture) + " (a " + s.Vm.Os
                + " sensor); its supported_commands are: " + string.Join(", ", s.Vm.SupportedCommands);
        }
        cmd.Name = name;
        if (body.TryGetProperty("session_id", out var sid) && sid.ValueKind != JsonValueKind.Null
            && !(sid.ValueKind == JsonValueKind.String && sid.GetString() == s.Id))
        {
            return "session_id " + sid.GetRawText() + " in the body is not the session of the path (" + s.Id + ")";
        }
        string field = v6 ? (name == "kill" ? "pid" : "path") : "object";
        bool has = body.TryGetProperty(field, out var target) && target.ValueKind != JsonValueKind.Null;
        if (!has && name != "process list")
        {
            string other = v6 ? "object" : "path";
            if (body.TryGetProperty(other, out var o) && o.ValueKind != JsonValueKind.Null)
            {
                return v6
                    ? "v6 commands take their target in '" + field + "', not 'object' (that is the v3 field)"
                    : "v3 commands take their target in 'object', not 'path' (that is the v6 field)";
            }
            return "'" + name + "' needs '" + field + "'";
        }
        if (has)
        {
            cmd.Target = target.Clone();
        }
        string? err;
        switch (name)
        {
            case "process list":
                break;
            case "kill":
                if (!(target.ValueKind == JsonValueKind.Number && target.TryGetInt32(out cmd.Pid))
                    && !(target.ValueKind == JsonValueKind.String && int.TryParse(target.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out cmd.Pid)))
                {
                    return "'" + field + "' of kill must be a process id (an integer), got " + target.GetRawText();
                }
                break;
            default:
                if (target.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(target.GetString()))
                {
                    return "'" + field + "' of " + name + " must be a non-empty string, got " + target.GetRawText();
                }
                cmd.Path = target.GetString();
                break;
        }
        switch (name)
        {
            case "create process":
                if ((err = Bool(body, "wait", false, out cmd.Wait)) != null
                    || (err = Str(body, "output_file", out cmd.OutputFile)) != null
                    || (err = Str(body, "working_directory", out cmd.WorkingDirectory)) != null)
                {
                    return err;
                }
                break;
            case "put file":
                if (!body.TryGetProperty("file_id", out var fid) || (fid.ValueKind != JsonValueKind.String && fid.ValueKind != JsonValueKind.Number))
                {
                    return "put file needs 'file_id': the id a file upload (POST .../" + (v6 ? "files" : "file") + ") answered";
                }
                string fileId = fid.ValueKind == JsonValueKind.String ? fid.GetString()! : fid.GetRawText();
                cmd.Upload = s.File(fileId);
                if (cmd.Upload is not { Ready: true })
                {
                    return "file_id " + fid.GetRawText() + " is not a file of session " + s.Id;
                }
                if ((err = Bool(body, "overwrite", false, out cmd.Overwrite)) != null)
                {
                    return err;
                }
                break;
            case "reg set value":
                string type = "REG_SZ";
                if (body.TryGetProperty("value_type", out var vt) && vt.ValueKind != JsonValueKind.Null)
                {
                    if (vt.ValueKind != JsonValueKind.String || Array.IndexOf(VRegistry.Types, vt.GetString()!.ToUpperInvariant()) < 0)
                    {
                        return "value_type " + vt.GetRawText() + " is not one of " + string.Join(", ", VRegistry.Types);
                    }
                    type = vt.GetString()!.ToUpperInvariant();
                }
                if (!body.TryGetProperty("value_data", out var vd) || vd.ValueKind == JsonValueKind.Null)
                {
                    return "reg set value needs 'value_data'";
                }
                cmd.ValueType = type;
                cmd.ValueData = VRegistry.Convert(type, vd, out err);
                if (err != null)
                {
                    return err;
                }
                if ((err = Bool(body, "overwrite", true, out cmd.Overwrite)) != null)
                {
                    return err;
                }
                break;
            case "memdump":
                if ((err = Bool(body, "compress", false, out cmd.Compress)) != null)
                {
                    return err;
                }
                break;
            case "get file":
                if ((err = Long(body, "offset", out cmd.Offset)) != null || (err = Long(body, "get_count", out cmd.GetCount)) != null)
                {
                    return err;
                }
                break;
        }
        return null;
    }

    private static string? Bool(JsonElement body, string name, bool def, out bool value)
    {
        value = def;
        if (!body.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (e.ValueKind != JsonValueKind.True && e.ValueKind != JsonValueKind.False)
        {
            return "'" + name + "' must be true or false, got " + e.GetRawText();
        }
        value = e.GetBoolean();
        return null;
    }

    private static string? Str(JsonElement body, string name, out string? value)
    {
        value = null;
        if (!body.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (e.ValueKind != JsonValueKind.String)
        {
            return "'" + name + "' must be a string, got " + e.GetRawText();
        }
        value = e.GetString();
        return null;
    }

    private static string? Long(JsonElement body, string name, out long value)
    {
        value = 0;
        if (!body.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out value) || value < 0)
        {
            return "'" + name + "' must be a non-negative integer, got " + e.GetRawText();
        }
        return null;
    }

    /// <summary>Queues a prepared command: the sensor runs it after the session is active and the commands before it
    /// are done; it takes --lr-command-delay-ms (memdump: --lr-memdump-ms; a waited process: also its run time).</summary>
    public void Queue(LrSession s, LrCommand c, DateTimeOffset now)
    {
        c.Id = s.NextCommandId++;
        c.Created = now;
        var work = TimeSpan.FromMilliseconds(Options.CommandDelayMs);
        if (c.IsMemdump)
        {
            work = TimeSpan.FromMilliseconds(Math.Max(Options.MemdumpMs, Options.CommandDelayMs));
            StartDump(s, c);
        }
        else if (c.Name == "create process" && c.Wait)
        {
            var run = s.Vm.EstimateRuntime(c.Path!);
            var limit = TimeSpan.FromSeconds(CommandTimeoutSec);
            work += run is TimeSpan r && r < limit ? r : limit;
        }
        if (s.ActiveAt is DateTimeOffset active)
        {
            var start = Max(Max(now, active), s.BusyUntil);
            c.Start = start;
            c.End = start + work;
            s.BusyUntil = c.End.Value;
        }
        if (c.Name == "get file")
        {
            c.File = AddFile(s, Leaf(c.Path!), null, upload: false, now);
            c.File.Command = c;
        }
        s.Commands.Add(c);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string Leaf(string path)
    {
        string p = path.TrimEnd('\\', '/');
        int i = Math.Max(p.LastIndexOf('\\'), p.LastIndexOf('/'));
        return i >= 0 ? p[(i + 1)..] : p;
    }

    /// <summary>v6 DELETE of a command: only one that has not finished can be cancelled.</summary>
    public bool Cancel(LrCommand c)
    {
        if (c.State != CommandState.Queued)
        {
            return false;
        }
        c.State = CommandState.Cancelled;
        return true;
    }

    private void StartDump(LrSession s, LrCommand c)
    {
        ulong key = (ulong)_seed ^ ((ulong)s.DeviceId << 20) ^ ((ulong)c.Id * 0x9E3779B97F4A7C15UL) ^ 0x4D454D44554D50UL;
        long size = (long)Options.MemdumpMb * 1024 * 1024;
        var raw = new GeneratedBlob(key, size, Encoding.ASCII.GetBytes("PAGEDU64"), sparse: true);
        c.DumpPath = c.Compress ? c.Path + ".zip" : c.Path;
        if (!c.Compress)
        {
            c.Dump = Task.FromResult<Blob>(raw);
            return;
        }
        string entry = Leaf(c.Path!);
        var when = DateTimeOffset.FromUnixTimeMilliseconds(_anchorMs);
        var store = Store;
        c.Dump = Task.Run<Blob>(() =>
        {
            string file = store.NewPath(".zip");
            using (var fs = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete))
            using (var zip = new ZipArchive(fs, ZipArchiveMode.Create))
            {
                var e = zip.CreateEntry(entry, CompressionLevel.Fastest);
                e.LastWriteTime = when;
                using var dst = e.Open();
                using var src = raw.OpenRead();
                src.CopyTo(dst, 1 << 16);
            }
            return new DiskBlob(file, new FileInfo(file).Length);
        });
    }

    /// <summary>Runs a due command on the machine at <paramref name="at"/>.</summary>
    private void Execute(LrSession s, LrCommand c, DateTimeOffset at)
    {
        var vm = s.Vm;
        long t = VirtualMachine.Seconds(at);
        switch (c.Name)
        {
            case "directory list":
                c.Error = vm.ListDirectory(c.Path!, out var entries);
                c.Files = entries;
                break;
            case "get file":
                c.Error = vm.OpenFile(c.Path!, t, out var node);
                if (node != null)
                {
                    c.File!.Name = node.Name;
                    c.File.Content = c.Offset == 0 && c.GetCount == 0 ? node.Content
                        : new SliceBlob(node.Content, c.Offset, c.GetCount == 0 ? long.MaxValue : c.GetCount);
                }
                break;
            case "put file":
                c.Error = vm.WriteFile(c.Path!, c.Upload!.Content!, c.Overwrite, t);
                break;
            case "delete file":
                c.Error = vm.DeleteFile(c.Path!);
                break;
            case "create directory":
                c.Error = vm.CreateDirectory(c.Path!, t);
                break;
            case "process list":
                c.Processes = vm.ListProcesses();
                break;
            case "kill":
                c.Error = vm.Kill(c.Pid);
                break;
            case "create process":
                CreateProcess(vm, c, at);
                break;
            case "memdump":
                c.Error = c.Dump!.IsCompletedSuccessfully ? vm.WriteFile(c.DumpPath!, c.Dump.Result, overwrite: true, t) : Hr.AccessDenied;
                break;
            case "reg enum key":
                c.Error = vm.EnumKey(c.Path!, out var subKeys, out var values);
                c.SubKeys = subKeys;
                c.Values = values;
                break;
            case "reg query value":
                c.Error = vm.QueryValue(c.Path!, out c.Value);
                break;
            case "reg set value":
                c.Error = vm.SetValue(c.Path!, c.ValueType!, c.ValueData!, c.Overwrite);
                break;
            case "reg create key":
                c.Error = vm.CreateKey(c.Path!);
                break;
            case "reg delete key":
                c.Error = vm.DeleteKey(c.Path!);
                break;
            case "reg delete value":
                c.Error = vm.DeleteValue(c.Path!);
                break;
        }
    }

    private void CreateProcess(VirtualMachine vm, LrCommand c, DateTimeOffset end)
    {
        var start = c.Start ?? end;
        long t0 = VirtualMachine.Seconds(start);
        var r = vm.Run(c.Path!, c.WorkingDirectory, t0);
        if (r.Error != null)
        {
            c.Error = r.Error;
            return;
        }
        string? outputFile = c.OutputFile;
        if (outputFile != null && c.WorkingDirectory != null)
        {
            var wd = vm.Fs.Find(c.WorkingDirectory, vm.Cwd);
            var op = vm.Fs.Parse(outputFile, wd != null ? vm.Fs.PathOf(wd) : vm.Cwd);
            outputFile = op == null ? outputFile : vm.Fs.Text(op);
        }
        int pid = vm.AllocatePid();
        c.ProcessPid = pid;
        var limit = TimeSpan.FromSeconds(CommandTimeoutSec);
        bool endless = r.Runtime == null;
        var run = r.Runtime ?? TimeSpan.Zero;
        bool stillRunning = endless || (c.Wait ? run >= limit : run > TimeSpan.Zero);
        if (c.Wait && !stillRunning)
        {
            c.ReturnCode = r.ExitCode;
            if (outputFile != null && !vm.WriteOutputFile(outputFile, r.Output, VirtualMachine.Seconds(end), out var err))
            {
                c.Error = err;
            }
            return;
        }
        if (!stillRunning)
        {
            if (outputFile != null)
            {
                vm.WriteOutputFile(outputFile, r.Output, t0, out _);
            }
            return;
        }
        var p = vm.AddProcess(pid, vm.SensorPid, r.ExePath, c.Path!, vm.Windows ? "NT AUTHORITY\\SYSTEM" : "root", vm.Windows ? "S-1-5-18" : "0", t0);
        p.FromLiveResponse = true;
        p.ExitAt = endless ? null : start + run;
        p.OutputFile = outputFile;
        p.Output = r.Output;
        if (c.Wait)
        {
            c.Error = Hr.Timeout; // the sensor stopped waiting after command_timeout; the process goes on
        }
    }
}
