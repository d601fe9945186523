using System;
using System.Management.Automation;

namespace CbDefense.Commands
{
    /// <summary>Searches events (streaming; the time range is split when a query matches more than one query returns), or gets events by id.</summary>
    [Cmdlet(VerbsCommon.Get, "CbEvent", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Event))]
    public sealed class GetCbEventCommand : CbSessionCmdlet
    {
        private const string ListSet = "List";
        private const string IdSet = "Id";
        private const int ProgressId = 0x0CBE7;

        [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("EventId")]
        [ValidateNotNullOrEmpty]
        public string[]? Id { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? HostName { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? HostNameExact { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? OwnerName { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? OwnerNameExact { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? IpAddress { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        [Alias("Sha256")]
        public string? Sha256Hash { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? ApplicationName { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EventTypeCompleter))]
        public string? EventType { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("1h", "3h", "1d", "1w", "2w")]
        public string? SearchWindow { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        public DateTime? StartTime { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        public DateTime? EndTime { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? Filter { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(1, EventPager.MaxPageSize)]
        public int PageSize { get; set; } = EventPager.DefaultPageSize;

        protected override void ProcessRecord()
        {
            if (ParameterSetName == IdSet) GetById();
            else List();
        }

        private void GetById()
        {
            var session = GetSession();
            foreach (string id in Id!)
            {
                if (TryRun(ctx => session.GetClient().GetEventAsync(id, ctx), id, "EventNotFound", "GetEventFailed", out Event ev))
                    WriteObject(ev);
            }
        }

        private void List()
        {
            var session = GetSession();
            var query = new EventQuery
            {
                HostName = HostName, HostNameExact = HostNameExact, OwnerName = OwnerName, OwnerNameExact = OwnerNameExact,
                IpAddress = IpAddress, Sha256Hash = Sha256Hash, ApplicationName = ApplicationName, EventType = EventType,
                SearchWindow = SearchWindow, StartTime = StartTime, EndTime = EndTime,
            };
            foreach (var clause in Filter ?? new string[0]) query.Filters.Add(clause);

            ulong skip = PagingParameters.Skip;
            ulong first = PagingParameters.First;
            EventPager pager;
            try
            {
                pager = session.GetClient().CreateEventPager(query, (long)Math.Min(skip, long.MaxValue),
                    first == ulong.MaxValue ? (long?)null : (long)Math.Min(first, long.MaxValue), PageSize);
            }
            catch (ArgumentException ex)
            {
                ThrowCbError(ex, "InvalidFilter", Filter);
                return;
            }

            bool firstPage = true;
            long expected = 0;
            var progress = new ProgressRecord(ProgressId, "Get-CbEvent", "Reading events from " + session.Uri);
            bool progressShown = false;
            while (true)
            {
                EventPage? page;
                try
                {
                    page = Run(ctx => pager.NextPageAsync(ctx));
                }
                catch (Exception ex) when (IsReportable(ex))
                {
                    if (progressShown) CompleteProgress(progress);
                    ThrowCbError(ex, "GetEventsFailed", query);
                    return;
                }
                if (page == null) break;
                if (firstPage && pager.TotalResults.HasValue)
                {
                    firstPage = false;
                    long total = pager.TotalResults.Value;
                    if (PagingParameters.IncludeTotalCount)
                        WriteObject(PagingParameters.NewTotalCount((ulong)Math.Max(0, total), 1.0));
                    long available = Math.Max(0, total - (long)Math.Min(skip, long.MaxValue));
                    expected = first != ulong.MaxValue ? Math.Min(available, (long)Math.Min(first, long.MaxValue)) : available;
                }
                foreach (var ev in page.Events) WriteObject(ev);

                long read = pager.Returned;
                if (progressShown || (!pager.IsComplete && expected > read))
                {
                    progressShown = true;
                    progress.PercentComplete = expected > 0 ? (int)Math.Min(100, read * 100 / expected) : 0;
                    progress.StatusDescription = $"{read:N0} of {expected:N0} events" + (pager.SplitCount > 0 ? $" (time range split {pager.SplitCount:N0} times)" : "");
                    WriteProgress(progress);
                }
            }
            if (progressShown) CompleteProgress(progress);
        }

        private void CompleteProgress(ProgressRecord progress)
        {
            progress.RecordType = ProgressRecordType.Completed;
            progress.PercentComplete = 100;
            WriteProgress(progress);
        }
    }

    /// <summary>Completes -EventType with the documented event types.</summary>
    public sealed class EventTypeCompleter : IArgumentCompleter
    {
        private static readonly string[] Types =
            { "NETWORK", "FILE_CREATE", "REGISTRY_ACCESS", "SYSTEM_API_CALL", "CREATE_PROCESS", "DATA_ACCESS", "INJECT_CODE", "POLICY_ACTION" };

        public System.Collections.Generic.IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
        {
            string w = (wordToComplete ?? "").Trim('\'', '"');
            foreach (var t in Types)
                if (t.StartsWith(w, StringComparison.OrdinalIgnoreCase))
                    yield return new CompletionResult(t, t, CompletionResultType.ParameterValue, t);
        }
    }
}
