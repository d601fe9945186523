using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>One read-only emulator with 400 seeded alerts, plus every alert it has (newest first).</summary>
public sealed class AlertEmu : IAsyncLifetime
{
    public Emu Emu { get; private set; } = null!;
    public JsonElement[] All { get; private set; } = Array.Empty<JsonElement>();

    public async Task InitializeAsync()
    {
        Emu = await Emu.Start("--devices", "60", "--events", "300", "--alerts", "400", "--seed", "11");
        All = await Emu.Alerts("{\"rows\": 10000}");
    }

    public async Task DisposeAsync() => await Emu.DisposeAsync();
}

public sealed class AlertV7Tests : IClassFixture<AlertEmu>
{
    private readonly Emu _emu;
    private readonly JsonElement[] _all;

    public AlertV7Tests(AlertEmu f)
    {
        _emu = f.Emu;
        _all = f.All;
    }

    private static readonly Regex IsoMs = new(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$");

    private static long Ms(JsonElement a, string field) => DateTimeOffset.Parse(a.GetProperty(field).GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static string Id(JsonElement a) => a.GetProperty("id").GetString()!;

    private static string[] Ids(IEnumerable<JsonElement> alerts) => alerts.Select(Id).ToArray();

    [Fact]
    public async Task Search_Envelope_DefaultRowsAndOrder()
    {
        Assert.Equal(400, _all.Length);
        var j = await _emu.AlertSearch("{}");
        Assert.Equal(400, j.GetProperty("num_found").GetInt32());
        Assert.Equal(400, j.GetProperty("num_available").GetInt32());
        var page = j.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(100, page.Length); // rows defaults to 100
        Assert.Equal(Ids(_all.Take(100)), Ids(page));
        // default order: backend_timestamp descending, ties on id ascending
        for (int i = 1; i < _all.Length; i++)
        {
            long a = Ms(_all[i - 1], "backend_timestamp"), b = Ms(_all[i], "backend_timestamp");
            Assert.True(a > b || (a == b && string.CompareOrdinal(Id(_all[i - 1]), Id(_all[i])) < 0));
        }
    }

    [Fact]
    public void Alert_HasTheV7Fields_AndNoV6Names()
    {
        var a = _all.First(x => x.GetProperty("type").GetString() == "CB_ANALYTICS");
        foreach (var f in new[]
        {
            "org_key", "alert_url", "id", "type", "backend_timestamp", "user_update_timestamp", "backend_update_timestamp", "detection_timestamp",
            "first_event_timestamp", "last_event_timestamp", "severity", "reason", "reason_code", "threat_id", "primary_event_id", "policy_applied",
            "run_state", "sensor_action", "workflow", "determination", "tags", "alert_notes_present", "threat_notes_present", "is_updated",
            "device_id", "device_name", "device_target_value", "device_policy", "device_policy_id", "device_os", "device_os_version",
            "device_username", "device_location", "device_external_ip", "device_internal_ip", "ttps", "process_guid", "process_pid",
            "process_name", "process_sha256", "process_md5", "process_reputation", "process_effective_reputation", "process_cmdline",
            "process_username", "parent_guid", "parent_pid", "parent_name", "parent_sha256",
        })
        {
            Assert.True(a.TryGetProperty(f, out _), "missing " + f);
        }
        foreach (var f in new[] { "create_time", "last_update_time", "category", "legacy_alert_id", "policy_id", "policy_name", "target_value", "threat_indicators", "notes_present", "created_by_event_id" })
        {
            Assert.False(a.TryGetProperty(f, out _), "v6 field " + f + " in a v7 alert");
        }
        foreach (var f in new[] { "backend_timestamp", "backend_update_timestamp", "detection_timestamp", "first_event_timestamp", "last_event_timestamp" })
        {
            Assert.Matches(IsoMs, a.GetProperty(f).GetString()!);
        }
        Assert.Equal(JsonValueKind.Null, a.GetProperty("user_update_timestamp").ValueKind);
        var wf = a.GetProperty("workflow");
        Assert.Equal("OPEN", wf.GetProperty("status").GetString());
        Assert.Equal("NO_REASON", wf.GetProperty("closure_reason").GetString());
        Assert.Equal("SYSTEM", wf.GetProperty("changed_by_type").GetString());
        Assert.Equal("ALERT_CREATION", wf.GetProperty("changed_by").GetString());
        Assert.Equal(a.GetProperty("backend_timestamp").GetString(), wf.GetProperty("change_timestamp").GetString());
        var det = a.GetProperty("determination");
        Assert.Equal("NONE", det.GetProperty("value").GetString());
        Assert.Matches(IsoMs, det.GetProperty("change_timestamp").GetString()!);
        Assert.Equal(Emu.Org, a.GetProperty("org_key").GetString());
        Assert.Contains("id:" + Id(a), a.GetProperty("alert_url").GetString());
        Assert.Equal(JsonValueKind.Number, a.GetProperty("device_id").ValueKind);
        Assert.Equal(JsonValueKind.Array, a.GetProperty("ttps").ValueKind);
    }

    [Fact]
    public void Types_AreTheV7Ones_WithTheirOwnFields()
    {
        var types = _all.Select(a => a.GetProperty("type").GetString()!).Distinct().ToArray();
        Assert.All(types, t => Assert.Contains(t, new[] { "CB_ANALYTICS", "WATCHLIST", "DEVICE_CONTROL", "HOST_BASED_FIREWALL", "INTRUSION_DETECTION_SYSTEM", "CONTAINER_RUNTIME" }));
        Assert.Contains("CB_ANALYTICS", types);
        Assert.Contains("WATCHLIST", types);
        Assert.True(types.Length >= 4, string.Join(",", types));
        foreach (var a in _all)
        {
            switch (a.GetProperty("type").GetString())
            {
                case "WATCHLIST":
                    Assert.True(a.TryGetProperty("report_id", out _));
                    Assert.Equal(JsonValueKind.Array, a.GetProperty("watchlists").ValueKind);
                    Assert.Contains("was detected by the report", a.GetProperty("reason").GetString());
                    break;
                case "DEVICE_CONTROL":
                    Assert.True(a.TryGetProperty("vendor_name", out _));
                    Assert.True(a.TryGetProperty("serial_number", out _));
                    Assert.False(a.TryGetProperty("process_name", out _));
                    Assert.Equal("WINDOWS", a.GetProperty("device_os").GetString());
                    break;
                case "HOST_BASED_FIREWALL":
                case "INTRUSION_DETECTION_SYSTEM":
                    Assert.True(a.TryGetProperty("netconn_remote_ip", out _));
                    Assert.True(a.TryGetProperty("rule_id", out _));
                    break;
                case "CONTAINER_RUNTIME":
                    Assert.True(a.TryGetProperty("k8s_cluster", out _));
                    Assert.False(a.TryGetProperty("device_id", out _));
                    break;
            }
        }
    }

    [Fact]
    public async Task SameAlertsAsV6_UnderTheDocumentedRenames()
    {
        var v6 = (await _emu.Post(Emu.V6 + "/alerts/_search", "{\"rows\": 10000}")).Json
            .GetProperty("results").EnumerateArray().ToDictionary(Id);
        Assert.Equal(_all.Length, v6.Count);
        foreach (var a in _all)
        {
            var o = v6[Id(a)];
            Assert.Equal(o.GetProperty("create_time").GetString(), a.GetProperty("backend_timestamp").GetString());
            Assert.Equal(o.GetProperty("last_update_time").GetString(), a.GetProperty("backend_update_timestamp").GetString());
            Assert.Equal(o.GetProperty("first_event_time").GetString(), a.GetProperty("first_event_timestamp").GetString());
            Assert.Equal(o.GetProperty("last_event_time").GetString(), a.GetProperty("last_event_timestamp").GetString());
            Assert.Equal(o.GetProperty("threat_id").GetString(), a.GetProperty("threat_id").GetString());
            Assert.Equal(o.GetProperty("type").GetString(), a.GetProperty("type").GetString());
            Assert.Equal(o.GetProperty("severity").GetInt32(), a.GetProperty("severity").GetInt32());
            Assert.Equal(o.GetProperty("reason").GetString(), a.GetProperty("reason").GetString());
            Assert.Equal(o.GetProperty("created_by_event_id").GetString(), a.GetProperty("primary_event_id").GetString());
            Assert.Equal(o.GetProperty("workflow").GetProperty("state").GetString() == "DISMISSED" ? "CLOSED" : "OPEN", a.GetProperty("workflow").GetProperty("status").GetString());
            if (a.TryGetProperty("device_id", out var did))
            {
                Assert.Equal(o.GetProperty("device_id").GetInt64(), did.GetInt64());
                Assert.Equal(o.GetProperty("policy_id").GetInt64(), a.GetProperty("device_policy_id").GetInt64());
                Assert.Equal(o.GetProperty("policy_name").GetString(), a.GetProperty("device_policy").GetString());
                Assert.Equal(o.GetProperty("target_value").GetString(), a.GetProperty("device_target_value").GetString());
            }
            Assert.Equal(o.GetProperty("threat_indicators")[0].GetProperty("ttps").EnumerateArray().Select(x => x.GetString()), a.GetProperty("ttps").EnumerateArray().Select(x => x.GetString()));
            Assert.Equal(o.GetProperty("notes_present").GetBoolean(), a.GetProperty("alert_notes_present").GetBoolean());
        }
    }

    [Fact]
    public async Task Get_ReturnsTheBareObject_Unknown404()
    {
        var a = _all[17];
        var got = await _emu.Ok(Emu.Alerts7 + "/" + Id(a), Emu.Custom);
        Assert.Equal(a.GetRawText(), got.GetRawText());
        Emu.V6Error(await _emu.Get(Emu.Alerts7 + "/nope-not-an-alert", Emu.Custom), 404, "NOT_FOUND", "nope-not-an-alert");
    }

    // ------------------------------------------------------------------ criteria

    private static string? Value(JsonElement a, string key) => key switch
    {
        "workflow_status" => a.GetProperty("workflow").GetProperty("status").GetString(),
        "determination_value" => a.GetProperty("determination").GetProperty("value").GetString(),
        _ => a.TryGetProperty(key, out var v) ? (v.ValueKind == JsonValueKind.Number ? v.GetRawText() : v.ValueKind == JsonValueKind.String ? v.GetString() : null) : null,
    };

    [Theory]
    [InlineData("id")]
    [InlineData("type")]
    [InlineData("device_id")]
    [InlineData("device_name")]
    [InlineData("device_os")]
    [InlineData("device_os_version")]
    [InlineData("device_username")]
    [InlineData("threat_id")]
    [InlineData("workflow_status")]
    [InlineData("determination_value")]
    [InlineData("process_name")]
    [InlineData("process_sha256")]
    [InlineData("device_policy")]
    [InlineData("device_policy_id")]
    [InlineData("device_target_value")]
    [InlineData("reason_code")]
    [InlineData("policy_applied")]
    [InlineData("run_state")]
    public async Task Criteria_MatchesExactlyTheAlertsWithThatValue(string key)
    {
        var sample = _all.First(a => Value(a, key) != null);
        string v = Value(sample, key)!;
        string json = key is "device_id" or "device_policy_id" ? v : JsonSerializer.Serialize(v);
        var j = await _emu.AlertSearch("{\"rows\": 10000, \"criteria\": {\"" + key + "\": [" + json + "]}}");
        var expected = _all.Where(a => string.Equals(Value(a, key), v, StringComparison.OrdinalIgnoreCase)).ToArray();
        Assert.Equal(expected.Length, j.GetProperty("num_found").GetInt32());
        Assert.Equal(Ids(expected), Ids(j.GetProperty("results").EnumerateArray()));
    }

    [Fact]
    public async Task Criteria_OrWithinAKey_AndAcrossKeys_EmptyArrayMatchesNothing()
    {
        int cb = _all.Count(a => Value(a, "type") == "CB_ANALYTICS"), wl = _all.Count(a => Value(a, "type") == "WATCHLIST");
        var or = await _emu.AlertSearch("{\"criteria\": {\"type\": [\"CB_ANALYTICS\", \"WATCHLIST\"]}}");
        Assert.Equal(cb + wl, or.GetProperty("num_found").GetInt32());
        string os = Value(_all[0], "device_os")!;
        var and = await _emu.AlertSearch("{\"rows\": 10000, \"criteria\": {\"type\": [\"CB_ANALYTICS\"], \"device_os\": [\"" + os + "\"], \"minimum_severity\": 5}}");
        var expected = _all.Where(a => Value(a, "type") == "CB_ANALYTICS" && Value(a, "device_os") == os && a.GetProperty("severity").GetInt32() >= 5).ToArray();
        Assert.Equal(Ids(expected), Ids(and.GetProperty("results").EnumerateArray()));
        Assert.Equal(0, (await _emu.AlertSearch("{\"criteria\": {\"type\": []}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(cb, (await _emu.AlertSearch("{\"criteria\": {\"type\": [\"cb_analytics\"]}}")).GetProperty("num_found").GetInt32()); // enum values are case-insensitive
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(10)]
    public async Task Criteria_MinimumSeverity(int min)
    {
        var j = await _emu.AlertSearch("{\"rows\": 10000, \"criteria\": {\"minimum_severity\": " + min + "}}");
        Assert.Equal(_all.Count(a => a.GetProperty("severity").GetInt32() >= min), j.GetProperty("num_found").GetInt32());
    }

    [Theory]
    [InlineData("backend_timestamp")]
    [InlineData("backend_update_timestamp")]
    [InlineData("first_event_timestamp")]
    [InlineData("last_event_timestamp")]
    [InlineData("detection_timestamp")]
    public async Task Criteria_TimeField_StartEndInclusive_AndRange(string field)
    {
        var times = _all.Select(a => Ms(a, field)).OrderBy(t => t).ToArray();
        long from = times[100], to = times[250];
        string iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var j = await _emu.AlertSearch("{\"rows\": 10000, \"criteria\": {\"" + field + "\": {\"start\": \"" + iso(from) + "\", \"end\": \"" + iso(to) + "\"}}}");
        Assert.Equal(_all.Count(a => Ms(a, field) >= from && Ms(a, field) <= to), j.GetProperty("num_found").GetInt32());
        var all = await _emu.AlertSearch("{\"criteria\": {\"" + field + "\": {\"range\": \"all\"}}}");
        Assert.Equal(400, all.GetProperty("num_found").GetInt32());
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var week = await _emu.AlertSearch("{\"criteria\": {\"" + field + "\": {\"range\": \"-7d\"}}}");
        int expected = _all.Count(a => Ms(a, field) >= now - 7 * 86_400_000L && Ms(a, field) <= now);
        Assert.InRange(week.GetProperty("num_found").GetInt32(), expected - 1, expected + 1); // an alert may sit on the edge
    }

    [Fact]
    public async Task Exclusions_LeaveOutWhatTheyMatch()
    {
        int cb = _all.Count(a => Value(a, "type") == "CB_ANALYTICS");
        var j = await _emu.AlertSearch("{\"rows\": 10000, \"exclusions\": {\"type\": [\"CB_ANALYTICS\"]}}");
        Assert.Equal(400 - cb, j.GetProperty("num_found").GetInt32());
        Assert.DoesNotContain(j.GetProperty("results").EnumerateArray(), a => Value(a, "type") == "CB_ANALYTICS");
        string dev = Value(_all[3], "device_name")!;
        var both = await _emu.AlertSearch("{\"rows\": 10000, \"criteria\": {\"type\": [\"CB_ANALYTICS\"]}, \"exclusions\": {\"device_name\": [\"" + dev + "\"]}}");
        Assert.Equal(_all.Count(a => Value(a, "type") == "CB_ANALYTICS" && Value(a, "device_name") != dev), both.GetProperty("num_found").GetInt32());
        var r = await _emu.Post(Emu.Alerts7 + "/_search", "{\"exclusions\": {\"minimum_severity\": 3}}", Emu.Custom);
        Emu.V6Error(r, 400, "INVALID_ARGUMENT", "minimum_severity");
    }

    [Theory]
    [InlineData("{\"criteria\": {\"bogus\": [\"x\"]}}", "INVALID_ARGUMENT", "criteria.bogus")]
    [InlineData("{\"criteria\": {\"category\": [\"THREAT\"]}}", "INVALID_ARGUMENT", "criteria.category")]
    [InlineData("{\"criteria\": {\"type\": \"CB_ANALYTICS\"}}", "INVALID_ARGUMENT", "array")]
    [InlineData("{\"criteria\": {\"device_id\": [\"abc\"]}}", "INVALID_ARGUMENT", "integers")]
    [InlineData("{\"criteria\": {\"minimum_severity\": 11}}", "INVALID_ARGUMENT", "minimum_severity")]
    [InlineData("{\"criteria\": {\"minimum_severity\": [3]}}", "INVALID_ARGUMENT", "minimum_severity")]
    [InlineData("{\"criteria\": {\"backend_timestamp\": {\"range\": \"-3q\"}}}", "INVALID_ARGUMENT", "range")]
    [InlineData("{\"criteria\": {\"backend_timestamp\": {\"start\": \"2024-01-01T00:00:00Z\"}}}", "INVALID_ARGUMENT", "backend_timestamp")]
    [InlineData("{\"criteria\": \"x\"}", "INVALID_ARGUMENT", "criteria")]
    [InlineData("{\"bogus\": 1}", "INVALID_ARGUMENT", "bogus")]
    [InlineData("{\"rows\": -1}", "INVALID_ARGUMENT", "rows")]
    [InlineData("{\"rows\": \"10\"}", "INVALID_ARGUMENT", "rows")]
    [InlineData("{\"start\": -1}", "INVALID_ARGUMENT", "start")]
    [InlineData("{\"query\": 5}", "INVALID_ARGUMENT", "query")]
    [InlineData("[]", "INVALID_ARGUMENT", "object")]
    [InlineData("nope", "INVALID_ARGUMENT", "JSON")]
    [InlineData("{\"sort\": [{\"field\": \"bogus\"}]}", "INVALID_ARGUMENT", "bogus")]
    [InlineData("{\"sort\": [{\"field\": \"severity\", \"order\": \"UP\"}]}", "INVALID_ARGUMENT", "order")]
    [InlineData("{\"sort\": {\"field\": \"severity\"}}", "INVALID_ARGUMENT", "sort")]
    [InlineData("{\"time_range\": {\"range\": \"-181d\"}}", "INVALID_ARGUMENT", "180 days")]
    [InlineData("{\"time_range\": {\"range\": \"-1y\"}}", "INVALID_ARGUMENT", "180 days")]
    [InlineData("{\"time_range\": {\"start\": \"2024-01-01T00:00:00.000Z\", \"end\": \"2024-07-01T00:00:01.000Z\"}}", "INVALID_ARGUMENT", "180 days")]
    [InlineData("{\"time_range\": {\"start\": \"2024-02-01T00:00:00.000Z\", \"end\": \"2024-01-01T00:00:00.000Z\"}}", "INVALID_ARGUMENT", "before")]
    [InlineData("{\"time_range\": {\"range\": \"-1d\", \"start\": \"2024-01-01T00:00:00.000Z\"}}", "INVALID_ARGUMENT", "time_range")]
    [InlineData("{\"time_range\": {\"start\": \"yesterday\", \"end\": \"2024-01-01T00:00:00.000Z\"}}", "INVALID_ARGUMENT", "ISO")]
    [InlineData("{\"query\": \"device_name:(\"}", "INVALID_QUERY", "")]
    [InlineData("{\"query\": \"bogus_field:x\"}", "INVALID_QUERY", "bogus_field")]
    public async Task BadSearch_Is400_NamingTheProblem(string body, string code, string contains)
    {
        var r = await _emu.Post(Emu.Alerts7 + "/_search", body, Emu.Custom);
        Emu.V6Error(r, 400, code, contains.Length == 0 ? null : contains);
        if (code == "INVALID_QUERY")
        {
            Assert.Equal("query_malformed_syntax", r.Json.GetProperty("reason").GetString());
        }
    }

    [Theory]
    [InlineData("workflow_status", "DISMISSED")]
    [InlineData("type", "VMWARE")]
    [InlineData("determination_value", "MAYBE")]
    [InlineData("device_os", "BEOS")]
    public async Task BadEnumValue_IsInvalidEnumValue_WithTheKnownValues(string key, string value)
    {
        var r = await _emu.Post(Emu.Alerts7 + "/_search", "{\"criteria\": {\"" + key + "\": [\"" + value + "\"]}}", Emu.Custom);
        Emu.V6Error(r, 400, "INVALID_ENUM_VALUE", value);
        Assert.Equal("criteria." + key, r.Json.GetProperty("field").GetString());
        Assert.Equal(value, r.Json.GetProperty("invalid_value").GetString());
        Assert.True(r.Json.GetProperty("known_values").GetArrayLength() >= 3);
    }

    [Fact]
    public async Task TimeRange_FiltersOnBackendTimestamp()
    {
        var times = _all.Select(a => Ms(a, "backend_timestamp")).OrderBy(t => t).ToArray();
        long from = times[50], to = times[60];
        string iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var j = await _emu.AlertSearch("{\"rows\": 10000, \"time_range\": {\"start\": \"" + iso(from) + "\", \"end\": \"" + iso(to) + "\"}}");
        var expected = _all.Where(a => Ms(a, "backend_timestamp") >= from && Ms(a, "backend_timestamp") <= to).ToArray();
        Assert.True(expected.Length >= 11);
        Assert.Equal(Ids(expected), Ids(j.GetProperty("results").EnumerateArray()));
        Assert.Equal(400, (await _emu.AlertSearch("{\"time_range\": {\"range\": \"all\"}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(400, (await _emu.AlertSearch("{\"time_range\": {\"range\": \"-180d\"}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(0, (await _emu.AlertSearch("{\"time_range\": {\"start\": \"2020-01-01T00:00:00Z\", \"end\": \"2020-01-02T00:00:00Z\"}}")).GetProperty("num_found").GetInt32());
    }

    [Fact]
    public async Task Query_UsesTheSearchLanguage_OverV7Names()
    {
        var win = await _emu.AlertSearch("{\"rows\": 10000, \"query\": \"device_name:WIN-*\"}");
        Assert.Equal(_all.Count(a => Value(a, "device_name")?.StartsWith("WIN-", StringComparison.OrdinalIgnoreCase) == true), win.GetProperty("num_found").GetInt32());
        var or = await _emu.AlertSearch("{\"query\": \"type:WATCHLIST OR type:DEVICE_CONTROL\"}");
        Assert.Equal(_all.Count(a => Value(a, "type") is "WATCHLIST" or "DEVICE_CONTROL"), or.GetProperty("num_found").GetInt32());
        var not = await _emu.AlertSearch("{\"query\": \"NOT workflow_status:OPEN\"}");
        Assert.Equal(0, not.GetProperty("num_found").GetInt32());
        var bare = await _emu.Alerts("{\"query\": \"" + Id(_all[5]) + "\"}");
        Assert.Equal(Id(_all[5]), Id(bare.Single()));
        var ttp = await _emu.AlertSearch("{\"query\": \"ttps:KNOWN_C2\"}");
        Assert.Equal(_all.Count(a => a.GetProperty("ttps").EnumerateArray().Any(t => t.GetString() == "KNOWN_C2")), ttp.GetProperty("num_found").GetInt32());
        var sev = await _emu.AlertSearch("{\"query\": \"severity:10 AND type:CB_ANALYTICS\"}");
        Assert.Equal(_all.Count(a => a.GetProperty("severity").GetInt32() == 10 && Value(a, "type") == "CB_ANALYTICS"), sev.GetProperty("num_found").GetInt32());
    }

    [Theory]
    [InlineData("severity", "DESC")]
    [InlineData("severity", "ASC")]
    [InlineData("device_name", "ASC")]
    [InlineData("first_event_timestamp", "ASC")]
    [InlineData("last_event_timestamp", "DESC")]
    [InlineData("backend_timestamp", "ASC")]
    [InlineData("backend_update_timestamp", "DESC")]
    [InlineData("threat_id", "ASC")]
    public async Task Sort_IsTotal_TiesOnIdAscending(string field, string order)
    {
        var got = await _emu.Alerts("{\"rows\": 10000, \"sort\": [{\"field\": \"" + field + "\", \"order\": \"" + order + "\"}]}");
        Assert.Equal(400, got.Length);
        int dir = order == "ASC" ? 1 : -1;
        for (int i = 1; i < got.Length; i++)
        {
            bool ha = got[i - 1].TryGetProperty(field, out var a), hb = got[i].TryGetProperty(field, out var b);
            if (!ha || !hb)
            {
                Assert.False(!ha && hb, field + ": alerts without the field come after those with it");
                if (!ha && !hb)
                {
                    Assert.True(string.CompareOrdinal(Id(got[i - 1]), Id(got[i])) < 0);
                }
                continue;
            }
            int c = a.ValueKind == JsonValueKind.Number
                ? a.GetInt64().CompareTo(b.GetInt64())
                : field.EndsWith("_timestamp", StringComparison.Ordinal)
                    ? Ms(got[i - 1], field).CompareTo(Ms(got[i], field))
                    : string.Compare(a.GetString(), b.GetString(), StringComparison.OrdinalIgnoreCase);
            Assert.True(dir * c < 0 || (c == 0 && string.CompareOrdinal(Id(got[i - 1]), Id(got[i])) < 0), field + " out of order at " + i);
        }
        var twoKeys = await _emu.Alerts("{\"rows\": 10000, \"sort\": [{\"field\": \"type\", \"order\": \"ASC\"}, {\"field\": \"severity\", \"order\": \"DESC\"}]}");
        var expected = _all.OrderBy(a => Value(a, "type"), StringComparer.OrdinalIgnoreCase).ThenByDescending(a => a.GetProperty("severity").GetInt32()).ThenBy(Id, StringComparer.Ordinal);
        Assert.Equal(Ids(expected), Ids(twoKeys));
    }

    [Fact]
    public async Task Start_IsOneBased_ZeroIsTheFirstRowToo()
    {
        var s0 = await _emu.Alerts("{\"rows\": 5, \"start\": 0}");
        var s1 = await _emu.Alerts("{\"rows\": 5, \"start\": 1}");
        Assert.Equal(Ids(_all.Take(5)), Ids(s0));
        Assert.Equal(Ids(s0), Ids(s1));
        var s11 = await _emu.Alerts("{\"rows\": 10, \"start\": 11}");
        Assert.Equal(Ids(_all.Skip(10).Take(10)), Ids(s11));
        var past = await _emu.AlertSearch("{\"rows\": 10, \"start\": 395}");
        Assert.Equal(6, past.GetProperty("results").GetArrayLength());
        var none = await _emu.AlertSearch("{\"rows\": 0}");
        Assert.Equal(0, none.GetProperty("results").GetArrayLength());
        Assert.Equal(400, none.GetProperty("num_found").GetInt32());
    }

    [Theory]
    [InlineData(1, 10000, 200)]
    [InlineData(9991, 10, 200)]
    [InlineData(9992, 10, 500)]
    [InlineData(1, 10001, 500)]
    [InlineData(10001, 1, 500)]
    [InlineData(0, 10000, 200)]
    public async Task Window_PastTheFirst10000_Is500(int start, int rows, int status)
    {
        var r = await _emu.Post(Emu.Alerts7 + "/_search", "{\"start\": " + start + ", \"rows\": " + rows + "}", Emu.Custom);
        Assert.Equal(status, r.Code);
        if (status == 500)
        {
            Emu.V6Error(r, 500, "INTERNAL_SERVER_ERROR", "10,000");
        }
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("process")]
    [InlineData("")]
    public async Task Suggestions_V7Shape(string q)
    {
        var j = await _emu.Ok(Emu.Alerts7 + "/search_suggestions?suggest.q=" + q, Emu.Custom);
        var s = j.GetProperty("suggestions").EnumerateArray().ToArray();
        Assert.NotEmpty(s);
        Assert.All(s, x =>
        {
            Assert.Equal(new[] { "term", "weight" }, x.EnumerateObject().Select(p => p.Name).ToArray());
            Assert.Contains(q, x.GetProperty("term").GetString()!, StringComparison.OrdinalIgnoreCase);
        });
        if (q.Length == 0)
        {
            Assert.Equal("threat_category", s[0].GetProperty("term").GetString());
        }
    }
}
