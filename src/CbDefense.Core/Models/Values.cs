using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Linq;
using System.Text;
using CbDefense.Json;

namespace CbDefense
{
    // How the public models show lists, JSON values and times (the rule every model follows):
    //
    // * A list of typed values (strings, rules, indicators) is a ValueList<T>: a List<T> that also answers Length
    //   (like the array it replaces) and shows as its items joined with ", ". Format-Table, Format-List and
    //   Export-Csv then show "AV_ACTIVE, ONDEMAND_SCAN_DISABLED", never "System.String[]". Arrays convert to it
    //   implicitly (model.AvStatus = new[] { "A" } compiles), and PowerShell converts arrays to it on assignment.
    // * JSON values the model does not type (AdditionalProperties, Policy.Settings, Policy.AvSettings, errors) are
    //   PlainMap (a Dictionary<string, object?>) and PlainList (a List<object?>) all the way down, and show as
    //   compact JSON ("" when empty). PlainJson parses into these types; PlainValue.Wrap turns other containers into them.
    // * A time is two properties, like FileInfo's LastWriteTime and LastWriteTimeUtc: Xxx is local time
    //   (DateTimeKind.Local), so it compares right with Get-Date and (Get-Date).AddDays(-30) in every time zone;
    //   XxxUtc is the same instant in UTC (DateTimeKind.Utc), the value on the wire. One UTC field backs both, so
    //   nothing is lost; ModelTime does the conversions. Setting Xxx takes a local time (Unspecified counts as
    //   local, as in Get-Date and FileInfo); setting XxxUtc takes UTC (Unspecified counts as UTC); a value whose Kind
    //   says its zone is converted from that zone either way.

    /// <summary>
    /// A list of typed values from the server (strings, rules, indicators). It is a <see cref="List{T}"/> that also
    /// answers <see cref="Length"/>, and its string form is the items joined with ", ", so tables, lists and CSV
    /// files show the values rather than a type name.
    /// </summary>
    public sealed class ValueList<T> : List<T>
    {
        public ValueList() { }
        public ValueList(IEnumerable<T> items) : base(items ?? Enumerable.Empty<T>()) { }
        internal ValueList(int capacity) : base(capacity) { }

        /// <summary>Same as Count (the property arrays have, kept for scripts written against arrays).</summary>
        public int Length => Count;

        /// <summary>The items' string forms joined with ", " (null items as empty text).</summary>
        public override string ToString()
        {
            var sb = new StringBuilder();
            for (int i = 0; i < Count; i++)
            {
                if (i > 0) sb.Append(", ");
                var item = this[i];
                if (item != null) sb.Append(PlainValue.ToText(item));
            }
            return sb.ToString();
        }

        /// <summary>An array as a ValueList (null stays null), so code written for the arrays these lists replace compiles.</summary>
        [return: NotNullIfNotNull(nameof(items))]
        public static implicit operator ValueList<T>?(T[]? items) => items == null ? null : new ValueList<T>(items);
    }

    /// <summary>
    /// A JSON object as plain .NET values (ordinal keys, the server's order). Its string form is compact JSON, so a
    /// nested setting reads <c>{"enabled":true,"maxExeDelay":45}</c> in lists, tables and CSV cells (empty: "").
    /// </summary>
    public sealed class PlainMap : Dictionary<string, object?>
    {
        public PlainMap() : base(StringComparer.Ordinal) { }
        public PlainMap(int capacity) : base(capacity, StringComparer.Ordinal) { }

        /// <summary>A copy of <paramref name="items"/> with every nested container turned into PlainMap/PlainList.</summary>
        public PlainMap(IEnumerable<KeyValuePair<string, object?>> items) : base(StringComparer.Ordinal)
        {
            if (items == null) return;
            foreach (var kv in items) this[kv.Key] = PlainValue.Wrap(kv.Value);
        }

        public override string ToString() => PlainValue.ToJsonText(this);
    }

    /// <summary>A JSON array as plain .NET values. Its string form is compact JSON (empty: "").</summary>
    public sealed class PlainList : List<object?>
    {
        public PlainList() { }
        public PlainList(int capacity) : base(capacity) { }

        /// <summary>A copy of <paramref name="items"/> with every nested container turned into PlainMap/PlainList.</summary>
        public PlainList(IEnumerable<object?> items)
        {
            if (items == null) return;
            foreach (var v in items) Add(PlainValue.Wrap(v));
        }

        public override string ToString() => PlainValue.ToJsonText(this);
    }

    /// <summary>Helpers for the plain value containers (see the rule at the top of this file).</summary>
    internal static class PlainValue
    {
        /// <summary>
        /// Dictionaries with string keys to PlainMap, lists and arrays of plain values to PlainList, recursively; an
        /// existing PlainMap/PlainList is returned as it is; anything else unchanged.
        /// </summary>
        public static object? Wrap(object? v)
        {
            switch (v)
            {
                case null: return null;
                case PlainMap _: return v;
                case PlainList _: return v;
                case string _: return v;
                case IDictionary<string, object?> d: return new PlainMap(d);
                case List<object?> l: return new PlainList(l);
                case object?[] a: return new PlainList(a);
                default: return v;
            }
        }

        /// <summary>A PlainMap of <paramref name="d"/> (the same instance when it already is one); null stays null.</summary>
        public static PlainMap? WrapMap(IDictionary<string, object?>? d) => d == null ? null : d as PlainMap ?? new PlainMap(d);

        /// <summary>
        /// Compact JSON of a plain container, "" when it is empty (an empty CSV cell rather than {} or []); never throws
        /// (a value JSON cannot show gives a count instead).
        /// </summary>
        public static string ToJsonText(object value)
        {
            if (value is System.Collections.ICollection empty && empty.Count == 0) return "";
            try { return PlainJson.Serialize(value); }
            catch (Exception ex) when (ex is Newtonsoft.Json.JsonException || ex is InvalidOperationException || ex is NotSupportedException)
            {
                return value is System.Collections.ICollection c ? "(" + c.Count.ToString(CultureInfo.InvariantCulture) + " values)" : "";
            }
        }

        /// <summary>How one item of a ValueList reads: plain containers as JSON, booleans and numbers invariantly.</summary>
        public static string ToText(object item)
        {
            switch (item)
            {
                case string s: return s;
                case PlainMap _:
                case PlainList _:
                    return item.ToString()!;
                case IDictionary<string, object?> _:
                case List<object?> _:
                    return ToJsonText(item);
                case IFormattable f: return f.ToString(null, CultureInfo.InvariantCulture);
                default: return item.ToString() ?? "";
            }
        }
    }

    /// <summary>The conversions behind the Xxx (local) / XxxUtc pairs of the models (see the rule at the top of this file).</summary>
    internal static class ModelTime
    {
        /// <summary>The stored UTC value as local time.</summary>
        public static DateTime? ToLocal(DateTime? utc) => utc?.ToLocalTime();

        /// <summary>A value given as local time (Unspecified counts as local) to the UTC value stored.</summary>
        public static DateTime? FromLocal(DateTime? t)
        {
            if (t == null) return null;
            var v = t.Value;
            return v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime();
        }

        /// <summary>A value given as UTC (Unspecified counts as UTC) to the UTC value stored.</summary>
        public static DateTime? FromUtc(DateTime? t)
        {
            if (t == null) return null;
            var v = t.Value;
            switch (v.Kind)
            {
                case DateTimeKind.Utc: return v;
                case DateTimeKind.Local: return v.ToUniversalTime();
                default: return DateTime.SpecifyKind(v, DateTimeKind.Utc);
            }
        }
    }
}

#if NETSTANDARD2_0 || NETFRAMEWORK
namespace System.Diagnostics.CodeAnalysis
{
    // netstandard2.0 and .NET Framework lack this nullable-analysis attribute; the compiler honours a copy of it by name.
    [AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property | AttributeTargets.ReturnValue, AllowMultiple = true, Inherited = false)]
    internal sealed class NotNullIfNotNullAttribute : Attribute
    {
        public NotNullIfNotNullAttribute(string parameterName) { ParameterName = parameterName; }
        public string ParameterName { get; }
    }
}
#endif
