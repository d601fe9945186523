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
    }
}
