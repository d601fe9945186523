using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

public sealed class AuditV1Tests
{
    private const string C1 = "C1SECRET/C1ID";
    private const string C2 = "C2SECRET/C2ID";
    private const string Legacy = "APISECRET/APIID";

    private static Task<Emu> Start(params string[] more) =>
        Emu.Start(new[] { "--devices", "10", "--events", "0", "--key", "API:" + Legacy, "--key", "CUSTOM:" + C1, "--key", "CUSTOM:" + C2 }.Concat(more).ToArray());

    private static async Task<JsonElement> Queue(Emu emu, string token)
    {
        var r = await emu.Get(Emu.Audit1 + "/_queue", token);
        Assert.True(r.Code == 200, r.Text);
        return r.Json;
    }

    private static async Task<JsonElement> Search(Emu emu, string body, string token = C1)
    {
        var r = await emu.Post(Emu.Audit1 + "/_search", body, token);
        Assert.True(r.Code == 200, body + ": " + r.Code + " " + r.Text[..Math.Min(300, r.Text.Length)]);
        return r.Json;
    }

    private static JsonElement[] Results(JsonElement j) => j.GetProperty("results").EnumerateArray().ToArray();

    private static long Ms(JsonElement r) => DateTimeOffset.Parse(r.GetProperty("create_time").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    [Fact]
    public async Task Queue_IsReadOnce_PerKey_AndIndependentOfTheV3Queue()
    {
        await using var emu = await Start();
        var first = await Queue(emu, C1);
        var items = Results(first);
        Assert.Equal(6, items.Length); // the seeded records
        Assert.Equal(6, first.GetProperty("num_found").GetInt32());
        Assert.Equal(6, first.GetProperty("num_available").GetInt32());
        var r0 = items[0];
        Assert.Equal(new[] { "org_key", "actor_ip", "actor", "request_url", "description", "flagged", "verbose", "create_time" }, r0.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(Emu.Org, r0.GetProperty("org_key").GetString());
        Assert.Equal("Logged in successfully", r0.GetProperty("description").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", r0.GetProperty("create_time").GetString()!);
        Assert.True(items.Select(Ms).SequenceEqual(items.Select(Ms).OrderBy(t => t)), "the queue serves oldest first");
        var again = await Queue(emu, C1);
        Assert.Empty(Results(again));
        Assert.Equal(0, again.GetProperty("num_found").GetInt32());
        // another key has its own queue; the v3 queue is another one again
        Assert.Equal(6, Results(await Queue(emu, C2)).Length);
        var v3 = await emu.Get(Emu.V3 + "/auditlogs", Legacy);
        Assert.Equal(6, v3.Json.GetProperty("notifications").GetArrayLength());

        // a change through the API: one record, in every queue
        Assert.Equal(204, (await emu.Post(Emu.V6 + "/device_actions", "{\"action_type\": \"BACKGROUND_SCAN\", \"device_id\": [1], \"options\": {\"toggle\": \"ON\"}}", C1)).Code);
        var mine = Results(await Queue(emu, C1)).Single();
        Assert.Equal("C1ID", mine.GetProperty("actor").GetString());
        Assert.Equal("127.0.0.1", mine.GetProperty("actor_ip").GetString());
        Assert.Equal(emu.BaseUrl + Emu.V6 + "/device_actions", mine.GetProperty("request_url").GetString());
        Assert.StartsWith("Device action BACKGROUND_SCAN ON", mine.GetProperty("description").GetString());
        Assert.Equal(mine.GetRawText(), Results(await Queue(emu, C2)).Single().GetRawText());
        var v3Item = (await emu.Get(Emu.V3 + "/auditlogs", Legacy)).Json.GetProperty("notifications").EnumerateArray().Single();
        Assert.Equal(mine.GetProperty("description").GetString(), v3Item.GetProperty("description").GetString());
        Assert.Equal(Ms(mine), v3Item.GetProperty("eventTime").GetInt64());
        Assert.Equal(JsonValueKind.Null, v3Item.GetProperty("requestUrl").ValueKind);

        var info = await emu.Ok("/_emulator/auditlogs", null);
        Assert.Equal(7, info.GetProperty("records").GetInt32());
        Assert.All(info.GetProperty("v1Queues").EnumerateArray(), q => Assert.Equal(0, q.GetProperty("unread").GetInt32()));
    }

    [Fact]
    public async Task Queue_ServesAtMost1000PerRead()
    {
        await using var emu = await Start();
        Assert.Equal(200, (await emu.Post("/_emulator/auditlogs", "{\"count\": 2500}", null)).Code);
        var a = await Queue(emu, C1);
        Assert.Equal(2506, a.GetProperty("num_found").GetInt32());
        Assert.Equal(1000, a.GetProperty("num_available").GetInt32());
        Assert.Equal(1000, Results(a).Length);
        Assert.Equal(1000, Results(await Queue(emu, C1)).Length);
        var c = await Queue(emu, C1);
        Assert.Equal(506, Results(c).Length);
        Assert.Equal(506, c.GetProperty("num_found").GetInt32());
        Assert.Empty(Results(await Queue(emu, C1)));
    }

    [Fact]
    public async Task V3Queue_ServesAtMost1000PerRead_OldestFirst_EachOnce()
    {
        await using var emu = await Start();
        var seeded = (await emu.Get(Emu.V3 + "/auditlogs", Legacy)).Json.GetProperty("notifications").GetArrayLength();
        Assert.True(seeded > 0);
        Assert.Equal(200, (await emu.Post("/_emulator/auditlogs", "{\"count\": 2500, \"spacingMs\": 1}", null)).Code);
        Assert.Equal(2500, (await emu.Ok("/_emulator/auditlogs", null)).GetProperty("v3Queued").GetInt32());
        var ids = new List<string>();
        var times = new List<long>();
        var sizes = new List<int>();
        while (true)
        {
            var items = (await emu.Get(Emu.V3 + "/auditlogs", Legacy)).Json.GetProperty("notifications").EnumerateArray().ToArray();
            sizes.Add(items.Length);
            ids.AddRange(items.Select(i => i.GetProperty("eventId").GetString()!));
            times.AddRange(items.Select(i => i.GetProperty("eventTime").GetInt64()));
            if (items.Length == 0)
            {
                break;
            }
        }
        Assert.Equal(new[] { 1000, 1000, 500, 0 }, sizes);
        Assert.Equal(2500, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(times.OrderBy(t => t), times);
        Assert.Equal(0, (await emu.Ok("/_emulator/auditlogs", null)).GetProperty("v3Queued").GetInt32());
    }

    [Fact]
    public async Task Search_CriteriaExclusionsQuerySortAndStart()
    {
        await using var emu = await Start();
        long t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 600_000;
        string iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        await emu.Post("/_emulator/auditlogs", "{\"count\": 5, \"actor\": \"EVE\", \"actorIp\": \"203.0.113.9\", \"flagged\": true, \"description\": \"Failed login\", \"createTime\": \"" + iso(t0) + "\", \"spacingMs\": 1000}", null);
        await emu.Post("/_emulator/auditlogs", "{\"count\": 3, \"actor\": \"BOB\", \"verbose\": true, \"requestUrl\": \"https://example.test/x\", \"createTime\": \"" + iso(t0 + 100_000) + "\"}", null);
        var all = await Search(emu, "{}");
        Assert.Equal(14, all.GetProperty("num_found").GetInt32());
        Assert.Equal(14, all.GetProperty("num_available").GetInt32());
        var rows = Results(all);
        Assert.True(rows.Select(Ms).SequenceEqual(rows.Select(Ms).OrderByDescending(t => t)), "default order: newest first");

        Assert.Equal(5, (await Search(emu, "{\"criteria\": {\"actor\": [\"eve\"]}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(8, (await Search(emu, "{\"criteria\": {\"actor\": [\"EVE\", \"BOB\"]}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(5, (await Search(emu, "{\"criteria\": {\"actor_ip\": [\"203.0.113.9\"]}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(5, (await Search(emu, "{\"criteria\": {\"flagged\": true}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(9, (await Search(emu, "{\"criteria\": {\"flagged\": false}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(3, (await Search(emu, "{\"criteria\": {\"verbose\": true}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(3, (await Search(emu, "{\"criteria\": {\"request_url\": [\"https://example.test/x\"]}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(5, (await Search(emu, "{\"criteria\": {\"description\": [\"Failed login\"]}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(3, (await Search(emu, "{\"criteria\": {\"create_time\": {\"start\": \"" + iso(t0 + 1000) + "\", \"end\": \"" + iso(t0 + 3000) + "\"}}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(8, (await Search(emu, "{\"criteria\": {\"create_time\": {\"range\": \"-11m\"}}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(9, (await Search(emu, "{\"exclusions\": {\"actor\": [\"EVE\"]}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(3, (await Search(emu, "{\"criteria\": {\"flagged\": true}, \"exclusions\": {\"create_time\": {\"start\": \"" + iso(t0 + 3000) + "\", \"end\": \"" + iso(t0 + 4000) + "\"}}}")).GetProperty("num_found").GetInt32());
        Assert.Equal(3, (await Search(emu, "{\"query\": \"description:Logged*\"}")).GetProperty("num_found").GetInt32());
        Assert.Equal(5, (await Search(emu, "{\"query\": \"actor:EVE AND flagged:true\"}")).GetProperty("num_found").GetInt32());

        var asc = Results(await Search(emu, "{\"sort\": [{\"field\": \"create_time\", \"order\": \"ASC\"}]}"));
        Assert.True(asc.Select(Ms).SequenceEqual(asc.Select(Ms).OrderBy(t => t)));
        var byActor = Results(await Search(emu, "{\"sort\": [{\"field\": \"actor\", \"order\": \"DESC\"}]}"));
        Assert.Equal("EVE", byActor[0].GetProperty("actor").GetString());
        // start is 0-based here (the SDK pages from 0)
        var s0 = Results(await Search(emu, "{\"rows\": 2, \"start\": 0}"));
        var s1 = Results(await Search(emu, "{\"rows\": 2, \"start\": 1}"));
        Assert.Equal(rows[0].GetRawText(), s0[0].GetRawText());
        Assert.Equal(rows[1].GetRawText(), s1[0].GetRawText());
        Assert.Equal(rows[13].GetRawText(), Results(await Search(emu, "{\"start\": 13}")).Single().GetRawText());
        // the queue and the search are independent
        Assert.Equal(14, Results(await Queue(emu, C1)).Length);
        Assert.Equal(14, (await Search(emu, "{}")).GetProperty("num_found").GetInt32());
    }

    [Theory]
    [InlineData("{\"start\": 9990, \"rows\": 10}", 200)]
    [InlineData("{\"start\": 9991, \"rows\": 10}", 400)]
    [InlineData("{\"rows\": 10001}", 400)]
    [InlineData("{\"criteria\": {\"bogus\": [\"x\"]}}", 400)]
    [InlineData("{\"criteria\": {\"flagged\": [true]}}", 400)]
    [InlineData("{\"criteria\": {\"actor\": \"EVE\"}}", 400)]
    [InlineData("{\"criteria\": {\"create_time\": {\"range\": \"soon\"}}}", 400)]
    [InlineData("{\"sort\": [{\"field\": \"bogus\"}]}", 400)]
    [InlineData("{\"query\": \"nope:x\"}", 400)]
    [InlineData("{\"search_after\": \"garbage\"}", 400)]
    [InlineData("{\"search_after\": 5}", 400)]
    [InlineData("{\"bogus\": 1}", 400)]
    [InlineData("{\"search_after\": \"\"}", 200)]
    public async Task Search_Validation_AndTheWindow(string body, int status)
    {
        await using var emu = await Start();
        var r = await emu.Post(Emu.Audit1 + "/_search", body, C1);
        Assert.True(r.Code == status, r.Text);
        if (status == 400)
        {
            Assert.StartsWith("INVALID_", r.Json.GetProperty("error_code").GetString());
        }
    }

    [Fact]
    public async Task SearchAfter_ReadsPastTheWindow_EachRecordOnce()
    {
        await using var emu = await Start();
        Assert.Equal(200, (await emu.Post("/_emulator/auditlogs", "{\"count\": 25000, \"spacingMs\": 0}", null)).Code); // many share one create_time
        var seen = new HashSet<string>();
        var order = new List<long>();
        string? after = null;
        int pages = 0;
        while (true)
        {
            string body = "{\"rows\": 10000, \"sort\": [{\"field\": \"create_time\", \"order\": \"ASC\"}]" + (after == null ? "" : ", \"search_after\": \"" + after + "\"") + "}";
            var j = await Search(emu, body);
            pages++;
            Assert.Equal(25006, j.GetProperty("num_found").GetInt32());
            Assert.Equal(10000, j.GetProperty("num_available").GetInt32());
            foreach (var r in Results(j))
            {
                Assert.True(seen.Add(r.GetRawText()), "served twice");
                order.Add(Ms(r));
            }
            after = j.GetProperty("search_after").GetString();
            if (string.IsNullOrEmpty(after))
            {
                break;
            }
        }
        Assert.Equal(3, pages);
        Assert.Equal(25006, seen.Count);
        Assert.True(order.SequenceEqual(order.OrderBy(t => t)));
        // a token belongs to its sort; start does not go with it
        var one = await Search(emu, "{\"rows\": 10, \"sort\": [{\"field\": \"create_time\", \"order\": \"ASC\"}]}");
        string token = one.GetProperty("search_after").GetString()!;
        Emu.V6Error(await emu.Post(Emu.Audit1 + "/_search", "{\"search_after\": \"" + token + "\"}", C1), 400, "INVALID_ARGUMENT", "sort");
        Emu.V6Error(await emu.Post(Emu.Audit1 + "/_search", "{\"start\": 5, \"search_after\": \"" + token + "\", \"sort\": [{\"field\": \"create_time\", \"order\": \"ASC\"}]}", C1), 400, "INVALID_ARGUMENT", "start");
        // the sort items are checked as every other search checks them
        Emu.V6Error(await emu.Post(Emu.Audit1 + "/_search", "{\"sort\": [{\"field\": \"create_time\", \"direction\": \"ASC\"}]}", C1), 400, "INVALID_ARGUMENT", "sort[0].direction");
        Emu.V6Error(await emu.Post(Emu.Audit1 + "/_search", "{\"sort\": [{\"field\": \"org_key\"}]}", C1), 400, "INVALID_ARGUMENT", "not sortable");
        Emu.V6Error(await emu.Post(Emu.Audit1 + "/_search", "{\"sort\": [{\"field\": \"actor\", \"order\": \"UP\"}]}", C1), 400, "INVALID_ARGUMENT", "ASC, DESC");
    }
}
