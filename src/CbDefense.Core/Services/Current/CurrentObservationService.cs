using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Json;
using CbDefense.Search;

namespace CbDefense.Services.Current
{
    /// <summary>
    /// Observation search jobs (a Custom key with org.search.events): POST /api/investigate/v2/orgs/{org_key}/observations/
    /// search_jobs starts a job, GET .../search_jobs/{job_id}/results polls it (done when <c>completed</c> reaches
    /// <c>contacted</c>, as the SDK waits) and, with <c>start</c> (0-based) and <c>rows</c>, pages what it kept.
    /// </summary>
    internal sealed class CurrentObservationService : IObservationService
    {
        internal const string What = "the observation search";
        private readonly CbClient _client;

        public CurrentObservationService(CbClient client) { _client = client; }

        internal string JobsPath(string tail) => _client.OrgPath("/api/investigate/v2", "observations/search_jobs" + tail, What);

        public ObservationSearch Search(ObservationQuery query, long skip, long? first, int pageSize, TimeSpan jobTimeout) =>
            new CurrentObservationSearch(this, _client, query ?? new ObservationQuery(), skip, first, pageSize, jobTimeout);
    }

    /// <summary>
    /// An observation search, newest first (sort device_timestamp DESC). A job keeps at most <see cref="MaxJobRows"/>
    /// rows (num_available) however many match (num_found). When it kept fewer than match, the time range is split at the
    /// oldest device_timestamp the job kept: its rows cover everything newer, and the next job searches from the start of
    /// the range to that time (the ends are inclusive, as the API's time ranges are), skipping the observations of that
    /// millisecond already written. Each job so adds up to 10,000 observations and every observation comes once. Only
    /// when more than a job's rows share one millisecond are the rest of that millisecond unreachable; a warning says so.
    /// </summary>
    internal sealed class CurrentObservationSearch : ObservationSearch
    {
        public const int DefaultPageSize = 1000;
        public const int MaxPageSize = 10000;
        /// <summary>The most rows one job keeps (its rows, and start + rows, are limited to this).</summary>
        public const int MaxJobRows = 10000;

        private readonly CurrentObservationService _service;
        private readonly CbClient _client;
        private readonly Dictionary<string, object?> _criteria = new Dictionary<string, object?>(StringComparer.Ordinal);
        private readonly Dictionary<string, object?> _exclusions = new Dictionary<string, object?>(StringComparer.Ordinal);
        private readonly List<string> _queryTerms = new List<string>();
        private readonly int _pageSize;
        private readonly TimeSpan _jobTimeout;
        private readonly long? _lo;
        private Range? _next;
        private Job? _job;
        private HashSet<string> _boundary = new HashSet<string>(StringComparer.Ordinal);
        private long _skipLeft;

        private sealed class Range
        {
            public Range(long? lo, long? hi) { Lo = lo; Hi = hi; }
            public long? Lo { get; }
            public long? Hi { get; }
            public override string ToString() =>
                "[" + (Lo.HasValue ? FieldReader.IsoMs(Lo.Value) : "*") + ", " + (Hi.HasValue ? FieldReader.IsoMs(Hi.Value) : "*") + "]";
        }

        private sealed class Job
        {
            public Job(string id, Range range, long? needed) { Id = id; Range = range; Needed = needed; }
            public string Id { get; }
            public Range Range { get; }
            /// <summary>The rows still wanted when it was submitted (-First), or null for all.</summary>
            public long? Needed { get; }
            public Stopwatch Clock { get; } = Stopwatch.StartNew();
            public int Polls { get; set; }
            public bool Done { get; set; }
            public long NumFound { get; set; }
            public long NumAvailable { get; set; }
            public long NextStart { get; set; }
            /// <summary>True when it kept fewer rows than match and more are wanted: a next job follows.</summary>
            public bool Continues { get; set; }
            public long? MinMs { get; set; }
            public long? MaxMs { get; set; }
            public long? LastMs { get; set; }
            public bool OutOfOrder { get; set; }
            public bool MissingTime { get; set; }
            /// <summary>The ids at <see cref="MinMs"/>: the next job's range ends there, and they are not written twice.</summary>
            public HashSet<string> AtMin { get; } = new HashSet<string>(StringComparer.Ordinal);
        }

        public CurrentObservationSearch(CurrentObservationService service, CbClient client, ObservationQuery q, long skip, long? first, int pageSize,
                                        TimeSpan jobTimeout) : base(skip, first)
        {
            _service = service;
            _client = client;
            if (pageSize < 1 || pageSize > MaxPageSize) throw new ArgumentOutOfRangeException(nameof(pageSize), "PageSize must be 1 to " + MaxPageSize + ".");
            _pageSize = pageSize;
            _jobTimeout = jobTimeout;
            client.RequireOrgKey(CurrentObservationService.What);

            QueryTime.Bounds(q.StartTime, q.EndTime, nameof(ObservationQuery.StartTime), out var lo, out var hi);
            _lo = lo;
            _next = new Range(lo, hi);
            if (!string.IsNullOrWhiteSpace(q.Query)) _queryTerms.Add("(" + q.Query!.Trim() + ")");
            AddNames("device_name", q.DeviceName);
            AddNames("process_name", q.ProcessName);
            Criteria.AddValues(_criteria, "device_id", q.DeviceId.Select(i => (object?)i).ToList());
            Criteria.AddValues(_criteria, "process_hash", q.ProcessSha256.Select(h => (object?)h.Trim().ToLowerInvariant()).ToList());
            Criteria.AddValues(_criteria, "event_type", q.EventType.Select(t => (object?)t.Trim().ToLowerInvariant()).ToList());
            Criteria.AddValues(_criteria, "alert_id", q.AlertId.Select(a => (object?)a.Trim()).ToList());
            foreach (var kv in q.Criteria) Criteria.Add(_criteria, kv.Key, kv.Value);
            foreach (var kv in q.Exclusions) Criteria.Add(_exclusions, kv.Key, kv.Value);
            _skipLeft = skip;
        }

        /// <summary>How many times the time range was split because a job kept fewer observations than matched.</summary>
        public int SplitCount { get; private set; }

        // -Skip is counted down here (or jumped over with the results' start); -First is applied by Offer.
        protected override bool ClientSkipsAndLimits => false;

        // Exact names are criteria values; when any value is a pattern, they all become one query term (the values of
        // one parameter are ORed, and criteria and query are ANDed).
        private void AddNames(string field, IList<string> values)
        {
            if (values.Count == 0) return;
            var globs = values.Select(Glob.Create).ToList();
            if (!globs.Any(g => g.IsWildcard))
            {
                Criteria.AddValues(_criteria, field, globs.Select(g => (object?)g.Literal).ToList());
                return;
            }
            var terms = values.Zip(globs, (v, g) => field + ":" + (g.IsWildcard ? CurrentDeviceSearch.EscapePattern(v) : CurrentDeviceSearch.Quote(g.Literal))).ToList();
            _queryTerms.Add(terms.Count == 1 ? terms[0] : "(" + string.Join(" OR ", terms) + ")");
        }

        /// <summary>The body of a job for the range <paramref name="lo"/>..<paramref name="hi"/> keeping <paramref name="rows"/> rows.</summary>
        internal Dictionary<string, object?> BuildJobBody(long? lo, long? hi, int rows)
        {
            var body = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (_criteria.Count > 0) body["criteria"] = new Dictionary<string, object?>(_criteria, StringComparer.Ordinal);
            if (_exclusions.Count > 0) body["exclusions"] = new Dictionary<string, object?>(_exclusions, StringComparer.Ordinal);
            body["query"] = string.Join(" AND ", _queryTerms); // the SDK always sends it, empty when there is none
            if (lo.HasValue || hi.HasValue)
            {
                var tr = new Dictionary<string, object?>(StringComparer.Ordinal);
                if (lo.HasValue) tr["start"] = FieldReader.IsoMs(lo.Value);
                if (hi.HasValue) tr["end"] = FieldReader.IsoMs(hi.Value);
                body["time_range"] = tr;
            }
            body["rows"] = rows;
            body["sort"] = new List<object?> { new Dictionary<string, object?>(StringComparer.Ordinal) { ["field"] = "device_timestamp", ["order"] = "DESC" } };
            body["fields"] = new List<object?> { "*" }; // what the SDK sends with a sort
            return body;
        }

        protected override async Task ReadPageAsync(Action<Observation> sink, CallContext ctx)
        {
            while (!IsComplete)
            {
                if (_job == null)
                {
                    if (_next == null) { IsComplete = true; return; }
                    await SubmitAsync(_next, ctx).ConfigureAwait(false);
                    return;
                }
                if (!_job.Done)
                {
                    await PollAsync(_job, ctx).ConfigureAwait(false);
                    return;
                }
                if (_job.NextStart < _job.NumAvailable)
                {
                    await ReadResultsAsync(_job, sink, ctx).ConfigureAwait(false);
                    return;
                }
                FinishJob(_job, ctx);
            }
        }

        private async Task SubmitAsync(Range range, CallContext ctx)
        {
            // The rows still wanted, plus the rows at this range's end that the job before already wrote (they come
            // first here and are dropped): without them a job after a split kept too few for -First.
            long? needed = First.HasValue ? Math.Max(1, First.Value + Skip - Matched) + _boundary.Count : (long?)null;
            int rows = (int)Math.Min(MaxJobRows, needed ?? MaxJobRows);
            string json = PlainJson.Serialize(BuildJobBody(range.Lo, range.Hi, rows));
            RequestCount++;
            var reply = await _client.SendForObjectAsync(CbRequest.Json(HttpMethod.Post, _service.JobsPath(""), json).AsIdempotent(), ctx).ConfigureAwait(false);
            string? id = reply.TryGetValue("job_id", out var v) && v != null && FieldReader.ToStringValue(v) is var (ok, s) && ok && s.Length > 0 ? s : null;
            if (id == null)
                throw new CbInvalidResponseException("The server's reply to the observation search job has no job_id: " + ErrorMapper.Snippet(PlainJson.Serialize(reply)) +
                                                     " [POST " + _service.JobsPath("") + "]");
            _job = new Job(id, range, needed);
            JobCount++;
            Waiting = true;
            Contacted = Completed = 0;
            ctx.Log?.Verbose("Observation search job " + id + " started for the time range " + range + ".");
        }

        private async Task PollAsync(Job job, CallContext ctx)
        {
            if (job.Polls > 0)
            {
                if (job.Clock.Elapsed > _jobTimeout)
                    throw new CbTimeoutException("The observation search job " + job.Id + " did not finish within " +
                        _jobTimeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s (" + Completed + " of " + Contacted +
                        " searchers completed). Narrow the search, or give it longer with -TimeoutSec.");
                // The SDK polls every 0.5 s; a short job is seen sooner.
                int delay = (int)Math.Min(500, 50 * Math.Pow(2, Math.Min(job.Polls, 4)));
                await Task.Delay(delay, ctx.CancellationToken).ConfigureAwait(false);
            }
            job.Polls++;
            RequestCount++;
            var d = await GetResultsAsync(job, null, null, ctx).ConfigureAwait(false);
            long? contacted = FieldReader.LongOf(d, "contacted"), completed = FieldReader.LongOf(d, "completed");
            Contacted = contacted ?? 0;
            Completed = completed ?? 0;
            // A server that reports no searchers at all has nothing to wait for.
            bool done = contacted == null && completed == null || Contacted > 0 && Completed >= Contacted;
            if (!done) return;
            job.Done = true;
            Waiting = false;
            job.NumFound = FieldReader.LongOf(d, "num_found") ?? 0;
            job.NumAvailable = Math.Min(FieldReader.LongOf(d, "num_available") ?? job.NumFound, Math.Max(job.NumFound, 0));
            if (JobCount == 1) ServerTotal = job.NumFound;
            job.Continues = job.NumAvailable < job.NumFound && (job.Needed == null || job.NumAvailable < job.Needed);
            // -Skip over rows of a first job that holds every match: its results' start jumps them.
            if (JobCount == 1 && !job.Continues && _skipLeft > 0)
            {
                long jump = Math.Min(_skipLeft, job.NumAvailable);
                job.NextStart = jump;
                _skipLeft -= jump;
                Matched += jump;
            }
        }

        private async Task<Dictionary<string, object?>> GetResultsAsync(Job job, long? start, int? rows, CallContext ctx)
        {
            var q = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (start.HasValue) q["start"] = start.Value;
            if (rows.HasValue) q["rows"] = rows.Value;
            string url = _client.BuildPathAndQuery(_service.JobsPath("/" + Uri.EscapeDataString(job.Id) + "/results"), q);
            try
            {
                return await _client.SendForObjectAsync(CbRequest.Create(HttpMethod.Get, url), ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex)
            {
                throw NotFound.Wrap("The observation search job " + job.Id, ex);
            }
        }

        private async Task ReadResultsAsync(Job job, Action<Observation> sink, CallContext ctx)
        {
            long rows = Math.Min(_pageSize, job.NumAvailable - job.NextStart);
            if (First.HasValue && !job.Continues) rows = Math.Max(1, Math.Min(rows, First.Value - Written + _skipLeft + _boundary.Count));
            var q = new Dictionary<string, object?>(StringComparer.Ordinal) { ["start"] = job.NextStart, ["rows"] = rows };
            string url = _client.BuildPathAndQuery(_service.JobsPath("/" + Uri.EscapeDataString(job.Id) + "/results"), q);
            RequestCount++;
            var replay = new PageReplay<string>();
            int got = 0;
            try
            {
                await _client.SendAsync(CbRequest.Create(HttpMethod.Get, url).AsStreamed(), async (info, stream, ct) =>
                {
                    got = 0;
                    replay.NewAttempt();
                    return await _client.ReadEachAsync(info, stream, "results", d =>
                    {
                        got++;
                        var o = Observation.Read(d, _client.Session);
                        if (!IsComplete && replay.IsNew(o.ObservationId ?? "")) Take(job, o, sink);
                    }).ConfigureAwait(false);
                }, ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex)
            {
                throw NotFound.Wrap("The observation search job " + job.Id, ex);
            }
            job.NextStart += got;
            if (got == 0) job.NextStart = job.NumAvailable; // nothing more where the server said there would be
        }

        private void Take(Job job, Observation o, Action<Observation> sink)
        {
            Read++;
            long? ms = o.DeviceTimestampMs;
            var r = job.Range;
            // Outside the job's range (a server that ignored part of time_range): another range has it, or nobody asked.
            if (ms.HasValue && ((r.Hi.HasValue && ms.Value > r.Hi.Value) || (r.Lo.HasValue && ms.Value < r.Lo.Value))) return;
            if (job.Continues) Track(job, o, ms);
            if (o.ObservationId != null && _boundary.Contains(o.ObservationId)) return; // written by the job before, at this range's end
            if (_skipLeft > 0) { _skipLeft--; Matched++; return; }
            Offer(o, sink);
        }

        private static void Track(Job job, Observation o, long? ms)
        {
            if (!ms.HasValue) { job.MissingTime = true; return; }
            if (job.LastMs.HasValue && ms.Value > job.LastMs.Value) job.OutOfOrder = true;
            job.LastMs = ms;
            if (!job.MaxMs.HasValue || ms.Value > job.MaxMs.Value) job.MaxMs = ms;
            if (!job.MinMs.HasValue || ms.Value < job.MinMs.Value)
            {
                job.MinMs = ms;
                job.AtMin.Clear();
            }
            if (ms.Value == job.MinMs.Value && o.ObservationId != null) job.AtMin.Add(o.ObservationId);
        }

        /// <summary>After a job's last page: done, or the next job's range (the start of this one to its oldest time).</summary>
        private void FinishJob(Job job, CallContext ctx)
        {
            _job = null;
            _next = null;
            if (!job.Continues || IsComplete) return;
            string what = "The observation search job for " + job.Range + " kept " + job.NumAvailable.ToString("N0", CultureInfo.InvariantCulture) + " of " +
                          job.NumFound.ToString("N0", CultureInfo.InvariantCulture) + " observations";
            if (job.MissingTime || !job.MinMs.HasValue)
                throw new CbServerException(what + ", and some have no device_timestamp, so the time range cannot be split to read the rest. " +
                                            "Narrow the search (-StartTime, -EndTime, criteria) to at most " + MaxJobRows.ToString("N0", CultureInfo.InvariantCulture) + ".");
            if (job.OutOfOrder)
                throw new CbServerException(what + ", but not newest first as asked (sort device_timestamp DESC), so the time range cannot be split to read " +
                                            "the rest. Narrow the search to at most " + MaxJobRows.ToString("N0", CultureInfo.InvariantCulture) + " observations.");
            long cutoff = job.MinMs.Value;
            Range next;
            if (job.MaxMs == cutoff)
            {
                ctx.Log?.Warning(what + ", all at the device time " + FieldReader.IsoMs(cutoff) + ": a job returns at most " +
                                 MaxJobRows.ToString("N0", CultureInfo.InvariantCulture) + ", so only those of that millisecond were returned. " +
                                 "Narrow the search with more criteria to get the rest.");
                next = new Range(_lo, cutoff - 1);
                _boundary = new HashSet<string>(StringComparer.Ordinal);
            }
            else
            {
                next = new Range(_lo, cutoff);
                _boundary = job.AtMin;
            }
            SplitCount++;
            // A server that ignored time_range would match everything in every range: stop rather than split forever.
            long limit = 64 + 8 * ((ServerTotal ?? 0) / MaxJobRows + 1);
            if (SplitCount > limit)
                throw new CbServerException("The observation search still matches " + job.NumFound.ToString("N0", CultureInfo.InvariantCulture) + " in " +
                    job.Range + " after " + SplitCount + " splits; the server does not seem to apply time_range. Narrow the search with criteria.");
            if (next.Lo.HasValue && next.Hi < next.Lo) return;
            ctx.Log?.Verbose(what + "; the next job searches " + next + ".");
            _next = next;
        }
    }
}
