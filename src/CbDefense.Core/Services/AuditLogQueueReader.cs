using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace CbDefense.Services
{
    /// <summary>
    /// Reads an audit log queue (either generation: v3 auditlogs, audit log v1 _queue) to its end, one read at a time, so
    /// that the caller writes each read's records before the next read is made: the queue is read-once, and a read still in
    /// flight when the caller stops (a pipeline that ends) would take records no one writes. It reads again while a read
    /// says more may be queued (<see cref="AuditLogQueueRead.MoreQueued"/>: not on an empty or short reply), and with a
    /// limit (-First) stops once at least that many were read. It never drops a record it took: each read's records are
    /// all returned, so the total can pass the limit by up to one reply.
    /// </summary>
    internal sealed class AuditLogQueueReader
    {
        private readonly IAuditLogService _logs;

        /// <param name="logs">The session's audit log service.</param>
        /// <param name="limit">Stop reading once this many records were read (null: read to the end; 0: read nothing).</param>
        public AuditLogQueueReader(IAuditLogService logs, long? limit)
        {
            if (limit < 0) throw new ArgumentOutOfRangeException(nameof(limit), "The limit cannot be negative.");
            _logs = logs ?? throw new ArgumentNullException(nameof(logs));
            Limit = limit;
            IsComplete = limit == 0;
        }

        public long? Limit { get; }

        /// <summary>True once no further read is wanted: the queue said it was drained, or the limit was reached.</summary>
        public bool IsComplete { get; private set; }

        public int Reads { get; private set; }

        /// <summary>Records read so far (all of them returned to the caller).</summary>
        public long Total { get; private set; }

        /// <summary>True when reading stopped at the limit while the last read said more may be queued.</summary>
        public bool StoppedAtLimit { get; private set; }

        /// <summary>The last read (null before the first).</summary>
        public AuditLogQueueRead? LastRead { get; private set; }

        /// <summary>How many records the last read left queued, when the server says (v1 <c>num_found</c> minus the read).</summary>
        public long? Left => LastRead?.Pending is long pending ? Math.Max(0, pending - LastRead.Records.Count) : (long?)null;

        /// <summary>Records read past the limit (0 without one): they were taken from the queue, so they are returned too.</summary>
        public long OverLimit => Limit.HasValue ? Math.Max(0, Total - Limit.Value) : 0;

        /// <summary>One read of the queue; its records are gone from the server, so the caller writes every one.</summary>
        public async Task<IReadOnlyList<AuditLog>> ReadAsync(CallContext ctx)
        {
            if (IsComplete) throw new InvalidOperationException("The audit log queue has been read to the end (or to the limit); start a new read.");
            var read = await _logs.ReadQueueAsync(ctx).ConfigureAwait(false);
            if (read.MoreQueued && LastRead != null && SameRecords(LastRead.Records, read.Records))
            {
                // A read-once queue never hands the same full reply out twice; a server (or a caching proxy) that does would
                // keep this loop going forever and write the records again each time.
                IsComplete = true;
                throw new CbInvalidResponseException("The server sent the same " + read.Records.Count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) +
                    " audit log records twice in a row, so it is not serving a read-once queue (a caching proxy in between?). Reading stopped; " +
                    "the records were written once.");
            }
            Reads++;
            Total += read.Records.Count;
            LastRead = read;
            if (!read.MoreQueued)
            {
                IsComplete = true;
            }
            else if (Limit.HasValue && Total >= Limit.Value)
            {
                IsComplete = true;
                StoppedAtLimit = true;
            }
            return read.Records;
        }

        /// <summary>True when both reads hold the same records in the same order (every field the model reads).</summary>
        private static bool SameRecords(IReadOnlyList<AuditLog> a, IReadOnlyList<AuditLog> b)
        {
            if (a.Count == 0 || a.Count != b.Count) return false;
            for (int i = 0; i < a.Count; i++)
            {
                AuditLog x = a[i], y = b[i];
                if (x.TimeUtc != y.TimeUtc || x.EventId != y.EventId || x.Actor != y.Actor || x.ActorIp != y.ActorIp ||
                    x.Description != y.Description || x.RequestUrl != y.RequestUrl || x.OrgKey != y.OrgKey)
                    return false;
            }
            return true;
        }
    }
}
