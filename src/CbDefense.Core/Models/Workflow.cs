using System;
using System.Collections.Generic;
using CbDefense.Json;
using Newtonsoft.Json;

namespace CbDefense
{
    /// <summary>The workflow a threat or alert workflow request applies (v6 <c>workflow</c>).</summary>
    public sealed class Workflow
    {
        /// <summary>OPEN or DISMISSED.</summary>
        public string? State { get; set; }
        public string? Remediation { get; set; }
        public string? Comment { get; set; }
        public string? ChangedBy { get; set; }
        private DateTime? _lastUpdateTime;
        /// <summary>When the workflow last changed, local time.</summary>
        public DateTime? LastUpdateTime { get => ModelTime.ToLocal(_lastUpdateTime); set => _lastUpdateTime = ModelTime.FromLocal(value); }
        /// <summary>When the workflow last changed, UTC (the wire value).</summary>
        public DateTime? LastUpdateTimeUtc { get => _lastUpdateTime; set => _lastUpdateTime = ModelTime.FromUtc(value); }
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();

        public override string ToString() => State ?? "";

        internal static Workflow Read(FieldReader f)
        {
            var w = new Workflow
            {
                State = f.String("state"), Remediation = f.String("remediation"), Comment = f.String("comment"),
                ChangedBy = f.String("changed_by"), LastUpdateTimeUtc = f.Time("last_update_time"),
            };
            f.CopyRestTo(w.AdditionalProperties);
            return w;
        }
    }

    /// <summary>The status of an asynchronous workflow request (v6 <c>workflow/status/{request_id}</c>).</summary>
    public sealed class WorkflowStatus
    {
        public const string Queued = "QUEUED";
        public const string InProgress = "IN_PROGRESS";
        public const string Finished = "FINISHED";

        public string? RequestId { get; set; }
        /// <summary>QUEUED, IN_PROGRESS or FINISHED.</summary>
        public string? Status { get; set; }
        public long? NumHits { get; set; }
        public long? NumSuccess { get; set; }
        public ValueList<string>? FailedIds { get; set; }
        /// <summary>The errors as the server gives them (strings or objects as plain values).</summary>
        public PlainList? Errors { get; set; }
        public Workflow? Workflow { get; set; }
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();

        /// <summary>The session this status was read through (-Session binds from it; ConvertTo-Json leaves it out of nested objects).</summary>
        [JsonIgnore]
        public Session? Session { get; internal set; }

        public bool IsFinished => string.Equals(Status, Finished, StringComparison.OrdinalIgnoreCase);

        /// <summary>True when the request is a job of the current API (alerts v7 workflow) rather than a v6 workflow request.</summary>
        public bool IsJob { get; internal set; }

        /// <summary>True when the server reports the request failed (a FAILED job); Errors says why.</summary>
        public bool Failed { get; internal set; }

        public override string ToString() => (RequestId ?? "") + " " + (Status ?? "");

        /// <summary>
        /// A job of /jobs/v1 as a workflow status: CREATED → QUEUED, IN_PROGRESS, COMPLETED → FINISHED, FAILED → FINISHED with
        /// Failed set; progress num_total → NumHits, num_completed → NumSuccess; the job's other fields in AdditionalProperties.
        /// </summary>
        internal static WorkflowStatus FromJob(Dictionary<string, object?> json, string id, Session? session)
        {
            var f = new FieldReader(json);
            string? raw = f.String("status");
            string upper = (raw ?? "").Trim().ToUpperInvariant();
            var s = new WorkflowStatus { Session = session, IsJob = true, RequestId = f.String("id") ?? id };
            s.Status = upper == "COMPLETED" || upper == "FAILED" ? Finished : upper == "IN_PROGRESS" ? InProgress : Queued;
            s.Failed = upper == "FAILED";
            var progress = f.Object("progress", p => p);
            if (progress != null)
            {
                s.NumHits = progress.Long("num_total");
                s.NumSuccess = progress.Long("num_completed");
                string? message = progress.String("message");
                if (s.Failed && !string.IsNullOrEmpty(message)) s.Errors = new PlainList(new object?[] { message });
                var rest = new PlainMap();
                progress.CopyRestTo(rest);
                if (message != null && !s.Failed) rest["message"] = message;
                if (rest.Count > 0) s.AdditionalProperties["progress"] = rest;
            }
            s.AdditionalProperties["job_status"] = raw;
            f.CopyRestTo(s.AdditionalProperties);
            return s;
        }

        internal static WorkflowStatus Read(Dictionary<string, object?> json, Session? session)
        {
            var f = new FieldReader(json);
            var s = new WorkflowStatus
            {
                Session = session,
                RequestId = f.String("id") ?? f.String("request_id"),
                Status = f.String("status"),
                NumHits = f.Long("num_hits"),
                NumSuccess = f.Long("num_success"),
                FailedIds = f.StringArray("failed_ids"),
                Errors = f.PlainArray("errors") is object?[] errors ? new PlainList(errors) : null,
                Workflow = f.Object("workflow", Workflow.Read),
            };
            f.CopyRestTo(s.AdditionalProperties);
            return s;
        }
    }

    /// <summary>An alert search suggestion (v6 <c>alerts/search_suggestions</c>).</summary>
    public sealed class AlertSearchSuggestion
    {
        public string? Term { get; set; }
        public long? Weight { get; set; }
        /// <summary>Every one of these SKUs is needed for the term (required_skus_all), as the API gives them.</summary>
        public ValueList<string>? RequiredSkusAll { get; set; }
        /// <summary>One of these SKUs is needed for the term (required_skus_some), as the API gives them.</summary>
        public ValueList<string>? RequiredSkusSome { get; set; }
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();
        /// <summary>The session this suggestion was read through (ConvertTo-Json leaves it out of nested objects).</summary>
        [JsonIgnore]
        public Session? Session { get; internal set; }

        public override string ToString() => Term ?? "";

        internal static AlertSearchSuggestion Read(Dictionary<string, object?> json, Session? session)
        {
            var f = new FieldReader(json);
            var s = new AlertSearchSuggestion
            {
                Session = session, Term = f.String("term"), Weight = f.Long("weight"),
                RequiredSkusAll = f.StringArray("required_skus_all"), RequiredSkusSome = f.StringArray("required_skus_some"),
            };
            f.CopyRestTo(s.AdditionalProperties);
            return s;
        }
    }
}
