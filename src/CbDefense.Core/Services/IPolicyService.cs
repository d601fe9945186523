using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CbDefense.Json;

namespace CbDefense.Services
{
    /// <summary>
    /// Policies and their rules. One implementation per API generation; each takes policies of either generation as
    /// input (a Legacy export imported into a Current org) and converts them with the documented field mapping,
    /// warning about what cannot be mapped.
    /// </summary>
    internal interface IPolicyService
    {
        ApiGeneration Generation { get; }

        /// <summary>Every policy (or those whose name <paramref name="nameFilter"/> accepts), in full.</summary>
        Task<IReadOnlyList<Policy>> ListAsync(CallContext ctx, Func<string, bool>? nameFilter = null);

        /// <summary>Every policy's id and name (one light request where the API has one).</summary>
        Task<IReadOnlyList<(long Id, string Name)>> ListNamesAsync(CallContext ctx);

        /// <summary>One policy; 404 → CbObjectNotFoundException naming it.</summary>
        Task<Policy> GetAsync(long id, CallContext ctx);

        /// <summary>The one policy with this name (exact, case-insensitive); none or several → ArgumentException naming candidates.</summary>
        Task<Policy> ResolveAsync(string name, CallContext ctx);

        /// <summary>A new policy of this generation to start from when none is given: the org's Standard policy's settings, else defaults.</summary>
        Task<Policy> NewDraftAsync(string name, CallContext ctx);

        /// <summary>A new, empty policy of this generation (no request): for settings the caller gives in full.</summary>
        Policy EmptyDraft(string name);

        /// <summary>
        /// The document that creating <paramref name="draft"/> sends (converted when it is of the other generation; the
        /// server-managed fields left out), checked; ArgumentException when it is not valid. Nothing is sent.
        /// </summary>
        IDictionary<string, object?> PrepareCreate(Policy draft, ICallLog? log);

        /// <summary>Creates a policy from a document <see cref="PrepareCreate"/> made; returns it as the server has it.</summary>
        Task<Policy> CreateAsync(IDictionary<string, object?> document, CallContext ctx);

        /// <summary>
        /// The document that replaces policy <paramref name="target"/> with <paramref name="source"/> (of either generation):
        /// its fields and settings, the target's server-managed fields (read from <paramref name="target"/>), checked.
        /// </summary>
        IDictionary<string, object?> PrepareReplace(Policy source, Policy target, ICallLog? log);

        /// <summary>Sends a replacement document (PUT) for policy <paramref name="id"/>; returns the policy as saved.</summary>
        Task<Policy> ReplaceAsync(long id, IDictionary<string, object?> document, CallContext ctx);

        Task DeleteAsync(long id, CallContext ctx);

        /// <summary>Adds a rule (checked first); returns the server's rule id (null when the reply has none).</summary>
        Task<long?> AddRuleAsync(long policyId, PolicyRule rule, CallContext ctx);

        Task ReplaceRuleAsync(long policyId, long ruleId, PolicyRule rule, CallContext ctx);

        Task DeleteRuleAsync(long policyId, long ruleId, CallContext ctx);
    }

    /// <summary>What both generations' policy services share: name resolution, drafts, conversion and checks.</summary>
    internal abstract class PolicyServiceBase : IPolicyService
    {
        internal const int ReadConcurrency = 8;

        protected PolicyServiceBase(CbClient client, PolicySchema schema)
        {
            Client = client;
            Schema = schema;
        }

        protected CbClient Client { get; }
        internal PolicySchema Schema { get; }
        public ApiGeneration Generation => Schema.Generation;

        public abstract Task<IReadOnlyList<Policy>> ListAsync(CallContext ctx, Func<string, bool>? nameFilter = null);
        public abstract Task<IReadOnlyList<(long Id, string Name)>> ListNamesAsync(CallContext ctx);
        public abstract Task<Policy> GetAsync(long id, CallContext ctx);
        public abstract Task<Policy> CreateAsync(IDictionary<string, object?> document, CallContext ctx);
        public abstract Task<Policy> ReplaceAsync(long id, IDictionary<string, object?> document, CallContext ctx);
        public abstract Task DeleteAsync(long id, CallContext ctx);
        public abstract Task<long?> AddRuleAsync(long policyId, PolicyRule rule, CallContext ctx);
        public abstract Task ReplaceRuleAsync(long policyId, long ruleId, PolicyRule rule, CallContext ctx);
        public abstract Task DeleteRuleAsync(long policyId, long ruleId, CallContext ctx);

        /// <summary>The fields of this generation's document the server manages: never sent in a create, the target's in a replace.</summary>
        protected abstract IReadOnlyList<string> ServerManaged { get; }

        /// <summary>Checks a document of this generation before it is sent (ArgumentException naming the field and the allowed values).</summary>
        protected abstract void Validate(IDictionary<string, object?> document);

        /// <summary>The settings a draft gets when the org has no Standard policy (a documented default: no rules, default sensor and AV settings).</summary>
        protected abstract Dictionary<string, object?> DefaultDocument(string name);

        protected static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

        public async Task<Policy> ResolveAsync(string name, CallContext ctx)
        {
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A policy name is required.", nameof(name));
            string wanted = name.Trim();
            var found = await ListAsync(ctx, n => string.Equals(n.Trim(), wanted, StringComparison.OrdinalIgnoreCase)).ConfigureAwait(false);
            if (found.Count == 1) return found[0];
            var all = (await ListNamesAsync(ctx).ConfigureAwait(false)).Where(p => p.Id > 0 && p.Name != null).ToList();
            var matches = all.Where(p => string.Equals(p.Name.Trim(), wanted, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count == 1) return await GetAsync(matches[0].Id, ctx).ConfigureAwait(false);
            if (matches.Count > 1)
                throw new ArgumentException("The policy name '" + wanted + "' matches " + matches.Count.ToString(CultureInfo.InvariantCulture) +
                                            " policies: " + Describe(matches) + ". Use -PolicyId.");
            var close = all.Where(p => p.Name.IndexOf(wanted, StringComparison.OrdinalIgnoreCase) >= 0 ||
                                       wanted.IndexOf(p.Name, StringComparison.OrdinalIgnoreCase) >= 0).ToList();
            var shown = (close.Count > 0 ? close : all).OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToList();
            string list = shown.Count == 0 ? "the server has no policies" :
                (close.Count > 0 ? "similar names: " : "the policies are: ") + Describe(shown.Take(25)) +
                (shown.Count > 25 ? " and " + (shown.Count - 25).ToString(CultureInfo.InvariantCulture) + " more" : "");
            throw new ArgumentException("No policy is named '" + wanted + "'; " + list + ".");
        }

        private static string Describe(IEnumerable<(long Id, string Name)> policies) =>
            string.Join(", ", policies.Select(p => "'" + p.Name + "' (" + Id(p.Id) + ")"));

        public async Task<Policy> NewDraftAsync(string name, CallContext ctx)
        {
            var names = await ListNamesAsync(ctx).ConfigureAwait(false);
            var standard = names.Where(p => string.Equals(p.Name, "Standard", StringComparison.OrdinalIgnoreCase)).Select(p => (long?)p.Id).FirstOrDefault();
            Policy draft;
            if (standard.HasValue)
            {
                var template = await GetAsync(standard.Value, ctx).ConfigureAwait(false);
                draft = template.Clone();
                ctx.Log?.Verbose("The new policy '" + name + "' starts from the settings of the org's Standard policy (" + Id(standard.Value) + "), " +
                                 "as a new policy does in the console.");
            }
            else
            {
                draft = PolicyJson.ReadPolicy(DefaultDocument(name), Client.Session, Schema);
                ctx.Log?.Verbose("The org has no Standard policy: the new policy '" + name + "' starts from the module's default settings " +
                                 "(no rules, default sensor and AV settings).");
            }
            draft.Id = 0;
            draft.SystemPolicy = null;
            draft.Name = name;
            return draft;
        }

        public Policy EmptyDraft(string name) => PolicyJson.ReadPolicy(DefaultDocument(name), Client.Session, Schema);

        /// <summary>A policy of either generation as this generation's document, with warnings for what did not map.</summary>
        internal Dictionary<string, object?> DocumentFor(Policy source, ICallLog? log)
        {
            var doc = (Dictionary<string, object?>)source.ToDocument();
            if (source.Schema == Schema) return doc;
            var warnings = new List<string>();
            var converted = Schema == PolicySchema.V1 ? PolicyConversion.ToV1(doc, warnings) : PolicyConversion.ToV3(doc, warnings);
            string from = source.Schema == PolicySchema.V1 ? "policy service v1" : "v3";
            string to = Schema == PolicySchema.V1 ? "policy service v1" : "v3";
            log?.Verbose("The " + from + " policy '" + source.Name + "' is converted to a " + to + " policy (docs/field-mapping.md).");
            if (warnings.Count > 0)
                log?.Warning("The " + from + " policy '" + source.Name + "' has fields the " + to + " API has no place for; they are not sent: " +
                             PolicyConversion.Describe(warnings) + ".");
            return converted;
        }

        public IDictionary<string, object?> PrepareCreate(Policy draft, ICallLog? log)
        {
            if (draft == null) throw new ArgumentNullException(nameof(draft));
            var doc = DocumentFor(draft, log);
            foreach (var f in ServerManaged) doc.Remove(f);
            Validate(doc);
            return doc;
        }

        public IDictionary<string, object?> PrepareReplace(Policy source, Policy target, ICallLog? log)
        {
            if (source == null) throw new ArgumentNullException(nameof(source));
            if (target == null) throw new ArgumentNullException(nameof(target));
            var doc = DocumentFor(source, log);
            var t = target.ToDocument();
            var result = new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = target.Id };
            foreach (var f in ServerManaged)
                if (f != "id" && t.TryGetValue(f, out var v)) result[f] = v;
            foreach (var kv in doc)
                if (!ServerManaged.Contains(kv.Key)) result[kv.Key] = kv.Value;
            Validate(result);
            return result;
        }

        /// <summary>Reads many policies by id, a few at a time, in the order given.</summary>
        protected async Task<IReadOnlyList<Policy>> GetManyAsync(IEnumerable<long> ids, CallContext ctx)
        {
            var list = ids.ToList();
            var results = new Policy[list.Count];
            using (var gate = new SemaphoreSlim(ReadConcurrency))
            {
                var tasks = list.Select(async (id, i) =>
                {
                    await gate.WaitAsync(ctx.CancellationToken).ConfigureAwait(false);
                    try { results[i] = await GetAsync(id, ctx).ConfigureAwait(false); }
                    finally { gate.Release(); }
                }).ToList();
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            return results;
        }
    }
}
