using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading.Tasks;
using CbDefense.Json;

namespace CbDefense
{
    /// <summary>One page of an event search.</summary>
    public sealed class EventPage
    {
        public EventPage(long totalResults, IReadOnlyList<Event> events, long start, int rows, bool resultsWereNull = false)
        {
            TotalResults = totalResults;
            Events = events;
            Start = start;
            Rows = rows;
            ResultsWereNull = resultsWereNull;
        }

        /// <summary>The server's totalResults for the query that produced this page.</summary>
        public long TotalResults { get; }
        public IReadOnlyList<Event> Events { get; }
        /// <summary>1-based start that was requested.</summary>
        public long Start { get; }
        public int Rows { get; }
        internal bool ResultsWereNull { get; }
    }

    /// <summary>
    /// Enumerates an event search page by page. The v3 event API returns at most <see cref="MaxResultWindow"/> rows for
    /// one query (start + rows), so when a query matches more, the time range is split (startTime/endTime, inclusive on
    /// eventTime, ms precision) into disjoint ranges, recursively, until each range fits; every range is then paged
    /// normally. Ranges never overlap, so each event is returned once; ids are also de-duplicated within a range in case
    /// the data shifts between pages. Ranges are visited newest first. Open ends (no startTime or endTime given) are
    /// covered by open-ended tail ranges, so nothing outside the guessed span is missed.
    /// </summary>
    public sealed class EventPager
    {
        public const int DefaultPageSize = 5000;
        public const int MaxPageSize = 10000;
        public const int DefaultFirstPageSize = 100;
        /// <summary>The most rows the v3 event API returns for one query.</summary>
        public const int MaxResultWindow = 10000;
        private const long TwoWeeksMs = 14 * 86_400_000L;

        private readonly CbClient _client;
        private readonly EventQuery _query;
        private readonly int _pageSize;
        private readonly long? _first;
        private readonly Stack<Range> _pending = new Stack<Range>();
        private long _skipLeft;
        private Leaf? _leaf;
        private bool _done;
        private bool _rootSeen;

        private sealed class Range
        {
            public Range(long? lo, long? hi, long? estimate) { Lo = lo; Hi = hi; Estimate = estimate; }
            public long? Lo { get; }
            public long? Hi { get; }
            public long? Estimate { get; }
            public override string ToString() =>
                "[" + (Lo.HasValue ? FieldReader.IsoMs(Lo.Value) : "*") + ", " + (Hi.HasValue ? FieldReader.IsoMs(Hi.Value) : "*") + "]";
        }

        private sealed class Leaf
        {
            public Leaf(Range r, long total) { Range = r; Total = total; }
            public Range Range { get; }
            public long Total { get; }
            public long NextStart { get; set; } = 1;
            public HashSet<string> Seen { get; } = new HashSet<string>(StringComparer.Ordinal);
            public long Limit => Math.Min(Total, MaxResultWindow);
        }

        public EventPager(CbClient client, EventQuery? query, long skip = 0, long? first = null, int pageSize = DefaultPageSize)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            if (skip < 0) throw new ArgumentOutOfRangeException(nameof(skip), "Skip must be 0 or more.");
            if (first < 0) throw new ArgumentOutOfRangeException(nameof(first), "First must be 0 or more.");
            if (pageSize < 1 || pageSize > MaxPageSize) throw new ArgumentOutOfRangeException(nameof(pageSize), "PageSize must be 1 to " + MaxPageSize + ".");
            _query = query ?? new EventQuery();
            _query.GetBounds(out var lo, out var hi); // validates the time filters
            _query.ToQueryParameters(null, null);     // validates the other filters
            _pageSize = pageSize;
            _first = first;
            _skipLeft = skip;
            if (lo.HasValue && hi.HasValue && lo > hi) _done = true;
            if (first == 0) _done = true;
            _pending.Push(new Range(lo, hi, null));
        }

        /// <summary>The clock used to place open ranges (tests replace it).</summary>
        internal Func<DateTime> UtcNow { get; set; } = () => DateTime.UtcNow;

        /// <summary>The server's total for the whole query (from the first request), null before it.</summary>
        public long? TotalResults { get; private set; }
        /// <summary>Events handed out or skipped so far.</summary>
        public long Consumed { get; private set; }
        /// <summary>Events handed out so far.</summary>
        public long Returned { get; private set; }
        public int RequestCount { get; private set; }
        /// <summary>How many times a range was split because it matched more than one query can return.</summary>
        public int SplitCount { get; private set; }
        public bool IsComplete => _done;

        /// <summary>The next page of events (possibly empty), or null when the enumeration is complete.</summary>
        public async Task<EventPage?> NextPageAsync(CallContext ctx)
        {
            while (!_done)
            {
                if (_leaf != null)
                {
                    var leaf = _leaf;
                    if (leaf.NextStart > leaf.Limit) { _leaf = null; continue; }
                    int rows = (int)Math.Min(_pageSize, leaf.Limit - leaf.NextStart + 1);
                    var page = await Fetch(leaf.Range, leaf.NextStart, rows, ctx).ConfigureAwait(false);
                    leaf.NextStart += page.Events.Count;
                    if (page.Events.Count == 0) _leaf = null;
                    return Emit(leaf, page);
                }
                if (_pending.Count == 0) { _done = true; break; }

                var r = _pending.Pop();
                int probeRows;
                if (!_rootSeen) probeRows = Math.Min(_pageSize, DefaultFirstPageSize);
                else if (r.Estimate.HasValue && r.Estimate.Value <= MaxResultWindow) probeRows = _pageSize;
                else probeRows = Math.Min(_pageSize, DefaultFirstPageSize);
                var first = await Fetch(r, 1, probeRows, ctx).ConfigureAwait(false);
                if (!_rootSeen)
                {
                    _rootSeen = true;
                    TotalResults = first.TotalResults;
                }
                if (first.TotalResults > MaxResultWindow && TrySplit(r, first, ctx))
                {
                    SplitCount++;
                    // A server that ignored startTime/endTime would make every range match everything: stop instead of
                    // splitting down to single milliseconds. Legitimate searches need far fewer splits than this.
                    long limit = 64 + 8 * ((TotalResults ?? 0) / MaxResultWindow + 1);
                    if (SplitCount > limit)
                        throw new CbServerException("The event search still matches " + first.TotalResults.ToString("N0", CultureInfo.InvariantCulture) +
                            " events in the time range " + r + " after " + SplitCount + " splits; the server does not seem to apply startTime/endTime, " +
                            "so the search cannot be split below its 10,000-row limit. Narrow it with other filters.");
                    continue;
                }
                if (first.TotalResults > MaxResultWindow)
                {
                    string m = first.TotalResults.ToString("N0", CultureInfo.InvariantCulture) + " events share the time " + r +
                               "; the event API returns at most " + MaxResultWindow.ToString("N0", CultureInfo.InvariantCulture) +
                               " for one query, so only those are returned. Narrow the search with more filters.";
                    ctx.Log?.Warning(m);
                }
                var newLeaf = new Leaf(r, first.TotalResults) { NextStart = 1 + first.Events.Count };
                // Skip whole ranges without reading them when -Skip covers them.
                if (_skipLeft > 0 && first.Events.Count < newLeaf.Limit)
                {
                    long beyond = _skipLeft - first.Events.Count;
                    if (beyond > 0)
                    {
                        long jump = Math.Min(beyond, newLeaf.Limit - first.Events.Count);
                        newLeaf.NextStart += jump;
                        _skipLeft -= jump;
                        Consumed += jump;
                    }
                }
                _leaf = first.Events.Count == 0 ? null : newLeaf;
                return Emit(newLeaf, first);
            }
            return null;
        }

        private async Task<EventPage> Fetch(Range r, long start, int rows, CallContext ctx)
        {
            RequestCount++;
            return await _client.GetEventPageAsync(_query, r.Lo, r.Hi, start, rows, ctx).ConfigureAwait(false);
        }

        private EventPage Emit(Leaf leaf, EventPage page)
        {
            var list = new List<Event>(page.Events.Count);
            foreach (var e in page.Events)
            {
                if (_done) break;
                if (e.EventId != null && !leaf.Seen.Add(e.EventId)) continue;
                if (_skipLeft > 0) { _skipLeft--; Consumed++; continue; }
                list.Add(e);
                Consumed++;
                Returned++;
                if (_first.HasValue && Returned >= _first.Value) { _done = true; _leaf = null; }
            }
            return new EventPage(page.TotalResults, list, page.Start, page.Rows);
        }

        /// <summary>Splits a range that matched too much into disjoint ranges (pushed so the newest is visited first).</summary>
        private bool TrySplit(Range r, EventPage first, CallContext ctx)
        {
            long now = FieldReader.ToEpochMs(UtcNow());
            long? maxSeen = null;
            foreach (var e in first.Events)
                if (e.EventTimeMs.HasValue && (r.Lo == null || e.EventTimeMs >= r.Lo) && (r.Hi == null || e.EventTimeMs <= r.Hi))
                    maxSeen = maxSeen.HasValue ? Math.Max(maxSeen.Value, e.EventTimeMs.Value) : e.EventTimeMs;
            long total = first.TotalResults;
            var children = new List<Range>(); // newest first
            if (r.Lo.HasValue && r.Hi.HasValue)
            {
                if (r.Hi.Value <= r.Lo.Value) return false;
                long mid = r.Lo.Value + (r.Hi.Value - r.Lo.Value) / 2;
                children.Add(new Range(mid + 1, r.Hi, total / 2));
                children.Add(new Range(r.Lo, mid, total - total / 2));
            }
            else
            {
                long hi = r.Hi ?? Math.Max(now, maxSeen ?? now);
                if (r.Lo.HasValue && hi < r.Lo.Value) hi = r.Lo.Value;
                long span = (_query.SearchWindowMs() ?? TwoWeeksMs) + 300_000L;
                long lo = r.Lo ?? hi - span;
                if (!r.Hi.HasValue) children.Add(new Range(hi + 1, null, null)); // anything newer than now (clock skew)
                children.Add(new Range(lo, hi, total));
                if (!r.Lo.HasValue) children.Add(new Range(null, lo - 1, null)); // anything older than the usual span
            }
            ctx.Log?.Verbose("The event search " + r + " matches " + total.ToString("N0", CultureInfo.InvariantCulture) +
                             " events, more than one query returns; splitting it into " + string.Join(", ", children) + ".");
            for (int i = children.Count - 1; i >= 0; i--) _pending.Push(children[i]);
            return true;
        }
    }
}
