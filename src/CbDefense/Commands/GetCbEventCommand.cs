using System;
using System.Management.Automation;
using CbDefense.Search;

namespace CbDefense.Commands
{
    /// <summary>Searches events (streaming; the time range is split when a query matches more than one query returns), or gets events by id.</summary>
    [Cmdlet(VerbsCommon.Get, "CbEvent", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Event))]
    public sealed class GetCbEventCommand : PagedSearchCmdlet<Event>
    {
        private const string ListSet = "List";
        private const string IdSet = "Id";
        private const int ProgressId = 0x0CBE7;

        [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("EventId")]
        [ValidateNotNullOrEmpty]
        public string[]? Id { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string? HostName { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? HostNameExact { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [SupportsWildcards]
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
        [ValidateRange(1, CbDefense.Services.Legacy.LegacyEventSearch.MaxPageSize)]
        public int PageSize { get; set; } = CbDefense.Services.Legacy.LegacyEventSearch.DefaultPageSize;

        protected override void ProcessRecord()
        {
            if (ParameterSetName == IdSet) GetById();
            else List();
        }

        private void GetById()
        {
            var events = EventService(GetSession());
            foreach (string id in Id!)
            {
                if (TryRun(ctx => events.GetAsync(id, ctx), id, "EventNotFound", "GetEventFailed", out Event ev))
                    WriteObject(ev);
            }
        }

        private CbDefense.Services.Legacy.IEventService EventService(Session session)
        {
            var events = Services(session).Events;
            if (events == null)
            {
                string equivalent = ObservationEquivalent.ForEvent(MyInvocation.BoundParameters, out string? note);
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(
                    "The v3 event API was retired (January 2022) and the session " + session.Uri + " speaks the current API, which has " +
                    "observations instead: use Get-CbObservation, here: " + equivalent + (note != null ? " (" + note + ")" : "")),
                    "EventsRetired", ErrorCategory.NotImplemented, session));
            }
            return events!;
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
            foreach (var clause in Filter ?? Array.Empty<string>()) query.Filters.Add(clause);

            PagedSearch<Event> search;
            try
            {
                search = EventService(session).Search(query, PagingSkip, PagingFirst, PageSize);
            }
            catch (ArgumentException ex)
            {
                ThrowCbError(ex, ex.ParamName == nameof(EventQuery.StartTime) ? "InvertedTimeRange" : "InvalidFilter", query);
                return;
            }
            var progress = new PagedProgress<Event>(this, ProgressId, "Get-CbEvent", "Reading events from " + session.Uri, "events");
            WriteSearch(search, progress, "events", "GetEventsFailed", query);
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
