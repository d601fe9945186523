using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace CbDefense.Emulator;

/// <summary>The <c>sort</c> array every search of the emulator takes: <c>[{"field": ..., "order": "ASC"|"DESC"}]</c>
/// (order case-insensitive, default ASC; other keys, unknown fields and other orders are refused).</summary>
internal static class SortSpec
{
    /// <summary>The items of <paramref name="el"/> in order (none when it is absent or null), or the error to answer.</summary>
    public static SearchError? Parse(JsonElement el, string[] sortFields, string exampleField, out List<(string Field, int Dir)> items)
    {
        items = new List<(string Field, int Dir)>();
        if (el.ValueKind == JsonValueKind.Null || el.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }
        if (el.ValueKind != JsonValueKind.Array)
        {
            return SearchError.Arg("sort must be an array such as [{\"field\": \"" + exampleField + "\", \"order\": \"ASC\"}]");
        }
        int i = 0;
        foreach (var s in el.EnumerateArray())
        {
            string where = "sort[" + i.ToString(CultureInfo.InvariantCulture) + "]";
            i++;
            if (s.ValueKind != JsonValueKind.Object)
            {
                return SearchError.Arg(where + " must be an object {\"field\": ..., \"order\": \"ASC\"|\"DESC\"}; sortable fields: " + string.Join(", ", sortFields));
            }
            foreach (var p in s.EnumerateObject())
            {
                if (p.Name != "field" && p.Name != "order")
                {
                    return SearchError.Arg(where + "." + p.Name + " is not valid; a sort item has field and order");
                }
            }
            if (!s.TryGetProperty("field", out var f) || f.ValueKind != JsonValueKind.String)
            {
                return SearchError.Arg(where + ".field is required; sortable fields: " + string.Join(", ", sortFields));
            }
            string field = f.GetString()!;
            if (Array.IndexOf(sortFields, field) < 0)
            {
                return SearchError.Arg(where + ".field: '" + field + "' is not sortable; sortable fields: " + string.Join(", ", sortFields));
            }
            int dir = 1;
            if (s.TryGetProperty("order", out var o) && o.ValueKind != JsonValueKind.Null)
            {
                string? order = o.ValueKind == JsonValueKind.String ? o.GetString() : null;
                if (string.Equals(order, "DESC", StringComparison.OrdinalIgnoreCase))
                {
                    dir = -1;
                }
                else if (!string.Equals(order, "ASC", StringComparison.OrdinalIgnoreCase))
                {
                    return SearchError.Arg(where + ".order: " + o.GetRawText() + " is not valid; allowed values: ASC, DESC");
                }
            }
            items.Add((field, dir));
        }
        return null;
    }

    /// <summary>One comparison from the items' keys in order, ties ending on <paramref name="tie"/> (a total order).</summary>
    public static Comparison<T> Chain<T>(IReadOnlyList<(string Field, int Dir)> items, Func<string, int, Comparison<T>> key, Comparison<T> tie)
    {
        var keys = new Comparison<T>[items.Count];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = key(items[i].Field, items[i].Dir);
        }
        return (a, b) =>
        {
            foreach (var k in keys)
            {
                int c = k(a, b);
                if (c != 0)
                {
                    return c;
                }
            }
            return tie(a, b);
        };
    }
}
