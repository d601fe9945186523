using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;

namespace CbDefense.Commands
{
    /// <summary>Shared by the cmdlets that report (and wait for) a v6 workflow request.</summary>
    public abstract class CbWorkflowCmdlet : CbSessionCmdlet
    {
        private const int ProgressId = 0x0CBF1;

        /// <summary>Waits for the request to finish.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>How long -Wait waits, in seconds.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 300;

        /// <summary>
        /// Polls the request until FINISHED or -TimeoutSec (first after 0.5 s, then 1.5 times longer each time, at most
        /// 5 s), with a progress bar and a verbose line per status change. On timeout the latest status is written
        /// and followed by a non-terminating error.
        /// </summary>
        protected void WaitAndWrite(Session session, WorkflowStatus status, string activity)
        {
            if (!Wait || status.IsFinished)
            {
                WriteObject(status);
                ReportFailure(status);
                return;
            }
            var progress = new ProgressRecord(ProgressId, activity, "Waiting for workflow request " + status.RequestId +
                                              " (Get-CbWorkflowStatus -RequestId " + status.RequestId + " follows it later)");
            try
            {
                WaitLoop(session, status, progress);
            }
            catch (PipelineStoppedException)
            {
                // Ctrl+C: the request goes on on the server. The pipeline's streams are closed now, so tell the host directly.
                try
                {
                    Host?.UI?.WriteWarningLine("Stopped waiting for workflow request " + status.RequestId + "; the server goes on with it. " +
                                               "Follow it with: Get-CbWorkflowStatus -RequestId " + status.RequestId + " -Wait");
                }
                catch (Exception) { /* a host without a UI */ }
                throw;
            }
        }

        private void WaitLoop(Session session, WorkflowStatus status, ProgressRecord progress)
        {
            var clock = Stopwatch.StartNew();
            var timeout = TimeSpan.FromSeconds(TimeoutSec);
            double delayMs = 500;
            string? lastStatus = status.Status;
            WriteVerbose($"Workflow request {status.RequestId}: {status.Status}");
            while (!status.IsFinished)
            {
                var left = timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero) break;
                progress.StatusDescription = $"{status.Status} ({clock.Elapsed.TotalSeconds:N0} s of at most {TimeoutSec} s)";
                progress.PercentComplete = status.Status == WorkflowStatus.InProgress ? 50 : 10;
                WriteProgress(progress);
                int ms = (int)Math.Min(delayMs, Math.Max(1, left.TotalMilliseconds));
                Run(ctx => Task.Delay(ms, ctx.CancellationToken));
                delayMs = Math.Min(5000, delayMs * 1.5);
                string id = status.RequestId!;
                var current = status;
                try
                {
                    var alerts = Services(session).Alerts;
                    status = Run(ctx => alerts.RefreshAsync(current, ctx));
                }
                catch (Exception ex) when (IsReportable(ex))
                {
                    Complete(progress);
                    WriteCbError(ex, "GetWorkflowStatusFailed", id);
                    return;
                }
                if (!string.Equals(status.Status, lastStatus, StringComparison.Ordinal))
                {
                    WriteVerbose($"Workflow request {status.RequestId}: {status.Status}");
                    lastStatus = status.Status;
                }
            }
            Complete(progress);
            WriteObject(status);
            ReportFailure(status);
            if (!status.IsFinished)
            {
                WriteError(new ErrorRecord(
                    new TimeoutException($"The workflow request {status.RequestId} is still {status.Status} after {TimeoutSec} s; check it later with Get-CbWorkflowStatus -RequestId {status.RequestId}."),
                    "WorkflowWaitTimeout", ErrorCategory.OperationTimeout, status.RequestId));
            }
        }

        /// <summary>A job the server reports FAILED: an error with its message after the status.</summary>
        private void ReportFailure(WorkflowStatus status)
        {
            if (!status.Failed) return;
            string why = status.Errors != null && status.Errors.Count > 0 ? string.Join("; ", status.Errors.Select(e => e?.ToString())) : "no reason given";
            WriteError(new ErrorRecord(new InvalidOperationException("The workflow job " + status.RequestId + " failed on the server: " + why + "."),
                                       "WorkflowJobFailed", ErrorCategory.InvalidResult, status.RequestId));
        }

        private void Complete(ProgressRecord progress)
        {
            progress.RecordType = ProgressRecordType.Completed;
            progress.PercentComplete = 100;
            WriteProgress(progress);
        }
    }

    /// <summary>Base of Invoke-CbThreatDismiss and Invoke-CbThreatUpdate: collects the threat ids and sends one request per session.</summary>
    public abstract class ThreatWorkflowCommand : CbWorkflowCmdlet
    {
        private readonly List<(Session Session, List<string> Ids)> _batches = new List<(Session, List<string>)>();

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("threat_id", "Threat")]
        [ValidateNotNullOrEmpty]
        public string[]? ThreatId { get; set; }

        [Parameter]
        [Alias("RemediationState")]
        [AllowEmptyString]
        public string? Remediation { get; set; }

        [Parameter]
        [AllowEmptyString]
        public string? Comment { get; set; }

        protected abstract string State { get; }
        protected abstract string ActionText { get; }
        protected abstract string ErrorPrefix { get; }

        protected override void ProcessRecord()
        {
            var session = GetSession();
            int i = _batches.FindIndex(b => ReferenceEquals(b.Session, session));
            if (i < 0) { _batches.Add((session, new List<string>())); i = _batches.Count - 1; }
            foreach (var id in ThreatId!)
            {
                if (string.IsNullOrWhiteSpace(id))
                {
                    WriteError(new ErrorRecord(new ArgumentException("A threat id must not be empty."), ErrorPrefix + "InvalidThreatId", ErrorCategory.InvalidArgument, id));
                    continue;
                }
                if (!_batches[i].Ids.Contains(id, StringComparer.Ordinal)) _batches[i].Ids.Add(id);
            }
        }

        protected override void EndProcessing()
        {
            foreach (var (session, ids) in _batches)
            {
                if (ids.Count == 0) continue;
                string target = ids.Count == 1 ? "threat " + ids[0] : ids.Count + " threats (" + string.Join(", ", ids.Take(5)) + (ids.Count > 5 ? ", ..." : "") + ")";
                if (!ShouldProcess(target, ActionText)) continue;
                WorkflowStatus status;
                try
                {
                    var alerts = Services(session).Alerts;
                    status = Run(ctx => alerts.UpdateThreatsAsync(ids, State, Remediation, Comment, ctx));
                }
                catch (Exception ex) when (IsReportable(ex))
                {
                    WriteCbError(ex, ErrorPrefix + "Failed", ids.ToArray());
                    continue;
                }
                WaitAndWrite(session, status, ActionText);
            }
        }
    }

    /// <summary>Dismisses every past and future alert of the threats (cbapi bulk_threat_dismiss).</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "CbThreatDismiss", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(WorkflowStatus))]
    public sealed class InvokeCbThreatDismissCommand : ThreatWorkflowCommand
    {
        protected override string State => "DISMISSED";
        protected override string ActionText => "Dismiss the alerts (past and future)";
        protected override string ErrorPrefix => "ThreatDismiss";
    }

    /// <summary>Updates the workflow of the threats and leaves their alerts OPEN (cbapi bulk_threat_update).</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "CbThreatUpdate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(WorkflowStatus))]
    public sealed class InvokeCbThreatUpdateCommand : ThreatWorkflowCommand
    {
        protected override string State => "OPEN";
        protected override string ActionText => "Update the workflow and leave the alerts OPEN";
        protected override string ErrorPrefix => "ThreatUpdate";
    }

    /// <summary>Gets the status of a workflow request, optionally waiting for it to finish.</summary>
    [Cmdlet(VerbsCommon.Get, "CbWorkflowStatus")]
    [OutputType(typeof(WorkflowStatus))]
    public sealed class GetCbWorkflowStatusCommand : CbWorkflowCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("request_id")]
        [ValidateNotNullOrEmpty]
        public string[]? RequestId { get; set; }

        protected override void ProcessRecord()
        {
            var session = GetSession();
            foreach (var id in RequestId!)
            {
                WorkflowStatus status;
                try
                {
                    var alerts = Services(session).Alerts;
                    status = Run(ctx => alerts.GetWorkflowStatusAsync(id, ctx));
                }
                catch (CbObjectNotFoundException ex)
                {
                    WriteCbError(ex, "WorkflowRequestNotFound", id);
                    continue;
                }
                catch (Exception ex) when (IsReportable(ex))
                {
                    WriteCbError(ex, "GetWorkflowStatusFailed", id);
                    continue;
                }
                WaitAndWrite(session, status, "Get-CbWorkflowStatus");
            }
        }
    }

    /// <summary>Gets the alert search suggestions for a partial query (cbapi alert_search_suggestions).</summary>
    [Cmdlet(VerbsCommon.Get, "CbAlertSearchSuggestion")]
    [OutputType(typeof(AlertSearchSuggestion))]
    public sealed class GetCbAlertSearchSuggestionCommand : CbSessionCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true)]
        [AllowEmptyString]
        public string Query { get; set; } = "";

        protected override void ProcessRecord()
        {
            var session = GetSession();
            IReadOnlyList<AlertSearchSuggestion> list;
            try
            {
                var alerts = Services(session).Alerts;
                list = Run(ctx => alerts.GetSuggestionsAsync(Query, ctx));
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                WriteCbError(ex, "GetAlertSearchSuggestionFailed", Query);
                return;
            }
            foreach (var s in list) WriteObject(s);
        }
    }
}
