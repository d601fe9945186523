using System;
using System.Globalization;
using System.Text.Json;

namespace CbDefense.Emulator;

/// <summary>
/// The alert filter of alerts v7 (<c>_search</c> and <c>workflow</c>): <c>time_range</c> (on backend_timestamp),
/// <c>criteria</c> (ANDed across keys, ORed within one), <c>exclusions</c> (an alert matching any is left out) and
/// <c>query</c> (the emulator's query language over v7 field names). What v7 spells its own way is here (the names, the
/// 180-day time_range, the INVALID_ENUM_VALUE answer, the 500 past the window); the rules both generations follow are
/// <see cref="AlertCriteria"/>. See docs/emulator.md, "Alerts v7".
/// </summary>
internal static class AlertSearch
{
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

    /// <summary>Alert types whose v7 object has the process (and parent) fields.</summary>
    public static bool HasProcess(Alert a) => a.Type is not AlertFactory.DeviceControl and not AlertFactory.ContainerRuntime;

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

    /// <summary>The v7 names: criteria keys (exclusions take the same but minimum_severity), sort keys, query fields.</summary>
    internal static readonly AlertDialect Dialect = new()
    {
        Strings = new(StringComparer.Ordinal)
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
        },
        Integers = new(StringComparer.Ordinal)
        {
            ["device_id"] = a => IsContainer(a) ? null : a.DeviceId,
            ["device_policy_id"] = a => IsContainer(a) ? null : a.PolicyId,
            ["severity"] = a => a.Severity,
        },
        Times = new(StringComparer.Ordinal)
        {
            ["backend_timestamp"] = a => a.CreateTime,
            ["backend_update_timestamp"] = a => a.LastUpdateTime,
            ["first_event_timestamp"] = a => a.FirstEventTime,
            ["last_event_timestamp"] = a => a.LastEventTime,
            ["detection_timestamp"] = a => a.DetectionTime,
            ["user_update_timestamp"] = a => a.UserUpdateTime,
            ["workflow_change_timestamp"] = a => a.WorkflowLastUpdateTime,
            ["determination_change_timestamp"] = a => a.DeterminationTime,
        },
        AnyOf = new(StringComparer.Ordinal)
        {
            ["ttps"] = a => a.Ttps,
        },
        Flags = new(StringComparer.Ordinal)
        {
            ["alert_notes_present"] = a => a.NotesPresent,
            ["threat_notes_present"] = _ => false, // no threat notes in the emulator
        },
        HasExclusions = true,
        Refusal = EnumRefusal.InvalidEnumValue,
        CriteriaExample = "{\"type\": [\"CB_ANALYTICS\"], \"workflow_status\": [\"OPEN\"]}",
        QueryFields = QueryFields,
        SortKeys = new(StringComparer.Ordinal)
        {
            ["backend_timestamp"] = AlertOrder.Long(a => a.CreateTime),
            ["backend_update_timestamp"] = AlertOrder.Long(a => a.LastUpdateTime),
            ["detection_timestamp"] = AlertOrder.Long(a => a.DetectionTime),
            ["first_event_timestamp"] = AlertOrder.Long(a => a.FirstEventTime),
            ["last_event_timestamp"] = AlertOrder.Long(a => a.LastEventTime),
            ["user_update_timestamp"] = AlertOrder.LongOrMissing(a => a.UserUpdateTime),
            ["severity"] = AlertOrder.Long(a => a.Severity),
            ["device_id"] = AlertOrder.LongOrMissing(a => IsContainer(a) ? null : a.DeviceId),
            ["device_name"] = AlertOrder.Text(a => IsContainer(a) ? null : a.DeviceName),
            ["device_os"] = AlertOrder.Text(a => IsContainer(a) ? null : a.DeviceOs),
            ["process_name"] = AlertOrder.Text(a => HasProcess(a) ? a.ProcessName : null),
            ["reason_code"] = AlertOrder.Text(a => a.ReasonCode),
            ["threat_id"] = AlertOrder.Text(a => a.ThreatId),
            ["type"] = AlertOrder.Text(a => a.Type),
            ["workflow_status"] = AlertOrder.Text(a => a.WorkflowStatus),
            ["id"] = AlertOrder.Ordinal(a => a.Id),
        },
        SortExample = "backend_timestamp",
        // What the real service answers past the window (the SDK stops at 10,000 to "prevent 500 Internal Server Error").
        PastWindow = last => new SearchError("INTERNAL_SERVER_ERROR", "Result window is too large: start + rows - 1 = "
            + last.ToString(CultureInfo.InvariantCulture) + ", but only the first 10,000 alerts of a search can be read; narrow the time_range "
            + "(sort by backend_timestamp ASC and restart from the last backend_timestamp read) to read more") { Status = 500 },
    };

    /// <summary>Every criteria key (exclusions take the same keys except minimum_severity).</summary>
    public static string[] CriteriaKeys => Dialect.CriteriaKeys;

    /// <summary>The sortable fields.</summary>
    public static string[] SortFields => Dialect.SortFields;

    /// <summary>Reads <c>time_range</c>, <c>criteria</c>, <c>exclusions</c> and <c>query</c> of a request object.</summary>
    public static SearchError? Parse(JsonElement body, long nowMs, out AlertFilter search)
    {
        search = new AlertFilter();
        if (body.TryGetProperty("time_range", out var tr) && tr.ValueKind != JsonValueKind.Null)
        {
            var err = AlertCriteria.TimeRange(tr, "time_range", nowMs, out long from, out long to, out long span);
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
        return AlertCriteria.Parse(body, Dialect, nowMs, search);
    }

    // ------------------------------------------------------------------ sort

    /// <summary>Parses <c>sort</c>. The order is total: ties end on id (ordinal, ascending). Absent: backend_timestamp
    /// descending (newest first), <paramref name="reversed"/>: the store's order walked backwards. <paramref name="natural"/>
    /// is true when the order is the store's own (backend_timestamp ascending, then id), which needs no sorting.</summary>
    public static SearchError? ParseSort(JsonElement el, out Comparison<Alert> comparison, out bool natural, out bool reversed)
    {
        natural = false;
        reversed = false;
        var err = AlertOrder.Parse(el, Dialect, out var items, out comparison);
        if (err != null)
        {
            return err;
        }
        if (items.Count == 0 || (items.Count == 1 && items[0] == ("backend_timestamp", -1)))
        {
            comparison = AlertOrder.NewestFirst;
            reversed = true; // the default order
            return null;
        }
        natural = items[0] == ("backend_timestamp", 1) && (items.Count == 1 || items[1] == ("id", 1));
        return null;
    }
}
