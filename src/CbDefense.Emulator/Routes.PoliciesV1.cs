using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CbDefense.Emulator;

/// <summary>Policy service v1 (current generation) over the same policies the v3 routes serve.</summary>
internal static partial class Routes
{
    private const string V1 = "/policyservice/v1/orgs/{org_key}";

    private static void MapPoliciesV1(WebApplication app, EmulatorState s)
    {
        app.MapGet(V1 + "/policies/summary", ctx => PolicySummaryV1(ctx, s));
        app.MapPost(V1 + "/policies", ctx => CreatePolicyV1(ctx, s));
        app.MapGet(V1 + "/policies/{id}", ctx => GetPolicyV1(ctx, s));
        app.MapPut(V1 + "/policies/{id}", ctx => UpdatePolicyV1(ctx, s));
        app.MapDelete(V1 + "/policies/{id}", ctx => DeletePolicyV1(ctx, s));
        app.MapPost(V1 + "/policies/{id}/rules", ctx => AddRuleV1(ctx, s));
        app.MapGet(V1 + "/policies/{id}/rules/{rule_id}", ctx => GetRuleV1(ctx, s));
        app.MapPut(V1 + "/policies/{id}/rules/{rule_id}", ctx => ReplaceRuleV1(ctx, s));
        app.MapDelete(V1 + "/policies/{id}/rules/{rule_id}", ctx => DeleteRuleV1(ctx, s));
    }

    private static Task PolicyNotFoundV1(HttpContext ctx, long id) => JsonOut.V6Error(ctx, 404, "NOT_FOUND", PolicyNotFound(id));

    private static Task ConflictV1(HttpContext ctx, Policy existing) =>
        JsonOut.V6Error(ctx, 409, "CONFLICT", "A policy named '" + existing.Name + "' already exists (id " + existing.Id.ToString(CultureInfo.InvariantCulture) + ")");

    private static bool PolicyIdV1(HttpContext ctx, out long id, out Task? error)
    {
        error = null;
        if (!TryId(ctx, "id", out id))
        {
            error = BadArg(ctx, "Invalid policy id '" + RouteString(ctx, "id") + "': expected a number");
            return false;
        }
        return true;
    }

    private static byte[] PolicyV1Reply(EmulatorState s, Policy p)
    {
        var doc = PolicyV1.ToV1(p, s.Options.OrgKey, PolicyV1.Positions(s.Policies)[p.Id]);
        return JsonOut.Build(w => doc.WriteTo(w));
    }

    /// <summary>Gives the devices of a renamed policy the new policy name (as the v3 PUT does).</summary>
    private static void RenamePolicyOnDevices(EmulatorState s, Policy p)
    {
        for (int i = 0; i < s.Devices.Count; i++)
        {
            if (s.Devices[i].PolicyId == p.Id && s.Devices[i].PolicyName != p.Name)
            {
                var c = s.Devices[i].Clone();
                c.PolicyName = p.Name;
                s.ReplaceDevice(c);
            }
        }
    }

    private static Task PolicySummaryV1(HttpContext ctx, EmulatorState s)
    {
        byte[] body;
        lock (s.Lock)
        {
            var counts = new Dictionary<long, int>();
            foreach (var d in s.Devices)
            {
                counts.TryGetValue(d.PolicyId, out int n);
                counts[d.PolicyId] = n + 1;
            }
            var positions = PolicyV1.Positions(s.Policies);
            var ids = new List<long>(s.Policies.Keys);
            ids.Sort();
            body = JsonOut.Build(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("policies");
                foreach (long id in ids)
                {
                    counts.TryGetValue(id, out int n);
                    PolicyV1.WriteSummary(w, s.Policies[id], positions[id], n);
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        return JsonOut.Send(ctx, 200, body);
    }

    private static Task GetPolicyV1(HttpContext ctx, EmulatorState s)
    {
        if (!PolicyIdV1(ctx, out long id, out var bad))
        {
            return bad!;
        }
        byte[]? body = null;
        lock (s.Lock)
        {
            if (s.Policies.TryGetValue(id, out var p))
            {
                body = PolicyV1Reply(s, p);
            }
        }
        return body == null ? PolicyNotFoundV1(ctx, id) : JsonOut.Send(ctx, 200, body);
    }

    /// <summary>Parses and validates a v1 policy document and its rules.</summary>
    private static string? PolicyInputV1(HttpContext ctx, out PolicyV1.Input input, out JsonArray rules)
    {
        input = new PolicyV1.Input();
        rules = new JsonArray();
        string? err = ParseJson(Body(ctx), out var root) ?? PolicyV1.Validate(root, out input);
        if (err != null)
        {
            return err;
        }
        if (root.TryGetProperty("rules", out var rulesEl) && rulesEl.ValueKind != JsonValueKind.Null)
        {
            return ValidateRules(rulesEl, "rules", out rules);
        }
        return null;
    }

    private static Task CreatePolicyV1(HttpContext ctx, EmulatorState s)
    {
        string? err = PolicyInputV1(ctx, out var input, out var rules);
        if (err != null)
        {
            return BadArg(ctx, err);
        }
        byte[] reply;
        lock (s.Lock)
        {
            var existing = s.FindPolicyByName(input.Name);
            if (existing != null)
            {
                return ConflictV1(ctx, existing);
            }
            long id = s.NextPolicyId++;
            var p = new Policy
            {
                Id = id,
                Name = input.Name,
                Description = input.Description,
                PriorityLevel = input.PriorityLevel,
                SystemPolicy = false,
                Version = 2,
                LatestRevision = EmulatorState.NowMs,
                Body = PolicyV1.ToV3Body(input.Doc, rules, null),
                V1Doc = input.Doc,
            };
            s.Policies[id] = p;
            s.AddAudit("Created policy " + input.Name);
            reply = PolicyV1Reply(s, p);
        }
        return JsonOut.Send(ctx, 200, reply);
    }

    private static Task UpdatePolicyV1(HttpContext ctx, EmulatorState s)
    {
        if (!PolicyIdV1(ctx, out long id, out var bad))
        {
            return bad!;
        }
        string? err = PolicyInputV1(ctx, out var input, out var rules);
        byte[] reply;
        lock (s.Lock)
        {
            if (!s.Policies.TryGetValue(id, out var p))
            {
                return PolicyNotFoundV1(ctx, id);
            }
            if (err != null)
            {
                return BadArg(ctx, err);
            }
            if (input.Id.HasValue && input.Id.Value != id)
            {
                return BadArg(ctx, "id " + input.Id.Value.ToString(CultureInfo.InvariantCulture) + " does not match the policy id in the path (" + id.ToString(CultureInfo.InvariantCulture) + ")");
            }
            var other = s.FindPolicyByName(input.Name);
            if (other != null && other.Id != id)
            {
                return ConflictV1(ctx, other);
            }
            p.Name = input.Name;
            p.Description = input.Description;
            p.PriorityLevel = input.PriorityLevel;
            p.Body = PolicyV1.ToV3Body(input.Doc, rules, p.Body);
            p.V1Doc = input.Doc;
            p.LatestRevision = EmulatorState.NowMs;
            RenamePolicyOnDevices(s, p);
            s.AddAudit("Updated policy " + p.Name);
            reply = PolicyV1Reply(s, p);
        }
        return JsonOut.Send(ctx, 200, reply);
    }

    private static Task DeletePolicyV1(HttpContext ctx, EmulatorState s)
    {
        if (!PolicyIdV1(ctx, out long id, out var bad))
        {
            return bad!;
        }
        lock (s.Lock)
        {
            if (!s.Policies.TryGetValue(id, out var p))
            {
                return PolicyNotFoundV1(ctx, id);
            }
            if (p.SystemPolicy)
            {
                return BadArg(ctx, "Policy " + id.ToString(CultureInfo.InvariantCulture) + " (" + p.Name + ") is a system policy and cannot be deleted");
            }
            int n = s.DevicesWithPolicy(id);
            if (n > 0)
            {
                return JsonOut.V6Error(ctx, 409, "CONFLICT", "Policy " + id.ToString(CultureInfo.InvariantCulture) + " (" + p.Name + ") has "
                    + n.ToString(CultureInfo.InvariantCulture) + " device(s) assigned; move them to another policy first");
            }
            s.Policies.Remove(id);
            s.AddAudit("Deleted policy " + p.Name);
        }
        ctx.Response.StatusCode = 204;
        return Task.CompletedTask;
    }

    // ------------------------------------------------------------------ rules

    /// <summary>A bare v1 rule body: validated like the v3 ruleInfo; an id in it is returned (null if none).</summary>
    private static string? RuleBodyV1(HttpContext ctx, out JsonObject rule, out long? bodyId)
    {
        rule = new JsonObject();
        bodyId = null;
        string? err = ParseJson(Body(ctx), out var root);
        if (err != null)
        {
            return err;
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            return "The request body must be a rule object {\"required\": ..., \"action\": ..., \"application\": {...}, \"operation\": ...}";
        }
        if (root.TryGetProperty("id", out var idEl) && idEl.ValueKind != JsonValueKind.Null)
        {
            if (idEl.ValueKind != JsonValueKind.Number || !idEl.TryGetInt64(out long v))
            {
                return "id must be an integer (got " + idEl.GetRawText() + ")";
            }
            bodyId = v;
        }
        return ValidateRule(root, "rule", out rule);
    }

    private static bool RuleIdV1(HttpContext ctx, out long ruleId, out Task? error)
    {
        error = null;
        if (!TryId(ctx, "rule_id", out ruleId))
        {
            error = BadArg(ctx, "Invalid rule id '" + RouteString(ctx, "rule_id") + "': expected a number");
            return false;
        }
        return true;
    }

    private static Task RuleNotFoundV1(HttpContext ctx, long ruleId, long id) =>
        JsonOut.V6Error(ctx, 404, "NOT_FOUND", "Rule " + ruleId.ToString(CultureInfo.InvariantCulture) + " not found in policy " + id.ToString(CultureInfo.InvariantCulture));

    private static Task AddRuleV1(HttpContext ctx, EmulatorState s)
    {
        if (!PolicyIdV1(ctx, out long id, out var bad))
        {
            return bad!;
        }
        string? err = RuleBodyV1(ctx, out var rule, out _);
        JsonObject stored;
        lock (s.Lock)
        {
            if (!s.Policies.TryGetValue(id, out var p))
            {
                return PolicyNotFoundV1(ctx, id);
            }
            if (err != null)
            {
                return BadArg(ctx, err);
            }
            var rules = RulesOf(p);
            long max = 0;
            foreach (var r in rules)
            {
                if (r is JsonObject o && o["id"] is JsonValue v && v.TryGetValue(out long rid))
                {
                    max = System.Math.Max(max, rid);
                }
            }
            rule["id"] = max + 1; // server-assigned, as on v3; an id in the body is ignored
            stored = OrderRule(rule);
            rules.Add(stored);
            p.LatestRevision = EmulatorState.NowMs;
            s.AddAudit("Added rule " + (max + 1).ToString(CultureInfo.InvariantCulture) + " to policy " + p.Name);
        }
        var reply = PolicyV1.RuleToV1(stored);
        return JsonOut.Send(ctx, 200, w => reply.WriteTo(w));
    }

    private static Task GetRuleV1(HttpContext ctx, EmulatorState s)
    {
        if (!PolicyIdV1(ctx, out long id, out var bad) || !RuleIdV1(ctx, out long ruleId, out bad))
        {
            return bad!;
        }
        JsonObject reply;
        lock (s.Lock)
        {
            if (!s.Policies.TryGetValue(id, out var p))
            {
                return PolicyNotFoundV1(ctx, id);
            }
            var rules = RulesOf(p);
            int idx = FindRule(rules, ruleId);
            if (idx < 0)
            {
                return RuleNotFoundV1(ctx, ruleId, id);
            }
            reply = PolicyV1.RuleToV1(rules[idx]);
        }
        return JsonOut.Send(ctx, 200, w => reply.WriteTo(w));
    }

    private static Task ReplaceRuleV1(HttpContext ctx, EmulatorState s)
    {
        if (!PolicyIdV1(ctx, out long id, out var bad) || !RuleIdV1(ctx, out long ruleId, out bad))
        {
            return bad!;
        }
        string? err = RuleBodyV1(ctx, out var rule, out long? bodyId);
        JsonObject stored;
        lock (s.Lock)
        {
            if (!s.Policies.TryGetValue(id, out var p))
            {
                return PolicyNotFoundV1(ctx, id);
            }
            var rules = RulesOf(p);
            int idx = FindRule(rules, ruleId);
            if (idx < 0)
            {
                return RuleNotFoundV1(ctx, ruleId, id);
            }
            if (err != null)
            {
                return BadArg(ctx, err);
            }
            if (bodyId.HasValue && bodyId.Value != ruleId)
            {
                return BadArg(ctx, "id " + bodyId.Value.ToString(CultureInfo.InvariantCulture) + " does not match the rule id in the path (" + ruleId.ToString(CultureInfo.InvariantCulture) + ")");
            }
            rule["id"] = ruleId;
            stored = OrderRule(rule);
            rules[idx] = stored;
            p.LatestRevision = EmulatorState.NowMs;
            s.AddAudit("Replaced rule " + ruleId.ToString(CultureInfo.InvariantCulture) + " of policy " + p.Name);
        }
        var reply = PolicyV1.RuleToV1(stored);
        return JsonOut.Send(ctx, 200, w => reply.WriteTo(w));
    }

    private static Task DeleteRuleV1(HttpContext ctx, EmulatorState s)
    {
        if (!PolicyIdV1(ctx, out long id, out var bad) || !RuleIdV1(ctx, out long ruleId, out bad))
        {
            return bad!;
        }
        lock (s.Lock)
        {
            if (!s.Policies.TryGetValue(id, out var p))
            {
                return PolicyNotFoundV1(ctx, id);
            }
            var rules = RulesOf(p);
            int idx = FindRule(rules, ruleId);
            if (idx < 0)
            {
                return RuleNotFoundV1(ctx, ruleId, id);
            }
            rules.RemoveAt(idx);
            p.LatestRevision = EmulatorState.NowMs;
            s.AddAudit("Deleted rule " + ruleId.ToString(CultureInfo.InvariantCulture) + " of policy " + p.Name);
        }
        ctx.Response.StatusCode = 204;
        return Task.CompletedTask;
    }
}
