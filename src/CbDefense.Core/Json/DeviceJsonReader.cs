using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Newtonsoft.Json;

namespace CbDefense.Json
{
    /// <summary>
    /// Streams v3 device JSON into <see cref="Device"/> objects: one pass with a JsonTextReader, a switch on the
    /// property name, no reflection and no JObject. Liberal: numbers as strings and the like are converted; values
    /// of unexpected types go to AdditionalProperties.
    /// </summary>
    internal static class DeviceJsonReader
    {
        private static readonly string[] KnownNames =
        {
            "latestTime", "success", "message", "elapsed", "totalResults", "results", "errorMessage", "deviceInfo",
            "deviceId", "deviceSessionId", "deviceOwnerId", "organizationId", "assignedToId", "policyId", "vdiBaseDevice", "testId",
            "deviceGuid", "email", "assignedToName", "firstName", "lastName", "middleName", "name", "osVersion", "activationCode",
            "organizationName", "policyName", "sensorVersion", "lastInternalIpAddress", "lastExternalIpAddress", "scanStatus",
            "linuxKernelVersion", "avEngine", "deviceType", "targetPriorityType", "windowsPlatform", "lastLocation", "status",
            "quarantined", "rootedBySensor", "rootedByAnalytics", "passiveMode", "avMaster", "avStatus", "sensorStates",
            "avUpdateServers", "messages", "createTime", "registeredTime", "lastContact", "lastReportedTime", "deregisteredTime",
            "uninstalledTime", "activationCodeExpiryTime", "firstVirusActivityTime", "lastVirusActivityTime", "rootedBySensorTime",
            "rootedByAnalyticsTime", "lastResetTime", "lastShutdownTime", "scanLastActionTime", "scanLastCompleteTime", "avLastScanTime",
            // frequent extra fields of real rows
            "adGroupId", "policyOverride", "currentSensorPolicyName", "deviceMetaDataItemList", "vulnSeverity", "vulnScore",
            "lastDevicePolicyRequestedTime", "lastDevicePolicyChangedTime", "lastPolicyUpdatedTime", "loginUserName", "deploymentType",
            "subDeploymentType", "vmName", "vmIp", "vmUuid", "vmMoId", "dataCenterName", "dataCenterMoId", "vcenterName", "vcenterUuid",
            "vcenterMoId", "esxHostName", "esxHostUuid", "esxHostMoId", "clusterName", "clusterMoId", "applianceUuid", "applianceName",
            "cleanupRequestTime", "uninstallCode", "sensorKitType", "macAddress", "sensorOutOfDate", "avProductVersion", "avAveVersion",
            "avPackVersion", "avVdfVersion", "virtualMachine", "virtualizationProvider", "sensorPendingUpdate", "encodedActivationCode",
            "originEventHash", "time",
        };

        /// <summary>The v3 device field names (what a -Filter key may name).</summary>
        internal static IReadOnlyList<string> WireNames => KnownNames;

        private static JsonTextReader CreateReader(Stream s)
        {
            var r = PlainJson.CreateReader(new StreamReader(s, System.Text.Encoding.UTF8, true, 65536));
            r.CloseInput = true;
            // Names are kept as they come (v3 camelCase or v6 snake_case): each is allocated once per reply, not per device.
            r.PropertyNameTable = new PlainJson.NameTable();
            return r;
        }

        /// <summary>Reads a v3 search envelope. Throws JsonException for malformed/truncated JSON.</summary>
        public static List<Device>? ReadPage(Stream s, Session? session, out ReplyEnvelope env)
        {
            var devices = new List<Device>();
            bool present = ReadPage(s, session, devices.Add, out env);
            return present ? devices : null;
        }

        /// <summary>
        /// Reads a v3 search envelope, handing each device of <c>results</c> to <paramref name="onDevice"/> as soon as it
        /// is parsed. Returns false when <c>results</c> is null or absent. Throws JsonException for malformed/truncated JSON
        /// (after the devices before the fault were handed on).
        /// </summary>
        public static bool ReadPage(Stream s, Session? session, Action<Device> onDevice, out ReplyEnvelope env) =>
            ReadPage(s, session, onDevice, DeviceFields.V3, out env);

        /// <summary>
        /// Reads a search reply of either generation (v3 <c>{success, totalResults, results}</c>, devices v6
        /// <c>{results, num_found, search_after}</c>) with that generation's field table.
        /// </summary>
        public static bool ReadPage(Stream s, Session? session, Action<Device> onDevice, Dictionary<string, DeviceFields.Field> fields, out ReplyEnvelope env)
        {
            env = new ReplyEnvelope();
            bool present = false;
            using (var r = CreateReader(s))
            {
                if (!Next(r) || r.TokenType != JsonToken.StartObject)
                    throw new JsonReaderException("The reply is not a JSON object.");
                while (true)
                {
                    if (!Next(r)) throw new JsonReaderException("Unexpected end of JSON.");
                    if (r.TokenType == JsonToken.EndObject) break;
                    string name = (string)r.Value!;
                    if (!Next(r)) throw new JsonReaderException("Unexpected end of JSON.");
                    switch (name)
                    {
                        case "results":
                            if (r.TokenType == JsonToken.Null) { present = false; break; }
                            if (r.TokenType != JsonToken.StartArray) { PlainJson.ReadValue(r); break; }
                            present = true;
                            // Each device's extra fields go in a map sized like the previous device's: no growing, no oversize.
                            int extras = 0;
                            while (true)
                            {
                                if (!Next(r)) throw new JsonReaderException("Unexpected end of JSON inside results.");
                                if (r.TokenType == JsonToken.EndArray) break;
                                if (r.TokenType == JsonToken.StartObject)
                                {
                                    var device = ReadDevice(r, session, fields, extras);
                                    extras = device.AdditionalCount;
                                    onDevice(device);
                                }
                                else PlainJson.ReadValue(r);
                            }
                            break;
                        default:
                            env.Fields[name] = PlainJson.ReadValue(r);
                            break;
                    }
                }
                EnsureEnd(r);
            }
            return present;
        }

        /// <summary>Reads <c>{"deviceInfo": {...}, ...}</c>; returns null when deviceInfo is absent or null.</summary>
        public static Device? ReadSingle(Stream s, Session? session, out ReplyEnvelope env)
        {
            env = new ReplyEnvelope();
            Device? device = null;
            using (var r = CreateReader(s))
            {
                if (!Next(r) || r.TokenType != JsonToken.StartObject)
                    throw new JsonReaderException("The reply is not a JSON object.");
                while (true)
                {
                    if (!Next(r)) throw new JsonReaderException("Unexpected end of JSON.");
                    if (r.TokenType == JsonToken.EndObject) break;
                    string name = (string)r.Value!;
                    if (!Next(r)) throw new JsonReaderException("Unexpected end of JSON.");
                    if (name == "deviceInfo" && r.TokenType == JsonToken.StartObject) device = ReadDevice(r, session);
                    else env.Fields[name] = PlainJson.ReadValue(r);
                }
                EnsureEnd(r);
            }
            return device;
        }

        /// <summary>Reads a reply that is one bare devices v6 object (GET .../devices/{id}).</summary>
        public static Device ReadBareV6(Stream s, Session? session)
        {
            using (var r = CreateReader(s))
            {
                if (!Next(r) || r.TokenType != JsonToken.StartObject) throw new JsonReaderException("The reply is not a JSON object.");
                var d = ReadDevice(r, session, DeviceFields.V6);
                EnsureEnd(r);
                return d;
            }
        }

        /// <summary>Parses one device object from JSON text (for tests and callers holding a string).</summary>
        public static Device ParseDevice(string json, Session? session = null)
        {
            using (var r = PlainJson.CreateReader(new StringReader(json)))
            {
                if (!Next(r) || r.TokenType != JsonToken.StartObject) throw new JsonReaderException("Not a JSON object.");
                var d = ReadDevice(r, session);
                EnsureEnd(r);
                return d;
            }
        }

        private static bool Next(JsonReader r)
        {
            while (r.Read())
                if (r.TokenType != JsonToken.Comment) return true;
            return false;
        }

        private static void EnsureEnd(JsonReader r)
        {
            if (Next(r)) throw new JsonReaderException("Additional content after the JSON value.");
        }

        /// <summary>Reads a v3 device object at the current StartObject token.</summary>
        internal static Device ReadDevice(JsonReader r, Session? session) => ReadDevice(r, session, DeviceFields.V3);


        /// <summary>
        /// Reads the device object at the current StartObject token with a generation's field table: each known field
        /// sets its typed property; a field of an unexpected type, and every field the table does not name, goes to
        /// AdditionalProperties under its wire name (a map made with room for <paramref name="extras"/> fields).
        /// </summary>
        internal static Device ReadDevice(JsonReader r, Session? session, Dictionary<string, DeviceFields.Field> fields, int extras = 0)
        {
            var d = new Device { Session = session };
            while (true)
            {
                if (!Next(r)) throw new JsonReaderException("Unexpected end of JSON inside a device.");
                if (r.TokenType == JsonToken.EndObject)
                {
                    d.MarkAsRead();
                    return d;
                }
                string name = (string)r.Value!;
                if (!Next(r)) throw new JsonReaderException("Unexpected end of JSON inside a device.");
                if (!fields.TryGetValue(name, out var field) || !TrySet(r, d, field, name, extras))
                    d.Additional(extras)[name] = PlainJson.ReadValue(r);
            }
        }

        /// <summary>
        /// Sets the field from the value at the reader's position. A scalar of an unexpected type is left unread (false:
        /// the caller keeps it as plain JSON); a list that is not a list of the field's items is read and kept as plain JSON.
        /// </summary>
        private static bool TrySet(JsonReader r, Device d, DeviceFields.Field field, string name, int extras)
        {
            switch (field.Kind)
            {
                case DeviceFields.Kind.Text:
                    if (!TryString(r, out var text)) return false;
                    field.SetText!(d, text);
                    return true;
                case DeviceFields.Kind.Time:
                    if (!TryEpoch(r, out var time)) return false;
                    field.SetTime!(d, time);
                    return true;
                case DeviceFields.Kind.Long:
                    if (!TryLong(r, out var number)) return false;
                    field.SetLong!(d, number);
                    return true;
                case DeviceFields.Kind.Int:
                    if (!TryLong(r, out var wide) || (wide != null && (wide < int.MinValue || wide > int.MaxValue))) return false;
                    field.SetInt!(d, (int?)wide);
                    return true;
                case DeviceFields.Kind.Flag:
                    if (!TryBool(r, out var flag)) return false;
                    field.SetFlag!(d, flag);
                    return true;
                case DeviceFields.Kind.Strings:
                    if (ReadStrings(r, out var strings, out var plainStrings)) field.SetStrings!(d, strings);
                    else d.Additional(extras)[name] = plainStrings;
                    return true;
                case DeviceFields.Kind.Messages:
                    if (ReadMessages(r, out var messages, out var plainMessages)) field.SetMessages!(d, messages);
                    else d.Additional(extras)[name] = plainMessages;
                    return true;
                default:
                    return false;
            }
        }

        // The Try* helpers look at a scalar token and never advance the reader; on false the caller reads the value as plain JSON.
        internal static bool TryLong(JsonReader r, out long? value)
        {
            value = null;
            switch (r.TokenType)
            {
                case JsonToken.Null: case JsonToken.Undefined: return true;
                case JsonToken.Integer:
                    if (r.Value is long l) { value = l; return true; }
                    try { value = Convert.ToInt64(r.Value, CultureInfo.InvariantCulture); return true; } catch (Exception) { return false; }
                case JsonToken.Float:
                {
                    double dv = Convert.ToDouble(r.Value, CultureInfo.InvariantCulture);
                    if (dv == Math.Floor(dv) && dv >= long.MinValue && dv <= long.MaxValue) { value = (long)dv; return true; }
                    return false;
                }
                case JsonToken.String:
                {
                    string s = ((string)r.Value!).Trim();
                    if (s.Length == 0) return true;
                    if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ls)) { value = ls; return true; }
                    return false;
                }
                default: return false;
            }
        }

        internal static bool TryString(JsonReader r, out string? value)
        {
            value = null;
            switch (r.TokenType)
            {
                case JsonToken.Null: case JsonToken.Undefined: return true;
                case JsonToken.String: value = (string)r.Value!; return true;
                case JsonToken.Integer: value = Convert.ToString(r.Value, CultureInfo.InvariantCulture); return true;
                case JsonToken.Float: value = r.Value is double dv ? dv.ToString("R", CultureInfo.InvariantCulture) : Convert.ToString(r.Value, CultureInfo.InvariantCulture); return true;
                case JsonToken.Boolean: value = (bool)r.Value! ? "true" : "false"; return true;
                default: return false;
            }
        }

        internal static bool TryBool(JsonReader r, out bool? value)
        {
            value = null;
            switch (r.TokenType)
            {
                case JsonToken.Null: case JsonToken.Undefined: return true;
                case JsonToken.Boolean: value = (bool)r.Value!; return true;
                case JsonToken.Integer:
                {
                    long l = Convert.ToInt64(r.Value, CultureInfo.InvariantCulture);
                    if (l == 0 || l == 1) { value = l == 1; return true; }
                    return false;
                }
                case JsonToken.String:
                {
                    string s = (string)r.Value!;
                    if (s.Trim().Length == 0) return true;
                    if (FieldReader.TryParseBoolText(s, out var b)) { value = b; return true; }
                    return false;
                }
                default: return false;
            }
        }

        /// <summary>A time as FieldReader reads every model's times: epoch milliseconds (number or text) or ISO 8601; 0 is "never".</summary>
        internal static bool TryEpoch(JsonReader r, out DateTime? value)
        {
            value = null;
            switch (r.TokenType)
            {
                case JsonToken.Null: case JsonToken.Undefined: return true;
                case JsonToken.Integer: case JsonToken.Float: case JsonToken.String:
                    return FieldReader.TryTime(r.Value is decimal dec ? (double)dec : r.Value!, out value, out _);
                default: return false;
            }
        }

        /// <summary>
        /// Reads a value expected to be a list of strings (a lone string is a list of one; numbers and booleans become
        /// their text). False: it was something else, and <paramref name="plain"/> is the whole value as plain JSON.
        /// </summary>
        internal static bool ReadStrings(JsonReader r, out ValueList<string>? list, out object? plain)
        {
            list = null;
            plain = null;
            switch (r.TokenType)
            {
                case JsonToken.Null: case JsonToken.Undefined: return true;
                case JsonToken.String: list = new ValueList<string> { (string)r.Value! }; return true;
                case JsonToken.StartArray: break;
                default: plain = PlainJson.ReadValue(r); return false;
            }
            var items = new ValueList<string>();
            // The items as read, kept from the first one that is not a string on (so a fallback gives the exact JSON).
            PlainList? raw = null;
            while (true)
            {
                if (!Next(r)) throw new JsonReaderException("Unexpected end of JSON inside an array.");
                if (r.TokenType == JsonToken.EndArray)
                {
                    list = items;
                    return true;
                }
                if (r.TokenType == JsonToken.String)
                {
                    var s = (string)r.Value!;
                    items.Add(s);
                    raw?.Add(s);
                    continue;
                }
                var v = PlainJson.ReadValue(r);
                if (raw == null) raw = new PlainList(items);
                raw.Add(v);
                if (v == null) items.Add(null!);
                else if (v is string text) items.Add(text);
                else if (v is long || v is double || v is bool) items.Add(Convert.ToString(v, CultureInfo.InvariantCulture)!);
                else
                {
                    // Not a list of strings: the rest of the array as plain JSON too.
                    while (true)
                    {
                        if (!Next(r)) throw new JsonReaderException("Unexpected end of JSON inside an array.");
                        if (r.TokenType == JsonToken.EndArray) break;
                        raw.Add(PlainJson.ReadValue(r));
                    }
                    plain = raw;
                    return false;
                }
            }
        }

        /// <summary>
        /// Reads a value expected to be a list of v3 device messages. False: it was something else, and
        /// <paramref name="plain"/> is the whole value as plain JSON.
        /// </summary>
        internal static bool ReadMessages(JsonReader r, out ValueList<DeviceMessage>? messages, out object? plain)
        {
            messages = null;
            plain = null;
            if (r.TokenType == JsonToken.Null) return true;
            plain = PlainJson.ReadValue(r);
            if (!(plain is List<object?> list)) return false;
            var a = new ValueList<DeviceMessage>(list.Count);
            foreach (var item in list)
            {
                if (!(item is Dictionary<string, object?> m)) return false;
                var dm = new DeviceMessage();
                if (m.TryGetValue("message", out var mv)) dm.Message = mv as string ?? (mv == null ? null : Convert.ToString(mv, CultureInfo.InvariantCulture));
                if (m.TryGetValue("time", out var tv) && tv != null)
                {
                    if (!FieldReader.TryTime(tv, out var t, out _)) return false;
                    dm.TimeUtc = t;
                }
                a.Add(dm);
            }
            messages = a;
            plain = null;
            return true;
        }
    }
}
