using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace CbDefense.Json
{
    /// <summary>
    /// Maps a v3 policyInfo (plain values) to <see cref="Policy"/> and back without losing anything: the raw object is
    /// kept, and each typed field is written back only when it was changed since it was read (compared as JSON), so a
    /// value the typed model cannot represent exactly (a number sent as a string, a rule with odd types) goes back as it came.
    /// </summary>
    internal static class PolicyJson
    {

        private static readonly string[] TopFields = { "id", "name", "description", "priorityLevel", "systemPolicy", "latestRevision", "version" };
        private static readonly string[] SettingsFields = { "rules", "sensorSettings", "avSettings", "directoryActionRules", "knownBadHashAutoDeleteDelayMs" };

        // ------------------------------------------------------------------ policy

        public static Policy ReadPolicy(IDictionary<string, object?> info, Session? session)
        {
            if (info == null) throw new ArgumentNullException(nameof(info));
            var p = new Policy { Session = session };
            p.Raw = (Dictionary<string, object?>)Clone(ToDict(info))!;
            foreach (var kv in p.Raw)
            {
                var v = kv.Value;
                switch (kv.Key)
                {
                    case "id": if (TryLong(v, out var l)) p.Id = l ?? 0; break;
                    case "name": if (TryString(v, out var s)) p.Name = s; break;
                    case "description": if (TryString(v, out s)) p.Description = s; break;
                    case "priorityLevel": if (TryString(v, out s)) p.PriorityLevel = s; break;
                    case "systemPolicy": if (TryBool(v, out var b)) p.SystemPolicy = b; break;
                    case "latestRevision": if (TryEpoch(v, out var t)) p.LatestRevisionUtc = t; break;
                    case "version": if (TryLong(v, out l) && (l == null || (l >= int.MinValue && l <= int.MaxValue))) p.Version = (int?)l; break;
                    case "policy":
                        if (v is Dictionary<string, object?> settings) ReadSettings(p, settings);
                        break;
                    default:
                        p.AdditionalProperties[kv.Key] = Clone(v);
                        break;
                }
            }
            foreach (var r in p.Rules)
            {
                r.PolicyId = p.Id == 0 ? (long?)null : p.Id;
                r.PolicyName = p.Name;
            }
            foreach (var f in TopFields) p.Baseline["top:" + f] = TopValue(p, f);
            foreach (var f in SettingsFields) p.Baseline["set:" + f] = SettingsValue(p, f);
            return p;
        }

        private static void ReadSettings(Policy p, Dictionary<string, object?> settings)
        {
            p.Settings = (Dictionary<string, object?>)Clone(settings)!;
            foreach (var kv in settings)
            {
                var v = kv.Value;
                switch (kv.Key)
                {
                    case "rules":
                        if (v is List<object?> rules)
                            p.Rules = rules.OfType<Dictionary<string, object?>>().Select(r => ReadRule(r, null, null, p.Session)).ToArray();
                        break;
                    case "sensorSettings":
                        if (v is List<object?> ss)
                            p.SensorSettings = ss.OfType<Dictionary<string, object?>>().Select(ReadSensorSetting).ToArray();
                        break;
                    case "avSettings":
                        if (v is Dictionary<string, object?> av) p.AvSettings = (Dictionary<string, object?>)Clone(av)!;
                        break;
                    case "directoryActionRules":
                        if (v is List<object?> dr)
                            p.DirectoryActionRules = dr.OfType<Dictionary<string, object?>>().Select(ReadDirectoryRule).ToArray();
                        break;
                    case "knownBadHashAutoDeleteDelayMs":
                        if (TryLong(v, out var l)) p.KnownBadHashAutoDeleteDelayMs = l;
                        break;
                }
            }
        }

        private static object? TopValue(Policy p, string field)
        {
            switch (field)
            {
                case "id": return p.Id;
                case "name": return p.Name;
                case "description": return p.Description;
                case "priorityLevel": return p.PriorityLevel;
                case "systemPolicy": return p.SystemPolicy;
                case "latestRevision": return p.LatestRevisionUtc.HasValue ? (object)ToMs(p.LatestRevisionUtc.Value) : null;
                case "version": return p.Version.HasValue ? (object)(long)p.Version.Value : null;
                default: throw new ArgumentOutOfRangeException(nameof(field));
            }
        }

        private static object? SettingsValue(Policy p, string field)
        {
            switch (field)
            {
                case "rules": return (p.Rules ?? Array.Empty<PolicyRule>()).Where(r => r != null).Select(r => (object?)WriteRule(r, true)).ToList();
                case "sensorSettings": return (p.SensorSettings ?? Array.Empty<PolicySensorSetting>()).Where(s => s != null).Select(s => (object?)WriteSensorSetting(s)).ToList();
                case "avSettings": return p.AvSettings == null ? null : Clone(ToDict(p.AvSettings));
                case "directoryActionRules": return (p.DirectoryActionRules ?? Array.Empty<PolicyDirectoryActionRule>()).Where(d => d != null).Select(d => (object?)WriteDirectoryRule(d)).ToList();
                case "knownBadHashAutoDeleteDelayMs": return p.KnownBadHashAutoDeleteDelayMs;
                default: throw new ArgumentOutOfRangeException(nameof(field));
            }
        }

        public static Dictionary<string, object?> WritePolicy(Policy p)
        {
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (var kv in p.Raw)
            {
                string k = kv.Key;
                if (Array.IndexOf(TopFields, k) >= 0)
                {
                    var cur = TopValue(p, k);
                    result[k] = Changed(p, "top:" + k, cur) ? cur : Clone(kv.Value);
                }
                else if (k == "policy")
                {
                    result[k] = WriteSettings(p);
                }
                else if (p.AdditionalProperties.TryGetValue(k, out var extra))
                {
                    result[k] = Clone(extra);
                }
                else continue;
                written.Add(k);
            }
            foreach (var f in TopFields)
            {
                if (written.Contains(f)) continue;
                var cur = TopValue(p, f);
                if (Changed(p, "top:" + f, cur)) { result[f] = cur; written.Add(f); }
            }
            if (!written.Contains("policy")) { result["policy"] = WriteSettings(p); written.Add("policy"); }
            foreach (var kv in p.AdditionalProperties)
                if (!written.Contains(kv.Key)) result[kv.Key] = Clone(kv.Value);
            return result;
        }

        public static Dictionary<string, object?> WriteSettings(Policy p)
        {
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (var kv in p.Settings)
            {
                string k = kv.Key;
                if (Array.IndexOf(SettingsFields, k) >= 0)
                {
                    var cur = SettingsValue(p, k);
                    result[k] = Changed(p, "set:" + k, cur) ? cur : Clone(ToPlainValue(kv.Value));
                }
                else result[k] = Clone(ToPlainValue(kv.Value));
                written.Add(k);
            }
            foreach (var f in SettingsFields)
            {
                if (written.Contains(f)) continue;
                var cur = SettingsValue(p, f);
                if (Changed(p, "set:" + f, cur)) result[f] = cur;
            }
            return result;
        }

        private static bool Changed(Policy p, string key, object? current) =>
            !p.Baseline.TryGetValue(key, out var before) || !PlainJson.JsonEquals(current, before);

        // ------------------------------------------------------------------ rules

        internal static PolicyRule ReadRuleDict(Dictionary<string, object?> d)
        {
            if (d.TryGetValue("ruleInfo", out var inner) && inner is Dictionary<string, object?> ri) d = ri;
            return ReadRule(d, null, null, null);
        }

        public static PolicyRule ReadRule(IDictionary<string, object?> d, long? policyId, string? policyName, Session? session)
        {
            var r = new PolicyRule { PolicyId = policyId, PolicyName = policyName, Session = session };
            foreach (var kv in d)
            {
                var v = kv.Value;
                switch (kv.Key.ToLowerInvariant())
                {
                    case "id": if (TryLong(v, out var l)) r.Id = l; else r.AdditionalProperties[kv.Key] = Clone(v); break;
                    case "required": if (TryBool(v, out var b)) r.Required = b ?? false; else r.AdditionalProperties[kv.Key] = Clone(v); break;
                    case "operation": if (TryString(v, out var s)) r.Operation = s; else r.AdditionalProperties[kv.Key] = Clone(v); break;
                    case "action": if (TryString(v, out s)) r.Action = s; else r.AdditionalProperties[kv.Key] = Clone(v); break;
                    case "applicationtype": if (TryString(v, out s)) r.ApplicationType = s; break;
                    case "applicationvalue": if (TryString(v, out s)) r.ApplicationValue = s; break;
                    case "application":
                        if (v is IDictionary<string, object?> app)
                        {
                            foreach (var av in app)
                            {
                                string ak = av.Key.ToLowerInvariant();
                                if (ak == "type" && TryString(av.Value, out s)) r.ApplicationType = s;
                                else if (ak == "value" && TryString(av.Value, out s)) r.ApplicationValue = s;
                                else (r.ApplicationExtra ??= new Dictionary<string, object?>(StringComparer.Ordinal))[av.Key] = Clone(av.Value);
                            }
                        }
                        else r.AdditionalProperties[kv.Key] = Clone(v);
                        break;
                    case "policyid": if (r.PolicyId == null && TryLong(v, out l)) r.PolicyId = l; break;
                    case "policyname": if (r.PolicyName == null && TryString(v, out s)) r.PolicyName = s; break;
                    case "session": case "additionalproperties": break;
                    default: r.AdditionalProperties[kv.Key] = Clone(v); break;
                }
            }
            return r;
        }

        public static Dictionary<string, object?> WriteRule(PolicyRule r, bool includeId)
        {
            var d = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (includeId && r.Id.HasValue) d["id"] = r.Id.Value;
            d["required"] = r.Required;
            d["operation"] = r.Operation;
            var app = new Dictionary<string, object?>(StringComparer.Ordinal) { ["type"] = r.ApplicationType, ["value"] = r.ApplicationValue };
            if (r.ApplicationExtra != null) foreach (var kv in r.ApplicationExtra) app[kv.Key] = Clone(kv.Value);
            d["application"] = app;
            d["action"] = r.Action;
            foreach (var kv in r.AdditionalProperties)
                if (!d.ContainsKey(kv.Key) && (includeId || kv.Key != "id")) d[kv.Key] = Clone(ToPlainValue(kv.Value));
            return d;
        }

        // ------------------------------------------------------------------ sensor settings, directory rules

        private static PolicySensorSetting ReadSensorSetting(Dictionary<string, object?> d)
        {
            var s = new PolicySensorSetting();
            foreach (var kv in d)
            {
                if (kv.Key == "name" && TryString(kv.Value, out var n)) s.Name = n;
                else if (kv.Key == "value" && TryString(kv.Value, out var v)) s.Value = v;
                else s.AdditionalProperties[kv.Key] = Clone(kv.Value);
            }
            return s;
        }

        private static Dictionary<string, object?> WriteSensorSetting(PolicySensorSetting s)
        {
            var d = new Dictionary<string, object?>(StringComparer.Ordinal) { ["name"] = s.Name, ["value"] = s.Value };
            foreach (var kv in s.AdditionalProperties) if (!d.ContainsKey(kv.Key)) d[kv.Key] = Clone(ToPlainValue(kv.Value));
            return d;
        }

        private static PolicyDirectoryActionRule ReadDirectoryRule(Dictionary<string, object?> d)
        {
            var r = new PolicyDirectoryActionRule();
            foreach (var kv in d)
            {
                if (kv.Key == "path" && TryString(kv.Value, out var p)) r.Path = p;
                else if (kv.Key == "actions" && kv.Value is Dictionary<string, object?> a)
                {
                    r.HadActions = true;
                    foreach (var av in a)
                    {
                        if (av.Key == "FILE_UPLOAD" && TryBool(av.Value, out var b)) r.FileUpload = b;
                        else if (av.Key == "PROTECTION" && TryBool(av.Value, out b)) r.Protection = b;
                        else (r.ActionsExtra ??= new Dictionary<string, object?>(StringComparer.Ordinal))[av.Key] = Clone(av.Value);
                    }
                }
                else r.AdditionalProperties[kv.Key] = Clone(kv.Value);
            }
            return r;
        }

        private static Dictionary<string, object?> WriteDirectoryRule(PolicyDirectoryActionRule r)
        {
            var d = new Dictionary<string, object?>(StringComparer.Ordinal) { ["path"] = r.Path };
            var a = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (r.FileUpload.HasValue || r.HadActions) a["FILE_UPLOAD"] = r.FileUpload;
            if (r.Protection.HasValue || r.HadActions) a["PROTECTION"] = r.Protection;
            if (r.ActionsExtra != null) foreach (var kv in r.ActionsExtra) a[kv.Key] = Clone(kv.Value);
            d["actions"] = a;
            foreach (var kv in r.AdditionalProperties) if (!d.ContainsKey(kv.Key)) d[kv.Key] = Clone(ToPlainValue(kv.Value));
            return d;
        }

        // ------------------------------------------------------------------ plain value helpers

        /// <summary>A deep copy of plain values (dictionaries and lists copied as PlainMap/PlainList, scalars shared).</summary>
        public static object? Clone(object? v)
        {
            switch (v)
            {
                case IDictionary<string, object?> d:
                    var nd = new PlainMap(d.Count);
                    foreach (var kv in d) nd[kv.Key] = Clone(kv.Value);
                    return nd;
                case List<object?> l:
                    var nl = new PlainList(l.Count);
                    foreach (var x in l) nl.Add(Clone(x));
                    return nl;
                case object?[] arr:
                    var na = new PlainList(arr.Length);
                    foreach (var x in arr) na.Add(Clone(x));
                    return na;
                default:
                    return v;
            }
        }

        private static IDictionary<string, object?> ToDict(IDictionary<string, object?> d) => d;

        /// <summary>Values a caller may have put into Settings (ints, arrays) to the plain forms the serializer and JsonEquals expect.</summary>
        private static object? ToPlainValue(object? v)
        {
            switch (v)
            {
                case int i: return (long)i;
                case short sh: return (long)sh;
                case byte by: return (long)by;
                case float f: return (double)f;
                case decimal m: return (double)m;
                case DateTime dt: return ToMs(dt);
                default: return v;
            }
        }

        internal static long ToMs(DateTime t) => FieldReader.ToEpochMs(t);

        // The liberal conversions are FieldReader's (shared with events and notifications); here null and blank
        // strings read as "no value" rather than as a mismatch.
        private static bool IsBlank(object? v) => v == null || (v is string s && s.Trim().Length == 0);

        internal static bool TryLong(object? v, out long? value)
        {
            value = null;
            if (IsBlank(v)) return true;
            var (ok, l) = FieldReader.ToLong(v!);
            if (ok) value = l;
            return ok;
        }

        internal static bool TryString(object? v, out string? value)
        {
            value = null;
            if (v == null) return true;
            var (ok, s) = FieldReader.ToStringValue(v);
            if (ok) value = s;
            return ok;
        }

        internal static bool TryBool(object? v, out bool? value)
        {
            value = null;
            if (IsBlank(v)) return true;
            var (ok, b) = FieldReader.ToBool(v!);
            if (ok) value = b;
            return ok;
        }

        internal static bool TryEpoch(object? v, out DateTime? value)
        {
            value = null;
            if (IsBlank(v)) return true;
            return FieldReader.TryTime(v!, out value, out _);
        }
    }
}
