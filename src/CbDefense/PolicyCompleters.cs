using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Runtime.CompilerServices;
using System.Threading;

namespace CbDefense.Commands
{
    /// <summary>Tab completion from a fixed list of documented values (case-insensitive prefix or wildcard).</summary>
    public abstract class ValueListCompleter : IArgumentCompleter
    {
        protected abstract IEnumerable<string> GetValues(IDictionary fakeBoundParameters);

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
                                                              CommandAst commandAst, IDictionary fakeBoundParameters) =>
            Complete(GetValues(fakeBoundParameters), wordToComplete);

        internal static IEnumerable<CompletionResult> Complete(IEnumerable<string> values, string? wordToComplete)
        {
            string word = (wordToComplete ?? "").Trim('\'', '"');
            var pattern = new WildcardPattern(word + (word.EndsWith("*", StringComparison.Ordinal) ? "" : "*"), WildcardOptions.IgnoreCase);
            foreach (var v in values)
            {
                if (!pattern.IsMatch(v)) continue;
                string text = NeedsQuotes(v) ? "'" + v.Replace("'", "''") + "'" : v;
                yield return new CompletionResult(text, v, CompletionResultType.ParameterValue, v);
            }
        }

        private static bool NeedsQuotes(string v) =>
            v.Length == 0 || v.Any(c => char.IsWhiteSpace(c) || "'\"`$&|;,(){}[]@#<>".IndexOf(c) >= 0);
    }

    public sealed class PolicyOperationCompleter : ValueListCompleter
    {
        protected override IEnumerable<string> GetValues(IDictionary fakeBoundParameters) => PolicyValues.Operations;
    }

    public sealed class PolicyActionCompleter : ValueListCompleter
    {
        protected override IEnumerable<string> GetValues(IDictionary fakeBoundParameters) => PolicyValues.Actions;
    }

    public sealed class PolicyApplicationTypeCompleter : ValueListCompleter
    {
        protected override IEnumerable<string> GetValues(IDictionary fakeBoundParameters) => PolicyValues.ApplicationTypes;
    }

    public sealed class PolicyPriorityLevelCompleter : ValueListCompleter
    {
        protected override IEnumerable<string> GetValues(IDictionary fakeBoundParameters) => PolicyValues.PriorityLevels;
    }

    /// <summary>Completes Get-CbDevice -Status and -OS with the documented values.</summary>
    public sealed class DeviceValueCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
                                                              CommandAst commandAst, IDictionary fakeBoundParameters) =>
            ValueListCompleter.Complete(string.Equals(parameterName, "OS", StringComparison.OrdinalIgnoreCase)
                                            ? DeviceQuery.OperatingSystems : DeviceQuery.Statuses, wordToComplete);
    }

    /// <summary>Offers the reputation values when -ApplicationType is REPUTATION.</summary>
    public sealed class PolicyApplicationValueCompleter : ValueListCompleter
    {
        protected override IEnumerable<string> GetValues(IDictionary fakeBoundParameters)
        {
            var type = fakeBoundParameters?["ApplicationType"];
            if (type is PSObject pso) type = pso.BaseObject;
            return string.Equals(type as string, "REPUTATION", StringComparison.OrdinalIgnoreCase) ? PolicyValues.Reputations : Array.Empty<string>();
        }
    }

    /// <summary>
    /// Completes policy names from the server of the -Session given on the command line (else the default session).
    /// The list is cached for a minute per session, and dropped when a policy cmdlet changes that session's policies.
    /// </summary>
    public sealed class PolicyNameCompleter : IArgumentCompleter
    {
        private sealed class Entry
        {
            public DateTime FetchedAt;
            public string[] Names = Array.Empty<string>();
        }

        internal static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(60);
        private static readonly ConditionalWeakTable<Session, Entry> Cache = new ConditionalWeakTable<Session, Entry>();
        private static readonly object Gate = new object();

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
                                                              CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            object? s = fakeBoundParameters?["Session"];
            if (s is PSObject pso) s = pso.BaseObject;
            var session = s as Session ?? SessionRegistry.Default;
            if (session == null || session.IsDisposed) return Array.Empty<CompletionResult>();
            return ValueListCompleter.Complete(GetNames(session), wordToComplete);
        }

        internal static string[] GetNames(Session session)
        {
            lock (Gate)
            {
                if (Cache.TryGetValue(session, out var e) && DateTime.UtcNow - e.FetchedAt < CacheLifetime) return e.Names;
            }
            string[] names;
            try
            {
                using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
                {
                    var policies = session.GetClient().GetPoliciesAsync(new CallContext(cts.Token)).GetAwaiter().GetResult();
                    names = policies.Select(p => p.Name).Where(n => !string.IsNullOrEmpty(n)).Select(n => n!)
                                    .Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToArray();
                }
            }
            catch (Exception)
            {
                return Array.Empty<string>(); // completion never throws; the next Tab tries again
            }
            lock (Gate)
            {
                Cache.Remove(session);
                Cache.Add(session, new Entry { FetchedAt = DateTime.UtcNow, Names = names });
            }
            return names;
        }

        /// <summary>Forgets the cached names of a session (after a create, rename, import or delete).</summary>
        internal static void Invalidate(Session? session)
        {
            if (session == null) return;
            lock (Gate) Cache.Remove(session);
        }
    }
}
