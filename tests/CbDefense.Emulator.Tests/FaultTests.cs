using System;
using System.Diagnostics;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

public sealed class FaultTests : IAsyncLifetime
{
    private Emu _emu = null!;

    public async Task InitializeAsync() => _emu = await Emu.Start("--devices", "30", "--events", "20");

    public async Task DisposeAsync() => await _emu.DisposeAsync();

    private async Task AddFault(string json)
    {
        var r = await _emu.Post("/_emulator/faults", json, null);
        Assert.True(r.Code == 200, r.Text);
    }

    private const string Devices = Emu.V3 + "/device";

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task Status_AnswersWithV3Body(int status)
    {
        await AddFault("{\"kind\": \"status\", \"status\": " + status + ", \"count\": 1, \"retryAfter\": 7}");
        var r = await _emu.Get(Devices);
        Emu.V3Error(r, status);
        if (status == 503)
        {
            Assert.Equal(TimeSpan.FromSeconds(7), r.Message.Headers.RetryAfter!.Delta);
        }
        Assert.Equal(200, (await _emu.Get(Devices)).Code);
    }

    [Fact]
    public async Task Throttle_WithoutWindow()
    {
        await AddFault("{\"kind\": \"throttle\", \"retryAfter\": 3, \"count\": 2}");
        var r = await _emu.Get(Devices);
        Emu.V3Error(r, 429, "Too many requests");
        Assert.Equal(TimeSpan.FromSeconds(3), r.Message.Headers.RetryAfter!.Delta);
        Assert.Equal(429, (await _emu.Get(Devices)).Code);
        Assert.Equal(200, (await _emu.Get(Devices)).Code);
    }

    [Fact]
    public async Task Throttle_Window_BlocksAndExtends()
    {
        // A 3 s window and 1.8 s steps: each step has 1.2 s of slack for a loaded machine (a step can only take longer,
        // which keeps the later checks true: the third request is always past the first window).
        await AddFault("{\"kind\": \"throttle\", \"retryAfter\": 3, \"window\": true, \"count\": 1}");
        var sw = Stopwatch.StartNew();
        Assert.Equal(429, (await _emu.Get(Devices)).Code);
        await Task.Delay(1800);
        Assert.Equal(429, (await _emu.Get(Emu.V3 + "/policy")).Code); // inside the window: blocked and extended
        await Task.Delay(1800);
        Assert.True(sw.ElapsedMilliseconds >= 3000);
        Assert.Equal(429, (await _emu.Get(Devices)).Code); // only still blocked because of the extension
        var faults = await _emu.Ok("/_emulator/faults", null);
        Assert.Equal(JsonValueKind.String, faults.GetProperty("throttledUntil").ValueKind);
        await Task.Delay(3300);
        Assert.Equal(200, (await _emu.Get(Devices)).Code);
    }

    [Fact]
    public async Task DeleteFaults_EndsWindow()
    {
        await AddFault("{\"kind\": \"throttle\", \"retryAfter\": 60, \"window\": true}");
        Assert.Equal(429, (await _emu.Get(Devices)).Code);
        Assert.Equal(200, (await _emu.Delete("/_emulator/faults", null)).Code);
        Assert.Equal(200, (await _emu.Get(Devices)).Code);
    }

    [Fact]
    public async Task Latency_DelaysThenAnswers()
    {
        await AddFault("{\"kind\": \"latency\", \"latencyMs\": 400, \"count\": 1}");
        var sw = Stopwatch.StartNew();
        var r = await _emu.Get(Devices);
        Assert.Equal(200, r.Code);
        Assert.True(sw.ElapsedMilliseconds >= 380, sw.ElapsedMilliseconds.ToString());
        Assert.Equal(20, r.Json.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public async Task Reset_AbortsConnection()
    {
        await AddFault("{\"kind\": \"reset\", \"count\": 1}");
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => _emu.Get(Devices));
        Assert.Equal(200, (await _emu.Get(Devices)).Code);
    }

    [Fact]
    public async Task Drop_AbortsBeforeTheReplyAndChangesNothing()
    {
        await AddFault("{\"kind\": \"drop\", \"count\": 1}");
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => _emu.Get(Devices));
        Assert.Equal(200, (await _emu.Get(Devices)).Code);
    }

    [Fact]
    public async Task Malformed_Is200NotJson()
    {
        await AddFault("{\"kind\": \"malformed\", \"count\": 1}");
        var r = await _emu.Get(Devices);
        Assert.Equal(200, r.Code);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(r.Text));
    }

    [Fact]
    public async Task Truncated_IsPrefixOfRealBody()
    {
        string real = (await _emu.Get(Devices + "?rows=5")).Text;
        await AddFault("{\"kind\": \"truncated\", \"count\": 1}");
        var r = await _emu.Get(Devices + "?rows=5");
        Assert.Equal(200, r.Code);
        Assert.True(r.Text.Length > 0 && r.Text.Length < real.Length);
        // The two replies differ only in "elapsed" (server time of each request), which is not part of the contract here.
        static string SameElapsed(string t) => System.Text.RegularExpressions.Regex.Replace(t, "\"elapsed\":\\d+", "\"elapsed\":0");
        Assert.StartsWith(SameElapsed(r.Text), SameElapsed(real), StringComparison.Ordinal);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(r.Text));
    }

    [Fact]
    public async Task Html_Is502TextHtml()
    {
        await AddFault("{\"kind\": \"html\", \"count\": 1}");
        var r = await _emu.Get(Devices);
        Assert.Equal(502, r.Code);
        Assert.Equal("text/html", r.Message.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<html>", r.Text);
    }

    [Fact]
    public async Task PathAndMethod_Filter()
    {
        await AddFault("{\"kind\": \"status\", \"status\": 500, \"path\": \"/integrationServices/v3/policy\", \"method\": \"POST\"}");
        Assert.Equal(200, (await _emu.Get(Emu.V3 + "/policy")).Code);
        Assert.Equal(200, (await _emu.Get(Devices)).Code);
        Assert.Equal(500, (await _emu.Post(Emu.V3 + "/policy", "{}")).Code);
    }

    [Fact]
    public async Task Count_And_FaultList()
    {
        await AddFault("{\"kind\": \"status\", \"status\": 500, \"count\": 2}");
        Assert.Equal(500, (await _emu.Get(Devices)).Code);
        var f = (await _emu.Ok("/_emulator/faults", null)).GetProperty("faults")[0];
        Assert.Equal(1, f.GetProperty("remaining").GetInt32());
        Assert.Equal(1, f.GetProperty("fired").GetInt32());
        Assert.Equal(500, (await _emu.Get(Devices)).Code);
        Assert.Equal(200, (await _emu.Get(Devices)).Code);
        Assert.Equal(0, (await _emu.Ok("/_emulator/faults", null)).GetProperty("faults")[0].GetProperty("remaining").GetInt32());
    }

    [Fact]
    public async Task Rate_ZeroNeverFires_HalfFiresSometimes()
    {
        await _emu.Put("/_emulator/faults", "{\"faults\": [{\"kind\": \"status\", \"status\": 500, \"rate\": 0}]}", null);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(200, (await _emu.Get(Devices + "?rows=1")).Code);
        }
        await _emu.Put("/_emulator/faults", "{\"faults\": [{\"kind\": \"status\", \"status\": 500, \"rate\": 0.5}]}", null);
        int fired = 0;
        for (int i = 0; i < 40; i++)
        {
            if ((await _emu.Get(Devices + "?rows=1")).Code == 500)
            {
                fired++;
            }
        }
        Assert.InRange(fired, 5, 35);
    }

    [Fact]
    public async Task AdminRoutes_AreNeverFaulted()
    {
        await AddFault("{\"kind\": \"status\", \"status\": 500}");
        Assert.Equal(200, (await _emu.Get("/_emulator/stats", null)).Code);
        Assert.Equal(500, (await _emu.Get(Devices)).Code);
    }

    [Theory]
    [InlineData("{\"kind\": \"explode\"}")]
    [InlineData("{\"kind\": \"status\", \"rate\": 2}")]
    [InlineData("{\"kind\": \"status\", \"status\": \"x\"}")]
    [InlineData("{\"kind\": \"status\", \"bogus\": 1}")]
    [InlineData("[]")]
    [InlineData("nope")]
    public async Task BadFaultRule_Is400(string json)
    {
        Assert.Equal(400, (await _emu.Post("/_emulator/faults", json, null)).Code);
        Assert.Equal(0, (await _emu.Ok("/_emulator/faults", null)).GetProperty("faults").GetArrayLength());
    }

    [Fact]
    public async Task CommandLineFault_AppliesAndSurvivesReset()
    {
        await using var emu = await Emu.Start("--devices", "5", "--fault", "status:status=503,count=1,path=/integrationServices/v3/device");
        Assert.Equal(503, (await emu.Get(Devices)).Code);
        Assert.Equal(200, (await emu.Get(Devices)).Code);
        await emu.Post("/_emulator/reset", "", null);
        Assert.Equal(503, (await emu.Get(Devices)).Code);
    }

    [Fact]
    public async Task FaultedRequests_AreLoggedAndCounted()
    {
        await AddFault("{\"kind\": \"status\", \"status\": 502, \"count\": 1}");
        await _emu.Get(Devices);
        var log = (await _emu.Ok("/_emulator/requests?last=1", null)).GetProperty("requests")[0];
        Assert.Equal(502, log.GetProperty("status").GetInt32());
    }
}
