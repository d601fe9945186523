using System;
using System.Globalization;
using System.Text.Json;

namespace CbDefense.Emulator;

/// <summary>
/// The filter and order of the legacy alert search (<c>POST /appservices/v6/orgs/{org_key}/alerts/_search</c>), as
/// the SDKs' v6 <c>BaseAlertSearchQuery</c> sends it: <c>criteria</c> over the v6 field names (ANDed across keys,
/// ORed within one; the time criteria inside <c>criteria</c>), <c>query</c> (the emulator's query language over the
/// v6 names) and <c>sort</c>. Everything matches the v6 alert object the route writes (<see cref="JsonOut.WriteAlert"/>).
/// What v6 spells its own way is here (the names, <c>group_results</c>, the INVALID_ARGUMENT answers, the 400 past the
/// window); the rules both generations follow are <see cref="AlertCriteria"/>. See docs/emulator.md, "The v6 alert search".
/// </summary>
internal static class AlertSearchV6
{
    public static readonly string[] Workflows = { "OPEN", "DISMISSED" };
    public static readonly string[] Categories = { "THREAT", "MONITORED" };

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>blocked_threat_category / not_blocked_threat_category as the v6 object writes them.</summary>
    private static string Blocked(Alert a) => a.PolicyApplied == "APPLIED" ? a.ThreatCategory : "UNKNOWN";

    private static string NotBlocked(Alert a) => a.PolicyApplied == "APPLIED" ? "UNKNOWN" : a.ThreatCategory;

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

    /// <summary>The v6 names: criteria keys (the time criteria among them), sort keys, query fields.</summary>
    internal static readonly AlertDialect Dialect = new()
    {
        Strings = new(StringComparer.Ordinal)
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
        },
        Integers = new(StringComparer.Ordinal)
        {
            ["device_id"] = a => a.DeviceId,
            ["policy_id"] = a => a.PolicyId,
        },
        // The v6 time criteria, each {"start", "end"} or {"range"}; an end before its start is refused.
        Times = new(StringComparer.Ordinal)
        {
            ["create_time"] = a => a.CreateTime,
            ["first_event_time"] = a => a.FirstEventTime,
            ["last_event_time"] = a => a.LastEventTime,
            ["last_update_time"] = a => a.LastUpdateTime,
        },
        RefuseInvertedTimes = true,
        AnyOf = new(StringComparer.Ordinal)
        {
            ["kill_chain_status"] = a => a.KillChain,
            ["tag"] = _ => Array.Empty<string>(), // no alert has tags in the emulator (the v6 object's "tags" is null)
        },
        Inert = new(StringComparer.Ordinal)
        {
            ["group_results"] = GroupResults,
        },
        Refusal = EnumRefusal.InvalidArgument,
        CriteriaExample = "{\"workflow\": [\"OPEN\"], \"category\": [\"THREAT\"]}",
        QueryFields = QueryFields,
        SortKeys = new(StringComparer.Ordinal)
        {
            ["create_time"] = AlertOrder.Long(a => a.CreateTime),
            ["first_event_time"] = AlertOrder.Long(a => a.FirstEventTime),
            ["last_event_time"] = AlertOrder.Long(a => a.LastEventTime),
            ["last_update_time"] = AlertOrder.Long(a => a.LastUpdateTime),
            ["severity"] = AlertOrder.Long(a => a.Severity),
            ["device_id"] = AlertOrder.Long(a => a.DeviceId),
            ["policy_id"] = AlertOrder.Long(a => a.PolicyId),
            ["target_value"] = AlertOrder.Long(a => Lists.PriorityCode(a.TargetValue)),
            ["category"] = AlertOrder.Text(a => a.Category),
            ["device_name"] = AlertOrder.Text(a => a.DeviceName),
            ["device_os"] = AlertOrder.Text(a => a.DeviceOs),
            ["legacy_alert_id"] = AlertOrder.Text(a => a.LegacyAlertId),
            ["policy_name"] = AlertOrder.Text(a => a.PolicyName),
            ["process_name"] = AlertOrder.Text(a => a.ProcessName),
            ["reason_code"] = AlertOrder.Text(a => a.ReasonCode),
            ["threat_id"] = AlertOrder.Text(a => a.ThreatId),
            ["type"] = AlertOrder.Text(a => a.Type),
            ["workflow"] = AlertOrder.Text(a => a.WorkflowState),
            ["id"] = AlertOrder.Ordinal(a => a.Id),
        },
        SortExample = "create_time",
        PastWindow = last => SearchError.Arg("The search window is limited to the first 10,000 alerts, but start + rows - 1 = "
            + last.ToString(CultureInfo.InvariantCulture) + " (rows at most 10,000); narrow the criteria (a create_time range, sorted by create_time) to read more"),
    };

    /// <summary>Every criteria key, in ordinal order (for the error message and the docs).</summary>
    public static string[] CriteriaKeys => Dialect.CriteriaKeys;

    /// <summary>The sortable fields.</summary>
    public static string[] SortFields => Dialect.SortFields;

    /// <summary><c>group_results</c>: <c>false</c> has no effect; <c>true</c> (grouped results) is not served.</summary>
    private static SearchError? GroupResults(JsonElement value, string name)
    {
        var err = AlertCriteria.Bool(value, name, out bool grouped);
        return err ?? (grouped ? SearchError.Arg(name + ": true (grouped results) is not served by the emulator; send false or leave it out") : null);
    }

    /// <summary>Reads <c>criteria</c> and <c>query</c> of a request object (a missing or null one: no filter).</summary>
    public static SearchError? Parse(JsonElement body, long nowMs, out AlertFilter search)
    {
        search = new AlertFilter();
        return body.ValueKind != JsonValueKind.Object ? null : AlertCriteria.Parse(body, Dialect, nowMs, search);
    }

    // ------------------------------------------------------------------ sort

    /// <summary>Parses <c>sort</c> (absent, null or empty: <see cref="AlertOrder.NewestFirst"/>, newest create_time
    /// first). The order is total: ties end on id (ordinal, ascending).</summary>
    public static SearchError? ParseSort(JsonElement el, out Comparison<Alert> comparison) => AlertOrder.Parse(el, Dialect, out _, out comparison);
}
