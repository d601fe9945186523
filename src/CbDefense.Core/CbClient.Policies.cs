using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Json;

namespace CbDefense
{
    // The v3 policy and policy-rule routes (cbapi-defense-api.md §5, §6.3, §6.4). Bodies are wrapped in policyInfo /
    // ruleInfo; success:false and errorMessage replies are raised by the plumbing (unlike cbapi, which swallows them).
    public sealed partial class CbClient
    {
        public const string PolicyPath = "/integrationServices/v3/policy";

        /// <summary>Rows asked for per page of the policy list (the emulator caps at 5,000; orgs have a few dozen).</summary>
        internal const int PolicyPageSize = 1000;

        private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

        /// <summary>GET /integrationServices/v3/policy, every page (1-based start).</summary>
        public async Task<IReadOnlyList<Policy>> GetPoliciesAsync(CallContext? ctx)
        {
            var all = new List<Policy>();
            long start = 1;
            while (true)
            {
                var q = new Dictionary<string, object?>(StringComparer.Ordinal) { ["rows"] = PolicyPageSize, ["start"] = start };
                var json = await GetObjectAsync(PolicyPath, q, ctx).ConfigureAwait(false);
                if (!(json is Dictionary<string, object?> env))
                    throw new CbInvalidResponseException("The policy list reply is not a JSON object [GET " + PolicyPath + "]") { Method = "GET", RequestUri = PolicyPath };
                var results = env.TryGetValue("results", out var r) ? r as List<object?> : null;
                int n = 0;
                if (results != null)
                {
                    foreach (var item in results)
                    {
                        if (item is Dictionary<string, object?> d) all.Add(PolicyJson.ReadPolicy(d, _session));
                        n++;
                    }
                }
                long? total = env.TryGetValue("totalResults", out var t) && PolicyJson.TryLong(t, out var tl) ? tl : null;
                if (n == 0 || total == null || start - 1 + n >= total.Value) break;
                start += n;
            }
            return all;
        }

        /// <summary>
        /// Resolves a policy name to its id through the policy list: exact, case-insensitive match. None or several
        /// matches throw ArgumentException naming the candidates (for Set-CbDevicePolicy -PolicyName).
        /// </summary>
        public async Task<long> ResolvePolicyIdAsync(string name, CallContext? ctx) => (await ResolvePolicyAsync(name, ctx).ConfigureAwait(false)).Id;

        /// <summary>The one policy named <paramref name="name"/> (exact, case-insensitive), as <see cref="ResolvePolicyIdAsync"/> finds it.</summary>
        public async Task<Policy> ResolvePolicyAsync(string name, CallContext? ctx)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A policy name is required.", nameof(name));
            string wanted = name.Trim();
            var all = (await GetPoliciesAsync(ctx).ConfigureAwait(false)).Where(p => p.Id > 0 && p.Name != null).ToList();
            var matches = all.Where(p => string.Equals(p.Name!.Trim(), wanted, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count == 1) return matches[0];
            if (matches.Count > 1)
                throw new ArgumentException("The policy name '" + wanted + "' matches " + matches.Count.ToString(CultureInfo.InvariantCulture) +
                                            " policies: " + DescribePolicies(matches) + ". Use -PolicyId.");
            var close = all.Where(p => p.Name!.IndexOf(wanted, StringComparison.OrdinalIgnoreCase) >= 0 ||
                                       wanted.IndexOf(p.Name!, StringComparison.OrdinalIgnoreCase) >= 0).ToList();
            var shown = (close.Count > 0 ? close : all).OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToList();
            string list = shown.Count == 0 ? "the server has no policies" :
                (close.Count > 0 ? "similar names: " : "the policies are: ") + DescribePolicies(shown.Take(25).ToList()) +
                (shown.Count > 25 ? " and " + (shown.Count - 25).ToString(CultureInfo.InvariantCulture) + " more" : "");
            throw new ArgumentException("No policy is named '" + wanted + "'; " + list + ".");
        }

        private static string DescribePolicies(IEnumerable<Policy> policies) =>
            string.Join(", ", policies.Select(p => "'" + p.Name + "' (" + Id(p.Id) + ")"));

        /// <summary>GET /integrationServices/v3/policy/{id}, unwrapping policyInfo. 404 → CbObjectNotFoundException naming the policy.</summary>
        public async Task<Policy> GetPolicyAsync(long id, CallContext? ctx)
        {
            string path = PolicyPath + "/" + Id(id);
            object? json;
            try
            {
                json = await GetObjectAsync(path, null, ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw NotFound("Policy " + Id(id) + " was not found", ex);
            }
            return ReadPolicyInfo(json, "GET", path) ??
                   throw new CbObjectNotFoundException("Policy " + Id(id) + " was not found (the reply has no policyInfo). [GET " + path + "]")
                   { StatusCode = 200, Method = "GET", RequestUri = path };
        }

        /// <summary>
        /// POST /integrationServices/v3/policy with {"policyInfo": ...} (no id; version 2 added when absent), after checking
        /// the required fields and the rules; then reads the new policy back (the reply carries only policyId).
        /// </summary>
        public async Task<Policy> CreatePolicyAsync(IDictionary<string, object?> policyInfo, CallContext? ctx)
        {
            if (policyInfo == null) throw new ArgumentNullException(nameof(policyInfo));
            var info = (Dictionary<string, object?>)PolicyJson.Clone(policyInfo)!;
            info.Remove("id");
            PolicyValues.ValidatePolicyInfo(info);
            var body = new Dictionary<string, object?>(StringComparer.Ordinal) { ["policyInfo"] = info };
            var reply = await PostObjectAsync(PolicyPath, body, ctx).ConfigureAwait(false);
            long? id = null;
            if (reply.Json is Dictionary<string, object?> d && d.TryGetValue("policyId", out var pid) && PolicyJson.TryLong(pid, out var l)) id = l;
            if (id == null && reply.Json is Dictionary<string, object?> d2)
            {
                var inline = ReadPolicyInfo(d2, "POST", PolicyPath);
                if (inline != null) return inline;
            }
            if (id == null)
                throw new CbServerException("The server created the policy but its reply has no policyId: " + Http.ErrorMapper.Snippet(reply.Text) + " [POST " + PolicyPath + "]")
                { StatusCode = reply.StatusCode, Method = "POST", RequestUri = PolicyPath, ResponseSnippet = Http.ErrorMapper.Snippet(reply.Text) };
            return await GetPolicyAsync(id.Value, ctx).ConfigureAwait(false);
        }

        /// <summary>PUT /integrationServices/v3/policy/{id} with the whole policyInfo (edits applied); returns the policy as saved.</summary>
        public Task<Policy> UpdatePolicyAsync(Policy policy, CallContext? ctx)
        {
            if (policy == null) throw new ArgumentNullException(nameof(policy));
            return UpdatePolicyAsync(policy.Id, policy.ToPolicyInfo(), ctx);
        }

        /// <summary>PUT /integrationServices/v3/policy/{id} with {"policyInfo": ...} (id set to <paramref name="id"/>), after the checks of create.</summary>
        public async Task<Policy> UpdatePolicyAsync(long id, IDictionary<string, object?> policyInfo, CallContext? ctx)
        {
            if (policyInfo == null) throw new ArgumentNullException(nameof(policyInfo));
            if (id <= 0) throw new ArgumentException("The policy has no id; create it with New-CbPolicy (CreatePolicyAsync) instead.", nameof(id));
            var info = (Dictionary<string, object?>)PolicyJson.Clone(policyInfo)!;
            info["id"] = id;
            PolicyValues.ValidatePolicyInfo(info);
            string path = PolicyPath + "/" + Id(id);
            var body = new Dictionary<string, object?>(StringComparer.Ordinal) { ["policyInfo"] = info };
            ApiResponse reply;
            try
            {
                reply = await PutObjectAsync(path, body, ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw NotFound("Policy " + Id(id) + " was not found", ex);
            }
            return ReadPolicyInfo(reply.Json, "PUT", path) ?? await GetPolicyAsync(id, ctx).ConfigureAwait(false);
        }

        /// <summary>DELETE /integrationServices/v3/policy/{id}.</summary>
        public async Task DeletePolicyAsync(long id, CallContext? ctx)
        {
            string path = PolicyPath + "/" + Id(id);
            try
            {
                await DeleteObjectAsync(path, ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw NotFound("Policy " + Id(id) + " was not found", ex);
            }
        }

        /// <summary>POST /integrationServices/v3/policy/{id}/rule with {"ruleInfo": rule} (checked first, no id); returns the server's ruleId (null if the reply has none).</summary>
        public async Task<long?> AddPolicyRuleAsync(long policyId, PolicyRule rule, CallContext? ctx)
        {
            if (rule == null) throw new ArgumentNullException(nameof(rule));
            var r = rule.Clone();
            PolicyValues.ValidateRule(r);
            string path = PolicyPath + "/" + Id(policyId) + "/rule";
            var body = new Dictionary<string, object?>(StringComparer.Ordinal) { ["ruleInfo"] = r.ToRuleInfo(includeId: false) };
            ApiResponse reply;
            try
            {
                reply = await PostObjectAsync(path, body, ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw NotFound("Policy " + Id(policyId) + " was not found", ex);
            }
            if (reply.Json is Dictionary<string, object?> d && d.TryGetValue("ruleId", out var rid) && PolicyJson.TryLong(rid, out var l)) return l;
            return null;
        }

        /// <summary>PUT /integrationServices/v3/policy/{id}/rule/{ruleId} with {"ruleInfo": rule} (checked first).</summary>
        public async Task ReplacePolicyRuleAsync(long policyId, long ruleId, PolicyRule rule, CallContext? ctx)
        {
            if (rule == null) throw new ArgumentNullException(nameof(rule));
            var r = rule.Clone();
            PolicyValues.ValidateRule(r, newRule: false); // the caller checks the fields it changes
            r.Id = ruleId;
            string path = PolicyPath + "/" + Id(policyId) + "/rule/" + Id(ruleId);
            var body = new Dictionary<string, object?>(StringComparer.Ordinal) { ["ruleInfo"] = r.ToRuleInfo(includeId: true) };
            try
            {
                await PutObjectAsync(path, body, ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw NotFound("Rule " + Id(ruleId) + " of policy " + Id(policyId) + " was not found", ex);
            }
        }

        /// <summary>DELETE /integrationServices/v3/policy/{id}/rule/{ruleId}.</summary>
        public async Task DeletePolicyRuleAsync(long policyId, long ruleId, CallContext? ctx)
        {
            string path = PolicyPath + "/" + Id(policyId) + "/rule/" + Id(ruleId);
            try
            {
                await DeleteObjectAsync(path, ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw NotFound("Rule " + Id(ruleId) + " of policy " + Id(policyId) + " was not found", ex);
            }
        }

        private Policy? ReadPolicyInfo(object? json, string method, string path)
        {
            if (json is Dictionary<string, object?> d && d.TryGetValue("policyInfo", out var pi) && pi is Dictionary<string, object?> info)
                return PolicyJson.ReadPolicy(info, _session);
            return null;
        }

        private static CbObjectNotFoundException NotFound(string what, CbObjectNotFoundException ex) =>
            new CbObjectNotFoundException(what + ": " + (ex.ServerMessage ?? "HTTP 404") + " [" + ex.Method + " " + ex.RequestUri + "]", ex)
            {
                StatusCode = 404, Method = ex.Method, RequestUri = ex.RequestUri, ServerMessage = ex.ServerMessage,
                ErrorCode = ex.ErrorCode, ResponseSnippet = ex.ResponseSnippet,
            };
    }
}
