using System;
using System.Collections.Generic;
using System.Globalization;

namespace CbDefense.Json
{
    /// <summary>
    /// Maps a parsed JSON object (plain values from <see cref="PlainJson"/>) onto a typed model: each typed getter takes
    /// the field out of the object when its value converts (null stays null), and leaves it in place when it does not,
    /// so what remains (<see cref="Rest"/>) is every unknown or oddly typed field, kept verbatim for AdditionalProperties.
    /// Liberal in what it accepts: numbers as strings, booleans as 0/1 or "true", epoch ms as numbers or strings,
    /// ISO-8601 strings for times.
    /// </summary>
    internal sealed class FieldReader
    {
        private static readonly DateTime Epoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        private const double MinMs = -62135596800000d, MaxMs = 253402300799999d;

        private readonly Dictionary<string, object?> _d;
        private readonly bool _owned;

        /// <summary>A reader of a copy of <paramref name="source"/> (the caller's dictionary is left as it is).</summary>
        public FieldReader(Dictionary<string, object?> source) : this(source, adopt: false) { }

        private FieldReader(Dictionary<string, object?> source, bool adopt)
        {
            _owned = adopt && ReferenceEquals(source.Comparer, StringComparer.Ordinal);
            _d = _owned ? source : new Dictionary<string, object?>(source, StringComparer.Ordinal);
        }

        /// <summary>
        /// A reader that takes <paramref name="parsed"/> over instead of copying it: for an object just parsed that nobody
        /// else holds (a search page maps thousands of them; the copies were a third of the mapping). The fields taken are
        /// removed from it, and <see cref="TakeRest"/> hands it on as the model's AdditionalProperties.
        /// </summary>
        public static FieldReader Adopt(Dictionary<string, object?> parsed) => new FieldReader(parsed, adopt: true);

        /// <summary>The fields nobody took.</summary>
        public Dictionary<string, object?> Rest => _d;

        public void CopyRestTo(IDictionary<string, object?> target)
        {
            foreach (var kv in _d) target[kv.Key] = kv.Value;
        }

        /// <summary>
        /// The fields nobody took, as a PlainMap for a model's AdditionalProperties: the adopted dictionary itself when it is
        /// one (no copy), otherwise a copy. The reader must not be used after.
        /// </summary>
        public PlainMap TakeRest()
        {
            if (_owned && _d is PlainMap map) return map;
            var copy = new PlainMap(_d.Count);
            foreach (var kv in _d) copy[kv.Key] = kv.Value;
            return copy;
        }

        private bool Take<T>(string name, Func<object, (bool ok, T value)> convert, out T value)
        {
            value = default!;
            if (!_d.TryGetValue(name, out var v)) return false;
            if (v == null) { _d.Remove(name); return false; }
            var (ok, converted) = convert(v);
            if (!ok) return false;
            _d.Remove(name);
            value = converted;
            return true;
        }

        public string? String(string name) => Take(name, v => ToStringValue(v), out string s) ? s : null;

        public long? Long(string name) => Take(name, v => ToLong(v), out long l) ? l : (long?)null;

        public int? Int(string name) =>
            Take(name, v => { var (ok, l) = ToLong(v); return (ok && l >= int.MinValue && l <= int.MaxValue, (int)l); }, out int i) ? i : (int?)null;

        public double? Double(string name) => Take(name, v => ToDouble(v), out double d) ? d : (double?)null;

        public bool? Bool(string name) => Take(name, v => ToBool(v), out bool b) ? b : (bool?)null;

        /// <summary>Epoch milliseconds (or an ISO-8601 string) as a UTC DateTime; 0 and null stay null.</summary>
        public DateTime? Time(string name) => TimeAndMs(name, out _);

        public DateTime? TimeAndMs(string name, out long? ms)
        {
            ms = null;
            if (!_d.TryGetValue(name, out var v)) return null;
            if (v == null) { _d.Remove(name); return null; }
            if (!TryTime(v, out var t, out var m)) return null;
            _d.Remove(name);
            ms = m;
            return t;
        }

        public string[]? StringArray(string name)
        {
            if (!_d.TryGetValue(name, out var v)) return null;
            if (v == null) { _d.Remove(name); return null; }
            if (!(v is List<object?> l)) return null;
            var a = new string[l.Count];
            for (int i = 0; i < l.Count; i++)
            {
                var (ok, s) = l[i] == null ? (true, null!) : ToStringValue(l[i]!);
                if (!ok) return null;
                a[i] = s;
            }
            _d.Remove(name);
            return a;
        }

        /// <summary>
        /// Strings sent as an array or as one value (liberal: the observation search sends event_type as ["netconn"], its
        /// details as "netconn"); left in Rest when an item is not a scalar.
        /// </summary>
        public string[]? StringList(string name)
        {
            if (!_d.TryGetValue(name, out var v) || v is List<object?>) return StringArray(name);
            if (v == null) { _d.Remove(name); return null; }
            var (ok, s) = ToStringValue(v);
            if (!ok) return null;
            _d.Remove(name);
            return new[] { s };
        }

        /// <summary>Whole numbers sent as an array or as one value; left in Rest when any is not a whole number.</summary>
        public long[]? LongList(string name)
        {
            if (!_d.TryGetValue(name, out var v)) return null;
            if (v == null) { _d.Remove(name); return null; }
            var items = v is List<object?> l ? l : new List<object?> { v };
            var a = new long[items.Count];
            for (int i = 0; i < items.Count; i++)
            {
                if (items[i] == null) return null;
                var (ok, n) = ToLong(items[i]!);
                if (!ok) return null;
                a[i] = n;
            }
            _d.Remove(name);
            return a;
        }

        /// <summary>A nested object mapped by <paramref name="map"/>; null when absent or null; left in Rest when not an object.</summary>
        public T? Object<T>(string name, Func<FieldReader, T> map) where T : class
        {
            if (!_d.TryGetValue(name, out var v)) return null;
            if (v == null) { _d.Remove(name); return null; }
            if (!(v is Dictionary<string, object?> o)) return null;
            _d.Remove(name);
            return map(new FieldReader(o, _owned));
        }

        /// <summary>An array of objects, each mapped; left in Rest when any item is not an object.</summary>
        public T[]? ObjectArray<T>(string name, Func<FieldReader, T> map) where T : class
        {
            if (!_d.TryGetValue(name, out var v)) return null;
            if (v == null) { _d.Remove(name); return null; }
            if (!(v is List<object?> l)) return null;
            foreach (var item in l) if (!(item is Dictionary<string, object?>)) return null;
            var a = new T[l.Count];
            for (int i = 0; i < l.Count; i++) a[i] = map(new FieldReader((Dictionary<string, object?>)l[i]!, _owned));
            _d.Remove(name);
            return a;
        }

        /// <summary>Any JSON value as plain .NET values (arrays as object[]).</summary>
        public object?[]? PlainArray(string name)
        {
            if (!_d.TryGetValue(name, out var v)) return null;
            if (v == null) { _d.Remove(name); return null; }
            if (!(v is List<object?> l)) return null;
            _d.Remove(name);
            return l.ToArray();
        }

        // ---------------------------------------------------------------- conversions

        /// <summary>A whole number under <paramref name="key"/> of a reply's top level (numbers sent as text too), or null.</summary>
        internal static long? LongOf(IDictionary<string, object?> d, string key) =>
            d.TryGetValue(key, out var v) && v != null && ToLong(v) is var (ok, l) && ok ? l : (long?)null;

        internal static (bool, string) ToStringValue(object v)
        {
            switch (v)
            {
                case string s: return (true, s);
                case long l: return (true, l.ToString(CultureInfo.InvariantCulture));
                case double d: return (true, d.ToString("R", CultureInfo.InvariantCulture));
                case bool b: return (true, b ? "true" : "false");
                default: return (false, null!);
            }
        }

        internal static (bool, long) ToLong(object v)
        {
            switch (v)
            {
                case long l: return (true, l);
                case int i: return (true, i);
                case double d when d == Math.Floor(d) && d >= long.MinValue && d <= long.MaxValue: return (true, (long)d);
                case string s when long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p): return (true, p);
                default: return (false, 0);
            }
        }

        internal static (bool, double) ToDouble(object v)
        {
            switch (v)
            {
                case long l: return (true, l);
                case double d: return (true, d);
                case string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var p): return (true, p);
                default: return (false, 0);
            }
        }

        internal static (bool, bool) ToBool(object v)
        {
            switch (v)
            {
                case bool b: return (true, b);
                case long l when l == 0 || l == 1: return (true, l == 1);
                case string s when TryParseBoolText(s, out var p): return (true, p);
                default: return (false, false);
            }
        }

        /// <summary>A boolean a server sent as text: true/false or 1/0, any case, surrounding blanks ignored.</summary>
        internal static bool TryParseBoolText(string s, out bool value)
        {
            switch (s.Trim().ToLowerInvariant())
            {
                case "true": case "1": value = true; return true;
                case "false": case "0": value = false; return true;
                default: value = false; return false;
            }
        }

        internal static bool TryTime(object v, out DateTime? value, out long? ms)
        {
            value = null;
            ms = null;
            double m;
            switch (v)
            {
                case long l: m = l; break;
                case double d: m = d; break;
                case string s:
                    s = s.Trim();
                    if (s.Length == 0) return true;
                    if (TryIsoUtc(s, out var iso))
                    {
                        value = iso;
                        ms = (long)Math.Floor((iso - Epoch).TotalMilliseconds);
                        return true;
                    }
                    if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var p)) { m = p; break; }
                    if (DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dt))
                    {
                        value = DateTime.SpecifyKind(dt, DateTimeKind.Utc);
                        ms = (long)Math.Floor((value.Value - Epoch).TotalMilliseconds);
                        return true;
                    }
                    return false;
                default: return false;
            }
            if (double.IsNaN(m) || m < MinMs || m > MaxMs) return false;
            if (m == 0) return true;
            ms = (long)Math.Floor(m);
            // Fractional milliseconds go to the nearest tick (a double such as 1.5e12 + 0.1 is not exact).
            value = Epoch.AddTicks((long)Math.Round(m * TimeSpan.TicksPerMillisecond));
            return true;
        }

        /// <summary>
        /// The form both API generations send, yyyy-MM-ddTHH:mm:ss[.fraction]Z, read without the general parser (a page of
        /// devices carries a dozen times each, and DateTime.TryParse was the largest cost of mapping one). Anything else
        /// (offsets, no Z, a leap second, more than 7 fraction digits) returns false for the general parser to read.
        /// </summary>
        internal static bool TryIsoUtc(string s, out DateTime value)
        {
            value = default;
            int n = s.Length;
            if (n < 20 || n > 28 || s[n - 1] != 'Z' || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') return false;
            if (!Digits(s, 0, 4, out int year) || !Digits(s, 5, 2, out int month) || !Digits(s, 8, 2, out int day) ||
                !Digits(s, 11, 2, out int hour) || !Digits(s, 14, 2, out int minute) || !Digits(s, 17, 2, out int second)) return false;
            long fraction = 0;
            if (n > 20)
            {
                int digits = n - 21;
                if (s[19] != '.' || digits < 1 || digits > 7 || !Digits(s, 20, digits, out int f)) return false;
                fraction = f;
                for (int i = digits; i < 7; i++) fraction *= 10;
            }
            if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return false;
            value = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fraction);
            return true;
        }

        private static bool Digits(string s, int start, int count, out int value)
        {
            value = 0;
            for (int i = start; i < start + count; i++)
            {
                int c = s[i] - '0';
                if (c < 0 || c > 9) return false;
                value = value * 10 + c;
            }
            return true;
        }

        internal static long ToEpochMs(DateTime t)
        {
            var u = t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc);
            return (long)Math.Floor((u - Epoch).TotalMilliseconds);
        }

        internal static DateTime FromEpochMs(long ms) => Epoch.AddTicks(ms * TimeSpan.TicksPerMillisecond);

        /// <summary>ISO-8601 UTC with milliseconds and Z, as the v3 event API documents (2020-08-04T00:00:00.000Z).</summary>
        internal static string IsoMs(long ms) => FromEpochMs(ms).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }
}
