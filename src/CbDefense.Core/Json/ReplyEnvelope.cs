using System;
using System.Collections.Generic;
using System.Globalization;

namespace CbDefense.Json
{
    /// <summary>
    /// The top-level fields of a reply other than its items, as plain values: v3's <c>success</c>, <c>message</c>,
    /// <c>errorMessage</c> and <c>totalResults</c>, v6's <c>num_found</c> and <c>search_after</c>, and whatever else came.
    /// The one envelope of every list and object reader.
    /// </summary>
    internal sealed class ReplyEnvelope
    {
        public Dictionary<string, object?> Fields { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);

        public bool? Success => Fields.TryGetValue("success", out var v) && v != null && FieldReader.ToBool(v) is var (ok, b) && ok ? b : (bool?)null;
        public bool HasErrorMessage => Fields.ContainsKey("errorMessage");
        public string? ErrorMessage => Str("errorMessage");
        public string? Message => Str("message");

        /// <summary>The server's count of matches: v3 <c>totalResults</c> or v6 <c>num_found</c>.</summary>
        public long? TotalResults => Long("totalResults") ?? Long("num_found");

        /// <summary>The v6 _scroll cursor for the next page, as the server sent it (null or empty: nothing more).</summary>
        public object? SearchAfter => Fields.TryGetValue("search_after", out var v) ? v : null;

        /// <summary>Whether a 2xx reply says it failed (errorMessage, or success false).</summary>
        public bool ReportsFailure => HasErrorMessage || Success == false;

        public string? Str(string key) => Fields.TryGetValue(key, out var v) && v != null ? (v as string ?? Convert.ToString(v, CultureInfo.InvariantCulture)) : null;

        private long? Long(string key) => Fields.TryGetValue(key, out var v) && v != null && FieldReader.ToLong(v) is var (ok, l) && ok ? l : (long?)null;
    }
}
