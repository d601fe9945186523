using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Search;

namespace CbDefense.Services
{
    /// <summary>One read of an audit log queue: the records the server handed out (and removed from the queue).</summary>
    internal sealed class AuditLogQueueRead
    {
        public AuditLogQueueRead(IReadOnlyList<AuditLog> records, long? pending, bool moreQueued)
        {
            Records = records;
            Pending = pending;
            MoreQueued = moreQueued;
        }

        public IReadOnlyList<AuditLog> Records { get; }
        /// <summary>How many records were queued before this read, when the server says (audit log v1 num_found).</summary>
        public long? Pending { get; }
        /// <summary>
        /// True when the queue may hold more than this read returned, so it is read again: the server says so (audit log v1
        /// <c>num_found</c> above <c>num_available</c>) or, when it says nothing (v3), the reply was full
        /// (<see cref="AuditLogReply.FullReply"/> records or more). An empty reply is never more.
        /// </summary>
        public bool MoreQueued { get; }
    }

    /// <summary>
    /// Audit logs: the read-once queue (both generations: v3 auditlogs, audit log v1 _queue) and the search (audit log v1
    /// _search only). One implementation per API generation.
    /// </summary>
    internal interface IAuditLogService
    {
        /// <summary>One read of the queue. What it returns is gone from the server's queue (for this API key).</summary>
        Task<AuditLogQueueRead> ReadQueueAsync(CallContext ctx);

        /// <summary>
        /// A search, pages of at most <paramref name="pageSize"/> records; InvalidOperationException (naming what to use
        /// instead) on a generation without it; ArgumentException for a query it cannot send. Both before any request.
        /// </summary>
        PagedSearch<AuditLog> Search(AuditLogQuery query, long skip, long? first, int pageSize);
    }

    /// <summary>The queue replies of both generations (liberal: the records under <c>notifications</c> or <c>results</c>).</summary>
    internal static class AuditLogReply
    {
        /// <summary>
        /// The most records a queue reply holds: 1,000. Neither the v3 nor the v1 documentation states a cap (cbapi's
        /// get_auditlogs reads the v3 queue once); the emulator serves at most 1,000 per read on both (docs/emulator.md).
        /// A reply this long (or longer) may have left records queued; a shorter one, or an empty one, drained the queue.
        /// Were the real cap smaller, a full reply would look short and the read would stop early: nothing is lost, the
        /// rest stays queued for the next call.
        /// </summary>
        public const int FullReply = 1000;

        /// <summary>Whether a reply of <paramref name="count"/> records may have left more queued, when the server does not say.</summary>
        public static bool WasFull(int count) => count >= FullReply;

        /// <summary>GETs a queue route: 204 or an empty body is an empty read; a 404 with a JSON body is a retired route.</summary>
        public static async Task<(List<AuditLog> Records, Dictionary<string, object?> Envelope)> ReadQueueAsync(CbClient client, string path, CallContext ctx)
        {
            ApiResponse r;
            try
            {
                r = await client.SendJsonAsync(CbRequest.Create(HttpMethod.Get, path), ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex)
            {
                throw ErrorMapper.RetiredIfGone(ex);
            }
            var records = new List<AuditLog>();
            if (r.StatusCode == 204 || r.Text.Trim().Length == 0) return (records, new Dictionary<string, object?>(StringComparer.Ordinal));
            if (!(r.Json is Dictionary<string, object?> d))
                throw ErrorMapper.Invalid(r.Method, r.RequestUri, r.StatusCode, r.ReasonPhrase, r.ContentType, "not a JSON object", r.Text, null);
            var items = (d.TryGetValue("notifications", out var n) ? n : null) as List<object?> ?? (d.TryGetValue("results", out var res) ? res : null) as List<object?>;
            foreach (var item in items ?? new List<object?>())
                if (item is Dictionary<string, object?> o) records.Add(AuditLog.Read(o, client.Session));
            return (records, d);
        }
    }
}
