using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Json;
using CbDefense.Services.Legacy;

namespace CbDefense.Services.Current
{
    /// <summary>
    /// The policy service v1 routes: GET /policyservice/v1/orgs/{org_key}/policies/summary to list, GET|PUT|DELETE
    /// .../policies/{id}, POST .../policies, and the rules under .../policies/{id}/rules[/{rule_id}]. Bodies are the bare
    /// v1 objects. A PUT sends back every field the server sent, the edits winning.
    /// </summary>
    internal sealed class CurrentPolicyService : PolicyServiceBase
    {
        internal const string What = "the policy service";
        private static readonly string[] Managed = { "id", "org_key", "position", "is_system", "num_devices" };

        public CurrentPolicyService(CbClient client) : base(client, PolicySchema.V1) { }

        protected override IReadOnlyList<string> ServerManaged => Managed;

        protected override void Validate(IDictionary<string, object?> document) => PolicyValues.ValidateV1Policy(document);

        protected override Dictionary<string, object?> DefaultDocument(string name) => new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["name"] = name, ["description"] = "", ["priority_level"] = "MEDIUM",
            ["rules"] = new PlainList(), ["sensor_settings"] = new PlainList(), ["directory_action_rules"] = new PlainList(), ["av_settings"] = new PlainMap(),
        };

        private string Path(string tail) => Client.OrgPath("/policyservice/v1", "policies" + tail, What);

        public override async Task<IReadOnlyList<(long Id, string Name)>> ListNamesAsync(CallContext ctx)
        {
            var env = await Client.SendForObjectAsync(CbRequest.Create(HttpMethod.Get, Path("/summary")), ctx).ConfigureAwait(false);
            var list = new List<(long, string)>();
            if (env.TryGetValue("policies", out var p) && p is List<object?> items)
                foreach (var item in items.OfType<Dictionary<string, object?>>())
                    if (item.TryGetValue("id", out var idv) && PolicyJson.TryLong(idv, out var id) && id.HasValue &&
                        item.TryGetValue("name", out var nv) && PolicyJson.TryString(nv, out var name) && name != null)
                        list.Add((id.Value, name));
            return list;
        }

        /// <summary>The summary, then each policy it names (that the filter accepts) in full, a few at a time.</summary>
        public override async Task<IReadOnlyList<Policy>> ListAsync(CallContext ctx, Func<string, bool>? nameFilter = null)
        {
            var names = await ListNamesAsync(ctx).ConfigureAwait(false);
            return await GetManyAsync(names.Where(n => nameFilter == null || nameFilter(n.Name)).Select(n => n.Id), ctx).ConfigureAwait(false);
        }

        public override async Task<Policy> GetAsync(long id, CallContext ctx)
        {
            var d = await LegacyPolicyService.Wrap404(() => Client.SendForObjectAsync(CbRequest.Create(HttpMethod.Get, Path("/" + Id(id))), ctx), "Policy " + Id(id))
                                             .ConfigureAwait(false);
            return PolicyJson.ReadPolicy(d, Client.Session, PolicySchema.V1);
        }

        /// <summary>POST .../policies with the v1 object; the reply is the created policy (read back by id when it is not).</summary>
        public override async Task<Policy> CreateAsync(IDictionary<string, object?> document, CallContext ctx)
        {
            var doc = (Dictionary<string, object?>)PolicyJson.Clone(document)!;
            foreach (var f in Managed) doc.Remove(f);
            PolicyValues.ValidateV1Policy(doc);
            var reply = await Client.SendJsonAsync(Client.JsonRequest(HttpMethod.Post, Path(""), null, doc), ctx).ConfigureAwait(false);
            return await FromReplyAsync(reply, null, "POST", ctx).ConfigureAwait(false);
        }

        /// <summary>PUT .../policies/{id} with the whole v1 object (id set); returns the policy as saved.</summary>
        public override async Task<Policy> ReplaceAsync(long id, IDictionary<string, object?> document, CallContext ctx)
        {
            if (id <= 0) throw new ArgumentException("The policy has no id; create it with New-CbPolicy instead.", nameof(id));
            var doc = (Dictionary<string, object?>)PolicyJson.Clone(document)!;
            doc["id"] = id;
            PolicyValues.ValidateV1Policy(doc);
            var reply = await LegacyPolicyService.Wrap404(() => Client.SendJsonAsync(Client.JsonRequest(HttpMethod.Put, Path("/" + Id(id)), null, doc), ctx),
                                                          "Policy " + Id(id)).ConfigureAwait(false);
            return await FromReplyAsync(reply, id, "PUT", ctx).ConfigureAwait(false);
        }

        private async Task<Policy> FromReplyAsync(ApiResponse reply, long? id, string method, CallContext ctx)
        {
            if (reply.Json is Dictionary<string, object?> d && d.ContainsKey("name") && d.TryGetValue("id", out var rid) && PolicyJson.TryLong(rid, out var l) && l.HasValue)
                return PolicyJson.ReadPolicy(d, Client.Session, PolicySchema.V1);
            if (reply.Json is Dictionary<string, object?> d2 && d2.TryGetValue("id", out var rid2) && PolicyJson.TryLong(rid2, out var l2) && l2.HasValue) id = l2;
            if (id == null)
                throw new CbServerException("The server answered the policy " + method + " without the policy or its id: " + ErrorMapper.Snippet(reply.Text) +
                                            " [" + method + " " + reply.RequestUri + "]")
                { StatusCode = reply.StatusCode, Method = method, RequestUri = reply.RequestUri, ResponseSnippet = ErrorMapper.Snippet(reply.Text) };
            return await GetAsync(id.Value, ctx).ConfigureAwait(false);
        }

        public override Task DeleteAsync(long id, CallContext ctx) =>
            LegacyPolicyService.Wrap404(() => Client.SendJsonAsync(CbRequest.Create(HttpMethod.Delete, Path("/" + Id(id))), ctx), "Policy " + Id(id));

        /// <summary>POST .../policies/{id}/rules with the rule (no id); the reply is the rule with its server id.</summary>
        public override async Task<long?> AddRuleAsync(long policyId, PolicyRule rule, CallContext ctx)
        {
            if (rule == null) throw new ArgumentNullException(nameof(rule));
            var r = rule.Clone();
            PolicyValues.ValidateRule(r);
            var reply = await LegacyPolicyService.Wrap404(
                () => Client.SendJsonAsync(Client.JsonRequest(HttpMethod.Post, Path("/" + Id(policyId) + "/rules"), null, r.ToRuleInfo(includeId: false)), ctx),
                "Policy " + Id(policyId)).ConfigureAwait(false);
            if (reply.Json is Dictionary<string, object?> d && d.TryGetValue("id", out var rid) && PolicyJson.TryLong(rid, out var l)) return l;
            return null;
        }

        /// <summary>PUT .../policies/{id}/rules/{rule_id} with the rule.</summary>
        public override Task ReplaceRuleAsync(long policyId, long ruleId, PolicyRule rule, CallContext ctx)
        {
            if (rule == null) throw new ArgumentNullException(nameof(rule));
            var r = rule.Clone();
            PolicyValues.ValidateRule(r, newRule: false);
            r.Id = ruleId;
            return LegacyPolicyService.Wrap404(
                () => Client.SendJsonAsync(Client.JsonRequest(HttpMethod.Put, Path("/" + Id(policyId) + "/rules/" + Id(ruleId)), null, r.ToRuleInfo(includeId: true)), ctx),
                "Rule " + Id(ruleId) + " of policy " + Id(policyId));
        }

        public override Task DeleteRuleAsync(long policyId, long ruleId, CallContext ctx) =>
            LegacyPolicyService.Wrap404(() => Client.SendJsonAsync(CbRequest.Create(HttpMethod.Delete, Path("/" + Id(policyId) + "/rules/" + Id(ruleId))), ctx),
                                        "Rule " + Id(ruleId) + " of policy " + Id(policyId));
    }
}
