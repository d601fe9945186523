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
            env = new ReplyEnvelope();
            List<T>? items = null;
            using (var r = PlainJson.CreateReader(new StreamReader(s, System.Text.Encoding.UTF8, true, 65536)))
            {
                r.CloseInput = true;
                if (!Next(r) || r.TokenType != JsonToken.StartObject) throw new JsonReaderException("The reply is not a JSON object.");
                while (true)
                {
                    if (!Next(r)) throw new JsonReaderException("Unexpected end of JSON.");
                    if (r.TokenType == JsonToken.EndObject) break;
                    string name = (string)r.Value!;
                    if (!Next(r)) throw new JsonReaderException("Unexpected end of JSON.");
                    if (name == itemsKey && r.TokenType == JsonToken.StartArray)
                    {
                        items = new List<T>();
                        while (true)
                        {
                            if (!Next(r)) throw new JsonReaderException("Unexpected end of JSON inside " + itemsKey + ".");
                            if (r.TokenType == JsonToken.EndArray) break;
                            var v = PlainJson.ReadValue(r);
                            if (v is Dictionary<string, object?> d) items.Add(map(d));
                        }
                    }
                    else if (name == itemsKey && r.TokenType == JsonToken.Null)
                    {
                        items = null;
                    }
                    else env.Fields[name] = PlainJson.ReadValue(r);
                }
                if (Next(r)) throw new JsonReaderException("Additional content after the JSON value.");
            }
            return items;
        }

        private static bool Next(JsonReader r)
        {
            while (r.Read())
                if (r.TokenType != JsonToken.Comment) return true;
            return false;
        }
    }
}
