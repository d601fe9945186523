using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace CbDefense.Emulator;

/// <summary>
/// The alert filter of alerts v7 (<c>_search</c> and <c>workflow</c>): <c>time_range</c> (on backend_timestamp),
/// <c>criteria</c> (ANDed across keys, ORed within one), <c>exclusions</c> (an alert matching any is left out) and
/// <c>query</c> (the emulator's query language over v7 field names). See docs/emulator.md, "Alerts v7".
/// </summary>
internal sealed class AlertSearch
{
    private readonly List<Func<Alert, bool>> _tests = new();
    private readonly List<Func<Alert, bool>> _exclusions = new();
    private QueryNode<Alert>? _query;

    /// <summary>time_range bounds on backend_timestamp (inclusive); Min/Max when absent.</summary>
    public long From = long.MinValue;
    public long To = long.MaxValue;

    public bool Matches(Alert a)
    {
        if (a.CreateTime < From || a.CreateTime > To)
        {
            return false;
        }
        foreach (var t in _tests)
        {
            if (!t(a))
            {
                return false;
            }
        }
        foreach (var x in _exclusions)
        {
            if (x(a))
            {
                return false;
            }
        }
        return _query == null || _query.Matches(a);
    }

    /// <summary>The most a time_range may span (the documented 180-day alert search window).</summary>
    public const long MaxTimeRangeMs = 180L * 86_400_000L;

    public static readonly string[] WorkflowStatuses = { "OPEN", "IN_PROGRESS", "CLOSED" };
    public static readonly string[] Determinations = { "TRUE_POSITIVE", "FALSE_POSITIVE", "NONE" };
    public static readonly string[] ClosureReasons = { "NO_REASON", "RESOLVED", "RESOLVED_BENIGN_KNOWN_GOOD", "DUPLICATE_CLEANUP", "OTHER" };
    public static readonly string[] DeviceOses = { "WINDOWS", "MAC", "LINUX", "IOS", "ANDROID", "OTHER" };
    public static readonly string[] TargetValues = { "LOW", "MEDIUM", "HIGH", "MISSION_CRITICAL" };
    public static readonly string[] PolicyApplied = { "APPLIED", "NOT_APPLIED" };
    public static readonly string[] RunStates = { "RAN", "DID_NOT_RUN", "UNKNOWN" };

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static bool IsContainer(Alert a) => a.Type == AlertFactory.ContainerRuntime;

    /// <summary>v7 fields a query may name (container runtime alerts have no device fields in v7).</summary>
    internal static readonly FieldTable<Alert> QueryFields = new FieldTable<Alert>()
        .Add("id", a => a.Id)
        .Add("type", a => a.Type)
        .Add("severity", a => Num(a.Severity))
        .Add("reason", a => a.Reason)
        .Add("reason_code", a => a.ReasonCode)
        .Add("threat_id", a => a.ThreatId)
        .Add("primary_event_id", a => a.CreatedByEventId)
        .Add("device_id", a => IsContainer(a) ? null : Num(a.DeviceId))
        .Add("device_name", a => IsContainer(a) ? null : a.DeviceName)
        .Add("device_os", a => IsContainer(a) ? null : a.DeviceOs)
        .Add("device_os_version", a => IsContainer(a) ? null : a.DeviceOsVersion)
        .Add("device_username", a => IsContainer(a) ? null : a.DeviceUsername)
        .Add("device_policy", a => IsContainer(a) ? null : a.PolicyName)
        .Add("device_policy_id", a => IsContainer(a) ? null : Num(a.PolicyId))
        .Add("device_target_value", a => IsContainer(a) ? null : a.TargetValue)
        .Add("device_location", a => IsContainer(a) ? null : a.DeviceLocation)
        .Add("device_internal_ip", a => IsContainer(a) ? null : a.DeviceInternalIp)
        .Add("device_external_ip", a => IsContainer(a) ? null : a.DeviceExternalIp)
        .Add("process_name", a => HasProcess(a) ? a.ProcessName : null)
        .Add("process_sha256", a => HasProcess(a) ? a.Sha256 : null)
        .Add("process_reputation", a => HasProcess(a) ? a.Reputation : null)
        .Add("workflow_status", a => a.WorkflowStatus)
        .Add("determination_value", a => a.Determination)
        .Add("policy_applied", a => a.PolicyApplied)
        .Add("run_state", a => a.RunState)
        .Add("sensor_action", a => a.SensorAction)
        .AddMulti("ttps", a => a.Ttps)
        .Add("alert_notes_present", a => a.NotesPresent ? "true" : "false")
        .BareTerms("id", "threat_id", "device_name", "process_name", "reason", "device_username");

    /// <summary>Alert types whose v7 object has the process (and parent) fields.</summary>
    public static bool HasProcess(Alert a) => a.Type is not AlertFactory.DeviceControl and not AlertFactory.ContainerRuntime;

    private static readonly Dictionary<string, Func<Alert, long?>> TimeFields = new(StringComparer.Ordinal)
    {
        ["backend_timestamp"] = a => a.CreateTime,
        ["backend_update_timestamp"] = a => a.LastUpdateTime,
        ["first_event_timestamp"] = a => a.FirstEventTime,
        ["last_event_timestamp"] = a => a.LastEventTime,
        ["detection_timestamp"] = a => a.DetectionTime,
        ["user_update_timestamp"] = a => a.UserUpdateTime,
        ["workflow_change_timestamp"] = a => a.WorkflowLastUpdateTime,
        ["determination_change_timestamp"] = a => a.DeterminationTime,
    };

    private static readonly Dictionary<string, (Func<Alert, string?> Get, string[]? Allowed)> StringFields = new(StringComparer.Ordinal)
    {
        ["id"] = (a => a.Id, null),
        ["type"] = (a => a.Type, AlertFactory.Types),
        ["threat_id"] = (a => a.ThreatId, null),
        ["reason_code"] = (a => a.ReasonCode, null),
        ["primary_event_id"] = (a => a.CreatedByEventId, null),
        ["device_name"] = (a => IsContainer(a) ? null : a.DeviceName, null),
        ["device_os"] = (a => IsContainer(a) ? null : a.DeviceOs, DeviceOses),
        ["device_os_version"] = (a => IsContainer(a) ? null : a.DeviceOsVersion, null),
        ["device_username"] = (a => IsContainer(a) ? null : a.DeviceUsername, null),
        ["device_policy"] = (a => IsContainer(a) ? null : a.PolicyName, null),
        ["device_target_value"] = (a => IsContainer(a) ? null : a.TargetValue, TargetValues),
        ["device_location"] = (a => IsContainer(a) ? null : a.DeviceLocation, null),
        ["device_internal_ip"] = (a => IsContainer(a) ? null : a.DeviceInternalIp, null),
        ["device_external_ip"] = (a => IsContainer(a) ? null : a.DeviceExternalIp, null),
        ["process_name"] = (a => HasProcess(a) ? a.ProcessName : null, null),
        ["process_sha256"] = (a => HasProcess(a) ? a.Sha256 : null, null),
        ["process_reputation"] = (a => HasProcess(a) ? a.Reputation : null, null),
        ["workflow_status"] = (a => a.WorkflowStatus, WorkflowStatuses),
        ["determination_value"] = (a => a.Determination, Determinations),
        ["policy_applied"] = (a => a.PolicyApplied, PolicyApplied),
        ["run_state"] = (a => a.RunState, RunStates),
        ["sensor_action"] = (a => a.SensorAction, null),
    };

    private static readonly Dictionary<string, Func<Alert, long?>> IntFields = new(StringComparer.Ordinal)
    {
        ["device_id"] = a => IsContainer(a) ? null : a.DeviceId,
        ["device_policy_id"] = a => IsContainer(a) ? null : a.PolicyId,
        ["severity"] = a => a.Severity,
    };

    /// <summary>Every criteria key (exclusions take the same keys except minimum_severity).</summary>
    public static readonly string[] CriteriaKeys = BuildKeys();

    private static string[] BuildKeys()
    {
        var keys = new List<string>();
        keys.AddRange(StringFields.Keys);
        keys.AddRange(IntFields.Keys);
        keys.AddRange(TimeFields.Keys);
        keys.Add("minimum_severity");
        keys.Add("ttps");
        keys.Add("alert_notes_present");
        keys.Add("threat_notes_present");
        keys.Sort(StringComparer.Ordinal);
        return keys.ToArray();
    }

    /// <summary>Reads <c>time_range</c>, <c>criteria</c>, <c>exclusions</c> and <c>query</c> of a request object.</summary>
    public static SearchError? Parse(JsonElement body, long nowMs, out AlertSearch search)
    {
        search = new AlertSearch();
        if (body.TryGetProperty("time_range", out var tr) && tr.ValueKind != JsonValueKind.Null)
        {
            var err = TimeRange(tr, "time_range", nowMs, out long from, out long to, out long span);
            if (err != null)
            {
                return err;
            }
            if (span > MaxTimeRangeMs)
            {
                return SearchError.Arg("time_range spans " + (span / 86_400_000.0).ToString("0.#", CultureInfo.InvariantCulture)
                    + " days; alert searches are limited to 180 days (a range of at most -180d, or start and end at most 180 days apart)");
            }
            search.From = from;
            search.To = to;
        }
        if (body.TryGetProperty("criteria", out var crit) && crit.ValueKind != JsonValueKind.Null)
        {
            var err = search.ParseFilters(crit, "criteria", nowMs, search._tests, false);
            if (err != null)
            {
                return err;
            }
        }
        if (body.TryGetProperty("exclusions", out var excl) && excl.ValueKind != JsonValueKind.Null)
        {
            var err = search.ParseFilters(excl, "exclusions", nowMs, search._exclusions, true);
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

    /// <summary>Whether the request names any alert filter (criteria, exclusions or query).</summary>
    public bool HasFilter => _tests.Count > 0 || _exclusions.Count > 0 || _query != null;

    /// <summary><c>{"start", "end"}</c> or <c>{"range": "-7d"}</c>; <paramref name="span"/> is the window's length
    /// (0 for <c>all</c>, which is allowed).</summary>
    internal static SearchError? TimeRange(JsonElement el, string name, long nowMs, out long from, out long to, out long span)
    {
        span = 0;
        var err = DeviceSearch.TimeRange(el, name, nowMs, out from, out to);
        if (err != null)
        {
            return err;
        }
        if (from != long.MinValue && to != long.MaxValue)
        {
            if (to < from)
            {
                return SearchError.Arg(name + ": end is before start");
            }
            span = to - from;
        }
        return null;
    }

    private SearchError? ParseFilters(JsonElement obj, string where, long nowMs, List<Func<Alert, bool>> into, bool exclusions)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return SearchError.Arg(where + " must be an object of arrays, such as {\"type\": [\"CB_ANALYTICS\"], \"workflow_status\": [\"OPEN\"]}");
        }
        foreach (var p in obj.EnumerateObject())
        {
            string name = where + "." + p.Name;
            if (StringFields.TryGetValue(p.Name, out var sf))
            {
                var err = Strings(p.Value, name, sf.Allowed, out var set);
                if (err != null)
                {
                    return err;
                }
                var get = sf.Get;
                into.Add(a => get(a) is string v && set.Contains(v));
                continue;
            }
            if (IntFields.TryGetValue(p.Name, out var inf))
            {
                var err = Longs(p.Value, name, out var set);
                if (err != null)
                {
                    return err;
                }
                into.Add(a => inf(a) is long v && set.Contains(v));
                continue;
            }
            if (TimeFields.TryGetValue(p.Name, out var tf))
            {
                var err = DeviceSearch.TimeRange(p.Value, name, nowMs, out long from, out long to);
                if (err != null)
                {
                    return err;
                }
                into.Add(a => tf(a) is long v && v >= from && v <= to);
                continue;
            }
            switch (p.Name)
            {
                case "minimum_severity":
                    if (exclusions)
                    {
                        return SearchError.Arg(name + " is not valid in exclusions (it is a criteria key)");
                    }
                    if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int min) || min < 1 || min > 10)
                    {
                        return SearchError.Arg(name + " must be an integer from 1 to 10 (got " + p.Value.GetRawText() + ")");
                    }
                    into.Add(a => a.Severity >= min);
                    break;
                case "ttps":
                {
                    var err = Strings(p.Value, name, null, out var set);
                    if (err != null)
                    {
                        return err;
                    }
                    into.Add(a => Array.Exists(a.Ttps, set.Contains));
                    break;
                }
                case "alert_notes_present":
                case "threat_notes_present":
                    if (p.Value.ValueKind != JsonValueKind.True && p.Value.ValueKind != JsonValueKind.False)
                    {
                        return SearchError.Arg(name + " must be true or false (got " + p.Value.GetRawText() + ")");
                    }
                    bool want = p.Value.GetBoolean();
                    if (p.Name == "alert_notes_present")
                    {
                        into.Add(a => a.NotesPresent == want);
                    }
                    else
                    {
                        into.Add(_ => !want); // no threat notes in the emulator
                    }
                    break;
                default:
                    return SearchError.Arg(name + " is not a supported " + (exclusions ? "exclusions" : "criteria") + " key; supported: " + string.Join(", ", CriteriaKeys));
            }
        }
        return null;
    }

    internal static SearchError? Strings(JsonElement el, string name, string[]? allowed, out HashSet<string> set)
    {
        set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (el.ValueKind != JsonValueKind.Array)
        {
            return SearchError.Arg(name + " must be an array of strings (got " + el.GetRawText() + ")");
        }
        foreach (var v in el.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.String)
            {
                return SearchError.Arg(name + " must be an array of strings (got " + v.GetRawText() + ")");
            }
            string s = v.GetString()!;
            if (allowed != null && Array.FindIndex(allowed, x => string.Equals(x, s, StringComparison.OrdinalIgnoreCase)) < 0)
            {
                return SearchError.Enum(name, s, allowed);
            }
            set.Add(s);
        }
        return null;
    }

    internal static SearchError? Longs(JsonElement el, string name, out HashSet<long> set)
    {
        set = new HashSet<long>();
        if (el.ValueKind != JsonValueKind.Array)
        {
            return SearchError.Arg(name + " must be an array of integers (got " + el.GetRawText() + ")");
        }
        foreach (var v in el.EnumerateArray())
        {
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n))
            {
                set.Add(n);
            }
            else if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long sn))
            {
                set.Add(sn);
            }
            else
            {
                return SearchError.Arg(name + " must be an array of integers (got " + v.GetRawText() + ")");
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ sort

    public static readonly string[] SortFields =
    {
        "backend_timestamp", "backend_update_timestamp", "detection_timestamp", "device_id", "device_name", "device_os",
        "first_event_timestamp", "id", "last_event_timestamp", "process_name", "reason_code", "severity", "threat_id", "type",
        "user_update_timestamp", "workflow_status",
    };

    private static int Cmp(string? a, string? b, int dir)
    {
        if (a == null || b == null)
        {
            return a == null ? (b == null ? 0 : 1) : -1; // missing values last in both directions
        }
        return dir * string.Compare(a, b, StringComparison.OrdinalIgnoreCase);
    }

    private static int CmpN(long? a, long? b, int dir)
    {
        if (a == null || b == null)
        {
            return a == null ? (b == null ? 0 : 1) : -1;
        }
        return dir * a.Value.CompareTo(b.Value);
    }

    private static Comparison<Alert> Key(string field, int dir) => field switch
    {
        "backend_timestamp" => (a, b) => dir * a.CreateTime.CompareTo(b.CreateTime),
        "backend_update_timestamp" => (a, b) => dir * a.LastUpdateTime.CompareTo(b.LastUpdateTime),
        "detection_timestamp" => (a, b) => dir * a.DetectionTime.CompareTo(b.DetectionTime),
        "first_event_timestamp" => (a, b) => dir * a.FirstEventTime.CompareTo(b.FirstEventTime),
        "last_event_timestamp" => (a, b) => dir * a.LastEventTime.CompareTo(b.LastEventTime),
        "user_update_timestamp" => (a, b) => CmpN(a.UserUpdateTime, b.UserUpdateTime, dir),
        "severity" => (a, b) => dir * a.Severity.CompareTo(b.Severity),
        "device_id" => (a, b) => CmpN(IsContainer(a) ? null : a.DeviceId, IsContainer(b) ? null : b.DeviceId, dir),
        "device_name" => (a, b) => Cmp(IsContainer(a) ? null : a.DeviceName, IsContainer(b) ? null : b.DeviceName, dir),
        "device_os" => (a, b) => Cmp(IsContainer(a) ? null : a.DeviceOs, IsContainer(b) ? null : b.DeviceOs, dir),
        "process_name" => (a, b) => Cmp(HasProcess(a) ? a.ProcessName : null, HasProcess(b) ? b.ProcessName : null, dir),
        "reason_code" => (a, b) => Cmp(a.ReasonCode, b.ReasonCode, dir),
        "threat_id" => (a, b) => Cmp(a.ThreatId, b.ThreatId, dir),
        "type" => (a, b) => Cmp(a.Type, b.Type, dir),
        "workflow_status" => (a, b) => Cmp(a.WorkflowStatus, b.WorkflowStatus, dir),
        "id" => (a, b) => dir * string.CompareOrdinal(a.Id, b.Id),
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    /// <summary>Parses <c>sort</c>. The order is total: ties end on id (ordinal, ascending). Absent: backend_timestamp
    /// descending (newest first). <paramref name="natural"/> is true when the order is the store's own
    /// (backend_timestamp ascending, then id), which needs no sorting.</summary>
    public static SearchError? ParseSort(JsonElement el, out Comparison<Alert> comparison, out bool natural, out bool reversed)
    {
        natural = false;
        reversed = false;
        comparison = (a, b) =>
        {
            int c = b.CreateTime.CompareTo(a.CreateTime);
            return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
        };
        var err = SortSpec.Parse(el, SortFields, "backend_timestamp", out var items);
        if (err != null)
        {
            return err;
        }
        if (items.Count == 0 || (items.Count == 1 && items[0] == ("backend_timestamp", -1)))
        {
            reversed = true; // the default order
            return null;
        }
        natural = items[0] == ("backend_timestamp", 1) && (items.Count == 1 || items[1] == ("id", 1));
        comparison = SortSpec.Chain<Alert>(items, Key, (a, b) => string.CompareOrdinal(a.Id, b.Id));
        return null;
    }
}
