using System;
using System.Collections.Generic;
using System.IO;
using Newtonsoft.Json;

namespace CbDefense.Json
{
    /// <summary>
    /// Streams a JSON reply object: the array under <c>itemsKey</c> is read one item at a time (each mapped from plain
    /// values, so a 10,000-row page is never held as text), every other top-level field is kept as plain values.
    /// </summary>
    internal static class ListJsonReader
    {
        /// <summary>Reads the whole reply; throws JsonException when malformed or truncated. Items that are not objects are skipped.</summary>
        public static List<T>? Read<T>(Stream s, string itemsKey, Func<Dictionary<string, object?>, T> map, out ReplyEnvelope env)
        {
            List<T>? items = null;
            bool present = ReadEach(s, itemsKey, d => (items ??= new List<T>()).Add(map(d)), out env);
            return present ? items ?? new List<T>() : null;
        }

        /// <summary>
        /// Reads the reply, handing each object of the <c>itemsKey</c> array to <paramref name="each"/> as soon as it is
        /// parsed (a caller writes it while the rest of the page is still arriving). Returns false when the array is absent
        /// or null. Throws JsonException when malformed or truncated (after the items read before the fault).
        /// </summary>
        public static bool ReadEach(Stream s, string itemsKey, Action<Dictionary<string, object?>> each, out ReplyEnvelope env)
        {
            env = new ReplyEnvelope();
            bool present = false;
            using (var r = PlainJson.CreateReader(new StreamReader(s, System.Text.Encoding.UTF8, true, 65536)))
            {
                r.CloseInput = true;
                r.PropertyNameTable = new PlainJson.NameTable();
                int capacity = 0;
                if (!Next(r) || r.TokenType != JsonToken.StartObject) throw new JsonReaderException("The reply is not a JSON object.");
                while (true)
                {
                    if (!Next(r)) throw new JsonReaderException("Unexpected end of JSON.");
                    if (r.TokenType == JsonToken.EndObject) break;
                    string name = (string)r.Value!;
                    if (!Next(r)) throw new JsonReaderException("Unexpected end of JSON.");
                    if (name == itemsKey && r.TokenType == JsonToken.StartArray)
                    {
                        present = true;
                        while (true)
                        {
                            if (!Next(r)) throw new JsonReaderException("Unexpected end of JSON inside " + itemsKey + ".");
                            if (r.TokenType == JsonToken.EndArray) break;
                            var v = PlainJson.ReadValue(r, capacity);
                            if (v is Dictionary<string, object?> d)
                            {
                                capacity = d.Count;
                                each(d);
                            }
                        }
                    }
                    else if (name == itemsKey && r.TokenType == JsonToken.Null)
                    {
                        present = false;
                    }
                    else env.Fields[name] = PlainJson.ReadValue(r);
                }
                if (Next(r)) throw new JsonReaderException("Additional content after the JSON value.");
            }
            return present;
        }

        private static bool Next(JsonReader r)
        {
            while (r.Read())
                if (r.TokenType != JsonToken.Comment) return true;
            return false;
        }
    }
}
