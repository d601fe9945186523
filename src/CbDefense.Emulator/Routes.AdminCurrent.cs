using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CbDefense.Emulator;

/// <summary>Admin API for the current generation's state: alerts (make them, list what became searchable), jobs
/// (fail one), audit records (add them, see the queues).</summary>
internal static partial class Routes
{
    /// <summary>The <c>count</c> of an admin request that adds records: 0 to 1,000,000; null, or the error to answer.</summary>
    private static string? ReadCount(JsonElement v, out int count)
    {
        count = 0;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out count) && count >= 0 && count <= 1_000_000
            ? null
            : "count must be an integer between 0 and 1000000";
    }

    private static void MapAdminCurrent(WebApplication app, EmulatorState s)
    {
        app.MapPost(Admin + "/alerts", ctx => AdminNewAlerts(ctx, s));
        app.MapGet(Admin + "/alerts", ctx => AdminListAlerts(ctx, s));
        app.MapPost(Admin + "/jobs/{id}/fail", ctx => AdminFailJob(ctx, s));
        app.MapPost(Admin + "/auditlogs", ctx => AdminAddAudit(ctx, s));
        app.MapGet(Admin + "/auditlogs", ctx => AdminAuditInfo(ctx, s));
    }

    private static bool IsoArg(JsonElement v, out long ms)
    {
        ms = 0;
        if (v.ValueKind != JsonValueKind.String
            || !DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
        {
            return false;
        }
        ms = t.ToUnixTimeMilliseconds();
        return true;
    }

    private static async Task AdminNewAlerts(HttpContext ctx, EmulatorState s)
    {
        if (await AdminBody(ctx, AdminBodyRule.Optional,
                "The body must be an object {\"count\": n, \"threatId\", \"type\", \"deviceId\", \"severity\", \"backendTimestamp\", \"delayMs\"}")
            .ConfigureAwait(false) is not JsonElement root)
        {
            return;
        }
        int count = 1;
        var spec = new EmulatorState.NewAlertSpec();
        string? err = null;
        foreach (var p in root.EnumerateObject())
        {
            var v = p.Value;
            switch (p.Name)
            {
                case "count":
                    err = ReadCount(v, out count) ?? err;
                    break;
                case "threatId":
                    if (v.ValueKind != JsonValueKind.String || v.GetString()!.Length == 0)
                    {
                        err = "threatId must be a non-empty string";
                    }
                    else
                    {
                        spec.ThreatId = v.GetString();
                    }
                    break;
                case "type":
                    spec.Type = v.ValueKind == JsonValueKind.String ? Array.Find(AlertFactory.Types, t => string.Equals(t, v.GetString(), StringComparison.OrdinalIgnoreCase)) : null;
                    if (spec.Type == null)
                    {
                        err = "type must be one of: " + string.Join(", ", AlertFactory.Types);
                    }
                    break;
                case "deviceId":
                    if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long did))
                    {
                        err = "deviceId must be an integer";
                    }
                    else
                    {
                        spec.DeviceId = did;
                    }
                    break;
                case "severity":
                    if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int sev) || sev < 1 || sev > 10)
                    {
                        err = "severity must be an integer from 1 to 10";
                    }
                    else
                    {
                        spec.Severity = sev;
                    }
                    break;
                case "backendTimestamp":
                    if (!IsoArg(v, out long bt))
                    {
                        err = "backendTimestamp must be an ISO-8601 time";
                    }
                    else
                    {
                        spec.BackendTimestamp = bt;
                    }
                    break;
                case "delayMs":
                    if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long dl) || dl < 0)
                    {
                        err = "delayMs must be a non-negative integer";
                    }
                    else
                    {
                        spec.DelayMs = dl;
                    }
                    break;
                default:
                    err = "unknown field '" + p.Name + "' (allowed: count, threatId, type, deviceId, severity, backendTimestamp, delayMs)";
                    break;
            }
            if (err != null)
            {
                break;
            }
        }
        if (err != null)
        {
            await AdminError(ctx, err).ConfigureAwait(false);
            return;
        }
        if (spec.DeviceId is long wanted)
        {
            lock (s.Lock)
            {
                if (!s.DeviceById.ContainsKey(wanted))
                {
                    spec.DeviceId = null;
                }
            }
            if (spec.DeviceId == null)
            {
                await AdminError(ctx, "deviceId " + wanted.ToString(CultureInfo.InvariantCulture) + " is not a known device").ConfigureAwait(false);
                return;
            }
        }
        var made = new List<Alert>();
        lock (s.Lock)
        {
            long now = EmulatorState.NowMs;
            s.Tick(now);
            long at = spec.BackendTimestamp ?? now;
            for (int i = 0; i < count; i++)
            {
                var a = s.NewAlert(at, spec);
                if (a == null)
                {
                    break;
                }
                made.Add(a);
            }
            s.Tick(now);
        }
        await JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("created", made.Count);
            w.WriteStartArray("alerts");
            foreach (var a in made)
            {
                WriteAdminAlert(w, a);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static void WriteAdminAlert(Utf8JsonWriter w, Alert a)
    {
        w.WriteStartObject();
        w.WriteString("id", a.Id);
        w.WriteString("threatId", a.ThreatId);
        w.WriteString("type", a.Type);
        JsonOut.IsoTime(w, "backendTimestamp", a.CreateTime);
        JsonOut.IsoTime(w, "searchableAt", a.SearchableAt);
        w.WriteBoolean("late", a.Late);
        w.WriteBoolean("generated", a.Generated);
        w.WriteString("status", a.WorkflowStatus);
        w.WriteEndObject();
    }

    private static Task AdminListAlerts(HttpContext ctx, EmulatorState s)
    {
        var q = ctx.Request.Query;
        bool generatedOnly = string.Equals(Last(q, "generated"), "true", StringComparison.OrdinalIgnoreCase);
        bool pending = string.Equals(Last(q, "pending"), "true", StringComparison.OrdinalIgnoreCase);
        List<Alert> list;
        int searchable, waiting;
        long generated;
        lock (s.Lock)
        {
            s.Tick();
            searchable = s.Alerts.Count;
            waiting = s.PendingAlerts.Count;
            generated = s.GeneratedAlerts;
            IEnumerable<Alert> src = pending ? s.PendingAlerts : s.Alerts;
            list = src.Where(a => !generatedOnly || a.Generated).ToList();
        }
        if (!pending)
        {
            list.Sort((a, b) =>
            {
                int c = a.SearchableAt.CompareTo(b.SearchableAt);
                return c != 0 ? c : Alert.CompareByTime(a, b);
            });
        }
        return StreamItems(ctx, list,
            w =>
            {
                w.WriteStartObject();
                w.WriteNumber("searchable", searchable);
                w.WriteNumber("pending", waiting);
                w.WriteNumber("generated", generated);
                w.WriteStartArray("alerts");
            },
            WriteAdminAlert,
            w =>
            {
                w.WriteEndArray();
                w.WriteEndObject();
            });
    }

    private static async Task AdminFailJob(HttpContext ctx, EmulatorState s)
    {
        const string Shape = "The body must be {\"message\": \"...\"} (optional)";
        if (await AdminBody(ctx, AdminBodyRule.Optional, Shape).ConfigureAwait(false) is not JsonElement root)
        {
            return;
        }
        string message = "Job failed (emulated)";
        if (root.TryGetProperty("message", out var msg))
        {
            if (msg.ValueKind != JsonValueKind.String)
            {
                await AdminError(ctx, Shape).ConfigureAwait(false);
                return;
            }
            message = msg.GetString()!;
        }
        string idText = RouteString(ctx, "id");
        string? problem = null;
        lock (s.Lock)
        {
            s.Tick();
            if (!long.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out long id) || !s.Jobs.TryGetValue(id, out var job))
            {
                problem = "no job " + idText;
            }
            else if (!s.FailJob(job, message))
            {
                problem = "job " + idText + " has already completed or failed";
            }
        }
        if (problem != null)
        {
            await AdminError(ctx, problem).ConfigureAwait(false);
            return;
        }
        await AdminOk(ctx).ConfigureAwait(false);
    }

    private static async Task AdminAddAudit(HttpContext ctx, EmulatorState s)
    {
        if (await AdminBody(ctx, AdminBodyRule.Required,
                "The body must be an object {\"count\", \"description\", \"actor\", \"actorIp\", \"requestUrl\", \"flagged\", \"verbose\", \"createTime\", \"spacingMs\"}")
            .ConfigureAwait(false) is not JsonElement root)
        {
            return;
        }
        int count = 1;
        string? description = null, actor = null, actorIp = null, requestUrl = null;
        bool flagged = false, verbose = false;
        long? time = null;
        long spacing = 1;
        string? err = null;
        foreach (var p in root.EnumerateObject())
        {
            var v = p.Value;
            switch (p.Name)
            {
                case "count":
                    err = ReadCount(v, out count) ?? err;
                    break;
                case "description":
                case "actor":
                case "actorIp":
                case "requestUrl":
                    if (v.ValueKind != JsonValueKind.String)
                    {
                        err = p.Name + " must be a string";
                        break;
                    }
                    if (p.Name == "description") { description = v.GetString(); }
                    else if (p.Name == "actor") { actor = v.GetString(); }
                    else if (p.Name == "actorIp") { actorIp = v.GetString(); }
                    else { requestUrl = v.GetString(); }
                    break;
                case "flagged":
                case "verbose":
                    if (v.ValueKind != JsonValueKind.True && v.ValueKind != JsonValueKind.False)
                    {
                        err = p.Name + " must be a boolean";
                        break;
                    }
                    if (p.Name == "flagged") { flagged = v.GetBoolean(); } else { verbose = v.GetBoolean(); }
                    break;
                case "createTime":
                    if (!IsoArg(v, out long t))
                    {
                        err = "createTime must be an ISO-8601 time";
                    }
                    else
                    {
                        time = t;
                    }
                    break;
                case "spacingMs":
                    if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out spacing) || spacing < 0)
                    {
                        err = "spacingMs must be a non-negative integer";
                    }
                    break;
                default:
                    err = "unknown field '" + p.Name + "' (allowed: count, description, actor, actorIp, requestUrl, flagged, verbose, createTime, spacingMs)";
                    break;
            }
            if (err != null)
            {
                break;
            }
        }
        if (err != null)
        {
            await AdminError(ctx, err).ConfigureAwait(false);
            return;
        }
        lock (s.Lock)
        {
            long start = time ?? EmulatorState.NowMs - spacing * Math.Max(0, count - 1);
            for (int i = 0; i < count; i++)
            {
                s.AddAudit(description ?? "Emulator audit record " + (s.AuditSeq + 1).ToString(CultureInfo.InvariantCulture), start + i * spacing,
                    actorIp ?? "192.0.2.10", actor ?? "admin@" + Seeder.OrganizationName, flagged, verbose, requestUrl);
            }
        }
        await JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("added", count);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static Task AdminAuditInfo(HttpContext ctx, EmulatorState s)
    {
        byte[] body;
        lock (s.Lock)
        {
            body = JsonOut.Build(w =>
            {
                w.WriteStartObject();
                w.WriteNumber("records", s.AuditLog.Count);
                w.WriteNumber("v3Queued", s.AuditQueue.Count);
                w.WriteStartArray("v1Queues");
                foreach (var k in s.Options.EffectiveKeys)
                {
                    if (k.IsLegacy)
                    {
                        continue;
                    }
                    long cursor = s.AuditCursors.TryGetValue(k.Id, out long c) ? c : 0;
                    w.WriteStartObject();
                    w.WriteString("keyId", k.Id);
                    w.WriteNumber("unread", s.AuditLog.Count - s.AuditIndexOf(cursor));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        return JsonOut.Send(ctx, 200, body);
    }
}
