using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
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

    /// <summary>Completes alert -Type with the documented alert types.</summary>
    public sealed class AlertTypeCompleter : IArgumentCompleter
    {
        internal static readonly string[] Types =
            { "CB_ANALYTICS", "WATCHLIST", "DEVICE_CONTROL", "CONTAINER_RUNTIME", "HOST_BASED_FIREWALL", "INTRUSION_DETECTION_SYSTEM" };

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
                                                              CommandAst commandAst, IDictionary fakeBoundParameters) =>
            ValueListCompleter.Complete(Types, wordToComplete);
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
    /// The policies of a session for Tab completion: fetched with one attempt, no retry and a deadline of about a
    /// second and a half (completion must never freeze the prompt), cached for a minute per session, and when the
    /// server is slow or down the last list fetched is offered instead. Dropped when a policy cmdlet changes the
    /// session's policies.
    /// </summary>
    internal static class PolicyCompletionCache
    {
        private sealed class Entry
        {
            public DateTime FetchedAt;
            public (long Id, string Name)[] Policies = Array.Empty<(long, string)>();
        }

        /// <summary>How long a fetched list is offered without asking again (settable for tests).</summary>
        internal static TimeSpan CacheLifetime { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>The longest a completer waits for the server.</summary>
        internal static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(1500);
        private static readonly ConditionalWeakTable<Session, Entry> Cache = new ConditionalWeakTable<Session, Entry>();
        private static readonly object Gate = new object();

        /// <summary>The session named by -Session on the command line, else the default session (null when there is none).</summary>
        public static Session? SessionOf(IDictionary? fakeBoundParameters)
        {
            object? s = fakeBoundParameters?["Session"];
            if (s is PSObject pso) s = pso.BaseObject;
            var session = s as Session ?? SessionRegistry.Default;
            return session == null || session.IsDisposed ? null : session;
        }

        public static (long Id, string Name)[] Get(Session session)
        {
            Entry? stale;
            lock (Gate)
            {
                if (Cache.TryGetValue(session, out stale) && DateTime.UtcNow - stale.FetchedAt < CacheLifetime) return stale.Policies;
            }
            (long, string)[] policies;
            try
            {
                using (var cts = new CancellationTokenSource(Deadline))
                {
                    var ctx = new CallContext(cts.Token, null, RetryPolicy.Interactive(1));
                    var task = ListAsync(session, ctx);
                    if (!task.Wait(Deadline + TimeSpan.FromMilliseconds(200))) throw new TimeoutException();
                    policies = task.Result.Where(p => !string.IsNullOrEmpty(p.Name))
                                   .OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToArray();
                }
            }
            catch (Exception)
            {
                // Completion never throws; offer what was fetched before, and the next Tab tries again.
                return stale?.Policies ?? Array.Empty<(long, string)>();
            }
            lock (Gate)
            {
                Cache.Remove(session);
                Cache.Add(session, new Entry { FetchedAt = DateTime.UtcNow, Policies = policies });
            }
            return policies;
        }

        private static async System.Threading.Tasks.Task<IReadOnlyList<(long Id, string Name)>> ListAsync(Session session, CallContext ctx)
        {
            var services = await session.GetServicesAsync(ctx).ConfigureAwait(false);
            return await services.Policies.ListNamesAsync(ctx).ConfigureAwait(false);
        }

        /// <summary>Forgets the cached policies of a session (after a create, rename, import or delete).</summary>
        internal static void Invalidate(Session? session)
        {
            if (session == null) return;
            lock (Gate) Cache.Remove(session);
        }
    }

    /// <summary>Completes policy names from the server of the -Session given on the command line (else the default session).</summary>
    public sealed class PolicyNameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
                                                              CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var session = PolicyCompletionCache.SessionOf(fakeBoundParameters);
            if (session == null) return Array.Empty<CompletionResult>();
            var names = PolicyCompletionCache.Get(session).Select(p => p.Name).Distinct(StringComparer.OrdinalIgnoreCase);
            return ValueListCompleter.Complete(names, wordToComplete);
        }

        /// <summary>Forgets the cached names of a session (after a create, rename, import or delete).</summary>
        internal static void Invalidate(Session? session) => PolicyCompletionCache.Invalidate(session);
    }

    /// <summary>Completes policy ids (shown with their names); the word may be the start of an id or of a name.</summary>
    public sealed class PolicyIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
                                                              CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var session = PolicyCompletionCache.SessionOf(fakeBoundParameters);
            if (session == null) yield break;
            string word = (wordToComplete ?? "").Trim('\'', '"');
            var pattern = new WildcardPattern(word + (word.EndsWith("*", StringComparison.Ordinal) ? "" : "*"), WildcardOptions.IgnoreCase);
            foreach (var (id, name) in PolicyCompletionCache.Get(session))
            {
                string text = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (!pattern.IsMatch(text) && !pattern.IsMatch(name)) continue;
                yield return new CompletionResult(text, text + " (" + name + ")", CompletionResultType.ParameterValue, name);
            }
        }
    }

    /// <summary>Completes Connect-CbDefense -ProfileName with the profiles of the credentials files that would be read.</summary>
    public sealed class CredentialProfileCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
                                                              CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var store = new CredentialStore();
            string? cwd = CurrentLocation();
            if (cwd != null) store.CurrentDirectory = cwd;
            var files = fakeBoundParameters?["CredentialFile"];
            if (files is PSObject pso) files = pso.BaseObject;
            var list = files switch
            {
                null => null,
                string one => new[] { one },
                IEnumerable many => many.Cast<object?>().Select(o => (o is PSObject p ? p.BaseObject : o)?.ToString()).Where(f => f != null).Select(f => f!).ToArray(),
                _ => null,
            };
            if (list != null)
                store.ExplicitFiles = list.Select(f => System.IO.Path.IsPathRooted(f) || cwd == null ? f : System.IO.Path.Combine(cwd, f)).ToList();
            return ValueListCompleter.Complete(store.ListProfiles(), wordToComplete);
        }

        private static string? CurrentLocation()
        {
            try { return Runspace.DefaultRunspace?.SessionStateProxy.Path.CurrentFileSystemLocation.ProviderPath; }
            catch (Exception) { return null; }
        }
    }
}
