using System.Collections.Generic;
using System.Threading.Tasks;
using CbDefense.Search;

namespace CbDefense.Services
{
    /// <summary>A workflow change for alerts (v7 <c>alerts/workflow</c>): the new status and what goes with it.</summary>
    internal sealed class AlertWorkflowUpdate
    {
        /// <summary>OPEN, IN_PROGRESS or CLOSED.</summary>
        public string Status { get; set; } = "CLOSED";
        public string? ClosureReason { get; set; }
        public string? Determination { get; set; }
        public string? Note { get; set; }
    }

    /// <summary>
    /// Alerts and the threat workflow: the v7 alert search, get and workflow with its jobs on the current API; the v6
    /// alert search, get and threat workflow on the legacy generation. One implementation per generation.
    /// </summary>
    internal interface IAlertService
    {
        ApiGeneration Generation { get; }

        /// <summary>The most rows one search request returns.</summary>
        int MaximumPageSize { get; }

        /// <summary>A search that yields alerts page by page; past the 10,000-hit window it moves the time window on.</summary>
        PagedSearch<Alert> Search(AlertQuery query, long skip, long? first, int pageSize);

        Task<Alert> GetAsync(string id, CallContext ctx);

        /// <summary>Changes the workflow of the alerts with these ids (one request); the status follows the job.</summary>
        Task<WorkflowStatus> UpdateAlertsAsync(IReadOnlyList<string> ids, AlertWorkflowUpdate update, CallContext ctx);

        /// <summary>Dismisses (DISMISSED) or reopens (OPEN) the alerts of threats, past and future.</summary>
        Task<WorkflowStatus> UpdateThreatsAsync(IReadOnlyList<string> threatIds, string state, string? remediation, string? comment, CallContext ctx);

        /// <summary>The status of a workflow request by the id a change returned.</summary>
        Task<WorkflowStatus> GetWorkflowStatusAsync(string requestId, CallContext ctx);

        /// <summary>The status again (a compound request — the v7 job and the v6 threat request — is read in full).</summary>
        Task<WorkflowStatus> RefreshAsync(WorkflowStatus status, CallContext ctx);

        Task<IReadOnlyList<AlertSearchSuggestion>> GetSuggestionsAsync(string? query, CallContext ctx);
    }
}
