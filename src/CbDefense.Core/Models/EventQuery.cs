using System;
using System.Collections.Generic;
using CbDefense.Json;

namespace CbDefense
{
    /// <summary>
    /// What an event search asks for (the v3 event API). Name filters follow PowerShell's convention: without a wildcard
    /// they mean the exact name (case-insensitive); with <c>*</c>, <c>?</c> or <c>[...]</c> they are patterns.
    /// </summary>
    public sealed class EventQuery
    {
        /// <summary>The documented searchWindow values.</summary>
        public static readonly IReadOnlyList<string> SearchWindows = new[] { "1h", "3h", "1d", "1w", "2w" };

        /// <summary>The device's host name, or a wildcard pattern of it.</summary>
        public string? HostName { get; set; }
        public string? HostNameExact { get; set; }
        /// <summary>The device owner's e-mail address, or a wildcard pattern of it.</summary>
        public string? OwnerName { get; set; }
        public string? OwnerNameExact { get; set; }
        public string? IpAddress { get; set; }
        public string? Sha256Hash { get; set; }
        public string? ApplicationName { get; set; }
        public string? EventType { get; set; }
        /// <summary>1h, 3h, 1d, 1w or 2w: events of that span before now.</summary>
        public string? SearchWindow { get; set; }
        /// <summary>Events at or after this time (inclusive; sent as ISO-8601 UTC with ms). A time without a zone is local, as in Get-Date.</summary>
        public DateTime? StartTime { get; set; }
        /// <summary>Events at or before this time (inclusive).</summary>
        public DateTime? EndTime { get; set; }
        /// <summary>Extra <c>key:value</c> clauses (split at the first colon; the same key twice: the last wins).</summary>
        public IList<string> Filters { get; } = new List<string>();

        /// <summary>
        /// The time bounds in epoch ms (StartTime rounded up, EndTime down), from the properties or startTime/endTime
        /// filters. A range whose start is after its end is an ArgumentException.
        /// </summary>
        internal void GetBounds(out long? startMs, out long? endMs)
        {
            QueryTime.Bounds(StartTime, EndTime, nameof(StartTime), out startMs, out endMs);
            foreach (var clause in Filters)
            {
                var (k, v) = DeviceQuery.ParseFilter(clause);
                if (k != "startTime" && k != "endTime") continue;
                if (!FieldReader.TryTime(v, out _, out var ms) || ms == null)
                    throw new ArgumentException("The filter '" + clause + "' is not a time; use ISO-8601 UTC such as 2020-08-04T00:00:00.000Z, or -StartTime/-EndTime.", nameof(Filters));
                if (k == "startTime") startMs = startMs.HasValue ? Math.Max(startMs.Value, ms.Value) : ms;
                else endMs = endMs.HasValue ? Math.Min(endMs.Value, ms.Value) : ms;
            }
            bool fromFilters = Filters.Count > 0;
            if (fromFilters && startMs.HasValue && endMs.HasValue && startMs.Value > endMs.Value + 1)
                throw new ArgumentException("The time range is inverted: the start (" + FieldReader.IsoMs(startMs.Value) + ") is later than the end (" +
                                            FieldReader.IsoMs(endMs.Value) + "). Check -StartTime, -EndTime and the startTime/endTime filters.", nameof(StartTime));
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
