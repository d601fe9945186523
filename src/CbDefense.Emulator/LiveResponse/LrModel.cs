using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading.Tasks;

namespace CbDefense.Emulator.LiveResponse;

internal enum SessionState
{
    Open,
    Closed,
    Error,
}

internal sealed class LrSession
{
    public LrSession(string id, long deviceId, VirtualMachine vm, DateTimeOffset created)
    {
        Id = id;
        DeviceId = deviceId;
        Vm = vm;
        Created = created;
        LastActivity = created;
        LastCheckIn = created;
        BusyUntil = created;
    }

    public string Id { get; }
    public long DeviceId { get; }
    public VirtualMachine Vm { get; }
    public DateTimeOffset Created { get; }
    /// <summary>When the sensor checks in and the session becomes ACTIVE; null: never (the device is offline).</summary>
    public DateTimeOffset? ActiveAt;
    public DateTimeOffset LastActivity;
    public DateTimeOffset? LastKeepalive;
    /// <summary>The sensor's last check-in (device_check_in_time / sensor_check_in_time).</summary>
    public DateTimeOffset LastCheckIn;
    public SessionState State = SessionState.Open;
    public DateTimeOffset? ClosedAt;
    /// <summary>closed (by the client), expired, device-unavailable, reset.</summary>
    public string? CloseReason;
    public readonly List<LrCommand> Commands = new();
    public int NextCommandId = 1;
    /// <summary>End of the last queued command: the sensor runs a session's commands one after another.</summary>
    public DateTimeOffset BusyUntil;
    public readonly List<LrFile> Files = new();
    public long NextFileId = 1;

    public bool IsOpen => State == SessionState.Open;

    public bool IsActive(DateTimeOffset now) => State == SessionState.Open && ActiveAt is DateTimeOffset a && now >= a;

    public LrCommand? Command(int id) => Commands.Find(c => c.Id == id);

    /// <summary>A file by its v3 number or its v6 id (either works on both route families).</summary>
    public LrFile? File(string id)
    {
        foreach (var f in Files)
        {
            if (string.Equals(f.Uuid, id, StringComparison.OrdinalIgnoreCase) || f.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == id)
            {
                return f;
            }
        }
        return null;
    }
}

internal enum CommandState
{
    Queued,
    Done,
    Cancelled,
}

internal sealed record DirEntry(string Filename, string[] Attributes, long Size, long CreateTime, long LastAccessTime, long LastWriteTime);

internal sealed record ProcInfo(int Pid, long CreateTime, string ProcGuid, string Path, string CommandLine, string Sid, string Username, int ParentPid, string ParentGuid);

internal sealed class LrCommand
{
    public int Id;
    public string Name = "";
    /// <summary>The target as the client sent it (v3 <c>object</c>; v6 <c>path</c>, or <c>pid</c> for kill).</summary>
    public JsonElement? Target;
    public string? Path;
    public int Pid;
    public bool Wait;
    public string? OutputFile;
    public string? WorkingDirectory;
    public LrFile? Upload;
    public string? ValueType;
    public object? ValueData;
    public bool Overwrite;
    public bool Compress;
    public long Offset;
    public long GetCount;

    public DateTimeOffset Created;
    /// <summary>When the sensor starts and ends it; null while the session has never become active.</summary>
    public DateTimeOffset? Start, End;
    public CommandState State;
    public LrError? Error;

    // results
    public List<DirEntry>? Files;
    public List<ProcInfo>? Processes;
    public List<string>? SubKeys;
    public List<RegValue>? Values;
    public RegValue? Value;
    /// <summary>get file: the session file that receives the content.</summary>
    public LrFile? File;
    /// <summary>create process: the started process; return_code when waited for.</summary>
    public int? ProcessPid;
    public int? ReturnCode;
    /// <summary>memdump: the dump's content, made in the background (compressed into the temp folder).</summary>
    public Task<Blob>? Dump;
    public string? DumpPath;

    public bool IsMemdump => Name == "memdump";
}

/// <summary>A file of a session: uploaded (POST .../file) or fetched by a get file command.</summary>
internal sealed class LrFile
{
    public long Id;
    public string Uuid = "";
    public string Name = "";
    public Blob? Content;
    public bool Upload;
    public DateTimeOffset Created;
    /// <summary>The get file command that fills it (null for uploads).</summary>
    public LrCommand? Command;

    public bool Ready => Content != null;
}

/// <summary>A v6 download URL's grant: the content it serves until it expires.</summary>
internal sealed class StorageGrant
{
    public StorageGrant(Blob blob, string fileName, DateTimeOffset expires)
    {
        Blob = blob;
        FileName = fileName;
        Expires = expires;
    }

    public Blob Blob { get; }
    public string FileName { get; }
    public DateTimeOffset Expires { get; }
}
