using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace CbDefense.Emulator;

internal static partial class Routes
{
    private static Task BadArg(HttpContext ctx, string message) => JsonOut.V6Error(ctx, 400, "INVALID_ARGUMENT", message);

    private static string? ReadStringArray(JsonElement el, string name, out List<string> values)
    {
        values = new List<string>();
        if (el.ValueKind != JsonValueKind.Array)
        {
            return name + " must be an array of strings";
        }
        foreach (var v in el.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.String)
            {
                return name + " must be an array of strings (got " + v.GetRawText() + ")";
            }
            values.Add(v.GetString()!);
        }
        return null;
    }

    private static bool DistroMatches(Device d, string key) => key switch
    {
        "WINDOWS" => d.DeviceType == "WINDOWS",
        "MAC" => d.DeviceType == "MAC",
        "LINUX" => d.DeviceType == "LINUX",
        _ => d.DeviceType == "LINUX" && d.OsFamily == key,
    };

    private static Task DeviceActions(HttpContext ctx, EmulatorState s)
    {
        string? err = ParseJson(Body(ctx), out var root);
        if (err != null)
        {
            return BadArg(ctx, err);
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            return BadArg(ctx, "The request body must be a JSON object {\"action_type\": ..., \"device_id\": [...], \"options\": {...}}");
        }
        if (!root.TryGetProperty("action_type", out var at) || at.ValueKind != JsonValueKind.String)
        {
            return BadArg(ctx, "action_type is required; allowed values: " + Allowed(Lists.DeviceActionTypes));
        }
        string action = at.GetString()!;
        if (!Lists.Contains(Lists.DeviceActionTypes, action))
        {
            return BadArg(ctx, "action_type '" + action + "' is not valid; allowed values: " + Allowed(Lists.DeviceActionTypes));
        }
        List<long>? ids = null;
        DeviceSearch? search = null;
        bool hasIds = root.TryGetProperty("device_id", out var did) && did.ValueKind != JsonValueKind.Null;
        bool hasSearch = root.TryGetProperty("search", out var searchEl) && searchEl.ValueKind != JsonValueKind.Null;
        if (hasIds && hasSearch)
        {
            return BadArg(ctx, "Give either device_id or search, not both");
        }
        if (hasIds)
        {
            err = AlertCriteria.LongList(did, "device_id", out ids);
            if (err != null)
            {
                return BadArg(ctx, err);
            }
        }
        else if (hasSearch)
        {
            if (searchEl.ValueKind != JsonValueKind.Object)
            {
                return BadArg(ctx, "search must be an object {\"criteria\": {...}, \"exclusions\": {...}, \"query\": \"...\"}");
            }
            foreach (var p in searchEl.EnumerateObject())
            {
                if (p.Name != "criteria" && p.Name != "exclusions" && p.Name != "query")
                {
                    return BadArg(ctx, "search." + p.Name + " is not valid; a device action search has criteria, exclusions and query");
                }
            }
            var serr = DeviceSearch.Parse(searchEl, "search.", EmulatorState.NowMs, out search);
            if (serr != null)
            {
                return SearchFailed(ctx, serr);
            }
        }
        else
        {
            return BadArg(ctx, "device_id (an array of device ids) or search is required");
        }

        root.TryGetProperty("options", out var options);
        string? toggle = null;
        long policyId = 0;
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (action)
        {
            case "BACKGROUND_SCAN":
            case "BYPASS":
            case "QUARANTINE":
                if (options.ValueKind != JsonValueKind.Object || !options.TryGetProperty("toggle", out var tg))
                {
                    return BadArg(ctx, "options.toggle is required for " + action + " (ON or OFF)");
                }
                toggle = tg.ValueKind == JsonValueKind.String ? tg.GetString() : null;
                if (toggle != "ON" && toggle != "OFF")
                {
                    return BadArg(ctx, "options.toggle: " + tg.GetRawText() + " is not valid; allowed values: ON, OFF");
                }
                break;
            case "UPDATE_POLICY":
                if (options.ValueKind != JsonValueKind.Object || !options.TryGetProperty("policy_id", out var pid))
                {
                    return BadArg(ctx, "options.policy_id is required for UPDATE_POLICY");
                }
                if (pid.ValueKind != JsonValueKind.Number || !pid.TryGetInt64(out policyId))
                {
                    return BadArg(ctx, "options.policy_id must be an integer (got " + pid.GetRawText() + ")");
                }
                break;
            case "UPDATE_SENSOR_VERSION":
                if (options.ValueKind != JsonValueKind.Object || !options.TryGetProperty("sensor_version", out var sv))
                {
                    return BadArg(ctx, "options.sensor_version is required for UPDATE_SENSOR_VERSION, e.g. {\"WINDOWS\": \"3.9.1.2451\"}");
                }
                if (sv.ValueKind != JsonValueKind.Object)
                {
                    return BadArg(ctx, "options.sensor_version must be an object of OS to version string, e.g. {\"RHEL\": \"2.3.4.5\"}");
                }
                foreach (var p in sv.EnumerateObject())
                {
                    if (!Lists.Contains(Lists.SensorOsKeys, p.Name))
                    {
                        return BadArg(ctx, "options.sensor_version: '" + p.Name + "' is not a valid OS; allowed values: " + Allowed(Lists.SensorOsKeys));
                    }
                    if (p.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(p.Value.GetString()))
                    {
                        return BadArg(ctx, "options.sensor_version." + p.Name + " must be a version string (got " + p.Value.GetRawText() + ")");
                    }
                    versions[p.Name] = p.Value.GetString()!;
                }
                if (versions.Count == 0)
                {
                    return BadArg(ctx, "options.sensor_version must name at least one OS");
                }
                break;
        }

        lock (s.Lock)
        {
            Policy? policy = null;
            if (action == "UPDATE_POLICY" && !s.Policies.TryGetValue(policyId, out policy))
            {
                return BadArg(ctx, "options.policy_id " + policyId.ToString(CultureInfo.InvariantCulture) + " is not a known policy");
            }
            var targets = new List<Device>();
            if (ids != null)
            {
                var seen = new HashSet<long>();
                foreach (long id in ids)
                {
                    if (seen.Add(id) && s.DeviceById.TryGetValue(id, out var d))
                    {
                        targets.Add(d);
                    }
                }
            }
            else
            {
                foreach (var d in s.Devices)
                {
                    if (search!.Matches(d))
                    {
                        targets.Add(d); // every match, not only the first 10,000 of a search window
                    }
                }
            }
            long now = EmulatorState.NowMs;
            int changed = 0;
            foreach (var d in targets)
            {
                if (action == "DELETE_SENSOR")
                {
                    s.RemoveDevice(d.DeviceId);
                    changed++;
                    continue;
                }
                var c = d.Clone();
                switch (action)
                {
                    case "QUARANTINE":
                        c.Quarantined = toggle == "ON";
                        if (c.Status != "UNINSTALLED" && c.Status != "DEREGISTERED")
                        {
                            c.Status = c.Quarantined ? "QUARANTINE" : (d.Status == "QUARANTINE" ? "ACTIVE" : d.Status);
                        }
                        break;
                    case "BYPASS":
                        if (c.Status != "UNINSTALLED" && c.Status != "DEREGISTERED")
                        {
                            c.Status = toggle == "ON" ? "BYPASS" : (c.Quarantined ? "QUARANTINE" : (d.Status == "BYPASS" ? "ACTIVE" : d.Status));
                        }
                        if (c.DeviceType == "WINDOWS")
                        {
                            c.AvStatus = toggle == "ON" ? new[] { "AV_BYPASS" } : new[] { "AV_ACTIVE", "ONDEMAND_SCAN_DISABLED" };
                        }
                        break;
                    case "BACKGROUND_SCAN":
                        c.ScanStatus = toggle == "ON" ? "IN_PROGRESS" : "STOPPED";
                        c.ScanLastActionTime = now;
                        break;
                    case "UPDATE_POLICY":
                        c.PolicyId = policy!.Id;
                        c.PolicyName = policy.Name;
                        c.LastDevicePolicyChangedTime = now;
                        c.LastDevicePolicyRequestedTime = now;
                        c.LastPolicyUpdatedTime = now;
                        break;
                    case "UPDATE_SENSOR_VERSION":
                        string? version = null;
                        foreach (var kv in versions)
                        {
                            if (DistroMatches(d, kv.Key) && (version == null || kv.Key != "LINUX"))
                            {
                                version = kv.Value;
                            }
                        }
                        if (version == null)
                        {
                            continue;
                        }
                        c.SensorVersion = version;
                        c.SensorOutOfDate = false;
                        break;
                    case "UNINSTALL_SENSOR":
                        c.Status = "UNINSTALLED";
                        c.UninstalledTime = now;
                        c.Quarantined = false;
                        break;
                }
                s.ReplaceDevice(c);
                changed++;
            }
            s.AddAudit("Device action " + action + (toggle != null ? " " + toggle : "") + " applied to " + changed.ToString(CultureInfo.InvariantCulture) + " device(s)");
        }
        ctx.Response.StatusCode = 204;
        return Task.CompletedTask;
    }

    // ------------------------------------------------------------------ threat workflow / alerts

    private static Task ThreatWorkflow(HttpContext ctx, EmulatorState s)
    {
        string? err = ParseJson(Body(ctx), out var root);
        if (err != null)
        {
            return BadArg(ctx, err);
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            return BadArg(ctx, "The request body must be a JSON object {\"threat_id\": [...], \"state\": \"OPEN\"|\"DISMISSED\"}");
        }
        if (!root.TryGetProperty("threat_id", out var tids))
        {
            return BadArg(ctx, "threat_id (an array of threat id strings) is required");
        }
        err = ReadStringArray(tids, "threat_id", out var threatIds);
        if (err != null)
        {
            return BadArg(ctx, err);
        }
        if (threatIds.Count == 0)
        {
            return BadArg(ctx, "threat_id must not be empty");
        }
        if (!root.TryGetProperty("state", out var st) || st.ValueKind != JsonValueKind.String || (st.GetString() != "OPEN" && st.GetString() != "DISMISSED"))
        {
            return BadArg(ctx, "state is required; allowed values: OPEN, DISMISSED" + (st.ValueKind == JsonValueKind.Undefined ? "" : " (got " + st.GetRawText() + ")"));
        }
        string? remediation = null, comment = null;
        if (root.TryGetProperty("remediation_state", out var rem) && rem.ValueKind != JsonValueKind.Null)
        {
            if (rem.ValueKind != JsonValueKind.String)
            {
                return BadArg(ctx, "remediation_state must be a string");
            }
            remediation = rem.GetString();
        }
        if (root.TryGetProperty("comment", out var cm) && cm.ValueKind != JsonValueKind.Null)
        {
            if (cm.ValueKind != JsonValueKind.String)
            {
                return BadArg(ctx, "comment must be a string");
            }
            comment = cm.GetString();
        }
        string id;
        lock (s.Lock)
        {
            s.WorkflowSeq++;
            id = s.WorkflowSeq.ToString("X4", CultureInfo.InvariantCulture) + new Rng(s.Seed ^ s.WorkflowSeq, "workflow").Hex(8, true);
            s.AddWorkflow(new WorkflowRequest
            {
                Id = id,
                ThreatIds = threatIds.ToArray(),
                State = st.GetString()!,
                Remediation = remediation,
                Comment = comment,
                ChangedBy = Key(ctx)?.Id ?? "api",
                Created = DateTimeOffset.UtcNow,
                LastUpdateTime = EmulatorState.NowMs,
            });
            s.Tick();
            s.AddAudit("Threat workflow " + st.GetString() + " requested for " + threatIds.Count.ToString(CultureInfo.InvariantCulture) + " threat(s)");
        }
        return JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("request_id", id);
            w.WriteEndObject();
        });
    }

    private static Task WorkflowStatus(HttpContext ctx, EmulatorState s)
    {
        string id = RouteString(ctx, "request_id");
        byte[]? body = null;
        lock (s.Lock)
        {
            if (s.Workflows.TryGetValue(id, out var r))
            {
                s.Tick();
                string status = s.WorkflowStatus(r, DateTimeOffset.UtcNow);
                int hits = status == "QUEUED" ? 0 : r.Applied ? r.Hits : s.CountAlertsForThreats(r.ThreatIds);
                int success = status == "FINISHED" ? hits : 0;
                body = JsonOut.Build(w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("errors");
                    w.WriteEndArray();
                    w.WriteStartArray("failed_ids");
                    w.WriteEndArray();
                    w.WriteString("id", r.Id);
                    w.WriteNumber("num_hits", hits);
                    w.WriteNumber("num_success", success);
                    w.WriteString("status", status);
                    w.WriteStartObject("workflow");
                    w.WriteString("state", r.State);
                    JsonOut.StringOrNull(w, "remediation", r.Remediation);
                    JsonOut.StringOrNull(w, "comment", r.Comment);
                    w.WriteString("changed_by", r.ChangedBy);
                    w.WriteString("last_update_time", JsonOut.Iso(r.LastUpdateTime));
                    w.WriteEndObject();
                    w.WriteEndObject();
                });
            }
        }
        return body == null
            ? JsonOut.V6Error(ctx, 404, "NOT_FOUND", "Workflow request '" + id + "' not found")
            : JsonOut.Send(ctx, 200, body);
    }

    private static Task GetAlert(HttpContext ctx, EmulatorState s)
    {
        string id = RouteString(ctx, "id");
        string org = s.Options.OrgKey;
        byte[]? body = null;
        lock (s.Lock)
        {
            s.Tick();
            if (!s.AlertById.TryGetValue(id, out var found))
            {
                foreach (var a in s.Alerts)
                {
                    if (string.Equals(a.LegacyAlertId, id, StringComparison.OrdinalIgnoreCase))
                    {
                        found = a;
                        break;
                    }
                }
            }
            if (found != null)
            {
                body = JsonOut.Build(w => JsonOut.WriteAlert(w, found, org));
            }
        }
        return body == null
            ? JsonOut.V6Error(ctx, 404, "NOT_FOUND", "Alert '" + id + "' not found")
            : JsonOut.Send(ctx, 200, body);
    }

    /// <summary>The top-level fields of a v6 alert search (what the SDKs' v6 BaseAlertSearchQuery sends).</summary>
    private static readonly string[] AlertSearchV6Keys = { "criteria", "query", "rows", "start", "sort" };

    /// <summary>rows when a v6 alert search gives none.</summary>
    private const int DefaultV6AlertRows = 20;

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    private static Task SearchAlerts(HttpContext ctx, EmulatorState s)
    {
        int rows = DefaultV6AlertRows, start = 1;
        AlertFilter search = null!;
        Comparison<Alert> order = null!;
        long now = EmulatorState.NowMs;
        JsonElement root = EmptyObject; // an empty body is the search for everything
        SearchError? err = null;
        if (Body(ctx).Length > 0)
        {
            err = ObjectBody(ctx, AlertSearchV6Keys, "v6 alerts/_search", out root);
        }
        err ??= BodyInt(root, "rows", DefaultV6AlertRows, out rows);
        err ??= BodyInt(root, "start", 1, out start);
        err ??= AlertSearchV6.Parse(root, now, out search);
        err ??= AlertSearchV6.ParseSort(root.TryGetProperty("sort", out var sortEl) ? sortEl : default, out order);
        err ??= AlertCriteria.CheckWindow(AlertSearchV6.Dialect, ref start, rows);
        if (err != null)
        {
            return SearchFailed(ctx, err);
        }
        var matches = new List<Alert>();
        lock (s.Lock)
        {
            s.Tick(now);
            foreach (var a in s.Alerts)
            {
                if (search.Matches(a))
                {
                    matches.Add(a);
                }
            }
        }
        // Alerts are copy-on-write: the snapshot is ordered and paged outside the lock.
        matches.Sort(order);
        int total = matches.Count;
        var page = AlertCriteria.Page(matches, start, rows);
        string org = s.Options.OrgKey;
        return StreamItems(ctx, page,
            w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("results");
            },
            (w, a) => JsonOut.WriteAlert(w, a, org),
            w =>
            {
                w.WriteEndArray();
                w.WriteNumber("num_found", total);
                w.WriteNumber("num_available", total);
                w.WriteEndObject();
            });
    }

    private static Task Suggestions(HttpContext ctx, EmulatorState s)
    {
        string q = (Last(ctx.Request.Query, "suggest.q") ?? "").Trim();
        var terms = Seeder.SuggestionTerms
            .Where(t => q.Length == 0 || t.Term.Contains(q, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(t => t.Term.StartsWith(q, StringComparison.OrdinalIgnoreCase))
            .ThenByDescending(t => t.Weight)
            .ToList();
        _ = s;
        return JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("suggestions");
            foreach (var t in terms)
            {
                w.WriteStartObject();
                w.WriteString("term", t.Term);
                w.WriteNumber("weight", t.Weight);
                w.WriteStartArray("required_skus_all");
                w.WriteEndArray();
                w.WriteStartArray("required_skus_some");
                w.WriteStringValue("defense");
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }
}
