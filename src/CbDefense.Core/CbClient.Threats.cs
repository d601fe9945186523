using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Http;

namespace CbDefense
{
    // The v6 threat workflow, workflow status and alert search suggestion routes (cbapi's CbPSCBaseAPI helpers).
    public sealed partial class CbClient
    {
        internal string RequireOrgPath(string tail, string what) => OrgPath("/appservices/v6", tail, what);

        /// <summary>
        /// POST .../threat/workflow/_criteria (cbapi bulk_threat_update / bulk_threat_dismiss): sets <paramref name="state"/>
        /// (OPEN or DISMISSED) on every past and future alert of the threats. remediation_state and comment are sent only
        /// when not null. Returns the request id.
        /// </summary>
        public async Task<string> UpdateThreatWorkflowAsync(IEnumerable<string> threatIds, string state, string? remediation, string? comment, CallContext? ctx)
        {
            if (threatIds == null) throw new ArgumentNullException(nameof(threatIds));
            var ids = threatIds.ToList();
            if (ids.Count == 0) throw new ArgumentException("At least one threat id is required.", nameof(threatIds));
            if (ids.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("One or more invalid threat ID values (empty).", nameof(threatIds));
            if (state != "OPEN" && state != "DISMISSED") throw new ArgumentException("The state must be OPEN or DISMISSED.", nameof(state));
            string path = RequireOrgPath("threat/workflow/_criteria", "the threat workflow");
            var body = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["threat_id"] = ids.Cast<object?>().ToList(),
                ["state"] = state,
            };
            if (remediation != null) body["remediation_state"] = remediation;
            if (comment != null) body["comment"] = comment;
            var r = await SendAsync(HttpMethod.Post, path, null, body, ctx).ConfigureAwait(false);
            if (r.Json is Dictionary<string, object?> d && d.TryGetValue("request_id", out var id) && id != null)
            {
                var (ok, s) = Json.FieldReader.ToStringValue(id);
                if (ok && s.Length > 0) return s;
            }
            throw ErrorMapper.Invalid(r.Method, r.RequestUri, r.StatusCode, r.ReasonPhrase, r.ContentType, "no request_id in the reply", r.Text, null);
        }

        /// <summary>GET .../workflow/status/{request_id}. 404 → CbObjectNotFoundException.</summary>
        public async Task<WorkflowStatus> GetWorkflowStatusAsync(string requestId, CallContext? ctx)
        {
            if (string.IsNullOrWhiteSpace(requestId)) throw new ArgumentException("A request id is required.", nameof(requestId));
            string path = RequireOrgPath("workflow/status/" + Uri.EscapeDataString(requestId.Trim()), "the workflow status");
            var r = await SendAsync(HttpMethod.Get, path, null, null, ctx).ConfigureAwait(false);
            if (r.Json is Dictionary<string, object?> d)
            {
                var status = WorkflowStatus.Read(d, _session);
                if (status.RequestId == null) status.RequestId = requestId.Trim();
                return status;
            }
            throw ErrorMapper.Invalid(r.Method, r.RequestUri, r.StatusCode, r.ReasonPhrase, r.ContentType, "not a JSON object", r.Text, null);
        }

        /// <summary>GET .../alerts/search_suggestions?suggest.q=... (an empty query sends suggest.q=).</summary>
        public async Task<IReadOnlyList<AlertSearchSuggestion>> GetAlertSearchSuggestionsAsync(string? query, CallContext? ctx)
        {
            string path = RequireOrgPath("alerts/search_suggestions", "alert search suggestions");
            var q = new Dictionary<string, object?>(StringComparer.Ordinal) { ["suggest.q"] = query ?? "" };
            var r = await SendAsync(HttpMethod.Get, path, q, null, ctx).ConfigureAwait(false);
            var list = new List<AlertSearchSuggestion>();
            if (r.Json is Dictionary<string, object?> d && d.TryGetValue("suggestions", out var sv))
            {
                if (sv is List<object?> items)
                {
                    foreach (var item in items)
                    {
                        if (item is Dictionary<string, object?> o) list.Add(AlertSearchSuggestion.Read(o, _session));
                        else if (item is string term) list.Add(new AlertSearchSuggestion { Term = term, Session = _session });
                    }
                    return list;
                }
                if (sv == null) return list;
            }
            throw ErrorMapper.Invalid(r.Method, r.RequestUri, r.StatusCode, r.ReasonPhrase, r.ContentType, "no suggestions list in the reply", r.Text, null);
        }
    }
}
