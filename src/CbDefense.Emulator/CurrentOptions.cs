using System;
using System.Globalization;
using System.Text.Json;

namespace CbDefense.Emulator;

/// <summary>Settings of the current generation's alerts, jobs and observations (the command line's --alerts,
/// --alert-*, --job-seconds, --observation-job-ms; a reset may replace them until the next reset).</summary>
internal sealed class CurrentOptions
{
    /// <summary>Seeded alerts; null: max(10, events / 10), what the emulator always seeded.</summary>
    public int? Alerts { get; set; }
    /// <summary>New alerts per minute (made lazily, on the schedule the rate gives, from the start or last reset).</summary>
    public double AlertRate { get; set; }
    /// <summary>The most a late alert waits between its backend_timestamp and becoming searchable (0: none is late).</summary>
    public int AlertIndexDelayMs { get; set; }
    /// <summary>Share of new alerts that are indexed late (when AlertIndexDelayMs is more than 0).</summary>
    public double AlertLateShare { get; set; } = 0.2;
    /// <summary>How long an alert workflow job takes from CREATED to COMPLETED.</summary>
    public double JobSeconds { get; set; } = 3;
    /// <summary>How long an observation search job takes until completed == contacted.</summary>
    public int ObservationJobMs { get; set; } = 1000;

    public CurrentOptions Clone() => (CurrentOptions)MemberwiseClone();

    public int EffectiveAlerts(int events) => Alerts ?? Math.Max(10, events / 10);

    public static readonly string[] ResetNames = { "alerts", "alertRate", "alertIndexDelayMs", "alertLateShare", "jobSeconds", "observationJobMs" };

    /// <summary>Sets one option from the command line; false if the option is not one of these.</summary>
    public bool TrySetFromArg(string option, string value)
    {
        switch (option)
        {
            case "--alerts": Alerts = Int(option, value, 0, 5_000_000); return true;
            case "--alert-rate": AlertRate = Dbl(option, value, 0, 1_000_000); return true;
            case "--alert-index-delay-ms": AlertIndexDelayMs = Int(option, value, 0, 86_400_000); return true;
            case "--alert-late-share": AlertLateShare = Dbl(option, value, 0, 1); return true;
            case "--job-seconds": JobSeconds = Dbl(option, value, 0, 86_400); return true;
            case "--observation-job-ms": ObservationJobMs = Int(option, value, 0, 3_600_000); return true;
            default: return false;
        }
    }

    /// <summary>Applies one field of a reset body; false if <paramref name="name"/> is not one of <see cref="ResetNames"/>;
    /// throws FormatException with a message naming the field.</summary>
    public bool TryApply(string name, JsonElement v)
    {
        switch (name)
        {
            case "alerts":
                Alerts = v.ValueKind == JsonValueKind.Null ? null : GetInt(name, v, 0, 5_000_000);
                return true;
            case "alertRate": AlertRate = GetDbl(name, v, 0, 1_000_000); return true;
            case "alertIndexDelayMs": AlertIndexDelayMs = GetInt(name, v, 0, 86_400_000); return true;
            case "alertLateShare": AlertLateShare = GetDbl(name, v, 0, 1); return true;
            case "jobSeconds": JobSeconds = GetDbl(name, v, 0, 86_400); return true;
            case "observationJobMs": ObservationJobMs = GetInt(name, v, 0, 3_600_000); return true;
            default: return false;
        }
    }

    public void WriteFields(Utf8JsonWriter w, int events)
    {
        w.WriteNumber("alertsSeeded", EffectiveAlerts(events));
        w.WriteNumber("alertRate", AlertRate);
        w.WriteNumber("alertIndexDelayMs", AlertIndexDelayMs);
        w.WriteNumber("alertLateShare", AlertLateShare);
        w.WriteNumber("jobSeconds", JobSeconds);
        w.WriteNumber("observationJobMs", ObservationJobMs);
    }

    private static int GetInt(string name, JsonElement v, int min, int max)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int n) || n < min || n > max)
        {
            throw new FormatException(name + " must be an integer between " + min.ToString(CultureInfo.InvariantCulture) + " and " + max.ToString(CultureInfo.InvariantCulture));
        }
        return n;
    }

    private static double GetDbl(string name, JsonElement v, double min, double max)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double n) || n < min || n > max)
        {
            throw new FormatException(name + " must be a number between " + min.ToString(CultureInfo.InvariantCulture) + " and " + max.ToString(CultureInfo.InvariantCulture));
        }
        return n;
    }

    private static int Int(string name, string v, int min, int max)
    {
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
        {
            throw new ArgumentException($"{name}: '{v}' is not an integer between {min} and {max}");
        }
        return n;
    }

    private static double Dbl(string name, string v, double min, double max)
    {
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) || n < min || n > max || double.IsNaN(n))
        {
            throw new ArgumentException($"{name}: '{v}' is not a number between {min} and {max}");
        }
        return n;
    }
}
