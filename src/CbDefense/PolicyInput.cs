using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace CbDefense.Commands
{
    /// <summary>Turns what users pass to the policy cmdlets (objects, hashtables, JSON text) into Core's types.</summary>
    internal static class PolicyInput
    {
        private static object? Unwrap(object? v) => v is PSObject pso && !(pso.BaseObject is PSCustomObject) ? pso.BaseObject : v;

        /// <summary>Policy settings (the policyInfo.policy object) from a Policy, a hashtable/PSCustomObject or JSON text.</summary>
        public static IDictionary<string, object?> ToSettings(object? input)
        {
            var v = Unwrap(input);
            switch (v)
            {
                case null: throw new ArgumentException("The policy settings are empty.");
                case Policy p: return p.ToSettings();
                case string s: return PolicyDocument.ParseSettings(s);
            }
            if (PSObjectConverter.ToPlain(v) is Dictionary<string, object?> d) return d;
            throw new ArgumentException("The policy settings must be an object, a hashtable or JSON text (like the Settings of a policy read with Get-CbPolicy).");
        }

        /// <summary>A rule from a PolicyRule, a hashtable/PSCustomObject (API or flat names) or JSON text.</summary>
        public static PolicyRule ToRule(object? input)
        {
            var v = Unwrap(input);
            switch (v)
            {
                case null: throw new ArgumentException("The rule is empty.");
                case PolicyRule r: return r.Clone();
                case string s: return PolicyRule.FromJson(s);
            }
            if (PSObjectConverter.ToPlain(v) is Dictionary<string, object?> d) return PolicyRule.FromPlain(d);
            throw new ArgumentException("The rule must be a PolicyRule, a hashtable such as @{ operation = 'RUN'; application = @{ type = 'NAME_PATH'; value = '**\\x.exe' }; action = 'DENY'; required = $false } or JSON text.");
        }

        /// <summary>
        /// Turns values a user put into a policy's Settings, AvSettings or AdditionalProperties (hashtables, arrays,
        /// PSCustomObjects) into the plain values Core sends. Changes the object in place; plain values are kept as they are.
        /// </summary>
        public static Policy Normalize(Policy p)
        {
            foreach (var k in new List<string>(p.Settings.Keys)) p.Settings[k] = PSObjectConverter.ToPlain(p.Settings[k]);
            foreach (var k in new List<string>(p.AdditionalProperties.Keys)) p.AdditionalProperties[k] = PSObjectConverter.ToPlain(p.AdditionalProperties[k]);
            if (p.AvSettings != null && PSObjectConverter.ToPlain(p.AvSettings) is Dictionary<string, object?> av) p.AvSettings = av;
            foreach (var r in p.Rules ?? Array.Empty<PolicyRule>())
                if (r != null) foreach (var k in new List<string>(r.AdditionalProperties.Keys)) r.AdditionalProperties[k] = PSObjectConverter.ToPlain(r.AdditionalProperties[k]);
            return p;
        }

        /// <summary>"Policy 'Name' (id 6)" for messages and ShouldProcess.</summary>
        public static string Describe(Policy p) => "policy '" + p.Name + "' (id " + p.Id + ")";
    }
}
