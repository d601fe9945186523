using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace CbDefense.Emulator;

internal static partial class Routes
{
    private static Task ListPolicies(HttpContext ctx, EmulatorState s)
    {
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        string? err = Paging(ctx.Request.Query, 5000, out int start, out int rows);
        if (err != null)
        {
            return JsonOut.V3Error(ctx, 400, err);
        }
        byte[] body;
        lock (s.Lock)
        {
            var all = s.Policies.Values.OrderBy(p => p.Id).ToList();
            var page = all.Skip(start - 1).Take(rows).ToList();
            long elapsed = (long)System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            body = JsonOut.Build(w =>
            {
                Envelope(w, elapsed, all.Count);
                foreach (var p in page)
                {
                    JsonOut.WritePolicy(w, p);
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        return JsonOut.Send(ctx, 200, body);
    }

    private static string PolicyNotFound(long id) => "Policy " + id.ToString(CultureInfo.InvariantCulture) + " not found";

    private static Task BadPolicyId(HttpContext ctx) =>
        JsonOut.V3Error(ctx, 400, "Invalid policy id '" + RouteString(ctx, "id") + "': expected a number");

    private static Task GetPolicy(HttpContext ctx, EmulatorState s)
    {
        if (!TryId(ctx, "id", out long id))
        {
            return BadPolicyId(ctx);
        }
        byte[]? body = null;
        lock (s.Lock)
        {
            if (s.Policies.TryGetValue(id, out var p))
            {
                body = PolicyReply(p);
            }
        }
        return body == null ? JsonOut.V3Error(ctx, 404, PolicyNotFound(id)) : JsonOut.Send(ctx, 200, body);
    }

    private static byte[] PolicyReply(Policy p) => JsonOut.Build(w =>
    {
        w.WriteStartObject();
        w.WritePropertyName("policyInfo");
        JsonOut.WritePolicy(w, p);
        w.WriteBoolean("success", true);
        w.WriteString("message", "Success");
        w.WriteEndObject();
    });

    private sealed class PolicyInput
    {
        public long? Id;
        public string Name = "";
        public string Description = "";
        public string PriorityLevel = "";
        public JsonObject Body = new();
    }

    /// <summary>Validates <c>{"policyInfo": {...}}</c>; returns an error message or null.</summary>
    private static string? ValidatePolicy(JsonElement root, out PolicyInput input)
    {
        input = new PolicyInput();
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("policyInfo", out var info))
        {
            return "The request body must be {\"policyInfo\": {...}}";
        }
        if (info.ValueKind != JsonValueKind.Object)
        {
            return "policyInfo must be an object";
        }
        if (info.TryGetProperty("id", out var idEl) && idEl.ValueKind != JsonValueKind.Null)
        {
            if (idEl.ValueKind != JsonValueKind.Number || !idEl.TryGetInt64(out long idv))
            {
                return "policyInfo.id must be an integer";
            }
            input.Id = idv;
        }
        if (!info.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(name.GetString()))
        {
            return "policyInfo.name is required and must be a non-empty string";
        }
        input.Name = name.GetString()!;
        if (!info.TryGetProperty("description", out var desc) || desc.ValueKind != JsonValueKind.String)
        {
            return "policyInfo.description is required and must be a string (it may be empty)";
        }
        input.Description = desc.GetString()!;
        if (!info.TryGetProperty("priorityLevel", out var pl) || pl.ValueKind != JsonValueKind.String || !Lists.Contains(Lists.PriorityLevels, pl.GetString()!))
        {
            return "policyInfo.priorityLevel is required and must be one of: " + Allowed(Lists.PriorityLevels)
                + (pl.ValueKind == JsonValueKind.Undefined ? "" : " (got " + pl.GetRawText() + ")");
        }
        input.PriorityLevel = pl.GetString()!;
        if (!info.TryGetProperty("version", out var ver) || ver.ValueKind != JsonValueKind.Number || !ver.TryGetInt32(out int v) || v != 2)
        {
            return "policyInfo.version is required and must be 2"
                + (ver.ValueKind == JsonValueKind.Undefined ? "" : " (got " + ver.GetRawText() + ")");
        }
        if (!info.TryGetProperty("policy", out var pol) || pol.ValueKind != JsonValueKind.Object)
        {
            return "policyInfo.policy is required and must be an object";
        }
        var body = JsonNode.Parse(pol.GetRawText())!.AsObject();
        var rules = new JsonArray();
        if (pol.TryGetProperty("rules", out var rulesEl) && rulesEl.ValueKind != JsonValueKind.Null)
        {
            string? err = ValidateRules(rulesEl, "policyInfo.policy.rules", out rules);
            if (err != null)
            {
                return err;
            }
        }
        body["rules"] = rules;
        if (body["id"] == null)
        {
            body["id"] = -1;
        }
        input.Body = body;
        return null;
    }

    /// <summary>Validates a rules array; keeps positive unique ids given, numbers the others after the highest.</summary>
    private static string? ValidateRules(JsonElement rulesEl, string where, out JsonArray rules)
    {
        rules = new JsonArray();
        if (rulesEl.ValueKind != JsonValueKind.Array)
        {
            return where + " must be an array";
        }
        var used = new HashSet<long>();
        var pending = new List<JsonObject>();
        int index = 0;
        foreach (var r in rulesEl.EnumerateArray())
        {
            string? err = ValidateRule(r, where + "[" + index.ToString(CultureInfo.InvariantCulture) + "]", out var rule);
            if (err != null)
            {
                return err;
            }
            if (r.TryGetProperty("id", out var rid) && rid.ValueKind == JsonValueKind.Number && rid.TryGetInt64(out long ridv) && ridv > 0 && used.Add(ridv))
            {
                rule["id"] = ridv;
            }
            pending.Add(rule);
            index++;
        }
        long next = used.Count == 0 ? 1 : used.Max() + 1;
        foreach (var rule in pending)
        {
            if (rule["id"] == null)
            {
                rule["id"] = next++;
            }
            rules.Add(OrderRule(rule));
        }
        return null;
    }

    private static JsonObject OrderRule(JsonObject r) => new()
    {
        ["id"] = r["id"]!.GetValue<long>(),
        ["required"] = r["required"]!.GetValue<bool>(),
        ["operation"] = r["operation"]!.GetValue<string>(),
        ["application"] = new JsonObject
        {
            ["value"] = r["application"]!["value"]!.GetValue<string>(),
            ["type"] = r["application"]!["type"]!.GetValue<string>(),
        },
        ["action"] = r["action"]!.GetValue<string>(),
    };

    /// <summary>Validates one rule; the result has no id (the caller assigns it).</summary>
    private static string? ValidateRule(JsonElement r, string where, out JsonObject rule)
    {
        rule = new JsonObject();
        if (r.ValueKind != JsonValueKind.Object)
        {
            return where + " must be an object";
        }
        string? CheckEnum(string field, string[] allowed, out string value)
        {
            value = "";
            if (!r.TryGetProperty(field, out var el))
            {
                return where + "." + field + " is required; allowed values: " + Allowed(allowed);
            }
            if (el.ValueKind != JsonValueKind.String || !Lists.Contains(allowed, el.GetString()!))
            {
                return where + "." + field + ": " + el.GetRawText() + " is not a valid value; allowed values: " + Allowed(allowed);
            }
            value = el.GetString()!;
            return null;
        }
        string? err = CheckEnum("operation", Lists.Operations, out string operation) ?? CheckEnum("action", Lists.Actions, out string action);
        if (err != null)
        {
            return err;
        }
        _ = CheckEnum("action", Lists.Actions, out action);
        if (!r.TryGetProperty("application", out var app) || app.ValueKind != JsonValueKind.Object)
        {
            return where + ".application is required and must be an object {\"type\": ..., \"value\": ...}";
        }
        if (!app.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || !Lists.Contains(Lists.ApplicationTypes, type.GetString()!))
        {
            return where + ".application.type: " + (type.ValueKind == JsonValueKind.Undefined ? "missing" : type.GetRawText() + " is not a valid value")
                + "; allowed values: " + Allowed(Lists.ApplicationTypes);
        }
        if (!app.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(value.GetString()))
        {
            return where + ".application.value is required and must be a non-empty string";
        }
        if (type.GetString() == "REPUTATION" && !Lists.Contains(Lists.Reputations, value.GetString()!))
        {
            return where + ".application.value: \"" + value.GetString() + "\" is not a valid reputation; allowed values: " + Allowed(Lists.Reputations);
        }
        if (!r.TryGetProperty("required", out var req) || (req.ValueKind != JsonValueKind.True && req.ValueKind != JsonValueKind.False))
        {
            return where + ".required is required and must be a boolean (true or false)"
                + (req.ValueKind == JsonValueKind.Undefined ? "" : " (got " + req.GetRawText() + ")");
        }
        rule["required"] = req.GetBoolean();
        rule["operation"] = operation;
        rule["application"] = new JsonObject { ["value"] = value.GetString(), ["type"] = type.GetString() };
        rule["action"] = action;
        return null;
    }

    private static Task CreatePolicy(HttpContext ctx, EmulatorState s)
    {
        string? err = ParseJson(Body(ctx), out var root) ?? ValidatePolicy(root, out var input);
        if (err != null)
        {
            return JsonOut.V3Error(ctx, 400, err);
        }
        ValidatePolicy(root, out input);
        long id;
        lock (s.Lock)
        {
            var existing = s.FindPolicyByName(input.Name);
            if (existing != null)
            {
                return JsonOut.V3Error(ctx, 409, "A policy named '" + existing.Name + "' already exists (id " + existing.Id.ToString(CultureInfo.InvariantCulture) + ")");
            }
            id = s.NextPolicyId++;
            s.Policies[id] = new Policy
            {
                Id = id,
                Name = input.Name,
                Description = input.Description,
                PriorityLevel = input.PriorityLevel,
                SystemPolicy = false,
                Version = 2,
                LatestRevision = EmulatorState.NowMs,
                Body = input.Body,
            };
            s.AddAudit("Created policy " + input.Name);
        }
        return JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("policyId", id);
            w.WriteBoolean("success", true);
            w.WriteString("message", "Success");
            w.WriteEndObject();
        });
    }

    private static Task UpdatePolicy(HttpContext ctx, EmulatorState s)
    {
        if (!TryId(ctx, "id", out long id))
        {
            return BadPolicyId(ctx);
        }
        string? err = ParseJson(Body(ctx), out var root);
        PolicyInput? input = null;
        if (err == null)
        {
            err = ValidatePolicy(root, out input);
        }
        byte[] reply;
        lock (s.Lock)
        {
            if (!s.Policies.TryGetValue(id, out var p))
            {
                return JsonOut.V3Error(ctx, 404, PolicyNotFound(id));
            }
            if (err != null)
            {
                return JsonOut.V3Error(ctx, 400, err);
            }
            if (input!.Id.HasValue && input.Id.Value != id)
            {
                return JsonOut.V3Error(ctx, 400, "policyInfo.id " + input.Id.Value.ToString(CultureInfo.InvariantCulture) + " does not match the policy id in the path (" + id.ToString(CultureInfo.InvariantCulture) + ")");
            }
            var other = s.FindPolicyByName(input.Name);
            if (other != null && other.Id != id)
            {
                return JsonOut.V3Error(ctx, 409, "A policy named '" + other.Name + "' already exists (id " + other.Id.ToString(CultureInfo.InvariantCulture) + ")");
            }
            bool renamed = p.Name != input.Name;
            p.Name = input.Name;
            p.Description = input.Description;
            p.PriorityLevel = input.PriorityLevel;
            p.Body = input.Body;
            p.LatestRevision = EmulatorState.NowMs;
            if (renamed)
            {
                for (int i = 0; i < s.Devices.Count; i++)
                {
                    if (s.Devices[i].PolicyId == id)
                    {
                        var c = s.Devices[i].Clone();
                        c.PolicyName = p.Name;
                        s.ReplaceDevice(c);
                    }
                }
            }
            s.AddAudit("Updated policy " + p.Name);
            reply = PolicyReply(p);
        }
        return JsonOut.Send(ctx, 200, reply);
    }

    private static Task DeletePolicy(HttpContext ctx, EmulatorState s)
    {
        if (!TryId(ctx, "id", out long id))
        {
            return BadPolicyId(ctx);
        }
        lock (s.Lock)
        {
            if (!s.Policies.TryGetValue(id, out var p))
            {
                return JsonOut.V3Error(ctx, 404, PolicyNotFound(id));
            }
            if (p.SystemPolicy)
            {
                return JsonOut.V3Error(ctx, 400, "Policy " + id.ToString(CultureInfo.InvariantCulture) + " (" + p.Name + ") is a system policy and cannot be deleted");
            }
            int n = s.DevicesWithPolicy(id);
            if (n > 0)
            {
                return JsonOut.V3Error(ctx, 409, "Policy " + id.ToString(CultureInfo.InvariantCulture) + " (" + p.Name + ") has " + n.ToString(CultureInfo.InvariantCulture) + " device(s) assigned; move them to another policy first");
            }
            s.Policies.Remove(id);
            s.AddAudit("Deleted policy " + p.Name);
        }
        return JsonOut.V3Success(ctx);
    }

    private static JsonArray RulesOf(Policy p)
    {
        if (p.Body["rules"] is JsonArray a)
        {
            return a;
        }
        var arr = new JsonArray();
        p.Body["rules"] = arr;
        return arr;
    }

    private static int FindRule(JsonArray rules, long ruleId)
    {
        for (int i = 0; i < rules.Count; i++)
        {
            if (rules[i] is JsonObject o && o["id"] is JsonValue v && v.TryGetValue(out long id) && id == ruleId)
            {
                return i;
            }
        }
        return -1;
    }

    private static string? RuleBody(HttpContext ctx, out JsonObject rule)
    {
        rule = new JsonObject();
        string? err = ParseJson(Body(ctx), out var root);
        if (err != null)
        {
            return err;
        }
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("ruleInfo", out var info))
        {
            return "The request body must be {\"ruleInfo\": {...}}";
        }
        return ValidateRule(info, "ruleInfo", out rule);
    }

    private static Task AddRule(HttpContext ctx, EmulatorState s)
    {
        if (!TryId(ctx, "id", out long id))
        {
            return BadPolicyId(ctx);
        }
        string? err = RuleBody(ctx, out var rule);
        long ruleId;
        lock (s.Lock)
        {
            if (!s.Policies.TryGetValue(id, out var p))
            {
                return JsonOut.V3Error(ctx, 404, PolicyNotFound(id));
            }
            if (err != null)
            {
                return JsonOut.V3Error(ctx, 400, err);
            }
            var rules = RulesOf(p);
            long max = 0;
            foreach (var r in rules)
            {
                if (r is JsonObject o && o["id"] is JsonValue v && v.TryGetValue(out long rid))
                {
                    max = Math.Max(max, rid);
                }
            }
            ruleId = max + 1;
            rule["id"] = ruleId;
            rules.Add(OrderRule(rule));
            p.LatestRevision = EmulatorState.NowMs;
            s.AddAudit("Added rule " + ruleId.ToString(CultureInfo.InvariantCulture) + " to policy " + p.Name);
        }
        return JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("ruleId", ruleId);
            w.WriteBoolean("success", true);
            w.WriteString("message", "Success");
            w.WriteEndObject();
        });
    }

    private static Task ReplaceRule(HttpContext ctx, EmulatorState s)
    {
        if (!TryId(ctx, "id", out long id))
        {
            return BadPolicyId(ctx);
        }
        if (!TryId(ctx, "ruleId", out long ruleId))
        {
            return JsonOut.V3Error(ctx, 400, "Invalid rule id '" + RouteString(ctx, "ruleId") + "': expected a number");
        }
        string? err = RuleBody(ctx, out var rule);
        lock (s.Lock)
        {
            if (!s.Policies.TryGetValue(id, out var p))
            {
                return JsonOut.V3Error(ctx, 404, PolicyNotFound(id));
            }
            var rules = RulesOf(p);
            int idx = FindRule(rules, ruleId);
            if (idx < 0)
            {
                return JsonOut.V3Error(ctx, 404, "Rule " + ruleId.ToString(CultureInfo.InvariantCulture) + " not found in policy " + id.ToString(CultureInfo.InvariantCulture));
            }
            if (err != null)
            {
                return JsonOut.V3Error(ctx, 400, err);
            }
            rule["id"] = ruleId;
            rules[idx] = OrderRule(rule);
            p.LatestRevision = EmulatorState.NowMs;
            s.AddAudit("Replaced rule " + ruleId.ToString(CultureInfo.InvariantCulture) + " of policy " + p.Name);
        }
        return JsonOut.V3Success(ctx);
    }

    private static Task DeleteRule(HttpContext ctx, EmulatorState s)
    {
        if (!TryId(ctx, "id", out long id))
        {
            return BadPolicyId(ctx);
        }
        if (!TryId(ctx, "ruleId", out long ruleId))
        {
            return JsonOut.V3Error(ctx, 400, "Invalid rule id '" + RouteString(ctx, "ruleId") + "': expected a number");
        }
        lock (s.Lock)
        {
            if (!s.Policies.TryGetValue(id, out var p))
            {
                return JsonOut.V3Error(ctx, 404, PolicyNotFound(id));
            }
            var rules = RulesOf(p);
            int idx = FindRule(rules, ruleId);
            if (idx < 0)
            {
                return JsonOut.V3Error(ctx, 404, "Rule " + ruleId.ToString(CultureInfo.InvariantCulture) + " not found in policy " + id.ToString(CultureInfo.InvariantCulture));
            }
            rules.RemoveAt(idx);
            p.LatestRevision = EmulatorState.NowMs;
            s.AddAudit("Deleted rule " + ruleId.ToString(CultureInfo.InvariantCulture) + " of policy " + p.Name);
        }
        return JsonOut.V3Success(ctx);
    }
}
