using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace CbDefense
{
    /// <summary>
    /// The documented values of the v3 policy API (cbapi-defense-api.md §6.3, carbon-black-cloud-api.md §3.1) and the
    /// checks made before anything is sent. Values are matched case-insensitively and normalized to upper case.
    /// </summary>
    public static class PolicyValues
    {
        public static IReadOnlyList<string> PriorityLevels { get; } = new[] { "LOW", "MEDIUM", "HIGH", "MISSION_CRITICAL" };

        public static IReadOnlyList<string> Operations { get; } = new[]
        {
            "RUN", "NETWORK", "CODE_INJECTION", "MEMORY_SCRAPE", "RANSOM", "POL_INVOKE_NOT_TRUSTED", "INVOKE_SCRIPT",
            "INVOKE_SYSAPP", "INVOKE_CMD_INTERPRETER", "BYPASS_ALL", "BYPASS_API", "PROCESS_ISOLATION", "RUN_INMEMORY_CODE",
            "ESCALATE",
        };

        public static IReadOnlyList<string> Actions { get; } = new[] { "IGNORE", "ALLOW", "DENY", "TERMINATE_PROCESS", "TERMINATE_THREAD", "TERMINATE" };

        public static IReadOnlyList<string> ApplicationTypes { get; } = new[] { "NAME_PATH", "SIGNED_BY", "REPUTATION" };

        /// <summary>
        /// The documented reputation values for application type REPUTATION: a rule the user adds or changes must use one;
        /// rules that come from the server are kept as they are (the list may grow).
        /// </summary>
        public static IReadOnlyList<string> Reputations { get; } = new[]
        {
            "ADAPTIVE_WHITE_LIST", "ADWARE", "COMMON_WHITE_LIST", "COMPANY_BLACK_LIST", "COMPANY_WHITE_LIST", "HEURISTIC",
            "IGNORE", "KNOWN_MALWARE", "LOCAL_WHITE", "NOT_LISTED", "PUP", "RESOLVING", "SUSPECT_MALWARE", "TRUSTED_WHITE_LIST",
        };

        /// <summary>The only policy version the v3 API accepts.</summary>
        public const int PolicyVersion = 2;

        /// <summary>The allowed value equal (ignoring case) to <paramref name="value"/>; else ArgumentException naming the allowed values.</summary>
        public static string Normalize(string what, string? value, IReadOnlyList<string> allowed)
        {
            if (value == null || value.Trim().Length == 0)
                throw new ArgumentException(Cap(what) + " is required. Allowed values: " + string.Join(", ", allowed) + ".");
            string v = value.Trim();
            foreach (var a in allowed)
                if (string.Equals(a, v, StringComparison.OrdinalIgnoreCase)) return a;
            throw new ArgumentException("'" + value + "' is not a valid " + what + ". Allowed values: " + string.Join(", ", allowed) + ".");
        }

        public static string NormalizePriorityLevel(string? value) => Normalize("priority level", value, PriorityLevels);
        public static string NormalizeOperation(string? value) => Normalize("operation", value, Operations);
        public static string NormalizeAction(string? value) => Normalize("action", value, Actions);
        public static string NormalizeApplicationType(string? value) => Normalize("application type", value, ApplicationTypes);

        /// <summary>
        /// Checks a rule and normalizes its enum values in place (ArgumentException naming the field and allowed values).
        /// <paramref name="newRule"/>: a rule the user adds or changes, whose reputation value must be a documented one.
        /// </summary>
        public static void ValidateRule(PolicyRule rule, bool newRule = true)
        {
            if (rule == null) throw new ArgumentNullException(nameof(rule));
            rule.Operation = NormalizeOperation(rule.Operation);
            rule.ApplicationType = NormalizeApplicationType(rule.ApplicationType);
            rule.Action = NormalizeAction(rule.Action);
            if (rule.ApplicationValue == null || rule.ApplicationValue.Length == 0)
                throw new ArgumentException("The application value is required (a path pattern for NAME_PATH, a signer for SIGNED_BY, a reputation for REPUTATION).");
            if (rule.ApplicationType == "REPUTATION")
            {
                var known = Reputations.FirstOrDefault(r => string.Equals(r, rule.ApplicationValue.Trim(), StringComparison.OrdinalIgnoreCase));
                if (known != null) rule.ApplicationValue = known;
                else if (newRule)
                    throw new ArgumentException("'" + rule.ApplicationValue + "' is not a reputation the API knows; for application type REPUTATION use one of: " +
                                                string.Join(", ", Reputations) + ".");
            }
        }

        /// <summary>
        /// Checks a policyInfo before it is sent (create or replace): name, description, priorityLevel, version 2 and the
        /// policy settings object are required; every rule inside policy.rules is checked. Enum values are normalized in place.
        /// </summary>
        public static void ValidatePolicyInfo(IDictionary<string, object?> info)
        {
            if (info == null) throw new ArgumentNullException(nameof(info));
            var missing = new List<string>();
            if (!info.TryGetValue("name", out var name) || !(name is string ns) || ns.Trim().Length == 0) missing.Add("name");
            if (!info.TryGetValue("description", out var desc) || !(desc is string)) missing.Add("description");
            if (!info.TryGetValue("priorityLevel", out var pl) || pl == null) missing.Add("priorityLevel");
            if (!info.TryGetValue("policy", out var pol) || !(pol is IDictionary<string, object?>)) missing.Add("policy (the settings object)");
            if (missing.Count > 0)
                throw new ArgumentException("The policy is missing required field(s): " + string.Join(", ", missing) + ".");
            info["priorityLevel"] = NormalizePriorityLevel(pl as string ?? Convert.ToString(pl, CultureInfo.InvariantCulture));
            if (!info.TryGetValue("version", out var ver) || ver == null) info["version"] = (long)PolicyVersion;
            else if (!IsTwo(ver))
                throw new ArgumentException("The policy version must be " + PolicyVersion + " (the v3 API accepts no other); got '" + Convert.ToString(ver, CultureInfo.InvariantCulture) + "'.");
            var settings = (IDictionary<string, object?>)pol!;
            ValidateRules(settings.TryGetValue("rules", out var rules) ? rules : null, "policy.rules");
        }

        /// <summary>
        /// Checks a policy service v1 document before it is sent: name and priority_level are required (the level
        /// normalized in place), every rule is checked (rules from the server keep their reputation values), and the
        /// settings fields, when present, have the types the API takes.
        /// </summary>
        public static void ValidateV1Policy(IDictionary<string, object?> doc)
        {
            if (doc == null) throw new ArgumentNullException(nameof(doc));
            var missing = new List<string>();
            if (!doc.TryGetValue("name", out var name) || !(name is string ns) || ns.Trim().Length == 0) missing.Add("name");
            if (!doc.TryGetValue("priority_level", out var pl) || pl == null) missing.Add("priority_level");
            if (missing.Count > 0)
                throw new ArgumentException("The policy is missing required field(s): " + string.Join(", ", missing) + ".");
            doc["priority_level"] = NormalizePriorityLevel(pl as string ?? Convert.ToString(pl, CultureInfo.InvariantCulture));
            if (doc.TryGetValue("description", out var d) && d != null && !(d is string))
                throw new ArgumentException("description must be text.");
            foreach (var list in new[] { "rules", "sensor_settings", "directory_action_rules" })
                if (doc.TryGetValue(list, out var v) && v != null && !(v is IList<object?>))
                    throw new ArgumentException(list + " must be an array.");
            if (doc.TryGetValue("av_settings", out var av) && av != null && !(av is IDictionary<string, object?>))
                throw new ArgumentException("av_settings must be an object.");
            ValidateRules(doc.TryGetValue("rules", out var rules) ? rules : null, "rules");
        }

        private static void ValidateRules(object? rules, string where)
        {
            if (rules == null) return;
            if (!(rules is IList<object?> list)) throw new ArgumentException(where + " must be an array of rules.");
            for (int i = 0; i < list.Count; i++)
            {
                if (!(list[i] is IDictionary<string, object?> rd)) throw new ArgumentException(where + "[" + i + "] must be an object.");
                try
                {
                    var rule = PolicyRule.FromPlain(rd);
                    ValidateRule(rule, newRule: false);
                    if (rd.ContainsKey("operation")) rd["operation"] = rule.Operation;
                    if (rd.ContainsKey("action")) rd["action"] = rule.Action;
                    if (rd.TryGetValue("application", out var app) && app is IDictionary<string, object?> ad && ad.ContainsKey("type")) ad["type"] = rule.ApplicationType;
                }
                catch (ArgumentException ex)
                {
                    throw new ArgumentException(where + "[" + i + "]: " + ex.Message, ex);
                }
            }
        }

        private static bool IsTwo(object v)
        {
            switch (v)
            {
                case long l: return l == PolicyVersion;
                case int i: return i == PolicyVersion;
                case double d: return d == PolicyVersion;
                case string s: return s.Trim() == "2";
                default:
                    try { return Convert.ToInt64(v, CultureInfo.InvariantCulture) == PolicyVersion; } catch (Exception) { return false; }
            }
        }

        private static string Cap(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s.Substring(1);
    }
}
