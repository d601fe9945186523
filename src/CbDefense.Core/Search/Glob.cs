using System;
using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace CbDefense.Search
{
    /// <summary>
    /// PowerShell's wildcard language, case-insensitive: <c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[a-z]</c>, and the
    /// backtick escape. Text without a wildcard character matches only itself (case-insensitive), as in PowerShell.
    /// </summary>
    internal sealed class Glob
    {
        private static readonly ConcurrentDictionary<string, Glob> Cache = new ConcurrentDictionary<string, Glob>(StringComparer.Ordinal);
        private readonly Regex? _regex;
        private readonly string _literal;

        private Glob(string pattern)
        {
            Pattern = pattern;
            IsWildcard = HasWildcard(pattern);
            _literal = Unescape(pattern);
            if (IsWildcard) _regex = new Regex(ToRegex(pattern), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline);
        }

        public string Pattern { get; }
        /// <summary>True when the pattern has an unescaped *, ? or [.</summary>
        public bool IsWildcard { get; }
        /// <summary>The text before the first wildcard (unescaped): what the match must start with.</summary>
        public string LiteralPrefix => IsWildcard ? Unescape(Pattern.Substring(0, FirstWildcard(Pattern))) : _literal;
        /// <summary>The pattern with escapes removed (the exact text to match when it is not a wildcard).</summary>
        public string Literal => _literal;

        public static Glob Create(string pattern)
        {
            if (pattern == null) throw new ArgumentNullException(nameof(pattern));
            return Cache.Count > 1000 ? new Glob(pattern) : Cache.GetOrAdd(pattern, p => new Glob(p));
        }

        public bool IsMatch(string? text)
        {
            text ??= "";
            return _regex != null ? _regex.IsMatch(text) : string.Equals(text, _literal, StringComparison.OrdinalIgnoreCase);
        }

        public static bool HasWildcard(string pattern) => FirstWildcard(pattern) >= 0;

        private static int FirstWildcard(string p)
        {
            for (int i = 0; i < p.Length; i++)
            {
                char c = p[i];
                if (c == '`') { i++; continue; }
                if (c == '*' || c == '?' || c == '[') return i;
            }
            return -1;
        }

        private static string Unescape(string p)
        {
            if (p.IndexOf('`') < 0) return p;
            var sb = new StringBuilder(p.Length);
            for (int i = 0; i < p.Length; i++)
            {
                if (p[i] == '`' && i + 1 < p.Length) i++;
                sb.Append(p[i]);
            }
            return sb.ToString();
        }

        private static string ToRegex(string p)
        {
            var sb = new StringBuilder("^");
            for (int i = 0; i < p.Length; i++)
            {
                char c = p[i];
                switch (c)
                {
                    case '`':
                        if (i + 1 < p.Length) sb.Append(Regex.Escape(p[++i].ToString()));
                        else sb.Append(Regex.Escape("`"));
                        break;
                    case '*': sb.Append(".*"); break;
                    case '?': sb.Append('.'); break;
                    case '[':
                        int close = p.IndexOf(']', i + 1);
                        if (close < 0) { sb.Append(Regex.Escape("[")); break; }
                        string set = p.Substring(i + 1, close - i - 1);
                        sb.Append('[');
                        foreach (char sc in set)
                        {
                            if (sc == '\\' || sc == '^' || sc == '[' || sc == ']') sb.Append('\\');
                            sb.Append(sc);
                        }
                        sb.Append(']');
                        i = close;
                        break;
                    default: sb.Append(Regex.Escape(c.ToString())); break;
                }
            }
            return sb.Append('$').ToString();
        }

        public override string ToString() => Pattern;
    }
}
