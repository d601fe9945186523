using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using Newtonsoft.Json;

namespace CbDefense.Json
{
    /// <summary>
    /// JSON to plain .NET values: objects as <see cref="PlainMap"/> (a Dictionary&lt;string, object?&gt;, ordinal, source
    /// order), arrays as <see cref="PlainList"/> (a List&lt;object?&gt;), string, long, double, bool, null. The two
    /// containers print as JSON, so values the models keep untyped read well in lists, tables and CSV files.
    /// </summary>
    internal static class PlainJson
    {
        internal static readonly JsonSerializerSettings SerializerSettings = new JsonSerializerSettings
        {
            DateFormatHandling = DateFormatHandling.IsoDateFormat,
            DateTimeZoneHandling = DateTimeZoneHandling.RoundtripKind,
            NullValueHandling = NullValueHandling.Include,
            ReferenceLoopHandling = ReferenceLoopHandling.Error,
            Formatting = Formatting.None,
        };

        public static JsonTextReader CreateReader(TextReader tr) => new JsonTextReader(tr)
        {
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Double,
            CloseInput = false,
            MaxDepth = 128,
        };

        /// <summary>Parses a whole document; throws JsonException when it is malformed, truncated or has trailing content.</summary>
        public static object? Parse(string text)
        {
            using (var sr = new StringReader(text))
            using (var r = CreateReader(sr))
            {
                if (!r.Read()) throw new JsonReaderException("The body is empty.");
                var v = ReadValue(r);
                while (r.Read())
                {
                    if (r.TokenType != JsonToken.Comment)
                        throw new JsonReaderException("Additional content after the JSON value.");
                }
                return v;
            }
        }

        public static bool TryParse(string? text, out object? value)
        {
            value = null;
            if (string.IsNullOrWhiteSpace(text)) return false;
            try { value = Parse(text!); return true; }
            catch (JsonException) { return false; }
        }

        /// <summary>Reads the value at the reader's current token (and its children).</summary>
        public static object? ReadValue(JsonReader r) => ReadValue(r, 0);

        /// <summary>
        /// Reads the value at the reader's current token; an object at the top starts with room for
        /// <paramref name="capacity"/> fields (the size of the page's previous item: no growing and rehashing per field).
        /// </summary>
        public static object? ReadValue(JsonReader r, int capacity)
        {
            while (r.TokenType == JsonToken.Comment) if (!r.Read()) throw new JsonReaderException("Unexpected end of JSON.");
            switch (r.TokenType)
            {
                case JsonToken.StartObject:
                {
                    var d = capacity > 0 ? new PlainMap(capacity) : new PlainMap();
                    while (true)
                    {
                        if (!r.Read()) throw new JsonReaderException("Unexpected end of JSON inside an object.");
                        if (r.TokenType == JsonToken.EndObject) return d;
                        if (r.TokenType == JsonToken.Comment) continue;
                        if (r.TokenType != JsonToken.PropertyName) throw new JsonReaderException("Expected a property name.");
                        string name = (string)r.Value!;
                        if (!r.Read()) throw new JsonReaderException("Unexpected end of JSON after a property name.");
                        d[name] = ReadValue(r);
                    }
                }
                case JsonToken.StartArray:
                {
                    var l = new PlainList();
                    while (true)
                    {
                        if (!r.Read()) throw new JsonReaderException("Unexpected end of JSON inside an array.");
                        if (r.TokenType == JsonToken.EndArray) return l;
                        if (r.TokenType == JsonToken.Comment) continue;
                        l.Add(ReadValue(r));
                    }
                }
                case JsonToken.Integer:
                    if (r.Value is long lv) return lv;
                    if (r.Value is BigInteger bi) return (double)bi;
                    return Convert.ToInt64(r.Value, CultureInfo.InvariantCulture);
                case JsonToken.Float:
                    return r.Value is double dv ? dv : Convert.ToDouble(r.Value, CultureInfo.InvariantCulture);
                case JsonToken.String:
                    return (string)r.Value!;
                case JsonToken.Boolean:
                    return (bool)r.Value!;
                case JsonToken.Null:
                case JsonToken.Undefined:
                    return null;
                case JsonToken.Date:
                    return r.Value is DateTime dt ? dt.ToString("o", CultureInfo.InvariantCulture) : Convert.ToString(r.Value, CultureInfo.InvariantCulture);
                case JsonToken.Bytes:
                    return r.Value is byte[] b ? Convert.ToBase64String(b) : null;
                default:
                    throw new JsonReaderException("Unexpected JSON token " + r.TokenType + ".");
            }
        }

        /// <summary>
        /// A property-name table that keeps the names it meets (up to a bound), so a page of a thousand objects with the same
        /// sixty fields allocates each name once instead of sixty thousand strings.
        /// </summary>
        internal sealed class NameTable : JsonNameTable
        {
            private const int MaxNames = 2048, MaxLength = 128;
            private readonly DefaultJsonNameTable _names = new DefaultJsonNameTable();
            private int _count;

            public override string? Get(char[] key, int start, int length)
            {
                var known = _names.Get(key, start, length);
                if (known != null || _count >= MaxNames || length > MaxLength) return known;
                _count++;
                return _names.Add(new string(key, start, length));
            }
        }

        /// <summary>Serializes a request body: dictionaries, lists, primitives, POCOs; <see cref="RawJson"/> as is.</summary>
        public static string Serialize(object? body)
        {
            if (body == null) return "{}";
            if (body is RawJson raw) return raw.Json;
            // Plain values (what request bodies are made of) are written directly: the serializer's first use in a process
            // builds contracts by reflection and compiles accessors (some 80 ms and 500 methods to JIT before the first
            // request of a command leaves). Anything else goes to the serializer, which writes the same for plain values.
            var text = new System.Text.StringBuilder(256);
            using (var sw = new StringWriter(text, CultureInfo.InvariantCulture))
            using (var w = new JsonTextWriter(sw)
            {
                Formatting = Formatting.None,
                DateFormatHandling = SerializerSettings.DateFormatHandling,
                DateTimeZoneHandling = SerializerSettings.DateTimeZoneHandling,
            })
            {
                if (!TryWritePlain(w, body, 0)) return JsonConvert.SerializeObject(body, SerializerSettings);
            }
            return text.ToString();
        }

        /// <summary>Writes a plain value; false (the output is then partial) when it holds anything else.</summary>
        private static bool TryWritePlain(JsonWriter w, object? v, int depth)
        {
            if (depth > 64) return false;
            switch (v)
            {
                case null: w.WriteNull(); return true;
                case string s: w.WriteValue(s); return true;
                case bool b: w.WriteValue(b); return true;
                case int i: w.WriteValue(i); return true;
                case long l: w.WriteValue(l); return true;
                case double d: w.WriteValue(d); return true;
                case IDictionary<string, object?> map:
                    w.WriteStartObject();
                    foreach (var kv in map)
                    {
                        w.WritePropertyName(kv.Key);
                        if (!TryWritePlain(w, kv.Value, depth + 1)) return false;
                    }
                    w.WriteEndObject();
                    return true;
                case IList<object?> list:
                    w.WriteStartArray();
                    foreach (var item in list)
                        if (!TryWritePlain(w, item, depth + 1)) return false;
                    w.WriteEndArray();
                    return true;
                default:
                    return false;
            }
        }

        /// <summary>JSON-semantic equality of two plain values (numbers by value, containers deep).</summary>
        public static bool JsonEquals(object? a, object? b)
        {
            a = Normalize(a); b = Normalize(b);
            if (a == null || b == null) return a == null && b == null;
            if (IsNumber(a) && IsNumber(b))
                return Convert.ToDouble(a, CultureInfo.InvariantCulture) == Convert.ToDouble(b, CultureInfo.InvariantCulture);
            if (a is string sa && b is string sb) return string.Equals(sa, sb, StringComparison.Ordinal);
            if (a is bool ba && b is bool bb) return ba == bb;
            if (a is IDictionary<string, object?> da && b is IDictionary<string, object?> db)
            {
                if (da.Count != db.Count) return false;
                foreach (var kv in da)
                    if (!db.TryGetValue(kv.Key, out var v) || !JsonEquals(kv.Value, v)) return false;
                return true;
            }
            if (a is List<object?> la && b is List<object?> lb)
            {
                if (la.Count != lb.Count) return false;
                for (int i = 0; i < la.Count; i++) if (!JsonEquals(la[i], lb[i])) return false;
                return true;
            }
            return false;
        }

        private static bool IsNumber(object o) =>
            o is long || o is int || o is double || o is float || o is decimal || o is short || o is byte || o is uint || o is ulong || o is sbyte || o is ushort;

        /// <summary>Any .NET value to its plain JSON form (via a serialization round trip for non-plain values).</summary>
        private static object? Normalize(object? v)
        {
            if (v == null || v is string || v is bool || IsNumber(v)) return v;
            if (v is Dictionary<string, object?> || v is List<object?>) return v;
            return Parse(Serialize(v));
        }
    }
}

namespace CbDefense
{
    /// <summary>A request body sent verbatim as JSON text (e.g. Invoke-CbApi -Body '{"a":1}').</summary>
    public sealed class RawJson
    {
        public RawJson(string json) { Json = json ?? throw new ArgumentNullException(nameof(json)); }
        public string Json { get; }
        public override string ToString() => Json;
    }
}
