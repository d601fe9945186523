using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace CbDefense.Emulator.Tests;

/// <summary>_scroll, one device state behind v3 and v6, device actions by search, faults and counters on v6 routes.</summary>
public sealed class DeviceV6StateTests
{
    private readonly ITestOutputHelper _out;

    public DeviceV6StateTests(ITestOutputHelper output) => _out = output;

    private static List<long> Ids(JsonElement reply) => reply.GetProperty("results").EnumerateArray().Select(d => d.GetProperty("id").GetInt64()).ToList();

    /// <summary>Scrolls until search_after comes back empty; returns every id served and the number of calls.</summary>
    private static async Task<(List<long> Ids, int Calls)> ScrollAll(Emu emu, string parts, int rows, Func<int, Task>? between = null)
    {
        var ids = new List<long>();
        string? after = null;
        int calls = 0;
        while (true)
        {
            string body = "{" + parts + (parts.Length > 0 ? ", " : "") + "\"rows\": " + rows + (after == null ? "" : ", \"search_after\": \"" + after + "\"") + "}";
            var r = await emu.Scroll(body);
            Assert.True(r.Code == 200, r.Text);
            calls++;
            var j = r.Json;
            ids.AddRange(Ids(j));
            after = j.GetProperty("search_after").GetString();
            if (string.IsNullOrEmpty(after) || j.GetProperty("results").GetArrayLength() == 0)
            {
                return (ids, calls);
            }
            if (between != null)
            {
                await between(calls);
            }
            Assert.True(calls < 10_000);
        }
    }

    [Fact]
    public async Task Scroll_25000Devices_EveryIdOnceInIdOrder()
    {
        await using var emu = await Emu.Start("--devices", "25000", "--events", "10");
        var first = await emu.Scroll("{\"rows\": 10000}");
        Assert.Equal(200, first.Code);
        Assert.Equal(new[] { "org_key", "num_found", "search_after", "results" }, first.Json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("EMUORG01", first.Json.GetProperty("org_key").GetString());
        Assert.Equal(25000, first.Json.GetProperty("num_found").GetInt32());
        var (ids, calls) = await ScrollAll(emu, "", 10000);
        Assert.Equal(3, calls); // 10,000 + 10,000 + 5,000; the last page carries search_after ""
        Assert.Equal(25000, ids.Count);
        Assert.Equal(ids.OrderBy(i => i), ids);
        Assert.Equal(25000, ids.Distinct().Count());
        var v3 = new List<long>();
        for (int start = 1; start <= 25000; start += 5000)
        {
            v3.AddRange((await emu.Devices("rows=5000&start=" + start)).Select(d => d.GetProperty("deviceId").GetInt64()));
        }
        Assert.Equal(v3, ids);
        // A loop that instead goes on until a page is empty sends the empty search_after once more.
        var end = await emu.Scroll("{\"rows\": 10000, \"search_after\": \"\"}");
        Assert.Equal(200, end.Code);
        Assert.Equal(0, end.Json.GetProperty("results").GetArrayLength());
        Assert.Equal("", end.Json.GetProperty("search_after").GetString());
        Assert.Equal(25000, end.Json.GetProperty("num_found").GetInt32());
    }

    [Fact]
    public async Task Scroll_WithSearchParts_AndSortIgnored()
    {
        await using var emu = await Emu.Start("--devices", "500", "--events", "10");
        var want = Ids((await emu.Search("{\"rows\": 10000, \"criteria\": {\"os\": [\"WINDOWS\"]}, \"query\": \"NOT status:INACTIVE\", \"exclusions\": {\"sensor_version\": [\"3.6.0.1979\"]}}")).Json);
        Assert.InRange(want.Count, 50, 450);
        var (ids, calls) = await ScrollAll(emu, "\"criteria\": {\"os\": [\"WINDOWS\"]}, \"query\": \"NOT status:INACTIVE\", \"exclusions\": {\"sensor_version\": [\"3.6.0.1979\"]}, \"sort\": [{\"field\": \"name\", \"order\": \"DESC\"}]", 37);
        Assert.Equal(want, ids);
        Assert.Equal((want.Count + 36) / 37, calls);
        var one = await emu.Scroll("{\"rows\": 37, \"criteria\": {\"os\": [\"WINDOWS\"]}, \"query\": \"NOT status:INACTIVE\", \"exclusions\": {\"sensor_version\": [\"3.6.0.1979\"]}}");
        Assert.Equal(want.Count, one.Json.GetProperty("num_found").GetInt32());
        var none = await emu.Scroll("{\"query\": \"name:NOTHING\"}");
        Assert.Equal(0, none.Json.GetProperty("num_found").GetInt32());
        Assert.Equal("", none.Json.GetProperty("search_after").GetString());
    }

    [Fact]
    public async Task Scroll_TokenSurvivesDevicesComingAndGoing()
    {
        await using var emu = await Emu.Start("--devices", "300", "--events", "10");
        var all = Ids((await emu.Search("{\"rows\": 10000}")).Json);
        var deleted = new List<long>();
        var (ids, _) = await ScrollAll(emu, "", 50, async call =>
        {
            // Between pages, delete a device not yet served and one already served.
            long ahead = all[call * 50 + 10], behind = all[call * 50 - 10];
            deleted.Add(ahead);
            deleted.Add(behind);
            Assert.Equal(204, (await emu.Post(Emu.V6 + "/device_actions", "{\"action_type\": \"DELETE_SENSOR\", \"device_id\": [" + ahead + ", " + behind + "]}", Emu.Custom)).Code);
        });
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        Assert.Equal(ids.OrderBy(i => i), ids);
        var expected = all.Where(i => !deleted.Contains(i) || ids.IndexOf(i) >= 0).ToList();
        Assert.Equal(expected, ids);
        Assert.DoesNotContain(deleted.Where((_, k) => k % 2 == 0), ids.Contains);
    }

    [Theory]
    [InlineData("{\"search_after\": \"not-a-token\"}", "search_after")]
    [InlineData("{\"search_after\": \"ZW11LXNjcm9sbDp4\"}", "search_after")]
    [InlineData("{\"search_after\": 12}", "search_after")]
    [InlineData("{\"rows\": 10001}", "10,000")]
    [InlineData("{\"rows\": 0}", "rows")]
    [InlineData("{\"rows\": \"5\"}", "rows")]
    [InlineData("{\"start\": 5}", "start")]
    [InlineData("{\"criteria\": {\"name\": [\"x\"]}}", "criteria.name")]
    [InlineData("{\"sort\": [{\"field\": \"nope\"}]}", "nope")]
    [InlineData("nope", "JSON")]
    public async Task Scroll_BadInput_Is400(string body, string contains)
    {
        await using var emu = await Emu.Start("--devices", "5");
        Emu.V6Error(await emu.Scroll(body), 400, "INVALID_ARGUMENT", contains);
        var q = await emu.Scroll("{\"query\": \"name:(\"}");
        Emu.V6Error(q, 400, "INVALID_QUERY");
    }

    [Fact]
    public async Task OneDeviceState_BehindV3AndV6()
    {
        await using var emu = await Emu.Start("--devices", "20", "--events", "10");
        var ids = Ids((await emu.Search("{\"rows\": 20, \"criteria\": {\"status\": [\"REGISTERED\", \"ACTIVE\"]}}")).Json);
        // Quarantined through v6 device_actions (CUSTOM key) reads quarantined through v3 and v6.
        Assert.Equal(204, (await emu.Post(Emu.V6 + "/device_actions", "{\"action_type\": \"QUARANTINE\", \"device_id\": [" + ids[0] + "], \"options\": {\"toggle\": \"ON\"}}", Emu.Custom)).Code);
        Assert.True((await emu.Device(ids[0])).GetProperty("quarantined").GetBoolean());
        var v6 = (await emu.Get(Emu.V6 + "/devices/" + ids[0], Emu.Custom)).Json;
        Assert.True(v6.GetProperty("quarantined").GetBoolean());
        Assert.Equal("QUARANTINE", v6.GetProperty("status").GetString());
        // Moved through v3 PATCH reads moved through v6.
        Assert.Equal(200, (await emu.Patch(Emu.V3 + "/device/" + ids[1], "{\"policyId\": 30245}")).Code);
        var moved = (await emu.Get(Emu.V6 + "/devices/" + ids[1], Emu.Custom)).Json;
        Assert.Equal(30245, moved.GetProperty("policy_id").GetInt64());
        Assert.Equal("Executives", moved.GetProperty("policy_name").GetString());
        Assert.Equal(JsonValueKind.String, moved.GetProperty("last_device_policy_changed_time").ValueKind);
        Assert.Contains(ids[1], Ids((await emu.Search("{\"criteria\": {\"policy_id\": [30245]}, \"rows\": 100}")).Json));
        // Deleted through v6 leaves both.
        Assert.Equal(204, (await emu.Post(Emu.V6 + "/device_actions", "{\"action_type\": \"DELETE_SENSOR\", \"device_id\": [" + ids[2] + "]}", Emu.Custom)).Code);
        Emu.V3Error(await emu.Get(Emu.V3 + "/device/" + ids[2]), 404);
        Emu.V6Error(await emu.Get(Emu.V6 + "/devices/" + ids[2], Emu.Custom), 404, "NOT_FOUND");
        Assert.Equal(19, (await emu.Search("{}")).Json.GetProperty("num_found").GetInt32());
    }

    [Fact]
    public async Task DeviceActions_BySearch_ActOnEveryMatch_BeyondTheWindow()
    {
        await using var emu = await Emu.Start("--devices", "12000", "--events", "10");
        var r = await emu.Post(Emu.V6 + "/device_actions", "{\"action_type\": \"QUARANTINE\", \"search\": {\"criteria\": {\"status\": [\"ALL\"]}, \"query\": \"\"}, \"options\": {\"toggle\": \"ON\"}}", Emu.Custom);
        Assert.Equal(204, r.Code);
        Assert.Equal(12000, (await emu.Search("{\"query\": \"quarantined:true\"}")).Json.GetProperty("num_found").GetInt32());
    }

    [Fact]
    public async Task DeviceActions_BySearch_UseTheSearchSemantics()
    {
        await using var emu = await Emu.Start("--devices", "200", "--events", "10");
        string parts = "\"criteria\": {\"os\": [\"windows\"]}, \"query\": \"name:WIN-* AND NOT status:QUARANTINE\", \"exclusions\": {\"sensor_version\": [\"3.9.1.2451\"]}";
        var want = Ids((await emu.Search("{" + parts + ", \"rows\": 10000}")).Json);
        Assert.InRange(want.Count, 10, 190);
        Assert.Equal(204, (await emu.Post(Emu.V6 + "/device_actions", "{\"action_type\": \"BACKGROUND_SCAN\", \"search\": {" + parts + "}, \"options\": {\"toggle\": \"ON\"}}", Emu.Custom)).Code);
        var scanned = (await emu.Search("{\"rows\": 10000}")).Json.GetProperty("results").EnumerateArray()
            .Where(d => d.GetProperty("scan_status").ValueKind == JsonValueKind.String && d.GetProperty("scan_status").GetString() == "IN_PROGRESS")
            .Select(d => d.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(want, scanned);
    }

    [Theory]
    [InlineData("{\"action_type\": \"QUARANTINE\", \"device_id\": [1], \"search\": {\"query\": \"\"}, \"options\": {\"toggle\": \"ON\"}}", "INVALID_ARGUMENT", "not both")]
    [InlineData("{\"action_type\": \"QUARANTINE\", \"options\": {\"toggle\": \"ON\"}}", "INVALID_ARGUMENT", "search")]
    [InlineData("{\"action_type\": \"QUARANTINE\", \"search\": {\"critera\": {}}, \"options\": {\"toggle\": \"ON\"}}", "INVALID_ARGUMENT", "critera")]
    [InlineData("{\"action_type\": \"QUARANTINE\", \"search\": {\"criteria\": {\"hostname\": [\"x\"]}}, \"options\": {\"toggle\": \"ON\"}}", "INVALID_ARGUMENT", "search.criteria.hostname")]
    [InlineData("{\"action_type\": \"QUARANTINE\", \"search\": {\"criteria\": {\"os\": \"MAC\"}}, \"options\": {\"toggle\": \"ON\"}}", "INVALID_ARGUMENT", "search.criteria.os")]
    [InlineData("{\"action_type\": \"QUARANTINE\", \"search\": {\"exclusions\": {\"os\": [\"MAC\"]}}, \"options\": {\"toggle\": \"ON\"}}", "INVALID_ARGUMENT", "sensor_version")]
    [InlineData("{\"action_type\": \"QUARANTINE\", \"search\": {\"query\": \"(os:MAC\"}, \"options\": {\"toggle\": \"ON\"}}", "INVALID_QUERY", "Unbalanced")]
    [InlineData("{\"action_type\": \"QUARANTINE\", \"device_id\": 7, \"options\": {\"toggle\": \"ON\"}}", "INVALID_ARGUMENT", "device_id must be an array of integers (got 7)")]
    [InlineData("{\"action_type\": \"QUARANTINE\", \"device_id\": [1, \"x\"], \"options\": {\"toggle\": \"ON\"}}", "INVALID_ARGUMENT", "device_id must be an array of integers (got \"x\")")]
    public async Task DeviceActions_BadSearch_Is400_NoChange(string body, string code, string contains)
    {
        await using var emu = await Emu.Start("--devices", "20", "--events", "10");
        string before = (await emu.Search("{\"rows\": 100}")).Text;
        Emu.V6Error(await emu.Post(Emu.V6 + "/device_actions", body, Emu.Custom), 400, code, contains);
        Assert.Equal(before, (await emu.Search("{\"rows\": 100}")).Text);
    }

    [Fact]
    public async Task Stats_CountV6DeviceRoutesByTemplate()
    {
        await using var emu = await Emu.Start("--devices", "10");
        await emu.Search("{}");
        await emu.Search("{}");
        await emu.Scroll("{}");
        await emu.Get(Emu.V6 + "/devices/5", Emu.Custom);
        var routes = (await emu.Ok("/_emulator/stats", null)).GetProperty("routes");
        Assert.Equal(2, routes.GetProperty("POST /appservices/v6/orgs/{org_key}/devices/_search").GetInt64());
        Assert.Equal(1, routes.GetProperty("POST /appservices/v6/orgs/{org_key}/devices/_scroll").GetInt64());
        Assert.Equal(1, routes.GetProperty("GET /appservices/v6/orgs/{org_key}/devices/{id}").GetInt64());
        var log = (await emu.Ok("/_emulator/requests?last=1", null)).GetProperty("requests")[0];
        Assert.Equal("EMUCUST001", log.GetProperty("keyId").GetString());
        Assert.Equal(404, log.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Faults_ApplyToV6DeviceRoutes_BeforeAuth()
    {
        await using var emu = await Emu.Start("--devices", "30");
        async Task Fault(string json) => Assert.Equal(200, (await emu.Post("/_emulator/faults", json, null)).Code);
        string search = Emu.V6 + "/devices/_search";
        await Fault("{\"kind\": \"status\", \"status\": 503, \"count\": 1, \"retryAfter\": 4, \"path\": \"" + search + "\"}");
        var r = await emu.Search("{}", null); // no key at all: the fault answers first
        Emu.V3Error(r, 503);
        Assert.Equal(TimeSpan.FromSeconds(4), r.Message.Headers.RetryAfter!.Delta);
        await Fault("{\"kind\": \"throttle\", \"count\": 1, \"method\": \"POST\"}");
        Emu.V3Error(await emu.Scroll("{}"), 429, "Too many requests");
        await Fault("{\"kind\": \"malformed\", \"count\": 1}");
        string malformed = (await emu.Get(Emu.V6 + "/devices/1", Emu.Custom)).Text;
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(malformed));
        await Fault("{\"kind\": \"html\", \"count\": 1}");
        Assert.Equal(502, (await emu.Scroll("{}")).Code);
        string real = (await emu.Search("{\"rows\": 5}")).Text;
        await Fault("{\"kind\": \"truncated\", \"count\": 1}");
        var t = await emu.Search("{\"rows\": 5}");
        Assert.Equal(200, t.Code);
        Assert.True(t.Text.Length < real.Length && real.StartsWith(t.Text, StringComparison.Ordinal));
        await Fault("{\"kind\": \"reset\", \"count\": 1}");
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => emu.Scroll("{\"rows\": 5}"));
        await Fault("{\"kind\": \"latency\", \"latencyMs\": 300, \"count\": 1}");
        var sw = Stopwatch.StartNew();
        Assert.Equal(200, (await emu.Search("{}")).Code);
        Assert.True(sw.ElapsedMilliseconds >= 280);
        Assert.Equal(200, (await emu.Search("{}")).Code);
    }

    [Fact]
    public async Task SameSeed_SameV6Devices()
    {
        await using var a = await Emu.Start("--devices", "150", "--seed", "11");
        await using var b = await Emu.Start("--devices", "150", "--seed", "11");
        static string Strip(string json) => System.Text.RegularExpressions.Regex.Replace(json, "\"[a-z_]*_time\":(\"[^\"]*\"|null)", "");
        Assert.Equal(Strip((await a.Search("{\"rows\": 150}")).Text), Strip((await b.Search("{\"rows\": 150}")).Text));
    }

    [Fact]
    public async Task HundredThousandDevices_ScrollAndSearchPagesOf10000()
    {
        var startSw = Stopwatch.StartNew();
        await using var emu = await Emu.Start("--devices", "100000", "--events", "100");
        _out.WriteLine($"startup with 100,000 devices: {startSw.ElapsedMilliseconds} ms");
        await emu.Search("{\"rows\": 1}"); // warm-up
        var sw = Stopwatch.StartNew();
        var (ids, calls) = await ScrollAll(emu, "", 10000);
        long scrollMs = sw.ElapsedMilliseconds;
        Assert.Equal(100000, ids.Count);
        Assert.Equal(100000, ids.Distinct().Count());
        Assert.Equal(10, calls);
        sw.Restart();
        var r = await emu.Search("{\"rows\": 10000}");
        Assert.Equal(10000, r.Json.GetProperty("results").GetArrayLength());
        string msg = $"100,000 devices by _scroll in 10 pages of 10,000: {scrollMs} ms; one _search page of 10,000: {sw.ElapsedMilliseconds} ms ({Encoding.UTF8.GetByteCount(r.Text) / 1_000_000} MB) (incl. client parsing)";
        _out.WriteLine(msg);
        Console.WriteLine(msg);
        Assert.True(scrollMs < 60_000);
    }
}
