using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace CbDefense.Emulator;

/// <summary>
/// The filter and order of the legacy alert search (<c>POST /appservices/v6/orgs/{org_key}/alerts/_search</c>), as
/// the SDKs' v6 <c>BaseAlertSearchQuery</c> sends it: <c>criteria</c> over the v6 field names (ANDed across keys,
/// ORed within one; the time criteria inside <c>criteria</c>), <c>query</c> (the emulator's query language over the
/// v6 names) and <c>sort</c>. Everything matches the v6 alert object the route writes (<see cref="JsonOut.WriteAlert"/>).
/// See docs/emulator.md, "The v6 alert search".
/// </summary>
internal sealed class AlertSearchV6
{
    private readonly List<Func<Alert, bool>> _tests = new();
    private QueryNode<Alert>? _query;

    public bool Matches(Alert a)
    {
        foreach (var t in _tests)
        {
            if (!t(a))
            {
                return false;
            }
        }
        return _query == null || _query.Matches(a);
    }

    public static readonly string[] Workflows = { "OPEN", "DISMISSED" };
    public static readonly string[] Categories = { "THREAT", "MONITORED" };

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>blocked_threat_category / not_blocked_threat_category as the v6 object writes them.</summary>
    private static string Blocked(Alert a) => a.PolicyApplied == "APPLIED" ? a.ThreatCategory : "UNKNOWN";

    private static string NotBlocked(Alert a) => a.PolicyApplied == "APPLIED" ? "UNKNOWN" : a.ThreatCategory;

    /// <summary>String criteria: the value the v6 object shows, and the allowed values (null: any string).</summary>
    private static readonly Dictionary<string, (Func<Alert, string?> Get, string[]? Allowed)> StringFields = new(StringComparer.Ordinal)
    {
        ["id"] = (a => a.Id, null),
        ["legacy_alert_id"] = (a => a.LegacyAlertId, null),
        ["threat_id"] = (a => a.ThreatId, null),
        ["type"] = (a => a.Type, AlertFactory.Types),
        ["category"] = (a => a.Category, Categories),
        ["workflow"] = (a => a.WorkflowState, Workflows),
        ["device_name"] = (a => a.DeviceName, null),
        ["device_os"] = (a => a.DeviceOs, AlertSearch.DeviceOses),
        ["device_os_version"] = (a => a.DeviceOsVersion, null),
        ["device_username"] = (a => a.DeviceUsername, null),
        ["device_location"] = (a => a.DeviceLocation, null),
        ["policy_name"] = (a => a.PolicyName, null),
        ["process_name"] = (a => a.ProcessName, null),
        ["process_sha256"] = (a => a.Sha256, null),
        ["reputation"] = (a => a.Reputation, Lists.Reputations),
        ["reason_code"] = (a => a.ReasonCode, null),
        ["run_state"] = (a => a.RunState, AlertSearch.RunStates),
        ["policy_applied"] = (a => a.PolicyApplied, AlertSearch.PolicyApplied),
        ["sensor_action"] = (a => a.SensorAction, null),
        ["target_value"] = (a => a.TargetValue, AlertSearch.TargetValues),
        ["blocked_threat_category"] = (a => Blocked(a), null),
        ["not_blocked_threat_category"] = (a => NotBlocked(a), null),
        ["threat_cause_vector"] = (_ => "UNKNOWN", null),
    };

    private static readonly Dictionary<string, Func<Alert, long>> IntFields = new(StringComparer.Ordinal)
    {
        ["device_id"] = a => a.DeviceId,
        ["policy_id"] = a => a.PolicyId,
    };

    /// <summary>The v6 time criteria, each <c>{"start", "end"}</c> or <c>{"range"}</c>.</summary>
    private static readonly Dictionary<string, Func<Alert, long>> TimeFields = new(StringComparer.Ordinal)
    {
        ["create_time"] = a => a.CreateTime,
        ["first_event_time"] = a => a.FirstEventTime,
        ["last_event_time"] = a => a.LastEventTime,
        ["last_update_time"] = a => a.LastUpdateTime,
    };

    /// <summary>Every criteria key, in ordinal order (for the error message and the docs).</summary>
    public static readonly string[] CriteriaKeys = BuildKeys();

    private static string[] BuildKeys()
    {
        var keys = new List<string>();
        keys.AddRange(StringFields.Keys);
        keys.AddRange(IntFields.Keys);
        keys.AddRange(TimeFields.Keys);
        keys.Add("minimum_severity");
        keys.Add("tag");
        keys.Add("kill_chain_status");
        keys.Add("group_results");
        keys.Sort(StringComparer.Ordinal);
        return keys.ToArray();
    }

    /// <summary>The fields a v6 query may name: the v6 object's names (and the criteria's).</summary>
    internal static readonly FieldTable<Alert> QueryFields = new FieldTable<Alert>()
        .Add("id", a => a.Id)
        .Add("legacy_alert_id", a => a.LegacyAlertId)
        .Add("type", a => a.Type)
        .Add("category", a => a.Category)
        .Add("severity", a => Num(a.Severity))
        .Add("threat_id", a => a.ThreatId)
        .Add("reason", a => a.Reason)
        .Add("reason_code", a => a.ReasonCode)
        .Add("workflow", a => a.WorkflowState)
        .Add("device_id", a => Num(a.DeviceId))
        .Add("device_name", a => a.DeviceName)
        .Add("device_os", a => a.DeviceOs)
        .Add("device_os_version", a => a.DeviceOsVersion)
        .Add("device_username", a => a.DeviceUsername)
        .Add("device_location", a => a.DeviceLocation)
        .Add("policy_id", a => Num(a.PolicyId))
        .Add("policy_name", a => a.PolicyName)
        .Add("target_value", a => a.TargetValue)
        .Add("process_name", a => a.ProcessName)
        .Add("process_sha256", a => a.Sha256)
        .Add("reputation", a => a.Reputation)
        .Add("created_by_event_id", a => a.CreatedByEventId)
        .Add("run_state", a => a.RunState)
        .Add("policy_applied", a => a.PolicyApplied)
        .Add("sensor_action", a => a.SensorAction)
        .Add("threat_cause_actor_name", a => a.ProcessName)
        .Add("threat_cause_actor_sha256", a => a.Sha256)
        .Add("threat_cause_reputation", a => a.Reputation)
        .Add("threat_cause_threat_category", a => a.ThreatCategory)
        .AddMulti("ttps", a => a.Ttps)
        .AddMulti("kill_chain_status", a => a.KillChain)
        .Add("notes_present", a => a.NotesPresent ? "true" : "false")
        .BareTerms("id", "legacy_alert_id", "threat_id", "device_name", "process_name", "reason", "device_username");

    /// <summary>Reads <c>criteria</c> and <c>query</c> of a request object (a missing or null one: no filter).</summary>
    public static SearchError? Parse(JsonElement body, long nowMs, out AlertSearchV6 search)
    {
        search = new AlertSearchV6();
        if (body.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        if (body.TryGetProperty("criteria", out var crit) && crit.ValueKind != JsonValueKind.Null)
        {
            var err = search.ParseCriteria(crit, nowMs);
            if (err != null)
            {
                return err;
            }
        }
        if (body.TryGetProperty("query", out var q) && q.ValueKind != JsonValueKind.Null)
        {
            if (q.ValueKind != JsonValueKind.String)
            {
                return SearchError.Arg("query must be a string (got " + q.GetRawText() + ")");
            }
            var err = QueryParser<Alert>.Parse(q.GetString()!, QueryFields, out search._query);
            if (err != null)
            {
                return err;
            }
        }
        return null;
    }

    /// <summary>An array of strings, each (when <paramref name="allowed"/> is given) one of the allowed values,
    /// case-insensitively; a value outside them is a v6 <c>INVALID_ARGUMENT</c> naming the key and the values.</summary>
    private static SearchError? Strings(JsonElement el, string name, string[]? allowed, out HashSet<string> set)
    {
        var err = AlertSearch.Strings(el, name, null, out set);
        if (err != null || allowed == null)
        {
            return err;
        }
        foreach (string v in set)
        {
            if (Array.FindIndex(allowed, x => string.Equals(x, v, StringComparison.OrdinalIgnoreCase)) < 0)
            {
                return SearchError.Arg(name + ": '" + v + "' is not a valid value; allowed values: " + string.Join(", ", allowed));
            }
        }
        return null;
    }

    private SearchError? ParseCriteria(JsonElement obj, long nowMs)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return SearchError.Arg("criteria must be an object of arrays, such as {\"workflow\": [\"OPEN\"], \"category\": [\"THREAT\"]}");
        }
        foreach (var p in obj.EnumerateObject())
        {
            string name = "criteria." + p.Name;
            if (StringFields.TryGetValue(p.Name, out var sf))
            {
                var err = Strings(p.Value, name, sf.Allowed, out var set);
                if (err != null)
                {
                    return err;
                }
                var get = sf.Get;
                _tests.Add(a => get(a) is string v && set.Contains(v));
                continue;
            }
            if (IntFields.TryGetValue(p.Name, out var inf))
            {
                var err = AlertSearch.Longs(p.Value, name, out var set);
                if (err != null)
                {
                    return err;
                }
                _tests.Add(a => set.Contains(inf(a)));
                continue;
            }
            if (TimeFields.TryGetValue(p.Name, out var tf))
            {
                var err = AlertSearch.TimeRange(p.Value, name, nowMs, out long from, out long to, out _);
                if (err != null)
                {
                    return err;
                }
                _tests.Add(a =>
                {
                    long v = tf(a);
                    return v >= from && v <= to;
                });
                continue;
            }
            switch (p.Name)
            {
                case "minimum_severity":
                    if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int min) || min < 1 || min > 10)
                    {
                        return SearchError.Arg(name + " must be an integer from 1 to 10 (got " + p.Value.GetRawText() + ")");
                    }
                    _tests.Add(a => a.Severity >= min);
                    break;
                case "tag":
                {
                    var err = AlertSearch.Strings(p.Value, name, null, out _);
                    if (err != null)
                    {
                        return err;
                    }
                    _tests.Add(_ => false); // no alert has tags in the emulator (the v6 object's "tags" is null)
                    break;
                }
                case "kill_chain_status":
                {
                    var err = AlertSearch.Strings(p.Value, name, null, out var set);
                    if (err != null)
                    {
                        return err;
                    }
                    _tests.Add(a => Array.Exists(a.KillChain, set.Contains));
                    break;
                }
                case "group_results":
                    if (p.Value.ValueKind != JsonValueKind.True && p.Value.ValueKind != JsonValueKind.False)
                    {
                        return SearchError.Arg(name + " must be true or false (got " + p.Value.GetRawText() + ")");
                    }
                    if (p.Value.GetBoolean())
                    {
                        return SearchError.Arg(name + ": true (grouped results) is not served by the emulator; send false or leave it out");
                    }
                    break;
                default:
                    return SearchError.Arg(name + " is not a supported criteria key; supported: " + string.Join(", ", CriteriaKeys));
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ sort

    public static readonly string[] SortFields =
    {
        "category", "create_time", "device_id", "device_name", "device_os", "first_event_time", "id", "last_event_time",
        "last_update_time", "legacy_alert_id", "policy_id", "policy_name", "process_name", "reason_code", "severity",
        "target_value", "threat_id", "type", "workflow",
    };

    private static int Cmp(string a, string b, int dir) => dir * string.Compare(a, b, StringComparison.OrdinalIgnoreCase);

    private static Comparison<Alert> Key(string field, int dir) => field switch
    {
        "create_time" => (a, b) => dir * a.CreateTime.CompareTo(b.CreateTime),
        "first_event_time" => (a, b) => dir * a.FirstEventTime.CompareTo(b.FirstEventTime),
        "last_event_time" => (a, b) => dir * a.LastEventTime.CompareTo(b.LastEventTime),
        "last_update_time" => (a, b) => dir * a.LastUpdateTime.CompareTo(b.LastUpdateTime),
        "severity" => (a, b) => dir * a.Severity.CompareTo(b.Severity),
        "device_id" => (a, b) => dir * a.DeviceId.CompareTo(b.DeviceId),
        "policy_id" => (a, b) => dir * a.PolicyId.CompareTo(b.PolicyId),
        "target_value" => (a, b) => dir * Lists.PriorityCode(a.TargetValue).CompareTo(Lists.PriorityCode(b.TargetValue)),
        "category" => (a, b) => Cmp(a.Category, b.Category, dir),
        "device_name" => (a, b) => Cmp(a.DeviceName, b.DeviceName, dir),
        "device_os" => (a, b) => Cmp(a.DeviceOs, b.DeviceOs, dir),
        "legacy_alert_id" => (a, b) => Cmp(a.LegacyAlertId, b.LegacyAlertId, dir),
        "policy_name" => (a, b) => Cmp(a.PolicyName, b.PolicyName, dir),
        "process_name" => (a, b) => Cmp(a.ProcessName, b.ProcessName, dir),
        "reason_code" => (a, b) => Cmp(a.ReasonCode, b.ReasonCode, dir),
        "threat_id" => (a, b) => Cmp(a.ThreatId, b.ThreatId, dir),
        "type" => (a, b) => Cmp(a.Type, b.Type, dir),
        "workflow" => (a, b) => Cmp(a.WorkflowState, b.WorkflowState, dir),
        "id" => (a, b) => dir * string.CompareOrdinal(a.Id, b.Id),
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    /// <summary>The default order: newest create_time first, ties on id ascending.</summary>
    public static int NewestFirst(Alert a, Alert b)
    {
        int c = b.CreateTime.CompareTo(a.CreateTime);
        return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
    }

    /// <summary>Parses <c>sort</c> (absent, null or empty: <see cref="NewestFirst"/>). The order is total: ties end
    /// on id (ordinal, ascending).</summary>
    public static SearchError? ParseSort(JsonElement el, out Comparison<Alert> comparison)
    {
        comparison = NewestFirst;
        var err = SortSpec.Parse(el, SortFields, "create_time", out var items);
        if (err == null && items.Count > 0)
        {
            comparison = SortSpec.Chain<Alert>(items, Key, (a, b) => string.CompareOrdinal(a.Id, b.Id));
        }
        return err;
    }
}
