using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;

namespace CbDefense.Search
{
    /// <summary>
    /// A <c>key:value</c> filter applied on the client, for a key that names a field of the model exactly: one of its
    /// properties (the PascalCase name, or the camelCase wire name, any case) or a wire name the model keeps in
    /// AdditionalProperties. Dotted keys reach into nested objects (<c>deviceDetails.deviceName</c>). The value is a
    /// PowerShell wildcard pattern; without wildcards it must equal the field (case-insensitive). A list field matches
    /// when one of its items does; null or absent matches only an empty value.
    /// </summary>
    internal sealed class FieldFilter<T> where T : class
    {
        private static readonly ConcurrentDictionary<string, PropertyInfo?> Props = new ConcurrentDictionary<string, PropertyInfo?>(StringComparer.OrdinalIgnoreCase);
        private readonly string[] _path;
        private readonly Glob _value;

        private FieldFilter(string key, string[] path, string value)
        {
            Key = key;
            _path = path;
            _value = Glob.Create(value);
        }

        public string Key { get; }
        public string Value => _value.Pattern;

        /// <summary>
        /// A filter for <paramref name="key"/>, or null when the key names no field of <typeparamref name="T"/>
        /// (<paramref name="wireNames"/>: other field names the server sends that the model keeps in AdditionalProperties).
        /// </summary>
        public static FieldFilter<T>? TryCreate(string key, string value, IEnumerable<string>? wireNames)
        {
            var parts = key.Split('.');
            var type = typeof(T);
            for (int i = 0; i < parts.Length; i++)
            {
                var p = FindProperty(type, parts[i]);
                if (p == null)
                {
                    // The last segment may be a wire name kept in AdditionalProperties (top level only).
                    bool known = i == 0 && parts.Length == 1 && wireNames != null &&
                                 wireNames.Any(n => string.Equals(n, parts[0], StringComparison.OrdinalIgnoreCase));
                    return known ? new FieldFilter<T>(key, parts, value) : null;
                }
                type = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            }
            return new FieldFilter<T>(key, parts, value);
        }

        public bool IsMatch(T item) => Matches(Resolve(item), _value);

        private object? Resolve(object? o)
        {
            for (int i = 0; i < _path.Length && o != null; i++)
            {
                var p = FindProperty(o.GetType(), _path[i]);
                if (p != null) { o = p.GetValue(o); continue; }
                var extra = o.GetType().GetProperty("AdditionalProperties")?.GetValue(o) as IDictionary<string, object?>;
                if (extra == null) return null;
                object? found = null;
                foreach (var kv in extra)
                    if (string.Equals(kv.Key, _path[i], StringComparison.OrdinalIgnoreCase)) { found = kv.Value; break; }
                o = found;
            }
            return o;
        }

        private static PropertyInfo? FindProperty(Type type, string name) =>
            Props.GetOrAdd(type.FullName + "|" + name, _ =>
            {
                if (string.Equals(name, "AdditionalProperties", StringComparison.OrdinalIgnoreCase) ||
                    string.Equals(name, "Session", StringComparison.OrdinalIgnoreCase)) return null;
                return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                           .FirstOrDefault(p => p.GetIndexParameters().Length == 0 && string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
            });

        internal static bool Matches(object? v, Glob pattern)
        {
            if (v == null) return pattern.Literal.Length == 0 && !pattern.IsWildcard || pattern.IsMatch("");
            if (v is string s) return pattern.IsMatch(s);
            if (v is IEnumerable e && !(v is IDictionary))
            {
                foreach (var item in e)
                    if (Matches(item, pattern)) return true;
                return false;
            }
            return pattern.IsMatch(Format(v));
        }

        private static string Format(object v)
        {
            switch (v)
            {
                case bool b: return b ? "true" : "false";
                case DateTime t:
                    return (t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                case DateTimeOffset o: return o.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                case IFormattable f: return f.ToString(null, CultureInfo.InvariantCulture);
                default: return v.ToString() ?? "";
            }
        }

        public override string ToString() => Key + ":" + Value;
    }
}
