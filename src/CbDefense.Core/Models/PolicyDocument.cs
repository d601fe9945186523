using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using CbDefense.Json;
using Newtonsoft.Json;

namespace CbDefense
{
    /// <summary>
    /// The policy export file (Export-CbPolicy / Import-CbPolicy): UTF-8 JSON holding the whole policyInfo as the server
    /// sent it (every field), plus where it came from:
    /// <c>{"cbDefensePolicyExport": 1, "exportedAt": "...", "source": {"uri", "orgKey", "policyId"}, "policyInfo": {...}}</c>.
    /// Reading also accepts a bare policyInfo object or a v3 GET reply (<c>{"policyInfo": {...}, "success": true}</c>).
    /// </summary>
    public static class PolicyDocument
    {
        public const int FormatVersion = 1;
        public const string FormatKey = "cbDefensePolicyExport";

        /// <summary>Fields that belong to the server a policy lives on: never carried into a create, taken from the target on a replace.</summary>
        public static IReadOnlyList<string> ServerManagedFields { get; } = new[] { "id", "latestRevision", "systemPolicy", "orgId" };

        private static readonly JsonSerializerSettings Indented = new JsonSerializerSettings
        {
            DateFormatHandling = DateFormatHandling.IsoDateFormat,
            DateTimeZoneHandling = DateTimeZoneHandling.RoundtripKind,
            NullValueHandling = NullValueHandling.Include,
            Formatting = Formatting.Indented,
        };

        /// <summary>The export document of a policy as indented JSON text.</summary>
        public static string ToJson(Policy policy)
        {
            if (policy == null) throw new ArgumentNullException(nameof(policy));
            var doc = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                [FormatKey] = (long)FormatVersion,
                ["exportedAt"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            };
            if (policy.Session != null)
            {
                doc["source"] = new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["uri"] = policy.Session.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/'),
                    ["orgKey"] = policy.Session.OrgKey,
                    ["policyId"] = policy.Id,
                };
            }
            doc["policyInfo"] = policy.ToPolicyInfo();
            return JsonConvert.SerializeObject(doc, Indented);
        }

        /// <summary>Writes the export document to a file (UTF-8 without a byte order mark).</summary>
        public static void Save(Policy policy, string path)
        {
            if (string.IsNullOrEmpty(path)) throw new ArgumentException("A file path is required.", nameof(path));
            File.WriteAllText(path, ToJson(policy) + "\n", new UTF8Encoding(false));
        }

        /// <summary>Reads an export document (or a bare policyInfo, or a GET reply) into a policy with no session.</summary>
        public static Policy FromJson(string json) => ParseObject(json, "policy export", d =>
        {
            var info = d;
            if (d.TryGetValue("policyInfo", out var pi))
            {
                info = pi as Dictionary<string, object?> ??
                       throw new FormatException("The document's policyInfo is not a JSON object.");
            }
            else if (!d.ContainsKey("policy") && !d.ContainsKey("name"))
            {
                throw new FormatException("The document is not a policy export: it has no policyInfo (and is not a policyInfo object itself).");
            }
            return Policy.FromPolicyInfo(info);
        });

        /// <summary>Reads an export file.</summary>
        /// <summary>The largest policy file read: far above any real policy (a few KB, a few hundred rules), far below a mistake.</summary>
        public const long MaximumFileSize = 5 * 1024 * 1024;

        public static Policy Load(string path)
        {
            string text;
            try
            {
                long size = new FileInfo(path).Length;
                if (size > MaximumFileSize)
                    throw new ArgumentException("The policy file '" + path + "' is " + (size / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) +
                        " MB; a policy document is a few KB (at most " + (MaximumFileSize / 1048576) + " MB is read). Is it the right file? Nothing was sent.");
                text = File.ReadAllText(path, Encoding.UTF8);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new ArgumentException("Cannot read the policy file '" + path + "': " + ex.Message, ex);
            }
            try { return FromJson(text); }
            catch (FormatException ex) { throw new FormatException("'" + path + "': " + ex.Message, ex); }
        }

        /// <summary>Parses a policy settings object (the <c>policy</c> field) given as JSON text.</summary>
        public static IDictionary<string, object?> ParseSettings(string json) => ParseObject(json, "policy settings", d => (IDictionary<string, object?>)d);

        /// <summary>
        /// The policyInfo to create <paramref name="template"/> as a new policy: every field except the server-managed ones
        /// (id, latestRevision, systemPolicy, orgId), with an optional new name.
        /// </summary>
        public static IDictionary<string, object?> ForCreate(Policy template, string? name = null)
        {
            if (template == null) throw new ArgumentNullException(nameof(template));
            var info = template.ToPolicyInfo();
            foreach (var f in ServerManagedFields) info.Remove(f);
            if (!string.IsNullOrEmpty(name)) info["name"] = name;
            return info;
        }

        /// <summary>
        /// The policyInfo that replaces <paramref name="target"/> with <paramref name="template"/>'s settings and fields;
        /// the server-managed fields (id, latestRevision, systemPolicy, orgId) are the target's.
        /// </summary>
        public static IDictionary<string, object?> ForReplace(Policy template, Policy target, string? name = null)
        {
            if (template == null) throw new ArgumentNullException(nameof(template));
            if (target == null) throw new ArgumentNullException(nameof(target));
            var info = ForCreate(template, name);
            var t = target.ToPolicyInfo();
            var result = new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = target.Id };
            foreach (var f in ServerManagedFields)
                if (f != "id" && t.TryGetValue(f, out var v)) result[f] = v;
            foreach (var kv in info) result[kv.Key] = kv.Value;
            return result;
        }

        internal static T ParseObject<T>(string json, string what, Func<Dictionary<string, object?>, T> read)
        {
            if (json == null) throw new ArgumentNullException(nameof(json));
            object? v;
            try { v = PlainJson.Parse(json); }
            catch (JsonException ex) { throw new FormatException("The " + what + " is not valid JSON: " + ex.Message, ex); }
            if (!(v is Dictionary<string, object?> d)) throw new FormatException("The " + what + " must be a JSON object.");
            return read(d);
        }
    }
}
