using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Json;
using CbDefense.Search;

namespace CbDefense.Services.Legacy
{
    /// <summary>Events: the v3 event API (legacy generation only; the current one has observations instead).</summary>
    internal interface IEventService
    {
        PagedSearch<Event> Search(EventQuery query, long skip, long? first, int pageSize);
        Task<Event> GetAsync(string id, CallContext ctx);
    }

    internal sealed class LegacyEventService : IEventService
    {
        internal const string EventPath = "/integrationServices/v3/event";
        private readonly CbClient _client;

        public LegacyEventService(CbClient client) { _client = client; }

        public PagedSearch<Event> Search(EventQuery query, long skip, long? first, int pageSize) =>
            new LegacyEventSearch(_client, query ?? new EventQuery(), skip, first, pageSize);

        /// <summary>GET /integrationServices/v3/event/{id}, unwrapping eventInfo. 404 → CbObjectNotFoundException.</summary>
        public async Task<Event> GetAsync(string id, CallContext ctx)
        {
            if (string.IsNullOrWhiteSpace(id)) throw new ArgumentException("An event id is required.", nameof(id));
            string url = EventPath + "/" + Uri.EscapeDataString(id.Trim());
            try
            {
                var d = await _client.SendForObjectAsync(CbRequest.Create(HttpMethod.Get, url), ctx).ConfigureAwait(false);
                if (d.TryGetValue("eventInfo", out var info) && info is Dictionary<string, object?> ev)
                    return Event.Read(ev, _client.Session);
                throw new CbObjectNotFoundException("Event " + id + " was not found (the reply has no eventInfo). [GET " + url + "]")
                { StatusCode = 200, Method = "GET", RequestUri = url };
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw NotFound.Wrap("Event " + id, ex);
            }
        }
    }

    /// <summary>
    /// A v3 event search. The API returns at most <see cref="MaxResultWindow"/> rows for one query (start + rows), so
    /// when a query matches more, the time range is split (startTime/endTime, inclusive on eventTime, ms precision) into
    /// disjoint ranges, recursively, until each range fits; every range is then paged normally. Ranges never overlap, so
    /// each event is returned once; ids are also de-duplicated within a range in case the data shifts between pages.
    /// Ranges are visited newest first; open ends are covered by open-ended tail ranges. Host and owner names are
    /// narrowed on the server by their literal start and matched exactly (or as patterns) here; other filter keys that
    /// name an event field are matched here; anything else is refused.
    /// </summary>
    internal sealed class LegacyEventSearch : PagedSearch<Event>
    {
        public const int DefaultPageSize = 5000;
        public const int MaxPageSize = 10000;
        public const int DefaultFirstPageSize = 100;
        /// <summary>The most rows the v3 event API returns for one query.</summary>
        public const int MaxResultWindow = 10000;
        private const long TwoWeeksMs = 14 * 86_400_000L;

        /// <summary>The query parameters the v3 event API documents.</summary>
        internal static readonly IReadOnlyList<string> ServerFilterKeys = new[]
        {
            "hostName", "hostNameExact", "ownerName", "ownerNameExact", "ipAddress", "sha256Hash", "applicationName", "eventType",
            "searchWindow", "startTime", "endTime",
        };

        private static readonly string[] EventWireNames =
        {
            "eventId", "eventTime", "createTime", "eventType", "shortDescription", "longDescription", "threatIndicators", "attackStage",
            "alertScore", "alertCategory", "incidentId", "registryValue", "securityEventCode",
        };

        private readonly CbClient _client;
        private readonly EventQuery _query;
        private readonly Dictionary<string, string> _serverQuery = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly List<Func<Event, bool>> _predicates = new List<Func<Event, bool>>();
        private readonly int _pageSize;
        private readonly Stack<Range> _pending = new Stack<Range>();
        private long _skipLeft;
        private Leaf? _leaf;
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

        public LegacyEventSearch(CbClient client, EventQuery query, long skip, long? first, int pageSize) : base(skip, first)
        {
            _client = client;
            if (pageSize < 1 || pageSize > MaxPageSize) throw new ArgumentOutOfRangeException(nameof(pageSize), "PageSize must be 1 to " + MaxPageSize + ".");
            _query = query;
            _query.GetBounds(out var lo, out var hi); // validates the time filters
            BuildFilters();
            _pageSize = pageSize;
            _skipLeft = skip;
            TotalIsExact = _predicates.Count == 0;
            if (lo.HasValue && hi.HasValue && lo > hi) IsComplete = true; // an empty sub-millisecond range
            _pending.Push(new Range(lo, hi, null));
        }

        /// <summary>The clock used to place open ranges (tests replace it).</summary>
        internal Func<DateTime> UtcNow { get; set; } = () => DateTime.UtcNow;

        /// <summary>How many times a range was split because it matched more than one query can return.</summary>
        public int SplitCount { get; private set; }

        public override string? ProgressNote =>
            SplitCount > 0 ? "time range split " + SplitCount.ToString("N0", CultureInfo.CurrentCulture) + " times" : null;

        // -Skip is applied by the ranges above (whole ranges are jumped over when it covers them); -First by Offer.
        protected override bool ClientSkipsAndLimits => false;

        private void BuildFilters()
        {
            var q = _query;
            var notes = new List<string>();
            AddName(q.HostName, "hostName", e => new[] { e.DeviceDetails?.DeviceName, e.DeviceDetails?.DeviceHostName }, "-HostName", notes);
            AddExact(q.HostNameExact, "hostNameExact");
            AddName(q.OwnerName, "ownerName", e => new[] { e.DeviceDetails?.Email, e.DeviceDetails?.DeviceOwnerName }, "-OwnerName", notes);
            AddExact(q.OwnerNameExact, "ownerNameExact");
            AddExact(q.IpAddress, "ipAddress");
            AddExact(q.Sha256Hash, "sha256Hash");
            AddExact(q.ApplicationName, "applicationName");
            AddExact(q.EventType, "eventType");
            if (!string.IsNullOrEmpty(q.SearchWindow))
            {
                string? w = EventQuery.SearchWindows.FirstOrDefault(x => string.Equals(x, q.SearchWindow, StringComparison.OrdinalIgnoreCase));
                if (w == null) throw new ArgumentException("SearchWindow '" + q.SearchWindow + "' is not one of " + string.Join(", ", EventQuery.SearchWindows) + ".", nameof(EventQuery.SearchWindow));
                _serverQuery["searchWindow"] = w;
            }
            foreach (var clause in q.Filters)
            {
                var (key, value) = DeviceQuery.ParseFilter(clause);
                if (key == "startTime" || key == "endTime") continue; // part of the time range (GetBounds)
                string? serverKey = ServerFilterKeys.FirstOrDefault(k => string.Equals(k, key, StringComparison.Ordinal));
                if (serverKey != null)
                {
                    if (serverKey == "searchWindow" && !EventQuery.SearchWindows.Contains(value))
                        throw new ArgumentException("SearchWindow '" + value + "' is not one of " + string.Join(", ", EventQuery.SearchWindows) + ".");
                    _serverQuery[serverKey] = value;
                    continue;
                }
                var filter = FieldFilter<Event>.TryCreate(key, value, EventWireNames);
                if (filter == null)
                    throw new ArgumentException("The filter key '" + key + "' is not one the v3 event API takes (" + string.Join(", ", ServerFilterKeys) +
                                                ") nor an event field (e.g. attackStage, alertScore, deviceDetails.policyName, selectedApp.sha256Hash); nothing was sent.");
                _predicates.Add(filter.IsMatch);
                notes.Add("'" + key + "' is not a filter of the v3 event API, so it is matched on the client");
            }
            if (notes.Count > 0) Explanation = string.Join("; ", notes) + ".";
        }

        private void AddExact(string? value, string key)
        {
            if (!string.IsNullOrEmpty(value)) _serverQuery[key] = value!;
        }

        private void AddName(string? pattern, string serverKey, Func<Event, string?[]> fields, string parameter, List<string> notes)
        {
            if (string.IsNullOrEmpty(pattern)) return;
            var glob = Glob.Create(pattern!);
            string prefix = glob.LiteralPrefix;
            if (prefix.Length > 0) _serverQuery[serverKey] = prefix;
            _predicates.Add(e => fields(e).Any(glob.IsMatch));
            notes.Add(parameter + " '" + pattern + "' is " + (glob.IsWildcard ? "a pattern" : "an exact name") + " matched on the client");
        }

        protected override async Task ReadPageAsync(Action<Event> sink, CallContext ctx)
        {
            while (!IsComplete)
            {
                if (_leaf != null)
                {
                    var leaf = _leaf;
                    if (leaf.NextStart > leaf.Limit) { _leaf = null; continue; }
                    int rows = (int)Math.Min(_pageSize, leaf.Limit - leaf.NextStart + 1);
                    var page = await FetchAsync(leaf.Range, leaf.NextStart, rows, ctx).ConfigureAwait(false);
                    leaf.NextStart += page.Events.Count;
                    if (page.Events.Count == 0) _leaf = null;
                    Emit(leaf, page, sink);
                    return;
                }
                if (_pending.Count == 0) { IsComplete = true; return; }

                var r = _pending.Pop();
                int probeRows;
                if (!_rootSeen) probeRows = Math.Min(_pageSize, DefaultFirstPageSize);
                else if (r.Estimate.HasValue && r.Estimate.Value <= MaxResultWindow) probeRows = _pageSize;
                else probeRows = Math.Min(_pageSize, DefaultFirstPageSize);
                // -First 5 asks for 5 rows (when every row the server sends is a result).
                if (TotalIsExact && First.HasValue) probeRows = (int)Math.Max(1, Math.Min(probeRows, First.Value - Written + _skipLeft));
                var first = await FetchAsync(r, 1, probeRows, ctx).ConfigureAwait(false);
                if (!_rootSeen)
                {
                    _rootSeen = true;
                    ServerTotal = first.TotalResults;
                }
                if (first.TotalResults > MaxResultWindow && TrySplit(r, first, ctx))
                {
                    SplitCount++;
                    // A server that ignored startTime/endTime would make every range match everything: stop instead of
                    // splitting down to single milliseconds. Legitimate searches need far fewer splits than this.
                    long limit = 64 + 8 * ((ServerTotal ?? 0) / MaxResultWindow + 1);
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
                // Skip whole ranges without reading them when -Skip covers them (only when every row is a result).
                if (TotalIsExact && _skipLeft > 0 && first.Events.Count < newLeaf.Limit)
                {
                    long beyond = _skipLeft - first.Events.Count;
                    if (beyond > 0)
                    {
                        long jump = Math.Min(beyond, newLeaf.Limit - first.Events.Count);
                        newLeaf.NextStart += jump;
                        _skipLeft -= jump;
                        Matched += jump;
                    }
                }
                _leaf = first.Events.Count == 0 ? null : newLeaf;
                Emit(newLeaf, first, sink);
                return;
            }
        }

        private void Emit(Leaf leaf, EventPage page, Action<Event> sink)
        {
            foreach (var e in page.Events)
            {
                if (IsComplete) break;
                if (e.EventId != null && !leaf.Seen.Add(e.EventId)) continue;
                Read++;
                if (_predicates.Count > 0 && !_predicates.All(p => p(e))) continue;
                if (_skipLeft > 0) { _skipLeft--; Matched++; continue; }
                if (!Offer(e, sink)) { _leaf = null; break; }
            }
        }

        private async Task<EventPage> FetchAsync(Range r, long start, int rows, CallContext ctx)
        {
            RequestCount++;
            var q = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var kv in _serverQuery) q[kv.Key] = kv.Value;
            if (r.Lo.HasValue) q["startTime"] = FieldReader.IsoMs(r.Lo.Value);
            if (r.Hi.HasValue) q["endTime"] = FieldReader.IsoMs(r.Hi.Value);
            q["rows"] = rows;
            q["start"] = start;
            string url = _client.BuildPathAndQuery(LegacyEventService.EventPath, q);
            try
            {
                return await _client.SendAsync(CbRequest.Create(HttpMethod.Get, url), async (info, body, ct) =>
                {
                    var (events, env) = await _client.ReadListAsync(info, body, "results", d => Event.Read(d, _client.Session)).ConfigureAwait(false);
                    var list = (IReadOnlyList<Event>?)events ?? Array.Empty<Event>();
                    return new EventPage(env.TotalResults ?? list.Count, list);
                }, ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex)
            {
                throw ErrorMapper.RetiredIfGone(ex);
            }
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

        private sealed class EventPage
        {
            public EventPage(long totalResults, IReadOnlyList<Event> events) { TotalResults = totalResults; Events = events; }
            public long TotalResults { get; }
            public IReadOnlyList<Event> Events { get; }
        }
    }
}
