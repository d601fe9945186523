using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace CbDefense.Commands
{
    /// <summary>
    /// Between PowerShell values and the plain .NET values Core sends and receives (dictionaries, lists,
    /// strings, numbers, booleans, null). Core serializes and parses the JSON; this only reshapes.
    /// </summary>
    internal static class PSObjectConverter
    {
        /// <summary>
        /// Copies a -Criteria or -Exclusions hashtable into a query's criteria, by key, each value made plain
        /// (<see cref="ToPlain"/>); nothing when the parameter was not given.
        /// </summary>
        public static void CopyCriteria(Hashtable? from, IDictionary<string, object?> into)
        {
            if (from == null) return;
            foreach (DictionaryEntry e in from) into[e.Key.ToString()!] = ToPlain(e.Value);
        }

        /// <summary>Hashtables, PSCustomObjects, arrays and objects to plain dictionaries and lists.</summary>
        public static object? ToPlain(object? value, int depth = 0)
        {
            if (depth > 64) throw new ArgumentException("The body is nested too deeply (more than 64 levels).");
            if (value == null) return null;
            if (value is PSObject pso)
            {
                if (pso.BaseObject is PSCustomObject) return FromProperties(pso, depth);
                return ToPlain(pso.BaseObject, depth);
            }
            switch (value)
            {
                case string _:
                case bool _:
                case char _:
                case DateTime _:
                case DateTimeOffset _:
                case Guid _:
                    return value;
                case Enum e:
                    return e.ToString();
                case IDictionary dict:
                    var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (DictionaryEntry entry in dict)
                        result[Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty] = ToPlain(entry.Value, depth + 1);
                    return result;
                case IEnumerable list:
                    var items = new List<object?>();
                    foreach (var item in list) items.Add(ToPlain(item, depth + 1));
                    return items;
            }
            if (value.GetType().IsPrimitive || value is decimal) return value;
            return FromProperties(PSObject.AsPSObject(value), depth);
        }

        private static Dictionary<string, object?> FromProperties(PSObject pso, int depth)
        {
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var prop in pso.Properties)
            {
                if (!prop.IsGettable) continue;
                object? v;
                try { v = prop.Value; } catch (GetValueException) { continue; }
                result[prop.Name] = ToPlain(v, depth + 1);
            }
            return result;
        }

        /// <summary>Parsed JSON (plain dictionaries and lists) to PSCustomObjects and arrays, like Invoke-RestMethod.</summary>
        public static object? ToPSObject(object? value)
        {
            switch (value)
            {
                case IDictionary<string, object?> dict:
                    var pso = new PSObject();
                    foreach (var kv in dict) pso.Properties.Add(new PSNoteProperty(kv.Key, ToPSObject(kv.Value)));
                    return pso;
                case IList<object?> list:
                    var arr = new object?[list.Count];
                    for (int i = 0; i < arr.Length; i++) arr[i] = ToPSObject(list[i]);
                    return arr;
                default:
                    return value;
            }
        }
    }
}
