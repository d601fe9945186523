using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CbDefense.Emulator;

/// <summary>A 400 answer of the v6 device search: <c>{"error_code", "message"[, "reason"]}</c>.</summary>
internal sealed record SearchError(string Code, string Message, string? Reason = null)
{
    public static SearchError Arg(string message) => new("INVALID_ARGUMENT", message);

    public static SearchError Query(string message) => new("INVALID_QUERY", message, "query_malformed_syntax");
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
    private QueryNode? _query;

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

    /// <summary>Fields a query term can name, as the v6 device object spells them.</summary>
    private static readonly Dictionary<string, Func<Device, string?>> QueryFields = new(StringComparer.OrdinalIgnoreCase)
    {
        ["id"] = d => Num(d.DeviceId),
        ["name"] = d => d.Name,
        ["os"] = d => d.DeviceType,
        ["os_version"] = d => d.OsVersion,
        ["status"] = d => d.Status,
        ["email"] = d => d.Email,
        ["login_user_name"] = d => d.LoginUserName,
        ["first_name"] = d => d.FirstName,
        ["last_name"] = d => d.LastName,
        ["policy_id"] = d => Num(d.PolicyId),
        ["policy_name"] = d => d.PolicyName,
        ["last_internal_ip_address"] = d => d.InternalIp,
        ["last_external_ip_address"] = d => d.ExternalIp,
        ["mac_address"] = d => d.MacAddress,
        ["sensor_version"] = d => d.SensorVersion,
        ["sensor_kit_type"] = SensorKitType,
        ["target_priority"] = d => d.TargetPriorityType,
        ["deployment_type"] = _ => DeploymentType,
        ["virtualization_provider"] = d => d.VirtualizationProvider,
        ["last_location"] = d => d.LastLocation,
        ["windows_platform"] = d => d.WindowsPlatform,
        ["linux_kernel_version"] = d => d.LinuxKernelVersion,
        ["quarantined"] = d => Bool(d.Quarantined),
        ["virtual_machine"] = d => Bool(d.VirtualMachine),
        ["sensor_out_of_date"] = d => Bool(d.SensorOutOfDate),
        ["device_owner_id"] = d => Num(d.DeviceOwnerId),
    };

    /// <summary>What a bare term (no field) is matched against.</summary>
    private static readonly Func<Device, string?>[] BareFields =
    {
        d => d.Name, d => d.Email, d => d.LoginUserName, d => d.InternalIp, d => d.ExternalIp,
    };

    public static IEnumerable<string> QueryFieldNames
    {
        get
        {
            var names = new List<string>(QueryFields.Keys);
            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }

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
            var err = QueryParser.Parse(q.GetString()!, out search._query);
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
                    err = Longs(p.Value, name, out var set);
                    _tests.Add(d => set.Contains(d.DeviceId));
                    break;
                }
                case "policy_id":
                {
                    err = Longs(p.Value, name, out var set);
                    _tests.Add(d => set.Contains(d.PolicyId));
                    break;
                }
                case "ad_group_id":
                {
                    err = Longs(p.Value, name, out var set);
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

    private static SearchError? Longs(JsonElement el, string name, out HashSet<long> set)
    {
        set = new HashSet<long>();
        if (el.ValueKind != JsonValueKind.Array)
        {
            return SearchError.Arg(name + " must be an array of integers (got " + el.GetRawText() + ")");
        }
        foreach (var v in el.EnumerateArray())
        {
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n))
            {
                set.Add(n);
            }
            else if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long sn))
            {
                set.Add(sn);
            }
            else
            {
                return SearchError.Arg(name + " must be an array of integers (got " + v.GetRawText() + ")");
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
        if (el.ValueKind == JsonValueKind.Null || el.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }
        if (el.ValueKind != JsonValueKind.Array)
        {
            return SearchError.Arg("sort must be an array such as [{\"field\": \"name\", \"order\": \"ASC\"}]");
        }
        var keys = new List<Comparison<Device>>();
        bool natural = true;
        int i = 0;
        foreach (var s in el.EnumerateArray())
        {
            string where = "sort[" + i.ToString(CultureInfo.InvariantCulture) + "]";
            i++;
            if (s.ValueKind != JsonValueKind.Object)
            {
                return SearchError.Arg(where + " must be an object {\"field\": ..., \"order\": \"ASC\"|\"DESC\"}");
            }
            if (!s.TryGetProperty("field", out var f) || f.ValueKind != JsonValueKind.String)
            {
                return SearchError.Arg(where + ".field is required; sortable fields: " + string.Join(", ", SortFields));
            }
            string field = f.GetString()!;
            if (Array.IndexOf(SortFields, field) < 0)
            {
                return SearchError.Arg(where + ".field: '" + field + "' is not sortable; sortable fields: " + string.Join(", ", SortFields));
            }
            int dir = 1;
            if (s.TryGetProperty("order", out var o) && o.ValueKind != JsonValueKind.Null)
            {
                string? order = o.ValueKind == JsonValueKind.String ? o.GetString() : null;
                if (string.Equals(order, "DESC", StringComparison.OrdinalIgnoreCase))
                {
                    dir = -1;
                }
                else if (!string.Equals(order, "ASC", StringComparison.OrdinalIgnoreCase))
                {
                    return SearchError.Arg(where + ".order: " + o.GetRawText() + " is not valid; allowed values: ASC, DESC");
                }
            }
            foreach (var p in s.EnumerateObject())
            {
                if (p.Name != "field" && p.Name != "order")
                {
                    return SearchError.Arg(where + "." + p.Name + " is not valid; a sort item has field and order");
                }
            }
            if (keys.Count == 0 && field == "id" && dir == 1)
            {
                return null; // id ascending first: already a total order, the natural one
            }
            natural = false;
            keys.Add(KeyComparison(field, dir));
        }
        if (natural)
        {
            return null;
        }
        var all = keys.ToArray();
        comparison = (a, b) =>
        {
            foreach (var k in all)
            {
                int c = k(a, b);
                if (c != 0)
                {
                    return c;
                }
            }
            return a.DeviceId.CompareTo(b.DeviceId); // tie-break: a total, stable order for paging
        };
        return null;
    }

    // ------------------------------------------------------------------ query

    /// <summary>A parsed query: a boolean tree over device fields.</summary>
    internal abstract class QueryNode
    {
        public abstract bool Matches(Device d);
    }

    private sealed class AndNode : QueryNode
    {
        public readonly List<QueryNode> Items = new();

        public override bool Matches(Device d)
        {
            foreach (var i in Items)
            {
                if (!i.Matches(d))
                {
                    return false;
                }
            }
            return true;
        }
    }

    private sealed class OrNode : QueryNode
    {
        public readonly List<QueryNode> Items = new();

        public override bool Matches(Device d)
        {
            foreach (var i in Items)
            {
                if (i.Matches(d))
                {
                    return true;
                }
            }
            return false;
        }
    }

    private sealed class NotNode : QueryNode
    {
        public NotNode(QueryNode inner) => Inner = inner;

        public QueryNode Inner { get; }

        public override bool Matches(Device d) => !Inner.Matches(d);
    }

    private sealed class AllNode : QueryNode
    {
        public override bool Matches(Device d) => true;
    }

    private sealed class TermNode : QueryNode
    {
        private readonly Func<Device, string?>[] _fields;
        private readonly ValueMatcher _matcher;

        public TermNode(Func<Device, string?>[] fields, ValueMatcher matcher)
        {
            _fields = fields;
            _matcher = matcher;
        }

        public override bool Matches(Device d)
        {
            foreach (var f in _fields)
            {
                string? v = f(d);
                if (v != null && _matcher.Matches(v))
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>Case-insensitive whole-value match with <c>*</c> (any run) and <c>?</c> (one character).</summary>
    internal sealed class ValueMatcher
    {
        private enum Kind { Exact, Prefix, Suffix, Contains, Any, Glob }

        private readonly Kind _kind;
        private readonly string _text;
        private readonly bool[]? _wild; // per pattern char: is it a wildcard (Glob only)

        private ValueMatcher(Kind kind, string text, bool[]? wild)
        {
            _kind = kind;
            _text = text;
            _wild = wild;
        }

        /// <summary>From pattern characters, each flagged as a wildcard (unescaped * or ?) or a literal.</summary>
        public static ValueMatcher From(List<(char C, bool Wild)> chars)
        {
            var sb = new StringBuilder(chars.Count);
            bool anyQ = false, anyStar = false;
            foreach (var (c, wild) in chars)
            {
                sb.Append(c);
                anyQ |= wild && c == '?';
                anyStar |= wild && c == '*';
            }
            string text = sb.ToString();
            if (!anyQ && !anyStar)
            {
                return new ValueMatcher(Kind.Exact, text, null);
            }
            if (!anyQ)
            {
                // Only '*': the common shapes get a fast path.
                int n = chars.Count;
                int inner = 0;
                for (int i = 1; i < n - 1; i++)
                {
                    if (chars[i].Wild)
                    {
                        inner++;
                    }
                }
                bool lead = chars[0].Wild, trail = n > 1 && chars[n - 1].Wild;
                if (inner == 0)
                {
                    if (n == 1 || (n == 2 && lead && trail))
                    {
                        return new ValueMatcher(Kind.Any, "", null);
                    }
                    if (lead && trail)
                    {
                        return new ValueMatcher(Kind.Contains, text[1..^1], null);
                    }
                    if (trail)
                    {
                        return new ValueMatcher(Kind.Prefix, text[..^1], null);
                    }
                    if (lead)
                    {
                        return new ValueMatcher(Kind.Suffix, text[1..], null);
                    }
                }
            }
            var flags = new bool[chars.Count];
            for (int i = 0; i < chars.Count; i++)
            {
                flags[i] = chars[i].Wild;
            }
            return new ValueMatcher(Kind.Glob, text, flags);
        }

        public bool Matches(string v) => _kind switch
        {
            Kind.Exact => v.Equals(_text, StringComparison.OrdinalIgnoreCase),
            Kind.Prefix => v.StartsWith(_text, StringComparison.OrdinalIgnoreCase),
            Kind.Suffix => v.EndsWith(_text, StringComparison.OrdinalIgnoreCase),
            Kind.Contains => v.Contains(_text, StringComparison.OrdinalIgnoreCase),
            Kind.Any => true,
            _ => Glob(v),
        };

        private static bool Same(char a, char b) => a == b || char.ToUpperInvariant(a) == char.ToUpperInvariant(b);

        private bool Glob(string v)
        {
            string p = _text;
            bool[] wild = _wild!;
            int pi = 0, vi = 0, star = -1, mark = 0;
            while (vi < v.Length)
            {
                if (pi < p.Length && wild[pi] && p[pi] == '*')
                {
                    star = pi++;
                    mark = vi;
                }
                else if (pi < p.Length && ((wild[pi] && p[pi] == '?') || (!wild[pi] && Same(p[pi], v[vi]))))
                {
                    pi++;
                    vi++;
                }
                else if (star >= 0)
                {
                    pi = star + 1;
                    vi = ++mark;
                }
                else
                {
                    return false;
                }
            }
            while (pi < p.Length && wild[pi] && p[pi] == '*')
            {
                pi++;
            }
            return pi == p.Length;
        }
    }

    /// <summary>Recursive-descent parser of the query subset (docs/emulator.md, "The device query").</summary>
    private sealed class QueryParser
    {
        private enum T { LParen, RParen, And, Or, Not, Word, FieldPrefix, Phrase, End }

        private readonly record struct Token(T Type, string? Field, List<(char C, bool Wild)>? Value, int Pos);

        private readonly List<Token> _tokens = new();
        private int _at;

        public static SearchError? Parse(string text, out QueryNode? node)
        {
            node = null;
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }
            var p = new QueryParser();
            var err = p.Lex(text);
            if (err != null)
            {
                return err;
            }
            err = p.ParseOr(null, out node);
            if (err != null)
            {
                return err;
            }
            var t = p.Peek();
            if (t.Type != T.End)
            {
                node = null;
                return t.Type == T.RParen
                    ? SearchError.Query("Unbalanced parentheses in query: ')' at position " + (t.Pos + 1).ToString(CultureInfo.InvariantCulture) + " has no matching '('")
                    : SearchError.Query("Unexpected " + Describe(t) + " at position " + (t.Pos + 1).ToString(CultureInfo.InvariantCulture));
            }
            return null;
        }

        private static string Describe(Token t) => t.Type switch
        {
            T.LParen => "'('",
            T.RParen => "')'",
            T.And => "AND",
            T.Or => "OR",
            T.Not => "NOT",
            T.End => "end of query",
            _ => "term",
        };

        private Token Peek() => _tokens[_at];

        private Token Next() => _tokens[_at++];

        private SearchError? Lex(string s)
        {
            int i = 0;
            while (i < s.Length)
            {
                char c = s[i];
                if (char.IsWhiteSpace(c))
                {
                    i++;
                    continue;
                }
                if (c == '(' || c == ')')
                {
                    _tokens.Add(new Token(c == '(' ? T.LParen : T.RParen, null, null, i));
                    i++;
                    continue;
                }
                if (c == '"')
                {
                    int start = i++;
                    var chars = new List<(char, bool)>();
                    bool closed = false;
                    while (i < s.Length)
                    {
                        char q = s[i];
                        if (q == '\\' && i + 1 < s.Length)
                        {
                            chars.Add((s[i + 1], false));
                            i += 2;
                            continue;
                        }
                        if (q == '"')
                        {
                            closed = true;
                            i++;
                            break;
                        }
                        chars.Add((q, false)); // a phrase is literal: * and ? are not wildcards inside quotes
                        i++;
                    }
                    if (!closed)
                    {
                        return SearchError.Query("Unterminated quoted phrase starting at position " + (start + 1).ToString(CultureInfo.InvariantCulture));
                    }
                    _tokens.Add(new Token(T.Phrase, null, chars, start));
                    continue;
                }
                if (c == '&' && i + 1 < s.Length && s[i + 1] == '&')
                {
                    _tokens.Add(new Token(T.And, null, null, i));
                    i += 2;
                    continue;
                }
                if (c == '|' && i + 1 < s.Length && s[i + 1] == '|')
                {
                    _tokens.Add(new Token(T.Or, null, null, i));
                    i += 2;
                    continue;
                }
                // A word: up to whitespace, a parenthesis or a quote; backslash escapes the next character.
                int wstart = i;
                var value = new List<(char C, bool Wild)>();
                var raw = new StringBuilder();
                string? field = null;
                while (i < s.Length)
                {
                    char w = s[i];
                    if (char.IsWhiteSpace(w) || w == '(' || w == ')' || w == '"')
                    {
                        break;
                    }
                    if (w == '\\')
                    {
                        if (i + 1 >= s.Length)
                        {
                            return SearchError.Query("Dangling escape character '\\' at the end of the query");
                        }
                        value.Add((s[i + 1], false));
                        raw.Append('\\').Append(s[i + 1]);
                        i += 2;
                        continue;
                    }
                    if (w == ':' && field == null)
                    {
                        field = Flat(value);
                        if (field.Length == 0)
                        {
                            return SearchError.Query("Missing field name before ':' at position " + (wstart + 1).ToString(CultureInfo.InvariantCulture));
                        }
                        if (!QueryFields.ContainsKey(field))
                        {
                            return SearchError.Query("Unknown field '" + field + "' in query; searchable fields: " + string.Join(", ", QueryFieldNames));
                        }
                        value.Clear();
                        raw.Clear();
                        i++;
                        continue;
                    }
                    if (w is '[' or ']' or '{' or '}' or '~' or '^')
                    {
                        return SearchError.Query("'" + w + "' at position " + (i + 1).ToString(CultureInfo.InvariantCulture)
                            + " is not supported (ranges, fuzzy and boosted terms are not part of the emulator's query subset); escape it with '\\' to match it literally");
                    }
                    value.Add((w, w == '*' || w == '?'));
                    raw.Append(w);
                    i++;
                }
                if (field != null)
                {
                    _tokens.Add(new Token(value.Count == 0 ? T.FieldPrefix : T.Word, field, value, wstart));
                    continue;
                }
                string r = raw.ToString();
                T type = r switch
                {
                    "AND" => T.And,
                    "OR" => T.Or,
                    "NOT" => T.Not,
                    _ => T.Word,
                };
                _tokens.Add(new Token(type, null, type == T.Word ? value : null, wstart));
            }
            _tokens.Add(new Token(T.End, null, null, s.Length));
            return null;
        }

        private static string Flat(List<(char C, bool Wild)> chars)
        {
            var sb = new StringBuilder(chars.Count);
            foreach (var (c, _) in chars)
            {
                sb.Append(c);
            }
            return sb.ToString();
        }

        private static bool StartsOperand(T t) => t is T.LParen or T.Not or T.Word or T.FieldPrefix or T.Phrase;

        private SearchError? ParseOr(string? field, out QueryNode? node)
        {
            var err = ParseAnd(field, out node);
            if (err != null)
            {
                return err;
            }
            if (Peek().Type != T.Or)
            {
                return null;
            }
            var or = new OrNode();
            or.Items.Add(node!);
            while (Peek().Type == T.Or)
            {
                Next();
                err = ParseAnd(field, out var right);
                if (err != null)
                {
                    return err;
                }
                or.Items.Add(right!);
            }
            node = or;
            return null;
        }

        private SearchError? ParseAnd(string? field, out QueryNode? node)
        {
            var err = ParseNot(field, out node);
            if (err != null)
            {
                return err;
            }
            AndNode? and = null;
            while (true)
            {
                var t = Peek();
                if (t.Type == T.And)
                {
                    Next();
                }
                else if (!StartsOperand(t.Type))
                {
                    break; // implicit AND only between adjacent operands
                }
                err = ParseNot(field, out var right);
                if (err != null)
                {
                    return err;
                }
                if (and == null)
                {
                    and = new AndNode();
                    and.Items.Add(node!);
                }
                and.Items.Add(right!);
            }
            if (and != null)
            {
                node = and;
            }
            return null;
        }

        private SearchError? ParseNot(string? field, out QueryNode? node)
        {
            if (Peek().Type == T.Not)
            {
                Next();
                var err = ParseNot(field, out var inner);
                node = inner == null ? null : new NotNode(inner);
                return err;
            }
            return ParsePrimary(field, out node);
        }

        private SearchError? ParsePrimary(string? field, out QueryNode? node)
        {
            node = null;
            var t = Next();
            switch (t.Type)
            {
                case T.LParen:
                {
                    if (Peek().Type == T.RParen)
                    {
                        return SearchError.Query("Empty parentheses at position " + (t.Pos + 1).ToString(CultureInfo.InvariantCulture));
                    }
                    var err = ParseOr(field, out node);
                    if (err != null)
                    {
                        return err;
                    }
                    if (Next().Type != T.RParen)
                    {
                        node = null;
                        return SearchError.Query("Unbalanced parentheses in query: '(' at position " + (t.Pos + 1).ToString(CultureInfo.InvariantCulture) + " is never closed");
                    }
                    return null;
                }
                case T.FieldPrefix:
                {
                    var after = Peek();
                    if (after.Type == T.Phrase)
                    {
                        Next();
                        node = Term(t.Field, after.Value!);
                        return null;
                    }
                    if (after.Type == T.LParen)
                    {
                        return ParsePrimary(t.Field, out node); // field:(a OR b): the group's bare terms use the field
                    }
                    return SearchError.Query("Field '" + t.Field + "' at position " + (t.Pos + 1).ToString(CultureInfo.InvariantCulture) + " has no value");
                }
                case T.Word:
                    node = Term(t.Field ?? field, t.Value!);
                    return null;
                case T.Phrase:
                    node = Term(field, t.Value!);
                    return null;
                case T.End:
                    return SearchError.Query("The query ends where a term was expected");
                default:
                    return SearchError.Query("Unexpected " + Describe(t) + " at position " + (t.Pos + 1).ToString(CultureInfo.InvariantCulture) + " where a term was expected");
            }
        }

        private static QueryNode Term(string? field, List<(char C, bool Wild)> value)
        {
            var matcher = ValueMatcher.From(value);
            if (field == null)
            {
                if (value.Count == 1 && value[0].Wild && value[0].C == '*')
                {
                    return new AllNode(); // a lone * matches every device
                }
                return new TermNode(BareFields, matcher);
            }
            return new TermNode(new[] { QueryFields[field] }, matcher);
        }
    }
}
