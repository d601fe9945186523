using System;
using System.Collections.Generic;

namespace CbDefense
{
    /// <summary>
    /// What a device search asks for, independent of the API generation. The session's device service turns it into
    /// the server's filters and applies on the client, exactly, whatever the server cannot filter; anything neither can
    /// honour is refused (ArgumentException), never dropped.
    /// <para>
    /// Name filters follow PowerShell's convention: without a wildcard they mean the exact name (case-insensitive);
    /// <c>*</c>, <c>?</c> and <c>[...]</c> make them patterns (<c>web*</c>, <c>*db*</c>).
    /// </para>
    /// </summary>
    public sealed class DeviceQuery
    {
        /// <summary>The device statuses the APIs document.</summary>
        public static IReadOnlyList<string> Statuses { get; } = new[]
        {
            "PENDING", "REGISTERED", "UNINSTALLED", "DEREGISTERED", "ACTIVE", "INACTIVE", "ERROR", "ALL", "BYPASS_ON", "BYPASS",
            "QUARANTINE", "SENSOR_OUTOFDATE", "DELETED", "LIVE",
        };

        /// <summary>The operating systems the APIs document.</summary>
        public static IReadOnlyList<string> OperatingSystems { get; } = new[] { "WINDOWS", "MAC", "LINUX", "ANDROID", "IOS", "OTHER" };

        /// <summary>The host name, or a wildcard pattern of it.</summary>
        public string? HostName { get; set; }
        /// <summary>The exact host name (the v3 hostNameExact filter).</summary>
        public string? HostNameExact { get; set; }
        /// <summary>The owner (e-mail address, or first and last name), or a wildcard pattern of it.</summary>
        public string? OwnerName { get; set; }
        /// <summary>The owner's exact e-mail address (the v3 ownerNameExact filter).</summary>
        public string? OwnerNameExact { get; set; }
        /// <summary>The last internal or external IP address.</summary>
        public string? IpAddress { get; set; }
        /// <summary>Device statuses (any of them), e.g. REGISTERED, DEREGISTERED.</summary>
        public IList<string> Status { get; } = new List<string>();
        /// <summary>Operating systems (any of them): WINDOWS, MAC, LINUX, ...</summary>
        public IList<string> OS { get; } = new List<string>();
        /// <summary>Policy ids (any of them).</summary>
        public IList<long> PolicyId { get; } = new List<long>();
        /// <summary>Target priorities (any of them): LOW, MEDIUM, HIGH, MISSION_CRITICAL.</summary>
        public IList<string> TargetPriority { get; } = new List<string>();
        /// <summary>A query in the search language of the current API, passed as is (current generation only).</summary>
        public string? Query { get; set; }
        /// <summary>Extra criteria of the current API's search, merged into its criteria (current generation only).</summary>
        public IDictionary<string, object?> Criteria { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);
        /// <summary>Criteria of devices to leave out, sent as the search's exclusions (current generation only).</summary>
        public IDictionary<string, object?> Exclusions { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);
        /// <summary>Sort order: field names, a leading '-' for descending (current generation only).</summary>
        public IList<string> Sort { get; } = new List<string>();
        /// <summary>Extra <c>key:value</c> clauses, ANDed (split at the first colon; the same key twice: the last wins).</summary>
        public IList<string> Filters { get; } = new List<string>();

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

        /// <summary>The filters as key → value, the last of a key winning.</summary>
        internal IReadOnlyList<(string Key, string Value)> ParsedFilters()
        {
            var list = new List<(string, string)>();
            foreach (var clause in Filters)
            {
                var (k, v) = ParseFilter(clause);
                list.RemoveAll(x => string.Equals(x.Item1, k, StringComparison.Ordinal));
                list.Add((k, v));
            }
            return list;
        }
    }
}
