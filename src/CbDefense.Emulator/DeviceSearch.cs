using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace CbDefense.Emulator;

/// <summary>A 400 answer of the v6 device search: <c>{"error_code", "message"[, "reason"]}</c>.</summary>
internal sealed record SearchError(string Code, string Message, string? Reason = null)
{
    public static SearchError Arg(string message) => new("INVALID_ARGUMENT", message);

    public static SearchError Query(string message) => new("INVALID_QUERY", message, "query_malformed_syntax");

    /// <summary>A value outside an enumeration: the platform's INVALID_ENUM_VALUE body (the SDK's alert facet
    /// fixture), <c>{"error_code", "message", "field", "invalid_value", "known_values"}</c>.</summary>
    public static SearchError Enum(string field, string value, string[] known) =>
        new("INVALID_ENUM_VALUE", field + ": '" + value + "' is not a valid value; allowed values: " + string.Join(", ", known)) { Field = field, InvalidValue = value, KnownValues = known };

    public string? Field { get; init; }
    public string? InvalidValue { get; init; }
    public string[]? KnownValues { get; init; }

    /// <summary>The HTTP status of the answer (400 unless a route says otherwise).</summary>
    public int Status { get; init; } = 400;
}

/// <summary>
/// The device filter of the v6 search (<c>_search</c>, <c>_scroll</c>, <c>device_actions</c> by search): criteria
/// (object of arrays, ANDed across keys, ORed within one), exclusions (sensor_version only) and the query subset of
/// docs/emulator.md. Built once per request; <see cref="Matches"/> allocates nothing for the common criteria.
/// </summary>
internal sealed class DeviceSearch
{
    private readonly List<Func<Device, bool>> _tests = new();
    private HashSet<string>? _excludedSensorVersions;
    private QueryNode<Device>? _query;

    public bool MatchesAll => _tests.Count == 0 && _excludedSensorVersions == null && _query == null;

    public bool Matches(Device d)
    {
        foreach (var t in _tests)
        {
            if (!t(d))
            {
                return false;
            }
        }
        if (_excludedSensorVersions != null && _excludedSensorVersions.Contains(d.SensorVersion))
        {
            return false;
        }
        return _query == null || _query.Matches(d);
    }

    // ------------------------------------------------------------------ enumerations and field names

    public static readonly string[] ValidOs = { "WINDOWS", "ANDROID", "MAC", "IOS", "LINUX", "OTHER" };

    public static readonly string[] ValidStatuses =
    {
        "PENDING", "REGISTERED", "UNINSTALLED", "DEREGISTERED", "ACTIVE", "INACTIVE", "ERROR", "ALL", "BYPASS_ON",
        "BYPASS", "QUARANTINE", "SENSOR_OUTOFDATE", "DELETED", "LIVE",
    };

    public static readonly string[] ValidPriorities = { "LOW", "MEDIUM", "HIGH", "MISSION_CRITICAL" };

    public static readonly string[] ValidDeploymentTypes = { "ENDPOINT", "WORKLOAD", "VDI", "AWS", "AZURE", "GCP" };

    /// <summary>Every seeded device is a plain endpoint sensor (v3 writes <c>deploymentType</c> ENDPOINT too).</summary>
    public const string DeploymentType = "ENDPOINT";

    /// <summary>Documented criteria keys for cloud or VMware inventory fields, which are null on every emulated
    /// endpoint: accepted, and they match no device.</summary>
    private static readonly string[] NullCriteria =
    {
        "auto_scaling_group_name", "cloud_provider_account_id", "cloud_provider_resource_id", "virtual_private_cloud_id",
        "vcenter_uuid", "vm_uuid",
    };

    public static readonly string[] CriteriaKeys =
    {
        "ad_group_id", "auto_scaling_group_name", "cloud_provider_account_id", "cloud_provider_resource_id",
        "deployment_type", "id", "last_contact_time", "os", "os_version", "policy_id", "policy_name", "sensor_version",
        "status", "target_priority", "vcenter_uuid", "virtual_private_cloud_id", "virtualization_provider", "vm_uuid",
    };

    public static readonly string[] ExclusionKeys = { "sensor_version" };

    /// <summary>The kit type a v6 device reports: WINDOWS, MAC or the Linux distribution key (RHEL, UBUNTU, ...).</summary>
    public static string SensorKitType(Device d) => d.DeviceType == "LINUX" ? d.OsFamily : d.DeviceType;

    private static string Bool(bool b) => b ? "true" : "false";

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>Fields a query term can name, as the v6 device object spells them; bare terms match the name, the
    /// email, the login user name and the addresses.</summary>
    internal static readonly FieldTable<Device> QueryFields = new FieldTable<Device>()
        .Add("id", d => Num(d.DeviceId))
        .Add("name", d => d.Name)
        .Add("os", d => d.DeviceType)
        .Add("os_version", d => d.OsVersion)
        .Add("status", d => d.Status)
        .Add("email", d => d.Email)
        .Add("login_user_name", d => d.LoginUserName)
        .Add("first_name", d => d.FirstName)
        .Add("last_name", d => d.LastName)
        .Add("policy_id", d => Num(d.PolicyId))
        .Add("policy_name", d => d.PolicyName)
        .Add("last_internal_ip_address", d => d.InternalIp)
        .Add("last_external_ip_address", d => d.ExternalIp)
        .Add("mac_address", d => d.MacAddress)
        .Add("sensor_version", d => d.SensorVersion)
        .Add("sensor_kit_type", SensorKitType)
        .Add("target_priority", d => d.TargetPriorityType)
        .Add("deployment_type", _ => DeploymentType)
        .Add("virtualization_provider", d => d.VirtualizationProvider)
        .Add("last_location", d => d.LastLocation)
        .Add("windows_platform", d => d.WindowsPlatform)
        .Add("linux_kernel_version", d => d.LinuxKernelVersion)
        .Add("quarantined", d => Bool(d.Quarantined))
        .Add("virtual_machine", d => Bool(d.VirtualMachine))
        .Add("sensor_out_of_date", d => Bool(d.SensorOutOfDate))
        .Add("device_owner_id", d => Num(d.DeviceOwnerId))
        .BareTerms("name", "email", "login_user_name", "last_internal_ip_address", "last_external_ip_address");

    public static IEnumerable<string> QueryFieldNames => QueryFields.Names;

    // ------------------------------------------------------------------ parsing the search parts

    /// <summary>Reads <c>criteria</c>, <c>exclusions</c> and <c>query</c> of <paramref name="body"/> (an object);
    /// <paramref name="where"/> prefixes names in messages ("" or "search.").</summary>
    public static SearchError? Parse(JsonElement body, string where, long nowMs, out DeviceSearch search)
    {
        search = new DeviceSearch();
        if (body.TryGetProperty("criteria", out var crit) && crit.ValueKind != JsonValueKind.Null)
        {
            var err = search.ParseCriteria(crit, where + "criteria", nowMs);
            if (err != null)
            {
                return err;
            }
        }
        if (body.TryGetProperty("exclusions", out var excl) && excl.ValueKind != JsonValueKind.Null)
        {
            if (excl.ValueKind != JsonValueKind.Object)
            {
                return SearchError.Arg(where + "exclusions must be an object such as {\"sensor_version\": [\"3.6.0.1979\"]}");
            }
            foreach (var p in excl.EnumerateObject())
            {
                if (p.Name != "sensor_version")
                {
                    return SearchError.Arg(where + "exclusions." + p.Name + " is not supported; exclusions support only: sensor_version");
                }
                var err = Strings(p.Value, where + "exclusions.sensor_version", out var versions);
                if (err != null)
                {
                    return err;
                }
                search._excludedSensorVersions = new HashSet<string>(versions, StringComparer.OrdinalIgnoreCase);
            }
        }
        if (body.TryGetProperty("query", out var q) && q.ValueKind != JsonValueKind.Null)
        {
            if (q.ValueKind != JsonValueKind.String)
            {
                return SearchError.Arg(where + "query must be a string (got " + q.GetRawText() + ")");
            }
            var err = QueryParser<Device>.Parse(q.GetString()!, QueryFields, out search._query);
            if (err != null)
            {
                return err;
            }
        }
        return null;
    }

    private SearchError? ParseCriteria(JsonElement crit, string where, long nowMs)
    {
        if (crit.ValueKind != JsonValueKind.Object)
        {
            return SearchError.Arg(where + " must be an object of arrays, such as {\"os\": [\"WINDOWS\"], \"status\": [\"ACTIVE\"]}");
        }
        foreach (var p in crit.EnumerateObject())
        {
            string name = where + "." + p.Name;
            SearchError? err;
            switch (p.Name)
            {
                case "id":
                {
                    err = AlertCriteria.Longs(p.Value, name, out var set);
                    _tests.Add(d => set.Contains(d.DeviceId));
                    break;
                }
                case "policy_id":
                {
                    err = AlertCriteria.Longs(p.Value, name, out var set);
                    _tests.Add(d => set.Contains(d.PolicyId));
                    break;
                }
                case "ad_group_id":
                {
                    err = AlertCriteria.Longs(p.Value, name, out var set);
                    bool hit = set.Contains(0); // every emulated device reports ad_group_id 0
                    _tests.Add(_ => hit);
                    break;
                }
                case "os":
                {
                    err = Enums(p.Value, name, ValidOs, out var set);
                    _tests.Add(d => set.Contains(d.DeviceType));
                    break;
                }
                case "status":
                {
                    err = Enums(p.Value, name, ValidStatuses, out var set);
                    if (!set.Contains("ALL"))
                    {
                        _tests.Add(d => set.Contains(d.Status));
                    }
                    break;
                }
                case "target_priority":
                {
                    err = Enums(p.Value, name, ValidPriorities, out var set);
                    _tests.Add(d => set.Contains(d.TargetPriorityType));
                    break;
                }
                case "deployment_type":
                {
                    err = Enums(p.Value, name, ValidDeploymentTypes, out var set);
                    bool hit = set.Contains(DeploymentType);
                    _tests.Add(_ => hit);
                    break;
                }
                case "os_version":
                {
                    err = StringSet(p.Value, name, out var set);
                    _tests.Add(d => set.Contains(d.OsVersion));
                    break;
                }
                case "policy_name":
                {
                    err = StringSet(p.Value, name, out var set);
                    _tests.Add(d => set.Contains(d.PolicyName));
                    break;
                }
                case "sensor_version":
                {
                    err = StringSet(p.Value, name, out var set);
                    _tests.Add(d => set.Contains(d.SensorVersion));
                    break;
                }
                case "virtualization_provider":
                {
                    err = StringSet(p.Value, name, out var set);
                    _tests.Add(d => set.Contains(d.VirtualizationProvider));
                    break;
                }
                case "last_contact_time":
                {
                    err = TimeRange(p.Value, name, nowMs, out long from, out long to);
                    _tests.Add(d => d.LastContact >= from && d.LastContact <= to);
                    break;
                }
                default:
                    if (Array.IndexOf(NullCriteria, p.Name) >= 0)
                    {
                        err = Strings(p.Value, name, out _);
                        _tests.Add(_ => false);
                        break;
                    }
                    string hint = p.Name == "name" || p.Name == "email" || p.Name == "login_user_name"
                        ? " (names go in the query, e.g. \"query\": \"" + p.Name + ":WIN-*\")"
                        : "";
                    return SearchError.Arg(name + " is not a supported criteria key" + hint + "; supported: " + string.Join(", ", CriteriaKeys));
            }
            if (err != null)
            {
                return err;
            }
        }
        return null;
    }

    private static SearchError? Strings(JsonElement el, string name, out List<string> values)
    {
        values = new List<string>();
        if (el.ValueKind != JsonValueKind.Array)
        {
            return SearchError.Arg(name + " must be an array of strings (got " + el.GetRawText() + ")");
        }
        foreach (var v in el.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.String)
            {
                return SearchError.Arg(name + " must be an array of strings (got " + v.GetRawText() + ")");
            }
            values.Add(v.GetString()!);
        }
        return null;
    }

    private static SearchError? StringSet(JsonElement el, string name, out HashSet<string> set)
    {
        var err = Strings(el, name, out var values);
        set = new HashSet<string>(values, StringComparer.OrdinalIgnoreCase);
        return err;
    }

    private static SearchError? Enums(JsonElement el, string name, string[] allowed, out HashSet<string> set)
    {
        var err = Strings(el, name, out var values);
        set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (err != null)
        {
            return err;
        }
        foreach (var v in values)
        {
            string up = v.ToUpperInvariant();
            if (Array.IndexOf(allowed, up) < 0)
            {
                return SearchError.Arg(name + ": '" + v + "' is not a valid value; allowed values: " + string.Join(", ", allowed));
            }
            set.Add(up);
        }
        return null;
    }

    /// <summary><c>{"start": ISO, "end": ISO}</c> or <c>{"range": "-7d"}</c> (units s m h d w y, or "all").</summary>
    internal static SearchError? TimeRange(JsonElement el, string name, long nowMs, out long from, out long to)
    {
        from = long.MinValue;
        to = long.MaxValue;
        const string Shape = " must be {\"start\": \"2024-01-01T00:00:00.000Z\", \"end\": \"...\"} or {\"range\": \"-7d\"}";
        if (el.ValueKind != JsonValueKind.Object)
        {
            return SearchError.Arg(name + Shape);
        }
        bool hasRange = false, hasStart = false, hasEnd = false;
        foreach (var p in el.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
            {
                return SearchError.Arg(name + "." + p.Name + " must be a string (got " + p.Value.GetRawText() + ")");
            }
            string v = p.Value.GetString()!;
            switch (p.Name)
            {
                case "range":
                    hasRange = true;
                    if (!TryRange(v, out long span))
                    {
                        return SearchError.Arg(name + ".range: '" + v + "' is not a range such as -30m, -12h, -7d, -2w, -1y or all");
                    }
                    if (span >= 0)
                    {
                        from = nowMs - span;
                        to = nowMs;
                    }
                    break;
                case "start":
                case "end":
                    if (!DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
                    {
                        return SearchError.Arg(name + "." + p.Name + ": '" + v + "' is not an ISO-8601 time such as 2024-01-01T00:00:00.000Z");
                    }
                    if (p.Name == "start")
                    {
                        hasStart = true;
                        from = t.ToUnixTimeMilliseconds();
                    }
                    else
                    {
                        hasEnd = true;
                        to = t.ToUnixTimeMilliseconds();
                    }
                    break;
                default:
                    return SearchError.Arg(name + "." + p.Name + " is not valid;" + Shape);
            }
        }
        if (hasRange && (hasStart || hasEnd))
        {
            return SearchError.Arg(name + ": give either range or start and end, not both");
        }
        if (!hasRange && !(hasStart && hasEnd))
        {
            return SearchError.Arg(name + Shape);
        }
        return null;
    }

    /// <summary>Parses <c>-7d</c> (leading minus optional) into milliseconds; "all" gives -1.</summary>
    private static bool TryRange(string v, out long span)
    {
        span = -1;
        string t = v.Trim();
        if (t.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (t.StartsWith('-'))
        {
            t = t[1..];
        }
        if (t.Length < 2)
        {
            return false;
        }
        long unit = char.ToLowerInvariant(t[^1]) switch
        {
            's' => 1_000L,
            'm' => 60_000L,
            'h' => 3_600_000L,
            'd' => 86_400_000L,
            'w' => 7 * 86_400_000L,
            'y' => 365 * 86_400_000L,
            _ => 0,
        };
        if (unit == 0 || !long.TryParse(t[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n > 1_000_000)
        {
            return false;
        }
        span = n * unit;
        return true;
    }

    // ------------------------------------------------------------------ sort

    public static readonly string[] SortFields =
    {
        "id", "name", "os", "os_version", "status", "policy_id", "policy_name", "target_priority", "last_contact_time",
        "last_reported_time", "registered_time", "sensor_version", "email", "login_user_name", "last_internal_ip_address",
        "last_external_ip_address", "virtualization_provider",
    };

    private static int Cmp(string? a, string? b, int dir)
    {
        // Missing values sort last in both directions (like an Elasticsearch keyword sort).
        if (a == null || b == null)
        {
            return a == null ? (b == null ? 0 : 1) : -1;
        }
        return dir * string.Compare(a, b, StringComparison.OrdinalIgnoreCase);
    }

    private static Comparison<Device> KeyComparison(string field, int dir) => field switch
    {
        "id" => (a, b) => dir * a.DeviceId.CompareTo(b.DeviceId),
        "policy_id" => (a, b) => dir * a.PolicyId.CompareTo(b.PolicyId),
        "last_contact_time" => (a, b) => dir * a.LastContact.CompareTo(b.LastContact),
        "last_reported_time" => (a, b) => dir * a.LastReportedTime.CompareTo(b.LastReportedTime),
        "registered_time" => (a, b) => dir * a.RegisteredTime.CompareTo(b.RegisteredTime),
        // The priority's own order (LOW < MEDIUM < HIGH < MISSION_CRITICAL), not the alphabet.
        "target_priority" => (a, b) => dir * Lists.PriorityCode(a.TargetPriorityType).CompareTo(Lists.PriorityCode(b.TargetPriorityType)),
        "name" => (a, b) => Cmp(a.Name, b.Name, dir),
        "os" => (a, b) => Cmp(a.DeviceType, b.DeviceType, dir),
        "os_version" => (a, b) => Cmp(a.OsVersion, b.OsVersion, dir),
        "status" => (a, b) => Cmp(a.Status, b.Status, dir),
        "policy_name" => (a, b) => Cmp(a.PolicyName, b.PolicyName, dir),
        "sensor_version" => (a, b) => Cmp(a.SensorVersion, b.SensorVersion, dir),
        "email" => (a, b) => Cmp(a.Email, b.Email, dir),
        "login_user_name" => (a, b) => Cmp(a.LoginUserName, b.LoginUserName, dir),
        "last_internal_ip_address" => (a, b) => Cmp(a.InternalIp, b.InternalIp, dir),
        "last_external_ip_address" => (a, b) => Cmp(a.ExternalIp, b.ExternalIp, dir),
        "virtualization_provider" => (a, b) => Cmp(a.VirtualizationProvider, b.VirtualizationProvider, dir),
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    /// <summary>Parses <c>[{"field": ..., "order": "ASC"|"DESC"}, ...]</c>. Returns null comparison when the order is
    /// the natural one (id ascending), so the caller can skip sorting.</summary>
    public static SearchError? ParseSort(JsonElement el, out Comparison<Device>? comparison)
    {
        comparison = null;
        var err = SortSpec.Parse(el, SortFields, "name", out var items);
        if (err != null || items.Count == 0 || items[0] == ("id", 1))
        {
            return err; // id ascending first: already a total order, the natural one
        }
        // tie-break: a total, stable order for paging
        comparison = SortSpec.Chain<Device>(items, KeyComparison, (a, b) => a.DeviceId.CompareTo(b.DeviceId));
        return null;
    }
}
