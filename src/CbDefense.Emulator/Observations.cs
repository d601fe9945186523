using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CbDefense.Emulator;

/// <summary>One observation (the SDK's mock_observations.py shape), derived from a seeded v3 event or from an
/// alert's primary event. Immutable once made.</summary>
internal sealed class Observation
{
    public string ObservationId = "";
    public string ObservationType = "";
    public string ObservationDescription = "";
    public string EventId = "";
    public string EventDescription = "";
    public string[]? AlertId;
    public string[] AlertCategory = Array.Empty<string>();
    public long BackendTimestamp;
    public long DeviceTimestamp;
    public long IngressTime;
    public long DeviceId;
    public string DeviceName = "";
    public string DevicePolicy = "";
    public long DevicePolicyId;
    public string[] EventType = Array.Empty<string>();
    public string[] EnrichedEventType = Array.Empty<string>();
    public string ProcessGuid = "";
    public string ParentGuid = "";
    public long ParentPid;
    public string ProcessName = "";
    /// <summary>The full path and the file name: <c>process_name</c> criteria and terms match either.</summary>
    public string[] ProcessNames = Array.Empty<string>();
    public string[] ProcessHash = Array.Empty<string>();
    public long[] ProcessPid = Array.Empty<long>();
    public string[] ProcessUsername = Array.Empty<string>();
    public string? RuleId;
    public bool Network;
    public string? NetLocalIp;
    public string? NetRemoteIp;
    public int? NetRemotePort;

    public static int CompareByTimeDesc(Observation a, Observation b)
    {
        int c = b.DeviceTimestamp.CompareTo(a.DeviceTimestamp);
        return c != 0 ? c : string.CompareOrdinal(a.ObservationId, b.ObservationId);
    }
}

/// <summary>An observation search job: the matches (at most 10,000 available) fixed when it was submitted.</summary>
internal sealed class ObservationJob
{
    public string Id = "";
    public long CreatedMs;
    public long DurationMs;
    public int NumFound;
    public List<Observation> Available = new();
    public HashSet<string>? Fields;
}

internal static class ObservationFactory
{
    private static readonly Regex Markup = new("<[^>]+>", RegexOptions.Compiled);

    private static string Plain(string s) => Markup.Replace(s, "");

    private static string Guid(Rng r) => r.Hex(8) + "-" + r.Hex(4) + "-" + r.Hex(4) + "-" + r.Hex(4) + "-" + r.Hex(12);

    /// <summary>The platform event type (lower case) of a v3 event type.</summary>
    public static string PlatformType(string v3Type) => v3Type switch
    {
        "CREATE_PROCESS" => "childproc",
        "NETWORK" => "netconn",
        "INJECT_CODE" => "crossproc",
        "SYSTEM_API_CALL" => "crossproc",
        "FILE_CREATE" => "filemod",
        "DATA_ACCESS" => "filemod",
        "REGISTRY_ACCESS" => "regmod",
        _ => "childproc",
    };

    public static readonly string[] PlatformTypes = { "childproc", "crossproc", "filemod", "modload", "netconn", "regmod", "scriptload" };

    private static string[] Names(string? path, string name)
    {
        string full = (path ?? name).ToLowerInvariant();
        string file = name.ToLowerInvariant();
        return full == file ? new[] { full } : new[] { full, file };
    }

    public static Observation FromEvent(EventRec e, string orgKey)
    {
        var r = new Rng(Rng.SeedFromString(e.EventId), "observation");
        bool threat = e.AlertCategory == "THREAT";
        var o = new Observation
        {
            EventId = e.EventId,
            ObservationId = e.EventId + ":" + Guid(r),
            ObservationType = e.AlertScore >= 3 ? "CB_ANALYTICS" : "CONTEXTUAL_ACTIVITY",
            ObservationDescription = Plain(e.ShortDescription),
            EventDescription = Plain(e.LongDescription),
            AlertCategory = new[] { threat ? "THREAT" : "OBSERVED" },
            BackendTimestamp = e.CreateTime,
            DeviceTimestamp = e.EventTime,
            IngressTime = e.CreateTime - 2_000,
            DeviceId = e.DeviceId,
            DeviceName = e.DeviceName,
            DevicePolicy = e.PolicyName,
            DevicePolicyId = e.PolicyId,
            EventType = new[] { PlatformType(e.EventType) },
            EnrichedEventType = new[] { e.EventType },
            ProcessGuid = AlertFactory.ProcessGuid(e.DeviceId, e.ProcessId, e.EventTime - 3_600_000L, orgKey),
            ParentGuid = AlertFactory.ProcessGuid(e.DeviceId, e.ParentPid, e.EventTime - 7_200_000L, orgKey),
            ParentPid = e.ParentPid,
            ProcessName = (e.SelectedApp.Path ?? e.SelectedApp.Name).ToLowerInvariant(),
            ProcessNames = Names(e.SelectedApp.Path, e.SelectedApp.Name),
            ProcessHash = e.SelectedApp.Md5 != null ? new[] { e.SelectedApp.Md5, e.SelectedApp.Sha256 } : new[] { e.SelectedApp.Sha256 },
            ProcessPid = new long[] { e.ProcessId },
            ProcessUsername = new[] { e.FullUserName },
        };
        if (e.EventType == "NETWORK")
        {
            o.Network = true;
            o.NetLocalIp = e.SourceAddress;
            o.NetRemoteIp = e.DestAddress;
            o.NetRemotePort = e.DestPort;
        }
        return o;
    }

    /// <summary>The observation of an alert's primary event (none for container runtime alerts, which have no
    /// device).</summary>
    public static Observation? FromAlert(Alert a, string orgKey)
    {
        if (a.Type == AlertFactory.ContainerRuntime)
        {
            return null;
        }
        var x = AlertFactory.Details(a, orgKey);
        bool net = a.Type is AlertFactory.HostBasedFirewall or AlertFactory.IntrusionDetection || a.ReasonCode is "R_C2" or "R_SCAN_OFF";
        bool win = a.DeviceOs == "WINDOWS";
        string user = AlertJson.UserOf(a);
        var o = new Observation
        {
            EventId = a.CreatedByEventId,
            ObservationId = a.CreatedByEventId + ":" + a.Id[..8] + "-" + a.Id[8..12] + "-" + a.Id[12..16] + "-" + a.Id[16..20] + "-" + a.Id[20..],
            ObservationType = a.Type,
            ObservationDescription = a.Reason,
            EventDescription = a.Reason,
            AlertId = new[] { a.Id },
            AlertCategory = new[] { a.Category },
            BackendTimestamp = a.CreateTime,
            DeviceTimestamp = a.FirstEventTime,
            IngressTime = a.CreateTime - 5_000,
            DeviceId = a.DeviceId,
            DeviceName = a.DeviceName,
            DevicePolicy = a.PolicyName,
            DevicePolicyId = a.PolicyId,
            EventType = new[] { net ? "netconn" : a.Type == AlertFactory.DeviceControl ? "filemod" : "childproc" },
            EnrichedEventType = new[] { net ? "NETWORK" : a.Type == AlertFactory.DeviceControl ? "FILE_CREATE" : "CREATE_PROCESS" },
            ProcessGuid = x.ProcessGuid,
            ParentGuid = x.ParentGuid,
            ParentPid = x.ParentPid,
            ProcessName = (a.ProcessPath ?? a.ProcessName).ToLowerInvariant(),
            ProcessNames = Names(a.ProcessPath, a.ProcessName),
            ProcessHash = a.Md5 != null ? new[] { a.Md5, a.Sha256 } : new[] { a.Sha256 },
            ProcessPid = new long[] { x.ProcessPid },
            ProcessUsername = new[] { win ? a.DeviceName + "\\" + user : user },
            RuleId = a.Type is AlertFactory.HostBasedFirewall or AlertFactory.IntrusionDetection or AlertFactory.DeviceControl ? x.RuleId.ToLowerInvariant() : null,
        };
        if (net)
        {
            o.Network = true;
            o.NetLocalIp = a.DeviceInternalIp;
            o.NetRemoteIp = x.RemoteIp;
            o.NetRemotePort = x.RemotePort;
        }
        return o;
    }

    // ------------------------------------------------------------------ JSON

    /// <summary>Every field an observation has (what <c>fields</c> may name; <c>*</c> is all of them).</summary>
    public static readonly string[] FieldNames =
    {
        "alert_category", "alert_id", "backend_timestamp", "device_group_id", "device_id", "device_name", "device_policy",
        "device_policy_id", "device_timestamp", "enriched", "enriched_event_type", "event_description", "event_id",
        "event_network_inbound", "event_network_local_ipv4", "event_network_location", "event_network_protocol",
        "event_network_remote_ipv4", "event_network_remote_port", "event_type", "ingress_time", "legacy",
        "observation_description", "observation_id", "observation_type", "org_id", "parent_guid", "parent_pid",
        "process_guid", "process_hash", "process_name", "process_pid", "process_username", "rule_id",
    };

    /// <summary>Writes an observation with the fields of the SDK's fixture in its (alphabetical) order; with
    /// <paramref name="fields"/>, only those (observation_id always). Network fields only on network events,
    /// rule_id only when there is one, as the real documents leave out what they lack.</summary>
    public static void Write(Utf8JsonWriter w, Observation o, string orgKey, HashSet<string>? fields)
    {
        bool F(string name) => fields == null || fields.Contains(name) || name == "observation_id";
        w.WriteStartObject();
        if (F("alert_category")) { JsonOut.StringArray(w, "alert_category", o.AlertCategory); }
        if (F("alert_id"))
        {
            if (o.AlertId == null) { w.WriteNull("alert_id"); } else { JsonOut.StringArray(w, "alert_id", o.AlertId); }
        }
        if (F("backend_timestamp")) { JsonOut.IsoTime(w, "backend_timestamp", o.BackendTimestamp); }
        if (F("device_group_id")) { w.WriteNumber("device_group_id", 0); }
        if (F("device_id")) { w.WriteNumber("device_id", o.DeviceId); }
        if (F("device_name")) { w.WriteString("device_name", o.DeviceName); }
        if (F("device_policy")) { w.WriteString("device_policy", o.DevicePolicy); }
        if (F("device_policy_id")) { w.WriteNumber("device_policy_id", o.DevicePolicyId); }
        if (F("device_timestamp")) { JsonOut.IsoTime(w, "device_timestamp", o.DeviceTimestamp); }
        if (F("enriched")) { w.WriteBoolean("enriched", true); }
        if (F("enriched_event_type")) { JsonOut.StringArray(w, "enriched_event_type", o.EnrichedEventType); }
        if (F("event_description")) { w.WriteString("event_description", o.EventDescription); }
        if (F("event_id")) { w.WriteString("event_id", o.EventId); }
        if (o.Network)
        {
            if (F("event_network_inbound")) { w.WriteBoolean("event_network_inbound", false); }
            if (F("event_network_local_ipv4")) { JsonOut.StringOrNull(w, "event_network_local_ipv4", o.NetLocalIp); }
            if (F("event_network_location")) { w.WriteNull("event_network_location"); }
            if (F("event_network_protocol")) { w.WriteString("event_network_protocol", "TCP"); }
            if (F("event_network_remote_ipv4")) { JsonOut.StringOrNull(w, "event_network_remote_ipv4", o.NetRemoteIp); }
            if (F("event_network_remote_port")) { JsonOut.NumberOrNull(w, "event_network_remote_port", o.NetRemotePort); }
        }
        if (F("event_type")) { JsonOut.StringArray(w, "event_type", o.EventType); }
        if (F("ingress_time")) { w.WriteNumber("ingress_time", o.IngressTime); }
        if (F("legacy")) { w.WriteBoolean("legacy", true); }
        if (F("observation_description")) { w.WriteString("observation_description", o.ObservationDescription); }
        w.WriteString("observation_id", o.ObservationId);
        if (F("observation_type")) { w.WriteString("observation_type", o.ObservationType); }
        if (F("org_id")) { w.WriteString("org_id", orgKey); }
        if (F("parent_guid")) { w.WriteString("parent_guid", o.ParentGuid); }
        if (F("parent_pid")) { w.WriteNumber("parent_pid", o.ParentPid); }
        if (F("process_guid")) { w.WriteString("process_guid", o.ProcessGuid); }
        if (F("process_hash")) { JsonOut.StringArray(w, "process_hash", o.ProcessHash); }
        if (F("process_name")) { w.WriteString("process_name", o.ProcessName); }
        if (F("process_pid"))
        {
            w.WriteStartArray("process_pid");
            foreach (long p in o.ProcessPid)
            {
                w.WriteNumberValue(p);
            }
            w.WriteEndArray();
        }
        if (F("process_username")) { JsonOut.StringArray(w, "process_username", o.ProcessUsername); }
        if (o.RuleId != null && F("rule_id")) { w.WriteString("rule_id", o.RuleId); }
        w.WriteEndObject();
    }
}

/// <summary>The observation filter of a search job: <c>time_range</c> (on device_timestamp), <c>criteria</c> and
/// <c>exclusions</c> (objects of arrays) and <c>query</c>.</summary>
internal sealed class ObservationSearch
{
    private readonly List<Func<Observation, bool>> _tests = new();
    private readonly List<Func<Observation, bool>> _exclusions = new();
    private QueryNode<Observation>? _query;
    public long From = long.MinValue;
    public long To = long.MaxValue;

    public bool Matches(Observation o)
    {
        if (o.DeviceTimestamp < From || o.DeviceTimestamp > To)
        {
            return false;
        }
        foreach (var t in _tests)
        {
            if (!t(o))
            {
                return false;
            }
        }
        foreach (var x in _exclusions)
        {
            if (x(o))
            {
                return false;
            }
        }
        return _query == null || _query.Matches(o);
    }

    private static string Num(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static IReadOnlyList<string> Nums(long[] values)
    {
        var s = new string[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            s[i] = Num(values[i]);
        }
        return s;
    }

    /// <summary>Criteria keys and query fields: what each matches (arrays match when any value does).</summary>
    private static readonly Dictionary<string, Func<Observation, IReadOnlyList<string>?>> Keys = new(StringComparer.Ordinal)
    {
        ["alert_category"] = o => o.AlertCategory,
        ["alert_id"] = o => o.AlertId,
        ["device_id"] = o => new[] { Num(o.DeviceId) },
        ["device_name"] = o => new[] { o.DeviceName },
        ["device_policy"] = o => new[] { o.DevicePolicy },
        ["device_policy_id"] = o => new[] { Num(o.DevicePolicyId) },
        ["enriched_event_type"] = o => o.EnrichedEventType,
        ["event_id"] = o => new[] { o.EventId },
        ["event_type"] = o => o.EventType,
        ["observation_id"] = o => new[] { o.ObservationId },
        ["observation_type"] = o => new[] { o.ObservationType },
        ["parent_guid"] = o => new[] { o.ParentGuid },
        ["parent_pid"] = o => new[] { Num(o.ParentPid) },
        ["process_guid"] = o => new[] { o.ProcessGuid },
        ["process_hash"] = o => o.ProcessHash,
        ["process_name"] = o => o.ProcessNames,
        ["process_pid"] = o => Nums(o.ProcessPid),
        ["process_username"] = o => o.ProcessUsername,
        ["rule_id"] = o => o.RuleId == null ? null : new[] { o.RuleId },
        ["event_network_remote_ipv4"] = o => o.NetRemoteIp == null ? null : new[] { o.NetRemoteIp },
        ["event_network_local_ipv4"] = o => o.NetLocalIp == null ? null : new[] { o.NetLocalIp },
        ["event_network_remote_port"] = o => o.NetRemotePort == null ? null : new[] { o.NetRemotePort.Value.ToString(CultureInfo.InvariantCulture) },
    };

    public static readonly string[] CriteriaKeys = SortedKeys();

    private static string[] SortedKeys()
    {
        var k = new List<string>(Keys.Keys);
        k.Sort(StringComparer.Ordinal);
        return k.ToArray();
    }

    internal static readonly FieldTable<Observation> QueryFields = BuildTable();

    private static FieldTable<Observation> BuildTable()
    {
        var t = new FieldTable<Observation>();
        foreach (var kv in Keys)
        {
            t.AddMulti(kv.Key, kv.Value);
        }
        t.Add("observation_description", o => o.ObservationDescription);
        t.Add("event_description", o => o.EventDescription);
        t.BareTerms("process_name", "device_name", "event_id", "observation_id", "process_hash");
        return t;
    }

    public static SearchError? Parse(JsonElement body, long nowMs, out ObservationSearch search)
    {
        search = new ObservationSearch();
        if (body.TryGetProperty("time_range", out var tr) && tr.ValueKind != JsonValueKind.Null)
        {
            var err = TimeRange(tr, nowMs, out search.From, out search.To);
            if (err != null)
            {
                return err;
            }
        }
        foreach (var (name, list) in new[] { ("criteria", search._tests), ("exclusions", search._exclusions) })
        {
            if (!body.TryGetProperty(name, out var obj) || obj.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            if (obj.ValueKind != JsonValueKind.Object)
            {
                return SearchError.Arg(name + " must be an object of arrays, such as {\"device_name\": [\"WIN-FIN-0001\"], \"event_type\": [\"netconn\"]}");
            }
            foreach (var p in obj.EnumerateObject())
            {
                if (!Keys.TryGetValue(p.Name, out var get))
                {
                    return SearchError.Arg(name + "." + p.Name + " is not a supported " + name + " key; supported: " + string.Join(", ", CriteriaKeys));
                }
                if (p.Value.ValueKind != JsonValueKind.Array)
                {
                    return SearchError.Arg(name + "." + p.Name + " must be an array (got " + p.Value.GetRawText() + ")");
                }
                var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var v in p.Value.EnumerateArray())
                {
                    if (v.ValueKind == JsonValueKind.String)
                    {
                        set.Add(v.GetString()!);
                    }
                    else if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n))
                    {
                        set.Add(Num(n));
                    }
                    else
                    {
                        return SearchError.Arg(name + "." + p.Name + " must be an array of strings or numbers (got " + v.GetRawText() + ")");
                    }
                }
                list.Add(o =>
                {
                    var values = get(o);
                    if (values == null)
                    {
                        return false;
                    }
                    foreach (var v in values)
                    {
                        if (set.Contains(v))
                        {
                            return true;
                        }
                    }
                    return false;
                });
            }
        }
        if (body.TryGetProperty("query", out var q) && q.ValueKind != JsonValueKind.Null)
        {
            if (q.ValueKind != JsonValueKind.String)
            {
                return SearchError.Arg("query must be a string (got " + q.GetRawText() + ")");
            }
            var err = QueryParser<Observation>.Parse(q.GetString()!, QueryFields, out search._query);
            if (err != null)
            {
                return err;
            }
        }
        return null;
    }

    /// <summary>The investigate time_range: <c>{"start"?, "end"?, "window"?}</c> on device_timestamp; window
    /// (-2w, -3d, -30m; s m h d w y) is measured back from end (or now); start with window is refused.</summary>
    private static SearchError? TimeRange(JsonElement el, long nowMs, out long from, out long to)
    {
        from = long.MinValue;
        to = long.MaxValue;
        if (el.ValueKind != JsonValueKind.Object)
        {
            return SearchError.Arg("time_range must be an object {\"start\": ISO, \"end\": ISO} or {\"window\": \"-3d\"}");
        }
        string? window = null;
        bool hasStart = false;
        foreach (var p in el.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }
            if (p.Value.ValueKind != JsonValueKind.String)
            {
                return SearchError.Arg("time_range." + p.Name + " must be a string (got " + p.Value.GetRawText() + ")");
            }
            string v = p.Value.GetString()!;
            switch (p.Name)
            {
                case "start":
                case "end":
                    if (!DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
                    {
                        return SearchError.Arg("time_range." + p.Name + ": '" + v + "' is not an ISO-8601 time such as 2024-01-01T00:00:00.000Z");
                    }
                    if (p.Name == "start")
                    {
                        hasStart = true;
                        from = t.ToUnixTimeMilliseconds();
                    }
                    else
                    {
                        to = t.ToUnixTimeMilliseconds();
                    }
                    break;
                case "window":
                    window = v;
                    break;
                default:
                    return SearchError.Arg("time_range." + p.Name + " is not valid; time_range has start, end and window");
            }
        }
        if (window != null)
        {
            if (hasStart)
            {
                return SearchError.Arg("time_range: give start (and end) or window (and end), not start and window");
            }
            var probe = JsonDocument.Parse("{\"range\": " + JsonSerializer.Serialize(window) + "}").RootElement;
            var err = DeviceSearch.TimeRange(probe, "time_range.window", nowMs, out long wf, out long wt);
            if (err != null)
            {
                return SearchError.Arg("time_range.window: '" + window + "' is not a window such as -30m, -12h, -3d, -2w or -1y");
            }
            if (wf != long.MinValue)
            {
                long end = to == long.MaxValue ? nowMs : to;
                from = end - (wt - wf);
                to = end;
            }
        }
        if (to < from)
        {
            return SearchError.Arg("time_range: end is before start");
        }
        return null;
    }

    public static readonly string[] SortFields =
    {
        "backend_timestamp", "device_id", "device_name", "device_timestamp", "event_id", "observation_id", "observation_type", "process_name",
    };

    private static Comparison<Observation> Key(string field, int dir) => field switch
    {
        "backend_timestamp" => (a, b) => dir * a.BackendTimestamp.CompareTo(b.BackendTimestamp),
        "device_timestamp" => (a, b) => dir * a.DeviceTimestamp.CompareTo(b.DeviceTimestamp),
        "device_id" => (a, b) => dir * a.DeviceId.CompareTo(b.DeviceId),
        "device_name" => (a, b) => dir * string.Compare(a.DeviceName, b.DeviceName, StringComparison.OrdinalIgnoreCase),
        "event_id" => (a, b) => dir * string.CompareOrdinal(a.EventId, b.EventId),
        "observation_id" => (a, b) => dir * string.CompareOrdinal(a.ObservationId, b.ObservationId),
        "observation_type" => (a, b) => dir * string.CompareOrdinal(a.ObservationType, b.ObservationType),
        "process_name" => (a, b) => dir * string.Compare(a.ProcessName, b.ProcessName, StringComparison.OrdinalIgnoreCase),
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    /// <summary>Parses <c>sort</c>; absent: device_timestamp descending. Ties end on observation_id ascending.</summary>
    public static SearchError? ParseSort(JsonElement el, out Comparison<Observation> comparison)
    {
        comparison = Observation.CompareByTimeDesc;
        var err = SortSpec.Parse(el, SortFields, "device_timestamp", out var items);
        if (err == null && items.Count > 0)
        {
            comparison = SortSpec.Chain<Observation>(items, Key, (a, b) => string.CompareOrdinal(a.ObservationId, b.ObservationId));
        }
        return err;
    }
}

internal sealed partial class EmulatorState
{
    /// <summary>Observations of the seeded events (made on first use after a reseed).</summary>
    public List<Observation>? EventObservations;
    /// <summary>Observations of alerts' primary events, by alert id (made when a job first needs them).</summary>
    public Dictionary<string, Observation?> AlertObservations = new(StringComparer.Ordinal);
    public Dictionary<string, ObservationJob> ObservationJobs = new(StringComparer.OrdinalIgnoreCase);
    public Queue<string> ObservationJobOrder = new();

    /// <summary>Observation jobs kept; older ones answer 404.</summary>
    public const int MaxObservationJobs = 1_000;

    /// <summary>The searchers a job reports (contacted), as the real service reports its shards.</summary>
    public const int ObservationSearchers = 8;

    /// <summary>Every observation now: the seeded events', then the searchable alerts'.</summary>
    public IEnumerable<Observation> AllObservations()
    {
        EventObservations ??= BuildEventObservations();
        foreach (var o in EventObservations)
        {
            yield return o;
        }
        foreach (var a in Alerts)
        {
            if (!AlertObservations.TryGetValue(a.Id, out var o))
            {
                o = ObservationFactory.FromAlert(a, Options.OrgKey);
                AlertObservations[a.Id] = o;
            }
            if (o != null)
            {
                yield return o;
            }
        }
    }

    private List<Observation> BuildEventObservations()
    {
        var list = new List<Observation>(Events.Count);
        foreach (var e in Events)
        {
            list.Add(ObservationFactory.FromEvent(e, Options.OrgKey));
        }
        return list;
    }

    public ObservationJob AddObservationJob(List<Observation> available, int numFound, HashSet<string>? fields)
    {
        var r = new Rng(Seed ^ NowMs ^ ObservationJobs.Count, "observation-job");
        var job = new ObservationJob
        {
            Id = r.Hex(8) + "-" + r.Hex(4) + "-4" + r.Hex(3) + "-8" + r.Hex(3) + "-" + r.Hex(12),
            CreatedMs = NowMs,
            DurationMs = Cur.ObservationJobMs,
            NumFound = numFound,
            Available = available,
            Fields = fields,
        };
        ObservationJobs[job.Id] = job;
        ObservationJobOrder.Enqueue(job.Id);
        while (ObservationJobOrder.Count > MaxObservationJobs)
        {
            ObservationJobs.Remove(ObservationJobOrder.Dequeue());
        }
        return job;
    }

    /// <summary>A job's progress: nobody contacted in its first tenth, then <see cref="ObservationSearchers"/>
    /// contacted and completing one by one until its time is up.</summary>
    public static (int Contacted, int Completed) ObservationProgress(ObservationJob j, long now)
    {
        long elapsed = now - j.CreatedMs;
        if (elapsed >= j.DurationMs)
        {
            return (ObservationSearchers, ObservationSearchers);
        }
        double first = j.DurationMs / 10.0;
        if (elapsed < first)
        {
            return (0, 0);
        }
        int done = (int)Math.Floor(ObservationSearchers * (elapsed - first) / (j.DurationMs - first));
        return (ObservationSearchers, Math.Min(ObservationSearchers - 1, done));
    }
}
