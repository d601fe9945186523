using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Json;
using CbDefense.Search;

namespace CbDefense.Services.Current
{
    /// <summary>
    /// Alerts v7: POST /api/alerts/v7/orgs/{org_key}/alerts/_search (time_range, criteria, exclusions, query, sort), GET
    /// .../alerts/{id}, POST .../alerts/workflow (criteria; answers a request id that is a job of /jobs/v1), GET
    /// .../alerts/search_suggestions. A threat's alerts are changed with the v7 workflow by threat_id (the past ones) and
    /// the v6 threat workflow route the console and the SDK still use (so later alerts of the threat arrive dismissed).
    /// </summary>
    internal sealed class CurrentAlertService : IAlertService
    {
        internal const string ThreatRequestKey = "threat_request_id";
        internal static readonly string[] ClosureReasons = { "NO_REASON", "RESOLVED", "RESOLVED_BENIGN_KNOWN_GOOD", "DUPLICATE_CLEANUP", "OTHER" };
        private readonly CbClient _client;

        public CurrentAlertService(CbClient client) { _client = client; }

        public ApiGeneration Generation => ApiGeneration.Current;
        public int MaximumPageSize => 10000;

        private string AlertsPath(string tail) => _client.OrgPath("/api/alerts/v7", "alerts" + tail, "alerts v7");
        private string JobPath(string id) => _client.OrgPath("/jobs/v1", "jobs/" + Uri.EscapeDataString(id), "the jobs API");

        public PagedSearch<Alert> Search(AlertQuery query, long skip, long? first, int pageSize)
        {
            var dialect = new AlertDialect
            {
                Path = AlertsPath("/_search"),
                TimeField = "backend_timestamp",
                TopLevelTimeRange = true,
                Criteria = V7Criteria,
                Read = Alert.ReadV7,
                Time = a => a.BackendTimestampUtc,
            };
            return new AlertSearch(_client, dialect, query ?? new AlertQuery(), skip, first, pageSize);
        }

        private static Dictionary<string, object?> V7Criteria(AlertQuery q)
        {
            var c = AlertSearch.SharedCriteria(q, "device_policy");
            AlertSearch.AddList(c, "workflow_status", q.Status.Select(s => (object?)s.ToUpperInvariant()));
            AlertSearch.AddList(c, "determination_value", q.Determination.Select(s => (object?)s.ToUpperInvariant()));
            return c;
        }

        public async Task<Alert> GetAsync(string id, CallContext ctx)
        {
            if (string.IsNullOrWhiteSpace(id)) throw new ArgumentException("An alert id is required.", nameof(id));
            try
            {
                var d = await _client.SendForObjectAsync(CbRequest.Create(HttpMethod.Get, AlertsPath("/" + Uri.EscapeDataString(id.Trim()))), ctx).ConfigureAwait(false);
                return Alert.ReadV7(d, _client.Session);
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw NotFound.Wrap("Alert " + id, ex);
            }
        }

        public Task<WorkflowStatus> UpdateAlertsAsync(IReadOnlyList<string> ids, AlertWorkflowUpdate update, CallContext ctx)
        {
            if (ids == null || ids.Count == 0) throw new ArgumentException("At least one alert id is required.", nameof(ids));
            return PostWorkflowAsync("id", ids, update, ctx);
        }

        private async Task<WorkflowStatus> PostWorkflowAsync(string criterion, IReadOnlyList<string> values, AlertWorkflowUpdate update, CallContext ctx)
        {
            var body = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["criteria"] = new Dictionary<string, object?>(StringComparer.Ordinal) { [criterion] = values.Cast<object?>().ToList() },
                ["status"] = update.Status,
            };
            if (update.ClosureReason != null) body["closure_reason"] = update.ClosureReason;
            if (update.Determination != null) body["determination"] = update.Determination;
            if (update.Note != null) body["note"] = update.Note;
            var reply = await _client.SendForObjectAsync(_client.JsonRequest(HttpMethod.Post, AlertsPath("/workflow"), null, body), ctx).ConfigureAwait(false);
            string? requestId = reply.TryGetValue("request_id", out var r) && r != null ? FieldReader.ToStringValue(r).Item2 : null;
            if (string.IsNullOrEmpty(requestId))
                throw new CbInvalidResponseException("The alert workflow's reply has no request_id. [POST " + AlertsPath("/workflow") + "]") { Method = "POST", RequestUri = AlertsPath("/workflow") };
            var status = await JobStatusAsync(requestId!, ctx).ConfigureAwait(false);
            status.Workflow ??= new Workflow { State = update.Status, Remediation = update.ClosureReason, Comment = update.Note };
            return status;
        }

        /// <summary>
        /// The v7 workflow by threat_id for the alerts so far, and the v6 threat route so that later alerts follow. -Remediation
        /// maps to closure_reason when it is one of its values; any other text goes into the note with the comment.
        /// </summary>
        public async Task<WorkflowStatus> UpdateThreatsAsync(IReadOnlyList<string> threatIds, string state, string? remediation, string? comment, CallContext ctx)
        {
            if (threatIds == null || threatIds.Count == 0) throw new ArgumentException("At least one threat id is required.", nameof(threatIds));
            var update = ThreatUpdate(state, remediation, comment);
            string threatRequest = await _client.UpdateThreatWorkflowAsync(threatIds, state, remediation, comment, ctx).ConfigureAwait(false);
            var status = await PostWorkflowAsync("threat_id", threatIds, update, ctx).ConfigureAwait(false);
            status.AdditionalProperties[ThreatRequestKey] = threatRequest;
            return await RefreshAsync(status, ctx).ConfigureAwait(false);
        }

        internal static AlertWorkflowUpdate ThreatUpdate(string state, string? remediation, string? comment)
        {
            var u = new AlertWorkflowUpdate { Status = state == "DISMISSED" ? "CLOSED" : "OPEN" };
            string? reason = remediation == null ? null : ClosureReasons.FirstOrDefault(r => string.Equals(r, remediation.Trim(), StringComparison.OrdinalIgnoreCase));
            var note = new List<string>();
            if (!string.IsNullOrWhiteSpace(comment)) note.Add(comment!.Trim());
            if (reason != null) u.ClosureReason = reason;
            else if (!string.IsNullOrWhiteSpace(remediation))
            {
                u.ClosureReason = u.Status == "CLOSED" ? "OTHER" : null;
                note.Add("Remediation: " + remediation!.Trim());
            }
            if (note.Count > 0) u.Note = string.Join(" ", note);
            return u;
        }

        /// <summary>A job id (v7 workflow) or, when the jobs API does not know it, a v6 workflow request id.</summary>
        public async Task<WorkflowStatus> GetWorkflowStatusAsync(string requestId, CallContext ctx)
        {
            if (string.IsNullOrWhiteSpace(requestId)) throw new ArgumentException("A request id is required.", nameof(requestId));
            try
            {
                return await JobStatusAsync(requestId.Trim(), ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException)
            {
                return await _client.GetWorkflowStatusAsync(requestId, ctx).ConfigureAwait(false);
            }
        }

        public async Task<WorkflowStatus> RefreshAsync(WorkflowStatus status, CallContext ctx)
        {
            if (status.RequestId == null) throw new ArgumentException("The status has no request id.", nameof(status));
            if (!status.IsJob) return await _client.GetWorkflowStatusAsync(status.RequestId, ctx).ConfigureAwait(false);
            var job = await JobStatusAsync(status.RequestId, ctx).ConfigureAwait(false);
            job.Workflow ??= status.Workflow;
            if (status.AdditionalProperties.TryGetValue(ThreatRequestKey, out var t) && t is string threatRequest)
            {
                // Finished only when both are: the job (past alerts) and the v6 threat request (later alerts).
                var v6 = await _client.GetWorkflowStatusAsync(threatRequest, ctx).ConfigureAwait(false);
                job.AdditionalProperties[ThreatRequestKey] = threatRequest;
                job.AdditionalProperties["threat_request_status"] = v6.Status;
                if (job.IsFinished && !v6.IsFinished) job.Status = WorkflowStatus.InProgress;
            }
            return job;
        }

        /// <summary>GET /jobs/v1/orgs/{org_key}/jobs/{id} as a WorkflowStatus: CREATED → QUEUED, IN_PROGRESS, COMPLETED and FAILED → FINISHED.</summary>
        private async Task<WorkflowStatus> JobStatusAsync(string id, CallContext ctx)
        {
            var d = await _client.SendForObjectAsync(CbRequest.Create(HttpMethod.Get, JobPath(id)), ctx).ConfigureAwait(false);
            return WorkflowStatus.FromJob(d, id, _client.Session);
        }

        public async Task<IReadOnlyList<AlertSearchSuggestion>> GetSuggestionsAsync(string? query, CallContext ctx)
        {
            var q = new Dictionary<string, object?>(StringComparer.Ordinal) { ["suggest.q"] = query ?? "" };
            var d = await _client.SendForObjectAsync(_client.JsonRequest(HttpMethod.Get, AlertsPath("/search_suggestions"), q, null), ctx).ConfigureAwait(false);
            var list = new List<AlertSearchSuggestion>();
            if (d.TryGetValue("suggestions", out var sv) && sv is List<object?> items)
                foreach (var item in items)
                {
                    if (item is Dictionary<string, object?> o) list.Add(AlertSearchSuggestion.Read(o, _client.Session));
                    else if (item is string term) list.Add(new AlertSearchSuggestion { Term = term, Session = _client.Session });
                }
            return list;
        }
    }
}
