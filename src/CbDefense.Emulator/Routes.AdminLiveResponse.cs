using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using CbDefense.Emulator.LiveResponse;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CbDefense.Emulator;

/// <summary>Admin views of the Live Response simulator (no key): sessions, and each device's files, processes and
/// registry, so tests can check what commands did.</summary>
internal static partial class Routes
{
    private static void MapAdminLiveResponse(WebApplication app, EmulatorState s)
    {
        app.MapGet(Admin + "/lr/sessions", ctx => AdminSessions(ctx, s));
        app.MapPost(Admin + "/lr/sessions/{session_id}/error", ctx => AdminFailSession(ctx, s));
        app.MapGet(Admin + "/lr/devices/{id}", ctx => AdminLrDevice(ctx, s));
        app.MapGet(Admin + "/lr/devices/{id}/files", ctx => AdminFiles(ctx, s));
        app.MapGet(Admin + "/lr/devices/{id}/file", ctx => AdminFile(ctx, s));
        app.MapGet(Admin + "/lr/devices/{id}/file/content", ctx => AdminFileContent(ctx, s));
        app.MapGet(Admin + "/lr/devices/{id}/processes", ctx => AdminProcesses(ctx, s));
        app.MapGet(Admin + "/lr/devices/{id}/registry", ctx => AdminRegistry(ctx, s));
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTimeOffset? t)
    {
        if (t is DateTimeOffset v)
        {
            w.WriteString(name, JsonOut.Iso(v.ToUnixTimeMilliseconds()));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static Task AdminSessions(HttpContext ctx, EmulatorState s)
    {
        var now = LrNow;
        byte[] body;
        lock (s.Lock)
        {
            s.Lr.SweepAll(now);
            bool openOnly = string.Equals(Last(ctx.Request.Query, "open"), "true", StringComparison.OrdinalIgnoreCase);
            body = JsonOut.Build(w =>
            {
                w.WriteStartObject();
                w.WriteNumber("open", s.Lr.Sessions.Count(x => x.IsOpen));
                w.WriteNumber("cap", s.Lr.Options.SessionCap);
                w.WriteNumber("tempFiles", s.Lr.DiskFiles);
                w.WriteStartArray("sessions");
                foreach (var x in s.Lr.Sessions.OrderBy(x => x.Created))
                {
                    if (openOnly && !x.IsOpen)
                    {
                        continue;
                    }
                    w.WriteStartObject();
                    w.WriteString("id", x.Id);
                    w.WriteNumber("deviceId", x.DeviceId);
                    w.WriteString("os", x.Vm.Os);
                    w.WriteString("status", x.State switch
                    {
                        SessionState.Closed => "CLOSED",
                        SessionState.Error => "ERROR",
                        _ => x.IsActive(now) ? "ACTIVE" : "PENDING",
                    });
                    WriteTime(w, "created", x.Created);
                    WriteTime(w, "activeAt", x.ActiveAt);
                    WriteTime(w, "lastActivity", x.LastActivity);
                    WriteTime(w, "lastKeepalive", x.LastKeepalive);
                    WriteTime(w, "expires", x.IsOpen ? (x.ActiveAt == null ? x.Created : x.LastActivity).AddSeconds(s.Lr.Options.SessionTimeoutSec) : null);
                    WriteTime(w, "closed", x.ClosedAt);
                    JsonOut.StringOrNull(w, "closeReason", x.CloseReason);
                    w.WriteNumber("commands", x.Commands.Count);
                    w.WriteNumber("files", x.Files.Count);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        return JsonOut.Send(ctx, 200, body);
    }

    private static Task AdminFailSession(HttpContext ctx, EmulatorState s)
    {
        var now = LrNow;
        lock (s.Lock)
        {
            var x = s.Lr.Session(RouteString(ctx, "session_id"));
            if (x == null)
            {
                return JsonOut.V3Error(ctx, 404, "Session " + RouteString(ctx, "session_id") + " not found");
            }
            s.Lr.Advance(x, now);
            if (!x.IsOpen)
            {
                return JsonOut.V3Error(ctx, 400, "Session " + x.Id + " is not open");
            }
            s.Lr.Fail(x, now);
        }
        return AdminOk(ctx);
    }

    /// <summary>The machine of a device (made on first use, as a session would), after running due commands.</summary>
    private static VirtualMachine? AdminVm(HttpContext ctx, EmulatorState s, out Task? answer)
    {
        answer = null;
        if (!TryId(ctx, "id", out long id))
        {
            answer = AdminError(ctx, "Invalid device id '" + RouteString(ctx, "id") + "'");
            return null;
        }
        s.Lr.SweepAll(LrNow);
        var vm = s.Lr.ExistingOrNew(id);
        if (vm == null)
        {
            answer = JsonOut.V3Error(ctx, 404, "Device " + id.ToString(CultureInfo.InvariantCulture) + " not found");
        }
        return vm;
    }

    private static Task AdminLrDevice(HttpContext ctx, EmulatorState s)
    {
        byte[] body;
        lock (s.Lock)
        {
            var vm = AdminVm(ctx, s, out var answer);
            if (vm == null)
            {
                return answer!;
            }
            s.DeviceById.TryGetValue(vm.DeviceId, out var d);
            string availability = d == null || Array.IndexOf(LrState.Unavailable, d.Status) >= 0 ? "unavailable" : d.Status == "INACTIVE" ? "offline" : "online";
            body = JsonOut.Build(w =>
            {
                w.WriteStartObject();
                w.WriteNumber("deviceId", vm.DeviceId);
                w.WriteString("os", vm.Os);
                w.WriteString("hostName", vm.HostName);
                w.WriteString("liveResponse", availability);
                w.WriteString("user", vm.User);
                w.WriteString("home", vm.UserHome);
                w.WriteString("currentWorkingDirectory", vm.Cwd);
                JsonOut.StringArray(w, "drives", vm.Drives);
                JsonOut.StringArray(w, "supportedCommands", vm.SupportedCommands);
                w.WriteString("largeFile", vm.Windows ? "C:\\TEMP\\large.bin" : "/tmp/large.bin");
                w.WriteNumber("sensorPid", vm.SensorPid);
                w.WriteEndObject();
            });
        }
        return JsonOut.Send(ctx, 200, body);
    }

    /// <summary>A file or folder as the admin API shows it, taken under the lock (hashed after).</summary>
    private sealed record NodeView(string Path, bool Directory, long Size, Blob? Content, string[] Attributes, bool Locked, bool Protected, long Created, long Written)
    {
        public static NodeView Of(VirtualMachine vm, VNode n) =>
            new(vm.Fs.PathOf(n), n.IsDir, n.Size, n.IsDir || n.Locked ? null : n.Content, n.Attributes, n.Locked, n.Protected, n.Created, n.Written);

        public void Write(Utf8JsonWriter w, bool hash)
        {
            w.WriteStartObject();
            w.WriteString("path", Path);
            w.WriteBoolean("directory", Directory);
            w.WriteNumber("size", Size);
            if (hash && Content != null)
            {
                w.WriteString("sha256", Content.Sha256());
            }
            else
            {
                w.WriteNull("sha256");
            }
            JsonOut.StringArray(w, "attributes", Attributes);
            w.WriteBoolean("locked", Locked);
            w.WriteBoolean("protected", Protected);
            w.WriteNumber("createTime", Created);
            w.WriteNumber("lastWriteTime", Written);
            w.WriteEndObject();
        }
    }

    /// <summary><c>?path=C:\TEMP</c> (default: every drive) lists that folder (<c>recurse=true</c>: everything below it);
    /// a file path gives that file. SHA-256 is computed for each file (cached per content; <c>hash=false</c> skips it;
    /// never for locked files).</summary>
    private static Task AdminFiles(HttpContext ctx, EmulatorState s)
    {
        bool recurse = string.Equals(Last(ctx.Request.Query, "recurse"), "true", StringComparison.OrdinalIgnoreCase);
        bool hash = !string.Equals(Last(ctx.Request.Query, "hash"), "false", StringComparison.OrdinalIgnoreCase);
        string? path = Last(ctx.Request.Query, "path");
        List<NodeView> views;
        lock (s.Lock)
        {
            var vm = AdminVm(ctx, s, out var answer);
            if (vm == null)
            {
                return answer!;
            }
            VNode? start = string.IsNullOrEmpty(path) ? vm.Fs.Root : vm.Fs.Find(path, vm.Cwd);
            if (start == null)
            {
                return JsonOut.V3Error(ctx, 404, "No file or folder " + path + " on device " + vm.DeviceId.ToString(CultureInfo.InvariantCulture));
            }
            var nodes = !start.IsDir ? new List<VNode> { start }
                : recurse ? vm.Fs.Walk(start).Where(n => n != start && n != vm.Fs.Root).ToList()
                : start.Children!.Values.ToList();
            views = nodes.Select(n => NodeView.Of(vm, n)).ToList();
        }
        // hashes are computed outside the lock (contents are immutable)
        var body = JsonOut.Build(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("files");
            foreach (var v in views)
            {
                v.Write(w, hash);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
        return JsonOut.Send(ctx, 200, body);
    }

    private static Task AdminFile(HttpContext ctx, EmulatorState s)
    {
        string? path = Last(ctx.Request.Query, "path");
        NodeView view;
        lock (s.Lock)
        {
            var vm = AdminVm(ctx, s, out var answer);
            if (vm == null)
            {
                return answer!;
            }
            var n = string.IsNullOrEmpty(path) ? null : vm.Fs.Find(path, vm.Cwd);
            if (n == null)
            {
                return JsonOut.V3Error(ctx, 404, "No file or folder " + path + " on device " + vm.DeviceId.ToString(CultureInfo.InvariantCulture));
            }
            view = NodeView.Of(vm, n);
        }
        return JsonOut.Send(ctx, 200, JsonOut.Build(w => view.Write(w, hash: true)));
    }

    private static async Task AdminFileContent(HttpContext ctx, EmulatorState s)
    {
        string? path = Last(ctx.Request.Query, "path");
        Blob? blob = null;
        string name = "";
        Task? answer = null;
        lock (s.Lock)
        {
            var vm = AdminVm(ctx, s, out answer);
            if (vm != null)
            {
                var n = string.IsNullOrEmpty(path) ? null : vm.Fs.Find(path, vm.Cwd);
                if (n == null || n.IsDir)
                {
                    answer = JsonOut.V3Error(ctx, 404, "No file " + path + " on device " + vm.DeviceId.ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    blob = n.Content;
                    name = n.Name;
                }
            }
        }
        if (blob == null)
        {
            await answer!.ConfigureAwait(false);
            return;
        }
        await SendBlob(ctx, blob, name, allowRange: true).ConfigureAwait(false);
    }

    private static Task AdminProcesses(HttpContext ctx, EmulatorState s)
    {
        byte[] body;
        lock (s.Lock)
        {
            var vm = AdminVm(ctx, s, out var answer);
            if (vm == null)
            {
                return answer!;
            }
            body = JsonOut.Build(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("processes");
                foreach (var p in vm.Processes)
                {
                    w.WriteStartObject();
                    w.WriteNumber("pid", p.Pid);
                    w.WriteNumber("parentPid", p.ParentPid);
                    w.WriteString("name", p.Pid == 4 && vm.Windows ? "System" : p.Name);
                    w.WriteString("path", p.Path);
                    w.WriteString("commandLine", p.CommandLine);
                    w.WriteString("username", p.Username);
                    w.WriteNumber("createTime", p.CreateTime);
                    w.WriteBoolean("protected", p.Protected);
                    w.WriteBoolean("startedByLiveResponse", p.FromLiveResponse);
                    WriteTime(w, "exitAt", p.ExitAt);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        return JsonOut.Send(ctx, 200, body);
    }

    private static Task AdminRegistry(HttpContext ctx, EmulatorState s)
    {
        string? key = Last(ctx.Request.Query, "key");
        byte[] body;
        lock (s.Lock)
        {
            var vm = AdminVm(ctx, s, out var answer);
            if (vm == null)
            {
                return answer!;
            }
            if (vm.Registry == null)
            {
                return AdminError(ctx, "Device " + vm.DeviceId.ToString(CultureInfo.InvariantCulture) + " is a " + vm.Os + " device: it has no registry");
            }
            var k = string.IsNullOrEmpty(key) ? null : vm.Registry.Find(key);
            if (k == null)
            {
                return JsonOut.V3Error(ctx, 404, "No registry key " + key + " on device " + vm.DeviceId.ToString(CultureInfo.InvariantCulture));
            }
            body = JsonOut.Build(w =>
            {
                w.WriteStartObject();
                w.WriteString("key", vm.Registry.PathOf(k));
                w.WriteBoolean("protected", k.Protected);
                JsonOut.StringArray(w, "subKeys", k.SubKeys.Values.Select(x => x.Name).ToArray());
                w.WriteStartArray("values");
                foreach (var v in k.Values)
                {
                    w.WriteStartObject();
                    w.WriteString("name", v.Name);
                    w.WriteString("type", v.Type);
                    v.WriteData(w, "data");
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        return JsonOut.Send(ctx, 200, body);
    }
}
