using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CbDefense.Emulator;

/// <summary>One searchable field of a record type: a single value, or several (an array field matches when any of
/// its values does). A null value (or array) never matches a term, except through <c>field:*</c>'s absence.</summary>
internal sealed class QueryField<T>
{
    public QueryField(Func<T, string?> single) => Single = single;

    public QueryField(Func<T, IReadOnlyList<string>?> multi) => Multi = multi;

    public Func<T, string?>? Single { get; }

    public Func<T, IReadOnlyList<string>?>? Multi { get; }
}

/// <summary>The fields a query may name for one record type, and what a bare term (no field) is matched against.
/// Field names are case-insensitive.</summary>
internal sealed class FieldTable<T>
{
    private readonly Dictionary<string, QueryField<T>> _fields = new(StringComparer.OrdinalIgnoreCase);
    private List<string>? _names;

    public QueryField<T>[] Bare { get; private set; } = Array.Empty<QueryField<T>>();

    public FieldTable<T> Add(string name, Func<T, string?> value)
    {
        _fields[name] = new QueryField<T>(value);
        _names = null;
        return this;
    }

    public FieldTable<T> AddMulti(string name, Func<T, IReadOnlyList<string>?> values)
    {
        _fields[name] = new QueryField<T>(values);
        _names = null;
        return this;
    }

    /// <summary>Bare terms match any of these fields (which must have been added).</summary>
    public FieldTable<T> BareTerms(params string[] names)
    {
        var list = new QueryField<T>[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            list[i] = _fields[names[i]];
        }
        Bare = list;
        return this;
    }

    public bool Has(string name) => _fields.ContainsKey(name);

    public QueryField<T> Get(string name) => _fields[name];

    /// <summary>The field names in ordinal order (for error messages and docs).</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            if (_names == null)
            {
                var names = new List<string>(_fields.Keys);
                names.Sort(StringComparer.Ordinal);
                _names = names;
            }
            return _names;
        }
    }
}

/// <summary>A parsed query: a boolean tree over the fields of a record type.</summary>
internal abstract class QueryNode<T>
{
public abstract bool Matches(T x);
}

internal sealed class AndNode<T> : QueryNode<T>
{
    public readonly List<QueryNode<T>> Items = new();

    public override bool Matches(T d)
    {
        foreach (var i in Items)
        {
            if (!i.Matches(d))
            {
                return false;
            }
        }
        return true;
    }
}

internal sealed class OrNode<T> : QueryNode<T>
{
    public readonly List<QueryNode<T>> Items = new();

    public override bool Matches(T d)
    {
        foreach (var i in Items)
        {
            if (i.Matches(d))
            {
                return true;
            }
        }
        return false;
    }
}

internal sealed class NotNode<T> : QueryNode<T>
{
    public NotNode(QueryNode<T> inner) => Inner = inner;

    public QueryNode<T> Inner { get; }

    public override bool Matches(T d) => !Inner.Matches(d);
}

internal sealed class AllNode<T> : QueryNode<T>
{
    public override bool Matches(T d) => true;
}

internal sealed class TermNode<T> : QueryNode<T>
{
    private readonly QueryField<T>[] _fields;
    private readonly ValueMatcher _matcher;

    public TermNode(QueryField<T>[] fields, ValueMatcher matcher)
    {
        _fields = fields;
        _matcher = matcher;
    }

    public override bool Matches(T d)
    {
        foreach (var f in _fields)
        {
            if (f.Single != null)
            {
                string? v = f.Single(d);
                if (v != null && _matcher.Matches(v))
                {
                    return true;
                }
                continue;
            }
            var values = f.Multi!(d);
            if (values == null)
            {
                continue;
            }
            foreach (var v in values)
            {
                if (v != null && _matcher.Matches(v))
                {
                    return true;
                }
            }
        }
        return false;
    }
}

/// <summary>Case-insensitive whole-value match with <c>*</c> (any run) and <c>?</c> (one character).</summary>
internal sealed class ValueMatcher
{
    private enum Kind { Exact, Prefix, Suffix, Contains, Any, Glob }

    private readonly Kind _kind;
    private readonly string _text;
    private readonly bool[]? _wild; // per pattern char: is it a wildcard (Glob only)

    private ValueMatcher(Kind kind, string text, bool[]? wild)
    {
        _kind = kind;
        _text = text;
        _wild = wild;
    }

    /// <summary>From pattern characters, each flagged as a wildcard (unescaped * or ?) or a literal.</summary>
    public static ValueMatcher From(List<(char C, bool Wild)> chars)
    {
        var sb = new StringBuilder(chars.Count);
        bool anyQ = false, anyStar = false;
        foreach (var (c, wild) in chars)
        {
            sb.Append(c);
            anyQ |= wild && c == '?';
            anyStar |= wild && c == '*';
        }
        string text = sb.ToString();
        if (!anyQ && !anyStar)
        {
            return new ValueMatcher(Kind.Exact, text, null);
        }
        if (!anyQ)
        {
            // Only '*': the common shapes get a fast path.
            int n = chars.Count;
            int inner = 0;
            for (int i = 1; i < n - 1; i++)
            {
                if (chars[i].Wild)
                {
                    inner++;
                }
            }
            bool lead = chars[0].Wild, trail = n > 1 && chars[n - 1].Wild;
            if (inner == 0)
            {
                if (n == 1 || (n == 2 && lead && trail))
                {
                    return new ValueMatcher(Kind.Any, "", null);
                }
                if (lead && trail)
                {
                    return new ValueMatcher(Kind.Contains, text[1..^1], null);
                }
                if (trail)
                {
                    return new ValueMatcher(Kind.Prefix, text[..^1], null);
                }
                if (lead)
                {
                    return new ValueMatcher(Kind.Suffix, text[1..], null);
                }
            }
        }
        var flags = new bool[chars.Count];
        for (int i = 0; i < chars.Count; i++)
        {
            flags[i] = chars[i].Wild;
        }
        return new ValueMatcher(Kind.Glob, text, flags);
    }

    public bool Matches(string v) => _kind switch
    {
        Kind.Exact => v.Equals(_text, StringComparison.OrdinalIgnoreCase),
        Kind.Prefix => v.StartsWith(_text, StringComparison.OrdinalIgnoreCase),
        Kind.Suffix => v.EndsWith(_text, StringComparison.OrdinalIgnoreCase),
        Kind.Contains => v.Contains(_text, StringComparison.OrdinalIgnoreCase),
        Kind.Any => true,
        _ => Glob(v),
    };

    private static bool Same(char a, char b) => a == b || char.ToUpperInvariant(a) == char.ToUpperInvariant(b);

    private bool Glob(string v)
    {
        string p = _text;
        bool[] wild = _wild!;
        int pi = 0, vi = 0, star = -1, mark = 0;
        while (vi < v.Length)
        {
            if (pi < p.Length && wild[pi] && p[pi] == '*')
            {
                star = pi++;
                mark = vi;
            }
            else if (pi < p.Length && ((wild[pi] && p[pi] == '?') || (!wild[pi] && Same(p[pi], v[vi]))))
            {
                pi++;
                vi++;
            }
            else if (star >= 0)
            {
                pi = star + 1;
                vi = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (pi < p.Length && wild[pi] && p[pi] == '*')
        {
            pi++;
        }
        return pi == p.Length;
    }
}

/// <summary>Recursive-descent parser of the query subset (docs/emulator.md, "The device query"; the same language serves alerts, audit logs and observations).</summary>
internal sealed class QueryParser<TRec>
{
    private enum T { LParen, RParen, And, Or, Not, Word, FieldPrefix, Phrase, End }

    private readonly record struct Token(T Type, string? Field, List<(char C, bool Wild)>? Value, int Pos);

    private readonly List<Token> _tokens = new();
    private readonly FieldTable<TRec> _table;
    private int _at;

    private QueryParser(FieldTable<TRec> table) => _table = table;

    /// <summary>Parses <paramref name="text"/> over the fields of <paramref name="table"/>; a blank query gives a
    /// null node (matches everything).</summary>
    public static SearchError? Parse(string text, FieldTable<TRec> table, out QueryNode<TRec>? node)
    {
        node = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var p = new QueryParser<TRec>(table);
        var err = p.Lex(text);
        if (err != null)
        {
            return err;
        }
        err = p.ParseOr(null, out node);
        if (err != null)
        {
            return err;
        }
        var t = p.Peek();
        if (t.Type != T.End)
        {
            node = null;
            return t.Type == T.RParen
                ? SearchError.Query("Unbalanced parentheses in query: ')' at position " + (t.Pos + 1).ToString(CultureInfo.InvariantCulture) + " has no matching '('")
                : SearchError.Query("Unexpected " + Describe(t) + " at position " + (t.Pos + 1).ToString(CultureInfo.InvariantCulture));
        }
        return null;
    }

    private static string Describe(Token t) => t.Type switch
    {
        T.LParen => "'('",
        T.RParen => "')'",
        T.And => "AND",
        T.Or => "OR",
        T.Not => "NOT",
        T.End => "end of query",
        _ => "term",
    };

    private Token Peek() => _tokens[_at];

    private Token Next() => _tokens[_at++];

    private SearchError? Lex(string s)
    {
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (c == '(' || c == ')')
            {
                _tokens.Add(new Token(c == '(' ? T.LParen : T.RParen, null, null, i));
                i++;
                continue;
            }
            if (c == '"')
            {
                int start = i++;
                var chars = new List<(char, bool)>();
                bool closed = false;
                while (i < s.Length)
                {
                    char q = s[i];
                    if (q == '\\' && i + 1 < s.Length)
                    {
                        chars.Add((s[i + 1], false));
                        i += 2;
                        continue;
                    }
                    if (q == '"')
                    {
                        closed = true;
                        i++;
                        break;
                    }
                    chars.Add((q, false)); // a phrase is literal: * and ? are not wildcards inside quotes
                    i++;
                }
                if (!closed)
                {
                    return SearchError.Query("Unterminated quoted phrase starting at position " + (start + 1).ToString(CultureInfo.InvariantCulture));
                }
                _tokens.Add(new Token(T.Phrase, null, chars, start));
                continue;
            }
            if (c == '&' && i + 1 < s.Length && s[i + 1] == '&')
            {
                _tokens.Add(new Token(T.And, null, null, i));
                i += 2;
                continue;
            }
            if (c == '|' && i + 1 < s.Length && s[i + 1] == '|')
            {
                _tokens.Add(new Token(T.Or, null, null, i));
                i += 2;
                continue;
            }
            // A word: up to whitespace, a parenthesis or a quote; backslash escapes the next character.
            int wstart = i;
            var value = new List<(char C, bool Wild)>();
            var raw = new StringBuilder();
            string? field = null;
            while (i < s.Length)
            {
                char w = s[i];
                if (char.IsWhiteSpace(w) || w == '(' || w == ')' || w == '"')
                {
                    break;
                }
                if (w == '\\')
                {
                    if (i + 1 >= s.Length)
                    {
                        return SearchError.Query("Dangling escape character '\\' at the end of the query");
                    }
                    value.Add((s[i + 1], false));
                    raw.Append('\\').Append(s[i + 1]);
                    i += 2;
                    continue;
                }
                if (w == ':' && field == null)
                {
                    field = Flat(value);
                    if (field.Length == 0)
                    {
                        return SearchError.Query("Missing field name before ':' at position " + (wstart + 1).ToString(CultureInfo.InvariantCulture));
                    }
                    if (!_table.Has(field))
                    {
                        return SearchError.Query("Unknown field '" + field + "' in query; searchable fields: " + string.Join(", ", _table.Names));
                    }
                    value.Clear();
                    raw.Clear();
                    i++;
                    continue;
                }
                if (w is '[' or ']' or '{' or '}' or '~' or '^')
                {
                    return SearchError.Query("'" + w + "' at position " + (i + 1).ToString(CultureInfo.InvariantCulture)
                        + " is not supported (ranges, fuzzy and boosted terms are not part of the emulator's query subset); escape it with '\\' to match it literally");
                }
                value.Add((w, w == '*' || w == '?'));
                raw.Append(w);
                i++;
            }
            if (field != null)
            {
                _tokens.Add(new Token(value.Count == 0 ? T.FieldPrefix : T.Word, field, value, wstart));
                continue;
            }
            string r = raw.ToString();
            T type = r switch
            {
                "AND" => T.And,
                "OR" => T.Or,
                "NOT" => T.Not,
                _ => T.Word,
            };
            _tokens.Add(new Token(type, null, type == T.Word ? value : null, wstart));
        }
        _tokens.Add(new Token(T.End, null, null, s.Length));
        return null;
    }

    private static string Flat(List<(char C, bool Wild)> chars)
    {
        var sb = new StringBuilder(chars.Count);
        foreach (var (c, _) in chars)
        {
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static bool StartsOperand(T t) => t is T.LParen or T.Not or T.Word or T.FieldPrefix or T.Phrase;

    private SearchError? ParseOr(string? field, out QueryNode<TRec>? node)
    {
        var err = ParseAnd(field, out node);
        if (err != null)
        {
            return err;
        }
        if (Peek().Type != T.Or)
        {
            return null;
        }
        var or = new OrNode<TRec>();
        or.Items.Add(node!);
        while (Peek().Type == T.Or)
        {
            Next();
            err = ParseAnd(field, out var right);
            if (err != null)
            {
                return err;
            }
            or.Items.Add(right!);
        }
        node = or;
        return null;
    }

    private SearchError? ParseAnd(string? field, out QueryNode<TRec>? node)
    {
        var err = ParseNot(field, out node);
        if (err != null)
        {
            return err;
        }
        AndNode<TRec>? and = null;
        while (true)
        {
            var t = Peek();
            if (t.Type == T.And)
            {
                Next();
            }
            else if (!StartsOperand(t.Type))
            {
                break; // implicit AND only between adjacent operands
            }
            err = ParseNot(field, out var right);
            if (err != null)
            {
                return err;
            }
            if (and == null)
            {
                and = new AndNode<TRec>();
                and.Items.Add(node!);
            }
            and.Items.Add(right!);
        }
        if (and != null)
        {
            node = and;
        }
        return null;
    }

    private SearchError? ParseNot(string? field, out QueryNode<TRec>? node)
    {
        if (Peek().Type == T.Not)
        {
            Next();
            var err = ParseNot(field, out var inner);
            node = inner == null ? null : new NotNode<TRec>(inner);
            return err;
        }
        return ParsePrimary(field, out node);
    }

    private SearchError? ParsePrimary(string? field, out QueryNode<TRec>? node)
    {
        node = null;
        var t = Next();
        switch (t.Type)
        {
            case T.LParen:
            {
                if (Peek().Type == T.RParen)
                {
                    return SearchError.Query("Empty parentheses at position " + (t.Pos + 1).ToString(CultureInfo.InvariantCulture));
                }
                var err = ParseOr(field, out node);
                if (err != null)
                {
                    return err;
                }
                if (Next().Type != T.RParen)
                {
                    node = null;
                    return SearchError.Query("Unbalanced parentheses in query: '(' at position " + (t.Pos + 1).ToString(CultureInfo.InvariantCulture) + " is never closed");
                }
                return null;
            }
            case T.FieldPrefix:
            {
                var after = Peek();
                if (after.Type == T.Phrase)
                {
                    Next();
                    node = Term(t.Field, after.Value!);
                    return null;
                }
                if (after.Type == T.LParen)
                {
                    return ParsePrimary(t.Field, out node); // field:(a OR b): the group's bare terms use the field
                }
                return SearchError.Query("Field '" + t.Field + "' at position " + (t.Pos + 1).ToString(CultureInfo.InvariantCulture) + " has no value");
            }
            case T.Word:
                node = Term(t.Field ?? field, t.Value!);
                return null;
            case T.Phrase:
                node = Term(field, t.Value!);
                return null;
            case T.End:
                return SearchError.Query("The query ends where a term was expected");
            default:
                return SearchError.Query("Unexpected " + Describe(t) + " at position " + (t.Pos + 1).ToString(CultureInfo.InvariantCulture) + " where a term was expected");
        }
    }

    private QueryNode<TRec> Term(string? field, List<(char C, bool Wild)> value)
    {
        var matcher = ValueMatcher.From(value);
        if (field == null)
        {
            if (value.Count == 1 && value[0].Wild && value[0].C == '*')
            {
                return new AllNode<TRec>(); // a lone * matches every record
            }
            return new TermNode<TRec>(_table.Bare, matcher);
        }
        return new TermNode<TRec>(new[] { _table.Get(field) }, matcher);
    }
}