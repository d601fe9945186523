using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

namespace CbDefense.Commands
{
    /// <summary>
    /// The module's open sessions (process-wide, so any runspace can list them or be handed one) and the default
    /// session, which is per runspace: a Connect-CbDefense in one runspace (a parallel job, a runspace pool) never
    /// changes the server that another runspace's commands go to. The default is the newest open session connected
    /// in the runspace, so disconnecting it falls back to the one before. Guarded by a lock.
    /// </summary>
    internal static class SessionRegistry
    {
        private sealed class Holder { public readonly List<Session> Connected = new List<Session>(); }

        private static readonly object Gate = new object();
        private static readonly List<Session> Sessions = new List<Session>();
        private static readonly ConditionalWeakTable<Runspace, Holder> ByRunspace = new ConditionalWeakTable<Runspace, Holder>();
        private static readonly Holder NoRunspace = new Holder();
        // Every runspace's list, to replace a session everywhere (weakly: a runspace that is gone drops out).
        private static readonly List<WeakReference<Holder>> HolderRefs = new List<WeakReference<Holder>>();

        private static IEnumerable<Holder> Holders
        {
            get
            {
                HolderRefs.RemoveAll(w => !w.TryGetTarget(out _));
                foreach (var w in HolderRefs)
                    if (w.TryGetTarget(out var h)) yield return h;
                yield return NoRunspace;
            }
        }

        private static Holder Current
        {
            get
            {
                var rs = Runspace.DefaultRunspace;
                return rs == null ? NoRunspace : ByRunspace.GetValue(rs, _ =>
                {
                    var h = new Holder();
                    HolderRefs.Add(new WeakReference<Holder>(h));
                    return h;
                });
            }
        }

        /// <summary>The default session of the calling runspace, or null.</summary>
        public static Session? Default
        {
            get
            {
                lock (Gate)
                {
                    var list = Current.Connected;
                    list.RemoveAll(s => s.IsDisposed);
                    return list.LastOrDefault();
                }
            }
        }

        public static void Add(Session session)
        {
            lock (Gate)
            {
                if (!Sessions.Contains(session)) Sessions.Add(session);
                var list = Current.Connected;
                list.Remove(session);
                list.Add(session);
            }
        }

        /// <summary>Puts <paramref name="next"/> where <paramref name="old"/> was (in every runspace's list) and closes the old one.</summary>
        public static void Replace(Session old, Session next)
        {
            lock (Gate)
            {
                int i = Sessions.IndexOf(old);
                if (i >= 0) Sessions[i] = next;
                else Sessions.Add(next);
                foreach (var holder in Holders)
                {
                    int j = holder.Connected.IndexOf(old);
                    if (j >= 0) holder.Connected[j] = next;
                }
                old.ReplacedBy = next;
            }
            old.Dispose();
        }

        /// <summary>The session that stands for <paramref name="session"/> now: itself, or the one that replaced it.</summary>
        public static Session Successor(Session session)
        {
            var s = session;
            for (int i = 0; i < 16 && s.IsDisposed && s.ReplacedBy != null; i++) s = s.ReplacedBy;
            return s;
        }

        public static void Remove(Session session)
        {
            lock (Gate)
            {
                Sessions.Remove(session);
                Current.Connected.Remove(session);
            }
        }

        /// <summary>
        /// The open session for a server named by text (a session's ToString(): "url (API ID id, org key)", or a bare URL):
        /// the same URL, and the same API ID and org key when the text names them. Among several, the calling runspace's
        /// default wins, else the newest. Null when none is open.
        /// </summary>
        public static Session? Find(string url, string? apiId, string? orgKey)
        {
            string u = url.Trim().TrimEnd('/');
            var candidates = All.Where(s => string.Equals(s.Uri.ToString(), u, System.StringComparison.OrdinalIgnoreCase) &&
                                            (apiId == null || string.Equals(s.ApiId, apiId, System.StringComparison.Ordinal)) &&
                                            (orgKey == null || string.Equals(s.OrgKey, orgKey, System.StringComparison.OrdinalIgnoreCase)))
                                .ToList();
            if (candidates.Count == 0) return null;
            var def = Default;
            if (def != null && candidates.Contains(def)) return def;
            return candidates[candidates.Count - 1];
        }

        /// <summary>Every open session of the process, oldest first.</summary>
        public static IReadOnlyList<Session> All
        {
            get
            {
                lock (Gate)
                {
                    Sessions.RemoveAll(s => s.IsDisposed);
                    return Sessions.ToArray();
                }
            }
        }
    }
}
