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
    /// The policy export file (Export-CbPolicy / Import-CbPolicy): UTF-8 JSON holding the whole policy document as the
    /// server sent it (every field), in its API generation, plus where it came from:
    /// <c>{"cbDefensePolicyExport": 1, "exportedAt": "...", "apiGeneration": "Legacy", "source": {"uri", "orgKey", "policyId"},
    /// "policyInfo": {...}}</c> for a v3 policy, or <c>"apiGeneration": "Current", ..., "policyV1": {...}</c> for a policy
    /// service v1 policy. Reading also accepts a bare policyInfo or v1 object, or a v3 GET reply
    /// (<c>{"policyInfo": {...}, "success": true}</c>). Importing into a session of the other generation converts it.
    /// </summary>
    public static class PolicyDocument
    {
        public const int FormatVersion = 1;
        public const string FormatKey = "cbDefensePolicyExport";

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
                // (the source never holds a secret: URL, org key and id)
                doc["source"] = new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["uri"] = policy.Session.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/'),
                    ["orgKey"] = policy.Session.OrgKey,
                    ["policyId"] = policy.Id,
                };
            }
            doc["apiGeneration"] = policy.ApiGeneration.ToString();
            doc[policy.ApiGeneration == ApiGeneration.Current ? "policyV1" : "policyInfo"] = policy.ToDocument();
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
            if (d.TryGetValue("policyV1", out var v1))
                return Policy.FromV1(v1 as Dictionary<string, object?> ?? throw new FormatException("The document's policyV1 is not a JSON object."));
            if (d.TryGetValue("policyInfo", out var pi))
                return Policy.FromPolicyInfo(pi as Dictionary<string, object?> ?? throw new FormatException("The document's policyInfo is not a JSON object."));
            if (LooksLikeV1(d)) return Policy.FromV1(d);
            if (d.ContainsKey("policy") || d.ContainsKey("priorityLevel") || d.ContainsKey("name")) return Policy.FromPolicyInfo(d);
            throw new FormatException("The document is not a policy export: it has no policyInfo or policyV1 (and is not a policy object itself).");
        });

        /// <summary>A bare policy object of the policy service v1 (snake_case fields, no nested settings object).</summary>
        internal static bool LooksLikeV1(IDictionary<string, object?> d) =>
            !d.ContainsKey("policy") && (d.ContainsKey("priority_level") || d.ContainsKey("av_settings") || d.ContainsKey("sensor_settings") ||
                                         d.ContainsKey("directory_action_rules") || d.ContainsKey("is_system"));

        /// <summary>
        /// True when a settings object looks like the other generation's (v1 snake_case names in a v3 policy's settings, or
        /// v3 camelCase names in a v1 policy's), so it can be converted rather than sent with names the server ignores.
        /// </summary>
        internal static bool SettingsLookLikeV1(IDictionary<string, object?> settings) =>
            settings.ContainsKey("sensor_settings") || settings.ContainsKey("av_settings") || settings.ContainsKey("directory_action_rules") ||
            settings.ContainsKey("auto_delete_known_bad_hashes_delay");

        internal static bool SettingsLookLikeV3(IDictionary<string, object?> settings) =>
            settings.ContainsKey("sensorSettings") || settings.ContainsKey("avSettings") || settings.ContainsKey("directoryActionRules") ||
            settings.ContainsKey("knownBadHashAutoDeleteDelayMs");

        /// <summary>
        /// <paramref name="policy"/> with its settings replaced by <paramref name="settings"/> (a v3 <c>policy</c> object or the
        /// v1 settings fields; given in the other generation's names, they are converted first, with warnings).
        /// </summary>
        public static Policy WithSettings(Policy policy, IDictionary<string, object?> settings, List<string>? warnings = null)
        {
            if (policy == null) throw new ArgumentNullException(nameof(policy));
            if (settings == null) throw new ArgumentNullException(nameof(settings));
            var w = warnings ?? new List<string>();
            var plain = (Dictionary<string, object?>)PolicyJson.Clone(settings)!;
            var doc = (Dictionary<string, object?>)policy.ToDocument();
            if (policy.ApiGeneration == ApiGeneration.Current)
            {
                if (SettingsLookLikeV3(plain) && !SettingsLookLikeV1(plain))
                    plain = PolicyConversion.ToV1(new Dictionary<string, object?> { ["policy"] = plain }, w);
                foreach (var key in new List<string>(doc.Keys))
                    if (PolicySchema.V1.IsSettingsKey(key)) doc.Remove(key);
                foreach (var kv in plain) doc[kv.Key] = kv.Value;
                return PolicyJson.ReadPolicy(doc, policy.Session, PolicySchema.V1);
            }
            if (SettingsLookLikeV1(plain) && !SettingsLookLikeV3(plain))
                plain = (Dictionary<string, object?>)PolicyConversion.ToV3(plain, w)["policy"]!;
            doc["policy"] = plain;
            return PolicyJson.ReadPolicy(doc, policy.Session, PolicySchema.V3);
        }

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

        /// <summary>A copy of <paramref name="template"/> to create as a new policy (no id), with an optional new name.</summary>
        public static Policy Draft(Policy template, string? name = null)
        {
            if (template == null) throw new ArgumentNullException(nameof(template));
            var draft = template.Clone();
            draft.Id = 0;
            if (!string.IsNullOrEmpty(name)) draft.Name = name;
            return draft;
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
