using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace CbDefense.Emulator.Tests;

public sealed class OptionsAndScaleTests
{
    private readonly ITestOutputHelper _out;

    public OptionsAndScaleTests(ITestOutputHelper output) => _out = output;

    [Fact]
    public void Options_Defaults()
    {
        var o = EmulatorOptions.Parse(Array.Empty<string>());
        Assert.Equal(0, o.Port);
        Assert.Equal(50, o.Devices);
        Assert.Equal(500, o.Events);
        Assert.Equal(1, o.Seed);
        Assert.Equal("EMUORG01", o.OrgKey);
        Assert.Equal(0, o.NotificationRate);
        Assert.Equal(10, o.Notifications);
        Assert.Equal(3, o.WorkflowSeconds);
        Assert.Equal(new[] { "API", "SIEM", "LIVE_RESPONSE", "CUSTOM" }, o.EffectiveKeys.Select(k => k.Type));
        Assert.Equal("EMUAPISECRETKEY0000000001/EMUAPI0001", o.EffectiveKeys[0].Token);
        Assert.Equal("EMUCUSTOMSECRETKEY0000001/EMUCUST001", o.EffectiveKeys[3].Token);
        Assert.Equal("both", o.Api);
        Assert.Equal(410, o.GoneStatus);
    }

    [Fact]
    public void Options_Parse()
    {
        var o = EmulatorOptions.Parse(new[] { "--port", "5080", "--devices=7", "--key", "SIEM:S/I", "--fault", "throttle:retryAfter=2,window=true", "--quiet", "--parent-pid", "42", "--workflow-seconds", "0.5" });
        Assert.Equal(5080, o.Port);
        Assert.Equal(7, o.Devices);
        Assert.Equal("SIEM", o.Keys.Single().Type);
        Assert.Equal("I", o.Keys.Single().Id);
        Assert.True(o.Faults.Single().Window);
        Assert.Equal(2, o.Faults.Single().RetryAfter);
        Assert.True(o.Quiet);
        Assert.Equal(42, o.ParentPid);
        Assert.Equal(0.5, o.WorkflowSeconds);
        Assert.True(EmulatorOptions.Parse(new[] { "--help" }).Help);
        var c = EmulatorOptions.Parse(new[] { "--api", "Current", "--gone-status", "404", "--key", "CUSTOM:CS/CI" });
        Assert.Equal("current", c.Api);
        Assert.Equal(404, c.GoneStatus);
        Assert.Equal("CUSTOM", c.Keys.Single().Type);
        Assert.Equal("legacy", EmulatorOptions.Parse(new[] { "--api=legacy" }).Api);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--port", "x")]
    [InlineData("--devices")]
    [InlineData("--key", "ROOT:a/b")]
    [InlineData("--key", "API:nokeyid")]
    [InlineData("--fault", "explode")]
    [InlineData("--fault", "status:rate=9")]
    [InlineData("--api", "v7")]
    [InlineData("--api")]
    [InlineData("--gone-status", "500")]
    public void Options_Invalid_Throw(params string[] args)
    {
        Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(args));
    }

    private static string Strip(JsonElement d)
    {
        var keep = d.EnumerateObject().Where(p => !p.Name.EndsWith("Time", StringComparison.Ordinal) && p.Name != "lastContact");
        return string.Join(",", keep.Select(p => p.Name + "=" + p.Value.GetRawText()));
    }

    [Fact]
    public async Task SameSeed_SameData_OtherSeed_OtherData()
    {
        await using var a = await Emu.Start("--devices", "200", "--seed", "42");
        await using var b = await Emu.Start("--devices", "200", "--seed", "42");
        await using var c = await Emu.Start("--devices", "200", "--seed", "43");
        var da = (await a.Devices()).Select(Strip).ToList();
        var db = (await b.Devices()).Select(Strip).ToList();
        var dc = (await c.Devices()).Select(Strip).ToList();
        Assert.Equal(da, db);
        Assert.NotEqual(da, dc);
        var ea = (await a.Ok(Emu.V3 + "/event?rows=100")).GetProperty("results").EnumerateArray().Select(e => e.GetProperty("eventId").GetString()).ToList();
        var eb = (await b.Ok(Emu.V3 + "/event?rows=100")).GetProperty("results").EnumerateArray().Select(e => e.GetProperty("eventId").GetString()).ToList();
        Assert.Equal(ea, eb);
    }

    [Fact]
    public async Task HundredThousandDevices_TwentyPagesOf5000()
    {
        var startSw = Stopwatch.StartNew();
        await using var emu = await Emu.Start("--devices", "100000", "--events", "100");
        _out.WriteLine($"startup with 100,000 devices: {startSw.ElapsedMilliseconds} ms");
        Assert.True(startSw.ElapsedMilliseconds < 15_000);
        await emu.Get(Emu.V3 + "/device?rows=1"); // warm-up
        var seen = new HashSet<long>();
        var sw = Stopwatch.StartNew();
        long bytes = 0;
        for (int page = 0; page < 20; page++)
        {
            var r = await emu.Get(Emu.V3 + "/device?rows=5000&start=" + (page * 5000 + 1));
            Assert.Equal(200, r.Code);
            bytes += r.Text.Length;
            using var doc = JsonDocument.Parse(r.Text);
            Assert.Equal(100000, doc.RootElement.GetProperty("totalResults").GetInt32());
            var results = doc.RootElement.GetProperty("results");
            Assert.Equal(5000, results.GetArrayLength());
            foreach (var d in results.EnumerateArray())
            {
                Assert.True(seen.Add(d.GetProperty("deviceId").GetInt64()));
            }
        }
        sw.Stop();
        Assert.Equal(100000, seen.Count);
        var over = await emu.Ok(Emu.V3 + "/device?rows=100000&start=99001");
        Assert.Equal(1000, over.GetProperty("results").GetArrayLength());
        var clamp = await emu.Ok(Emu.V3 + "/device?rows=9999&hostName=WIN");
        Assert.Equal(5000, clamp.GetProperty("results").GetArrayLength());
        string msg = $"100,000 devices in 20 pages of 5,000: {sw.ElapsedMilliseconds} ms ({bytes / 1_000_000} MB, incl. client parsing)";
        _out.WriteLine(msg);
        Console.WriteLine(msg);
        Assert.True(sw.ElapsedMilliseconds < 30_000);
    }

    [Fact]
    public async Task ConcurrentActionsAndReads_StayConsistent()
    {
        await using var emu = await Emu.Start("--devices", "300", "--events", "10");
        var ids = (await emu.Devices()).Select(d => d.GetProperty("deviceId").GetInt64()).ToList();
        var tasks = new List<Task>();
        for (int i = 0; i < 8; i++)
        {
            int k = i;
            tasks.Add(Task.Run(async () =>
            {
                for (int j = 0; j < 10; j++)
                {
                    long id = ids[(k * 10 + j) % ids.Count];
                    var r = await emu.Action("{\"action_type\": \"QUARANTINE\", \"device_id\": [" + id + "], \"options\": {\"toggle\": \"ON\"}}");
                    Assert.Equal(204, r.Code);
                    var page = await emu.Ok(Emu.V3 + "/device?rows=300");
                    Assert.Equal(300, page.GetProperty("results").GetArrayLength());
                }
            }));
        }
        await Task.WhenAll(tasks);
        var all = await emu.Devices();
        Assert.Equal(80, all.Take(80).Count(d => d.GetProperty("quarantined").GetBoolean()));
        Assert.All(all.Where(d => d.GetProperty("quarantined").GetBoolean() && d.GetProperty("status").GetString() != "DEREGISTERED"), d => Assert.Equal("QUARANTINE", d.GetProperty("status").GetString()));
    }
}
