using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace CbDefense.Emulator.LiveResponse;

internal sealed class VProcess
{
    public int Pid;
    public int ParentPid;
    public string Path = "";
    public string CommandLine = "";
    public string Username = "";
    public string Sid = "";
    /// <summary>Epoch seconds.</summary>
    public long CreateTime;
    public string Guid = "";
    /// <summary>Critical or tamper-protected (System, csrss, lsass, the sensor, init): kill → ERROR_ACCESS_DENIED.</summary>
    public bool Protected;
    /// <summary>When a started process ends by itself (null: runs until killed).</summary>
    public DateTimeOffset? ExitAt;
    /// <summary>Written when the process ends (create process with output_file and without wait).</summary>
    public string? OutputFile;
    public byte[]? Output;
    /// <summary>Started through Live Response (create process).</summary>
    public bool FromLiveResponse;

    public string Name => Path.Length == 0 ? "" : Path[(Math.Max(Path.LastIndexOf('\\'), Path.LastIndexOf('/')) + 1)..];
}

/// <summary>One simulated endpoint: file system, processes and (Windows) registry. Made on first use from the
/// seed and the device, so the same seed gives the same machine; changed only by Live Response commands.</summary>
internal sealed partial class VirtualMachine
{
    public static readonly string[] WindowsCommands =
    {
        "put file", "get file", "memdump", "create directory", "delete file", "directory list", "reg enum key",
        "reg query value", "reg create key", "reg delete key", "reg delete value", "reg set value", "process list",
        "kill", "create process",
    };

    public static readonly string[] UnixCommands =
    {
        "put file", "get file", "memdump", "create directory", "delete file", "directory list", "process list",
        "kill", "create process",
    };

    private VirtualMachine(Device d, bool windows)
    {
        DeviceId = d.DeviceId;
        Os = d.DeviceType;
        Windows = windows;
        HostName = d.Name;
        OsVersion = d.OsVersion;
        InternalIp = d.InternalIp ?? "10.0.0.10";
        ExternalIp = d.ExternalIp;
        MacAddress = d.MacAddress;
        KernelVersion = d.LinuxKernelVersion;
        Fs = new Vfs(windows);
        Registry = windows ? new VRegistry() : null;
    }

    public long DeviceId { get; }
    public string Os { get; }
    public bool Windows { get; }
    public string HostName { get; }
    public string OsVersion { get; }
    public string InternalIp { get; }
    public string? ExternalIp { get; }
    public string MacAddress { get; }
    public string? KernelVersion { get; }
    public Vfs Fs { get; }
    public VRegistry? Registry { get; }
    public List<VProcess> Processes { get; } = new();
    public int NextPid;
    public string User = "";
    public string UserHome = "";
    public int SensorPid;

    public string Cwd => Windows ? "C:\\Windows\\system32" : "/";
    public string[] Drives => Windows ? new[] { "C:\\", "D:\\" } : new[] { "/" };
    public string[] SupportedCommands => Windows ? WindowsCommands : UnixCommands;
    public string TempDir => Windows ? "C:\\Windows\\Temp" : "/tmp";
    public string LineEnd => Windows ? "\r\n" : "\n";

    public static long Seconds(DateTimeOffset t) => t.ToUnixTimeSeconds();

    /// <summary>Ends the started processes whose time has come and writes their output files.</summary>
    public void Tick(DateTimeOffset now)
    {
        for (int i = 0; i < Processes.Count; i++)
        {
            var p = Processes[i];
            if (p.ExitAt is DateTimeOffset at && at <= now)
            {
                if (p.OutputFile != null && p.Output != null)
                {
                    WriteOutputFile(p.OutputFile, p.Output, Seconds(at), out _);
                }
                Processes.RemoveAt(i--);
            }
        }
    }

    public VProcess? Process(int pid) => Processes.FirstOrDefault(p => p.Pid == pid);

    public string ProcGuid(int pid, long createTime)
    {
        // <device id>-<pid>-<FILETIME of the start>, the shape sensors use for proc_guid
        long filetime = (createTime + 11_644_473_600L) * 10_000_000L;
        string ft = filetime.ToString("x16", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"{DeviceId:x8}-{pid >> 16:x4}-{pid & 0xFFFF:x4}-{ft[..4]}-{ft[4..]}").ToUpperInvariant();
    }

    public VProcess AddProcess(int pid, int parent, string path, string commandLine, string user, string sid, long createTime, bool isProtected = false)
    {
        var p = new VProcess
        {
            Pid = pid,
            ParentPid = parent,
            Path = path,
            CommandLine = commandLine,
            Username = user,
            Sid = sid,
            CreateTime = createTime,
            Protected = isProtected,
        };
        p.Guid = ProcGuid(pid, createTime);
        Processes.Add(p);
        return p;
    }

    public string ParentGuid(VProcess p)
    {
        var parent = Process(p.ParentPid);
        return parent?.Guid ?? ProcGuid(p.ParentPid, 0);
    }

    public int AllocatePid()
    {
        int pid;
        do
        {
            pid = NextPid;
            NextPid += 4;
        }
        while (Process(pid) != null);
        return pid;
    }

    /// <summary>Writes a command's output file (create process output_file); error if the folder is missing or the
    /// target cannot be replaced.</summary>
    public bool WriteOutputFile(string path, byte[] content, long time, out LrError? error)
    {
        error = null;
        var p = Fs.Parse(path, Cwd);
        if (p == null || p.IsRoot)
        {
            error = Hr.PathNotFound;
            return false;
        }
        var dir = Fs.Find(p.Parent());
        if (dir == null || !dir.IsDir)
        {
            error = Hr.PathNotFound;
            return false;
        }
        if (dir.Children!.TryGetValue(p.Leaf, out var existing))
        {
            if (existing.IsDir || existing.Protected)
            {
                error = Hr.AccessDenied;
                return false;
            }
            if (existing.Locked)
            {
                error = Hr.SharingViolation;
                return false;
            }
            existing.Content = new MemoryBlob(content);
            existing.Written = time;
            existing.Accessed = time;
            return true;
        }
        Fs.AddFile(dir, p.Leaf, new MemoryBlob(content), time);
        return true;
    }
}
