using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace CbDefense.Json
{
    /// <summary>
    /// Converts a policy document between the generations: a v3 policyInfo and a policy service v1 policy object
    /// (docs/field-mapping.md has the table). Fields the server manages (id, latestRevision, orgId, org_key, position,
    /// num_devices) are left out; every other field that has no counterpart is named in <c>warnings</c>, never dropped
    /// silently. Both directions take and give plain values.
    /// </summary>
    internal static class PolicyConversion
    {
        private static readonly HashSet<string> V3ServerManaged = new HashSet<string>(StringComparer.Ordinal) { "id", "latestRevision", "orgId", "systemPolicy" };
        private static readonly HashSet<string> V1ServerManaged = new HashSet<string>(StringComparer.Ordinal) { "id", "org_key", "position", "num_devices", "is_system" };

        // v3 avSettings.features names ↔ the v1 sections whose "enabled" they hold.
        private static readonly (string Feature, string V1Section)[] Features =
        {
            ("ONACCESS_SCAN", "on_access_scan"), ("ONDEMAND_SCAN", "on_demand_scan"), ("SIGNATURE_UPDATE", "signature_update"),
        };

        // ------------------------------------------------------------------ v3 → v1

        /// <summary>A v3 policyInfo as a v1 policy document (without the server-managed fields).</summary>
        public static Dictionary<string, object?> ToV1(IDictionary<string, object?> info, List<string> warnings)
        {
            var v1 = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var kv in info)
            {
                switch (kv.Key)
                {
                    case "name": v1["name"] = kv.Value; break;
                    case "description": v1["description"] = kv.Value; break;
                    case "priorityLevel": v1["priority_level"] = kv.Value; break;
                    case "version": v1["version"] = kv.Value; break;
                    case "vdiAutoDeregInactiveIntervalMs": v1["auto_deregister_inactive_vdi_interval_ms"] = kv.Value; break;
                    case "policy":
                        if (kv.Value is IDictionary<string, object?> settings) SettingsToV1(settings, v1, warnings);
                        else if (kv.Value != null) warnings.Add("policy (not an object)");
                        break;
                    default:
                        if (!V3ServerManaged.Contains(kv.Key)) warnings.Add(kv.Key);
                        break;
                }
            }
            return v1;
        }

        private static void SettingsToV1(IDictionary<string, object?> s, Dictionary<string, object?> v1, List<string> warnings)
        {
            foreach (var kv in s)
            {
                switch (kv.Key)
                {
                    case "id": break; // the settings' own id, managed by the server
                    case "rules": v1["rules"] = PolicyJson.Clone(kv.Value); break;
                    case "sensorSettings": v1["sensor_settings"] = PolicyJson.Clone(kv.Value); break;
                    case "knownBadHashAutoDeleteDelayMs": v1["auto_delete_known_bad_hashes_delay"] = kv.Value; break;
                    case "directoryActionRules":
                        v1["directory_action_rules"] = (kv.Value as IEnumerable<object?> ?? Array.Empty<object?>()).Select(r =>
                        {
                            if (!(r is IDictionary<string, object?> d)) return PolicyJson.Clone(r);
                            var o = new PlainMap();
                            foreach (var f in d)
                            {
                                if (f.Key == "actions" && f.Value is IDictionary<string, object?> a)
                                {
                                    foreach (var x in a)
                                    {
                                        if (x.Key == "FILE_UPLOAD") o["file_upload"] = x.Value;
                                        else if (x.Key == "PROTECTION") o["protection"] = x.Value;
                                        else warnings.Add("policy.directoryActionRules[].actions." + x.Key);
                                    }
                                }
                                else o[f.Key] = PolicyJson.Clone(f.Value);
                            }
                            return (object?)o;
                        }).ToList();
                        break;
                    case "avSettings":
                        if (kv.Value is IDictionary<string, object?> av) v1["av_settings"] = AvToV1(av, warnings);
                        else if (kv.Value != null) warnings.Add("policy.avSettings (not an object)");
                        break;
                    default:
                        warnings.Add("policy." + kv.Key);
                        break;
                }
            }
        }

        private static PlainMap AvToV1(IDictionary<string, object?> av, List<string> warnings)
        {
            var v1 = new PlainMap();
            var enabled = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (av.TryGetValue("features", out var fv) && fv is IEnumerable<object?> features)
            {
                foreach (var f in features.OfType<IDictionary<string, object?>>())
                {
                    string? name = f.TryGetValue("name", out var n) ? n as string : null;
                    var match = Features.FirstOrDefault(x => x.Feature == name);
                    if (match.V1Section != null) enabled[match.V1Section] = f.TryGetValue("enabled", out var e) ? e : null;
                    else warnings.Add("policy.avSettings.features[" + (name ?? "?") + "]");
                }
            }
            foreach (var kv in av)
            {
                switch (kv.Key)
                {
                    case "features": break;
                    case "apc": v1["avira_protection_cloud"] = SnakeKeys(kv.Value); break;
                    case "onAccessScan":
                    {
                        var o = new PlainMap();
                        if (kv.Value is IDictionary<string, object?> d)
                            foreach (var x in d) o[x.Key == "profile" ? "mode" : Snake(x.Key)] = PolicyJson.Clone(x.Value);
                        v1["on_access_scan"] = o;
                        break;
                    }
                    case "onDemandScan": v1["on_demand_scan"] = SnakeKeys(kv.Value); break;
                    case "signatureUpdate": v1["signature_update"] = SnakeKeys(kv.Value); break;
                    case "updateServers":
                    {
                        var o = new PlainMap();
                        if (kv.Value is IDictionary<string, object?> d)
                        {
                            foreach (var x in d)
                            {
                                if (x.Key == "servers")
                                {
                                    var onsite = new PlainList();
                                    foreach (var entry in (x.Value as IEnumerable<object?> ?? Array.Empty<object?>()).OfType<IDictionary<string, object?>>())
                                    {
                                        bool preferred = entry.TryGetValue("flags", out var fl) && fl is long l && l != 0;
                                        var servers = entry.TryGetValue("server", out var sv) ? sv : null;
                                        foreach (var url in servers is IEnumerable<object?> many && !(servers is string) ? many : new[] { servers })
                                            onsite.Add(new PlainMap { ["server"] = url, ["preferred"] = preferred });
                                        if (entry.TryGetValue("regId", out var reg) && reg != null) warnings.Add("policy.avSettings.updateServers.servers[].regId");
                                    }
                                    o["servers_for_onsite_devices"] = onsite;
                                }
                                else if (x.Key == "serversForOffSiteDevices") o["servers_for_offsite_devices"] = PolicyJson.Clone(x.Value);
                                else warnings.Add("policy.avSettings.updateServers." + x.Key);
                            }
                        }
                        v1["update_servers"] = o;
                        break;
                    }
                    default:
                        warnings.Add("policy.avSettings." + kv.Key);
                        break;
                }
            }
            foreach (var e in enabled)
            {
                if (!(v1.TryGetValue(e.Key, out var section) && section is PlainMap m)) v1[e.Key] = m = new PlainMap();
                m["enabled"] = e.Value;
            }
            return v1;
        }

        // ------------------------------------------------------------------ v1 → v3

        /// <summary>A v1 policy document as a v3 policyInfo (without the server-managed fields; version 2 as v3 requires).</summary>
        public static Dictionary<string, object?> ToV3(IDictionary<string, object?> v1, List<string> warnings)
        {
            var info = new Dictionary<string, object?>(StringComparer.Ordinal);
            var settings = new PlainMap();
            foreach (var kv in v1)
            {
                switch (kv.Key)
                {
                    case "name": info["name"] = kv.Value; break;
                    case "description": info["description"] = kv.Value ?? ""; break;
                    case "priority_level": info["priorityLevel"] = kv.Value; break;
                    case "version": break; // v3 takes version 2 only
                    case "auto_deregister_inactive_vdi_interval_ms": if (kv.Value != null) info["vdiAutoDeregInactiveIntervalMs"] = kv.Value; break;
                    case "rules": settings["rules"] = PolicyJson.Clone(kv.Value); break;
                    case "sensor_settings": settings["sensorSettings"] = PolicyJson.Clone(kv.Value); break;
                    case "auto_delete_known_bad_hashes_delay": settings["knownBadHashAutoDeleteDelayMs"] = kv.Value; break;
                    case "directory_action_rules":
                        settings["directoryActionRules"] = (kv.Value as IEnumerable<object?> ?? Array.Empty<object?>()).Select(r =>
                        {
                            if (!(r is IDictionary<string, object?> d)) return PolicyJson.Clone(r);
                            var o = new PlainMap();
                            var actions = new PlainMap();
                            foreach (var f in d)
                            {
                                if (f.Key == "file_upload") actions["FILE_UPLOAD"] = f.Value;
                                else if (f.Key == "protection") actions["PROTECTION"] = f.Value;
                                else o[f.Key] = PolicyJson.Clone(f.Value);
                            }
                            o["actions"] = actions;
                            return (object?)o;
                        }).ToList();
                        break;
                    case "av_settings":
                        if (kv.Value is IDictionary<string, object?> av) settings["avSettings"] = AvToV3(av, warnings);
                        else if (kv.Value != null) warnings.Add("av_settings (not an object)");
                        break;
                    default:
                        if (!V1ServerManaged.Contains(kv.Key) && kv.Value != null) warnings.Add(kv.Key);
                        break;
                }
            }
            if (!info.ContainsKey("description")) info["description"] = "";
            info["version"] = (long)PolicyValues.PolicyVersion;
            info["policy"] = settings;
            return info;
        }

        private static PlainMap AvToV3(IDictionary<string, object?> av, List<string> warnings)
        {
            var v3 = new PlainMap();
            var features = new PlainList();
            foreach (var kv in av)
            {
                var match = Features.FirstOrDefault(x => x.V1Section == kv.Key);
                var d = kv.Value as IDictionary<string, object?>;
                if (match.Feature != null && d != null && d.TryGetValue("enabled", out var en))
                    features.Add(new PlainMap { ["name"] = match.Feature, ["enabled"] = en });
                switch (kv.Key)
                {
                    case "avira_protection_cloud": v3["apc"] = CamelKeys(kv.Value); break;
                    case "on_access_scan":
                    {
                        var o = new PlainMap();
                        if (d != null)
                            foreach (var x in d)
                                if (x.Key != "enabled") o[x.Key == "mode" ? "profile" : Camel(x.Key)] = PolicyJson.Clone(x.Value);
                        v3["onAccessScan"] = o;
                        break;
                    }
                    case "on_demand_scan": v3["onDemandScan"] = Without(CamelKeys(kv.Value), "enabled"); break;
                    case "signature_update": v3["signatureUpdate"] = Without(CamelKeys(kv.Value), "enabled"); break;
                    case "update_servers":
                    {
                        var o = new PlainMap();
                        if (d != null)
                        {
                            foreach (var x in d)
                            {
                                if (x.Key == "servers_for_onsite_devices")
                                {
                                    o["servers"] = (x.Value as IEnumerable<object?> ?? Array.Empty<object?>()).OfType<IDictionary<string, object?>>().Select(e => (object?)new PlainMap
                                    {
                                        ["server"] = new PlainList { e.TryGetValue("server", out var s) ? s : null },
                                        ["regId"] = null,
                                        ["flags"] = e.TryGetValue("preferred", out var p) && p is bool b && b ? 1L : 0L,
                                    }).ToList();
                                }
                                else if (x.Key == "servers_for_offsite_devices") o["serversForOffSiteDevices"] = PolicyJson.Clone(x.Value);
                                else if (x.Key == "servers_override" && (x.Value == null || (x.Value is IList<object?> l && l.Count == 0))) { }
                                else warnings.Add("av_settings.update_servers." + x.Key);
                            }
                        }
                        v3["updateServers"] = o;
                        break;
                    }
                    default:
                        warnings.Add("av_settings." + kv.Key);
                        break;
                }
            }
            if (features.Count > 0) v3["features"] = features;
            return v3;
        }

        // ------------------------------------------------------------------ key case

        private static object? SnakeKeys(object? v) => ConvertKeys(v, Snake);
        private static object? CamelKeys(object? v) => ConvertKeys(v, Camel);

        private static object? ConvertKeys(object? v, Func<string, string> name)
        {
            if (v is IDictionary<string, object?> d)
            {
                var o = new PlainMap();
                foreach (var kv in d) o[name(kv.Key)] = ConvertKeys(kv.Value, name);
                return o;
            }
            if (v is IEnumerable<object?> l && !(v is string)) return l.Select(x => ConvertKeys(x, name)).ToList();
            return v;
        }

        private static object? Without(object? v, string key)
        {
            if (v is PlainMap m) m.Remove(key);
            return v;
        }

        /// <summary>maxExeDelay → max_exe_delay.</summary>
        internal static string Snake(string camel)
        {
            var sb = new StringBuilder(camel.Length + 4);
            foreach (char c in camel)
            {
                if (char.IsUpper(c)) { if (sb.Length > 0) sb.Append('_'); sb.Append(char.ToLowerInvariant(c)); }
                else sb.Append(c);
            }
            return sb.ToString();
        }

        /// <summary>max_exe_delay → maxExeDelay.</summary>
        internal static string Camel(string snake)
        {
            var parts = snake.Split('_');
            var sb = new StringBuilder(parts[0]);
            for (int i = 1; i < parts.Length; i++)
                if (parts[i].Length > 0) sb.Append(char.ToUpperInvariant(parts[i][0])).Append(parts[i].Substring(1));
            return sb.ToString();
        }

        /// <summary>"a, b and c" for the warning of unmapped fields.</summary>
        internal static string Describe(IEnumerable<string> fields)
        {
            var list = fields.Distinct(StringComparer.Ordinal).ToList();
            if (list.Count <= 1) return string.Join("", list);
            return string.Join(", ", list.Take(list.Count - 1)) + " and " + list[list.Count - 1];
        }
    }
}
