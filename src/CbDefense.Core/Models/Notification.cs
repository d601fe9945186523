using System;
using System.Collections.Generic;
using CbDefense.Json;
using Newtonsoft.Json;

namespace CbDefense
{
    /// <summary>The device a notification is about (deviceInfo).</summary>
    public sealed class NotificationDeviceInfo
    {
        public long? DeviceId { get; set; }
        public string? DeviceName { get; set; }
        public string? DeviceHostName { get; set; }
        public string? DeviceType { get; set; }
        public string? DeviceVersion { get; set; }
        public string? Email { get; set; }
        /// <summary>The device's policy (group).</summary>
        public string? GroupName { get; set; }
        public string? InternalIpAddress { get; set; }
        public string? ExternalIpAddress { get; set; }
        public string? TargetPriorityType { get; set; }
        public int? TargetPriorityCode { get; set; }
        public string? UemId { get; set; }
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();

        public override string ToString() => DeviceName ?? DeviceHostName ?? (DeviceId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");

        internal static NotificationDeviceInfo Read(FieldReader f)
        {
            var d = new NotificationDeviceInfo
            {
                DeviceId = f.Long("deviceId"), DeviceName = f.String("deviceName"), DeviceHostName = f.String("deviceHostName"),
                DeviceType = f.String("deviceType"), DeviceVersion = f.String("deviceVersion"), Email = f.String("email"),
                GroupName = f.String("groupName"), InternalIpAddress = f.String("internalIpAddress"),
                ExternalIpAddress = f.String("externalIpAddress"), TargetPriorityType = f.String("targetPriorityType"),
                TargetPriorityCode = f.Int("targetPriorityCode"), UemId = f.String("uemId"),
            };
            f.CopyRestTo(d.AdditionalProperties);
            return d;
        }
    }

    /// <summary>One indicator of a threat (threatInfo.indicators[]).</summary>
    public sealed class ThreatIndicator
    {
        public string? IndicatorName { get; set; }
        public string? ApplicationName { get; set; }
        public string? Sha256Hash { get; set; }
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();

        public override string ToString() => IndicatorName ?? "";

        internal static ThreatIndicator Read(FieldReader f)
        {
            var i = new ThreatIndicator { IndicatorName = f.String("indicatorName"), ApplicationName = f.String("applicationName"), Sha256Hash = f.String("sha256Hash") };
            f.CopyRestTo(i.AdditionalProperties);
            return i;
        }
    }

    /// <summary>What caused a threat (threatInfo.threatCause).</summary>
    public sealed class ThreatCause
    {
        public string? Reputation { get; set; }
        /// <summary>The actor's SHA-256.</summary>
        public string? Actor { get; set; }
        public string? ActorName { get; set; }
        public string? ActorType { get; set; }
        public string? Reason { get; set; }
        public string? ThreatCategory { get; set; }
        public string? ActorProcessPPid { get; set; }
        public string? CauseEventId { get; set; }
        public string? OriginSourceType { get; set; }
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();

        public override string ToString() => ActorName ?? Reason ?? "";

        internal static ThreatCause Read(FieldReader f)
        {
            var c = new ThreatCause
            {
                Reputation = f.String("reputation"), Actor = f.String("actor"), ActorName = f.String("actorName"),
                ActorType = f.String("actorType"), Reason = f.String("reason"), ThreatCategory = f.String("threatCategory"),
                ActorProcessPPid = f.String("actorProcessPPid"), CauseEventId = f.String("causeEventId"),
                OriginSourceType = f.String("originSourceType"),
            };
            f.CopyRestTo(c.AdditionalProperties);
            return c;
        }
    }

    /// <summary>The threat of a THREAT notification (threatInfo).</summary>
    public sealed class ThreatInfo
    {
        public string? IncidentId { get; set; }
        /// <summary>0 to 10.</summary>
        public int? Score { get; set; }
        public string? Summary { get; set; }
        /// <summary>When the threat was seen, local time.</summary>
        public DateTime? Time { get => ModelTime.ToLocal(_time); set => _time = ModelTime.FromLocal(value); }
        /// <summary>When the threat was seen, UTC (the wire value).</summary>
        public DateTime? TimeUtc { get => _time; set => _time = ModelTime.FromUtc(value); }
        private DateTime? _time;
        public ValueList<ThreatIndicator>? Indicators { get; set; }
        public ThreatCause? ThreatCause { get; set; }
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();

        public override string ToString() => Summary ?? IncidentId ?? "";

        internal static ThreatInfo Read(FieldReader f)
        {
            var t = new ThreatInfo
            {
                IncidentId = f.String("incidentId"), Score = f.Int("score"), Summary = f.String("summary"), TimeUtc = f.Time("time"),
                Indicators = f.ObjectArray("indicators", ThreatIndicator.Read), ThreatCause = f.Object("threatCause", ThreatCause.Read),
            };
            f.CopyRestTo(t.AdditionalProperties);
            return t;
        }
    }

    /// <summary>The policy action of a POLICY_ACTION notification (policyAction).</summary>
    public sealed class PolicyAction
    {
        public string? Action { get; set; }
        public string? ApplicationName { get; set; }
        public string? Sha256Hash { get; set; }
        public string? Reputation { get; set; }
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();

        public override string ToString() => (Action ?? "") + " " + (ApplicationName ?? "");

        internal static PolicyAction Read(FieldReader f)
        {
            var p = new PolicyAction
            {
                Action = f.String("action"), ApplicationName = f.String("applicationName"), Sha256Hash = f.String("sha256Hash"),
                Reputation = f.String("reputation"),
            };
            f.CopyRestTo(p.AdditionalProperties);
            return p;
        }
    }

    /// <summary>
    /// A notification from the SIEM queue (v3 notification): type THREAT, POLICY_ACTION or another the server sends.
    /// <c>EventTime</c> and <c>LastUpdatedTime</c> are local time, <c>EventTimeUtc</c> and <c>LastUpdatedTimeUtc</c> UTC
    /// (the wire values); <see cref="ToJson"/> gives the notification exactly as it came.
    /// </summary>
    public sealed class Notification
    {
        private DateTime? _eventTime;
        private DateTime? _lastUpdatedTime;

        public string? Type { get; set; }
        public string? EventId { get; set; }
        /// <summary>When the event happened, local time.</summary>
        public DateTime? EventTime { get => ModelTime.ToLocal(_eventTime); set => _eventTime = ModelTime.FromLocal(value); }
        /// <summary>When the event happened, UTC (the wire value).</summary>
        public DateTime? EventTimeUtc { get => _eventTime; set => _eventTime = ModelTime.FromUtc(value); }
        public string? EventDescription { get; set; }
        public string? RuleName { get; set; }
        /// <summary>The console deep link.</summary>
        public string? Url { get; set; }
        /// <summary>When the notification last changed, local time.</summary>
        public DateTime? LastUpdatedTime { get => ModelTime.ToLocal(_lastUpdatedTime); set => _lastUpdatedTime = ModelTime.FromLocal(value); }
        /// <summary>When the notification last changed, UTC (the wire value).</summary>
        public DateTime? LastUpdatedTimeUtc { get => _lastUpdatedTime; set => _lastUpdatedTime = ModelTime.FromUtc(value); }
        public NotificationDeviceInfo? DeviceInfo { get; set; }
        /// <summary>Set for THREAT notifications.</summary>
        public ThreatInfo? ThreatInfo { get; set; }
        /// <summary>Set for POLICY_ACTION notifications.</summary>
        public PolicyAction? PolicyAction { get; set; }

        /// <summary>Every other field the server sent (e.g. threatHunterInfo), with its original name, as plain .NET values.</summary>
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();

        /// <summary>
        /// The session this notification was read through (null when replayed from a state file without one);
        /// ConvertTo-Json leaves it out of nested objects.
        /// </summary>
        [JsonIgnore]
        public Session? Session { get; internal set; }

        /// <summary>The notification exactly as the server sent it.</summary>
        internal Dictionary<string, object?> Raw { get; private set; } = new Dictionary<string, object?>(StringComparer.Ordinal);

        /// <summary>The notification as the server sent it, as compact JSON (one line: ready for a SIEM or a log file).</summary>
        public string ToJson() => PlainJson.Serialize(Raw);

        public override string ToString() => (Type ?? "") + " " + (EventId ?? "");

        internal static Notification Read(Dictionary<string, object?> json, Session? session)
        {
            var f = new FieldReader(json);
            var n = new Notification
            {
                Raw = json, Session = session,
                Type = f.String("type"), EventId = f.String("eventId"), EventTimeUtc = f.Time("eventTime"),
                EventDescription = f.String("eventDescription"), RuleName = f.String("ruleName"), Url = f.String("url"),
                LastUpdatedTimeUtc = f.Time("lastUpdatedTime"),
                DeviceInfo = f.Object("deviceInfo", NotificationDeviceInfo.Read),
                ThreatInfo = f.Object("threatInfo", ThreatInfo.Read),
                PolicyAction = f.Object("policyAction", PolicyAction.Read),
            };
            f.CopyRestTo(n.AdditionalProperties);
            return n;
        }
    }
}
