using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CbDefense.Json;

namespace CbDefense.Services.LiveResponse
{
    /// <summary>
    /// The Live Response commands as operations on an open session: each posts its command (checked against the sensor's
    /// supported_commands first; a session the server lost is re-created and the post retried, at most five times, as
    /// cbapi does), waits for it with short polls, and maps its result (v3 and v6 field names) to the models. A command
    /// that fails on the device is a <see cref="CbLiveResponseException"/> with the Win32 error decoded.
    /// </summary>
    internal static class LiveResponseOperations
    {
        internal const int MaxPostAttempts = 5;
        public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(120);
        /// <summary>A get file or put file moves the file between the sensor and the cloud before it completes.</summary>
        public static readonly TimeSpan FileCommandTimeout = TimeSpan.FromMinutes(10);
        /// <summary>The most process output Start-CbLiveResponseProcess -Wait keeps in memory; past it the output stays in its remote file.</summary>
        public const long MaxOutputBytes = 8L * 1024 * 1024;
        private static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(500);

        // ---------------------------------------------------------------- commands

        /// <summary>Posts the command and waits until it finishes; an error status throws the decoded failure.</summary>
        public static async Task<LrCommandState> RunAsync(LiveResponseSession s, LrCommand command, TimeSpan timeout, CallContext ctx,
                                                          Action<LrCommandState>? onPoll = null, TimeSpan? maxPoll = null)
        {
            var posted = await PostAsync(s, command, ctx).ConfigureAwait(false);
            return await WaitAsync(s, command, posted, timeout, ctx, onPoll, maxPoll ?? MaxPoll).ConfigureAwait(false);
        }

        private static async Task<LrCommandState> PostAsync(LiveResponseSession s, LrCommand command, CallContext ctx)
        {
            if (s.Status == "CLOSED")
                throw new InvalidOperationException("The Live Response session " + s.Id + " (" + Host(s) + ") is closed. Open a new one with New-CbLiveResponseSession.");
            if (!s.Supports(command.Name))
                throw new CbLiveResponseException("The sensor of " + Host(s) + " does not support the '" + command.Name + "' command (its supported_commands: " +
                                                  string.Join(", ", s.SupportedCommands) + "). Nothing was sent.")
                { DeviceId = s.DeviceId, HostName = s.HostName, Command = command.Name, Target = TargetText(command) };
            var svc = s.Manager.Service;
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    var posted = await svc.PostCommandAsync(s.Id, command, ctx).ConfigureAwait(false);
                    s.Touch();
                    return posted;
                }
                catch (CbApiException ex) when (LiveResponseManager.IsSessionGone(ex))
                {
                    if (attempt >= MaxPostAttempts)
                        throw new CbTimeoutException("The '" + command.Name + "' command on " + Host(s) + " failed after " + MaxPostAttempts +
                                                     " attempts: each time the server had lost the session (" + (ex.ServerMessage ?? "404") + ").", ex)
                        { StatusCode = ex.StatusCode, Method = ex.Method, RequestUri = ex.RequestUri, ServerMessage = ex.ServerMessage };
                    await s.Manager.RecreateAsync(s, ctx).ConfigureAwait(false);
                }
            }
        }

        private static async Task<LrCommandState> WaitAsync(LiveResponseSession s, LrCommand command, LrCommandState state, TimeSpan timeout, CallContext ctx,
                                                            Action<LrCommandState>? onPoll, TimeSpan maxPoll)
        {
            var svc = s.Manager.Service;
            var clock = Stopwatch.StartNew();
            var delay = TimeSpan.FromMilliseconds(50);
            string id = state.Id;
            try
            {
                while (!state.IsFinished)
                {
                    onPoll?.Invoke(state);
                    if (clock.Elapsed >= timeout)
                    {
                        await CancelQuietlyAsync(svc, s, id).ConfigureAwait(false);
                        throw new CbTimeoutException("The '" + command.Name + "' command on " + Host(s) + " did not finish within " +
                                                     Math.Round(timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture) + " s (status " + state.Status + ").")
                        {
                            RecommendedAction = "Give the command longer where the cmdlet offers it (-TimeoutSec of Start-CbLiveResponseProcess and " +
                                                "Invoke-CbLiveResponseMemoryDump), or check that the device is still online.",
                        };
                    }
                    await Task.Delay(delay, ctx.CancellationToken).ConfigureAwait(false);
                    if (delay < maxPoll) delay = TimeSpan.FromMilliseconds(Math.Min(maxPoll.TotalMilliseconds, delay.TotalMilliseconds * 2));
                    var next = await svc.GetCommandAsync(s.Id, id, ctx).ConfigureAwait(false);
                    if (next.Id.Length == 0) next.Id = id;
                    if (next.FileId == null) next.FileId = state.FileId;
                    state = next;
                    s.Touch();
                }
            }
            catch (OperationCanceledException) when (ctx.CancellationToken.IsCancellationRequested)
            {
                await CancelQuietlyAsync(svc, s, id).ConfigureAwait(false);
                throw;
            }
            onPoll?.Invoke(state);
            if (state.Status == "ERROR") throw Failure(s, command, state);
            if (state.Status == "CANCELLED")
                throw new CbLiveResponseException("The '" + command.Name + "' command on " + Host(s) + " was cancelled.")
                { DeviceId = s.DeviceId, HostName = s.HostName, Command = command.Name, Target = TargetText(command) };
            return state;
        }

        private static async Task CancelQuietlyAsync(ILiveResponseService svc, LiveResponseSession s, string commandId)
        {
            try
            {
                using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
                    await svc.CancelCommandAsync(s.Id, commandId, new CallContext(cts.Token, null, RetryPolicy.Interactive(5))).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // a command that cannot be cancelled finishes on its own
            }
        }

        internal static CbLiveResponseException Failure(LiveResponseSession s, LrCommand command, LrCommandState state)
        {
            string what = state.ResultCode.HasValue && state.ResultCode.Value != 0 ? Win32Errors.Describe(state.ResultCode.Value) : "an error";
            string desc = string.IsNullOrWhiteSpace(state.ResultDesc) ? "" : ": " + state.ResultDesc!.Trim();
            string target = TargetText(command) is string t && t.Length > 0 ? " " + t : "";
            var w = state.ResultCode.HasValue ? Win32Errors.ToWin32(state.ResultCode.Value) : null;
            return new CbLiveResponseException("'" + command.Name + "'" + target + " failed on " + Host(s) + ": " + what + desc)
            {
                Win32Error = w, ErrorName = w.HasValue ? Win32Errors.Name(w.Value) : null, ResultDescription = state.ResultDesc,
                DeviceId = s.DeviceId, HostName = s.HostName, Command = command.Name, Target = TargetText(command), ServerMessage = state.ResultDesc,
            };
        }

        private static string? TargetText(LrCommand c) => c.Target == null ? null : Convert.ToString(c.Target, CultureInfo.InvariantCulture);

        internal static string Host(LiveResponseSession s) => (s.HostName ?? "device") + " (device " + s.DeviceId.ToString(CultureInfo.InvariantCulture) + ")";

        // ---------------------------------------------------------------- paths

        internal static bool HasWildcard(string path) => path.IndexOf('*') >= 0 || path.IndexOf('?') >= 0;

        private static int LastSeparator(LiveResponseSession s, string path) =>
            s.IsWindows ? path.LastIndexOfAny(new[] { '\\', '/' }) : path.LastIndexOf('/');

        /// <summary>The folder part of a path (up to and with its last separator), or "" when there is none.</summary>
        internal static string FolderOf(LiveResponseSession s, string path)
        {
            int i = LastSeparator(s, path);
            return i < 0 ? "" : path.Substring(0, i + 1);
        }

        internal static string LeafOf(LiveResponseSession s, string path)
        {
            string p = path.TrimEnd(s.IsWindows ? new[] { '\\', '/' } : new[] { '/' });
            int i = LastSeparator(s, p);
            return i < 0 ? p : p.Substring(i + 1);
        }

        internal static string Join(LiveResponseSession s, string folder, string name)
        {
            if (folder.Length == 0) return name;
            char last = folder[folder.Length - 1];
            return last == s.Separator || (s.IsWindows && last == '/') ? folder + name : folder + s.Separator + name;
        }

        private static string WithSeparator(LiveResponseSession s, string path)
        {
            char last = path.Length == 0 ? '\0' : path[path.Length - 1];
            return last == s.Separator || (s.IsWindows && last == '/') ? path : path + s.Separator;
        }

        // ---------------------------------------------------------------- files

        /// <summary>
        /// Lists a folder (or the names a pattern matches), without "." and ".."; with <paramref name="depth"/> above 0 the
        /// folders below too, that many levels. A path naming a file lists that file.
        /// </summary>
        public static async Task ListAsync(LiveResponseSession s, string path, int depth, Action<LiveResponseItem> sink, CallContext ctx)
        {
            string target;
            string folder;
            if (HasWildcard(path))
            {
                target = path;
                folder = FolderOf(s, path);
            }
            else
            {
                target = WithSeparator(s, path);
                folder = target;
            }
            LrCommandState state;
            try
            {
                state = await RunAsync(s, new LrCommand("directory list", target), DefaultCommandTimeout, ctx).ConfigureAwait(false);
            }
            catch (CbLiveResponseException ex) when (ex.Win32Error == 267 && !HasWildcard(path))
            {
                // ERROR_DIRECTORY: the path is a file. Without the separator the list describes the item itself.
                string bare = path.TrimEnd(s.IsWindows ? new[] { '\\', '/' } : new[] { '/' });
                state = await RunAsync(s, new LrCommand("directory list", bare), DefaultCommandTimeout, ctx).ConfigureAwait(false);
                folder = FolderOf(s, bare);
            }
            var subfolders = new List<string>();
            foreach (var f in state.Objects("files"))
            {
                var item = ReadItem(s, folder, f);
                if (item == null) continue;
                sink(item);
                if (item.IsDirectory && depth > 0) subfolders.Add(item.FullName);
            }
            foreach (var sub in subfolders)
                await ListAsync(s, sub, depth - 1, sink, ctx).ConfigureAwait(false);
        }

        private static LiveResponseItem? ReadItem(LiveResponseSession s, string folder, Dictionary<string, object?> f)
        {
            string name = LrSessionState.Str(f, "filename") ?? LrSessionState.Str(f, "file_name") ?? LrSessionState.Str(f, "name") ?? "";
            if (name.Length == 0 || name == "." || name == "..") return null;
            var attrs = LrSessionState.Strings(f, "attributes") ?? Array.Empty<string>();
            var item = new LiveResponseItem
            {
                Name = name,
                FullName = Join(s, folder, name),
                DirectoryName = folder.Length == 0 ? null : folder.TrimEnd(s.Separator) is var d && d.Length > 0 && !(s.IsWindows && d.EndsWith(":", StringComparison.Ordinal)) ? d : folder,
                Length = LrSessionState.Long(f, "size") ?? 0,
                Attributes = attrs.ToArray(),
                IsDirectory = attrs.Any(a => string.Equals(a, "DIRECTORY", StringComparison.OrdinalIgnoreCase)),
                DeviceId = s.DeviceId,
                HostName = s.HostName,
                CreationTimeUtc = Seconds(f, "create_time"),
                LastAccessTimeUtc = Seconds(f, "last_access_time"),
                LastWriteTimeUtc = Seconds(f, "last_write_time"),
            };
            return item;
        }

        /// <summary>Times in command results are epoch seconds (ISO text accepted too).</summary>
        private static DateTime? Seconds(Dictionary<string, object?> d, string key)
        {
            if (!d.TryGetValue(key, out var v) || v == null) return null;
            if (FieldReader.ToLong(v) is var (ok, secs) && ok)
                return secs <= 0 || secs > 253402300799L ? (DateTime?)null : DateTimeOffset.FromUnixTimeSeconds(secs).UtcDateTime;
            return FieldReader.TryTime(v, out var t, out _) ? t : null;
        }

        /// <summary>Fetches a file from the device into <paramref name="destination"/>: get file, the download, then the session file is deleted.</summary>
        public static async Task<long> GetFileAsync(LiveResponseSession s, string remotePath, Stream destination, Action<long, long?>? progress, CallContext ctx)
        {
            var state = await RunAsync(s, new LrCommand("get file", remotePath), FileCommandTimeout, ctx).ConfigureAwait(false);
            if (state.FileId == null)
                throw new CbInvalidResponseException("The 'get file' command on " + Host(s) + " completed without naming the file to download (file_id).");
            var svc = s.Manager.Service;
            long n = await svc.DownloadFileAsync(s.Id, state.FileId, destination, progress, ctx).ConfigureAwait(false);
            s.Touch();
            await DeleteSessionFileQuietlyAsync(svc, s, state.FileId).ConfigureAwait(false);
            return n;
        }

        private static async Task DeleteSessionFileQuietlyAsync(ILiveResponseService svc, LiveResponseSession s, string fileId)
        {
            try
            {
                using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
                    await svc.DeleteFileAsync(s.Id, fileId, new CallContext(cts.Token, null, RetryPolicy.Interactive(10))).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // the server removes session files when the session ends
            }
        }

        /// <summary>Uploads a local file to the session, then puts it at <paramref name="remotePath"/> on the device.</summary>
        public static async Task PutFileAsync(LiveResponseSession s, string localPath, string remotePath, bool overwrite, Action<long>? progress, CallContext ctx)
        {
            if (!s.Supports("put file")) await RunAsync(s, new LrCommand("put file", remotePath), FileCommandTimeout, ctx).ConfigureAwait(false); // refused with the reason
            var svc = s.Manager.Service;
            string fileId;
            while (true)
            {
                try
                {
                    fileId = await svc.UploadFileAsync(s.Id, localPath, LeafOf(s, remotePath), progress, ctx).ConfigureAwait(false);
                    break;
                }
                catch (CbApiException ex) when (LiveResponseManager.IsSessionGone(ex))
                {
                    await s.Manager.RecreateAsync(s, ctx).ConfigureAwait(false);
                }
            }
            s.Touch();
            var command = new LrCommand("put file", remotePath).With("file_id", NumberIfNumeric(fileId)).With("overwrite", overwrite);
            try
            {
                await RunAsync(s, command, FileCommandTimeout, ctx).ConfigureAwait(false);
            }
            finally
            {
                await DeleteSessionFileQuietlyAsync(svc, s, fileId).ConfigureAwait(false);
            }
        }

        /// <summary>v3 file ids are numbers: send them back as numbers, as cbapi does.</summary>
        private static object NumberIfNumeric(string id) =>
            long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? (object)n : id;

        public static Task DeleteFileAsync(LiveResponseSession s, string remotePath, CallContext ctx) =>
            RunAsync(s, new LrCommand("delete file", remotePath), DefaultCommandTimeout, ctx);

        public static Task CreateDirectoryAsync(LiveResponseSession s, string remotePath, CallContext ctx) =>
            RunAsync(s, new LrCommand("create directory", remotePath), DefaultCommandTimeout, ctx);

        // ---------------------------------------------------------------- processes

        public static async Task<IReadOnlyList<LiveResponseProcess>> ListProcessesAsync(LiveResponseSession s, CallContext ctx)
        {
            var state = await RunAsync(s, new LrCommand("process list"), DefaultCommandTimeout, ctx).ConfigureAwait(false);
            var list = new List<LiveResponseProcess>();
            foreach (var p in state.Objects("processes"))
            {
                string? path = Text(p, "process_path", "path");
                string? commandLine = Text(p, "process_cmdline", "command_line");
                list.Add(new LiveResponseProcess
                {
                    ProcessId = Number(p, "process_pid", "pid") ?? 0,
                    Path = path,
                    Name = ProcessName(Text(p, "process_name", "name"), path, commandLine),
                    CommandLine = commandLine,
                    UserName = Text(p, "process_username", "username"),
                    Sid = Text(p, "sid"),
                    ParentProcessId = Number(p, "parent_pid", "parent"),
                    ProcessGuid = Text(p, "proc_guid"),
                    ParentGuid = Text(p, "parent_guid"),
                    CreateTimeUtc = Seconds(p, "create_time"),
                    DeviceId = s.DeviceId,
                    HostName = s.HostName,
                });
            }
            return list;
        }

        /// <summary>A name the server gave, else the file name of the path, else of the command line's program; null for none (e.g. System).</summary>
        private static string? ProcessName(string? name, string? path, string? commandLine)
        {
            if (!string.IsNullOrWhiteSpace(name)) return name;
            if (!string.IsNullOrWhiteSpace(path)) return LeafAny(path!.Trim());
            if (string.IsNullOrWhiteSpace(commandLine)) return null;
            string c = commandLine!.Trim();
            string program = c.StartsWith("\"", StringComparison.Ordinal) ? c.Substring(1).Split('"')[0] : c.Split(' ')[0];
            return program.Length == 0 ? null : LeafAny(program);
        }

        private static string LeafAny(string path)
        {
            int i = path.LastIndexOfAny(new[] { '\\', '/' });
            return i < 0 ? path : path.Substring(i + 1);
        }

        private static string? Text(Dictionary<string, object?> d, params string[] keys)
        {
            var v = LrCommandState.Field(d, keys);
            return v == null ? null : v as string ?? Convert.ToString(v, CultureInfo.InvariantCulture);
        }

        private static long? Number(Dictionary<string, object?> d, params string[] keys)
        {
            var v = LrCommandState.Field(d, keys);
            return v != null && FieldReader.ToLong(v) is var (ok, n) && ok ? n : (long?)null;
        }

        public static Task KillAsync(LiveResponseSession s, long pid, CallContext ctx) =>
            RunAsync(s, new LrCommand("kill", pid), TimeSpan.FromSeconds(30), ctx);

        /// <summary>
        /// Starts a process. With <paramref name="wait"/> it waits for the exit; with <paramref name="captureOutput"/> the output
        /// goes to a remote file (a cbapi-style temp name unless given) that is fetched and then deleted (a file named by the
        /// caller is kept). Output past <see cref="MaxOutputBytes"/> stays in its remote file, which is named in the result.
        /// </summary>
        public static async Task<LiveResponseProcessResult> CreateProcessAsync(LiveResponseSession s, string commandLine, string? workingDirectory, bool wait,
                                                                               bool captureOutput, string? outputFile, TimeSpan timeout, CallContext ctx)
        {
            bool ownFile = captureOutput && outputFile == null;
            string? output = captureOutput ? outputFile ?? TempName(s) : outputFile;
            var command = new LrCommand("create process", commandLine).With("wait", wait);
            if (output != null) command.With("output_file", output);
            if (!string.IsNullOrEmpty(workingDirectory)) command.With("working_directory", workingDirectory);
            var state = await RunAsync(s, command, wait ? timeout : DefaultCommandTimeout, ctx).ConfigureAwait(false);
            var result = new LiveResponseProcessResult
            {
                DeviceId = s.DeviceId, HostName = s.HostName, CommandLine = commandLine,
                ProcessId = Number(state.Raw, "pid", "process_pid"),
                ExitCode = wait ? Number(state.Raw, "return_code", "exit_code") : null,
                OutputFile = ownFile ? null : output,
            };
            if (!captureOutput || !wait) return result;
            var buffer = new CappedStream(MaxOutputBytes);
            try
            {
                await GetFileAsync(s, output!, buffer, null, ctx).ConfigureAwait(false);
            }
            catch (CappedStream.TooLargeException)
            {
                ctx.Log?.Warning("The output of '" + commandLine + "' on " + Host(s) + " is larger than " + (MaxOutputBytes / (1024 * 1024)) +
                                 " MiB: it was left in " + output + " on the device (Receive-CbLiveResponseFile fetches it).");
                result.OutputFile = output;
                return result;
            }
            result.Output = Decode(buffer.ToArray());
            if (ownFile)
            {
                try
                {
                    await DeleteFileAsync(s, output!, ctx).ConfigureAwait(false);
                }
                catch (CbLiveResponseException ex)
                {
                    ctx.Log?.Warning("Could not delete the output file " + output + " on " + Host(s) + ": " + ex.Message);
                    result.OutputFile = output;
                }
            }
            return result;
        }

        /// <summary>cbapi's name for a remote output file: c:\windows\temp\cblr.&lt;12 letters and digits&gt;.tmp, or /tmp/... on Unix.</summary>
        internal static string TempName(LiveResponseSession s)
        {
            const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
            var bytes = new byte[12];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
            var sb = new StringBuilder(12);
            foreach (var b in bytes) sb.Append(alphabet[b % alphabet.Length]);
            return (s.IsWindows ? "c:\\windows\\temp\\cblr." : "/tmp/cblr.") + sb + ".tmp";
        }

        /// <summary>Output as text: UTF-8 (a BOM of UTF-8 or UTF-16 honoured); invalid UTF-8 falls back to Latin-1 so no byte is lost.</summary>
        internal static string Decode(byte[] bytes)
        {
            if (bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE) return Encoding.Unicode.GetString(bytes, 2, bytes.Length - 2);
            int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            try
            {
                return new UTF8Encoding(false, true).GetString(bytes, start, bytes.Length - start);
            }
            catch (ArgumentException)
            {
                return Encoding.GetEncoding("ISO-8859-1").GetString(bytes, start, bytes.Length - start);
            }
        }

        /// <summary>A memory stream that refuses to grow past a limit (the output fetched into memory).</summary>
        private sealed class CappedStream : MemoryStream
        {
            private readonly long _cap;
            public CappedStream(long cap) { _cap = cap; }

            public sealed class TooLargeException : Exception
            {
                public TooLargeException() : base("The content is larger than the limit.") { }
            }

            public override void Write(byte[] buffer, int offset, int count)
            {
                if (Length + count > _cap) throw new TooLargeException();
                base.Write(buffer, offset, count);
            }

            public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                Write(buffer, offset, count);
                return Task.CompletedTask;
            }
        }

        // ---------------------------------------------------------------- registry

        private static void RequireWindows(LiveResponseSession s, string command)
        {
            if (!s.IsWindows || !s.Supports(command))
                throw new CbLiveResponseException("Registry commands need a Windows sensor: " + Host(s) + " is " + s.OsType +
                                                  " and its sensor does not offer '" + command + "'. Nothing was sent.")
                { DeviceId = s.DeviceId, HostName = s.HostName, Command = command };
        }

        public static async Task<LiveResponseRegistryKey> GetKeyAsync(LiveResponseSession s, string keyPath, CallContext ctx)
        {
            RequireWindows(s, "reg enum key");
            var state = await RunAsync(s, new LrCommand("reg enum key", keyPath), DefaultCommandTimeout, ctx).ConfigureAwait(false);
            var subKeys = LrSessionState.Strings(state.Raw, "sub_keys") ?? LrSessionState.Strings(state.Raw, "subKeys") ?? Array.Empty<string>();
            return new LiveResponseRegistryKey
            {
                Path = keyPath, Name = LeafAny(keyPath.TrimEnd('\\')), SubKeys = subKeys.ToArray(),
                Values = state.Objects("values").Select(v => ReadValue(s, keyPath, v)).ToArray(),
                DeviceId = s.DeviceId, HostName = s.HostName,
            };
        }

        public static async Task<LiveResponseRegistryValue> GetValueAsync(LiveResponseSession s, string keyPath, string name, CallContext ctx)
        {
            RequireWindows(s, "reg query value");
            var state = await RunAsync(s, new LrCommand("reg query value", ValuePath(keyPath, name)), DefaultCommandTimeout, ctx).ConfigureAwait(false);
            var v = state.Raw.TryGetValue("value", out var o) && o is Dictionary<string, object?> d ? d : state.Raw;
            var value = ReadValue(s, keyPath, v);
            if (value.Name.Length == 0) value.Name = name;
            return value;
        }

        internal static string ValuePath(string keyPath, string name) => keyPath.TrimEnd('\\') + "\\" + name;

        private static LiveResponseRegistryValue ReadValue(LiveResponseSession s, string keyPath, Dictionary<string, object?> v)
        {
            string type = (Text(v, "value_type", "valueType", "type") ?? "").ToUpperInvariant();
            var data = LrCommandState.Field(v, "value_data", "valueData", "data");
            return new LiveResponseRegistryValue
            {
                KeyPath = keyPath, Name = Text(v, "value_name", "valueName", "name") ?? "", Type = type,
                Data = DataFromWire(type, data), DeviceId = s.DeviceId, HostName = s.HostName,
            };
        }

        /// <summary>REG_MULTI_SZ as text[], REG_BINARY (hex text or a byte list) as bytes, DWORD/QWORD as numbers, the rest as sent.</summary>
        internal static object? DataFromWire(string type, object? data)
        {
            switch (type)
            {
                case "REG_MULTI_SZ":
                    if (data is List<object?> l) return l.Select(x => x as string ?? Convert.ToString(x, CultureInfo.InvariantCulture) ?? "").ToArray();
                    return data is string one ? one.Split('\0').Where(x => x.Length > 0).ToArray() : data;
                case "REG_BINARY":
                    if (data is string hex && TryHex(hex, out var bytes)) return bytes;
                    if (data is List<object?> bl && bl.All(x => x is long b && b >= 0 && b <= 255)) return bl.Select(x => (byte)(long)x!).ToArray();
                    return data;
                case "REG_DWORD":
                case "REG_QWORD":
                    return data != null && FieldReader.ToLong(data) is var (ok, n) && ok ? n : data;
                default:
                    return data;
            }
        }

        private static bool TryHex(string hex, out byte[] bytes)
        {
            string h = hex.Replace(" ", "").Replace("-", "").Replace(",", "");
            if (h.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) h = h.Substring(2);
            bytes = Array.Empty<byte>();
            if (h.Length % 2 != 0) return false;
            var b = new byte[h.Length / 2];
            for (int i = 0; i < b.Length; i++)
                if (!byte.TryParse(h.Substring(i * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out b[i])) return false;
            bytes = b;
            return true;
        }

        /// <summary>The registry type a value implies when none is given (cbapi: int → DWORD, list → MULTI_SZ, else SZ; here also long → QWORD, bytes → BINARY).</summary>
        public static string InferType(object? value)
        {
            switch (value)
            {
                case byte[] _: return "REG_BINARY";
                case int _: case uint _: case short _: case ushort _: case byte _: case sbyte _: return "REG_DWORD";
                case long l: return l >= 0 && l <= uint.MaxValue ? "REG_DWORD" : "REG_QWORD";
                case ulong _: return "REG_QWORD";
                case string _: return "REG_SZ";
                case IEnumerable _: return "REG_MULTI_SZ";
                default: return "REG_SZ";
            }
        }

        /// <summary>The value_data to send for a type: numbers for DWORD/QWORD, text[] for MULTI_SZ, lower-case hex for BINARY.</summary>
        public static object DataToWire(string type, object? value)
        {
            switch (type)
            {
                case "REG_DWORD":
                case "REG_QWORD":
                    if (value is string sv)
                    {
                        string t = sv.Trim();
                        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase) &&
                            ulong.TryParse(t.Substring(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hx)) return hx;
                        if (long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var dec)) return dec;
                        if (ulong.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var udec)) return udec;
                        throw new ArgumentException("A " + type + " value must be a number, not '" + sv + "'.");
                    }
                    if (value is ulong u) return u;
                    try
                    {
                        long n = Convert.ToInt64(value, CultureInfo.InvariantCulture);
                        if (type == "REG_DWORD" && (n < int.MinValue || n > uint.MaxValue))
                            throw new ArgumentException("The value " + n + " does not fit a REG_DWORD (32 bits); use -Type REG_QWORD.");
                        return n;
                    }
                    catch (Exception ex) when (ex is FormatException || ex is InvalidCastException || ex is OverflowException)
                    {
                        throw new ArgumentException("A " + type + " value must be a number, not '" + value + "'.", ex);
                    }
                case "REG_MULTI_SZ":
                    if (value is string one) return new List<object?> { one };
                    if (value is IEnumerable e) return e.Cast<object?>().Select(x => (object?)Convert.ToString(x, CultureInfo.InvariantCulture)).ToList();
                    return new List<object?> { Convert.ToString(value, CultureInfo.InvariantCulture) };
                case "REG_BINARY":
                    byte[] bytes;
                    if (value is byte[] b) bytes = b;
                    else if (value is string hexText && TryHex(hexText, out var parsed)) bytes = parsed;
                    else if (value is IEnumerable items && !(value is string))
                        bytes = items.Cast<object>().Select(x => Convert.ToByte(x, CultureInfo.InvariantCulture)).ToArray();
                    else throw new ArgumentException("A REG_BINARY value must be bytes (a byte[] or hex text such as 'deadbeef').");
                    var sb = new StringBuilder(bytes.Length * 2);
                    foreach (var x in bytes) sb.Append(x.ToString("x2", CultureInfo.InvariantCulture));
                    return sb.ToString();
                default:
                    return value as string ?? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
            }
        }

        public static Task SetValueAsync(LiveResponseSession s, string keyPath, string name, string type, object? value, bool overwrite, CallContext ctx)
        {
            RequireWindows(s, "reg set value");
            var command = new LrCommand("reg set value", ValuePath(keyPath, name))
                .With("value_type", type).With("value_data", DataToWire(type, value)).With("overwrite", overwrite);
            return RunAsync(s, command, DefaultCommandTimeout, ctx);
        }

        public static Task CreateKeyAsync(LiveResponseSession s, string keyPath, CallContext ctx)
        {
            RequireWindows(s, "reg create key");
            return RunAsync(s, new LrCommand("reg create key", keyPath), DefaultCommandTimeout, ctx);
        }

        public static Task DeleteKeyAsync(LiveResponseSession s, string keyPath, CallContext ctx)
        {
            RequireWindows(s, "reg delete key");
            return RunAsync(s, new LrCommand("reg delete key", keyPath), DefaultCommandTimeout, ctx);
        }

        public static Task DeleteValueAsync(LiveResponseSession s, string keyPath, string name, CallContext ctx)
        {
            RequireWindows(s, "reg delete value");
            return RunAsync(s, new LrCommand("reg delete value", ValuePath(keyPath, name)), DefaultCommandTimeout, ctx);
        }

        // ---------------------------------------------------------------- memory

        /// <summary>
        /// Dumps the device's memory to <paramref name="remotePath"/> (a cbapi-style temp name when null), reporting the
        /// percentage done; returns the remote file (with .zip when compressed, as the sensor names it).
        /// </summary>
        public static async Task<string> MemoryDumpAsync(LiveResponseSession s, string? remotePath, bool compress, TimeSpan timeout,
                                                         Action<int>? percent, CallContext ctx)
        {
            string path = remotePath ?? TempName(s).Replace(".tmp", ".dmp");
            var command = new LrCommand("memdump", path).With("compress", compress);
            await RunAsync(s, command, timeout, ctx, st =>
            {
                if (percent != null && Number(st.Raw, "percentdone") is long p) percent((int)Math.Max(0, Math.Min(100, p)));
            }, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            return compress && !path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? path + ".zip" : path;
        }
    }
}
