using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CbDefense.Emulator;

internal sealed record ApiKey(string Type, string Secret, string Id)
{
    public string Token => Secret + "/" + Id;

    public static ApiKey Parse(string spec)
    {
        int colon = spec.IndexOf(':');
        if (colon <= 0)
        {
            throw new ArgumentException($"--key '{spec}': expected TYPE:SECRET/ID");
        }
        string type = spec[..colon].Trim().ToUpperInvariant();
        if (type == "LIVERESPONSE" || type == "LR")
        {
            type = "LIVE_RESPONSE";
        }
        if (type != "API" && type != "SIEM" && type != "LIVE_RESPONSE" && type != "CUSTOM")
        {
            throw new ArgumentException($"--key '{spec}': TYPE must be API, SIEM, LIVE_RESPONSE or CUSTOM");
        }
        string token = spec[(colon + 1)..];
        int slash = token.LastIndexOf('/');
        if (slash <= 0 || slash == token.Length - 1)
        {
            throw new ArgumentException($"--key '{spec}': expected TYPE:SECRET/ID");
        }
        return new ApiKey(type, token[..slash], token[(slash + 1)..]);
    }

    /// <summary>API, SIEM and LIVE_RESPONSE: the access levels the real cloud deactivated (2024/2025).</summary>
    public bool IsLegacy => Type != "CUSTOM";
}

/// <summary>Which API generations the emulator serves (<c>--api</c>).</summary>
internal static class ApiModes
{
    public const string Legacy = "legacy";
    public const string Current = "current";
    public const string Both = "both";

    public static readonly string[] All = { Legacy, Current, Both };

    /// <summary>The canonical (lower-case) mode, or null if <paramref name="value"/> is not one.</summary>
    public static string? Normalize(string? value)
    {
        string v = (value ?? "").Trim().ToLowerInvariant();
        return Array.IndexOf(All, v) >= 0 ? v : null;
    }
}

internal sealed class EmulatorOptions
{
    public int Port { get; set; }
    public int Devices { get; set; } = 50;
    public int Events { get; set; } = 500;
    public long Seed { get; set; } = 1;
    public string OrgKey { get; set; } = "EMUORG01";
    public List<ApiKey> Keys { get; } = new();
    public double NotificationRate { get; set; }
    public int Notifications { get; set; } = 10;
    public double WorkflowSeconds { get; set; } = 3;
    public List<FaultRule> Faults { get; } = new();
    public int? ParentPid { get; set; }
    public bool Quiet { get; set; }
    public bool Help { get; set; }
    /// <summary>Serve HTTPS with a self-signed certificate for 127.0.0.1/localhost made at start.</summary>
    public bool Https { get; set; }
    /// <summary>With --https: write the certificate (PEM, public part) here so clients can trust or pin it.</summary>
    public string? CertificateOut { get; set; }
    /// <summary>legacy, current or both (see <see cref="ApiModes"/>).</summary>
    public string Api { get; set; } = ApiModes.Both;
    /// <summary>What /integrationServices routes answer in current mode: 410 (default) or 404.</summary>
    public int GoneStatus { get; set; } = 410;
    /// <summary>The Live Response simulator's settings (--lr-*).</summary>
    public LiveResponse.LrOptions Lr { get; } = new();
    /// <summary>Alerts v7, jobs and observations (--alerts, --alert-*, --job-seconds, --observation-job-ms).</summary>
    public CurrentOptions Current { get; } = new();

    public static readonly ApiKey[] DefaultKeys =
    {
        new("API", "EMUAPISECRETKEY0000000001", "EMUAPI0001"),
        new("SIEM", "EMUSIEMSECRETKEY00000001", "EMUSIEM001"),
        new("LIVE_RESPONSE", "EMULRSECRETKEY0000000001", "EMULR00001"),
        new("CUSTOM", "EMUCUSTOMSECRETKEY0000001", "EMUCUST001"),
    };

    public IReadOnlyList<ApiKey> EffectiveKeys => Keys.Count > 0 ? Keys : DefaultKeys;

    public const string HelpText = """
        CbDefense.Emulator: a local CB Defense (Endpoint Standard) server on 127.0.0.1 (see docs/emulator.md).

        Options:
          --port N                 TCP port; 0 picks a free one (default 0)
          --devices N              number of seeded devices (default 50)
          --events N               number of seeded events, spread over the last 14 days (default 500)
          --seed S                 seed for the generated data (default 1)
          --org-key K              org key required in /appservices/v6/orgs/{org_key}/... (default EMUORG01)
          --key TYPE:SECRET/ID     accepted API key, repeatable; TYPE is API, SIEM, LIVE_RESPONSE or CUSTOM
          --api MODE               API generations served: legacy (v3), current (devices v6, policy service v1,
                                   alerts v7, jobs, audit log v1, observations, Live Response v6) or both
                                   (default both); with current, /integrationServices answers 410 Gone
          --gone-status N          what /integrationServices answers with --api current: 410 (default) or 404
          --notification-rate N    notifications queued per minute (default 0)
          --notifications N        notifications queued at start (default 10)
          --workflow-seconds S     time a threat workflow takes from QUEUED to FINISHED (default 3)
          --alerts N               number of seeded alerts (default max(10, events / 10))
          --alert-rate N           new alerts per minute (default 0)
          --alert-index-delay-ms N the longest a late alert waits between its backend_timestamp and becoming
                                   searchable (default 0: no alert is late)
          --alert-late-share F     share of new alerts indexed late, 0 to 1 (default 0.2)
          --job-seconds S          time an alert workflow job takes from CREATED to COMPLETED (default 3)
          --observation-job-ms N   time an observation search job takes to complete (default 1000)
          --fault SPEC             fault rule, repeatable: KIND[:key=value[,key=value...]]
          --lr-session-delay-ms N  Live Response: PENDING -> ACTIVE after N ms (default 500)
          --lr-command-delay-ms N  Live Response: a command completes after N ms (default 200)
          --lr-session-timeout-sec N  Live Response: idle sessions close after N s (default 900)
          --lr-session-cap N       Live Response: open sessions allowed per org (default 10)
          --lr-large-file-mb N     Live Response: size of C:\TEMP\large.bin and /tmp/large.bin (default 64)
          --lr-memdump-mb N        Live Response: size of a memory dump (default 8)
          --lr-memdump-ms N        Live Response: how long a memdump runs (default 2000)
          --lr-storage-ttl-sec N   Live Response: validity of a v6 download's storage URL (default 300)
          --lr-v6-status-case C    Live Response: v6 command status case, upper (default) or lower
          --parent-pid PID         exit when that process exits
          --quiet                  no per-request console log
          --https                  serve HTTPS with a self-signed certificate for 127.0.0.1 and localhost
          --certificate-out FILE   with --https: write that certificate (PEM) to FILE, to trust or pin it
          --help                   this text
        """;

    public static EmulatorOptions Parse(string[] args)
    {
        var o = new EmulatorOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string? inline = null;
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Contains('='))
            {
                int eq = a.IndexOf('=');
                inline = a[(eq + 1)..];
                a = a[..eq];
            }
            string Value()
            {
                if (inline != null)
                {
                    return inline;
                }
                if (i + 1 >= args.Length)
                {
                    throw new ArgumentException($"{a} needs a value");
                }
                return args[++i];
            }
            switch (a.ToLowerInvariant())
            {
                case "--port": o.Port = ParseInt(a, Value(), 0, 65535); break;
                case "--devices": o.Devices = ParseInt(a, Value(), 0, 10_000_000); break;
                case "--events": o.Events = ParseInt(a, Value(), 0, 10_000_000); break;
                case "--seed": o.Seed = Rng.SeedFromString(Value()); break;
                case "--org-key":
                    o.OrgKey = Value();
                    if (o.OrgKey.Length == 0)
                    {
                        throw new ArgumentException("--org-key must not be empty");
                    }
                    break;
                case "--key": o.Keys.Add(ApiKey.Parse(Value())); break;
                case "--api":
                    string api = Value();
                    o.Api = ApiModes.Normalize(api) ?? throw new ArgumentException($"--api: '{api}' is not one of {string.Join(", ", ApiModes.All)}");
                    break;
                case "--gone-status":
                    string gs = Value();
                    o.GoneStatus = gs.Trim() switch
                    {
                        "410" => 410,
                        "404" => 404,
                        _ => throw new ArgumentException($"--gone-status: '{gs}' is not 410 or 404"),
                    };
                    break;
                case "--notification-rate": o.NotificationRate = ParseDouble(a, Value(), 0, 1_000_000); break;
                case "--notifications": o.Notifications = ParseInt(a, Value(), 0, 1_000_000); break;
                case "--workflow-seconds": o.WorkflowSeconds = ParseDouble(a, Value(), 0, 86_400); break;
                case "--fault": o.Faults.Add(FaultRule.FromSpec(Value())); break;
                case "--parent-pid": o.ParentPid = ParseInt(a, Value(), 1, int.MaxValue); break;
                case "--quiet": o.Quiet = true; break;
                case "--https": o.Https = true; break;
                case "--certificate-out": o.CertificateOut = Value(); break;
                case "--alerts":
                case "--alert-rate":
                case "--alert-index-delay-ms":
                case "--alert-late-share":
                case "--job-seconds":
                case "--observation-job-ms":
                    o.Current.TrySetFromArg(a.ToLowerInvariant(), Value());
                    break;
                case string lr when lr.StartsWith("--lr-", StringComparison.Ordinal):
                    if (!o.Lr.TrySetFromArg(lr, Value()))
                    {
                        throw new ArgumentException($"Unknown option '{args[i]}' (try --help)");
                    }
                    break;
                case "--help":
                case "-h":
                case "-?":
                case "/?": o.Help = true; break;
                default: throw new ArgumentException($"Unknown option '{args[i]}' (try --help)");
            }
        }
        return o;
    }

    private static int ParseInt(string name, string v, int min, int max)
    {
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
        {
            throw new ArgumentException($"{name}: '{v}' is not an integer between {min} and {max}");
        }
        return n;
    }

    private static double ParseDouble(string name, string v, double min, double max)
    {
        if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) || n < min || n > max || double.IsNaN(n))
        {
            throw new ArgumentException($"{name}: '{v}' is not a number between {min} and {max}");
        }
        return n;
    }
}

/// <summary>One fault rule (see docs/emulator.md, Faults).</summary>
internal sealed class FaultRule
{
    public static readonly string[] Kinds = { "status", "throttle", "latency", "reset", "drop", "malformed", "truncated", "html" };

    public string Kind { get; set; } = "status";
    public double Rate { get; set; } = 1;
    public int? Count { get; set; }
    public int? Remaining { get; set; }
    public string? Path { get; set; }
    public string? Method { get; set; }
    public int Status { get; set; } = 500;
    public int RetryAfter { get; set; } = 1;
    public bool Window { get; set; }
    public int LatencyMs { get; set; } = 1000;
    public int Fired { get; set; }

    public FaultRule Clone()
    {
        var c = (FaultRule)MemberwiseClone();
        c.Remaining = c.Count;
        c.Fired = 0;
        return c;
    }

    private void Validate()
    {
        if (Array.IndexOf(Kinds, Kind) < 0)
        {
            throw new FormatException($"unknown fault kind '{Kind}'; allowed: {string.Join(", ", Kinds)}");
        }
        if (Rate < 0 || Rate > 1 || double.IsNaN(Rate))
        {
            throw new FormatException("rate must be between 0 and 1");
        }
        if (Count is < 0)
        {
            throw new FormatException("count must be 0 or more");
        }
        if (Status < 100 || Status > 599)
        {
            throw new FormatException("status must be an HTTP status between 100 and 599");
        }
        if (RetryAfter < 0)
        {
            throw new FormatException("retryAfter must be 0 or more");
        }
        if (LatencyMs < 0)
        {
            throw new FormatException("latencyMs must be 0 or more");
        }
        Remaining = Count;
    }

    private void Set(string key, string value)
    {
        var inv = CultureInfo.InvariantCulture;
        switch (key.Trim().ToLowerInvariant())
        {
            case "kind": Kind = value.Trim().ToLowerInvariant(); break;
            case "rate": Rate = double.Parse(value, NumberStyles.Float, inv); break;
            case "count": Count = int.Parse(value, NumberStyles.Integer, inv); break;
            case "path": Path = value; break;
            case "method": Method = value.Trim().ToUpperInvariant(); break;
            case "status": Status = int.Parse(value, NumberStyles.Integer, inv); break;
            case "retryafter": RetryAfter = int.Parse(value, NumberStyles.Integer, inv); break;
            case "window": Window = ParseBool(value); break;
            case "latencyms": LatencyMs = int.Parse(value, NumberStyles.Integer, inv); break;
            default: throw new FormatException($"unknown fault field '{key}'");
        }
    }

    private static bool ParseBool(string v) => v.Trim().ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new FormatException($"'{v}' is not a boolean"),
    };

    /// <summary>Parses <c>KIND[:key=value[,key=value...]]</c>.</summary>
    public static FaultRule FromSpec(string spec)
    {
        try
        {
            var r = new FaultRule();
            int colon = spec.IndexOf(':');
            r.Kind = (colon < 0 ? spec : spec[..colon]).Trim().ToLowerInvariant();
            if (colon >= 0)
            {
                foreach (string part in spec[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    int eq = part.IndexOf('=');
                    if (eq <= 0)
                    {
                        throw new FormatException($"'{part}' is not key=value");
                    }
                    r.Set(part[..eq], part[(eq + 1)..]);
                }
            }
            r.Validate();
            return r;
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new ArgumentException($"--fault '{spec}': {e.Message}");
        }
    }

    /// <summary>Parses a JSON rule object; throws FormatException with a readable message.</summary>
    public static FaultRule FromJson(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a fault rule must be a JSON object");
        }
        var r = new FaultRule();
        foreach (var p in e.EnumerateObject())
        {
            string key = p.Name.ToLowerInvariant();
            var v = p.Value;
            switch (key)
            {
                case "kind":
                case "path":
                case "method":
                    if (v.ValueKind == JsonValueKind.Null && key != "kind")
                    {
                        continue;
                    }
                    if (v.ValueKind != JsonValueKind.String)
                    {
                        throw new FormatException($"'{p.Name}' must be a string");
                    }
                    r.Set(key, v.GetString()!);
                    break;
                case "window":
                    if (v.ValueKind != JsonValueKind.True && v.ValueKind != JsonValueKind.False)
                    {
                        throw new FormatException("'window' must be a boolean");
                    }
                    r.Window = v.GetBoolean();
                    break;
                case "rate":
                    if (v.ValueKind != JsonValueKind.Number)
                    {
                        throw new FormatException("'rate' must be a number");
                    }
                    r.Rate = v.GetDouble();
                    break;
                case "count":
                    if (v.ValueKind == JsonValueKind.Null)
                    {
                        r.Count = null;
                        continue;
                    }
                    r.Count = GetInt(p);
                    break;
                case "status": r.Status = GetInt(p); break;
                case "retryafter": r.RetryAfter = GetInt(p); break;
                case "latencyms": r.LatencyMs = GetInt(p); break;
                case "remaining":
                case "fired":
                    break;
                default: throw new FormatException($"unknown fault field '{p.Name}'");
            }
        }
        r.Validate();
        return r;
    }

    private static int GetInt(JsonProperty p)
    {
        if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int n))
        {
            throw new FormatException($"'{p.Name}' must be an integer");
        }
        return n;
    }

    public void WriteTo(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("kind", Kind);
        w.WriteNumber("rate", Rate);
        if (Count.HasValue) { w.WriteNumber("count", Count.Value); } else { w.WriteNull("count"); }
        if (Remaining.HasValue) { w.WriteNumber("remaining", Remaining.Value); } else { w.WriteNull("remaining"); }
        w.WriteNumber("fired", Fired);
        if (Path != null) { w.WriteString("path", Path); } else { w.WriteNull("path"); }
        if (Method != null) { w.WriteString("method", Method); } else { w.WriteNull("method"); }
        w.WriteNumber("status", Status);
        w.WriteNumber("retryAfter", RetryAfter);
        w.WriteBoolean("window", Window);
        w.WriteNumber("latencyMs", LatencyMs);
        w.WriteEndObject();
    }

    public override string ToString()
    {
        var sb = new StringBuilder(Kind);
        sb.Append(CultureInfo.InvariantCulture, $" rate={Rate}");
        if (Path != null) { sb.Append(" path=").Append(Path); }
        return sb.ToString();
    }
}
