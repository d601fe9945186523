using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using CbDefense.Search;
using CbDefense.Services;
using CbDefense.Services.Current;

namespace CbDefense.Commands
{
    /// <summary>
    /// Reads the org's audit log: without search parameters the read-once queue (v3 auditlogs, audit log v1 _queue: what
    /// is read is gone from the queue), read until it is drained or -First records were read, every record read written;
    /// with -StartTime, -EndTime, -Query, -Actor, -ActorIp, -Flagged or -Criteria the
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
            if (PagingSkip > 0 || PagingParameters.IncludeTotalCount)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(
                    "-Skip and -IncludeTotalCount page an audit log search, and without search parameters Get-CbAuditLog reads the queue, " +
                    "which hands each record out once: skipped records would be lost, and the queue has no total to count. Search instead " +
                    "(current API), e.g. Get-CbAuditLog -StartTime (Get-Date).AddDays(-1) -Skip 10, or keep what the queue gives " +
                    "(Get-CbAuditLog | Export-Csv). -First is allowed on the queue: it stops reading once that many records were read."),
                    "QueuePagingNotSupported", ErrorCategory.InvalidArgument, session));
            var reader = new AuditLogQueueReader(logs, PagingFirst);
            // One read at a time, each written before the next is made: what a read returns is gone from the server.
            while (!reader.IsComplete)
            {
                IReadOnlyList<AuditLog> records;
                try
                {
                    records = Run(ctx => reader.ReadAsync(ctx));
                }
                catch (Exception ex) when (IsReportable(ex))
                {
                    if (reader.Total > 0)
                        WriteWarning($"The audit log queue failed after {reader.Total:N0} record(s) in {reader.Reads} read(s), which were written; the records still queued stay there for the next Get-CbAuditLog.");
                    ThrowCbError(ex, "GetAuditLogFailed", session);
                    return;
                }
                // The server no longer has these: write every one (a pipeline that stops takes the rest with it).
                foreach (var r in records) WriteObject(r);
                if (reader.IsComplete) break;
                WriteVerbose(reader.Left is long left
                    ? $"The queue holds {left:N0} more (the server said {reader.LastRead!.Pending:N0} were queued before this read of {records.Count:N0}): reading again."
                    : $"The reply was full ({records.Count:N0} records; a reply holds at most {AuditLogReply.FullReply:N0}), so more may be queued: reading again until a reply is short or empty.");
            }
            if (reader.StoppedAtLimit || reader.OverLimit > 0)
                WriteWarning(FirstWarning(reader));
            WriteVerbose($"Read {reader.Total:N0} audit log record(s) from the queue in {reader.Reads} read(s); the server hands them out once (per API key).");
        }

        /// <summary>What -First did on the read-once queue: records written past it (never dropped), and what may be left.</summary>
        private static string FirstWarning(AuditLogQueueReader reader)
        {
            string text = "";
            if (reader.OverLimit > 0)
                text = $"-First {reader.Limit:N0}: wrote all {reader.Total:N0} records the queue handed out ({reader.OverLimit:N0} more than -First), " +
                       "because the server hands records out a reply at a time and no longer has those it handed out; none was dropped. ";
            if (reader.StoppedAtLimit)
                text += $"Stopped reading the queue at -First {reader.Limit:N0}; it " +
                        (reader.Left is long left ? $"still holds {left:N0} record(s)" : "may hold more (the last reply was full)") +
                        ": run Get-CbAuditLog again to read them.";
            return text.TrimEnd();
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
