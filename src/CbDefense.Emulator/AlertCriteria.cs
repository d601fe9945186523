using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace CbDefense.Emulator;

/// <summary>How a generation refuses a criteria value outside its enumeration (the one wording the two differ in).</summary>
internal enum EnumRefusal
{
    /// <summary>v7: the platform's <c>INVALID_ENUM_VALUE</c> body, at the first value outside, in array order.</summary>
    InvalidEnumValue,

    /// <summary>v6: <c>INVALID_ARGUMENT</c> "name: 'v' is not a valid value; allowed values: ...", once every item is a
    /// string (a non-string item anywhere is refused first).</summary>
    InvalidArgument,
}

/// <summary>
/// What one generation's alert search spells its own way: the criteria keys and the alert value each matches, the
/// query fields, the sort keys, how it refuses an enumeration value and a read past the 10,000 window. Built once per
/// generation (<see cref="AlertSearch.Dialect"/>, <see cref="AlertSearchV6.Dialect"/>); <see cref="AlertCriteria"/>
/// parses with it, so the rules both follow are written once.
/// </summary>
internal sealed class AlertDialect
{
    /// <summary>String criteria: the value the generation's alert object shows (null: never matches) and the allowed
    /// values (null: any string).</summary>
    public required Dictionary<string, (Func<Alert, string?> Get, string[]? Allowed)> Strings { get; init; }

    /// <summary>Integer criteria (arrays of integers, numeric strings accepted); null: never matches.</summary>
    public required Dictionary<string, Func<Alert, long?>> Integers { get; init; }

    /// <summary>Time criteria (<c>{"start", "end"}</c> or <c>{"range"}</c>, inclusive); null: never matches.</summary>
    public required Dictionary<string, Func<Alert, long?>> Times { get; init; }

    /// <summary>Array criteria matching when any of the alert's values is one of them.</summary>
    public Dictionary<string, Func<Alert, string[]>> AnyOf { get; init; } = new(StringComparer.Ordinal);

    /// <summary><c>true</c>/<c>false</c> criteria matching the alert's flag.</summary>
    public Dictionary<string, Func<Alert, bool>> Flags { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Keys that are checked but filter nothing (the value, the key's full name; the error or null).</summary>
    public Dictionary<string, Func<JsonElement, string, SearchError?>> Inert { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Whether a time criterion whose end is before its start is refused (v6) or simply matches nothing (v7).</summary>
    public bool RefuseInvertedTimes { get; init; }

    /// <summary>Whether the body may carry <c>exclusions</c> (v7).</summary>
    public bool HasExclusions { get; init; }

    public required EnumRefusal Refusal { get; init; }

    /// <summary>An example criteria object for the "must be an object" answer.</summary>
    public required string CriteriaExample { get; init; }

    public required FieldTable<Alert> QueryFields { get; init; }

    /// <summary>The sortable fields and their comparisons (see <see cref="AlertOrder"/>); the direction is 1 or -1.</summary>
    public required Dictionary<string, Func<int, Comparison<Alert>>> SortKeys { get; init; }

    /// <summary>The field a sort error's example names.</summary>
    public required string SortExample { get; init; }

    /// <summary>The answer to a read past the 10,000 window, given start + rows - 1.</summary>
    public required Func<long, SearchError> PastWindow { get; init; }

    private string[]? _criteriaKeys;
    private string[]? _sortFields;

    /// <summary>Every criteria key, in ordinal order (for the error message and the docs).</summary>
    public string[] CriteriaKeys => _criteriaKeys ??= BuildCriteriaKeys();

    /// <summary>The sortable fields, in ordinal order.</summary>
    public string[] SortFields => _sortFields ??= Sorted(SortKeys.Keys);

    private string[] BuildCriteriaKeys()
    {
        var keys = new List<string>();
        keys.AddRange(Strings.Keys);
        keys.AddRange(Integers.Keys);
        keys.AddRange(Times.Keys);
        keys.AddRange(AnyOf.Keys);
        keys.AddRange(Flags.Keys);
        keys.AddRange(Inert.Keys);
        keys.Add(AlertCriteria.MinimumSeverity);
        return Sorted(keys);
    }

    private static string[] Sorted(IEnumerable<string> names)
    {
        var list = new List<string>(names);
        list.Sort(StringComparer.Ordinal);
        return list.ToArray();
    }
}

/// <summary>
/// A parsed alert filter, the same for both generations: <see cref="From"/>/<see cref="To"/> (v7 <c>time_range</c> on
/// backend_timestamp; unbounded in v6), the criteria (ANDed across keys, ORed within one), the exclusions (an alert
/// matching any is left out) and the query.
/// </summary>
internal sealed class AlertFilter
{
    internal readonly List<Func<Alert, bool>> Tests = new();
    internal readonly List<Func<Alert, bool>> Exclusions = new();
    internal QueryNode<Alert>? Query;

    /// <summary>time_range bounds on backend_timestamp (inclusive); Min/Max when absent.</summary>
    public long From = long.MinValue;
    public long To = long.MaxValue;

    /// <summary>Whether the request names any alert filter (criteria, exclusions or query).</summary>
    public bool HasFilter => Tests.Count > 0 || Exclusions.Count > 0 || Query != null;

    public bool Matches(Alert a)
    {
        if (a.CreateTime < From || a.CreateTime > To)
        {
            return false;
        }
        foreach (var t in Tests)
        {
            if (!t(a))
            {
                return false;
            }
        }
        foreach (var x in Exclusions)
        {
            if (x(a))
            {
                return false;
            }
        }
        return Query == null || Query.Matches(a);
    }
}

/// <summary>
/// The rules both alert searches (v6 <c>alerts/_search</c>, v7 <c>alerts/_search</c> and <c>workflow</c>) follow, over a
/// generation's <see cref="AlertDialect"/>: criteria value lists, integer lists, time ranges, <c>minimum_severity</c>,
/// the keys that match any value of an array or a flag, <c>query</c>, and the 10,000 window. See docs/emulator.md,
/// "Alerts v7" and "The v6 alert search".
/// </summary>
internal static class AlertCriteria
{
    internal const string MinimumSeverity = "minimum_severity";

    /// <summary>Only the first 10,000 matches of an alert search are readable (both generations).</summary>
    public const int Window = Routes.SearchWindow;

    /// <summary>Reads <c>criteria</c>, <c>exclusions</c> (when the dialect has them) and <c>query</c> of a request
    /// object into <paramref name="filter"/> (a missing or null part: no filter).</summary>
    public static SearchError? Parse(JsonElement body, AlertDialect d, long nowMs, AlertFilter filter)
    {
        if (body.TryGetProperty("criteria", out var crit) && crit.ValueKind != JsonValueKind.Null)
        {
            var err = ParseFilters(crit, d, "criteria", nowMs, filter.Tests, false);
            if (err != null)
            {
                return err;
            }
        }
        if (d.HasExclusions && body.TryGetProperty("exclusions", out var excl) && excl.ValueKind != JsonValueKind.Null)
        {
            var err = ParseFilters(excl, d, "exclusions", nowMs, filter.Exclusions, true);
            if (err != null)
            {
                return err;
            }
        }
        if (body.TryGetProperty("query", out var q) && q.ValueKind != JsonValueKind.Null)
        {
            if (q.ValueKind != JsonValueKind.String)
            {
                return SearchError.Arg("query must be a string (got " + q.GetRawText() + ")");
            }
            var err = QueryParser<Alert>.Parse(q.GetString()!, d.QueryFields, out filter.Query);
            if (err != null)
            {
                return err;
            }
        }
        return null;
    }

    /// <summary>One criteria (or exclusions) object: each key a test added to <paramref name="into"/>; an unknown key,
    /// a wrongly typed value or one outside an enumeration is the error to answer, never ignored.</summary>
    internal static SearchError? ParseFilters(JsonElement obj, AlertDialect d, string where, long nowMs, List<Func<Alert, bool>> into, bool exclusions)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return SearchError.Arg(where + " must be an object of arrays, such as " + d.CriteriaExample);
        }
        foreach (var p in obj.EnumerateObject())
        {
            var err = ParseKey(p, d, where + "." + p.Name, nowMs, into, exclusions);
            if (err != null)
            {
                return err;
            }
        }
        return null;
    }

    private static SearchError? ParseKey(JsonProperty p, AlertDialect d, string name, long nowMs, List<Func<Alert, bool>> into, bool exclusions)
    {
        if (d.Strings.TryGetValue(p.Name, out var sf))
        {
            var err = Strings(p.Value, name, sf.Allowed, d.Refusal, out var set);
            if (err != null)
            {
                return err;
            }
            var get = sf.Get;
            into.Add(a => get(a) is string v && set.Contains(v));
            return null;
        }
        if (d.Integers.TryGetValue(p.Name, out var inf))
        {
            var err = Longs(p.Value, name, out var set);
            if (err != null)
            {
                return err;
            }
            into.Add(a => inf(a) is long v && set.Contains(v));
            return null;
        }
        if (d.Times.TryGetValue(p.Name, out var tf))
        {
            long from, to;
            var err = d.RefuseInvertedTimes
                ? TimeRange(p.Value, name, nowMs, out from, out to, out _)
                : DeviceSearch.TimeRange(p.Value, name, nowMs, out from, out to);
            if (err != null)
            {
                return err;
            }
            into.Add(a => tf(a) is long v && v >= from && v <= to);
            return null;
        }
        if (d.AnyOf.TryGetValue(p.Name, out var multi))
        {
            var err = Strings(p.Value, name, null, d.Refusal, out var set);
            if (err != null)
            {
                return err;
            }
            into.Add(a => Array.Exists(multi(a), set.Contains));
            return null;
        }
        if (d.Flags.TryGetValue(p.Name, out var flag))
        {
            var err = Bool(p.Value, name, out bool want);
            if (err != null)
            {
                return err;
            }
            into.Add(a => flag(a) == want);
            return null;
        }
        if (d.Inert.TryGetValue(p.Name, out var check))
        {
            return check(p.Value, name);
        }
        if (p.Name == MinimumSeverity)
        {
            if (exclusions)
            {
                return SearchError.Arg(name + " is not valid in exclusions (it is a criteria key)");
            }
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int min) || min < 1 || min > 10)
            {
                return SearchError.Arg(name + " must be an integer from 1 to 10 (got " + p.Value.GetRawText() + ")");
            }
            into.Add(a => a.Severity >= min);
            return null;
        }
        return SearchError.Arg(name + " is not a supported " + (exclusions ? "exclusions" : "criteria") + " key; supported: " + string.Join(", ", d.CriteriaKeys));
    }

    /// <summary>An array of strings, compared case-insensitively; when <paramref name="allowed"/> is given each must be one
    /// of them (case-insensitively), refused as <paramref name="refusal"/> says.</summary>
    internal static SearchError? Strings(JsonElement el, string name, string[]? allowed, EnumRefusal refusal, out HashSet<string> set)
    {
        set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (el.ValueKind != JsonValueKind.Array)
        {
            return SearchError.Arg(name + " must be an array of strings (got " + el.GetRawText() + ")");
        }
        string? outside = null;
        foreach (var v in el.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.String)
            {
                return SearchError.Arg(name + " must be an array of strings (got " + v.GetRawText() + ")");
            }
            string s = v.GetString()!;
            if (allowed != null && outside == null && !IsOneOf(s, allowed))
            {
                if (refusal == EnumRefusal.InvalidEnumValue)
                {
                    return SearchError.Enum(name, s, allowed);
                }
                outside = s; // v6: answered once every item is known to be a string
            }
            set.Add(s);
        }
        return outside == null
            ? null
            : SearchError.Arg(name + ": '" + outside + "' is not a valid value; allowed values: " + string.Join(", ", allowed!));
    }

    private static bool IsOneOf(string s, string[] allowed) => Array.FindIndex(allowed, x => string.Equals(x, s, StringComparison.OrdinalIgnoreCase)) >= 0;

    /// <summary>An array of integers (JSON numbers or numeric strings).</summary>
    internal static SearchError? Longs(JsonElement el, string name, out HashSet<long> set)
    {
        string? err = LongList(el, name, out var list);
        set = new HashSet<long>(list);
        return err == null ? null : SearchError.Arg(err);
    }

    /// <summary>An array of integers (numbers or integer text), in order; null, or the error to answer.</summary>
    internal static string? LongList(JsonElement el, string name, out List<long> values)
    {
        values = new List<long>();
        if (el.ValueKind != JsonValueKind.Array)
        {
            return name + " must be an array of integers (got " + el.GetRawText() + ")";
        }
        foreach (var v in el.EnumerateArray())
        {
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n))
            {
                values.Add(n);
            }
            else if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long sn))
            {
                values.Add(sn);
            }
            else
            {
                return name + " must be an array of integers (got " + v.GetRawText() + ")";
            }
        }
        return null;
    }

    /// <summary>A JSON <c>true</c> or <c>false</c> (not an array).</summary>
    internal static SearchError? Bool(JsonElement el, string name, out bool value)
    {
        value = false;
        if (el.ValueKind != JsonValueKind.True && el.ValueKind != JsonValueKind.False)
        {
            return SearchError.Arg(name + " must be true or false (got " + el.GetRawText() + ")");
        }
        value = el.GetBoolean();
        return null;
    }

    /// <summary><c>{"start", "end"}</c> or <c>{"range": "-7d"}</c>, whose end may not be before its start;
    /// <paramref name="span"/> is the window's length (0 for <c>all</c>, which is allowed).</summary>
    internal static SearchError? TimeRange(JsonElement el, string name, long nowMs, out long from, out long to, out long span)
    {
        span = 0;
        var err = DeviceSearch.TimeRange(el, name, nowMs, out from, out to);
        if (err != null)
        {
            return err;
        }
        if (from != long.MinValue && to != long.MaxValue)
        {
            if (to < from)
            {
                return SearchError.Arg(name + ": end is before start");
            }
            span = to - from;
        }
        return null;
    }

    // ------------------------------------------------------------------ the 10,000 window

    /// <summary>Checks the rows a search asks for: <paramref name="start"/> is 1-based (0 is the first row too, and is
    /// made 1); start + rows - 1 past <see cref="Window"/> is the dialect's answer.</summary>
    public static SearchError? CheckWindow(AlertDialect d, ref int start, int rows)
    {
        start = Math.Max(1, start);
        long last = (long)start + rows - 1;
        return last > Window ? d.PastWindow(last) : null;
    }

    /// <summary>The page of <paramref name="sorted"/> from 1-based <paramref name="start"/> (see <see cref="CheckWindow"/>).</summary>
    public static List<Alert> Page(List<Alert> sorted, int start, int rows)
    {
        int from = Math.Min(start - 1, sorted.Count);
        return sorted.GetRange(from, Math.Min(rows, sorted.Count - from));
    }
}

/// <summary>The orders of both alert searches: the comparisons sort keys are made of, the default (newest first) and
/// <c>sort</c> parsing. Every order is total: ties end on id (ordinal, ascending).</summary>
internal static class AlertOrder
{
    /// <summary>The default order: newest backend_timestamp (v6 create_time) first, ties on id ascending.</summary>
    public static int NewestFirst(Alert a, Alert b)
    {
        int c = b.CreateTime.CompareTo(a.CreateTime);
        return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
    }

    /// <summary>The tie-break that ends every order.</summary>
    public static int ById(Alert a, Alert b) => string.CompareOrdinal(a.Id, b.Id);

    /// <summary>A number that every alert has.</summary>
    public static Func<int, Comparison<Alert>> Long(Func<Alert, long> get) => dir => (a, b) => dir * get(a).CompareTo(get(b));

    /// <summary>A number some alerts lack (null): those last in both directions.</summary>
    public static Func<int, Comparison<Alert>> LongOrMissing(Func<Alert, long?> get) => dir => (a, b) => Compare(get(a), get(b), dir);

    /// <summary>A string, case-insensitively; missing values (null) last in both directions.</summary>
    public static Func<int, Comparison<Alert>> Text(Func<Alert, string?> get) => dir => (a, b) => Compare(get(a), get(b), dir);

    /// <summary>A string, ordinally (the id).</summary>
    public static Func<int, Comparison<Alert>> Ordinal(Func<Alert, string> get) => dir => (a, b) => dir * string.CompareOrdinal(get(a), get(b));

    internal static int Compare(string? a, string? b, int dir)
    {
        if (a == null || b == null)
        {
            return a == null ? (b == null ? 0 : 1) : -1;
        }
        return dir * string.Compare(a, b, StringComparison.OrdinalIgnoreCase);
    }

    internal static int Compare(long? a, long? b, int dir)
    {
        if (a == null || b == null)
        {
            return a == null ? (b == null ? 0 : 1) : -1;
        }
        return dir * a.Value.CompareTo(b.Value);
    }

    /// <summary>Parses <c>sort</c> over the dialect's keys: <paramref name="items"/> as given, and the order they make
    /// (absent, null or empty: <see cref="NewestFirst"/>), ties ending on id.</summary>
    public static SearchError? Parse(JsonElement el, AlertDialect d, out List<(string Field, int Dir)> items, out Comparison<Alert> comparison)
    {
        comparison = NewestFirst;
        var err = SortSpec.Parse(el, d.SortFields, d.SortExample, out items);
        if (err == null && items.Count > 0)
        {
            comparison = SortSpec.Chain<Alert>(items, (field, dir) => d.SortKeys[field](dir), ById);
        }
        return err;
    }
}
