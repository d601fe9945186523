using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace CbDefense.Emulator;

internal static partial class Routes
{
    private const string V3 = "/integrationServices/v3";
    private const string V6 = "/appservices/v6/orgs/{org_key}";

    public static void Map(WebApplication app, EmulatorState s)
    {
        app.MapGet(V3 + "/device", ctx => ListDevices(ctx, s));
        app.MapGet(V3 + "/device/{id}", ctx => GetDevice(ctx, s));
        app.MapMethods(V3 + "/device/{id}", new[] { "PATCH" }, ctx => PatchDevice(ctx, s));
        app.MapGet(V3 + "/event", ctx => ListEvents(ctx, s));
        app.MapGet(V3 + "/event/{id}", ctx => GetEvent(ctx, s));
        app.MapGet(V3 + "/policy", ctx => ListPolicies(ctx, s));
        app.MapPost(V3 + "/policy", ctx => CreatePolicy(ctx, s));
        app.MapGet(V3 + "/policy/{id}", ctx => GetPolicy(ctx, s));
        app.MapPut(V3 + "/policy/{id}", ctx => UpdatePolicy(ctx, s));
        app.MapDelete(V3 + "/policy/{id}", ctx => DeletePolicy(ctx, s));
        app.MapPost(V3 + "/policy/{id}/rule", ctx => AddRule(ctx, s));
        app.MapPut(V3 + "/policy/{id}/rule/{ruleId}", ctx => ReplaceRule(ctx, s));
        app.MapDelete(V3 + "/policy/{id}/rule/{ruleId}", ctx => DeleteRule(ctx, s));
        app.MapGet(V3 + "/notification", ctx => GetNotifications(ctx, s));
        app.MapGet(V3 + "/auditlogs", ctx => GetAuditLogs(ctx, s));

        app.MapPost(V6 + "/device_actions", ctx => DeviceActions(ctx, s));
        app.MapPost(V6 + "/threat/workflow/_criteria", ctx => ThreatWorkflow(ctx, s));
        app.MapGet(V6 + "/workflow/status/{request_id}", ctx => WorkflowStatus(ctx, s));
        app.MapGet(V6 + "/alerts/search_suggestions", ctx => Suggestions(ctx, s));
        app.MapPost(V6 + "/alerts/_search", ctx => SearchAlerts(ctx, s));
        app.MapGet(V6 + "/alerts/{id}", ctx => GetAlert(ctx, s));

        // Current generation only (absent with --api legacy): devices v6 and the policy service v1.
        app.MapPost(V6 + "/devices/_search", ctx => SearchDevicesV6(ctx, s));
        app.MapPost(V6 + "/devices/_scroll", ctx => ScrollDevicesV6(ctx, s));
        app.MapGet(V6 + "/devices/{id}", ctx => GetDeviceV6(ctx, s));
        MapPoliciesV1(app, s);
        MapLiveResponse(app, s);
        MapAlertsV7(app, s);
        MapAuditV1(app, s);
        MapObservations(app, s);

        MapAdmin(app, s);
    }

    // ------------------------------------------------------------------ helpers

    internal static byte[] Body(HttpContext ctx) => ctx.Items.TryGetValue(EmulatorHost.BodyKey, out var b) && b is byte[] bytes ? bytes : Array.Empty<byte>();

    /// <summary>Parses the request body as JSON; returns an error message or null.</summary>
    internal static string? ParseJson(byte[] body, out JsonElement root)
    {
        root = default;
        if (body.Length == 0)
        {
            return "A JSON request body is required";
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            root = doc.RootElement.Clone();
            return null;
        }
        catch (JsonException e)
        {
            return "The request body is not valid JSON: " + e.Message;
        }
    }

    private static string? Last(IQueryCollection q, string name)
    {
        var v = q[name];
        return v.Count == 0 ? null : v[v.Count - 1];
    }

    private static string? Paging(IQueryCollection q, int cap, out int start, out int rows)
    {
        start = 1;
        rows = 20;
        string? s = Last(q, "start");
        if (!string.IsNullOrEmpty(s))
        {
            if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out start) || start < 0)
            {
                return "Invalid value for start: '" + s + "' (expected a 1-based row number)";
            }
            if (start == 0)
            {
                start = 1;
            }
        }
        string? r = Last(q, "rows");
        if (!string.IsNullOrEmpty(r))
        {
            if (!long.TryParse(r, NumberStyles.Integer, CultureInfo.InvariantCulture, out long lr) || lr < 0)
            {
                return "Invalid value for rows: '" + r + "' (expected a number of rows, at most " + cap.ToString(CultureInfo.InvariantCulture) + ")";
            }
            rows = (int)Math.Min(lr, cap);
        }
        return null;
    }

    private static bool TryId(HttpContext ctx, string name, out long id)
    {
        string? raw = ctx.Request.RouteValues[name] as string;
        return long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out id);
    }

    private static string RouteString(HttpContext ctx, string name) => ctx.Request.RouteValues[name] as string ?? "";

    private static ApiKey? Key(HttpContext ctx) => ctx.Items.TryGetValue(EmulatorHost.KeyKey, out var k) ? k as ApiKey : null;

    private static void Envelope(Utf8JsonWriter w, long elapsed, int total)
    {
        w.WriteStartObject();
        w.WriteNumber("latestTime", 0);
        w.WriteBoolean("success", true);
        w.WriteString("message", "Success");
        w.WriteNumber("elapsed", elapsed);
        w.WriteNumber("totalResults", total);
        w.WriteStartArray("results");
    }

    /// <summary>Streams a v3 list page straight to the response body.</summary>
    private static async Task StreamPage<T>(HttpContext ctx, List<T> page, int total, long elapsed, Action<Utf8JsonWriter, T> write)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        PipeWriter pipe = ctx.Response.BodyWriter;
        using var w = new Utf8JsonWriter(pipe, JsonOut.WriterOptions);
        Envelope(w, elapsed, total);
        for (int i = 0; i < page.Count; i++)
        {
            write(w, page[i]);
            if ((i & 63) == 63)
            {
                w.Flush();
                var r = await pipe.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
                if (r.IsCanceled || r.IsCompleted)
                {
                    return;
                }
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        await pipe.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
    }

    private static string Allowed(string[] values) => string.Join(", ", values);

    // ------------------------------------------------------------------ devices

    private sealed class DeviceFilter
    {
        public string? HostName;
        public bool HostPrefix;
        public string? HostExact;
        public string? Owner;
        public string? OwnerExact;
        public string? Ip;

        public bool IsEmpty => HostName == null && HostExact == null && Owner == null && OwnerExact == null && Ip == null;

        public static DeviceFilter From(IQueryCollection q)
        {
            var f = new DeviceFilter();
            string? h = Last(q, "hostName");
            if (!string.IsNullOrEmpty(h))
            {
                bool lead = h.StartsWith('*');
                bool trail = h.EndsWith('*');
                f.HostName = h.Trim('*');
                f.HostPrefix = trail && !lead;
            }
            f.HostExact = NullIfEmpty(Last(q, "hostNameExact"));
            f.Owner = NullIfEmpty(Last(q, "ownerName"));
            f.OwnerExact = NullIfEmpty(Last(q, "ownerNameExact"));
            f.Ip = NullIfEmpty(Last(q, "ipAddress"));
            return f;
        }

        public bool Matches(Device d)
        {
            if (HostName != null)
            {
                if (HostPrefix ? !d.Name.StartsWith(HostName, StringComparison.OrdinalIgnoreCase) : !d.Name.Contains(HostName, StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
            }
            if (HostExact != null && !string.Equals(d.Name, HostExact, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            if (Owner != null
                && !d.Email.Contains(Owner, StringComparison.OrdinalIgnoreCase)
                && !(d.FirstName?.Contains(Owner, StringComparison.OrdinalIgnoreCase) ?? false)
                && !(d.LastName?.Contains(Owner, StringComparison.OrdinalIgnoreCase) ?? false))
            {
                return false;
            }
            if (OwnerExact != null && !string.Equals(d.Email, OwnerExact, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
            if (Ip != null && !string.Equals(d.InternalIp, Ip, StringComparison.Ordinal) && !string.Equals(d.ExternalIp, Ip, StringComparison.Ordinal))
            {
                return false;
            }
            return true;
        }
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static Task ListDevices(HttpContext ctx, EmulatorState s)
    {
        long t0 = Stopwatch.GetTimestamp();
        var q = ctx.Request.Query;
        string? err = Paging(q, 5000, out int start, out int rows);
        if (err != null)
        {
            return JsonOut.V3Error(ctx, 400, err);
        }
        var f = DeviceFilter.From(q);
        var page = new List<Device>(Math.Min(rows, 5000));
        int total;
        lock (s.Lock)
        {
            var all = s.Devices;
            if (f.IsEmpty)
            {
                total = all.Count;
                for (int i = start - 1; i < total && page.Count < rows; i++)
                {
                    page.Add(all[i]);
                }
            }
            else
            {
                total = 0;
                int from = start - 1;
                foreach (var d in all)
                {
                    if (f.Matches(d))
                    {
                        if (total >= from && page.Count < rows)
                        {
                            page.Add(d);
                        }
                        total++;
                    }
                }
            }
        }
        return StreamPage(ctx, page, total, (long)Stopwatch.GetElapsedTime(t0).TotalMilliseconds, JsonOut.WriteDevice);
    }

    private static Task GetDevice(HttpContext ctx, EmulatorState s)
    {
        if (!TryId(ctx, "id", out long id))
        {
            return JsonOut.V3Error(ctx, 400, "Invalid device id '" + RouteString(ctx, "id") + "': expected a number");
        }
        Device? d;
        lock (s.Lock)
        {
            s.DeviceById.TryGetValue(id, out d);
        }
        if (d == null)
        {
            return JsonOut.V3Error(ctx, 404, "Device " + id.ToString(CultureInfo.InvariantCulture) + " not found");
        }
        return JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("deviceInfo");
            JsonOut.WriteDevice(w, d);
            w.WriteBoolean("success", true);
            w.WriteString("message", "Success");
            w.WriteEndObject();
        });
    }

    private static Task PatchDevice(HttpContext ctx, EmulatorState s)
    {
        if (!TryId(ctx, "id", out long id))
        {
            return JsonOut.V3Error(ctx, 400, "Invalid device id '" + RouteString(ctx, "id") + "': expected a number");
        }
        string? err = ParseJson(Body(ctx), out var root);
        if (err != null)
        {
            return JsonOut.V3Error(ctx, 400, err);
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            return JsonOut.V3Error(ctx, 400, "The request body must be a JSON object such as {\"policyId\": 1234} or {\"policyName\": \"Standard\"}");
        }
        long? policyId = null;
        string? policyName = null;
        if (root.TryGetProperty("policyId", out var pid))
        {
            if (pid.ValueKind != JsonValueKind.Number || !pid.TryGetInt64(out long v))
            {
                return JsonOut.V3Error(ctx, 400, "policyId must be an integer (got " + pid.GetRawText() + ")");
            }
            policyId = v;
        }
        if (root.TryGetProperty("policyName", out var pn))
        {
            if (pn.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(pn.GetString()))
            {
                return JsonOut.V3Error(ctx, 400, "policyName must be a non-empty string (got " + pn.GetRawText() + ")");
            }
            policyName = pn.GetString();
        }
        if (policyId == null && policyName == null)
        {
            return JsonOut.V3Error(ctx, 400, "Nothing to update: the body must carry policyId or policyName");
        }
        Device? updated;
        lock (s.Lock)
        {
            if (!s.DeviceById.TryGetValue(id, out var d))
            {
                return JsonOut.V3Error(ctx, 404, "Device " + id.ToString(CultureInfo.InvariantCulture) + " not found");
            }
            Policy? p = null;
            if (policyId != null && !s.Policies.TryGetValue(policyId.Value, out p))
            {
                return JsonOut.V3Error(ctx, 400, "Policy " + policyId.Value.ToString(CultureInfo.InvariantCulture) + " does not exist");
            }
            if (policyName != null)
            {
                var byName = s.FindPolicyByName(policyName);
                if (byName == null)
                {
                    return JsonOut.V3Error(ctx, 400, "Policy '" + policyName + "' does not exist");
                }
                if (p != null && p.Id != byName.Id)
                {
                    return JsonOut.V3Error(ctx, 400, "policyId " + p.Id.ToString(CultureInfo.InvariantCulture) + " and policyName '" + policyName + "' name different policies");
                }
                p = byName;
            }
            updated = d.Clone();
            long now = EmulatorState.NowMs;
            updated.PolicyId = p!.Id;
            updated.PolicyName = p.Name;
            updated.LastDevicePolicyChangedTime = now;
            updated.LastDevicePolicyRequestedTime = now;
            updated.LastPolicyUpdatedTime = now;
            s.ReplaceDevice(updated);
            s.AddAudit("Moved device " + updated.Name + " to policy " + p.Name);
        }
        return JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("success", true);
            w.WriteString("message", "Success");
            w.WritePropertyName("deviceInfo");
            JsonOut.WriteDevice(w, updated);
            w.WriteEndObject();
        });
    }

    // ------------------------------------------------------------------ events

    private static Task ListEvents(HttpContext ctx, EmulatorState s)
    {
        long t0 = Stopwatch.GetTimestamp();
        var q = ctx.Request.Query;
        string? err = Paging(q, 10_000, out int start, out int rows);
        if (err != null)
        {
            return JsonOut.V3Error(ctx, 400, err);
        }
        var f = DeviceFilter.From(q);
        string? sha = NullIfEmpty(Last(q, "sha256Hash"));
        string? appName = NullIfEmpty(Last(q, "applicationName"));
        string? type = NullIfEmpty(Last(q, "eventType"));
        long min = long.MinValue, max = long.MaxValue;
        string? window = NullIfEmpty(Last(q, "searchWindow"));
        long now = EmulatorState.NowMs;
        if (window != null)
        {
            long span = window.ToLowerInvariant() switch
            {
                "1h" => 3_600_000L,
                "3h" => 3 * 3_600_000L,
                "1d" => 86_400_000L,
                "1w" => 7 * 86_400_000L,
                "2w" => 14 * 86_400_000L,
                _ => -1,
            };
            if (span < 0)
            {
                return JsonOut.V3Error(ctx, 400, "Invalid searchWindow '" + window + "'; allowed values: " + Allowed(Lists.SearchWindows));
            }
            min = now - span;
        }
        foreach (var (name, isStart) in new[] { ("startTime", true), ("endTime", false) })
        {
            string? v = NullIfEmpty(Last(q, name));
            if (v == null)
            {
                continue;
            }
            long ms;
            if (long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out long epoch))
            {
                ms = epoch;
            }
            else if (DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dto))
            {
                ms = dto.ToUnixTimeMilliseconds();
            }
            else
            {
                return JsonOut.V3Error(ctx, 400, "Invalid " + name + " '" + v + "': expected ISO-8601 UTC such as 2020-08-04T00:00:00.000Z");
            }
            if (isStart)
            {
                min = Math.Max(min, ms);
            }
            else
            {
                max = Math.Min(max, ms);
            }
        }
        var page = new List<EventRec>(Math.Min(rows, 1000));
        int total = 0;
        lock (s.Lock)
        {
            int from = start - 1;
            foreach (var e in s.Events)
            {
                if (e.EventTime < min || e.EventTime > max)
                {
                    continue;
                }
                if (!f.IsEmpty && !EventMatches(f, e))
                {
                    continue;
                }
                if (sha != null && !string.Equals(e.SelectedApp.Sha256, sha, StringComparison.OrdinalIgnoreCase)
                    && !string.Equals(e.ParentApp.Sha256, sha, StringComparison.OrdinalIgnoreCase)
                    && !string.Equals(e.TargetApp?.Sha256, sha, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (appName != null && !e.SelectedApp.Name.Contains(appName, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (type != null && !string.Equals(e.EventType, type, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (total >= from && page.Count < rows)
                {
                    page.Add(e);
                }
                total++;
            }
        }
        return StreamPage(ctx, page, total, (long)Stopwatch.GetElapsedTime(t0).TotalMilliseconds, JsonOut.WriteEvent);
    }

    private static bool EventMatches(DeviceFilter f, EventRec e)
    {
        if (f.HostName != null && (f.HostPrefix ? !e.DeviceName.StartsWith(f.HostName, StringComparison.OrdinalIgnoreCase) : !e.DeviceName.Contains(f.HostName, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }
        if (f.HostExact != null && !string.Equals(e.DeviceName, f.HostExact, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (f.Owner != null && !e.Email.Contains(f.Owner, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (f.OwnerExact != null && !string.Equals(e.Email, f.OwnerExact, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (f.Ip != null && !string.Equals(e.DeviceIp, f.Ip, StringComparison.Ordinal) && !string.Equals(e.InternalIp, f.Ip, StringComparison.Ordinal))
        {
            return false;
        }
        return true;
    }

    private static Task GetEvent(HttpContext ctx, EmulatorState s)
    {
        string id = RouteString(ctx, "id");
        EventRec? e;
        lock (s.Lock)
        {
            s.EventById.TryGetValue(id, out e);
        }
        if (e == null)
        {
            return JsonOut.V3Error(ctx, 404, "Event " + id + " not found");
        }
        return JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("eventInfo");
            JsonOut.WriteEvent(w, e);
            w.WriteBoolean("success", true);
            w.WriteString("message", "Success");
            w.WriteEndObject();
        });
    }

    // ------------------------------------------------------------------ notifications / audit logs

    private static Task GetNotifications(HttpContext ctx, EmulatorState s)
    {
        List<QueuedItem> items;
        lock (s.Lock)
        {
            s.Refill();
            int n = Math.Min(1000, s.NotificationQueue.Count);
            items = s.NotificationQueue.GetRange(0, n);
            s.NotificationQueue.RemoveRange(0, n);
            foreach (var i in items)
            {
                s.ServedNotificationIds.Add(i.EventId);
            }
        }
        return JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("notifications");
            foreach (var i in items)
            {
                w.WriteRawValue(i.Json, skipInputValidation: true);
            }
            w.WriteEndArray();
            w.WriteBoolean("success", true);
            w.WriteString("message", "Success");
            w.WriteEndObject();
        });
    }

    private static Task GetAuditLogs(HttpContext ctx, EmulatorState s)
    {
        List<string> items;
        lock (s.Lock)
        {
            int n = Math.Min(AuditQueueMax, s.AuditQueue.Count);
            items = s.AuditQueue.GetRange(0, n);
            s.AuditQueue.RemoveRange(0, n);
        }
        return JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("notifications");
            foreach (var i in items)
            {
                w.WriteRawValue(i, skipInputValidation: true);
            }
            w.WriteEndArray();
            w.WriteBoolean("success", true);
            w.WriteString("message", "Success");
            w.WriteEndObject();
        });
    }
}
