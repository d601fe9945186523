using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace CbDefense.Search
{
    /// <summary>
    /// The <c>criteria</c> and <c>exclusions</c> objects of the current API's searches (devices, audit logs,
    /// observations): each key holds an array of values (ORed), or an object for a range such as create_time.
    /// </summary>
    internal static class Criteria
    {
        /// <summary>
        /// A value as a user gives it (a hashtable entry): an object stays an object, a list its values, one value a
        /// one-item array; with <paramref name="keepScalars"/> booleans also stay as they are (audit log flagged, verbose).
        /// Values merge with those already under the key.
        /// </summary>
        public static void Add(Dictionary<string, object?> into, string key, object? value, bool keepScalars = false)
        {
            if (value is IDictionary || (keepScalars && value is bool)) into[key] = value;
            else if (value is IEnumerable e && !(value is string)) AddValues(into, key, e.Cast<object?>().ToList());
            else AddValues(into, key, new List<object?> { value });
        }

        /// <summary>Adds values to the array under the key (none: nothing is added; values already there are not repeated).</summary>
        public static void AddValues(Dictionary<string, object?> into, string key, List<object?> list)
        {
            if (list.Count == 0) return;
            if (into.TryGetValue(key, out var existing) && existing is List<object?> l) l.AddRange(list.Where(v => !l.Contains(v)));
            else into[key] = list;
        }
    }
}
