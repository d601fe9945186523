using System;
using System.Collections.Generic;
using System.Linq;
using CbDefense.Json;
using Newtonsoft.Json;

namespace CbDefense
{
    /// <summary>
    /// An alert: the v7 alert of the current API, or a v6 alert of the legacy generation with its fields mapped to the
    /// v7 names (create_time → BackendTimestamp, workflow.state DISMISSED → Status CLOSED, ...), so scripts read one shape.
    /// </summary>
    public sealed class Alert
    {
        private DateTime? _backend, _backendUpdate, _firstEvent, _lastEvent, _detection;

        public string? Id { get; set; }
        /// <summary>CB_ANALYTICS, WATCHLIST, DEVICE_CONTROL, CONTAINER_RUNTIME, HOST_BASED_FIREWALL, INTRUSION_DETECTION_SYSTEM, ...</summary>
        public string? Type { get; set; }
        public int? Severity { get; set; }
        public string? Reason { get; set; }
        public string? ReasonCode { get; set; }
        public string? ThreatId { get; set; }
        public long? DeviceId { get; set; }
        public string? DeviceName { get; set; }
        public string? DeviceOs { get; set; }
        public string? DevicePolicy { get; set; }
        public long? DevicePolicyId { get; set; }
        public string? DeviceUsername { get; set; }
        public string? ProcessName { get; set; }
        public string? ProcessSha256 { get; set; }
        /// <summary>The workflow status: OPEN, IN_PROGRESS or CLOSED.</summary>
        public string? Status { get; set; }
        /// <summary>TRUE_POSITIVE, FALSE_POSITIVE or NONE.</summary>
        public string? Determination { get; set; }
        /// <summary>NO_REASON, RESOLVED, RESOLVED_BENIGN_KNOWN_GOOD, DUPLICATE_CLEANUP or OTHER (v6: the remediation text).</summary>
        public string? ClosureReason { get; set; }
        public string? OrgKey { get; set; }
        /// <summary>When the alert was indexed on the server, local time (v6 create_time).</summary>
        public DateTime? BackendTimestamp { get => ModelTime.ToLocal(_backend); set => _backend = ModelTime.FromLocal(value); }
        public DateTime? BackendTimestampUtc { get => _backend; set => _backend = ModelTime.FromUtc(value); }
        /// <summary>When the alert last changed on the server, local time (v6 last_update_time).</summary>
        public DateTime? BackendUpdateTimestamp { get => ModelTime.ToLocal(_backendUpdate); set => _backendUpdate = ModelTime.FromLocal(value); }
        public DateTime? BackendUpdateTimestampUtc { get => _backendUpdate; set => _backendUpdate = ModelTime.FromUtc(value); }
        public DateTime? FirstEventTimestamp { get => ModelTime.ToLocal(_firstEvent); set => _firstEvent = ModelTime.FromLocal(value); }
        public DateTime? FirstEventTimestampUtc { get => _firstEvent; set => _firstEvent = ModelTime.FromUtc(value); }
        public DateTime? LastEventTimestamp { get => ModelTime.ToLocal(_lastEvent); set => _lastEvent = ModelTime.FromLocal(value); }
        public DateTime? LastEventTimestampUtc { get => _lastEvent; set => _lastEvent = ModelTime.FromUtc(value); }
        public DateTime? DetectionTimestamp { get => ModelTime.ToLocal(_detection); set => _detection = ModelTime.FromLocal(value); }
        public DateTime? DetectionTimestampUtc { get => _detection; set => _detection = ModelTime.FromUtc(value); }
        /// <summary>The tactics, techniques and procedures (v6: the ttps of every threat indicator).</summary>
        public ValueList<string>? Ttps { get; set; }
        public AlertWorkflow? Workflow { get; set; }
        /// <summary>Every other field the server sent, under its wire name, as plain values.</summary>
        public IDictionary<string, object?> AdditionalProperties => _additional;
        private PlainMap _additional = new PlainMap();
        /// <summary>The API generation the alert was read through (Legacy: alerts v6; Current: alerts v7).</summary>
        public ApiGeneration ApiGeneration { get; set; }

        /// <summary>The session this alert was read through (-Session binds from it; ConvertTo-Json leaves it out of nested objects).</summary>
        [JsonIgnore]
        public Session? Session { get; internal set; }

        public override string ToString() => Id ?? "";

        /// <summary>A v7 alert (the current API).</summary>
        internal static Alert ReadV7(Dictionary<string, object?> json, Session? session)
        {
            var f = FieldReader.Adopt(json);
            var a = new Alert { Session = session, ApiGeneration = ApiGeneration.Current };
            a.Id = f.String("id");
            a.Type = f.String("type");
            a.Severity = f.Int("severity");
            a.Reason = f.String("reason");
            a.ReasonCode = f.String("reason_code");
            a.ThreatId = f.String("threat_id");
            a.DeviceId = f.Long("device_id");
            a.DeviceName = f.String("device_name");
            a.DeviceOs = f.String("device_os");
            a.DevicePolicy = f.String("device_policy");
            a.DevicePolicyId = f.Long("device_policy_id");
            a.DeviceUsername = f.String("device_username");
            a.ProcessName = f.String("process_name");
            a.ProcessSha256 = f.String("process_sha256");
            a.OrgKey = f.String("org_key");
            a.BackendTimestampUtc = f.Time("backend_timestamp");
            a.BackendUpdateTimestampUtc = f.Time("backend_update_timestamp");
            a.FirstEventTimestampUtc = f.Time("first_event_timestamp");
            a.LastEventTimestampUtc = f.Time("last_event_timestamp");
            a.DetectionTimestampUtc = f.Time("detection_timestamp");
            a.Ttps = f.StringArray("ttps");
            a.Workflow = f.Object("workflow", AlertWorkflow.ReadV7);
            a.Status = a.Workflow?.Status;
            a.ClosureReason = a.Workflow?.ClosureReason;
            // determination: an object {value, change_timestamp, ...} in v7; some replies flatten it to determination_value.
            var det = f.Object("determination", r => r);
            PlainMap? detail = null;
            if (det != null)
            {
                a.Determination = det.String("value");
                detail = det.TakeRest();
            }
            a.Determination ??= f.String("determination_value");
            a._additional = f.TakeRest();
            if (detail != null && detail.Count > 0) a._additional["determination"] = detail;
            return a;
        }

        /// <summary>A v6 alert (the legacy generation), its fields mapped to the v7 names as the SDK's REMAPPED_ALERTS_V6_TO_V7 does.</summary>
        internal static Alert ReadV6(Dictionary<string, object?> json, Session? session)
        {
            var f = FieldReader.Adopt(json);
            var a = new Alert { Session = session, ApiGeneration = ApiGeneration.Legacy };
            a.Id = f.String("id") ?? f.String("legacy_alert_id");
            f.String("legacy_alert_id");
            a.Type = f.String("type");
            a.Severity = f.Int("severity");
            a.Reason = f.String("reason");
            a.ReasonCode = f.String("reason_code");
            a.ThreatId = f.String("threat_id");
            a.DeviceId = f.Long("device_id");
            a.DeviceName = f.String("device_name");
            a.DeviceOs = f.String("device_os");
            a.DevicePolicy = f.String("policy_name");
            a.DevicePolicyId = f.Long("policy_id");
            a.DeviceUsername = f.String("device_username");
            a.ProcessName = f.String("threat_cause_actor_name") ?? f.String("process_name");
            a.ProcessSha256 = f.String("threat_cause_actor_sha256");
            a.OrgKey = f.String("org_key");
            a.BackendTimestampUtc = f.Time("create_time");
            a.BackendUpdateTimestampUtc = f.Time("last_update_time");
            a.FirstEventTimestampUtc = f.Time("first_event_time");
            a.LastEventTimestampUtc = f.Time("last_event_time");
            var indicators = f.PlainArray("threat_indicators");
            if (indicators != null)
            {
                a.Ttps = indicators.OfType<Dictionary<string, object?>>()
                    .SelectMany(i => i.TryGetValue("ttps", out var t) && t is List<object?> l ? l.OfType<string>() : Enumerable.Empty<string>())
                    .Distinct(StringComparer.Ordinal).ToArray();
            }
            a.Workflow = f.Object("workflow", AlertWorkflow.ReadV6);
            a.Status = a.Workflow?.Status;
            a.ClosureReason = a.Workflow?.ClosureReason;
            var classification = f.Object("alert_classification", r => r);
            PlainMap? rest = null;
            if (classification != null)
            {
                a.Determination = classification.String("user_feedback");
                rest = classification.TakeRest();
            }
            a._additional = f.TakeRest();
            if (indicators != null) a._additional["threat_indicators"] = new PlainList(indicators);
            if (rest != null && rest.Count > 0) a._additional["alert_classification"] = rest;
            return a;
        }
    }

    /// <summary>An alert's workflow (v7 <c>workflow</c>; v6's mapped: state → Status, remediation → ClosureReason, comment → Note).</summary>
    public sealed class AlertWorkflow
    {
        private DateTime? _changed;

        /// <summary>OPEN, IN_PROGRESS or CLOSED (v6 DISMISSED reads CLOSED).</summary>
        public string? Status { get; set; }
        public string? ClosureReason { get; set; }
        public string? Note { get; set; }
        public string? ChangedByType { get; set; }
        public string? ChangedBy { get; set; }
        public DateTime? ChangeTimestamp { get => ModelTime.ToLocal(_changed); set => _changed = ModelTime.FromLocal(value); }
        public DateTime? ChangeTimestampUtc { get => _changed; set => _changed = ModelTime.FromUtc(value); }
        public IDictionary<string, object?> AdditionalProperties => _additional;
        private PlainMap _additional = new PlainMap();

        public override string ToString() => Status ?? "";

        internal static AlertWorkflow ReadV7(FieldReader f)
        {
            var w = new AlertWorkflow
            {
                Status = f.String("status"), ClosureReason = f.String("closure_reason"), Note = f.String("note"),
                ChangedByType = f.String("changed_by_type"), ChangedBy = f.String("changed_by"), ChangeTimestampUtc = f.Time("change_timestamp"),
            };
            w._additional = f.TakeRest();
            return w;
        }

        internal static AlertWorkflow ReadV6(FieldReader f)
        {
            string? state = f.String("state");
            var w = new AlertWorkflow
            {
                Status = string.Equals(state, "DISMISSED", StringComparison.OrdinalIgnoreCase) ? "CLOSED" : state,
                ClosureReason = f.String("remediation"), Note = f.String("comment"),
                ChangedBy = f.String("changed_by"), ChangeTimestampUtc = f.Time("last_update_time"),
            };
            w._additional = f.TakeRest();
            return w;
        }
    }

    /// <summary>What Get-CbAlert searches for: the time range, criteria from parameters, a query, extra criteria and exclusions, a sort.</summary>
    public sealed class AlertQuery
    {
        public DateTime? StartTime { get; set; }
        public DateTime? EndTime { get; set; }
        /// <summary>A relative range such as -7d (units s, m, h, d, w, y), or "all".</summary>
        public string? Range { get; set; }
        public IList<string> Type { get; } = new List<string>();
        public int? MinimumSeverity { get; set; }
        public IList<long> DeviceId { get; } = new List<long>();
        public IList<string> DeviceName { get; } = new List<string>();
        public IList<string> ThreatId { get; } = new List<string>();
        /// <summary>OPEN, IN_PROGRESS, CLOSED.</summary>
        public IList<string> Status { get; } = new List<string>();
        public IList<string> Determination { get; } = new List<string>();
        public IList<string> ProcessName { get; } = new List<string>();
        public IList<string> ProcessSha256 { get; } = new List<string>();
        public IList<string> PolicyName { get; } = new List<string>();
        public IList<string> Id { get; } = new List<string>();
        public string? Query { get; set; }
        public IDictionary<string, object?> Criteria { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);
        public IDictionary<string, object?> Exclusions { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);
        /// <summary>Sort fields, a leading '-' for descending.</summary>
        public IList<string> Sort { get; } = new List<string>();
    }
}
