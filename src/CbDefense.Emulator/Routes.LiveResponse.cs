using System;
using System.Buffers;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using CbDefense.Emulator.LiveResponse;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace CbDefense.Emulator;

/// <summary>Live Response: the legacy v3 <c>cblr</c> routes and the current v6 <c>liveresponse</c> routes, over one
/// state (docs/emulator.md, "Live Response").</summary>
internal static partial class Routes
{
    internal const string Cblr = V3 + "/cblr";
    internal const string LiveResponseV6 = V6 + "/liveresponse";
    internal const string StoragePrefix = "/_storage/lr/";

    private static void MapLiveResponse(WebApplication app, EmulatorState s)
    {
        // legacy v3 (LIVE_RESPONSE key)
        app.MapPost(Cblr + "/session/{device_id}", ctx => CreateSession(ctx, s, false));
        app.MapPut(Cblr + "/session", ctx => CloseSessionV3(ctx, s));
        app.MapGet(Cblr + "/session/{session_id}", ctx => GetSession(ctx, s, false));
        app.MapGet(Cblr + "/session/{session_id}/keepalive", ctx => Keepalive(ctx, s, false));
        app.MapPost(Cblr + "/session/{session_id}/command", ctx => PostCommand(ctx, s, false));
        app.MapGet(Cblr + "/session/{session_id}/command/{command_id}", ctx => GetCommand(ctx, s, false));
        app.MapPost(Cblr + "/session/{session_id}/file", ctx => UploadFile(ctx, s, false));
        app.MapGet(Cblr + "/session/{session_id}/file/{file_id}", ctx => GetFileInfo(ctx, s));
        app.MapGet(Cblr + "/session/{session_id}/file/{file_id}/content", ctx => FileContent(ctx, s, false));
        app.MapDelete(Cblr + "/session/{session_id}/file/{file_id}", ctx => DeleteSessionFile(ctx, s, false));

        // current v6 (Custom key)
        app.MapPost(LiveResponseV6 + "/sessions", ctx => CreateSession(ctx, s, true));
        app.MapGet(LiveResponseV6 + "/sessions/{session_id}", ctx => GetSession(ctx, s, true));
        app.MapDelete(LiveResponseV6 + "/sessions/{session_id}", ctx => CloseSessionV6(ctx, s));
        app.MapGet(LiveResponseV6 + "/sessions/{session_id}/keepalive", ctx => Keepalive(ctx, s, true));
        app.MapPost(LiveResponseV6 + "/sessions/{session_id}/commands", ctx => PostCommand(ctx, s, true));
        app.MapGet(LiveResponseV6 + "/sessions/{session_id}/commands/{command_id}", ctx => GetCommand(ctx, s, true));
        app.MapDelete(LiveResponseV6 + "/sessions/{session_id}/commands/{command_id}", ctx => CancelCommand(ctx, s));
        app.MapPost(LiveResponseV6 + "/sessions/{session_id}/files", ctx => UploadFile(ctx, s, true));
        app.MapGet(LiveResponseV6 + "/sessions/{session_id}/files/{file_id}/content", ctx => FileContent(ctx, s, true));
        app.MapDelete(LiveResponseV6 + "/sessions/{session_id}/files/{file_id}", ctx => DeleteSessionFile(ctx, s, true));

        // the storage a v6 download redirects to (pre-signed: no API key)
        app.MapGet(StoragePrefix + "{token}", ctx => Storage(ctx, s));
    }

    /// <summary>Routes whose request body is a (possibly large) multipart upload, read streamed by the handler.</summary>
    internal static bool IsUpload(string method, string path) =>
        HttpMethods.IsPost(method)
        && ((path.StartsWith(Cblr + "/session/", StringComparison.OrdinalIgnoreCase) && path.EndsWith("/file", StringComparison.OrdinalIgnoreCase))
            || (path.Contains("/liveresponse/sessions/", StringComparison.OrdinalIgnoreCase) && path.EndsWith("/files", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Routes that stream file content (a reset fault cuts them mid-body without buffering them).</summary>
    internal static bool IsStreamed(string path) =>
        path.StartsWith(StoragePrefix, StringComparison.OrdinalIgnoreCase)
        || (path.StartsWith(Cblr + "/session/", StringComparison.OrdinalIgnoreCase) && path.EndsWith("/content", StringComparison.OrdinalIgnoreCase));

    private static DateTimeOffset LrNow => DateTimeOffset.UtcNow;

    // ------------------------------------------------------------------ error bodies

    private static Task LrBad(HttpContext ctx, bool v6, string message) => v6
        ? JsonOut.V6Error(ctx, 400, "INVALID_ARGUMENT", message)
        : JsonOut.V3Error(ctx, 400, message);

    /// <summary>404 that says NOT_FOUND both ways: <c>status</c> (what cbapi looks for to re-create the session) and,
    /// on v6, <c>error_code</c> (what the SDK looks for).</summary>
    private static Task LrNotFound(HttpContext ctx, bool v6, string message) => JsonOut.Send(ctx, 404, w =>
    {
        w.WriteStartObject();
        if (v6)
        {
            w.WriteString("error_code", "NOT_FOUND");
        }
        else
        {
            w.WriteBoolean("success", false);
        }
        w.WriteString("status", "NOT_FOUND");
        w.WriteString("message", message);
        w.WriteEndObject();
    });

    /// <summary>Looks a session up and brings it up to date. Null: the answer is already on its way (404).</summary>
    private static LrSession? OpenSession(HttpContext ctx, EmulatorState s, bool v6, DateTimeOffset now, out Task? answer, bool mustBeOpen = true)
    {
        string id = RouteString(ctx, "session_id");
        var session = s.Lr.Session(id);
        answer = null;
        if (session == null)
        {
            answer = LrNotFound(ctx, v6, "Session " + id + " not found");
            return null;
        }
        s.Lr.Advance(session, now);
        if (mustBeOpen && !session.IsOpen)
        {
            answer = LrNotFound(ctx, v6, "Session " + id + " is " + (session.State == SessionState.Error ? "in error" : "closed")
                + (session.CloseReason is "expired" ? " (it expired: no keepalive or command for " + s.Lr.Options.SessionTimeoutSec.ToString(CultureInfo.InvariantCulture) + " s)" : "")
                + "; start a new session");
            return null;
        }
        s.Lr.Touch(session, now);
        return session;
    }

    // ------------------------------------------------------------------ sessions

    private static Task CreateSession(HttpContext ctx, EmulatorState s, bool v6)
    {
        long deviceId;
        var body = Body(ctx);
        if (v6)
        {
            string? err = ParseJson(body, out var root);
            if (err != null)
            {
                return LrBad(ctx, true, err);
            }
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("device_id", out var did)
                || !(did.ValueKind == JsonValueKind.Number ? did.TryGetInt64(out deviceId)
                    : did.ValueKind == JsonValueKind.String && long.TryParse(did.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out deviceId)))
            {
                return LrBad(ctx, true, "The body must be {\"device_id\": <device id>}");
            }
        }
        else
        {
            if (!TryId(ctx, "device_id", out deviceId))
            {
                return LrBad(ctx, false, "Invalid device id '" + RouteString(ctx, "device_id") + "': expected a number");
            }
            if (body.Length > 0 && body.Any(b => !char.IsWhiteSpace((char)b)))
            {
                string? err = ParseJson(body, out var root);
                if (err != null)
                {
                    return LrBad(ctx, false, err);
                }
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("sensor_id", out var sid) && sid.ValueKind != JsonValueKind.Null
                    && !(sid.ValueKind == JsonValueKind.Number && sid.TryGetInt64(out long sv) && sv == deviceId)
                    && !(sid.ValueKind == JsonValueKind.String && sid.GetString() == deviceId.ToString(CultureInfo.InvariantCulture)))
                {
                    return LrBad(ctx, false, "sensor_id " + sid.GetRawText() + " in the body is not the device of the path (" + deviceId.ToString(CultureInfo.InvariantCulture) + ")");
                }
            }
        }
        var now = LrNow;
        byte[] reply;
        string dev = deviceId.ToString(CultureInfo.InvariantCulture);
        lock (s.Lock)
        {
            switch (s.Lr.Create(deviceId, now, out var session, out string? detail))
            {
                case LrState.CreateOutcome.NoDevice:
                    return v6 ? JsonOut.V6Error(ctx, 404, "NOT_FOUND", "Device " + dev + " not found") : JsonOut.V3Error(ctx, 404, "Device " + dev + " not found");
                case LrState.CreateOutcome.Unavailable:
                    string msg = "Device " + dev + " is " + detail + ": its sensor cannot accept Live Response sessions";
                    return v6 ? JsonOut.V6Error(ctx, 404, "NOT_FOUND", msg) : JsonOut.V3Error(ctx, 404, msg);
                case LrState.CreateOutcome.Cap:
                    string cap = "Session limit reached: the org already has " + detail + " open Live Response sessions (the limit is "
                        + s.Lr.Options.SessionCap.ToString(CultureInfo.InvariantCulture) + "); close a session or wait for one to time out";
                    return v6 ? JsonOut.V6Error(ctx, 403, "FORBIDDEN", cap) : JsonOut.V3Error(ctx, 403, cap);
            }
            reply = JsonOut.Build(w =>
            {
                if (v6)
                {
                    WriteSessionV6(w, s, session!, now, full: false);
                }
                else
                {
                    WriteSessionV3(w, session!, now, s.Lr.Options.SessionTimeoutSec);
                }
            });
        }
        return JsonOut.Send(ctx, v6 ? 201 : 200, reply);
    }

    private static Task GetSession(HttpContext ctx, EmulatorState s, bool v6)
    {
        var now = LrNow;
        byte[] reply;
        lock (s.Lock)
        {
            var session = OpenSession(ctx, s, v6, now, out var answer, mustBeOpen: false);
            if (session == null)
            {
                return answer!;
            }
            reply = JsonOut.Build(w =>
            {
                if (v6)
                {
                    WriteSessionV6(w, s, session, now, full: true);
                }
                else
                {
                    WriteSessionV3(w, session, now, s.Lr.Options.SessionTimeoutSec);
                }
            });
        }
        return JsonOut.Send(ctx, 200, reply);
    }

    private static Task CloseSessionV3(HttpContext ctx, EmulatorState s)
    {
        string? err = ParseJson(Body(ctx), out var root);
        if (err != null)
        {
            return LrBad(ctx, false, err);
        }
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("session_id", out var sid) || sid.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("status", out var st) || st.ValueKind != JsonValueKind.String || !string.Equals(st.GetString(), "CLOSE", StringComparison.OrdinalIgnoreCase))
        {
            return LrBad(ctx, false, "The body must be {\"session_id\": \"<session id>\", \"status\": \"CLOSE\"}");
        }
        var now = LrNow;
        byte[] reply;
        lock (s.Lock)
        {
            var session = s.Lr.Session(sid.GetString()!);
            if (session == null)
            {
                return LrNotFound(ctx, false, "Session " + sid.GetString() + " not found");
            }
            s.Lr.Advance(session, now);
            s.Lr.Close(session, "closed", now);
            reply = JsonOut.Build(w => WriteSessionV3(w, session, now, s.Lr.Options.SessionTimeoutSec));
        }
        return JsonOut.Send(ctx, 200, reply);
    }

    private static Task CloseSessionV6(HttpContext ctx, EmulatorState s)
    {
        var now = LrNow;
        lock (s.Lock)
        {
            var session = OpenSession(ctx, s, true, now, out var answer, mustBeOpen: false);
            if (session == null)
            {
                return answer!;
            }
            s.Lr.Close(session, "closed", now);
        }
        ctx.Response.StatusCode = 204;
        return Task.CompletedTask;
    }

    private static Task Keepalive(HttpContext ctx, EmulatorState s, bool v6)
    {
        var now = LrNow;
        lock (s.Lock)
        {
            var session = OpenSession(ctx, s, v6, now, out var answer);
            if (session == null)
            {
                return answer!;
            }
            s.Lr.Touch(session, now, keepalive: true);
        }
        return JsonOut.Send(ctx, 200, Encoding.UTF8.GetBytes("{}"));
    }

    /// <summary>v3: the fixtures' session object (lr_session_create.json while PENDING, lr_session.json after).</summary>
    private static void WriteSessionV3(Utf8JsonWriter w, LrSession session, DateTimeOffset now, int timeout)
    {
        bool pending = session.IsOpen && !session.IsActive(now);
        var vm = session.Vm;
        w.WriteStartObject();
        JsonOut.StringOrNull(w, "hostname", pending ? null : vm.HostName);
        JsonOut.StringOrNull(w, "address", pending ? null : vm.InternalIp);
        JsonOut.StringOrNull(w, "os_version", pending ? null : vm.OsVersion);
        JsonOut.StringOrNull(w, "current_working_directory", pending ? null : vm.Cwd);
        if (pending)
        {
            w.WriteNull("supported_commands");
            w.WriteNull("drives");
        }
        else
        {
            JsonOut.StringArray(w, "supported_commands", vm.SupportedCommands);
            JsonOut.StringArray(w, "drives", vm.Drives);
        }
        w.WriteString("id", session.Id);
        w.WriteNumber("sensor_id", session.DeviceId);
        w.WriteNumber("check_in_timeout", timeout);
        w.WriteNumber("session_timeout", timeout);
        JsonOut.NumberOrNull(w, "sensor_check_in_time", pending ? null : session.LastCheckIn.ToUnixTimeMilliseconds());
        w.WriteString("status", session.State switch
        {
            SessionState.Closed => "CLOSE",
            SessionState.Error => "error",
            _ => pending ? "PENDING" : "ACTIVE",
        });
        w.WriteNumber("current_command_index", session.Commands.Count);
        w.WriteNumber("create_time", session.Created.ToUnixTimeMilliseconds());
        w.WriteEndObject();
    }


    /// <summary>v6: the SDK's SESSION_INIT_RESP fields (create) plus, for GET, what an ACTIVE session adds.</summary>
    private static void WriteSessionV6(Utf8JsonWriter w, EmulatorState s, LrSession session, DateTimeOffset now, bool full)
    {
        bool pending = session.IsOpen && !session.IsActive(now);
        var vm = session.Vm;
        w.WriteStartObject();
        w.WriteString("id", session.Id);
        w.WriteNumber("device_id", session.DeviceId);
        w.WriteNumber("check_in_timeout", s.Lr.Options.SessionTimeoutSec);
        w.WriteNumber("session_timeout", s.Lr.Options.SessionTimeoutSec);
        w.WriteString("status", session.State switch
        {
            SessionState.Closed => "CLOSED",
            SessionState.Error => "ERROR",
            _ => pending ? "PENDING" : "ACTIVE",
        });
        w.WriteNumber("current_command_index", session.Commands.Count);
        w.WriteString("create_time", JsonOut.Iso(session.Created.ToUnixTimeMilliseconds()));
        w.WriteString("device_check_in_time", JsonOut.Iso(session.LastCheckIn.ToUnixTimeMilliseconds()));
        if (full)
        {
            JsonOut.StringOrNull(w, "hostname", pending ? null : vm.HostName);
            JsonOut.StringOrNull(w, "address", pending ? null : vm.InternalIp);
            JsonOut.StringOrNull(w, "os_version", pending ? null : vm.OsVersion);
            JsonOut.StringOrNull(w, "current_working_directory", pending ? null : vm.Cwd);
            if (pending)
            {
                w.WriteNull("supported_commands");
                w.WriteNull("drives");
            }
            else
            {
                JsonOut.StringArray(w, "supported_commands", vm.SupportedCommands);
                JsonOut.StringArray(w, "drives", vm.Drives);
            }
        }
        w.WriteEndObject();
    }

    // ------------------------------------------------------------------ commands

    private static Task PostCommand(HttpContext ctx, EmulatorState s, bool v6)
    {
        string? err = ParseJson(Body(ctx), out var root);
        var now = LrNow;
        byte[] reply;
        lock (s.Lock)
        {
            var session = OpenSession(ctx, s, v6, now, out var answer);
            if (session == null)
            {
                return answer!;
            }
            if (err != null)
            {
                return LrBad(ctx, v6, err);
            }
            err = s.Lr.Prepare(session, root, v6, out var cmd);
            if (err != null)
            {
                return LrBad(ctx, v6, err);
            }
            s.Lr.Queue(session, cmd, now);
            s.Lr.Advance(session, now);
            reply = JsonOut.Build(w => WriteCommand(w, s, session, cmd, now, v6));
        }
        return JsonOut.Send(ctx, 200, reply);
    }

    private static bool TryCommand(HttpContext ctx, LrSession session, bool v6, out LrCommand? cmd, out Task? answer)
    {
        string raw = RouteString(ctx, "command_id");
        cmd = int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out int id) ? session.Command(id) : null;
        answer = cmd == null ? LrNotFound(ctx, v6, "Command " + raw + " not found in session " + session.Id) : null;
        return cmd != null;
    }

    private static Task GetCommand(HttpContext ctx, EmulatorState s, bool v6)
    {
        var now = LrNow;
        byte[] reply;
        lock (s.Lock)
        {
            var session = OpenSession(ctx, s, v6, now, out var answer);
            if (session == null)
            {
                return answer!;
            }
            if (!TryCommand(ctx, session, v6, out var cmd, out answer))
            {
                return answer!;
            }
            reply = JsonOut.Build(w => WriteCommand(w, s, session, cmd!, now, v6));
        }
        return JsonOut.Send(ctx, 200, reply);
    }

    private static Task CancelCommand(HttpContext ctx, EmulatorState s)
    {
        var now = LrNow;
        lock (s.Lock)
        {
            var session = OpenSession(ctx, s, true, now, out var answer);
            if (session == null)
            {
                return answer!;
            }
            if (!TryCommand(ctx, session, true, out var cmd, out answer))
            {
                return answer!;
            }
            if (!s.Lr.Cancel(cmd!))
            {
                return JsonOut.V6Error(ctx, 400, "INVALID_ARGUMENT", "Command " + cmd!.Id.ToString(CultureInfo.InvariantCulture) + " is "
                    + V6Status(s, cmd) + "; only a PENDING command can be cancelled");
            }
        }
        ctx.Response.StatusCode = 204;
        return Task.CompletedTask;
    }

    private static string V3Status(LrCommand c, DateTimeOffset now) => c.State switch
    {
        CommandState.Done => c.Error == null ? "complete" : "error",
        CommandState.Cancelled => "cancelled",
        _ => c.Start is DateTimeOffset st && now >= st ? "in progress" : "pending",
    };

    private static string V6Status(EmulatorState s, LrCommand c)
    {
        string status = c.State switch
        {
            CommandState.Done => c.Error == null ? "COMPLETE" : "ERROR",
            CommandState.Cancelled => "CANCELLED",
            _ => "PENDING",
        };
        return s.Lr.Options.V6StatusCase == "lower" ? status.ToLowerInvariant() : status;
    }

    private static int Percent(LrCommand c, DateTimeOffset now)
    {
        if (c.State == CommandState.Done)
        {
            return c.Error == null ? 100 : 0;
        }
        if (c.Start is not DateTimeOffset st || c.End is not DateTimeOffset en || now < st)
        {
            return 0;
        }
        double total = (en - st).TotalMilliseconds;
        return total <= 0 ? 99 : (int)Math.Clamp((now - st).TotalMilliseconds * 100 / total, 0, 99);
    }

    /// <summary>A command as the fixtures show it: v3 (lr_command_*.json) or v6 (the SDK's mock_command.py plus the
    /// fields of the real v6 reply: input, result_code, result_desc, create_time, finish_time, values, sub_keys, files).</summary>
    private static void WriteCommand(Utf8JsonWriter w, EmulatorState s, LrSession session, LrCommand c, DateTimeOffset now, bool v6)
    {
        bool done = c.State == CommandState.Done;
        w.WriteStartObject();
        w.WriteNumber("id", c.Id);
        w.WriteString("session_id", session.Id);
        w.WriteNumber(v6 ? "device_id" : "sensor_id", session.DeviceId);
        w.WriteNumber("command_timeout", LrState.CommandTimeoutSec);
        w.WriteString("status", v6 ? V6Status(s, c) : V3Status(c, now));
        w.WriteString("name", c.Name);
        w.WritePropertyName("object");
        WriteTarget(w, c);
        w.WriteNumber("completion_time", done && c.End is DateTimeOffset end ? end.ToUnixTimeSeconds() : 0);
        if (v6)
        {
            w.WriteStartObject("input");
            w.WriteString("name", c.Name);
            w.WritePropertyName("object");
            WriteTarget(w, c);
            w.WriteEndObject();
            w.WriteString("create_time", JsonOut.Iso(c.Created.ToUnixTimeMilliseconds()));
            if (done && c.End is DateTimeOffset fin)
            {
                w.WriteString("finish_time", JsonOut.Iso(fin.ToUnixTimeMilliseconds()));
            }
            else
            {
                w.WriteNull("finish_time");
            }
        }
        if (c.Name == "get file" && c.File != null)
        {
            if (v6)
            {
                w.WriteStartObject("file_details");
                w.WriteNumber("offset", c.Offset);
                w.WriteNumber("count", c.GetCount);
                w.WriteString("file_id", c.File.Uuid);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNumber("file_id", c.File.Id);
            }
        }
        if (c.IsMemdump)
        {
            w.WriteNumber("return_code", 0);
            w.WriteBoolean("complete", done && c.Error == null);
            w.WriteNumber("percentdone", Percent(c, now));
            w.WriteBoolean("dumping", c.State == CommandState.Queued && c.Start is DateTimeOffset ds && now >= ds);
        }
        if (c.Name == "create process" && c.ProcessPid is int pid)
        {
            w.WriteNumber("pid", pid);
            if (c.ReturnCode is int rc)
            {
                w.WriteNumber("return_code", rc);
            }
        }
        if (done && c.Error == null)
        {
            switch (c.Name)
            {
                case "directory list" when !v6:
                    WriteFiles(w, c);
                    break;
                case "process list":
                    w.WriteStartArray("processes");
                    foreach (var p in c.Processes!)
                    {
                        WriteProcess(w, p, v6);
                    }
                    w.WriteEndArray();
                    break;
                case "reg enum key" when !v6:
                    WriteKeys(w, c);
                    break;
                case "reg query value":
                    w.WritePropertyName("value");
                    c.Value!.Write(w);
                    break;
            }
        }
        if (v6)
        {
            // the real v6 reply always carries these three lists
            if (done && c.Error == null && c.Name == "reg enum key")
            {
                WriteKeys(w, c);
            }
            else
            {
                w.WriteStartArray("sub_keys");
                w.WriteEndArray();
                w.WriteStartArray("values");
                w.WriteEndArray();
            }
            if (done && c.Error == null && c.Name == "directory list")
            {
                WriteFiles(w, c);
            }
            else
            {
                w.WriteStartArray("files");
                w.WriteEndArray();
            }
        }
        if (c.Error != null)
        {
            w.WriteNumber("result_code", c.Error.Hresult);
            w.WriteString("result_type", "WinHresult");
            w.WriteString("result_desc", c.Error.Description);
        }
        else if (v6)
        {
            w.WriteNumber("result_code", 0);
            w.WriteString("result_desc", "");
        }
        w.WriteEndObject();
    }

    private static void WriteTarget(Utf8JsonWriter w, LrCommand c)
    {
        if (c.Target is JsonElement t)
        {
            t.WriteTo(w);
        }
        else
        {
            w.WriteNullValue();
        }
    }

    private static void WriteFiles(Utf8JsonWriter w, LrCommand c)
    {
        w.WriteStartArray("files");
        foreach (var f in c.Files!)
        {
            w.WriteStartObject();
            JsonOut.StringArray(w, "attributes", f.Attributes);
            w.WriteNumber("create_time", f.CreateTime);
            w.WriteString("filename", f.Filename);
            w.WriteNumber("last_access_time", f.LastAccessTime);
            w.WriteNumber("last_write_time", f.LastWriteTime);
            w.WriteNumber("size", f.Size);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteKeys(Utf8JsonWriter w, LrCommand c)
    {
        JsonOut.StringArray(w, "sub_keys", c.SubKeys!.ToArray());
        w.WriteStartArray("values");
        foreach (var v in c.Values!)
        {
            v.Write(w);
        }
        w.WriteEndArray();
    }

    /// <summary>v3 names (lr_command_get_process_list.json) or the v6 renames (process_pid, process_path, ...).</summary>
    private static void WriteProcess(Utf8JsonWriter w, ProcInfo p, bool v6)
    {
        w.WriteStartObject();
        w.WriteNumber(v6 ? "process_pid" : "pid", p.Pid);
        w.WriteNumber("create_time", p.CreateTime);
        w.WriteString("proc_guid", p.ProcGuid);
        w.WriteString(v6 ? "process_path" : "path", p.Path);
        w.WriteString(v6 ? "process_cmdline" : "command_line", p.CommandLine);
        w.WriteString("sid", p.Sid);
        w.WriteString(v6 ? "process_username" : "username", p.Username);
        w.WriteNumber(v6 ? "parent_pid" : "parent", p.ParentPid);
        w.WriteString("parent_guid", p.ParentGuid);
        w.WriteEndObject();
    }

    // ------------------------------------------------------------------ files

    private static void WriteSessionFile(Utf8JsonWriter w, LrSession session, LrFile f, bool v6)
    {
        w.WriteStartObject();
        if (v6)
        {
            w.WriteString("id", f.Uuid);
        }
        else
        {
            w.WriteNumber("id", f.Id);
        }
        w.WriteString("session_id", session.Id);
        w.WriteString("file_name", f.Name);
        long size = f.Content?.Length ?? 0;
        w.WriteNumber("size", size);
        w.WriteNumber("size_uploaded", size);
        w.WriteNumber("status", 0);
        w.WriteBoolean("delete", false);
        w.WriteEndObject();
    }

    private static async Task UploadFile(HttpContext ctx, EmulatorState s, bool v6)
    {
        var now = LrNow;
        Task? answer;
        lock (s.Lock)
        {
            OpenSession(ctx, s, v6, now, out answer); // a 404 is answered before the body is read
        }
        if (answer != null)
        {
            await answer.ConfigureAwait(false);
            return;
        }
        string? boundary = null;
        if (MediaTypeHeaderValue.TryParse(ctx.Request.ContentType, out var media) && media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            boundary = HeaderUtilities.RemoveQuotes(media.Boundary).Value;
        }
        if (string.IsNullOrEmpty(boundary))
        {
            await LrBad(ctx, v6, "A file upload is multipart/form-data with the file in a part named 'file'").ConfigureAwait(false);
            return;
        }
        DiskBlob? blob = null;
        string fileName = "upload.bin";
        try
        {
            var reader = new MultipartReader(boundary, ctx.Request.Body) { BodyLengthLimit = null };
            MultipartSection? section;
            while ((section = await reader.ReadNextSectionAsync(ctx.RequestAborted).ConfigureAwait(false)) != null)
            {
                if (blob == null && ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var cd)
                    && HeaderUtilities.RemoveQuotes(cd.Name).Equals("file", StringComparison.Ordinal))
                {
                    string? fn = HeaderUtilities.RemoveQuotes(cd.FileNameStar.HasValue ? cd.FileNameStar : cd.FileName).Value;
                    if (!string.IsNullOrEmpty(fn))
                    {
                        fileName = Path.GetFileName(fn.Replace('\\', '/'));
                    }
                    blob = await s.Lr.Store.WriteAsync(section.Body, ctx.RequestAborted).ConfigureAwait(false);
                }
                else
                {
                    await section.Body.CopyToAsync(Stream.Null, ctx.RequestAborted).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or OperationCanceledException or BadHttpRequestException)
        {
            if (blob != null)
            {
                s.Lr.Store.Delete(blob);
            }
            if (!ctx.RequestAborted.IsCancellationRequested)
            {
                await LrBad(ctx, v6, "The multipart body could not be read: " + e.Message).ConfigureAwait(false);
            }
            return;
        }
        if (blob == null)
        {
            await LrBad(ctx, v6, "The multipart body has no part named 'file'").ConfigureAwait(false);
            return;
        }
        byte[]? reply = null;
        now = LrNow;
        lock (s.Lock)
        {
            var session = OpenSession(ctx, s, v6, now, out answer);
            if (session == null)
            {
                s.Lr.Store.Delete(blob);
            }
            else
            {
                var f = s.Lr.AddFile(session, fileName, blob, upload: true, now);
                reply = JsonOut.Build(w => WriteSessionFile(w, session, f, v6));
            }
        }
        if (answer != null)
        {
            await answer.ConfigureAwait(false);
            return;
        }
        await JsonOut.Send(ctx, v6 ? 201 : 200, reply!).ConfigureAwait(false);
    }

    private static Task GetFileInfo(HttpContext ctx, EmulatorState s)
    {
        var now = LrNow;
        byte[] reply;
        lock (s.Lock)
        {
            var session = OpenSession(ctx, s, false, now, out var answer);
            if (session == null)
            {
                return answer!;
            }
            var f = session.File(RouteString(ctx, "file_id"));
            if (f == null)
            {
                return LrNotFound(ctx, false, "File " + RouteString(ctx, "file_id") + " not found in session " + session.Id);
            }
            reply = JsonOut.Build(w => WriteSessionFile(w, session, f, false));
        }
        return JsonOut.Send(ctx, 200, reply);
    }

    /// <summary>The file a content request names, once it has content (a get file that completed, or an upload).</summary>
    private static Blob? ReadyFile(HttpContext ctx, EmulatorState s, bool v6, DateTimeOffset now, out string name, out Task? answer)
    {
        name = "";
        var session = OpenSession(ctx, s, v6, now, out answer);
        if (session == null)
        {
            return null;
        }
        string fid = RouteString(ctx, "file_id");
        var f = session.File(fid);
        if (f == null)
        {
            answer = LrNotFound(ctx, v6, "File " + fid + " not found in session " + session.Id);
            return null;
        }
        if (!f.Ready)
        {
            bool failed = f.Command is { State: not CommandState.Queued };
            answer = LrNotFound(ctx, v6, "File " + fid + (failed ? " has no content: its get file command did not complete" : " is not ready: its get file command has not completed yet"));
            return null;
        }
        name = f.Name;
        return f.Content;
    }

    private static async Task FileContent(HttpContext ctx, EmulatorState s, bool v6)
    {
        var now = LrNow;
        Blob? blob;
        string name;
        Task? answer;
        string? location = null;
        lock (s.Lock)
        {
            blob = ReadyFile(ctx, s, v6, now, out name, out answer);
            if (blob != null && v6)
            {
                string token = s.Lr.Grant(blob, name, now);
                location = ctx.Request.Scheme + "://" + ctx.Request.Host.Value + StoragePrefix + token;
            }
        }
        if (blob == null)
        {
            await answer!.ConfigureAwait(false);
            return;
        }
        if (location != null)
        {
            // 302 to the storage (as the real service redirects to its object store): that URL needs no API key
            ctx.Response.StatusCode = 302;
            ctx.Response.Headers.Location = location;
            ctx.Response.ContentLength = 0;
            return;
        }
        await SendBlob(ctx, blob, name, allowRange: false).ConfigureAwait(false);
    }

    private static Task DeleteSessionFile(HttpContext ctx, EmulatorState s, bool v6)
    {
        var now = LrNow;
        lock (s.Lock)
        {
            var session = OpenSession(ctx, s, v6, now, out var answer);
            if (session == null)
            {
                return answer!;
            }
            string fid = RouteString(ctx, "file_id");
            var f = session.File(fid);
            if (f == null)
            {
                return LrNotFound(ctx, v6, "File " + fid + " not found in session " + session.Id);
            }
            s.Lr.RemoveFile(session, f);
        }
        if (v6)
        {
            ctx.Response.StatusCode = 204;
            return Task.CompletedTask;
        }
        return JsonOut.Send(ctx, 200, Encoding.UTF8.GetBytes("{}"));
    }

    // ------------------------------------------------------------------ storage (v6 download target)

    private static Task StorageError(HttpContext ctx, int status, string code, string message) => JsonOut.Send(ctx, status,
        Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message + "</Message></Error>\n"),
        "application/xml");

    private static async Task Storage(HttpContext ctx, EmulatorState s)
    {
        if (ctx.Request.Headers.ContainsKey("X-Auth-Token"))
        {
            await StorageError(ctx, 400, "InvalidRequest", "This is a pre-signed storage URL: it must be fetched without the X-Auth-Token header (do not send the Carbon Black API key to the storage host)").ConfigureAwait(false);
            return;
        }
        StorageGrant? g;
        bool expired;
        lock (s.Lock)
        {
            g = s.Lr.Redeem(RouteString(ctx, "token"), LrNow, out expired);
        }
        if (g == null)
        {
            await StorageError(ctx, 403, "AccessDenied", expired ? "Request has expired" : "Invalid or unknown signature").ConfigureAwait(false);
            return;
        }
        await SendBlob(ctx, g.Blob, g.FileName, allowRange: true).ConfigureAwait(false);
    }

    /// <summary>Streams a blob (64 KiB at a time, never whole in memory). With <paramref name="allowRange"/> a single
    /// <c>Range: bytes=a-b</c> is honoured (206), as object stores do.</summary>
    private static async Task SendBlob(HttpContext ctx, Blob blob, string name, bool allowRange)
    {
        long length = blob.Length;
        long from = 0, count = length;
        if (allowRange)
        {
            ctx.Response.Headers.AcceptRanges = "bytes";
            string? range = ctx.Request.Headers.Range.FirstOrDefault();
            if (!string.IsNullOrEmpty(range))
            {
                if (!TryRange(range, length, out from, out count))
                {
                    ctx.Response.Headers.ContentRange = "bytes */" + length.ToString(CultureInfo.InvariantCulture);
                    await StorageError(ctx, 416, "InvalidRange", "The requested range is not satisfiable").ConfigureAwait(false);
                    return;
                }
                ctx.Response.StatusCode = 206;
                ctx.Response.Headers.ContentRange = "bytes " + from.ToString(CultureInfo.InvariantCulture) + "-" + (from + count - 1).ToString(CultureInfo.InvariantCulture) + "/" + length.ToString(CultureInfo.InvariantCulture);
            }
        }
        if (ctx.Response.StatusCode != 206)
        {
            ctx.Response.StatusCode = 200;
        }
        ctx.Response.ContentType = "application/octet-stream";
        ctx.Response.ContentLength = count;
        ctx.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileNameStar = name }.ToString();
        byte[] buf = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            await using var src = blob.OpenRead();
            if (from > 0)
            {
                src.Seek(from, SeekOrigin.Begin);
            }
            long left = count;
            while (left > 0)
            {
                int n = await src.ReadAsync(buf.AsMemory(0, (int)Math.Min(buf.Length, left)), ctx.RequestAborted).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                await ctx.Response.Body.WriteAsync(buf.AsMemory(0, n), ctx.RequestAborted).ConfigureAwait(false);
                left -= n;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException) when (ctx.RequestAborted.IsCancellationRequested)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    private static bool TryRange(string header, long length, out long from, out long count)
    {
        from = 0;
        count = length;
        if (!header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || header.Contains(','))
        {
            return false;
        }
        string spec = header[6..].Trim();
        int dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return false;
        }
        string a = spec[..dash], b = spec[(dash + 1)..];
        if (a.Length == 0)
        {
            if (!long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out long suffix) || suffix == 0)
            {
                return false;
            }
            count = Math.Min(suffix, length);
            from = length - count;
            return length > 0;
        }
        if (!long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out from) || from >= length)
        {
            return false;
        }
        long to = length - 1;
        if (b.Length > 0 && (!long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out to) || to < from))
        {
            return false;
        }
        count = Math.Min(to, length - 1) - from + 1;
        return true;
    }
}
