using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using CbDefense.Services;
using CbDefense.Services.Current;

namespace CbDefense.Commands
{
    /// <summary>
    /// Searches observations (the current API's successor of the v3 events): starts a search job, waits for it with
    /// progress, and writes its observations page by page; past what one job returns, the time range is split so every
    /// observation comes once. Devices piped in are searched together (one search per session).
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CbObservation", SupportsPaging = true)]
    [OutputType(typeof(Observation))]
    public sealed class GetCbObservationCommand : PagedSearchCmdlet<Observation>
    {
        private const int ProgressId = 0x0CB0B;
        private readonly List<(Session Session, List<long> Ids)> _piped = new List<(Session, List<long>)>();

        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? DeviceName { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1L, long.MaxValue)]
        public long[]? DeviceId { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[]? ProcessName { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [Alias("Sha256")]
        public string[]? ProcessSha256 { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(ObservationEventTypeCompleter))]
        public string[]? EventType { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? AlertId { get; set; }

        [Parameter]
        public DateTime? StartTime { get; set; }

        [Parameter]
        public DateTime? EndTime { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Query { get; set; }

        [Parameter]
        [ValidateNotNull]
        public Hashtable? Criteria { get; set; }

        [Parameter]
        [ValidateNotNull]
        public Hashtable? Exclusions { get; set; }

        [Parameter]
        [ValidateRange(1, CurrentObservationSearch.MaxPageSize)]
        public int PageSize { get; set; } = CurrentObservationSearch.DefaultPageSize;

        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 300;

        protected override void ProcessRecord()
        {
            var session = GetSession();
            if (!MyInvocation.ExpectingInput)
            {
                Search(session, DeviceId ?? Array.Empty<long>());
                return;
            }
            // Piped devices: one search per session for all of them, once the input has ended.
            int i = _piped.FindIndex(p => ReferenceEquals(p.Session, session));
            if (i < 0) _piped.Add((session, new List<long>()));
            var ids = _piped[i < 0 ? _piped.Count - 1 : i].Ids;
            foreach (long id in DeviceId ?? Array.Empty<long>()) if (!ids.Contains(id)) ids.Add(id);
        }

        protected override void EndProcessing()
        {
            foreach (var (session, ids) in _piped) Search(session, ids);
        }

        private ObservationQuery BuildQuery(IEnumerable<long> deviceIds)
        {
            var q = new ObservationQuery { StartTime = StartTime, EndTime = EndTime, Query = Query };
            foreach (var v in DeviceName ?? Array.Empty<string>()) q.DeviceName.Add(v);
            foreach (var v in deviceIds) q.DeviceId.Add(v);
            foreach (var v in ProcessName ?? Array.Empty<string>()) q.ProcessName.Add(v);
            foreach (var v in ProcessSha256 ?? Array.Empty<string>()) q.ProcessSha256.Add(v);
            foreach (var v in EventType ?? Array.Empty<string>()) q.EventType.Add(v);
            foreach (var v in AlertId ?? Array.Empty<string>()) q.AlertId.Add(v);
            PSObjectConverter.CopyCriteria(Criteria, q.Criteria);
            PSObjectConverter.CopyCriteria(Exclusions, q.Exclusions);
            return q;
        }

        private void Search(Session session, IEnumerable<long> deviceIds)
        {
            var services = Services(session);
            if (services.Observations == null)
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(
                    "The session " + session.Uri + " speaks the legacy v3 API, which has no observations (they replaced the v3 events in the current " +
                    "API): search the events with Get-CbEvent instead (e.g. Get-CbEvent -HostName <name> -SearchWindow 1d), or connect with " +
                    "-ApiGeneration Current, a Custom key and -OrgKey to search observations."), "ObservationsNeedCurrentApi", ErrorCategory.NotImplemented, session));
            var q = BuildQuery(deviceIds);
            ObservationSearch search;
            try
            {
                search = services.Observations!.Search(q, PagingSkip, PagingFirst, PageSize, TimeSpan.FromSeconds(TimeoutSec));
            }
            catch (ArgumentException ex)
            {
                ThrowCbError(ex, ex.ParamName == nameof(ObservationQuery.StartTime) ? "InvertedTimeRange" : "InvalidFilter", q);
                return;
            }
            catch (InvalidOperationException ex)
            {
                ThrowCbError(ex, "ObservationSearchUnavailable", session);
                return;
            }
            var progress = new PagedProgress<Observation>(this, ProgressId, "Get-CbObservation", "Reading observations from " + session.Uri, "observations");
            var job = new ProgressRecord(ProgressId + 1, "Get-CbObservation", "Waiting for the observation search job on " + session.Uri);
            bool jobShown = false;
            void ShowJob()
            {
                if (!search.Waiting)
                {
                    if (!jobShown) return;
                    jobShown = false;
                    job.RecordType = ProgressRecordType.Completed;
                    WriteProgressRecord(job);
                    return;
                }
                jobShown = true;
                job.RecordType = ProgressRecordType.Processing;
                job.PercentComplete = search.Contacted > 0 ? (int)Math.Min(100, search.Completed * 100 / search.Contacted) : 0;
                job.StatusDescription = "Search job " + search.JobCount + ": " +
                    (search.Contacted > 0 ? search.Completed + " of " + search.Contacted + " searchers completed" : "starting");
                WriteProgressRecord(job);
            }
            try
            {
                WriteSearch(search, progress, "observations", "GetObservationsFailed", q, ShowJob);
            }
            finally
            {
                if (jobShown)
                {
                    job.RecordType = ProgressRecordType.Completed;
                    WriteProgressRecord(job);
                }
            }
        }
    }

    /// <summary>Completes -EventType with the observation event types.</summary>
    public sealed class ObservationEventTypeCompleter : IArgumentCompleter
    {
        private static readonly string[] Types = { "netconn", "childproc", "crossproc", "filemod", "regmod", "modload", "scriptload", "fileless_scriptload" };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            System.Management.Automation.Language.CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            string w = (wordToComplete ?? "").Trim('\'', '"');
            foreach (var t in Types)
                if (t.StartsWith(w, StringComparison.OrdinalIgnoreCase))
                    yield return new CompletionResult(t, t, CompletionResultType.ParameterValue, t);
        }
    }

    /// <summary>The Get-CbObservation command line that asks what a Get-CbEvent command asked (the error on a Current session shows it).</summary>
    internal static class ObservationEquivalent
    {
        private static readonly Dictionary<string, string> Windows = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["1h"] = "(Get-Date).AddHours(-1)", ["3h"] = "(Get-Date).AddHours(-3)", ["1d"] = "(Get-Date).AddDays(-1)",
            ["1w"] = "(Get-Date).AddDays(-7)", ["2w"] = "(Get-Date).AddDays(-14)",
        };

        /// <summary>
        /// The command line for Get-CbEvent's bound parameters; <paramref name="note"/> says what has no equivalent (or null).
        /// Device filters observations lack (owner, IP address) become the ids of the devices Get-CbDevice finds.
        /// </summary>
        public static string ForEvent(IDictionary<string, object> bound, out string? note)
        {
            note = null;
            var parts = new List<string> { "Get-CbObservation" };
            var criteria = new List<string>();
            var devices = new List<string>();
            string? Text(string name) => bound.TryGetValue(name, out var v) && v != null ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;
            if (bound.TryGetValue("Id", out var ids) && ids is IEnumerable idList && !(ids is string))
                criteria.Add("event_id = " + string.Join(", ", idList.Cast<object>().Select(i => Quote(Convert.ToString(i, CultureInfo.InvariantCulture)!))));
            if (Text("HostName") is string host) parts.Add("-DeviceName " + Quote(host));
            else if (Text("HostNameExact") is string exact) parts.Add("-DeviceName " + Quote(WildcardPattern.Escape(exact)));
            foreach (var name in new[] { "OwnerName", "OwnerNameExact", "IpAddress" })
                if (Text(name) is string v) devices.Add("-" + name + " " + Quote(v));
            if (devices.Count > 0) parts.Add("-DeviceId (Get-CbDevice " + string.Join(" ", devices) + ").DeviceId");
            if (Text("Sha256Hash") is string sha) parts.Add("-ProcessSha256 " + Quote(sha));
            if (Text("ApplicationName") is string app) parts.Add("-ProcessName " + Quote(app));
            if (Text("EventType") is string type) criteria.Add("enriched_event_type = " + Quote(type));
            if (criteria.Count > 0) parts.Add("-Criteria @{ " + string.Join("; ", criteria) + " }");
            if (Text("SearchWindow") is string window && Windows.TryGetValue(window, out var since)) parts.Add("-StartTime " + since);
            foreach (var name in new[] { "StartTime", "EndTime" })
                if (bound.TryGetValue(name, out var t) && t is DateTime dt)
                    parts.Add("-" + name + " '" + QueryTime.ToUtc(dt).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + "'");
            foreach (var name in new[] { "First", "Skip", "PageSize" })
                if (Text(name) is string n) parts.Add("-" + name + " " + n);
            if (bound.ContainsKey("IncludeTotalCount")) parts.Add("-IncludeTotalCount");
            if (bound.ContainsKey("Filter"))
                note = "-Filter has no equivalent: give those conditions with -Query or -Criteria, by the observation field names.";
            return string.Join(" ", parts);
        }

        private static string Quote(string s) => "'" + s.Replace("'", "''") + "'";
    }
}
