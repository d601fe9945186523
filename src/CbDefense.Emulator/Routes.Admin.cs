using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CbDefense.Emulator;

internal static partial class Routes
{
    private const string Admin = "/_emulator";

    private static void MapAdmin(WebApplication app, EmulatorState s)
    {
        app.MapGet(Admin + "/stats", ctx => Stats(ctx, s));
        app.MapGet(Admin + "/requests", ctx => Requests(ctx, s));
        app.MapDelete(Admin + "/requests", ctx =>
        {
            lock (s.Lock)
            {
                s.ClearLog();
            }
            return AdminOk(ctx);
        });
        app.MapPost(Admin + "/reset", ctx => Reset(ctx, s));
        app.MapPost(Admin + "/notifications", ctx => QueueNotifications(ctx, s));
        app.MapGet(Admin + "/notifications/served", ctx =>
        {
            string[] ids;
            lock (s.Lock)
            {
                ids = s.ServedNotificationIds.ToArray();
            }
            return JsonOut.Send(ctx, 200, w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("eventIds");
                foreach (var i in ids)
                {
                    w.WriteStringValue(i);
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
        });
        app.MapGet(Admin + "/faults", ctx => Faults(ctx, s));
        app.MapPut(Admin + "/faults", ctx => PutFaults(ctx, s));
        app.MapPost(Admin + "/faults", ctx => PostFault(ctx, s));
        app.MapDelete(Admin + "/faults", ctx =>
        {
            lock (s.Lock)
            {
                s.Faults = new List<FaultRule>();
                s.ThrottleUntil = DateTimeOffset.MinValue;
            }
            return AdminOk(ctx);
        });
        app.MapGet(Admin + "/info", ctx => Info(ctx, s));
        MapAdminLiveResponse(app, s);
        MapAdminCurrent(app, s);
    }

    private static Task AdminOk(HttpContext ctx) => JsonOut.V3Success(ctx);

    private static Task AdminError(HttpContext ctx, string message) => JsonOut.V3Error(ctx, 400, message);

    /// <summary>Whether an admin body is optional (empty or blank: <c>{}</c>, the route's defaults) or required.</summary>
    private enum AdminBodyRule
    {
        Optional,
        Required,
    }

    /// <summary>
    /// The JSON object body of an admin route (every admin route that takes a body reads it here). An empty or blank
    /// optional body is <c>{}</c>; an empty required one, one that is not JSON, or one that is not an object
    /// (<paramref name="notAnObject"/>, the route's own message) is answered here with <c>400</c>
    /// <c>{"success": false, "message": ...}</c> and gives null: the route then changes nothing.
    /// </summary>
    private static async Task<JsonElement?> AdminBody(HttpContext ctx, AdminBodyRule rule, string notAnObject)
    {
        byte[] raw;
        using (var ms = new MemoryStream())
        {
            // Admin routes skip the pipeline that buffers API bodies: read the request here.
            await ctx.Request.Body.CopyToAsync(ms, ctx.RequestAborted).ConfigureAwait(false);
            raw = ms.ToArray();
        }
        if (rule == AdminBodyRule.Optional && raw.All(b => char.IsWhiteSpace((char)b)))
        {
            return EmptyObject;
        }
        string? err = ParseJson(raw, out var root);
        if (err == null && root.ValueKind != JsonValueKind.Object)
        {
            err = notAnObject;
        }
        if (err != null)
        {
            await AdminError(ctx, err).ConfigureAwait(false);
            return null;
        }
        return root;
    }

    private static Task Stats(HttpContext ctx, EmulatorState s)
    {
        byte[] body;
        lock (s.Lock)
        {
            body = JsonOut.Build(w =>
            {
                w.WriteStartObject();
                w.WriteNumber("totalRequests", s.TotalRequests);
                w.WriteStartObject("routes");
                foreach (var kv in s.RouteCounts)
                {
                    w.WriteNumber(kv.Key, kv.Value);
                }
                w.WriteEndObject();
                w.WriteEndObject();
            });
        }
        return JsonOut.Send(ctx, 200, body);
    }

    private static Task Requests(HttpContext ctx, EmulatorState s)
    {
        int last = int.MaxValue;
        string? l = Last(ctx.Request.Query, "last");
        if (!string.IsNullOrEmpty(l) && (!int.TryParse(l, NumberStyles.Integer, CultureInfo.InvariantCulture, out last) || last < 0))
        {
            return AdminError(ctx, "last must be a non-negative integer");
        }
        RequestLogEntry[] entries;
        lock (s.Lock)
        {
            entries = s.RequestLog.Skip(Math.Max(0, s.RequestLog.Count - last)).ToArray();
        }
        return JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("requests");
            foreach (var e in entries)
            {
                w.WriteStartObject();
                w.WriteNumber("seq", e.Seq);
                w.WriteString("time", e.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                w.WriteString("method", e.Method);
                w.WriteString("path", e.Path);
                w.WriteString("query", e.Query);
                JsonOut.StringOrNull(w, "body", e.Body);
                w.WriteNumber("status", e.Status);
                JsonOut.StringOrNull(w, "keyId", e.KeyId);
                JsonOut.StringOrNull(w, "userAgent", e.UserAgent);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task Reset(HttpContext ctx, EmulatorState s)
    {
        if (await AdminBody(ctx, AdminBodyRule.Optional,
                "The body must be an object {\"devices\": n, \"events\": n, \"alerts\": n, \"seed\": s, \"api\": \"legacy|current|both\", \"liveResponse\": {...}, \"alertRate\": n, ...}")
            .ConfigureAwait(false) is not JsonElement root)
        {
            return;
        }
        int devices = s.Options.Devices, events = s.Options.Events;
        long seed = s.Options.Seed;
        string api = s.Options.Api;
        var lr = s.Options.Lr.Clone();
        var cur = s.Options.Current.Clone();
        foreach (var p in root.EnumerateObject())
        {
            switch (p.Name)
            {
                case "devices":
                case "events":
                    if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int n) || n < 0 || n > 10_000_000)
                    {
                        await AdminError(ctx, p.Name + " must be an integer between 0 and 10000000").ConfigureAwait(false);
                        return;
                    }
                    if (p.Name == "devices")
                    {
                        devices = n;
                    }
                    else
                    {
                        events = n;
                    }
                    break;
                case "seed":
                    if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt64(out long sv))
                    {
                        seed = sv;
                    }
                    else if (p.Value.ValueKind == JsonValueKind.String)
                    {
                        seed = Rng.SeedFromString(p.Value.GetString()!);
                    }
                    else
                    {
                        await AdminError(ctx, "seed must be an integer or a string").ConfigureAwait(false);
                        return;
                    }
                    break;
                case "api":
                    string? mode = p.Value.ValueKind == JsonValueKind.String ? ApiModes.Normalize(p.Value.GetString()) : null;
                    if (mode == null)
                    {
                        await AdminError(ctx, "api must be one of: " + string.Join(", ", ApiModes.All)).ConfigureAwait(false);
                        return;
                    }
                    api = mode;
                    break;
                case "liveResponse":
                    try
                    {
                        lr.Apply(p.Value);
                    }
                    catch (FormatException e)
                    {
                        await AdminError(ctx, e.Message).ConfigureAwait(false);
                        return;
                    }
                    break;
                default:
                    try
                    {
                        if (cur.TryApply(p.Name, p.Value))
                        {
                            break;
                        }
                    }
                    catch (FormatException e)
                    {
                        await AdminError(ctx, e.Message).ConfigureAwait(false);
                        return;
                    }
                    await AdminError(ctx, "unknown reset field '" + p.Name + "' (allowed: devices, events, seed, api, liveResponse, "
                        + string.Join(", ", CurrentOptions.ResetNames) + ")").ConfigureAwait(false);
                    return;
            }
        }
        lock (s.Lock)
        {
            s.Reseed(devices, events, seed, lr, cur);
            s.Api = api;
            s.ResetFaults();
            s.ClearLog();
        }
        await AdminOk(ctx).ConfigureAwait(false);
    }

    private static async Task QueueNotifications(HttpContext ctx, EmulatorState s)
    {
        if (await AdminBody(ctx, AdminBodyRule.Required, "The body must be {\"count\": n, \"type\": \"THREAT\"|\"POLICY_ACTION\"} or {\"notifications\": [...]}")
            .ConfigureAwait(false) is not JsonElement root)
        {
            return;
        }
        int queued = 0;
        if (root.TryGetProperty("notifications", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(i => i.ValueKind != JsonValueKind.Object))
            {
                await AdminError(ctx, "notifications must be an array of objects").ConfigureAwait(false);
                return;
            }
            lock (s.Lock)
            {
                foreach (var item in list.EnumerateArray())
                {
                    string eventId = item.TryGetProperty("eventId", out var eid) && eid.ValueKind == JsonValueKind.String ? eid.GetString()! : "";
                    s.NotificationQueue.Add(new QueuedItem(eventId, item.GetRawText()));
                    queued++;
                }
            }
        }
        else
        {
            if (!root.TryGetProperty("count", out var c) || c.ValueKind != JsonValueKind.Number || !c.TryGetInt32(out int count) || count < 0 || count > 100_000)
            {
                await AdminError(ctx, "count must be an integer between 0 and 100000").ConfigureAwait(false);
                return;
            }
            string? type = null;
            if (root.TryGetProperty("type", out var t) && t.ValueKind != JsonValueKind.Null)
            {
                type = t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                if (type != "THREAT" && type != "POLICY_ACTION")
                {
                    await AdminError(ctx, "type must be THREAT or POLICY_ACTION").ConfigureAwait(false);
                    return;
                }
            }
            lock (s.Lock)
            {
                for (int i = 0; i < count; i++)
                {
                    s.QueueGenerated(type);
                }
            }
            queued = count;
        }
        await JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("queued", queued);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static Task Faults(HttpContext ctx, EmulatorState s)
    {
        byte[] body;
        lock (s.Lock)
        {
            body = JsonOut.Build(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("faults");
                foreach (var f in s.Faults)
                {
                    f.WriteTo(w);
                }
                w.WriteEndArray();
                var now = DateTimeOffset.UtcNow;
                if (now < s.ThrottleUntil)
                {
                    w.WriteString("throttledUntil", s.ThrottleUntil.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                }
                else
                {
                    w.WriteNull("throttledUntil");
                }
                w.WriteEndObject();
            });
        }
        return JsonOut.Send(ctx, 200, body);
    }

    private static async Task PutFaults(HttpContext ctx, EmulatorState s)
    {
        const string Shape = "The body must be {\"faults\": [rule, ...]}";
        if (await AdminBody(ctx, AdminBodyRule.Required, Shape).ConfigureAwait(false) is not JsonElement root)
        {
            return;
        }
        if (!root.TryGetProperty("faults", out var arr) || arr.ValueKind != JsonValueKind.Array)
        {
            await AdminError(ctx, Shape).ConfigureAwait(false);
            return;
        }
        var rules = new List<FaultRule>();
        try
        {
            foreach (var r in arr.EnumerateArray())
            {
                rules.Add(FaultRule.FromJson(r));
            }
        }
        catch (FormatException e)
        {
            await AdminError(ctx, "Invalid fault rule: " + e.Message).ConfigureAwait(false);
            return;
        }
        lock (s.Lock)
        {
            s.Faults = rules;
        }
        await Faults(ctx, s).ConfigureAwait(false);
    }

    private static async Task PostFault(HttpContext ctx, EmulatorState s)
    {
        if (await AdminBody(ctx, AdminBodyRule.Required, "Invalid fault rule: a fault rule must be a JSON object").ConfigureAwait(false) is not JsonElement root)
        {
            return;
        }
        FaultRule rule;
        try
        {
            rule = FaultRule.FromJson(root);
        }
        catch (FormatException e)
        {
            await AdminError(ctx, "Invalid fault rule: " + e.Message).ConfigureAwait(false);
            return;
        }
        lock (s.Lock)
        {
            s.Faults.Add(rule);
        }
        await Faults(ctx, s).ConfigureAwait(false);
    }

    private static Task Info(HttpContext ctx, EmulatorState s)
    {
        byte[] body;
        lock (s.Lock)
        {
            body = JsonOut.Build(w =>
            {
                w.WriteStartObject();
                w.WriteString("orgKey", s.Options.OrgKey);
                w.WriteString("api", s.Api);
                w.WriteNumber("goneStatus", s.Options.GoneStatus);
                w.WriteNumber("seed", s.Seed);
                w.WriteNumber("devices", s.Devices.Count);
                w.WriteNumber("events", s.Events.Count);
                w.WriteNumber("policies", s.Policies.Count);
                s.Tick();
                w.WriteNumber("alerts", s.Alerts.Count);
                w.WriteNumber("pendingAlerts", s.PendingAlerts.Count);
                s.Cur.WriteFields(w, s.EventCount);
                w.WriteNumber("jobs", s.Jobs.Count);
                w.WriteNumber("auditRecords", s.AuditLog.Count);
                w.WriteNumber("observationJobs", s.ObservationJobs.Count);
                w.WriteNumber("queuedNotifications", s.NotificationQueue.Count);
                w.WriteNumber("workflowSeconds", s.Options.WorkflowSeconds);
                w.WriteNumber("notificationRate", s.Options.NotificationRate);
                w.WritePropertyName("liveResponse");
                s.Lr.Options.WriteTo(w);
                w.WriteNumber("liveResponseOpenSessions", s.Lr.Sessions.Count(x => x.IsOpen));
                w.WriteStartArray("keys");
                foreach (var k in s.Options.EffectiveKeys)
                {
                    w.WriteStartObject();
                    w.WriteString("type", k.Type);
                    w.WriteString("id", k.Id);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        return JsonOut.Send(ctx, 200, body);
    }
}
