using System;
using System.Collections.Generic;

namespace CbDefense
{
    /// <summary>The filters of a v3 device search (plain query parameters, ANDed).</summary>
    public sealed class DeviceQuery
    {
        public string? HostName { get; set; }
        public string? HostNameExact { get; set; }
        public string? OwnerName { get; set; }
        public string? OwnerNameExact { get; set; }
        public string? IpAddress { get; set; }
        /// <summary>Extra <c>key:value</c> clauses (split at the first colon; the same key twice: the last wins).</summary>
        public IList<string> Filters { get; } = new List<string>();

        /// <summary>The query parameters (without rows/start). Throws ArgumentException for a clause without ':'.</summary>
        public IDictionary<string, string> ToQueryParameters()
        {
            var d = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!string.IsNullOrEmpty(HostName)) d["hostName"] = HostName!;
            if (!string.IsNullOrEmpty(HostNameExact)) d["hostNameExact"] = HostNameExact!;
            if (!string.IsNullOrEmpty(OwnerName)) d["ownerName"] = OwnerName!;
            if (!string.IsNullOrEmpty(OwnerNameExact)) d["ownerNameExact"] = OwnerNameExact!;
            if (!string.IsNullOrEmpty(IpAddress)) d["ipAddress"] = IpAddress!;
            foreach (var clause in Filters)
            {
                var (k, v) = ParseFilter(clause);
                d[k] = v;
            }
            return d;
        }

        /// <summary>Splits <c>key:value</c> at the first colon.</summary>
        public static (string Key, string Value) ParseFilter(string clause)
        {
            if (clause == null) throw new ArgumentNullException(nameof(clause));
            int i = clause.IndexOf(':');
            if (i < 0)
                throw new ArgumentException("The filter '" + clause + "' has no ':'; write filters as key:value, e.g. hostNameExact:web01.", nameof(clause));
            string key = clause.Substring(0, i).Trim();
            if (key.Length == 0)
                throw new ArgumentException("The filter '" + clause + "' has an empty key; write filters as key:value, e.g. hostNameExact:web01.", nameof(clause));
            return (key, clause.Substring(i + 1));
        }
    }
}
