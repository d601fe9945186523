using System;
using System.Globalization;
using CbDefense.Json;

namespace CbDefense
{
    /// <summary>
    /// The -StartTime/-EndTime of the search queries: a time whose Kind is Unspecified (typed as text: -StartTime
    /// '2024-05-01') is local time, as PowerShell and the models read it; the start is rounded up and the end down to
    /// the millisecond, so both bounds stay inside what was asked; a start later than the end is an ArgumentException.
    /// </summary>
    internal static class QueryTime
    {
        public static DateTime ToUtc(DateTime t) => t.Kind == DateTimeKind.Utc ? t : t.ToUniversalTime();

        /// <summary>The bounds in epoch ms (start rounded up, end down); an inverted range is an ArgumentException named <paramref name="paramName"/>.</summary>
        public static void Bounds(DateTime? start, DateTime? end, string paramName, out long? startMs, out long? endMs)
        {
            if (start.HasValue && end.HasValue && ToUtc(start.Value) > ToUtc(end.Value))
                throw new ArgumentException("The time range is inverted: -StartTime (" + ToUtc(start.Value).ToString("o", CultureInfo.InvariantCulture) +
                                            ") is later than -EndTime (" + ToUtc(end.Value).ToString("o", CultureInfo.InvariantCulture) +
                                            "). Swap them.", paramName);
            startMs = start.HasValue ? CeilMs(start.Value) : (long?)null;
            endMs = end.HasValue ? FieldReader.ToEpochMs(ToUtc(end.Value)) : (long?)null;
        }

        private static long CeilMs(DateTime t)
        {
            var u = ToUtc(t);
            long ms = FieldReader.ToEpochMs(u);
            return u.Ticks % TimeSpan.TicksPerMillisecond == 0 ? ms : ms + 1;
        }
    }
}
