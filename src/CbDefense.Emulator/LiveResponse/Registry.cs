using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace CbDefense.Emulator.LiveResponse;

internal sealed class RegValue
{
    public RegValue(string name, string type, object data)
    {
        Name = name;
        Type = type;
        Data = data;
    }

    public string Name;
    public string Type;
    /// <summary>string (REG_SZ, REG_EXPAND_SZ), ulong (REG_DWORD, REG_QWORD), string[] (REG_MULTI_SZ), byte[] (REG_BINARY).</summary>
    public object Data;

    /// <summary>value_data as the sensor reports it: strings, numbers, an array of strings, or hex text for REG_BINARY.</summary>
    public void WriteData(Utf8JsonWriter w, string property)
    {
        switch (Data)
        {
            case string s:
                w.WriteString(property, s);
                break;
            case ulong u:
                w.WriteNumber(property, u);
                break;
            case string[] arr:
                w.WriteStartArray(property);
                foreach (var a in arr)
                {
                    w.WriteStringValue(a);
                }
                w.WriteEndArray();
                break;
            case byte[] b:
                w.WriteString(property, Convert.ToHexStringLower(b));
                break;
            default:
                w.WriteNull(property);
                break;
        }
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        WriteData(w, "value_data");
        w.WriteString("value_name", Name);
        w.WriteString("value_type", Type);
        w.WriteEndObject();
    }

    public RegValue Clone() => new(Name, Type, Data);
}

internal sealed class RegKey
{
    public RegKey(string name, RegKey? parent)
    {
        Name = name;
        Parent = parent;
    }

    public string Name;
    public RegKey? Parent;
    public readonly SortedDictionary<string, RegKey> SubKeys = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>In creation order, as RegEnumValue returns them.</summary>
    public readonly List<RegValue> Values = new();
    /// <summary>Tamper-protected (the sensor's own keys): changes → ERROR_ACCESS_DENIED.</summary>
    public bool Protected;

    public RegValue? Value(string name) => Values.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase));

    public RegKey Sub(string name)
    {
        if (!SubKeys.TryGetValue(name, out var k))
        {
            k = new RegKey(name, this) { Protected = Protected };
            SubKeys[name] = k;
        }
        return k;
    }

    public RegKey Set(string name, string type, object data)
    {
        var v = Value(name);
        if (v == null)
        {
            Values.Add(new RegValue(name, type, data));
        }
        else
        {
            v.Type = type;
            v.Data = data;
        }
        return this;
    }
}

/// <summary>A device's registry: the five predefined keys, addressed by their long or short names.</summary>
internal sealed class VRegistry
{
    public static readonly string[] Types = { "REG_SZ", "REG_EXPAND_SZ", "REG_MULTI_SZ", "REG_DWORD", "REG_QWORD", "REG_BINARY" };

    private static readonly (string Long, string Short)[] Hives =
    {
        ("HKEY_LOCAL_MACHINE", "HKLM"),
        ("HKEY_CURRENT_USER", "HKCU"),
        ("HKEY_USERS", "HKU"),
        ("HKEY_CLASSES_ROOT", "HKCR"),
        ("HKEY_CURRENT_CONFIG", "HKCC"),
    };

    public readonly Dictionary<string, RegKey> Roots = new(StringComparer.OrdinalIgnoreCase);

    public VRegistry()
    {
        foreach (var (l, s) in Hives)
        {
            var k = new RegKey(s, null);
            Roots[l] = k;
            Roots[s] = k;
        }
    }

    /// <summary>Splits <c>HKLM\A\B</c> into the hive and the key names; null if the hive is unknown.</summary>
    public (RegKey Root, List<string> Names)? Split(string path)
    {
        var parts = path.Replace('/', '\\').Split('\\', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (parts.Count == 0 || !Roots.TryGetValue(parts[0], out var root))
        {
            return null;
        }
        parts.RemoveAt(0);
        return (root, parts);
    }

    public RegKey? Find(RegKey root, IEnumerable<string> names)
    {
        RegKey? k = root;
        foreach (string n in names)
        {
            if (k == null || !k.SubKeys.TryGetValue(n, out k))
            {
                return null;
            }
        }
        return k;
    }

    public RegKey? Find(string path)
    {
        var sp = Split(path);
        return sp == null ? null : Find(sp.Value.Root, sp.Value.Names);
    }

    /// <summary>Seeding helper: the key at <paramref name="path"/>, made if missing.</summary>
    public RegKey Key(string path)
    {
        var sp = Split(path) ?? throw new ArgumentException("bad hive in " + path);
        var k = sp.Root;
        foreach (var n in sp.Names)
        {
            k = k.Sub(n);
        }
        return k;
    }

    public string PathOf(RegKey k)
    {
        var names = new List<string>();
        for (var n = k; n != null; n = n.Parent)
        {
            names.Add(n.Name);
        }
        names.Reverse();
        return string.Join('\\', names);
    }

    /// <summary>Converts a request's value_data to the stored form of <paramref name="type"/>; null + message if it
    /// does not fit (REG_DWORD takes 0..4294967295 or -2147483648..-1, as a number or a decimal/0x-hex string).</summary>
    public static object? Convert(string type, JsonElement data, out string? error)
    {
        error = null;
        switch (type)
        {
            case "REG_SZ":
            case "REG_EXPAND_SZ":
                if (data.ValueKind == JsonValueKind.String)
                {
                    return data.GetString()!;
                }
                if (data.ValueKind == JsonValueKind.Number)
                {
                    return data.GetRawText();
                }
                error = type + " value_data must be a string";
                return null;
            case "REG_MULTI_SZ":
                if (data.ValueKind == JsonValueKind.Array && data.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
                {
                    return data.EnumerateArray().Select(e => e.GetString()!).ToArray();
                }
                if (data.ValueKind == JsonValueKind.String)
                {
                    return new[] { data.GetString()! };
                }
                error = "REG_MULTI_SZ value_data must be an array of strings";
                return null;
            case "REG_DWORD":
            case "REG_QWORD":
                bool dword = type == "REG_DWORD";
                if (TryNumber(data, dword, out ulong u))
                {
                    return u;
                }
                error = type + " value_data must be an integer that fits " + (dword ? "32" : "64") + " bits (a JSON number, or a decimal or 0x-hex string)";
                return null;
            case "REG_BINARY":
                if (data.ValueKind == JsonValueKind.String)
                {
                    string hex = new string(data.GetString()!.Where(c => !char.IsWhiteSpace(c) && c != '-' && c != ',').ToArray());
                    if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
                    {
                        hex = hex[2..];
                    }
                    if (hex.Length % 2 == 0 && hex.All(char.IsAsciiHexDigit))
                    {
                        return System.Convert.FromHexString(hex);
                    }
                }
                else if (data.ValueKind == JsonValueKind.Array)
                {
                    var bytes = new List<byte>();
                    foreach (var e in data.EnumerateArray())
                    {
                        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out int b) || b < 0 || b > 255)
                        {
                            bytes = null;
                            break;
                        }
                        bytes.Add((byte)b);
                    }
                    if (bytes != null)
                    {
                        return bytes.ToArray();
                    }
                }
                error = "REG_BINARY value_data must be a hex string (\"0a1bff\") or an array of byte values";
                return null;
            default:
                error = "unknown value_type '" + type + "'";
                return null;
        }
    }

    private static bool TryNumber(JsonElement data, bool dword, out ulong value)
    {
        value = 0;
        long min = dword ? int.MinValue : long.MinValue;
        ulong max = dword ? uint.MaxValue : ulong.MaxValue;
        if (data.ValueKind == JsonValueKind.Number)
        {
            if (data.TryGetUInt64(out ulong u) && u <= max)
            {
                value = u;
                return true;
            }
            if (data.TryGetInt64(out long l) && l < 0 && l >= min)
            {
                value = dword ? (uint)(int)l : (ulong)l;
                return true;
            }
            return false;
        }
        if (data.ValueKind == JsonValueKind.String)
        {
            string s = data.GetString()!.Trim();
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                if (ulong.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong h) && h <= max)
                {
                    value = h;
                    return true;
                }
                return false;
            }
            if (ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong d) && d <= max)
            {
                value = d;
                return true;
            }
            if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) && n < 0 && n >= min)
            {
                value = dword ? (uint)(int)n : (ulong)n;
                return true;
            }
        }
        return false;
    }
}
