using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Search;

namespace CbDefense.Services.Legacy
{
    /// <summary>
    /// Alerts on the legacy generation: the v6 alert search and get (POST /appservices/v6/orgs/{org_key}/alerts/_search,
    /// GET .../alerts/{id}), mapped to the v7 shape; the v6 threat workflow and its status; v6 search suggestions. It has
    /// no workflow by alert id (the v6 alert workflow routes are retired): that is the current API's.
    /// </summary>
    internal sealed class LegacyAlertService : IAlertService
    {
        private readonly CbClient _client;

        public LegacyAlertService(CbClient client) { _client = client; }

        public ApiGeneration Generation => ApiGeneration.Legacy;
        public int MaximumPageSize => 10000;

        private string AlertsPath(string tail) => _client.OrgPath("/appservices/v6", "alerts" + tail, "alert searches");

        public PagedSearch<Alert> Search(AlertQuery query, long skip, long? first, int pageSize)
        {
            var q = query ?? new AlertQuery();
            var dialect = new AlertDialect
            {
                Path = AlertsPath("/_search"),
                TimeField = "create_time",
                TopLevelTimeRange = false,
                Criteria = V6Criteria,
                Read = Alert.ReadV6,
                Time = a => a.BackendTimestampUtc,
                SortField = f => V7ToV6Sort.TryGetValue(f, out var v6) ? v6 : f,
            };
            return new AlertSearch(_client, dialect, q, skip, first, pageSize);
        }

        private static readonly Dictionary<string, string> V7ToV6Sort = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["backend_timestamp"] = "create_time", ["backend_update_timestamp"] = "last_update_time",
            ["first_event_timestamp"] = "first_event_time", ["last_event_timestamp"] = "last_event_time",
            ["device_policy"] = "policy_name", ["device_policy_id"] = "policy_id",
        };

        /// <summary>The v6 criteria for the parameters; what v6 cannot express is refused, never dropped.</summary>
        private static Dictionary<string, object?> V6Criteria(AlertQuery q)
        {
            var c = AlertSearch.SharedCriteria(q, "policy_name");
            if (q.Status.Count > 0)
            {
                var states = new List<object?>();
                foreach (var s in q.Status.Select(x => x.ToUpperInvariant()))
                {
                    if (s == "IN_PROGRESS")
                        throw new ArgumentException("-Status IN_PROGRESS needs alerts v7 (the current API): the legacy v6 alerts have only OPEN and DISMISSED. " +
                                                    "Connect with -ApiGeneration Current, or give -Status OPEN or CLOSED. Nothing was sent.");
                    states.Add(s == "CLOSED" ? "DISMISSED" : s);
                }
                c["workflow"] = states;
            }
            if (q.Determination.Count > 0)
                throw new ArgumentException("-Determination needs alerts v7 (the current API); the legacy v6 search has no such criterion. " +
                                            "Connect with -ApiGeneration Current. Nothing was sent.");
            return c;
        }

        public async Task<Alert> GetAsync(string id, CallContext ctx)
        {
            if (string.IsNullOrWhiteSpace(id)) throw new ArgumentException("An alert id is required.", nameof(id));
            string path = AlertsPath("/" + Uri.EscapeDataString(id.Trim()));
            try
            {
                var d = await _client.SendForObjectAsync(CbRequest.Create(HttpMethod.Get, path), ctx).ConfigureAwait(false);
                return Alert.ReadV6(d, _client.Session);
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw NotFound.Wrap("Alert " + id, ex);
            }
        }

        public Task<WorkflowStatus> UpdateAlertsAsync(IReadOnlyList<string> ids, AlertWorkflowUpdate update, CallContext ctx) =>
            throw new InvalidOperationException("Changing alerts by id needs the alert workflow of the current API (alerts v7 with jobs); the legacy " +
                                                "generation's v6 alert workflow routes were retired. Connect with -ApiGeneration Current, or dismiss " +
                                                "every alert of a threat with Invoke-CbThreatDismiss -ThreatId. Nothing was sent.");

        public async Task<WorkflowStatus> UpdateThreatsAsync(IReadOnlyList<string> threatIds, string state, string? remediation, string? comment, CallContext ctx)
        {
            string requestId = await _client.UpdateThreatWorkflowAsync(threatIds, state, remediation, comment, ctx).ConfigureAwait(false);
            return await _client.GetWorkflowStatusAsync(requestId, ctx).ConfigureAwait(false);
        }

        public Task<WorkflowStatus> GetWorkflowStatusAsync(string requestId, CallContext ctx) => _client.GetWorkflowStatusAsync(requestId, ctx);

        public Task<WorkflowStatus> RefreshAsync(WorkflowStatus status, CallContext ctx) => _client.GetWorkflowStatusAsync(status.RequestId!, ctx);

        public Task<IReadOnlyList<AlertSearchSuggestion>> GetSuggestionsAsync(string? query, CallContext ctx) => _client.GetAlertSearchSuggestionsAsync(query, ctx);
    }
}
