using System;
using System.Collections.Generic;
using System.Linq;
using CbDefense.Json;
using Newtonsoft.Json;

namespace CbDefense
{
    /// <summary>
    /// An observation (the current API's successor of the v3 event): what a sensor saw a process do, enriched by the
    /// cloud, with the alert it belongs to when there is one. <c>DeviceTimestamp</c> (when the device saw it) and
    /// <c>BackendTimestamp</c> (when the cloud received it) are local time, their *Utc twins the same instants in UTC (the
    /// wire values). Fields the server sends as arrays (process_pid, event_type, alert_id, ...) are lists, also when a
    /// server sends one value; every field not typed here is in <see cref="AdditionalProperties"/> under its wire name.
    /// </summary>
    public sealed class Observation
    {
        private DateTime? _deviceTimestamp;
        private DateTime? _backendTimestamp;

        public string? ObservationId { get; set; }
        /// <summary>observation_type: CB_ANALYTICS, CONTEXTUAL_ACTIVITY, or the type of the alert it belongs to.</summary>
        public string? Type { get; set; }
        /// <summary>observation_description.</summary>
        public string? Description { get; set; }
        public long? DeviceId { get; set; }
        public string? DeviceName { get; set; }
        public string? DevicePolicy { get; set; }
        public long? DevicePolicyId { get; set; }
        /// <summary>The process's path as the sensor reports it (process_name).</summary>
        public string? ProcessName { get; set; }
        /// <summary>The process's SHA-256: process_sha256, or the SHA-256 among process_hash.</summary>
        public string? ProcessSha256 { get; set; }
        /// <summary>process_hash: the MD5 and/or SHA-256 of the process.</summary>
        public ValueList<string>? ProcessHash { get; set; }
        public ValueList<long>? ProcessPid { get; set; }
        public ValueList<string>? ProcessCmdline { get; set; }
        public ValueList<string>? ProcessUsername { get; set; }
        public string? ProcessGuid { get; set; }
        public long? ParentPid { get; set; }
        public string? ParentGuid { get; set; }
        /// <summary>event_type: netconn, childproc, crossproc, filemod, regmod, modload, scriptload, ...</summary>
        public ValueList<string>? EventType { get; set; }
        public string? EventId { get; set; }
        public string? EventDescription { get; set; }
        /// <summary>The alerts this observation belongs to (none for most).</summary>
        public ValueList<string>? AlertId { get; set; }
        public ValueList<string>? AlertCategory { get; set; }
        /// <summary>When the device saw it, local time.</summary>
        public DateTime? DeviceTimestamp { get => ModelTime.ToLocal(_deviceTimestamp); set => _deviceTimestamp = ModelTime.FromLocal(value); }
        /// <summary>When the device saw it, UTC (the wire value).</summary>
        public DateTime? DeviceTimestampUtc { get => _deviceTimestamp; set => _deviceTimestamp = ModelTime.FromUtc(value); }
        /// <summary>When the cloud received it, local time.</summary>
        public DateTime? BackendTimestamp { get => ModelTime.ToLocal(_backendTimestamp); set => _backendTimestamp = ModelTime.FromLocal(value); }
        /// <summary>When the cloud received it, UTC (the wire value).</summary>
        public DateTime? BackendTimestampUtc { get => _backendTimestamp; set => _backendTimestamp = ModelTime.FromUtc(value); }

        /// <summary>Every other field the server sent, with its original name, as plain .NET values.</summary>
        public IDictionary<string, object?> AdditionalProperties => _additional;
        private PlainMap _additional = new PlainMap();

        /// <summary>The session this observation was read through (ConvertTo-Json leaves it out of nested objects).</summary>
        [JsonIgnore]
        public Session? Session { get; internal set; }

        /// <summary>device_timestamp in epoch milliseconds as the server sent it (for the time range of the next job).</summary>
        internal long? DeviceTimestampMs { get; private set; }

        public override string ToString() => ObservationId ?? "";

        internal static Observation Read(Dictionary<string, object?> json, Session? session)
        {
            var f = FieldReader.Adopt(json);
            var o = new Observation { Session = session };
            o.ObservationId = f.String("observation_id");
            o.Type = f.String("observation_type");
            o.Description = f.String("observation_description");
            o.DeviceId = f.Long("device_id");
            o.DeviceName = f.String("device_name");
            o.DevicePolicy = f.String("device_policy");
            o.DevicePolicyId = f.Long("device_policy_id");
            o.ProcessName = f.String("process_name");
            o.ProcessSha256 = f.String("process_sha256");
            o.ProcessHash = f.StringList("process_hash");
            if (o.ProcessSha256 == null && o.ProcessHash != null)
                o.ProcessSha256 = o.ProcessHash.FirstOrDefault(h => h != null && h.Length == 64 && h.All(Uri.IsHexDigit));
            o.ProcessPid = f.LongList("process_pid");
            o.ProcessCmdline = f.StringList("process_cmdline");
            o.ProcessUsername = f.StringList("process_username");
            o.ProcessGuid = f.String("process_guid");
            o.ParentPid = f.Long("parent_pid");
            o.ParentGuid = f.String("parent_guid");
            o.EventType = f.StringList("event_type");
            o.EventId = f.String("event_id");
            o.EventDescription = f.String("event_description");
            o.AlertId = f.StringList("alert_id");
            o.AlertCategory = f.StringList("alert_category");
            o.DeviceTimestampUtc = f.TimeAndMs("device_timestamp", out var ms);
            o.DeviceTimestampMs = ms;
            o.BackendTimestampUtc = f.Time("backend_timestamp");
            o._additional = f.TakeRest();
            return o;
        }
    }

    /// <summary>
    /// What an observation search asks for (the current API's observation search jobs). Each list becomes one criteria
    /// key (its values ORed); everything given is combined with AND. Names without a wildcard are exact values
    /// (criteria); with <c>*</c> or <c>?</c> they are patterns of the search language (query).
    /// </summary>
    public sealed class ObservationQuery
    {
        public IList<string> DeviceName { get; } = new List<string>();
        public IList<long> DeviceId { get; } = new List<long>();
        /// <summary>The process's path or file name (process_name).</summary>
        public IList<string> ProcessName { get; } = new List<string>();
        /// <summary>The process's SHA-256 (sent as process_hash).</summary>
        public IList<string> ProcessSha256 { get; } = new List<string>();
        public IList<string> EventType { get; } = new List<string>();
        public IList<string> AlertId { get; } = new List<string>();
        /// <summary>Observations the device saw at or after this time (time_range.start on device_timestamp).</summary>
        public DateTime? StartTime { get; set; }
        /// <summary>Observations the device saw at or before this time (time_range.end).</summary>
        public DateTime? EndTime { get; set; }
        /// <summary>The search language, e.g. <c>process_name:powershell.exe AND netconn_port:443</c>.</summary>
        public string? Query { get; set; }
        /// <summary>Other criteria as the API names them (event_id, observation_type, device_policy, ...).</summary>
        public IDictionary<string, object?> Criteria { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);
        /// <summary>Criteria whose matches are left out.</summary>
        public IDictionary<string, object?> Exclusions { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);
    }
}
