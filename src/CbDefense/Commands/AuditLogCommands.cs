using System;
using System.Collections;
using System.Management.Automation;
using CbDefense.Search;
using CbDefense.Services;
using CbDefense.Services.Current;

namespace CbDefense.Commands
{
    /// <summary>
    /// Reads the org's audit log: without search parameters the read-once queue (v3 auditlogs, audit log v1 _queue: what
    /// is read is gone from the queue); with -StartTime, -EndTime, -Query, -Actor, -ActorIp, -Flagged or -Criteria the
    /// audit log v1 search (current API), streamed page by page with SupportsPaging.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CbAuditLog", DefaultParameterSetName = QueueSet, SupportsPaging = true)]
    [OutputType(typeof(AuditLog))]
    public sealed class GetCbAuditLogCommand : PagedSearchCmdlet<AuditLog>
    {
        private const string QueueSet = "Queue";
        private const string SearchSet = "Search";
        private const int ProgressId = 0x0CBA1;

        [Parameter(ParameterSetName = SearchSet)]
        public DateTime? StartTime { get; set; }

        [Parameter(ParameterSetName = SearchSet)]
        public DateTime? EndTime { get; set; }

        [Parameter(ParameterSetName = SearchSet, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Query { get; set; }

        [Parameter(ParameterSetName = SearchSet)]
        [ValidateNotNullOrEmpty]
        public string[]? Actor { get; set; }

        [Parameter(ParameterSetName = SearchSet)]
        [ValidateNotNullOrEmpty]
        public string[]? ActorIp { get; set; }

        [Parameter(ParameterSetName = SearchSet)]
        public SwitchParameter Flagged { get; set; }

        [Parameter(ParameterSetName = SearchSet)]
        [ValidateNotNull]
        public Hashtable? Criteria { get; set; }

        [Parameter(ParameterSetName = SearchSet)]
        [ValidateRange(1, CurrentAuditLogSearch.MaxPageSize)]
        public int PageSize { get; set; } = CurrentAuditLogSearch.DefaultPageSize;

        protected override void ProcessRecord()
        {
            var session = GetSession();
            var logs = Services(session).AuditLogs;
            if (ParameterSetName == QueueSet) ReadQueue(session, logs);
            else SearchLog(session, logs);
        }

        private void ReadQueue(Session session, IAuditLogService logs)
        {
            if (PagingRequested)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(
                    "-First, -Skip and -IncludeTotalCount page an audit log search, and without search parameters Get-CbAuditLog reads the queue, " +
                    "which hands each record out once: records left unwritten would be lost. Search instead (current API), e.g. " +
                    "Get-CbAuditLog -StartTime (Get-Date).AddDays(-1) -First 10, or keep what the queue gives (Get-CbAuditLog | Export-Csv)."),
                    "QueuePagingNotSupported", ErrorCategory.InvalidArgument, session));
            long total = 0;
            int reads = 0;
            while (true)
            {
                AuditLogQueueRead read;
                try
                {
                    read = Run(ctx => logs.ReadQueueAsync(ctx));
                }
                catch (Exception ex) when (IsReportable(ex))
                {
                    ThrowCbError(ex, "GetAuditLogFailed", session);
                    return;
                }
                reads++;
                total += read.Records.Count;
                // The server no longer has these: write every one (a pipeline that stops takes the rest with it).
                foreach (var r in read.Records) WriteObject(r);
                if (!read.MoreQueued) break;
                WriteVerbose($"The queue holds more ({read.Pending:N0} were queued before this read of {read.Records.Count:N0}): reading again.");
            }
            WriteVerbose($"Read {total:N0} audit log record(s) from the queue in {reads} read(s); the server hands them out once (per API key).");
        }

        private void SearchLog(Session session, IAuditLogService logs)
        {
            var q = new AuditLogQuery
            {
                StartTime = StartTime, EndTime = EndTime, Query = Query,
                Flagged = MyInvocation.BoundParameters.ContainsKey(nameof(Flagged)) ? Flagged.IsPresent : (bool?)null,
            };
            foreach (var a in Actor ?? Array.Empty<string>()) q.Actor.Add(a);
            foreach (var a in ActorIp ?? Array.Empty<string>()) q.ActorIp.Add(a);
            PSObjectConverter.CopyCriteria(Criteria, q.Criteria);
            PagedSearch<AuditLog> search;
            try
            {
                search = logs.Search(q, PagingSkip, PagingFirst, PageSize);
            }
            catch (InvalidOperationException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "AuditLogSearchNeedsCurrentApi", ErrorCategory.NotImplemented, session));
                return;
            }
            catch (ArgumentException ex)
            {
                ThrowCbError(ex, ex.ParamName == nameof(AuditLogQuery.StartTime) ? "InvertedTimeRange" : "InvalidFilter", q);
                return;
            }
            var progress = new PagedProgress<AuditLog>(this, ProgressId, "Get-CbAuditLog", "Searching the audit log of " + session.Uri, "records");
            WriteSearch(search, progress, "records", "GetAuditLogsFailed", q);
        }
    }
}
