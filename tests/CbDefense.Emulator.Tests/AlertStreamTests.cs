using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>The emulator's ordering guarantees for alerts v7, new alerts over time and late indexing.</summary>
public sealed class AlertStreamTests
{
    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static long Ms(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static long Ms(JsonElement a, string field = "backend_timestamp") => Ms(a.GetProperty(field).GetString()!);

    private static string Id(JsonElement a) => a.GetProperty("id").GetString()!;

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Reads every alert of [start, end] by windowing on backend_timestamp: sort ascending, read 10,000,
    /// restart the window at the last backend_timestamp read (inclusive) and skip the ids already read at exactly
    /// that time. Asserts that no alert comes twice and the order never goes back.</summary>
    private static async Task<List<JsonElement>> Window(Emu emu, long start, long end)
    {
        var got = new List<JsonElement>();
        var seen = new HashSet<string>();
        long cursor = start;
        var atCursor = new HashSet<string>();
        for (int round = 0; round < 100; round++)
        {
            var page = await emu.Alerts("{\"rows\": 10000, \"time_range\": {\"start\": \"" + Iso(cursor) + "\", \"end\": \"" + Iso(end) + "\"}, \"sort\": [{\"field\": \"backend_timestamp\", \"order\": \"ASC\"}]}");
            foreach (var a in page)
            {
                long t = Ms(a);
                Assert.True(t >= cursor, "went back in time");
                if (t == cursor && atCursor.Contains(Id(a)))
                {
                    continue; // read in the previous window
                }
                Assert.True(seen.Add(Id(a)), "alert " + Id(a) + " served twice");
                got.Add(a);
            }
            if (page.Length < 10000)
            {
                return got;
            }
            long last = Ms(page[^1]);
            Assert.True(last > cursor || page.Length < 10000, "a window of 10,000 alerts with one backend_timestamp cannot advance");
            if (last != cursor)
            {
                atCursor.Clear();
            }
            cursor = last;
            foreach (var a in page)
            {
                if (Ms(a) == last)
                {
                    atCursor.Add(Id(a));
                }
            }
        }
        throw new InvalidOperationException("no end");
    }

    [Fact]
    public async Task ThirtyThousandAlerts_InOneTimeRange_AreReachableExactlyOnce_ByWindowing()
    {
        await using var emu = await Emu.Start("--devices", "200", "--events", "0", "--alerts", "30000", "--seed", "5");
        long start = Now - 15 * 86_400_000L, end = Now + 60_000;
        var first = await emu.AlertSearch("{\"rows\": 10000, \"time_range\": {\"start\": \"" + Iso(start) + "\", \"end\": \"" + Iso(end) + "\"}, \"sort\": [{\"field\": \"backend_timestamp\", \"order\": \"ASC\"}]}");
        Assert.Equal(30000, first.GetProperty("num_found").GetInt32());
        Assert.Equal(10000, first.GetProperty("num_available").GetInt32());
        // 50 more alerts exactly at the first window's last backend_timestamp: ties straddle the window boundary
        string boundary = first.GetProperty("results")[9999].GetProperty("backend_timestamp").GetString()!;
        var made = await emu.Post("/_emulator/alerts", "{\"count\": 50, \"backendTimestamp\": \"" + boundary + "\", \"delayMs\": 0}", null);
        Assert.Equal(200, made.Code);
        Assert.Equal(50, made.Json.GetProperty("created").GetInt32());
        var again = await emu.AlertSearch("{\"rows\": 10000, \"time_range\": {\"start\": \"" + Iso(start) + "\", \"end\": \"" + Iso(end) + "\"}, \"sort\": [{\"field\": \"backend_timestamp\", \"order\": \"ASC\"}]}");
        var page1 = again.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(boundary, page1[^1].GetProperty("backend_timestamp").GetString());
        Assert.True(page1.Count(a => a.GetProperty("backend_timestamp").GetString() == boundary) < 51, "the ties must straddle the boundary");

        var all = await Window(emu, start, end);
        Assert.Equal(30050, all.Count);
        var listed = (await emu.Ok("/_emulator/alerts", null)).GetProperty("alerts").EnumerateArray().Select(Id).ToHashSet();
        Assert.Equal(listed.Count, all.Count);
        Assert.True(listed.SetEquals(all.Select(Id)));
        for (int i = 1; i < all.Count; i++)
        {
            long a = Ms(all[i - 1]), b = Ms(all[i]);
            Assert.True(a < b || (a == b && string.CompareOrdinal(Id(all[i - 1]), Id(all[i])) < 0), "not in (backend_timestamp, id) order at " + i);
        }
    }

    [Fact]
    public async Task AdminAlerts_AreSearchableNow_OrAfterTheirDelay()
    {
        await using var emu = await Emu.Start("--devices", "20", "--events", "100");
        var r = await emu.Post("/_emulator/alerts", "{\"count\": 3, \"type\": \"WATCHLIST\", \"severity\": 9}", null);
        Assert.Equal(200, r.Code);
        var made = r.Json.GetProperty("alerts").EnumerateArray().ToArray();
        Assert.Equal(3, made.Length);
        foreach (var m in made)
        {
            Assert.Equal(m.GetProperty("backendTimestamp").GetString(), m.GetProperty("searchableAt").GetString());
            var a = await emu.Ok(Emu.Alerts7 + "/" + Id(m), Emu.Custom);
            Assert.Equal("WATCHLIST", a.GetProperty("type").GetString());
            Assert.Equal(9, a.GetProperty("severity").GetInt32());
            Assert.True(Math.Abs(Ms(a) - Now) < 60_000);
        }
        var late = await emu.Post("/_emulator/alerts", "{\"count\": 2, \"delayMs\": 1500}", null);
        var lateIds = late.Json.GetProperty("alerts").EnumerateArray().Select(Id).ToArray();
        var l0 = late.Json.GetProperty("alerts")[0];
        Assert.True(l0.GetProperty("late").GetBoolean());
        Assert.Equal(1500, Ms(l0.GetProperty("searchableAt").GetString()!) - Ms(l0.GetProperty("backendTimestamp").GetString()!));
        Emu.V6Error(await emu.Get(Emu.Alerts7 + "/" + lateIds[0], Emu.Custom), 404, "NOT_FOUND");
        Assert.Equal(0, (await emu.AlertSearch("{\"criteria\": {\"id\": [\"" + lateIds[0] + "\", \"" + lateIds[1] + "\"]}}")).GetProperty("num_found").GetInt32());
        var pending = await emu.Ok("/_emulator/alerts?pending=true", null);
        Assert.Equal(2, pending.GetProperty("pending").GetInt32());
        Assert.Equal(lateIds.OrderBy(x => x, StringComparer.Ordinal), pending.GetProperty("alerts").EnumerateArray().Select(Id).OrderBy(x => x, StringComparer.Ordinal));
        var found = await Emu.Until(() => emu.AlertSearch("{\"criteria\": {\"id\": [\"" + lateIds[0] + "\", \"" + lateIds[1] + "\"]}}"), j => j.GetProperty("num_found").GetInt32() == 2);
        Assert.Equal(2, found.GetProperty("num_found").GetInt32());
        var listing = await emu.Ok("/_emulator/alerts?generated=true", null);
        Assert.Equal(5, listing.GetProperty("alerts").GetArrayLength());
        Assert.Equal(0, listing.GetProperty("pending").GetInt32());
        // the v6 routes serve them too
        Assert.Equal(200, (await emu.Get(Emu.V6 + "/alerts/" + lateIds[1])).Code);
        Assert.Equal(400, (await emu.Post("/_emulator/alerts", "{\"type\": \"NOPE\"}", null)).Code);
        Assert.Equal(400, (await emu.Post("/_emulator/alerts", "{\"deviceId\": 1}", null)).Code);
        Assert.Equal(400, (await emu.Post("/_emulator/alerts", "{\"bogus\": 1}", null)).Code);
    }

    [Fact]
    public async Task AlertRate_MakesAlertsOnSchedule()
    {
        await using var emu = await Emu.Start("--devices", "20", "--events", "100", "--alert-rate", "1200");
        var sw = Stopwatch.StartNew();
        await Task.Delay(1500);
        var j = await emu.Ok("/_emulator/alerts?generated=true", null);
        double elapsed = sw.Elapsed.TotalSeconds;
        int n = j.GetProperty("alerts").GetArrayLength();
        Assert.InRange(n, (int)(1.4 * 20) - 2, (int)(elapsed * 20) + 3);
        var info = await emu.Ok("/_emulator/info", null);
        Assert.Equal(1200, info.GetProperty("alertRate").GetDouble());
        // a reset with alertRate 0 stops them; a reset without it goes back to the command line's rate
        Assert.Equal(200, (await emu.Post("/_emulator/reset", "{\"alertRate\": 0}", null)).Code);
        await Task.Delay(300);
        Assert.Equal(0, (await emu.Ok("/_emulator/alerts?generated=true", null)).GetProperty("alerts").GetArrayLength());
        Assert.Equal(200, (await emu.Post("/_emulator/reset", "", null)).Code);
        var back = await Emu.Until(() => emu.Ok("/_emulator/alerts?generated=true", null), x => x.GetProperty("alerts").GetArrayLength() > 0);
        Assert.True(back.GetProperty("alerts").GetArrayLength() > 0);
    }

    [Fact]
    public async Task LateIndexing_OlderAlertsAppearAfterNewerOnes_AndAnOverlappingWatcherSeesEachOnce()
    {
        await using var emu = await Emu.Start("--devices", "20", "--events", "0", "--alerts", "0", "--alert-rate", "600", "--alert-index-delay-ms", "1500", "--alert-late-share", "0.5");
        long overlap = 2_000; // more than --alert-index-delay-ms
        long watermark = Now - 1_000;
        var seen = new Dictionary<string, JsonElement>();
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < 4_000)
        {
            await Sweep();
            await Task.Delay(150);
        }
        long stopAt = Now;
        await Task.Delay(1_700); // every alert made before stopAt is searchable now
        await Sweep();

        var listed = (await emu.Ok("/_emulator/alerts?generated=true", null)).GetProperty("alerts").EnumerateArray().ToArray();
        var madeBefore = listed.Where(a => Ms(a.GetProperty("backendTimestamp").GetString()!) <= stopAt).Select(Id).ToHashSet();
        Assert.True(madeBefore.Count >= 20, "only " + madeBefore.Count + " alerts made");
        Assert.Subset(seen.Keys.ToHashSet(), madeBefore);
        // some were late, and a late one became searchable after a newer alert already was
        var late = listed.Where(a => a.GetProperty("late").GetBoolean()).ToArray();
        Assert.NotEmpty(late);
        Assert.Contains(late, l => listed.Any(o => !o.GetProperty("late").GetBoolean()
            && Ms(o.GetProperty("backendTimestamp").GetString()!) > Ms(l.GetProperty("backendTimestamp").GetString()!)
            && Ms(o.GetProperty("searchableAt").GetString()!) < Ms(l.GetProperty("searchableAt").GetString()!)));
        Assert.All(late, l =>
        {
            long d = Ms(l.GetProperty("searchableAt").GetString()!) - Ms(l.GetProperty("backendTimestamp").GetString()!);
            Assert.InRange(d, 1, 1500);
        });
        // the admin listing is in the order alerts became searchable
        for (int i = 1; i < listed.Length; i++)
        {
            Assert.True(Ms(listed[i - 1].GetProperty("searchableAt").GetString()!) <= Ms(listed[i].GetProperty("searchableAt").GetString()!));
        }

        async Task Sweep()
        {
            long now = Now;
            var page = await emu.Alerts("{\"rows\": 10000, \"time_range\": {\"start\": \"" + Iso(watermark - overlap) + "\", \"end\": \"" + Iso(now) + "\"}, \"sort\": [{\"field\": \"backend_timestamp\", \"order\": \"ASC\"}]}");
            foreach (var a in page)
            {
                if (!seen.ContainsKey(Id(a)))
                {
                    seen[Id(a)] = a; // each new id once; repeats inside the overlap are expected and dropped
                }
                watermark = Math.Max(watermark, Ms(a));
            }
        }
    }
}
