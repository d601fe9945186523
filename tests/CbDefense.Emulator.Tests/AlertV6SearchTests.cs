using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>One read-only emulator with 400 seeded alerts, plus every alert its v6 search returns (default order).</summary>
public sealed class AlertV6Emu : IAsyncLifetime
{
    public Emu Emu { get; private set; } = null!;
    public JsonElement[] All { get; private set; } = Array.Empty<JsonElement>();

    public async Task InitializeAsync()
    {
        Emu = await Emu.Start("--devices", "60", "--events", "300", "--alerts", "400", "--seed", "11");
        All = await AlertV6SearchTests.Results(Emu, "{\"rows\": 10000}");
    }

    public async Task DisposeAsync() => await Emu.DisposeAsync();
}

/// <summary>The legacy alert search, <c>POST /appservices/v6/orgs/{org_key}/alerts/_search</c>, with the bodies the
/// SDKs' v6 BaseAlertSearchQuery sends.</summary>
public sealed class AlertV6SearchTests : IClassFixture<AlertV6Emu>
{
    private const string Path = Emu.V6 + "/alerts/_search";

    private readonly Emu _emu;
    private readonly JsonElement[] _all;

    public AlertV6SearchTests(AlertV6Emu f)
    {
        _emu = f.Emu;
        _all = f.All;
    }

    internal static async Task<JsonElement> Search(Emu emu, string body)
    {
        var r = await emu.Post(Path, body);
        Assert.True(r.Code == 200, $"v6 alerts/_search {body}: {r.Code} {r.Text[..Math.Min(400, r.Text.Length)]}");
        return r.Json;
    }

    internal static async Task<JsonElement[]> Results(Emu emu, string body) => (await Search(emu, body)).GetProperty("results").EnumerateArray().ToArray();

    private Task<JsonElement> Search(string body) => Search(_emu, body);

    private Task<JsonElement[]> Results(string body) => Results(_emu, body);

    private static long Ms(JsonElement a, string field) => DateTimeOffset.Parse(a.GetProperty(field).GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Id(JsonElement a) => a.GetProperty("id").GetString()!;

    private static string[] Ids(IEnumerable<JsonElement> alerts) => alerts.Select(Id).ToArray();

    /// <summary>What a v6 criteria key compares, read from the v6 alert object.</summary>
    private static string? Value(JsonElement a, string key) => key switch
    {
        "workflow" => a.GetProperty("workflow").GetProperty("state").GetString(),
        "process_sha256" => a.GetProperty("threat_indicators")[0].GetProperty("sha256").GetString(),
        "reputation" => a.GetProperty("threat_cause_reputation").GetString(),
        _ => a.TryGetProperty(key, out var v) ? (v.ValueKind == JsonValueKind.Number ? v.GetRawText() : v.ValueKind == JsonValueKind.String ? v.GetString() : null) : null,
    };

    private static void NewestFirst(IReadOnlyList<JsonElement> alerts)
    {
        for (int i = 1; i < alerts.Count; i++)
        {
            long a = Ms(alerts[i - 1], "create_time"), b = Ms(alerts[i], "create_time");
            Assert.True(a > b || (a == b && string.CompareOrdinal(Id(alerts[i - 1]), Id(alerts[i])) < 0), "out of order at " + i);
        }
    }

    [Fact]
    public async Task Envelope_DefaultRows_NewestCreateTimeFirst_TiesOnId()
    {
        Assert.Equal(400, _all.Length);
        NewestFirst(_all);
        var j = await Search("{}");
        Assert.Equal(400, j.GetProperty("num_found").GetInt32());
        Assert.Equal(400, j.GetProperty("num_available").GetInt32());
        Assert.Equal(Ids(_all.Take(20)), Ids(j.GetProperty("results").EnumerateArray())); // rows defaults to 20
        var empty = await _emu.Send(System.Net.Http.HttpMethod.Post, Path, null); // no body: everything, as before
        Assert.Equal(200, empty.Code);
        Assert.Equal(400, empty.Json.GetProperty("num_found").GetInt32());
    }

    [Fact]
    public async Task SdkShapedBody_IsServed()
    {
        // what BaseAlertSearchQuery sends: criteria with the time criteria inside, query (empty or null), rows,
        // start past the first page, sort as a one-item list
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var j = await Search("{\"criteria\": {\"workflow\": [\"OPEN\"], \"minimum_severity\": 3, \"create_time\": {\"range\": \"-2w\"}, \"group_results\": false}, "
            + "\"query\": \"\", \"rows\": 100, \"start\": 101, \"sort\": [{\"field\": \"create_time\", \"order\": \"ASC\"}]}");
        var expected = _all.Where(a => a.GetProperty("severity").GetInt32() >= 3 && Ms(a, "create_time") >= now - 14 * 86_400_000L)
            .OrderBy(a => Ms(a, "create_time")).ThenBy(Id, StringComparer.Ordinal).ToArray();
        Assert.InRange(j.GetProperty("num_found").GetInt32(), expected.Length - 1, expected.Length + 1); // an alert may sit on the edge
        Assert.True(expected.Length > 101);
        var page = j.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(Math.Min(100, j.GetProperty("num_found").GetInt32() - 100), page.Length);
        Assert.All(page, a => Assert.True(a.GetProperty("severity").GetInt32() >= 3));
        Assert.Equal(0, (await Search("{\"criteria\": {}, \"query\": null, \"rows\": 0}")).GetProperty("results").GetArrayLength());
    }

    // ------------------------------------------------------------------ criteria

    [Theory]
    [InlineData("id")]
    [InlineData("legacy_alert_id")]
    [InlineData("threat_id")]
    [InlineData("type")]
    [InlineData("category")]
    [InlineData("workflow")]
    [InlineData("device_id")]
    [InlineData("device_name")]
    [InlineData("device_os")]
    [InlineData("device_os_version")]
    [InlineData("device_username")]
    [InlineData("device_location")]
    [InlineData("policy_id")]
    [InlineData("policy_name")]
    [InlineData("process_name")]
    [InlineData("process_sha256")]
    [InlineData("reputation")]
    [InlineData("reason_code")]
    [InlineData("run_state")]
    [InlineData("policy_applied")]
    [InlineData("sensor_action")]
    [InlineData("target_value")]
    public async Task Criteria_MatchesExactlyTheAlertsWithThatValue(string key)
    {
        var sample = _all.First(a => Value(a, key) != null);
        string v = Value(sample, key)!;
        string json = key is "device_id" or "policy_id" ? v : JsonSerializer.Serialize(v);
        var j = await Search("{\"rows\": 10000, \"criteria\": {\"" + key + "\": [" + json + "]}}");
        var expected = _all.Where(a => string.Equals(Value(a, key), v, StringComparison.OrdinalIgnoreCase)).ToArray();
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Length, j.GetProperty("num_found").GetInt32());
        Assert.Equal(Ids(expected), Ids(j.GetProperty("results").EnumerateArray()));
        // a second value ORs; a value no alert has matches nothing
        var other = _all.Select(a => Value(a, key)).FirstOrDefault(x => x != null && !string.Equals(x, v, StringComparison.OrdinalIgnoreCase));
        if (other != null)
        {
            string json2 = key is "device_id" or "policy_id" ? other : JsonSerializer.Serialize(other);
            var or = await Search("{\"rows\": 0, \"criteria\": {\"" + key + "\": [" + json + ", " + json2 + "]}}");
            Assert.Equal(_all.Count(a => Value(a, key) is string x && (string.Equals(x, v, StringComparison.OrdinalIgnoreCase) || string.Equals(x, other, StringComparison.OrdinalIgnoreCase))), or.GetProperty("num_found").GetInt32());
        }
    }

    [Fact]
    public async Task Criteria_AndAcrossKeys_EmptyArrayMatchesNothing_EnumsCaseInsensitive()
    {
        string os = Value(_all[0], "device_os")!;
        var and = await Results("{\"rows\": 10000, \"criteria\": {\"category\": [\"THREAT\"], \"device_os\": [\"" + os + "\"], \"minimum_severity\": 6, \"workflow\": [\"OPEN\"]}}");
        var expected = _all.Where(a => Value(a, "category") == "THREAT" && Value(a, "device_os") == os && a.GetProperty("severity").GetInt32() >= 6).ToArray();
        Assert.NotEmpty(expected);
        Assert.Equal(Ids(expected), Ids(and));
        Assert.Equal(0, (await Search("{\"criteria\": {\"type\": []}}")).GetProperty("num_found").GetInt32());
        int monitored = _all.Count(a => Value(a, "category") == "MONITORED");
        Assert.True(monitored > 0);
        Assert.Equal(monitored, (await Search("{\"criteria\": {\"category\": [\"monitored\"]}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(400, (await Search("{\"criteria\": {\"workflow\": [\"OPEN\", \"DISMISSED\"]}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(0, (await Search("{\"criteria\": {\"workflow\": [\"DISMISSED\"]}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(_all.Count(a => Value(a, "device_id") == Value(_all[0], "device_id")),
            (await Search("{\"criteria\": {\"device_id\": [\"" + Value(_all[0], "device_id") + "\"]}}")).GetProperty("num_found").GetInt32()); // numeric strings accepted
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(10)]
    public async Task Criteria_MinimumSeverity(int min)
    {
        var j = await Search("{\"rows\": 10000, \"criteria\": {\"minimum_severity\": " + min + "}}");
        Assert.Equal(_all.Count(a => a.GetProperty("severity").GetInt32() >= min), j.GetProperty("num_found").GetInt32());
        Assert.All(j.GetProperty("results").EnumerateArray(), a => Assert.True(a.GetProperty("severity").GetInt32() >= min));
    }

    [Fact]
    public async Task Criteria_Tag_KillChain_GroupResults()
    {
        Assert.All(_all, a => Assert.Equal(JsonValueKind.Null, a.GetProperty("tags").ValueKind));
        Assert.Equal(0, (await Search("{\"criteria\": {\"tag\": [\"important\"]}}")).GetProperty("num_found").GetInt32()); // no alert has tags
        var kc = await Search("{\"criteria\": {\"kill_chain_status\": [\"RECONNAISSANCE\"]}}");
        int expected = _all.Count(a => a.GetProperty("kill_chain_status").EnumerateArray().Any(x => x.GetString() == "RECONNAISSANCE"));
        Assert.True(expected > 0);
        Assert.Equal(expected, kc.GetProperty("num_found").GetInt32());
        Assert.Equal(400, (await Search("{\"criteria\": {\"group_results\": false}}")).GetProperty("num_found").GetInt32());
        Emu.V6Error(await _emu.Post(Path, "{\"criteria\": {\"group_results\": true}}"), 400, "INVALID_ARGUMENT", "group_results");
    }

    [Theory]
    [InlineData("create_time")]
    [InlineData("first_event_time")]
    [InlineData("last_event_time")]
    [InlineData("last_update_time")]
    public async Task Criteria_TimeField_StartEndInclusive_AndRange(string field)
    {
        var times = _all.Select(a => Ms(a, field)).OrderBy(t => t).ToArray();
        long from = times[100], to = times[250];
        var j = await Results("{\"rows\": 10000, \"criteria\": {\"" + field + "\": {\"start\": \"" + Iso(from) + "\", \"end\": \"" + Iso(to) + "\"}}}");
        var expected = _all.Where(a => Ms(a, field) >= from && Ms(a, field) <= to).ToArray();
        Assert.True(expected.Length >= 151); // both ends inclusive
        Assert.Equal(Ids(expected), Ids(j));
        Assert.Equal(400, (await Search("{\"criteria\": {\"" + field + "\": {\"range\": \"all\"}}}")).GetProperty("num_found").GetInt32());
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var (range, span) in new[] { ("-7d", 7 * 86_400_000L), ("-2w", 14 * 86_400_000L), ("-36h", 36 * 3_600_000L), ("-3000m", 3000 * 60_000L) })
        {
            var r = await Search("{\"criteria\": {\"" + field + "\": {\"range\": \"" + range + "\"}}}");
            int n = _all.Count(a => Ms(a, field) >= now - span && Ms(a, field) <= now);
            Assert.InRange(r.GetProperty("num_found").GetInt32(), n - 1, n + 1); // an alert may sit on the edge
        }
        Assert.Equal(0, (await Search("{\"criteria\": {\"" + field + "\": {\"start\": \"2020-01-01T00:00:00Z\", \"end\": \"2020-01-02T00:00:00Z\"}}}")).GetProperty("num_found").GetInt32());
    }

    [Fact]
    public async Task Criteria_TimeAndOtherCriteria_Combine()
    {
        var times = _all.Select(a => Ms(a, "create_time")).OrderBy(t => t).ToArray();
        long from = times[50], to = times[350];
        var j = await Results("{\"rows\": 10000, \"criteria\": {\"create_time\": {\"start\": \"" + Iso(from) + "\", \"end\": \"" + Iso(to) + "\"}, "
            + "\"last_event_time\": {\"range\": \"-1y\"}, \"category\": [\"THREAT\"]}}");
        Assert.Equal(Ids(_all.Where(a => Ms(a, "create_time") >= from && Ms(a, "create_time") <= to && Value(a, "category") == "THREAT")), Ids(j));
    }

    [Fact]
    public async Task Criteria_Workflow_ReadsDismissedAfterAThreatWorkflow()
    {
        await using var emu = await Emu.Start("--devices", "20", "--events", "300", "--workflow-seconds", "0");
        var all = await Results(emu, "{\"rows\": 10000}");
        string threat = all[0].GetProperty("threat_id").GetString()!;
        var r = await emu.Post(Emu.V6 + "/threat/workflow/_criteria", "{\"threat_id\": [\"" + threat + "\"], \"state\": \"DISMISSED\"}");
        Assert.Equal(200, r.Code);
        var dismissed = await Results(emu, "{\"rows\": 10000, \"criteria\": {\"workflow\": [\"DISMISSED\"]}}");
        Assert.Equal(Ids(all.Where(a => a.GetProperty("threat_id").GetString() == threat)), Ids(dismissed));
        var open = await Search(emu, "{\"rows\": 0, \"criteria\": {\"workflow\": [\"OPEN\"]}}");
        Assert.Equal(all.Length - dismissed.Length, open.GetProperty("num_found").GetInt32());
        var q = await Search(emu, "{\"rows\": 0, \"query\": \"workflow:DISMISSED\"}");
        Assert.Equal(dismissed.Length, q.GetProperty("num_found").GetInt32());
    }

    // ------------------------------------------------------------------ query

    [Fact]
    public async Task Query_UsesTheSearchLanguage_OverV6Names()
    {
        var win = await Search("{\"rows\": 10000, \"query\": \"device_name:WIN-*\"}");
        Assert.Equal(_all.Count(a => Value(a, "device_name")!.StartsWith("WIN-", StringComparison.OrdinalIgnoreCase)), win.GetProperty("num_found").GetInt32());
        var or = await Search("{\"query\": \"type:WATCHLIST OR category:MONITORED\"}");
        Assert.Equal(_all.Count(a => Value(a, "type") == "WATCHLIST" || Value(a, "category") == "MONITORED"), or.GetProperty("num_found").GetInt32());
        Assert.Equal(0, (await Search("{\"query\": \"NOT workflow:OPEN\"}")).GetProperty("num_found").GetInt32());
        var bare = await Results("{\"query\": \"" + Id(_all[5]) + "\"}");
        Assert.Equal(Id(_all[5]), Id(bare.Single()));
        var legacy = await Results("{\"query\": \"legacy_alert_id:" + _all[7].GetProperty("legacy_alert_id").GetString() + "\"}");
        Assert.Equal(Id(_all[7]), Id(legacy.Single()));
        string pol = Value(_all[2], "policy_id")!;
        var both = await Search("{\"query\": \"policy_id:" + pol + "\", \"criteria\": {\"minimum_severity\": 5}}");
        Assert.Equal(_all.Count(a => Value(a, "policy_id") == pol && a.GetProperty("severity").GetInt32() >= 5), both.GetProperty("num_found").GetInt32());
        Assert.Equal(400, (await Search("{\"query\": \"  \"}")).GetProperty("num_found").GetInt32());
    }

    [Theory]
    [InlineData("{\"query\": \"device_name:(\"}", "")]
    [InlineData("{\"query\": \"bogus_field:x\"}", "bogus_field")]
    [InlineData("{\"query\": \"severity:[5 TO 10]\"}", "")]
    [InlineData("{\"query\": \"device_name:WIN~\"}", "")]
    [InlineData("{\"query\": \"backend_timestamp:x\"}", "backend_timestamp")] // a v7 name is not a v6 field
    public async Task Query_ItCannotEvaluate_Is400InvalidQuery(string body, string contains)
    {
        var r = await _emu.Post(Path, body);
        Emu.V6Error(r, 400, "INVALID_QUERY", contains.Length == 0 ? null : contains);
        Assert.Equal("query_malformed_syntax", r.Json.GetProperty("reason").GetString());
    }

    // ------------------------------------------------------------------ sort

    [Theory]
    [InlineData("create_time", "ASC")]
    [InlineData("create_time", "DESC")]
    [InlineData("first_event_time", "ASC")]
    [InlineData("first_event_time", "DESC")]
    [InlineData("last_event_time", "ASC")]
    [InlineData("last_event_time", "DESC")]
    [InlineData("last_update_time", "ASC")]
    [InlineData("last_update_time", "DESC")]
    [InlineData("severity", "ASC")]
    [InlineData("severity", "DESC")]
    [InlineData("device_name", "ASC")]
    [InlineData("device_name", "DESC")]
    [InlineData("id", "ASC")]
    [InlineData("id", "DESC")]
    [InlineData("threat_id", "ASC")]
    [InlineData("policy_name", "DESC")]
    [InlineData("device_id", "ASC")]
    public async Task Sort_BothWays_IsTotal_TiesOnIdAscending(string field, string order)
    {
        var got = await Results("{\"rows\": 10000, \"sort\": [{\"field\": \"" + field + "\", \"order\": \"" + order + "\"}]}");
        Assert.Equal(400, got.Length);
        int dir = order == "ASC" ? 1 : -1;
        for (int i = 1; i < got.Length; i++)
        {
            var a = got[i - 1].GetProperty(field);
            var b = got[i].GetProperty(field);
            int c = a.ValueKind == JsonValueKind.Number
                ? a.GetInt64().CompareTo(b.GetInt64())
                : field.EndsWith("_time", StringComparison.Ordinal)
                    ? Ms(got[i - 1], field).CompareTo(Ms(got[i], field))
                    : field == "id" ? string.CompareOrdinal(a.GetString(), b.GetString()) : string.Compare(a.GetString(), b.GetString(), StringComparison.OrdinalIgnoreCase);
            Assert.True(dir * c < 0 || (c == 0 && string.CompareOrdinal(Id(got[i - 1]), Id(got[i])) < 0), field + " " + order + " out of order at " + i);
        }
        // paging the sorted list gives the same alerts in the same order
        var page = await Results("{\"rows\": 25, \"start\": 151, \"sort\": [{\"field\": \"" + field + "\", \"order\": \"" + order.ToLowerInvariant() + "\"}]}");
        Assert.Equal(Ids(got.Skip(150).Take(25)), Ids(page));
    }

    [Fact]
    public async Task Sort_TwoKeys_DefaultOrderAsc_EmptyIsTheDefault()
    {
        var twoKeys = await Results("{\"rows\": 10000, \"sort\": [{\"field\": \"type\", \"order\": \"ASC\"}, {\"field\": \"severity\", \"order\": \"DESC\"}]}");
        var expected = _all.OrderBy(a => Value(a, "type"), StringComparer.OrdinalIgnoreCase).ThenByDescending(a => a.GetProperty("severity").GetInt32()).ThenBy(Id, StringComparer.Ordinal);
        Assert.Equal(Ids(expected), Ids(twoKeys));
        var noOrder = await Results("{\"rows\": 10000, \"sort\": [{\"field\": \"severity\"}]}");
        Assert.Equal(Ids(_all.OrderBy(a => a.GetProperty("severity").GetInt32()).ThenBy(Id, StringComparer.Ordinal)), Ids(noOrder));
        Assert.Equal(Ids(_all), Ids(await Results("{\"rows\": 10000, \"sort\": []}")));
        Assert.Equal(Ids(_all), Ids(await Results("{\"rows\": 10000, \"sort\": [{\"field\": \"create_time\", \"order\": \"DESC\"}]}")));
    }

    // ------------------------------------------------------------------ paging and the window

    [Fact]
    public async Task Start_IsOneBased_ZeroIsTheFirstRowToo()
    {
        Assert.Equal(Ids(_all.Take(5)), Ids(await Results("{\"rows\": 5, \"start\": 0}")));
        Assert.Equal(Ids(_all.Take(5)), Ids(await Results("{\"rows\": 5, \"start\": 1}")));
        Assert.Equal(Ids(_all.Skip(10).Take(10)), Ids(await Results("{\"rows\": 10, \"start\": 11}")));
        var past = await Search("{\"rows\": 10, \"start\": 395}");
        Assert.Equal(6, past.GetProperty("results").GetArrayLength());
        Assert.Equal(400, past.GetProperty("num_found").GetInt32());
        Assert.Equal(0, (await Search("{\"rows\": 10, \"start\": 401}")).GetProperty("results").GetArrayLength());
    }

    [Theory]
    [InlineData(1, 10000, 200)]
    [InlineData(0, 10000, 200)]
    [InlineData(9991, 10, 200)]
    [InlineData(9992, 10, 400)]
    [InlineData(1, 10001, 400)]
    [InlineData(10001, 1, 400)]
    public async Task Window_PastTheFirst10000_Is400(int start, int rows, int status)
    {
        var r = await _emu.Post(Path, "{\"start\": " + start + ", \"rows\": " + rows + "}");
        Assert.True(r.Code == status, r.Code + " " + r.Text[..Math.Min(300, r.Text.Length)]);
        if (status == 400)
        {
            Emu.V6Error(r, 400, "INVALID_ARGUMENT", "10,000");
        }
    }

    // ------------------------------------------------------------------ refusals

    [Theory]
    [InlineData("{\"criteria\": {\"bogus\": [\"x\"]}}", "criteria.bogus")]
    [InlineData("{\"criteria\": {\"workflow_status\": [\"OPEN\"]}}", "criteria.workflow_status")] // a v7 name
    [InlineData("{\"criteria\": {\"backend_timestamp\": {\"range\": \"-1d\"}}}", "criteria.backend_timestamp")]
    [InlineData("{\"criteria\": {\"threat_id\": \"x\"}}", "array")]
    [InlineData("{\"criteria\": {\"device_name\": [5]}}", "array of strings")]
    [InlineData("{\"criteria\": {\"device_id\": [\"abc\"]}}", "integers")]
    [InlineData("{\"criteria\": {\"policy_id\": 6525}}", "integers")]
    [InlineData("{\"criteria\": {\"workflow\": [\"CLOSED\"]}}", "OPEN, DISMISSED")]
    [InlineData("{\"criteria\": {\"category\": [\"ALERT\"]}}", "criteria.category")]
    [InlineData("{\"criteria\": {\"type\": [\"VMWARE\"]}}", "CB_ANALYTICS")]
    [InlineData("{\"criteria\": {\"reputation\": [\"GOOD\"]}}", "KNOWN_MALWARE")]
    [InlineData("{\"criteria\": {\"target_value\": [\"URGENT\"]}}", "MISSION_CRITICAL")]
    [InlineData("{\"criteria\": {\"device_os\": [\"BEOS\"]}}", "criteria.device_os")]
    [InlineData("{\"criteria\": {\"run_state\": [\"MAYBE\"]}}", "criteria.run_state")]
    [InlineData("{\"criteria\": {\"minimum_severity\": 11}}", "minimum_severity")]
    [InlineData("{\"criteria\": {\"minimum_severity\": [3]}}", "minimum_severity")]
    [InlineData("{\"criteria\": {\"minimum_severity\": \"3\"}}", "minimum_severity")]
    [InlineData("{\"criteria\": {\"tag\": \"x\"}}", "criteria.tag")]
    [InlineData("{\"criteria\": {\"group_results\": \"no\"}}", "group_results")]
    [InlineData("{\"criteria\": {\"create_time\": {\"range\": \"-3q\"}}}", "range")]
    [InlineData("{\"criteria\": {\"create_time\": \"-2w\"}}", "criteria.create_time")]
    [InlineData("{\"criteria\": {\"first_event_time\": {\"start\": \"2024-01-01T00:00:00Z\"}}}", "first_event_time")]
    [InlineData("{\"criteria\": {\"last_event_time\": {\"start\": \"yesterday\", \"end\": \"2024-01-01T00:00:00Z\"}}}", "ISO")]
    [InlineData("{\"criteria\": {\"last_update_time\": {\"start\": \"2024-02-01T00:00:00Z\", \"end\": \"2024-01-01T00:00:00Z\"}}}", "before")]
    [InlineData("{\"criteria\": {\"create_time\": {\"range\": \"-1d\", \"start\": \"2024-01-01T00:00:00Z\"}}}", "create_time")]
    [InlineData("{\"criteria\": \"x\"}", "criteria")]
    [InlineData("{\"exclusions\": {}}", "exclusions")]
    [InlineData("{\"time_range\": {\"range\": \"-1d\"}}", "time_range")]
    [InlineData("{\"rows\": -1}", "rows")]
    [InlineData("{\"rows\": \"10\"}", "rows")]
    [InlineData("{\"start\": -1}", "start")]
    [InlineData("{\"query\": 5}", "query")]
    [InlineData("{\"sort\": [{\"field\": \"bogus\"}]}", "bogus")]
    [InlineData("{\"sort\": [{\"field\": \"backend_timestamp\"}]}", "backend_timestamp")]
    [InlineData("{\"sort\": [{\"field\": \"severity\", \"order\": \"UP\"}]}", "order")]
    [InlineData("{\"sort\": [{\"order\": \"ASC\"}]}", "field")]
    [InlineData("{\"sort\": [{\"field\": \"severity\", \"dir\": \"ASC\"}]}", "dir")]
    [InlineData("{\"sort\": {\"field\": \"severity\"}}", "sort")]
    [InlineData("[]", "object")]
    [InlineData("nope", "JSON")]
    public async Task BadSearch_Is400InvalidArgument_NamingTheProblem(string body, string contains)
    {
        Emu.V6Error(await _emu.Post(Path, body), 400, "INVALID_ARGUMENT", contains);
    }

    [Fact]
    public async Task UnknownCriteriaKey_ListsTheSupportedOnes()
    {
        var r = await _emu.Post(Path, "{\"criteria\": {\"hostname\": [\"x\"]}}");
        Emu.V6Error(r, 400, "INVALID_ARGUMENT", "criteria.hostname");
        string msg = r.Json.GetProperty("message").GetString()!;
        foreach (var k in new[] { "id", "legacy_alert_id", "threat_id", "type", "category", "workflow", "device_id", "device_name", "device_os", "device_username",
            "policy_id", "policy_name", "process_name", "process_sha256", "reputation", "tag", "run_state", "policy_applied", "sensor_action", "minimum_severity",
            "target_value", "create_time", "first_event_time", "last_event_time", "last_update_time" })
        {
            Assert.Contains(k, msg);
        }
        Assert.Equal(new[] { "error_code", "message" }, r.Json.EnumerateObject().Select(p => p.Name).ToArray()); // the v6 body
    }
}
