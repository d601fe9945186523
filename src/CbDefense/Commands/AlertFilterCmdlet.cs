using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace CbDefense.Commands
{
    /// <summary>
    /// Base of Get-CbAlert and Watch-CbAlert: the alert filters both take, declared once, and the <see cref="AlertQuery"/>
    /// they make. The filters are in the List parameter set, Get-CbAlert's search (they do not go with -Id); Watch-CbAlert
    /// has no other parameter set, so there they go with all its parameters. The base is a PagedSearchCmdlet for
    /// Get-CbAlert, which writes a paged search; Watch-CbAlert does not support paging and never calls WriteSearch.
    /// </summary>
    public abstract class AlertFilterCmdlet : PagedSearchCmdlet<Alert>
    {
        /// <summary>The parameter set of the filters: Get-CbAlert's search.</summary>
        protected const string ListSet = "List";

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(AlertTypeCompleter))]
        public string[]? Type { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(1, 10)]
        public int? MinimumSeverity { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(1L, long.MaxValue)]
        public long[]? DeviceId { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? DeviceName { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? ThreatId { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("OPEN", "IN_PROGRESS", "CLOSED", IgnoreCase = true)]
        public string[]? Status { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("TRUE_POSITIVE", "FALSE_POSITIVE", "NONE", IgnoreCase = true)]
        public string[]? Determination { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? ProcessName { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? ProcessSha256 { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? PolicyName { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? Query { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNull]
        public Hashtable? Criteria { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNull]
        public Hashtable? Exclusions { get; set; }

        /// <summary>A query with the filters given (Get-CbAlert adds its time range and sort).</summary>
        internal AlertQuery NewAlertQuery()
        {
            var q = new AlertQuery { MinimumSeverity = MinimumSeverity, Query = Query };
            AddAll(q.Type, Type);
            AddAll(q.DeviceId, DeviceId);
            AddAll(q.DeviceName, DeviceName);
            AddAll(q.ThreatId, ThreatId);
            AddAll(q.Status, Status);
            AddAll(q.Determination, Determination);
            AddAll(q.ProcessName, ProcessName);
            AddAll(q.ProcessSha256, ProcessSha256);
            AddAll(q.PolicyName, PolicyName);
            PSObjectConverter.CopyCriteria(Criteria, q.Criteria);
            PSObjectConverter.CopyCriteria(Exclusions, q.Exclusions);
            return q;
        }

        /// <summary>Adds the values of an array parameter (none when it was not given).</summary>
        internal static void AddAll<T>(IList<T> into, T[]? from)
        {
            if (from == null) return;
            foreach (var v in from) into.Add(v);
        }
    }
}
