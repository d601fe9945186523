using System;
using System.Globalization;
using System.Text.Json;

namespace CbDefense.Emulator.LiveResponse;

/// <summary>The Live Response simulator's settings (--lr-* options; a reset may replace them).</summary>
internal sealed class LrOptions
{
    /// <summary>PENDING → ACTIVE after this long (the sensor checking in).</summary>
    public int SessionDelayMs { get; set; } = 500;
    /// <summary>How long a command takes on the sensor (memdump and waited processes take longer).</summary>
    public int CommandDelayMs { get; set; } = 200;
    /// <summary>An open session without activity (keepalive or any request on it) for this long is closed;
    /// reported as session_timeout and check_in_timeout.</summary>
    public int SessionTimeoutSec { get; set; } = 900;
    /// <summary>Open (PENDING or ACTIVE) sessions allowed per org.</summary>
    public int SessionCap { get; set; } = 10;
    /// <summary>Size of the generated C:\TEMP\large.bin (/tmp/large.bin on Unix).</summary>
    public int LargeFileMb { get; set; } = 64;
    /// <summary>Size of a memory dump file.</summary>
    public int MemdumpMb { get; set; } = 8;
    /// <summary>How long a memdump command runs.</summary>
    public int MemdumpMs { get; set; } = 2000;
    /// <summary>How long a v6 storage URL (the 302 target of a file download) stays valid.</summary>
    public int StorageTtlSec { get; set; } = 300;
    /// <summary>v6 command status case: upper (PENDING, COMPLETE, ERROR, CANCELLED; the SDK's fixtures) or lower.</summary>
    public string V6StatusCase { get; set; } = "upper";

    public LrOptions Clone() => (LrOptions)MemberwiseClone();

    public static readonly string[] Names =
    {
        "sessionDelayMs", "commandDelayMs", "sessionTimeoutSec", "sessionCap", "largeFileMb", "memdumpMb", "memdumpMs",
        "storageTtlSec", "v6StatusCase",
    };

    /// <summary>Sets one option from the command line (<c>--lr-session-delay-ms</c> → name "session-delay-ms").</summary>
    public bool TrySetFromArg(string option, string value)
    {
        switch (option)
        {
            case "--lr-session-delay-ms": SessionDelayMs = Int(option, value, 0, 3_600_000); return true;
            case "--lr-command-delay-ms": CommandDelayMs = Int(option, value, 0, 3_600_000); return true;
            case "--lr-session-timeout-sec": SessionTimeoutSec = Int(option, value, 1, 86_400); return true;
            case "--lr-session-cap": SessionCap = Int(option, value, 0, 100_000); return true;
            case "--lr-large-file-mb": LargeFileMb = Int(option, value, 0, 65_536); return true;
            case "--lr-memdump-mb": MemdumpMb = Int(option, value, 0, 4096); return true;
            case "--lr-memdump-ms": MemdumpMs = Int(option, value, 0, 3_600_000); return true;
            case "--lr-storage-ttl-sec": StorageTtlSec = Int(option, value, 1, 86_400); return true;
            case "--lr-v6-status-case": V6StatusCase = Case(option, value); return true;
            default: return false;
        }
    }

    /// <summary>Applies a reset's <c>"liveResponse": {...}</c> object; throws FormatException naming the field.</summary>
    public void Apply(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("liveResponse must be an object with any of: " + string.Join(", ", Names));
        }
        foreach (var p in e.EnumerateObject())
        {
            int Get(int min, int max)
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int n) || n < min || n > max)
                {
                    throw new FormatException("liveResponse." + p.Name + " must be an integer between " + min.ToString(CultureInfo.InvariantCulture) + " and " + max.ToString(CultureInfo.InvariantCulture));
                }
                return n;
            }
            switch (p.Name)
            {
                case "sessionDelayMs": SessionDelayMs = Get(0, 3_600_000); break;
                case "commandDelayMs": CommandDelayMs = Get(0, 3_600_000); break;
                case "sessionTimeoutSec": SessionTimeoutSec = Get(1, 86_400); break;
                case "sessionCap": SessionCap = Get(0, 100_000); break;
                case "largeFileMb": LargeFileMb = Get(0, 65_536); break;
                case "memdumpMb": MemdumpMb = Get(0, 4096); break;
                case "memdumpMs": MemdumpMs = Get(0, 3_600_000); break;
                case "storageTtlSec": StorageTtlSec = Get(1, 86_400); break;
                case "v6StatusCase":
                    if (p.Value.ValueKind != JsonValueKind.String)
                    {
                        throw new FormatException("liveResponse.v6StatusCase must be \"upper\" or \"lower\"");
                    }
                    V6StatusCase = Case("liveResponse.v6StatusCase", p.Value.GetString()!);
                    break;
                default:
                    throw new FormatException("unknown liveResponse field '" + p.Name + "' (allowed: " + string.Join(", ", Names) + ")");
            }
        }
    }

    public void WriteTo(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("sessionDelayMs", SessionDelayMs);
        w.WriteNumber("commandDelayMs", CommandDelayMs);
        w.WriteNumber("sessionTimeoutSec", SessionTimeoutSec);
        w.WriteNumber("sessionCap", SessionCap);
        w.WriteNumber("largeFileMb", LargeFileMb);
        w.WriteNumber("memdumpMb", MemdumpMb);
        w.WriteNumber("memdumpMs", MemdumpMs);
        w.WriteNumber("storageTtlSec", StorageTtlSec);
        w.WriteString("v6StatusCase", V6StatusCase);
        w.WriteEndObject();
    }

    private static int Int(string name, string v, int min, int max)
    {
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
        {
            throw new ArgumentException($"{name}: '{v}' is not an integer between {min} and {max}");
        }
        return n;
    }

    private static string Case(string name, string v)
    {
        string c = v.Trim().ToLowerInvariant();
        if (c != "upper" && c != "lower")
        {
            throw (name.StartsWith("--", StringComparison.Ordinal) ? new ArgumentException($"{name}: '{v}' is not upper or lower") : new FormatException(name + " must be \"upper\" or \"lower\""));
        }
        return c;
    }
}
