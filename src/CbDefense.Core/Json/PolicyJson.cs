using System;
using System.Collections.Generic;
using System.Linq;

namespace CbDefense.Json
{
    /// <summary>
    /// The field names of a policy document in one API generation. Legacy (v3 policyInfo): camelCase, the settings in a
    /// nested <c>policy</c> object, directory rules with <c>actions{FILE_UPLOAD, PROTECTION}</c>. Current (policy service
    /// v1): snake_case, the settings beside the name, directory rules with flat <c>file_upload</c>/<c>protection</c>.
    /// </summary>
    internal sealed class PolicySchema
    {
        public static readonly PolicySchema V3 = new PolicySchema(ApiGeneration.Legacy, "priorityLevel", "systemPolicy", "latestRevision", null,
            "policy", Array.Empty<string>(), "sensorSettings", "avSettings", "directoryActionRules", "knownBadHashAutoDeleteDelayMs", nestedDirectoryActions: true);
        public static readonly PolicySchema V1 = new PolicySchema(ApiGeneration.Current, "priority_level", "is_system", null, "position",
            null, new[] { "org_key", "num_devices" }, "sensor_settings", "av_settings", "directory_action_rules", "auto_delete_known_bad_hashes_delay",
            nestedDirectoryActions: false);

        private PolicySchema(ApiGeneration generation, string priorityLevel, string system, string? latestRevision, string? position,
                             string? settingsObject, string[] otherTop, string sensorSettings, string avSettings, string directoryActionRules,
                             string knownBadHash, bool nestedDirectoryActions)
        {
            Generation = generation;
            PriorityLevel = priorityLevel;
            System = system;
            LatestRevision = latestRevision;
            Position = position;
            SettingsObject = settingsObject;
            OtherTop = otherTop;
            SensorSettings = sensorSettings;
            AvSettings = avSettings;
            DirectoryActionRules = directoryActionRules;
            KnownBadHash = knownBadHash;
            NestedDirectoryActions = nestedDirectoryActions;
            var top = new List<string> { "id", "name", "description", priorityLevel, system, "version" };
            if (latestRevision != null) top.Add(latestRevision);
            if (position != null) top.Add(position);
            TopFields = top.ToArray();
            SettingsFields = new[] { "rules", sensorSettings, avSettings, directoryActionRules, knownBadHash };
        }

        public ApiGeneration Generation { get; }
        public string PriorityLevel { get; }
        public string System { get; }
        public string? LatestRevision { get; }
        public string? Position { get; }
        /// <summary>The key of the nested settings object (v3 "policy"), or null when the settings are top-level fields (v1).</summary>
        public string? SettingsObject { get; }
        /// <summary>Top-level fields that are neither typed nor settings (kept in AdditionalProperties) when the settings are top-level.</summary>
        public string[] OtherTop { get; }
        public string SensorSettings { get; }
        public string AvSettings { get; }
        public string DirectoryActionRules { get; }
        public string KnownBadHash { get; }
        public bool NestedDirectoryActions { get; }
        public string[] TopFields { get; }
        public string[] SettingsFields { get; }

        public static PolicySchema For(ApiGeneration generation) => generation == ApiGeneration.Current ? V1 : V3;

        /// <summary>True when a top-level key of a flat (v1) document belongs to the settings.</summary>
        public bool IsSettingsKey(string key) => SettingsObject == null && Array.IndexOf(TopFields, key) < 0 && Array.IndexOf(OtherTop, key) < 0;
    }

    /// <summary>
    /// Maps a policy document (plain values) of either generation to <see cref="Policy"/> and back without losing
    /// anything: the raw object is kept, and each typed field is written back only when it was changed since it was read
    /// (compared as JSON), so a value the typed model cannot represent exactly (a number sent as a string, a rule with
    /// odd types) goes back as it came.
    /// </summary>
    internal static class PolicyJson
    {
        // ------------------------------------------------------------------ policy

        public static Policy ReadPolicy(IDictionary<string, object?> info, Session? session) => ReadPolicy(info, session, PolicySchema.V3);

        public static Policy ReadPolicy(IDictionary<string, object?> info, Session? session, PolicySchema schema)
        {
            if (info == null) throw new ArgumentNullException(nameof(info));
            var p = new Policy { Session = session, Schema = schema };
            p.Raw = (Dictionary<string, object?>)Clone(info)!;
            var flatSettings = schema.SettingsObject == null ? new Dictionary<string, object?>(StringComparer.Ordinal) : null;
            foreach (var kv in p.Raw)
            {
                var v = kv.Value;
                string k = kv.Key;
                if (k == "id") { if (TryLong(v, out var l)) p.Id = l ?? 0; }
                else if (k == "name") { if (TryString(v, out var s)) p.Name = s; }
                else if (k == "description") { if (TryString(v, out var s)) p.Description = s; }
                else if (k == schema.PriorityLevel) { if (TryString(v, out var s)) p.PriorityLevel = s; }
                else if (k == schema.System) { if (TryBool(v, out var b)) p.SystemPolicy = b; }
                else if (k == schema.LatestRevision) { if (TryEpoch(v, out var t)) p.LatestRevisionUtc = t; }
                else if (k == schema.Position) { if (TryLong(v, out var l) && (l == null || (l >= int.MinValue && l <= int.MaxValue))) p.Position = (int?)l; }
                else if (k == "version") { if (TryLong(v, out var l) && (l == null || (l >= int.MinValue && l <= int.MaxValue))) p.Version = (int?)l; }
                else if (k == schema.SettingsObject) { if (v is Dictionary<string, object?> settings) ReadSettings(p, settings); }
                else if (flatSettings != null && schema.IsSettingsKey(k)) flatSettings[k] = v;
                else p.AdditionalProperties[k] = Clone(v);
            }
            if (flatSettings != null) ReadSettings(p, flatSettings);
            foreach (var r in p.Rules)
            {
                r.PolicyId = p.Id == 0 ? (long?)null : p.Id;
                r.PolicyName = p.Name;
            }
            foreach (var f in schema.TopFields) p.Baseline["top:" + f] = TopValue(p, f);
            foreach (var f in schema.SettingsFields) p.Baseline["set:" + f] = SettingsValue(p, f);
            return p;
        }

        private static void ReadSettings(Policy p, Dictionary<string, object?> settings)
        {
            var schema = p.Schema;
            p.Settings = (Dictionary<string, object?>)Clone(settings)!;
            foreach (var kv in settings)
            {
                var v = kv.Value;
                string k = kv.Key;
                if (k == "rules")
                {
                    if (v is List<object?> rules)
                        p.Rules = rules.OfType<Dictionary<string, object?>>().Select(r => ReadRule(r, null, null, p.Session)).ToArray();
                }
                else if (k == schema.SensorSettings)
                {
                    if (v is List<object?> ss) p.SensorSettings = ss.OfType<Dictionary<string, object?>>().Select(ReadSensorSetting).ToArray();
                }
                else if (k == schema.AvSettings)
                {
                    if (v is Dictionary<string, object?> av) p.AvSettings = (Dictionary<string, object?>)Clone(av)!;
                }
                else if (k == schema.DirectoryActionRules)
                {
                    if (v is List<object?> dr) p.DirectoryActionRules = dr.OfType<Dictionary<string, object?>>().Select(d => ReadDirectoryRule(d, schema)).ToArray();
                }
                else if (k == schema.KnownBadHash)
                {
                    if (TryLong(v, out var l)) p.KnownBadHashAutoDeleteDelayMs = l;
                }
            }
        }

        private static object? TopValue(Policy p, string field)
        {
            var schema = p.Schema;
            if (field == "id") return p.Id;
            if (field == "name") return p.Name;
            if (field == "description") return p.Description;
            if (field == schema.PriorityLevel) return p.PriorityLevel;
            if (field == schema.System) return p.SystemPolicy;
            if (field == schema.LatestRevision) return p.LatestRevisionUtc.HasValue ? (object)ToMs(p.LatestRevisionUtc.Value) : null;
            if (field == schema.Position) return p.Position.HasValue ? (object)(long)p.Position.Value : null;
            if (field == "version") return p.Version.HasValue ? (object)(long)p.Version.Value : null;
            throw new ArgumentOutOfRangeException(nameof(field));
        }

        private static object? SettingsValue(Policy p, string field)
        {
            var schema = p.Schema;
            if (field == "rules") return (p.Rules ?? new ValueList<PolicyRule>()).Where(r => r != null).Select(r => (object?)WriteRule(r, true)).ToList();
            if (field == schema.SensorSettings) return (p.SensorSettings ?? new ValueList<PolicySensorSetting>()).Where(s => s != null).Select(s => (object?)WriteSensorSetting(s)).ToList();
            if (field == schema.AvSettings) return p.AvSettings == null ? null : Clone(p.AvSettings);
            if (field == schema.DirectoryActionRules)
                return (p.DirectoryActionRules ?? new ValueList<PolicyDirectoryActionRule>()).Where(d => d != null).Select(d => (object?)WriteDirectoryRule(d, schema)).ToList();
            if (field == schema.KnownBadHash) return p.KnownBadHashAutoDeleteDelayMs;
            throw new ArgumentOutOfRangeException(nameof(field));
        }

        /// <summary>The document to send back, in the policy's own generation, with the edited typed properties applied.</summary>
        public static Dictionary<string, object?> WritePolicy(Policy p)
        {
            var schema = p.Schema;
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            var written = new HashSet<string>(StringComparer.Ordinal);
            Dictionary<string, object?>? settings = null;
            foreach (var kv in p.Raw)
            {
                string k = kv.Key;
                if (Array.IndexOf(schema.TopFields, k) >= 0)
                {
                    var cur = TopValue(p, k);
                    result[k] = Changed(p, "top:" + k, cur) ? cur : Clone(kv.Value);
                }
                else if (k == schema.SettingsObject)
                {
                    result[k] = WriteSettings(p);
                }
                else if (schema.IsSettingsKey(k))
                {
                    settings ??= WriteSettings(p);
                    if (!settings.TryGetValue(k, out var sv)) continue; // removed from Settings
                    result[k] = sv;
                }
                else if (p.AdditionalProperties.TryGetValue(k, out var extra))
                {
                    result[k] = Clone(extra);
                }
                else continue;
                written.Add(k);
            }
            foreach (var f in schema.TopFields)
            {
                if (written.Contains(f)) continue;
                var cur = TopValue(p, f);
                if (Changed(p, "top:" + f, cur)) { result[f] = cur; written.Add(f); }
            }
            if (schema.SettingsObject != null)
            {
                if (!written.Contains(schema.SettingsObject)) { result[schema.SettingsObject] = WriteSettings(p); written.Add(schema.SettingsObject); }
            }
            else
            {
                foreach (var kv in settings ?? WriteSettings(p))
                    if (!written.Contains(kv.Key)) { result[kv.Key] = kv.Value; written.Add(kv.Key); }
            }
            foreach (var kv in p.AdditionalProperties)
                if (!written.Contains(kv.Key)) result[kv.Key] = Clone(kv.Value);
            return result;
        }

        /// <summary>The settings (v3: the <c>policy</c> object; v1: the settings fields beside the name) with edits applied.</summary>
        public static Dictionary<string, object?> WriteSettings(Policy p)
        {
            var fields = p.Schema.SettingsFields;
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (var kv in p.Settings)
            {
                string k = kv.Key;
                if (Array.IndexOf(fields, k) >= 0)
                {
                    var cur = SettingsValue(p, k);
                    result[k] = Changed(p, "set:" + k, cur) ? cur : Clone(ToPlainValue(kv.Value));
                }
                else result[k] = Clone(ToPlainValue(kv.Value));
                written.Add(k);
            }
            foreach (var f in fields)
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

        private static PolicyDirectoryActionRule ReadDirectoryRule(Dictionary<string, object?> d, PolicySchema schema)
        {
            var r = new PolicyDirectoryActionRule();
            foreach (var kv in d)
            {
                if (kv.Key == "path" && TryString(kv.Value, out var p)) r.Path = p;
                else if (!schema.NestedDirectoryActions && kv.Key == "file_upload" && TryBool(kv.Value, out var fu)) r.FileUpload = fu;
                else if (!schema.NestedDirectoryActions && kv.Key == "protection" && TryBool(kv.Value, out var pr)) r.Protection = pr;
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

        private static Dictionary<string, object?> WriteDirectoryRule(PolicyDirectoryActionRule r, PolicySchema schema)
        {
            var d = new Dictionary<string, object?>(StringComparer.Ordinal) { ["path"] = r.Path };
            if (!schema.NestedDirectoryActions)
            {
                d["file_upload"] = r.FileUpload;
                d["protection"] = r.Protection;
                foreach (var kv in r.AdditionalProperties) if (!d.ContainsKey(kv.Key)) d[kv.Key] = Clone(ToPlainValue(kv.Value));
                return d;
            }
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
