using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using CbDefense.Search;
using CbDefense.Services;

namespace CbDefense.Commands
{
    /// <summary>Searches alerts (v7 on the current API, v6 on the legacy generation) page by page, or gets alerts by id.</summary>
    [Cmdlet(VerbsCommon.Get, "CbAlert", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Alert))]
    public sealed class GetCbAlertCommand : AlertFilterCmdlet
    {
        private const string IdSet = "Id";
        private const int ProgressId = 0x0CBA1;
        private OrderedCalls<string, Alert>? _byId;

        [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[]? Id { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        public DateTime? StartTime { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        public DateTime? EndTime { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? Range { get; set; }

        // -Type, -MinimumSeverity, ... -Exclusions: AlertFilterCmdlet (shared with Watch-CbAlert).

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? Sort { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(1, 10000)]
        public int PageSize { get; set; } = 1000;

        protected override void ProcessRecord()
        {
            var session = GetSession();
            var alerts = Services(session).Alerts;
            if (ParameterSetName == IdSet)
            {
                _byId ??= new OrderedCalls<string, Alert>(this, GetCbDeviceCommand.IdConcurrency, (id, ctx) => alerts.GetAsync(id, ctx));
                foreach (var id in Id!) _byId.Add(id);
                _byId.WriteReady(false, (_, a) => WriteObject(a), WriteIdError);
                return;
            }
            var query = NewAlertQuery();
            query.StartTime = StartTime;
            query.EndTime = EndTime;
            query.Range = Range;
            AddAll(query.Sort, Sort);
            PagedSearch<Alert> search;
            try
            {
                search = alerts.Search(query, PagingSkip, PagingFirst, PageSize);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is InvalidOperationException)
            {
                ThrowCbError(ex, "InvalidAlertSearch", query);
                return;
            }
            var progress = new PagedProgress<Alert>(this, ProgressId, "Get-CbAlert", "Reading alerts from " + session.Uri, "alerts");
            WriteSearch(search, progress, "alerts", "GetAlertsFailed", query);
        }

        protected override void EndProcessing() => _byId?.WriteReady(true, (_, a) => WriteObject(a), WriteIdError);

        private void WriteIdError(string id, Exception ex) => WriteCbError(ex, ex is CbObjectNotFoundException ? "AlertNotFound" : "GetAlertFailed", id);
    }

    /// <summary>Changes the workflow of alerts (v7 alerts/workflow, by id criteria, in batches), optionally waiting for the jobs.</summary>
    [Cmdlet(VerbsCommon.Set, "CbAlert", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = IdSet)]
    [OutputType(typeof(WorkflowStatus))]
    public sealed class SetCbAlertCommand : CbWorkflowCmdlet
    {
        private const string IdSet = "Id";
        private const string InputSet = "InputObject";
        private readonly List<(Session Session, List<string> Ids)> _pending = new List<(Session, List<string>)>();

        [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[]? Id { get; set; }

        [Parameter(ParameterSetName = InputSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public Alert[]? InputObject { get; set; }

        [Parameter(Mandatory = true)]
        [ValidateSet("OPEN", "IN_PROGRESS", "CLOSED", IgnoreCase = true)]
        public string? Status { get; set; }

        [Parameter]
        [ValidateSet("NO_REASON", "RESOLVED", "RESOLVED_BENIGN_KNOWN_GOOD", "DUPLICATE_CLEANUP", "OTHER", IgnoreCase = true)]
        public string? ClosureReason { get; set; }

        [Parameter]
        [ValidateSet("TRUE_POSITIVE", "FALSE_POSITIVE", "NONE", IgnoreCase = true)]
        public string? Determination { get; set; }

        [Parameter]
        [AllowEmptyString]
        public string? Note { get; set; }

        [Parameter]
        [ValidateRange(1, 10000)]
        public int BatchSize { get; set; } = 1000;

        protected override void ProcessRecord()
        {
            if (InputObject != null)
            {
                foreach (var a in InputObject)
                {
                    if (string.IsNullOrEmpty(a.Id)) { WriteError(new ErrorRecord(new ArgumentException("An alert without an id."), "AlertWithoutId", ErrorCategory.InvalidArgument, a)); continue; }
                    Queue(a.Session != null && Session == null ? SessionRegistry.Successor(a.Session) : GetSession(), a.Id!);
                }
                return;
            }
            var session = GetSession();
            foreach (var id in Id!) Queue(session, id);
        }

        private void Queue(Session session, string id)
        {
            int i = _pending.FindIndex(p => ReferenceEquals(p.Session, session));
            if (i < 0) { _pending.Add((session, new List<string>())); i = _pending.Count - 1; }
            var ids = _pending[i].Ids;
            if (!ids.Contains(id, StringComparer.Ordinal)) ids.Add(id);
            if (ids.Count >= BatchSize) { Send(session, ids.ToList()); ids.Clear(); }
        }

        protected override void EndProcessing()
        {
            foreach (var (session, ids) in _pending)
                if (ids.Count > 0) Send(session, ids.ToList());
        }

        private void Send(Session session, List<string> ids)
        {
            string target = ids.Count == 1 ? "alert " + ids[0] : ids.Count.ToString("N0", CultureInfo.InvariantCulture) + " alerts (" + string.Join(", ", ids.Take(3)) + (ids.Count > 3 ? ", ..." : "") + ")";
            string action = "Set the workflow status to " + Status!.ToUpperInvariant() + (ClosureReason != null ? " (" + ClosureReason.ToUpperInvariant() + ")" : "");
            if (!ShouldProcess(target, action)) return;
            var update = new AlertWorkflowUpdate
            {
                Status = Status!.ToUpperInvariant(), ClosureReason = ClosureReason?.ToUpperInvariant(), Determination = Determination?.ToUpperInvariant(), Note = Note,
            };
            WorkflowStatus status;
            try
            {
                var alerts = Services(session).Alerts;
                status = Run(ctx => alerts.UpdateAlertsAsync(ids, update, ctx));
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                foreach (var id in ids) WriteCbError(ex, "SetAlertFailed", id);
                return;
            }
            WaitAndWrite(session, status, "Set-CbAlert");
        }
    }
}

namespace CbDefense.Commands
{
    /// <summary>
    /// Writes every new alert once, as it becomes searchable (the successor of the notification queue), until Ctrl+C,
    /// -Count or -Until; with -StatePath a watch started again goes on where the last one stopped.
    /// </summary>
    [Cmdlet(VerbsCommon.Watch, "CbAlert")]
    [OutputType(typeof(Alert))]
    public sealed class WatchCbAlertCommand : AlertFilterCmdlet
    {
        private long _written;

        [Parameter]
        public DateTime? StartTime { get; set; }

        [Parameter]
        [ValidateRange(0, 86400)]
        public int LagSec { get; set; } = 60;

        // -Type, -MinimumSeverity, ... -Exclusions: AlertFilterCmdlet (shared with Get-CbAlert).

        // The watch parameters of CbWatchCmdlet (Watch-CbNotification), declared here because this cmdlet's base holds
        // the alert filters; tests/Pester/AlertFilters.Tests.ps1 checks that the two watchers take them alike.

        [Parameter]
        [ValidateRange(1, 86400)]
        public int IntervalSec { get; set; } = 60;

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? StatePath { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; }

        [Parameter]
        public DateTime Until { get; set; }

        private bool HasCount => MyInvocation.BoundParameters.ContainsKey(nameof(Count));
        private DateTime? UntilUtc => MyInvocation.BoundParameters.ContainsKey(nameof(Until)) ? CbWatchCmdlet.ToUtc(Until) : (DateTime?)null;

        private sealed class CountReached : Exception { }

        protected override void EndProcessing()
        {
            var session = GetSession();
            var alerts = Services(session).Alerts;
            var filters = NewAlertQuery();
            string? path = StatePath != null ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(StatePath) : null;
            AlertWatcher watcher;
            try
            {
                watcher = new AlertWatcher(alerts, filters, path, StartTime?.ToUniversalTime(), TimeSpan.FromSeconds(LagSec), TimeSpan.FromSeconds(IntervalSec));
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException || ex is ArgumentException)
            {
                ThrowTerminatingError(new ErrorRecord(ex, ex is System.IO.InvalidDataException ? "InvalidStateFile" : ex is ArgumentException ? "InvalidArgument" : "StateFileUnavailable",
                    ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.ResourceUnavailable, StatePath));
                return;
            }
            using (watcher)
            {
                if (watcher.FilterWarning != null) WriteWarning(watcher.FilterWarning);
                WriteVerbose((watcher.Resumed ? "Going on from the state file's watermark " : "Watching alerts from ") +
                             watcher.WatermarkUtc.ToString("o", CultureInfo.InvariantCulture) + ", " + LagSec + " s behind now (alerts are indexed late).");
                while (true)
                {
                    if (UntilUtc is DateTime until && DateTime.UtcNow >= until) return;
                    int n;
                    try
                    {
                        n = RunStreaming<Alert, int>((ctx, sink) => watcher.PollAsync(sink, ctx), a =>
                        {
                            WriteObject(a);
                            watcher.Delivered(a);
                            _written++;
                            if (HasCount && _written >= Count) throw new CountReached();
                        });
                    }
                    catch (CountReached)
                    {
                        return;
                    }
                    catch (Exception ex) when (AlertWatcher.IsTransient(ex))
                    {
                        var backoff = watcher.NextBackoff();
                        WriteWarning($"Reading the alerts failed ({watcher.ConsecutiveFailures} in a row): {ex.Message} " +
                                     $"Trying again in {backoff.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s; the watch goes on.");
                        if (!SleepUntil(backoff, UntilUtc)) return;
                        continue;
                    }
                    catch (Exception ex) when (IsReportable(ex))
                    {
                        ThrowCbError(ex, "WatchAlertFailed", session);
                        return;
                    }
                    if (n > 0) WriteVerbose($"{n} new alert(s) up to {watcher.WatermarkUtc.ToString("o", CultureInfo.InvariantCulture)}.");
                    if (!SleepUntil(TimeSpan.FromSeconds(IntervalSec), UntilUtc)) return;
                }
            }
        }
    }
}
