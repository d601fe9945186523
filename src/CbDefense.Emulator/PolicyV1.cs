using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CbDefense.Emulator;

/// <summary>
/// Maps the stored v3 policy (<see cref="Policy"/>: policyInfo fields plus the v3 <c>policy</c> body) to the policy
/// service v1 document and back. The v3 state is the one source for every field both generations have; fields only
/// v1 has (rule_configs, managed_detection_response_permissions, ...) and fields the emulator does not know come from
/// the last v1 document written (<see cref="Policy.V1Doc"/>), else from defaults.
/// </summary>
internal static class PolicyV1
{
    private static JsonNode? C(JsonNode? n) => n?.DeepClone();

    private static JsonObject Obj(JsonNode? n) => n as JsonObject ?? new JsonObject();

    /// <summary>Defaults of the v1-only fields (also what a policy created through v3 reports).</summary>
    private static JsonObject V1OnlyDefaults() => new()
    {
        ["auto_deregister_inactive_vdi_interval_ms"] = 0,
        ["managed_detection_response_permissions"] = new JsonObject { ["policy_modification"] = false, ["quarantine"] = false },
        ["rule_configs"] = new JsonArray
        {
            new JsonObject
            {
                ["id"] = "5f0c9e1a-7e51-4c3b-9a6e-0e6d2b1f4a01",
                ["name"] = "Authentication Events",
                ["description"] = "Authentication Events",
                ["inherited_from"] = "",
                ["category"] = "data_collection",
                ["parameters"] = new JsonObject { ["enable_auth_events"] = true },
            },
            new JsonObject
            {
                ["id"] = "5f0c9e1a-7e51-4c3b-9a6e-0e6d2b1f4a02",
                ["name"] = "XDR",
                ["description"] = "Turns on XDR network data collection at the sensor",
                ["inherited_from"] = "",
                ["category"] = "data_collection",
                ["parameters"] = new JsonObject { ["enable_network_data_collection"] = false },
            },
        },
        ["av_settings"] = new JsonObject { ["update_servers"] = new JsonObject { ["servers_override"] = new JsonArray() } },
    };

    /// <summary>Adds to <paramref name="target"/> every key of <paramref name="extra"/> it lacks, recursively into
    /// objects both have; a JSON null in the target where <paramref name="extra"/> has an object counts as missing.</summary>
    public static void MergeMissing(JsonObject target, JsonObject? extra)
    {
        if (extra == null)
        {
            return;
        }
        foreach (var (k, v) in extra)
        {
            if (!target.TryGetPropertyValue(k, out var t) || (t == null && v is JsonObject))
            {
                target[k] = C(v);
            }
            else if (t is JsonObject to && v is JsonObject vo)
            {
                MergeMissing(to, vo);
            }
        }
    }

    private static JsonNode? Feature(JsonObject av, string name)
    {
        if (av["features"] is JsonArray features)
        {
            foreach (var f in features)
            {
                if (f is JsonObject o && o["name"] is JsonValue n && n.TryGetValue(out string? s) && s == name)
                {
                    return C(o["enabled"]);
                }
            }
        }
        return null;
    }

    private static JsonObject AvToV1(JsonObject av)
    {
        var apc = Obj(av["apc"]);
        var oas = Obj(av["onAccessScan"]);
        var ods = Obj(av["onDemandScan"]);
        var odsSchedule = Obj(ods["schedule"]);
        var sig = Obj(Obj(av["signatureUpdate"])["schedule"]);
        var servers = Obj(av["updateServers"]);
        var onsite = new JsonArray();
        if (servers["servers"] is JsonArray list)
        {
            foreach (var entry in list)
            {
                if (entry is not JsonObject e)
                {
                    continue;
                }
                bool preferred = e["flags"] is JsonValue fl && fl.TryGetValue(out long flags) && flags != 0;
                if (e["server"] is JsonArray urls)
                {
                    foreach (var u in urls)
                    {
                        onsite.Add(new JsonObject { ["server"] = C(u), ["preferred"] = preferred });
                    }
                }
                else if (e["server"] is JsonValue one)
                {
                    onsite.Add(new JsonObject { ["server"] = C(one), ["preferred"] = preferred });
                }
            }
        }
        return new JsonObject
        {
            ["avira_protection_cloud"] = new JsonObject
            {
                ["enabled"] = C(apc["enabled"]),
                ["max_exe_delay"] = C(apc["maxExeDelay"]),
                ["max_file_size"] = C(apc["maxFileSize"]),
                ["risk_level"] = C(apc["riskLevel"]),
            },
            ["on_access_scan"] = new JsonObject
            {
                ["enabled"] = Feature(av, "ONACCESS_SCAN"),
                ["mode"] = C(oas["profile"]),
            },
            ["on_demand_scan"] = new JsonObject
            {
                ["enabled"] = Feature(av, "ONDEMAND_SCAN"),
                ["profile"] = C(ods["profile"]),
                ["schedule"] = new JsonObject
                {
                    ["days"] = C(odsSchedule["days"]),
                    ["start_hour"] = C(odsSchedule["startHour"]),
                    ["range_hours"] = C(odsSchedule["rangeHours"]),
                    ["recovery_scan_if_missed"] = C(odsSchedule["recoveryScanIfMissed"]),
                },
                ["scan_usb"] = C(ods["scanUsb"]),
                ["scan_cd_dvd"] = C(ods["scanCdDvd"]),
            },
            ["signature_update"] = new JsonObject
            {
                ["enabled"] = Feature(av, "SIGNATURE_UPDATE"),
                ["schedule"] = new JsonObject
                {
                    ["full_interval_hours"] = C(sig["fullIntervalHours"]),
                    ["initial_random_delay_hours"] = C(sig["initialRandomDelayHours"]),
                    ["interval_hours"] = C(sig["intervalHours"]),
                },
            },
            ["update_servers"] = new JsonObject
            {
                ["servers_for_onsite_devices"] = onsite,
                ["servers_for_offsite_devices"] = C(servers["serversForOffSiteDevices"]) ?? new JsonArray(),
            },
        };
    }

    /// <summary>A v3 rule node as a v1 rule (id, required, action, application{type, value}, operation).</summary>
    public static JsonObject RuleToV1(JsonNode? rule)
    {
        var r = Obj(rule);
        var app = Obj(r["application"]);
        return new JsonObject
        {
            ["id"] = C(r["id"]),
            ["required"] = C(r["required"]),
            ["action"] = C(r["action"]),
            ["application"] = new JsonObject { ["type"] = C(app["type"]), ["value"] = C(app["value"]) },
            ["operation"] = C(r["operation"]),
        };
    }

    /// <summary>The full v1 policy object.</summary>
    public static JsonObject ToV1(Policy p, string orgKey, int position)
    {
        var body = p.Body;
        var rules = new JsonArray();
        if (body["rules"] is JsonArray rl)
        {
            foreach (var r in rl)
            {
                rules.Add(RuleToV1(r));
            }
        }
        var dirRules = new JsonArray();
        if (body["directoryActionRules"] is JsonArray dl)
        {
            foreach (var d in dl)
            {
                var o = Obj(d);
                var actions = Obj(o["actions"]);
                dirRules.Add(new JsonObject
                {
                    ["file_upload"] = C(actions["FILE_UPLOAD"]) ?? false,
                    ["protection"] = C(actions["PROTECTION"]) ?? false,
                    ["path"] = C(o["path"]),
                });
            }
        }
        var v1 = new JsonObject
        {
            ["id"] = p.Id,
            ["name"] = p.Name,
            ["org_key"] = orgKey,
            ["priority_level"] = p.PriorityLevel,
            ["position"] = position,
            ["is_system"] = p.SystemPolicy,
            ["description"] = p.Description,
            ["auto_deregister_inactive_vdi_interval_ms"] = null,
            ["auto_delete_known_bad_hashes_delay"] = C(body["knownBadHashAutoDeleteDelayMs"]),
            ["av_settings"] = AvToV1(Obj(body["avSettings"])),
            ["rules"] = rules,
            ["directory_action_rules"] = dirRules,
            ["sensor_settings"] = C(body["sensorSettings"]) ?? new JsonArray(),
            ["managed_detection_response_permissions"] = null,
            ["version"] = p.Version,
            ["rule_configs"] = null,
        };
        // The placeholders (null) of the v1-only fields: the last v1 document's values, else the defaults.
        var defaults = V1OnlyDefaults();
        foreach (string k in new[] { "auto_deregister_inactive_vdi_interval_ms", "managed_detection_response_permissions", "rule_configs" })
        {
            v1[k] = p.V1Doc != null && p.V1Doc.TryGetPropertyValue(k, out var v) ? C(v) : C(defaults[k]);
        }
        MergeMissing(v1, p.V1Doc);
        MergeMissing(v1, defaults);
        return v1;
    }

    /// <summary>The v1 view of a fresh policy (the emulator's template): fills what a create or update leaves out.</summary>
    private static JsonObject TemplateDefaults()
    {
        var t = new Policy { Body = Seeder.NewPolicyBody(false) };
        var v1 = ToV1(t, "", 0);
        foreach (string k in new[] { "id", "name", "org_key", "priority_level", "position", "is_system", "description", "version" })
        {
            v1.Remove(k);
        }
        return v1;
    }

    // ------------------------------------------------------------------ v1 -> v3

    /// <summary>Validated, converted input of a v1 create or update.</summary>
    internal sealed class Input
    {
        public long? Id;
        public string Name = "";
        public string Description = "";
        public string PriorityLevel = "";
        public JsonObject Doc = new();
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string? Expect(JsonElement parent, string key, string where, JsonValueKind kind, bool nullable = true)
    {
        if (!parent.TryGetProperty(key, out var v) || (nullable && v.ValueKind == JsonValueKind.Null))
        {
            return null;
        }
        bool ok = kind == JsonValueKind.True ? v.ValueKind is JsonValueKind.True or JsonValueKind.False : v.ValueKind == kind;
        if (!ok)
        {
            string want = kind switch
            {
                JsonValueKind.Object => "an object",
                JsonValueKind.Array => "an array",
                JsonValueKind.String => "a string",
                JsonValueKind.Number => "a number",
                _ => "a boolean",
            };
            return where + key + " must be " + want + " (got " + Kind(v) + ")";
        }
        return null;
    }

    /// <summary>Checks the request document's fields and shapes (rules are checked by the caller).</summary>
    public static string? Validate(JsonElement root, out Input input)
    {
        input = new Input();
        if (root.ValueKind != JsonValueKind.Object)
        {
            return "The request body must be a policy object {\"name\": ..., \"priority_level\": ..., ...}";
        }
        if (root.TryGetProperty("id", out var idEl) && idEl.ValueKind != JsonValueKind.Null)
        {
            if (idEl.ValueKind != JsonValueKind.Number || !idEl.TryGetInt64(out long idv))
            {
                return "id must be an integer (got " + idEl.GetRawText() + ")";
            }
            input.Id = idv;
        }
        if (!root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(name.GetString()))
        {
            return "name is required and must be a non-empty string";
        }
        input.Name = name.GetString()!;
        if (root.TryGetProperty("description", out var desc) && desc.ValueKind != JsonValueKind.Null)
        {
            if (desc.ValueKind != JsonValueKind.String)
            {
                return "description must be a string (got " + desc.GetRawText() + ")";
            }
            input.Description = desc.GetString()!;
        }
        if (!root.TryGetProperty("priority_level", out var pl) || pl.ValueKind != JsonValueKind.String || !Lists.Contains(Lists.PriorityLevels, pl.GetString()!))
        {
            return "priority_level is required and must be one of: " + string.Join(", ", Lists.PriorityLevels)
                + (pl.ValueKind == JsonValueKind.Undefined ? "" : " (got " + pl.GetRawText() + ")");
        }
        input.PriorityLevel = pl.GetString()!;
        if (root.TryGetProperty("version", out var ver) && ver.ValueKind != JsonValueKind.Null
            && (ver.ValueKind != JsonValueKind.Number || !ver.TryGetInt32(out int v) || v != 2))
        {
            return "version must be 2 (got " + ver.GetRawText() + ")";
        }
        string? err = Expect(root, "auto_delete_known_bad_hashes_delay", "", JsonValueKind.Number)
            ?? Expect(root, "av_settings", "", JsonValueKind.Object)
            ?? Expect(root, "rules", "", JsonValueKind.Array)
            ?? Expect(root, "directory_action_rules", "", JsonValueKind.Array)
            ?? Expect(root, "sensor_settings", "", JsonValueKind.Array);
        if (err != null)
        {
            return err;
        }
        if (root.TryGetProperty("av_settings", out var av) && av.ValueKind == JsonValueKind.Object)
        {
            foreach (string section in new[] { "avira_protection_cloud", "on_access_scan", "on_demand_scan", "signature_update", "update_servers" })
            {
                err = Expect(av, section, "av_settings.", JsonValueKind.Object);
                if (err != null)
                {
                    return err;
                }
                if (av.TryGetProperty(section, out var sec) && sec.ValueKind == JsonValueKind.Object)
                {
                    err = Expect(sec, "enabled", "av_settings." + section + ".", JsonValueKind.True)
                        ?? Expect(sec, "schedule", "av_settings." + section + ".", JsonValueKind.Object);
                    if (err != null)
                    {
                        return err;
                    }
                }
            }
            if (av.TryGetProperty("update_servers", out var us) && us.ValueKind == JsonValueKind.Object)
            {
                err = Expect(us, "servers_for_onsite_devices", "av_settings.update_servers.", JsonValueKind.Array)
                    ?? Expect(us, "servers_for_offsite_devices", "av_settings.update_servers.", JsonValueKind.Array)
                    ?? Expect(us, "servers_override", "av_settings.update_servers.", JsonValueKind.Array);
                if (err != null)
                {
                    return err;
                }
                if (us.TryGetProperty("servers_for_onsite_devices", out var on) && on.ValueKind == JsonValueKind.Array)
                {
                    int i = 0;
                    foreach (var s in on.EnumerateArray())
                    {
                        string w = "av_settings.update_servers.servers_for_onsite_devices[" + i++ + "]";
                        if (s.ValueKind != JsonValueKind.Object || !s.TryGetProperty("server", out var url) || url.ValueKind != JsonValueKind.String)
                        {
                            return w + " must be an object {\"server\": \"http://...\", \"preferred\": false}";
                        }
                        err = Expect(s, "preferred", w + ".", JsonValueKind.True);
                        if (err != null)
                        {
                            return err;
                        }
                    }
                }
            }
        }
        if (root.TryGetProperty("directory_action_rules", out var dar) && dar.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var d in dar.EnumerateArray())
            {
                string w = "directory_action_rules[" + i++ + "]";
                if (d.ValueKind != JsonValueKind.Object || !d.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String)
                {
                    return w + " must be an object {\"path\": \"...\", \"file_upload\": false, \"protection\": false}";
                }
                err = Expect(d, "file_upload", w + ".", JsonValueKind.True) ?? Expect(d, "protection", w + ".", JsonValueKind.True);
                if (err != null)
                {
                    return err;
                }
            }
        }
        if (root.TryGetProperty("sensor_settings", out var ss) && ss.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var s in ss.EnumerateArray())
            {
                if (s.ValueKind != JsonValueKind.Object || !s.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String
                    || !s.TryGetProperty("value", out var val) || val.ValueKind != JsonValueKind.String)
                {
                    return "sensor_settings[" + i + "] must be an object {\"name\": \"...\", \"value\": \"...\"} of strings";
                }
                i++;
            }
        }
        input.Doc = JsonNode.Parse(root.GetRawText())!.AsObject();
        return null;
    }

    private static JsonObject Child(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject o)
        {
            return o;
        }
        var n = new JsonObject();
        parent[key] = n;
        return n;
    }

    private static void SetFeature(JsonObject av, string name, JsonNode? enabled)
    {
        if (av["features"] is not JsonArray features)
        {
            features = new JsonArray();
            av["features"] = features;
        }
        foreach (var f in features)
        {
            if (f is JsonObject o && o["name"] is JsonValue n && n.TryGetValue(out string? s) && s == name)
            {
                o["enabled"] = C(enabled);
                return;
            }
        }
        features.Add(new JsonObject { ["enabled"] = C(enabled), ["name"] = name });
    }

    /// <summary>Writes a validated v1 document onto a v3 policy body: every field v1 and v3 share is replaced
    /// (a field the document leaves out takes the template's default); v3-only fields the body has are kept.</summary>
    public static JsonObject ToV3Body(JsonObject doc, JsonArray rules, JsonObject? existing)
    {
        var d = (JsonObject)doc.DeepClone();
        MergeMissing(d, TemplateDefaults());
        var body = existing != null ? (JsonObject)existing.DeepClone() : Seeder.NewPolicyBody(false);
        var av1 = Obj(d["av_settings"]);
        var av = Child(body, "avSettings");

        var apc1 = Obj(av1["avira_protection_cloud"]);
        var apc = Child(av, "apc");
        apc["maxFileSize"] = C(apc1["max_file_size"]);
        apc["maxExeDelay"] = C(apc1["max_exe_delay"]);
        apc["riskLevel"] = C(apc1["risk_level"]);
        apc["enabled"] = C(apc1["enabled"]);

        var oas1 = Obj(av1["on_access_scan"]);
        SetFeature(av, "ONACCESS_SCAN", oas1["enabled"]);
        Child(av, "onAccessScan")["profile"] = C(oas1["mode"]);

        var ods1 = Obj(av1["on_demand_scan"]);
        SetFeature(av, "ONDEMAND_SCAN", ods1["enabled"]);
        var ods = Child(av, "onDemandScan");
        ods["profile"] = C(ods1["profile"]);
        ods["scanCdDvd"] = C(ods1["scan_cd_dvd"]);
        ods["scanUsb"] = C(ods1["scan_usb"]);
        var sch1 = Obj(ods1["schedule"]);
        var sch = Child(ods, "schedule");
        sch["days"] = C(sch1["days"]);
        sch["rangeHours"] = C(sch1["range_hours"]);
        sch["startHour"] = C(sch1["start_hour"]);
        sch["recoveryScanIfMissed"] = C(sch1["recovery_scan_if_missed"]);

        var sig1 = Obj(av1["signature_update"]);
        SetFeature(av, "SIGNATURE_UPDATE", sig1["enabled"]);
        var sigs1 = Obj(sig1["schedule"]);
        var sigs = Child(Child(av, "signatureUpdate"), "schedule");
        sigs["intervalHours"] = C(sigs1["interval_hours"]);
        sigs["fullIntervalHours"] = C(sigs1["full_interval_hours"]);
        sigs["initialRandomDelayHours"] = C(sigs1["initial_random_delay_hours"]);

        var us1 = Obj(av1["update_servers"]);
        var us = Child(av, "updateServers");
        var servers = new JsonArray();
        if (us1["servers_for_onsite_devices"] is JsonArray onsite)
        {
            foreach (var s in onsite)
            {
                var o = Obj(s);
                bool preferred = o["preferred"] is JsonValue pv && pv.TryGetValue(out bool b) && b;
                servers.Add(new JsonObject { ["flags"] = preferred ? 1 : 0, ["regId"] = null, ["server"] = new JsonArray { C(o["server"]) } });
            }
        }
        us["servers"] = servers;
        us["serversForOffSiteDevices"] = C(us1["servers_for_offsite_devices"]) ?? new JsonArray();

        var sensor = C(d["sensor_settings"]) ?? new JsonArray();
        body["sensorSettings"] = sensor;
        var dirs = new JsonArray();
        if (d["directory_action_rules"] is JsonArray dl)
        {
            foreach (var item in dl)
            {
                var o = Obj(item);
                dirs.Add(new JsonObject
                {
                    ["path"] = C(o["path"]),
                    ["actions"] = new JsonObject { ["FILE_UPLOAD"] = C(o["file_upload"]) ?? false, ["PROTECTION"] = C(o["protection"]) ?? false },
                });
            }
        }
        body["directoryActionRules"] = dirs;
        body["rules"] = rules;
        body["knownBadHashAutoDeleteDelayMs"] = C(d["auto_delete_known_bad_hashes_delay"]);
        if (body["id"] == null)
        {
            body["id"] = -1;
        }
        return body;
    }

    /// <summary>The summary item of GET policies/summary.</summary>
    public static void WriteSummary(Utf8JsonWriter w, Policy p, int position, int devices)
    {
        w.WriteStartObject();
        w.WriteNumber("id", p.Id);
        w.WriteString("name", p.Name);
        w.WriteString("description", p.Description);
        w.WriteString("priority_level", p.PriorityLevel);
        w.WriteNumber("position", position);
        w.WriteBoolean("is_system", p.SystemPolicy);
        w.WriteNumber("num_devices", devices);
        w.WriteEndObject();
    }

    /// <summary>Position of each policy: 1-based, in id order (the seeded system policies first).</summary>
    public static Dictionary<long, int> Positions(Dictionary<long, Policy> policies)
    {
        var ids = new List<long>(policies.Keys);
        ids.Sort();
        var d = new Dictionary<long, int>(ids.Count);
        for (int i = 0; i < ids.Count; i++)
        {
            d[ids[i]] = i + 1;
        }
        return d;
    }
}
