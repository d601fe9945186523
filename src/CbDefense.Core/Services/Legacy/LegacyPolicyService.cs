using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Json;

namespace CbDefense.Services.Legacy
{
    /// <summary>
    /// The v3 policy and policy-rule routes (cbapi-defense-api.md §5, §6.3, §6.4). Bodies are wrapped in policyInfo /
    /// ruleInfo; success:false and errorMessage replies are raised by the plumbing (unlike cbapi, which swallows them).
    /// </summary>
    internal sealed class LegacyPolicyService : PolicyServiceBase
    {
        internal const string PolicyPath = "/integrationServices/v3/policy";
        /// <summary>Rows asked for per page of the policy list (the emulator caps at 5,000; orgs have a few dozen).</summary>
        internal const int PolicyPageSize = 1000;
        private static readonly string[] Managed = { "id", "latestRevision", "systemPolicy", "orgId" };

        public LegacyPolicyService(CbClient client) : base(client, PolicySchema.V3) { }

        protected override IReadOnlyList<string> ServerManaged => Managed;

        protected override void Validate(IDictionary<string, object?> document) => PolicyValues.ValidatePolicyInfo(document);

        protected override Dictionary<string, object?> DefaultDocument(string name) => new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["name"] = name, ["description"] = "", ["priorityLevel"] = "MEDIUM", ["version"] = (long)PolicyValues.PolicyVersion,
            ["policy"] = new PlainMap
            {
                ["rules"] = new PlainList(), ["sensorSettings"] = new PlainList(), ["directoryActionRules"] = new PlainList(), ["avSettings"] = new PlainMap(),
            },
        };

        /// <summary>GET /integrationServices/v3/policy, every page (1-based start).</summary>
        public override async Task<IReadOnlyList<Policy>> ListAsync(CallContext ctx, Func<string, bool>? nameFilter = null)
        {
            var all = new List<Policy>();
            long start = 1;
            while (true)
            {
                var q = new Dictionary<string, object?>(StringComparer.Ordinal) { ["rows"] = PolicyPageSize, ["start"] = start };
                Dictionary<string, object?> env;
                try
                {
                    env = await Client.SendForObjectAsync(Client.JsonRequest(HttpMethod.Get, PolicyPath, q, null), ctx).ConfigureAwait(false);
                }
                catch (CbObjectNotFoundException ex)
                {
                    throw ErrorMapper.RetiredIfGone(ex);
                }
                var results = env.TryGetValue("results", out var r) ? r as List<object?> : null;
                int n = 0;
                if (results != null)
                {
                    foreach (var item in results)
                    {
                        if (item is Dictionary<string, object?> d) all.Add(PolicyJson.ReadPolicy(d, Client.Session, PolicySchema.V3));
                        n++;
                    }
                }
                long? total = env.TryGetValue("totalResults", out var t) && PolicyJson.TryLong(t, out var tl) ? tl : null;
                if (n == 0 || total == null || start - 1 + n >= total.Value) break;
                start += n;
            }
            return nameFilter == null ? all : all.Where(p => nameFilter(p.Name ?? "")).ToList();
        }

        public override async Task<IReadOnlyList<(long Id, string Name)>> ListNamesAsync(CallContext ctx) =>
            (await ListAsync(ctx).ConfigureAwait(false)).Where(p => p.Name != null).Select(p => (p.Id, p.Name!)).ToList();

        /// <summary>GET /integrationServices/v3/policy/{id}, unwrapping policyInfo. 404 → CbObjectNotFoundException naming the policy.</summary>
        public override async Task<Policy> GetAsync(long id, CallContext ctx)
        {
            string path = PolicyPath + "/" + Id(id);
            Dictionary<string, object?> json;
            try
            {
                json = await Client.SendForObjectAsync(CbRequest.Create(HttpMethod.Get, path), ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw NotFound.Wrap("Policy " + Id(id), ex);
            }
            return ReadPolicyInfo(json) ??
                   throw new CbObjectNotFoundException("Policy " + Id(id) + " was not found (the reply has no policyInfo). [GET " + path + "]")
                   { StatusCode = 200, Method = "GET", RequestUri = path };
        }

        /// <summary>POST /integrationServices/v3/policy with {"policyInfo": ...}; then reads the new policy back (the reply carries only policyId).</summary>
        public override async Task<Policy> CreateAsync(IDictionary<string, object?> document, CallContext ctx)
        {
            var info = (Dictionary<string, object?>)PolicyJson.Clone(document)!;
            info.Remove("id");
            PolicyValues.ValidatePolicyInfo(info);
            var body = new Dictionary<string, object?>(StringComparer.Ordinal) { ["policyInfo"] = info };
            var reply = await Client.SendJsonAsync(Client.JsonRequest(HttpMethod.Post, PolicyPath, null, body), ctx).ConfigureAwait(false);
            long? id = null;
            if (reply.Json is Dictionary<string, object?> d && d.TryGetValue("policyId", out var pid) && PolicyJson.TryLong(pid, out var l)) id = l;
            if (id == null && reply.Json is Dictionary<string, object?> d2)
            {
                var inline = ReadPolicyInfo(d2);
                if (inline != null) return inline;
            }
            if (id == null)
                throw new CbServerException("The server created the policy but its reply has no policyId: " + ErrorMapper.Snippet(reply.Text) + " [POST " + PolicyPath + "]")
                { StatusCode = reply.StatusCode, Method = "POST", RequestUri = PolicyPath, ResponseSnippet = ErrorMapper.Snippet(reply.Text) };
            return await GetAsync(id.Value, ctx).ConfigureAwait(false);
        }

        /// <summary>PUT /integrationServices/v3/policy/{id} with {"policyInfo": ...} (id set), after the checks of create.</summary>
        public override async Task<Policy> ReplaceAsync(long id, IDictionary<string, object?> document, CallContext ctx)
        {
            if (id <= 0) throw new ArgumentException("The policy has no id; create it with New-CbPolicy instead.", nameof(id));
            var info = (Dictionary<string, object?>)PolicyJson.Clone(document)!;
            info["id"] = id;
            PolicyValues.ValidatePolicyInfo(info);
            string path = PolicyPath + "/" + Id(id);
            var body = new Dictionary<string, object?>(StringComparer.Ordinal) { ["policyInfo"] = info };
            ApiResponse reply;
            try
            {
                reply = await Client.SendJsonAsync(Client.JsonRequest(HttpMethod.Put, path, null, body), ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw NotFound.Wrap("Policy " + Id(id), ex);
            }
            return (reply.Json is Dictionary<string, object?> d ? ReadPolicyInfo(d) : null) ?? await GetAsync(id, ctx).ConfigureAwait(false);
        }

        /// <summary>DELETE /integrationServices/v3/policy/{id}.</summary>
        public override Task DeleteAsync(long id, CallContext ctx) =>
            Wrap404(() => Client.SendJsonAsync(CbRequest.Create(HttpMethod.Delete, PolicyPath + "/" + Id(id)), ctx), "Policy " + Id(id));

        /// <summary>POST /integrationServices/v3/policy/{id}/rule with {"ruleInfo": rule} (checked first, no id).</summary>
        public override async Task<long?> AddRuleAsync(long policyId, PolicyRule rule, CallContext ctx)
        {
            if (rule == null) throw new ArgumentNullException(nameof(rule));
            var r = rule.Clone();
            PolicyValues.ValidateRule(r);
            var body = new Dictionary<string, object?>(StringComparer.Ordinal) { ["ruleInfo"] = r.ToRuleInfo(includeId: false) };
            var reply = await Wrap404(() => Client.SendJsonAsync(Client.JsonRequest(HttpMethod.Post, PolicyPath + "/" + Id(policyId) + "/rule", null, body), ctx),
                                      "Policy " + Id(policyId)).ConfigureAwait(false);
            if (reply.Json is Dictionary<string, object?> d && d.TryGetValue("ruleId", out var rid) && PolicyJson.TryLong(rid, out var l)) return l;
            return null;
        }

        /// <summary>PUT /integrationServices/v3/policy/{id}/rule/{ruleId} with {"ruleInfo": rule}.</summary>
        public override Task ReplaceRuleAsync(long policyId, long ruleId, PolicyRule rule, CallContext ctx)
        {
            if (rule == null) throw new ArgumentNullException(nameof(rule));
            var r = rule.Clone();
            PolicyValues.ValidateRule(r, newRule: false); // the caller checks the fields it changes
            r.Id = ruleId;
            var body = new Dictionary<string, object?>(StringComparer.Ordinal) { ["ruleInfo"] = r.ToRuleInfo(includeId: true) };
            return Wrap404(() => Client.SendJsonAsync(Client.JsonRequest(HttpMethod.Put, PolicyPath + "/" + Id(policyId) + "/rule/" + Id(ruleId), null, body), ctx),
                           "Rule " + Id(ruleId) + " of policy " + Id(policyId));
        }

        /// <summary>DELETE /integrationServices/v3/policy/{id}/rule/{ruleId}.</summary>
        public override Task DeleteRuleAsync(long policyId, long ruleId, CallContext ctx) =>
            Wrap404(() => Client.SendJsonAsync(CbRequest.Create(HttpMethod.Delete, PolicyPath + "/" + Id(policyId) + "/rule/" + Id(ruleId)), ctx),
                    "Rule " + Id(ruleId) + " of policy " + Id(policyId));

        private Policy? ReadPolicyInfo(Dictionary<string, object?> json) =>
            json.TryGetValue("policyInfo", out var pi) && pi is Dictionary<string, object?> info ? PolicyJson.ReadPolicy(info, Client.Session, PolicySchema.V3) : null;

        internal static async Task<T> Wrap404<T>(Func<Task<T>> call, string what)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw NotFound.Wrap(what, ex);
            }
        }
    }
}
