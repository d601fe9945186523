using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>A read-only emulator whose observation jobs complete at once, with every observation it has.</summary>
public sealed class ObservationEmu : IAsyncLifetime
{
    public Emu Emu { get; private set; } = null!;
    public JsonElement[] All { get; private set; } = Array.Empty<JsonElement>();

    public async Task InitializeAsync()
    {
        Emu = await Emu.Start("--devices", "40", "--events", "400", "--alerts", "40", "--seed", "3", "--observation-job-ms", "0");
        All = await ObservationTests.Run(Emu, "{\"rows\": 10000}", 10000);
    }

    public async Task DisposeAsync() => await Emu.DisposeAsync();
}

public sealed class ObservationTests : IClassFixture<ObservationEmu>
{
    private readonly Emu _emu;
    private readonly JsonElement[] _all;

    public ObservationTests(ObservationEmu f)
    {
        _emu = f.Emu;
        _all = f.All;
    }

    internal static async Task<string> Submit(Emu emu, string body)
    {
        var r = await emu.Post(Emu.Obs + "/search_jobs", body, Emu.Custom);
        Assert.True(r.Code == 200, body + ": " + r.Text);
        return r.Json.GetProperty("job_id").GetString()!;
    }

    internal static async Task<JsonElement> Results(Emu emu, string job, string query = "")
    {
        var r = await emu.Get(Emu.Obs + "/search_jobs/" + job + "/results" + query, Emu.Custom);
        Assert.True(r.Code == 200, r.Text);
        return r.Json;
    }

    /// <summary>Submits a job, waits for it, returns one page of its results.</summary>
    internal static async Task<JsonElement[]> Run(Emu emu, string body, int rows = 10000, int start = 0)
    {
        var j = await Done(emu, await Submit(emu, body), "?start=" + start + "&rows=" + rows);
        return j.GetProperty("results").EnumerateArray().ToArray();
    }

    internal static Task<JsonElement> Done(Emu emu, string job, string query = "") =>
        Emu.Until(() => Results(emu, job, query), j => j.GetProperty("contacted").GetInt32() > 0 && j.GetProperty("completed").GetInt32() == j.GetProperty("contacted").GetInt32());

    private static long Ms(JsonElement o, string f = "device_timestamp") => DateTimeOffset.Parse(o.GetProperty(f).GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static string Oid(JsonElement o) => o.GetProperty("observation_id").GetString()!;

    private static string[] Oids(IEnumerable<JsonElement> os) => os.Select(Oid).ToArray();

    private static IEnumerable<string> Arr(JsonElement o, string f) =>
        o.TryGetProperty(f, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number ? x.GetRawText() : x.GetString()!) : Array.Empty<string>();

    [Fact]
    public async Task Observations_AreTheEventsAndTheAlertsPrimaryEvents()
    {
        var events = (await _emu.Ok(Emu.V3 + "/event?rows=10000")).GetProperty("results").EnumerateArray().ToArray();
        var alerts = await _emu.Alerts("{\"rows\": 10000}");
        var withDevice = alerts.Where(a => a.TryGetProperty("device_id", out _)).ToArray();
        Assert.Equal(events.Length + withDevice.Length, _all.Length);
        var byEvent = _all.ToDictionary(o => o.GetProperty("event_id").GetString()!);
        foreach (var e in events)
        {
            var o = byEvent[e.GetProperty("eventId").GetString()!];
            Assert.Equal(e.GetProperty("deviceDetails").GetProperty("deviceName").GetString(), o.GetProperty("device_name").GetString());
            Assert.Equal(e.GetProperty("deviceDetails").GetProperty("deviceId").GetInt64(), o.GetProperty("device_id").GetInt64());
            Assert.Equal(e.GetProperty("eventTime").GetInt64(), Ms(o));
            Assert.Equal(e.GetProperty("eventType").GetString(), Arr(o, "enriched_event_type").Single());
            Assert.Contains(e.GetProperty("selectedApp").GetProperty("sha256Hash").GetString(), Arr(o, "process_hash"));
            Assert.Equal(JsonValueKind.Null, o.GetProperty("alert_id").ValueKind);
            Assert.StartsWith(e.GetProperty("eventId").GetString() + ":", Oid(o));
        }
        foreach (var a in withDevice)
        {
            var o = byEvent[a.GetProperty("primary_event_id").GetString()!];
            Assert.Equal(a.GetProperty("id").GetString(), Arr(o, "alert_id").Single());
            Assert.Equal(a.GetProperty("type").GetString(), o.GetProperty("observation_type").GetString());
            Assert.Equal(a.GetProperty("device_id").GetInt64(), o.GetProperty("device_id").GetInt64());
            Assert.Equal(a.GetProperty("first_event_timestamp").GetString(), o.GetProperty("device_timestamp").GetString());
        }
        var o0 = _all[0];
        foreach (var f in new[] { "alert_category", "alert_id", "backend_timestamp", "device_group_id", "device_id", "device_name", "device_policy", "device_policy_id", "device_timestamp", "enriched", "enriched_event_type", "event_description", "event_id", "event_type", "ingress_time", "legacy", "observation_description", "observation_id", "observation_type", "org_id", "parent_guid", "parent_pid", "process_guid", "process_hash", "process_name", "process_pid", "process_username" })
        {
            Assert.True(o0.TryGetProperty(f, out _), "missing " + f);
        }
        var net = _all.First(o => Arr(o, "event_type").Contains("netconn"));
        Assert.True(net.TryGetProperty("event_network_remote_ipv4", out _));
        Assert.True(net.TryGetProperty("event_network_remote_port", out _));
        Assert.False(_all.First(o => !Arr(o, "event_type").Contains("netconn")).TryGetProperty("event_network_remote_ipv4", out _));
        // newest first by default (device_timestamp, then observation_id)
        for (int i = 1; i < _all.Length; i++)
        {
            Assert.True(Ms(_all[i - 1]) > Ms(_all[i]) || (Ms(_all[i - 1]) == Ms(_all[i]) && string.CompareOrdinal(Oid(_all[i - 1]), Oid(_all[i])) < 0));
        }
    }

    [Fact]
    public async Task Job_CountsUp_ContactedThenCompleted()
    {
        await using var emu = await Emu.Start("--devices", "10", "--events", "50", "--observation-job-ms", "2500");
        string job = await Submit(emu, "{\"criteria\": {\"event_type\": [\"netconn\"]}}");
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", job);
        var running = await Results(emu, job);
        Assert.Equal(0, running.GetProperty("num_found").GetInt32());
        Assert.Equal(0, running.GetProperty("results").GetArrayLength());
        int lastCompleted = -1;
        bool partial = false;
        var done = await Emu.Until(() => Results(emu, job), j =>
        {
            int c = j.GetProperty("contacted").GetInt32(), k = j.GetProperty("completed").GetInt32();
            Assert.True(k >= lastCompleted, "completed went down");
            Assert.True(k <= c);
            lastCompleted = k;
            if (c > 0 && k < c)
            {
                partial = true;
                Assert.Equal(0, j.GetProperty("results").GetArrayLength());
            }
            return c > 0 && k == c;
        }, everyMs: 100);
        Assert.True(partial, "never saw a running job");
        Assert.Equal(8, done.GetProperty("contacted").GetInt32());
        Assert.True(done.GetProperty("num_found").GetInt32() > 0);
        Assert.Equal(new[] { "approximate_unaggregated", "completed", "contacted", "num_aggregated", "num_available", "num_found", "results" }, done.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(Math.Min(10, done.GetProperty("num_available").GetInt32()), done.GetProperty("results").GetArrayLength()); // rows defaults to 10
    }

    [Fact]
    public async Task Results_StartIsZeroBased()
    {
        string job = await Submit(_emu, "{}");
        var a = (await Results(_emu, job, "?start=0&rows=5")).GetProperty("results").EnumerateArray().ToArray();
        var b = (await Results(_emu, job, "?start=5&rows=5")).GetProperty("results").EnumerateArray().ToArray();
        var c = (await Results(_emu, job, "?start=1&rows=1")).GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(Oids(_all.Take(10)), Oids(a.Concat(b)));
        Assert.Equal(Oid(_all[1]), Oid(c.Single()));
        var past = await Results(_emu, job, "?start=100000&rows=5");
        Assert.Equal(0, past.GetProperty("results").GetArrayLength());
        Assert.Equal(_all.Length, past.GetProperty("num_available").GetInt32());
        Assert.Equal(400, (await _emu.Get(Emu.Obs + "/search_jobs/" + job + "/results?start=-1", Emu.Custom)).Code);
        Assert.Equal(400, (await _emu.Get(Emu.Obs + "/search_jobs/" + job + "/results?rows=10001", Emu.Custom)).Code);
        Assert.Equal(400, (await _emu.Get(Emu.Obs + "/search_jobs/" + job + "/results?rows=x", Emu.Custom)).Code);
        Emu.V6Error(await _emu.Get(Emu.Obs + "/search_jobs/nope/results", Emu.Custom), 404, "NOT_FOUND");
        // the job's own start and rows pick the window it keeps
        var win = await Run(_emu, "{\"start\": 3, \"rows\": 4}");
        Assert.Equal(Oids(_all.Skip(3).Take(4)), Oids(win));
    }

    [Theory]
    [InlineData("device_name")]
    [InlineData("device_id")]
    [InlineData("event_type")]
    [InlineData("enriched_event_type")]
    [InlineData("observation_type")]
    [InlineData("alert_id")]
    [InlineData("process_hash")]
    [InlineData("process_username")]
    [InlineData("event_id")]
    [InlineData("device_policy_id")]
    public async Task Criteria_MatchTheObservationsWithThatValue(string key)
    {
        var sample = _all.First(o => o.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null);
        var v = sample.GetProperty(key);
        string value = v.ValueKind == JsonValueKind.Array ? (v[0].ValueKind == JsonValueKind.Number ? v[0].GetRawText() : v[0].GetString()!) : v.ValueKind == JsonValueKind.Number ? v.GetRawText() : v.GetString()!;
        bool Has(JsonElement o) => o.TryGetProperty(key, out var x) && (x.ValueKind == JsonValueKind.Array
            ? x.EnumerateArray().Any(y => string.Equals(y.ValueKind == JsonValueKind.Number ? y.GetRawText() : y.GetString(), value, StringComparison.OrdinalIgnoreCase))
            : string.Equals(x.ValueKind == JsonValueKind.Number ? x.GetRawText() : x.GetString(), value, StringComparison.OrdinalIgnoreCase));
        var got = await Run(_emu, "{\"criteria\": {\"" + key + "\": [" + JsonSerializer.Serialize(value) + "]}}");
        Assert.Equal(Oids(_all.Where(Has)), Oids(got));
    }

    [Fact]
    public async Task ProcessName_MatchesThePathOrTheFileName_QueryAndExclusionsToo()
    {
        var sample = _all.First(o => o.GetProperty("process_name").GetString()!.Contains('\\'));
        string path = sample.GetProperty("process_name").GetString()!;
        string file = path[(path.LastIndexOf('\\') + 1)..];
        var byPath = await Run(_emu, "{\"criteria\": {\"process_name\": [" + JsonSerializer.Serialize(path) + "]}}");
        var byFile = await Run(_emu, "{\"criteria\": {\"process_name\": [" + JsonSerializer.Serialize(file) + "]}}");
        Assert.Equal(Oids(byPath), Oids(byFile));
        Assert.Equal(Oids(_all.Where(o => o.GetProperty("process_name").GetString() == path)), Oids(byFile));
        var q = await Run(_emu, "{\"query\": \"event_type:netconn AND device_name:WIN-*\"}");
        Assert.Equal(Oids(_all.Where(o => Arr(o, "event_type").Contains("netconn") && o.GetProperty("device_name").GetString()!.StartsWith("WIN-", StringComparison.Ordinal))), Oids(q));
        var ex = await Run(_emu, "{\"exclusions\": {\"event_type\": [\"netconn\"]}}");
        Assert.Equal(_all.Count(o => !Arr(o, "event_type").Contains("netconn")), ex.Length);
    }

    [Fact]
    public async Task TimeRange_OnDeviceTimestamp_SortAndFields()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var w = await Run(_emu, "{\"time_range\": {\"window\": \"-3d\"}}");
        int expected = _all.Count(o => Ms(o) >= now - 3 * 86_400_000L);
        Assert.InRange(w.Length, expected - 1, expected + 1);
        var times = _all.Select(o => Ms(o)).OrderBy(t => t).ToArray();
        string iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var se = await Run(_emu, "{\"time_range\": {\"start\": \"" + iso(times[10]) + "\", \"end\": \"" + iso(times[99]) + "\"}}");
        Assert.Equal(_all.Count(o => Ms(o) >= times[10] && Ms(o) <= times[99]), se.Length);
        var asc = await Run(_emu, "{\"sort\": [{\"field\": \"device_timestamp\", \"order\": \"ASC\"}]}");
        Assert.Equal(Oids(_all.OrderBy(o => Ms(o)).ThenBy(Oid, StringComparer.Ordinal)), Oids(asc));
        var byName = await Run(_emu, "{\"sort\": [{\"field\": \"device_name\", \"order\": \"ASC\"}]}");
        Assert.Equal(Oids(_all.OrderBy(o => o.GetProperty("device_name").GetString(), StringComparer.OrdinalIgnoreCase).ThenBy(Oid, StringComparer.Ordinal)), Oids(byName));
        var some = await Run(_emu, "{\"fields\": [\"device_name\", \"event_id\"]}", 3);
        Assert.All(some, o => Assert.Equal(new[] { "device_name", "event_id", "observation_id" }, o.EnumerateObject().Select(p => p.Name).ToArray()));
        var star = await Run(_emu, "{\"fields\": [\"*\"]}", 1);
        Assert.Equal(_all[0].GetRawText(), star[0].GetRawText());
    }

    [Theory]
    [InlineData("{\"criteria\": {\"bogus\": [\"x\"]}}", "INVALID_ARGUMENT", "bogus")]
    [InlineData("{\"criteria\": {\"device_name\": \"x\"}}", "INVALID_ARGUMENT", "array")]
    [InlineData("{\"query\": \"device_name:(\"}", "INVALID_QUERY", "")]
    [InlineData("{\"rows\": 10001}", "INVALID_ARGUMENT", "10,000")]
    [InlineData("{\"start\": 5000, \"rows\": 5001}", "INVALID_ARGUMENT", "10,000")]
    [InlineData("{\"fields\": [\"nope\"]}", "INVALID_ARGUMENT", "nope")]
    [InlineData("{\"sort\": [{\"field\": \"nope\"}]}", "INVALID_ARGUMENT", "nope")]
    [InlineData("{\"time_range\": {\"window\": \"-3x\"}}", "INVALID_ARGUMENT", "window")]
    [InlineData("{\"time_range\": {\"start\": \"2024-01-01T00:00:00Z\", \"window\": \"-3d\"}}", "INVALID_ARGUMENT", "window")]
    [InlineData("{\"time_range\": {\"range\": \"-3d\"}}", "INVALID_ARGUMENT", "range")]
    [InlineData("{\"bogus\": 1}", "INVALID_ARGUMENT", "bogus")]
    public async Task BadJob_Is400(string body, string code, string contains)
    {
        var r = await _emu.Post(Emu.Obs + "/search_jobs", body, Emu.Custom);
        Emu.V6Error(r, 400, code, contains.Length == 0 ? null : contains);
    }

    [Fact]
    public async Task Validation_SaysWhetherTheQueryParses()
    {
        var ok = await _emu.Ok(Emu.Obs + "/search_validation?q=" + Uri.EscapeDataString("device_name:WIN-* AND event_type:netconn"), Emu.Custom);
        Assert.True(ok.GetProperty("valid").GetBoolean());
        var bad = await _emu.Ok(Emu.Obs + "/search_validation?q=" + Uri.EscapeDataString("device_name:("), Emu.Custom);
        Assert.False(bad.GetProperty("valid").GetBoolean());
        Assert.False(string.IsNullOrEmpty(bad.GetProperty("invalid_message").GetString()));
    }
}

public sealed class ObservationLimitTests
{
    [Fact]
    public async Task AJobKeepsAtMost10000_SplittingTheTimeRangeGetsEverything()
    {
        await using var emu = await Emu.Start("--devices", "50", "--events", "14000", "--alerts", "10", "--observation-job-ms", "0");
        string job = await ObservationTests.Submit(emu, "{\"rows\": 10000}");
        var j = await ObservationTests.Done(emu, job, "?rows=0");
        int found = j.GetProperty("num_found").GetInt32();
        Assert.True(found >= 14000, found.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(10000, j.GetProperty("num_available").GetInt32());
        var small = await ObservationTests.Done(emu, await ObservationTests.Submit(emu, "{}"), "?rows=0");
        Assert.Equal(500, small.GetProperty("num_available").GetInt32()); // rows defaults to 500

        // split at the middle of the device_timestamps: each half under 10,000, together everything once
        var events = (await emu.Ok(Emu.V3 + "/event?rows=10000")).GetProperty("totalResults").GetInt32();
        Assert.Equal(14000, events);
        string iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long mid = now - 7 * 86_400_000L;
        var older = await ObservationTests.Run(emu, "{\"rows\": 10000, \"time_range\": {\"start\": \"" + iso(now - 30 * 86_400_000L) + "\", \"end\": \"" + iso(mid) + "\"}}");
        var newer = await ObservationTests.Run(emu, "{\"rows\": 10000, \"time_range\": {\"start\": \"" + iso(mid + 1) + "\", \"end\": \"" + iso(now + 60_000) + "\"}}");
        Assert.True(older.Length < 10000 && newer.Length < 10000, older.Length + " / " + newer.Length);
        var ids = older.Concat(newer).Select(o => o.GetProperty("observation_id").GetString()!).ToList();
        Assert.Equal(found, ids.Count);
        Assert.Equal(found, ids.Distinct().Count());
    }
}
