using System;
using System.Linq;
using System.Threading;
using CbDefense.Services.LiveResponse;
using Newtonsoft.Json;

namespace CbDefense
{
    /// <summary>
    /// An open Live Response session on one device (like a PSSession): the module keeps it alive while it is open and
    /// closes it on Remove-CbLiveResponseSession, Disconnect-CbDefense, Remove-Module and process exit.
    /// </summary>
    public sealed class LiveResponseSession
    {
        private LrSessionState _state;
        private DateTime? _created;

        internal LiveResponseSession(Session session, LiveResponseManager manager, LrSessionState state, string? hostName, string? osType)
        {
            Session = session;
            Manager = manager;
            _state = state;
            DeviceId = state.DeviceId;
            _created = state.CreatedUtc;
            KnownHostName = hostName;
            KnownOsType = osType;
            Touch();
        }

        /// <summary>The session id the server gave (e.g. "1:2468"); a session the server lost and the module re-created gets a new one.</summary>
        public string Id => _state.Id;
        public long DeviceId { get; }
        public string? HostName => _state.HostName ?? KnownHostName;
        /// <summary>WINDOWS, MAC, LINUX or OTHER.</summary>
        public string OsType => KnownOsType ?? InferOsType(_state);
        public string? OsVersion => _state.OsVersion;
        public string? Address => _state.Address;
        /// <summary>ACTIVE while the module holds the session; CLOSED once closed (or lost on the server).</summary>
        public string Status => _state.Status;
        public string? CurrentDirectory => _state.CurrentDirectory;
        public string[] Drives => _state.Drives.ToArray();
        public string[] SupportedCommands => (_state.SupportedCommands ?? Array.Empty<string>()).ToArray();
        public DateTime? CreatedAt => ModelTime.ToLocal(_created);
        public DateTime? CreatedAtUtc => ModelTime.FromUtc(_created);
        /// <summary>The API generation the session was opened through (Legacy: v3 cblr; Current: v6 liveresponse).</summary>
        public ApiGeneration ApiGeneration => Manager.Generation;
        /// <summary>The CbDefense session (connection) it belongs to.</summary>
        [JsonIgnore]
        public Session Session { get; }

        [JsonIgnore] internal LiveResponseManager Manager { get; }
        internal string? KnownHostName { get; set; }
        internal string? KnownOsType { get; set; }
        internal LrSessionState State => _state;
        internal int? SessionTimeoutSec => _state.SessionTimeoutSec;
        /// <summary>How long the open waited (a re-created session waits as long).</summary>
        internal TimeSpan OpenTimeout { get; set; } = TimeSpan.FromSeconds(360);
        internal bool IsWindows => OsType == "WINDOWS";
        internal char Separator => IsWindows ? '\\' : '/';
        private long _lastUsedTicks;
        internal DateTime LastUsedUtc => new DateTime(Interlocked.Read(ref _lastUsedTicks), DateTimeKind.Utc);
        internal void Touch() => Interlocked.Exchange(ref _lastUsedTicks, DateTime.UtcNow.Ticks);

        internal void Update(LrSessionState state)
        {
            if (state.SupportedCommands == null && _state.SupportedCommands != null) state.SupportedCommands = _state.SupportedCommands;
            if (state.HostName == null) state.HostName = _state.HostName;
            _state = state;
            _created ??= state.CreatedUtc;
        }

        internal void MarkClosed()
        {
            var closed = new LrSessionState
            {
                Id = _state.Id, DeviceId = _state.DeviceId, Status = "CLOSED", HostName = _state.HostName, Address = _state.Address,
                OsVersion = _state.OsVersion, CurrentDirectory = _state.CurrentDirectory, Drives = _state.Drives,
                SupportedCommands = _state.SupportedCommands, SessionTimeoutSec = _state.SessionTimeoutSec, CreatedUtc = _state.CreatedUtc, Raw = _state.Raw,
            };
            _state = closed;
        }

        /// <summary>Whether the sensor lists <paramref name="command"/> in supported_commands (true when it sent no list).</summary>
        internal bool Supports(string command) =>
            _state.SupportedCommands == null || _state.SupportedCommands.Any(c => string.Equals(c, command, StringComparison.OrdinalIgnoreCase));

        internal static string InferOsType(LrSessionState s)
        {
            string os = (s.OsVersion ?? "").ToLowerInvariant();
            if (os.Contains("windows")) return "WINDOWS";
            if (os.Contains("mac") || os.Contains("darwin") || os.Contains("os x")) return "MAC";
            if (os.Length > 0 && (os.Contains("linux") || os.Contains("ubuntu") || os.Contains("centos") || os.Contains("red hat") ||
                                  os.Contains("rhel") || os.Contains("debian") || os.Contains("suse") || os.Contains("amazon"))) return "LINUX";
            if (s.Drives.Any(d => d.Length >= 2 && d[1] == ':')) return "WINDOWS";
            if (s.SupportedCommands != null && s.SupportedCommands.Any(c => c.StartsWith("reg ", StringComparison.OrdinalIgnoreCase))) return "WINDOWS";
            if (s.Drives.Any(d => d == "/")) return "LINUX";
            return "OTHER";
        }

        public override string ToString() => Id + " (" + (HostName ?? "device " + DeviceId) + ", " + Status + ")";
    }

    /// <summary>A file or folder on a device, as a directory list reports it.</summary>
    public sealed class LiveResponseItem
    {
        private DateTime? _created, _accessed, _written;

        public string Name { get; set; } = "";
        public string FullName { get; set; } = "";
        /// <summary>The folder that holds it, as the device spells paths.</summary>
        public string? DirectoryName { get; set; }
        public long Length { get; set; }
        public string[] Attributes { get; set; } = Array.Empty<string>();
        public bool IsDirectory { get; set; }
        public DateTime? CreationTime { get => ModelTime.ToLocal(_created); set => _created = ModelTime.FromLocal(value); }
        public DateTime? CreationTimeUtc { get => _created; set => _created = ModelTime.FromUtc(value); }
        public DateTime? LastAccessTime { get => ModelTime.ToLocal(_accessed); set => _accessed = ModelTime.FromLocal(value); }
        public DateTime? LastAccessTimeUtc { get => _accessed; set => _accessed = ModelTime.FromUtc(value); }
        public DateTime? LastWriteTime { get => ModelTime.ToLocal(_written); set => _written = ModelTime.FromLocal(value); }
        public DateTime? LastWriteTimeUtc { get => _written; set => _written = ModelTime.FromUtc(value); }
        public long DeviceId { get; set; }
        public string? HostName { get; set; }

        public override string ToString() => FullName;
    }

    /// <summary>A process on a device, as a process list reports it (v3 and v6 field names mapped to one shape).</summary>
    public sealed class LiveResponseProcess
    {
        private DateTime? _created;

        public long ProcessId { get; set; }
        public string? Name { get; set; }
        public string? Path { get; set; }
        public string? CommandLine { get; set; }
        public string? UserName { get; set; }
        public string? Sid { get; set; }
        public long? ParentProcessId { get; set; }
        public string? ProcessGuid { get; set; }
        public string? ParentGuid { get; set; }
        public DateTime? CreateTime { get => ModelTime.ToLocal(_created); set => _created = ModelTime.FromLocal(value); }
        public DateTime? CreateTimeUtc { get => _created; set => _created = ModelTime.FromUtc(value); }
        public long DeviceId { get; set; }
        public string? HostName { get; set; }

        public override string ToString() => ProcessId + " " + (Name ?? Path);
    }

    /// <summary>What Start-CbLiveResponseProcess started, and with -Wait its exit code and output.</summary>
    public sealed class LiveResponseProcessResult
    {
        public long DeviceId { get; set; }
        public string? HostName { get; set; }
        public string CommandLine { get; set; } = "";
        public long? ProcessId { get; set; }
        /// <summary>The exit code (with -Wait).</summary>
        public long? ExitCode { get; set; }
        /// <summary>What the process wrote to stdout and stderr (with -Wait).</summary>
        public string? Output { get; set; }
        /// <summary>The remote file the output went to, when it stays on the device (-OutputFile, or output too large to fetch).</summary>
        public string? OutputFile { get; set; }

        public override string ToString() => Output ?? CommandLine;
    }

    /// <summary>A registry key: its sub keys and values.</summary>
    public sealed class LiveResponseRegistryKey
    {
        public string Path { get; set; } = "";
        public string Name { get; set; } = "";
        public string[] SubKeys { get; set; } = Array.Empty<string>();
        public LiveResponseRegistryValue[] Values { get; set; } = Array.Empty<LiveResponseRegistryValue>();
        public long DeviceId { get; set; }
        public string? HostName { get; set; }

        public override string ToString() => Path;
    }

    /// <summary>A registry value: REG_SZ and REG_EXPAND_SZ as text, DWORD/QWORD as numbers, MULTI_SZ as text[], BINARY as bytes.</summary>
    public sealed class LiveResponseRegistryValue
    {
        public string KeyPath { get; set; } = "";
        public string Name { get; set; } = "";
        public string Type { get; set; } = "";
        public object? Data { get; set; }
        public long DeviceId { get; set; }
        public string? HostName { get; set; }

        public override string ToString() => Name + " (" + Type + ")";
    }

    /// <summary>A command failed on the device: the Win32 error the sensor reported, decoded.</summary>
    public class CbLiveResponseException : CbApiException
    {
        public CbLiveResponseException(string message) : base(message) { }
        public CbLiveResponseException(string message, Exception? inner) : base(message, inner) { }

        /// <summary>The Win32 error code (e.g. 2), when the sensor reported a Windows HRESULT.</summary>
        public int? Win32Error { get; internal set; }
        /// <summary>Its name, e.g. ERROR_FILE_NOT_FOUND.</summary>
        public string? ErrorName { get; internal set; }
        /// <summary>The sensor's result_desc.</summary>
        public string? ResultDescription { get; internal set; }
        public long DeviceId { get; internal set; }
        public string? HostName { get; internal set; }
        /// <summary>The command, e.g. "get file".</summary>
        public string? Command { get; internal set; }
        /// <summary>What the command acted on: a path, a key, a pid.</summary>
        public string? Target { get; internal set; }
    }
}
