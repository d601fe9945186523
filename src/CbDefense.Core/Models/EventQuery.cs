using System;
using System.Collections.Generic;
using CbDefense.Json;

namespace CbDefense
{
    /// <summary>The filters of a v3 event search (plain query parameters, ANDed).</summary>
    public sealed class EventQuery
    {
        /// <summary>The documented searchWindow values.</summary>
        public static readonly IReadOnlyList<string> SearchWindows = new[] { "1h", "3h", "1d", "1w", "2w" };

        public string? HostName { get; set; }
        public string? HostNameExact { get; set; }
        public string? OwnerName { get; set; }
        public string? OwnerNameExact { get; set; }
        public string? IpAddress { get; set; }
        public string? Sha256Hash { get; set; }
        public string? ApplicationName { get; set; }
        public string? EventType { get; set; }
        /// <summary>1h, 3h, 1d, 1w or 2w: events of that span before now.</summary>
        public string? SearchWindow { get; set; }
        /// <summary>Events at or after this time (inclusive; sent as ISO-8601 UTC with ms).</summary>
        public DateTime? StartTime { get; set; }
        /// <summary>Events at or before this time (inclusive).</summary>
        public DateTime? EndTime { get; set; }
        /// <summary>Extra <c>key:value</c> clauses (split at the first colon; the same key twice: the last wins).</summary>
        public IList<string> Filters { get; } = new List<string>();

        /// <summary>The time bounds in epoch ms (StartTime rounded up, EndTime down), from the properties or startTime/endTime filters.</summary>
        internal void GetBounds(out long? startMs, out long? endMs)
        {
            startMs = StartTime.HasValue ? CeilMs(StartTime.Value) : (long?)null;
            endMs = EndTime.HasValue ? FieldReader.ToEpochMs(EndTime.Value) : (long?)null;
            foreach (var clause in Filters)
            {
                var (k, v) = DeviceQuery.ParseFilter(clause);
                if (k != "startTime" && k != "endTime") continue;
                if (!FieldReader.TryTime(v, out _, out var ms) || ms == null)
                    throw new ArgumentException("The filter '" + clause + "' is not a time; use ISO-8601 UTC such as 2020-08-04T00:00:00.000Z, or -StartTime/-EndTime.", nameof(Filters));
                if (k == "startTime") startMs = startMs.HasValue ? Math.Max(startMs.Value, ms.Value) : ms;
                else endMs = endMs.HasValue ? Math.Min(endMs.Value, ms.Value) : ms;
            }
        }

        private static long CeilMs(DateTime t)
        {
            long ms = FieldReader.ToEpochMs(t);
            var u = t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t;
            return u.Ticks % TimeSpan.TicksPerMillisecond == 0 ? ms : ms + 1;
        }

        /// <summary>
        /// The query parameters (without rows/start). The time range given here replaces StartTime/EndTime (null: not sent).
        /// Throws ArgumentException for a clause without ':' or an undocumented searchWindow.
        /// </summary>
        public IDictionary<string, string> ToQueryParameters(long? startMs, long? endMs)
        {
            var d = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!string.IsNullOrEmpty(HostName)) d["hostName"] = HostName!;
            if (!string.IsNullOrEmpty(HostNameExact)) d["hostNameExact"] = HostNameExact!;
            if (!string.IsNullOrEmpty(OwnerName)) d["ownerName"] = OwnerName!;
            if (!string.IsNullOrEmpty(OwnerNameExact)) d["ownerNameExact"] = OwnerNameExact!;
            if (!string.IsNullOrEmpty(IpAddress)) d["ipAddress"] = IpAddress!;
            if (!string.IsNullOrEmpty(Sha256Hash)) d["sha256Hash"] = Sha256Hash!;
            if (!string.IsNullOrEmpty(ApplicationName)) d["applicationName"] = ApplicationName!;
            if (!string.IsNullOrEmpty(EventType)) d["eventType"] = EventType!;
            if (!string.IsNullOrEmpty(SearchWindow))
            {
                bool ok = false;
                foreach (var w in SearchWindows) if (string.Equals(w, SearchWindow, StringComparison.OrdinalIgnoreCase)) { ok = true; d["searchWindow"] = w; }
                if (!ok) throw new ArgumentException("SearchWindow '" + SearchWindow + "' is not one of " + string.Join(", ", SearchWindows) + ".", nameof(SearchWindow));
            }
            foreach (var clause in Filters)
            {
                var (k, v) = DeviceQuery.ParseFilter(clause);
                d[k] = v;
            }
            d.Remove("startTime");
            d.Remove("endTime");
            if (startMs.HasValue) d["startTime"] = FieldReader.IsoMs(startMs.Value);
            if (endMs.HasValue) d["endTime"] = FieldReader.IsoMs(endMs.Value);
            return d;
        }

        /// <summary>The searchWindow span in ms, or null.</summary>
        internal long? SearchWindowMs()
        {
            switch ((SearchWindow ?? "").ToLowerInvariant())
            {
                case "1h": return 3_600_000L;
                case "3h": return 3 * 3_600_000L;
                case "1d": return 86_400_000L;
                case "1w": return 7 * 86_400_000L;
                case "2w": return 14 * 86_400_000L;
                default: return null;
            }
        }
    }
}
