using System;
using System.Collections;
using System.Collections.Generic;
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
    /// Audit log v1 (a Custom key with org.audits READ): GET /audit_log/v1/orgs/{org_key}/logs/_queue, the read-once queue
    /// of this API key (at most a batch per read; <c>num_found</c> says how many were queued, and whether to read again;
    /// <see cref="AuditLogQueueReader"/> does), and POST .../logs/_search.
    /// </summary>
    internal sealed class CurrentAuditLogService : IAuditLogService
    {
        internal const string What = "the audit log";
        private readonly CbClient _client;

        public CurrentAuditLogService(CbClient client) { _client = client; }

        internal string LogsPath(string tail) => _client.OrgPath("/audit_log/v1", "logs" + tail, What);

        public async Task<AuditLogQueueRead> ReadQueueAsync(CallContext ctx)
        {
            var (records, env) = await AuditLogReply.ReadQueueAsync(_client, LogsPath("/_queue"), ctx).ConfigureAwait(false);
            long? found = FieldReader.LongOf(env, "num_found"), available = FieldReader.LongOf(env, "num_available") ?? records.Count;
            // The server's count decides; a reply without one is judged as a v3 reply is (full: read again).
            bool more = records.Count > 0 && (found.HasValue ? found.Value > available.Value : AuditLogReply.WasFull(records.Count));
            return new AuditLogQueueRead(records, found, more);
        }

        public PagedSearch<AuditLog> Search(AuditLogQuery query, long skip, long? first, int pageSize) =>
            new CurrentAuditLogSearch(this, _client, query ?? new AuditLogQuery(), skip, first, pageSize);
    }

    /// <summary>
    /// An audit log v1 search, newest first (sort create_time DESC). Pages go on with the <c>search_after</c> the server
    /// returned with the previous page (the documented deep paging, steady while records arrive); a server that returns
    /// none is paged by <c>start</c> (0-based, as the SDK counts) within the first 10,000 matches. -Skip within that
    /// window is the first page's start; past it, records are skipped here. -StartTime/-EndTime are criteria
    /// create_time {start, end} (both are needed: the open end is the epoch or now).
    /// </summary>
    internal sealed class CurrentAuditLogSearch : PagedSearch<AuditLog>
    {
        public const int DefaultPageSize = 1000;
        public const int MaxPageSize = 10000;
        /// <summary>The most matches <c>start</c> reaches (start + rows).</summary>
        public const int SearchWindow = 10000;
        private static readonly string[] ScalarKeys = { "flagged", "verbose" };

        private readonly CurrentAuditLogService _service;
        private readonly CbClient _client;
        private readonly Dictionary<string, object?> _criteria = new Dictionary<string, object?>(StringComparer.Ordinal);
        private readonly string? _query;
        private readonly int _pageSize;
        private long _position;
        private long _skipLeft;
        private object? _searchAfter;

        public CurrentAuditLogSearch(CurrentAuditLogService service, CbClient client, AuditLogQuery q, long skip, long? first, int pageSize) : base(skip, first)
        {
            _service = service;
            _client = client;
            if (pageSize < 1 || pageSize > MaxPageSize) throw new ArgumentOutOfRangeException(nameof(pageSize), "PageSize must be 1 to " + MaxPageSize + ".");
            _pageSize = pageSize;
            client.RequireOrgKey(CurrentAuditLogService.What);

            QueryTime.Bounds(q.StartTime, q.EndTime, nameof(AuditLogQuery.StartTime), out var lo, out var hi);
            if (q.Actor.Count > 0) Criteria.AddValues(_criteria, "actor", q.Actor.Cast<object?>().ToList());
            if (q.ActorIp.Count > 0) Criteria.AddValues(_criteria, "actor_ip", q.ActorIp.Cast<object?>().ToList());
            if (q.Flagged.HasValue) _criteria["flagged"] = q.Flagged.Value;
            foreach (var kv in q.Criteria)
            {
                if (kv.Key == "create_time" && (lo.HasValue || hi.HasValue))
                    throw new ArgumentException("Give -StartTime/-EndTime or the criteria key create_time, not both.", nameof(AuditLogQuery.Criteria));
                Criteria.Add(_criteria, kv.Key, kv.Value, keepScalars: ScalarKeys.Contains(kv.Key));
            }
            if (lo.HasValue || hi.HasValue)
                _criteria["create_time"] = new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    // The API takes both ends (the SDK refuses one alone): an open start is the epoch, an open end now.
                    ["start"] = FieldReader.IsoMs(lo ?? 0), ["end"] = FieldReader.IsoMs(hi ?? FieldReader.ToEpochMs(DateTime.UtcNow)),
                };
            _query = string.IsNullOrWhiteSpace(q.Query) ? null : q.Query!.Trim();
            // -Skip within the window is the first page's start; past it the records are read and skipped here.
            if (skip < SearchWindow) _position = skip;
            else _skipLeft = skip;
        }

        // -Skip is the first page's start or counted down here; -First is applied by Offer.
        protected override bool ClientSkipsAndLimits => false;

        /// <summary>The body of a page request (without rows, start and search_after).</summary>
        internal Dictionary<string, object?> BuildBody()
        {
            var body = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (_criteria.Count > 0) body["criteria"] = new Dictionary<string, object?>(_criteria, StringComparer.Ordinal);
            if (_query != null) body["query"] = _query;
            body["sort"] = new List<object?> { new Dictionary<string, object?>(StringComparer.Ordinal) { ["field"] = "create_time", ["order"] = "DESC" } };
            return body;
        }

        protected override async Task ReadPageAsync(Action<AuditLog> sink, CallContext ctx)
        {
            int rows = _pageSize;
            if (First.HasValue) rows = (int)Math.Max(1, Math.Min(rows, First.Value - Written + _skipLeft));
            if (ServerTotal.HasValue) rows = (int)Math.Max(1, Math.Min(rows, ServerTotal.Value - _position));
            var body = BuildBody();
            if (_searchAfter != null) body["search_after"] = _searchAfter;
            else
            {
                if (_position >= SearchWindow)
                {
                    ctx.Log?.Warning("The audit log search matches " + (ServerTotal ?? 0).ToString("N0", CultureInfo.InvariantCulture) + " records and the server " +
                                     "gave no search_after to read past the first " + SearchWindow.ToString("N0", CultureInfo.InvariantCulture) +
                                     ", so only those were returned. Narrow the search (-StartTime, -EndTime, -Query).");
                    IsComplete = true;
                    return;
                }
                rows = (int)Math.Min(rows, SearchWindow - _position);
                if (_position > 0) body["start"] = _position;
            }
            body["rows"] = rows;

            RequestCount++;
            var request = CbRequest.Json(HttpMethod.Post, _service.LogsPath("/_search"), PlainJson.Serialize(body)).AsIdempotent();
            var (records, env) = await _client.SendAsync(request, async (info, stream, ct) =>
                await _client.ReadListAsync(info, stream, "results", d => AuditLog.Read(d, _client.Session)).ConfigureAwait(false), ctx).ConfigureAwait(false);
            var page = (IReadOnlyList<AuditLog>?)records ?? Array.Empty<AuditLog>();
            if (env.TotalResults.HasValue) ServerTotal = env.TotalResults;
            _position += page.Count;
            foreach (var r in page)
            {
                Read++;
                if (_skipLeft > 0) { _skipLeft--; Matched++; continue; }
                if (!Offer(r, sink)) return;
            }
            if (page.Count == 0 || (ServerTotal.HasValue && _position >= ServerTotal.Value)) { IsComplete = true; return; }
            var next = env.SearchAfter;
            bool none = next == null || (next is string s && s.Length == 0) || (next is ICollection c && c.Count == 0);
            _searchAfter = none ? null : next;
        }
    }
}
