using System;
using System.Collections.Generic;
using CbDefense.Json;
using Newtonsoft.Json;

namespace CbDefense
{
    /// <summary>
    /// An audit log record (who did what in the org: log-ins, API key and connector changes, policy and device changes),
    /// from either generation: the v3 queue (<c>eventTime</c>, <c>loginName</c>, <c>clientIp</c>, <c>requestUrl</c>) and audit
    /// log v1 (<c>create_time</c>, <c>actor</c>, <c>actor_ip</c>, <c>request_url</c>, <c>org_key</c>) map onto the same
    /// properties. <c>Time</c> is local time, <c>TimeUtc</c> the same instant in UTC (the wire value); every other field
    /// (v3 <c>orgName</c>, say) is kept in <see cref="AdditionalProperties"/> under its wire name.
    /// </summary>
    public sealed class AuditLog
    {
        private DateTime? _time;

        /// <summary>When it happened, local time.</summary>
        public DateTime? Time { get => ModelTime.ToLocal(_time); set => _time = ModelTime.FromLocal(value); }
        /// <summary>When it happened, UTC (the wire value).</summary>
        public DateTime? TimeUtc { get => _time; set => _time = ModelTime.FromUtc(value); }
        /// <summary>Who did it: a user's login name or an API key id.</summary>
        public string? Actor { get; set; }
        /// <summary>The address the actor came from.</summary>
        public string? ActorIp { get; set; }
        public string? Description { get; set; }
        /// <summary>The URL of the request that made the record, when there was one.</summary>
        public string? RequestUrl { get; set; }
        /// <summary>The org key (audit log v1).</summary>
        public string? OrgKey { get; set; }
        public bool? Flagged { get; set; }
        public bool? Verbose { get; set; }
        /// <summary>The record's id (the v3 queue; audit log v1 records have none).</summary>
        public string? EventId { get; set; }

        /// <summary>Every other field the server sent, with its original name, as plain .NET values.</summary>
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();

        /// <summary>The session this record was read through (ConvertTo-Json leaves it out of nested objects).</summary>
        [JsonIgnore]
        public Session? Session { get; internal set; }

        public override string ToString() => Description ?? "";

        /// <summary>A record of either generation (liberal: each property takes the v1 name, else the v3 one).</summary>
        internal static AuditLog Read(Dictionary<string, object?> json, Session? session)
        {
            var f = new FieldReader(json);
            var a = new AuditLog { Session = session };
            a.TimeUtc = f.Time("create_time") ?? f.Time("eventTime");
            a.Actor = f.String("actor") ?? f.String("loginName");
            a.ActorIp = f.String("actor_ip") ?? f.String("clientIp");
            a.Description = f.String("description");
            a.RequestUrl = f.String("request_url") ?? f.String("requestUrl");
            a.OrgKey = f.String("org_key");
            a.Flagged = f.Bool("flagged");
            a.Verbose = f.Bool("verbose");
            a.EventId = f.String("eventId");
            f.CopyRestTo(a.AdditionalProperties);
            return a;
        }
    }

    /// <summary>
    /// What an audit log search asks for (audit log v1 <c>_search</c>; the legacy API has only the queue). Everything
    /// given is combined with AND; values of one list with OR.
    /// </summary>
    public sealed class AuditLogQuery
    {
        /// <summary>Records at or after this time (create_time, inclusive). A time without a zone is local, as in Get-Date.</summary>
        public DateTime? StartTime { get; set; }
        /// <summary>Records at or before this time (inclusive; default: now when only StartTime is given).</summary>
        public DateTime? EndTime { get; set; }
        /// <summary>The search language, e.g. <c>description:Logged*</c>.</summary>
        public string? Query { get; set; }
        public IList<string> Actor { get; } = new List<string>();
        public IList<string> ActorIp { get; } = new List<string>();
        /// <summary>Only flagged (true) or only unflagged (false) records.</summary>
        public bool? Flagged { get; set; }
        /// <summary>Other criteria as the API names them (description, request_url, verbose, ...).</summary>
        public IDictionary<string, object?> Criteria { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);

        /// <summary>The parameters this query uses, as the cmdlet names them (for messages).</summary>
        internal IReadOnlyList<string> ParameterNames()
        {
            var names = new List<string>();
            if (StartTime.HasValue) names.Add("-StartTime");
            if (EndTime.HasValue) names.Add("-EndTime");
            if (!string.IsNullOrWhiteSpace(Query)) names.Add("-Query");
            if (Actor.Count > 0) names.Add("-Actor");
            if (ActorIp.Count > 0) names.Add("-ActorIp");
            if (Flagged.HasValue) names.Add("-Flagged");
            if (Criteria.Count > 0) names.Add("-Criteria");
            return names;
        }
    }
}
