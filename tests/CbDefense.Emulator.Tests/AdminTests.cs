using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

public sealed class AdminTests
{
    [Fact]
    public async Task Stats_CountPerRouteTemplate()
    {
        await using var emu = await Emu.Start("--devices", "10");
        long id = (await emu.Devices())[0].GetProperty("deviceId").GetInt64();
        await emu.Get(Emu.V3 + "/device/" + id);
        await emu.Get(Emu.V3 + "/device/" + (id + 99999));
        await emu.Get(Emu.V3 + "/device", null);
        await emu.Get(Emu.V6 + "/alerts/search_suggestions?suggest.q=a");
        var s = await emu.Ok("/_emulator/stats", null);
        Assert.Equal(5, s.GetProperty("totalRequests").GetInt64());
        var routes = s.GetProperty("routes");
        Assert.Equal(2, routes.GetProperty("GET /integrationServices/v3/device").GetInt64());
        Assert.Equal(2, routes.GetProperty("GET /integrationServices/v3/device/{id}").GetInt64());
        Assert.Equal(1, routes.GetProperty("GET /appservices/v6/orgs/{org_key}/alerts/search_suggestions").GetInt64());
        Assert.False(routes.TryGetProperty("GET /_emulator/stats", out _));
    }

    [Fact]
    public async Task RequestLog_HasBodiesAndNoSecrets()
    {
        await using var emu = await Emu.Start("--devices", "10");
        long id = (await emu.Devices())[0].GetProperty("deviceId").GetInt64();
        using (var req = new HttpRequestMessage(HttpMethod.Patch, Emu.V3 + "/device/" + id))
        {
            req.Headers.TryAddWithoutValidation("X-Auth-Token", Emu.Api);
            req.Headers.TryAddWithoutValidation("User-Agent", "cbapi/1.7.10 Python/3.11.4");
            req.Content = new StringContent("{\"policyId\": 6526}");
            (await emu.Http.SendAsync(req)).Dispose();
        }
        var r = await emu.Ok("/_emulator/requests", null);
        var reqs = r.GetProperty("requests").EnumerateArray().ToArray();
        Assert.Equal(2, reqs.Length);
        Assert.Equal("?rows=5000", reqs[0].GetProperty("query").GetString());
        Assert.Equal(JsonValueKind.Null, reqs[0].GetProperty("body").ValueKind);
        Assert.Equal(200, reqs[0].GetProperty("status").GetInt32());
        var patch = reqs[1];
        Assert.Equal("PATCH", patch.GetProperty("method").GetString());
        Assert.Equal(Emu.V3 + "/device/" + id, patch.GetProperty("path").GetString());
        Assert.Equal("{\"policyId\": 6526}", patch.GetProperty("body").GetString());
        Assert.Equal("EMUAPI0001", patch.GetProperty("keyId").GetString());
        Assert.Equal("cbapi/1.7.10 Python/3.11.4", patch.GetProperty("userAgent").GetString());
        Assert.True(patch.GetProperty("seq").GetInt64() > reqs[0].GetProperty("seq").GetInt64());
        Assert.DoesNotContain("EMUAPISECRETKEY", r.GetRawText());
        var last = await emu.Ok("/_emulator/requests?last=1", null);
        Assert.Equal("PATCH", last.GetProperty("requests")[0].GetProperty("method").GetString());
        Assert.Equal(200, (await emu.Delete("/_emulator/requests", null)).Code);
        Assert.Equal(0, (await emu.Ok("/_emulator/requests", null)).GetProperty("requests").GetArrayLength());
        Assert.Equal(0, (await emu.Ok("/_emulator/stats", null)).GetProperty("totalRequests").GetInt64());
    }

    [Fact]
    public async Task Reset_RestoresSeededState()
    {
        await using var emu = await Emu.Start("--devices", "10", "--notifications", "3");
        string before = (await emu.Ok(Emu.V3 + "/device?rows=100")).GetProperty("results").GetRawText();
        long id = (await emu.Devices())[0].GetProperty("deviceId").GetInt64();
        await emu.Action("{\"action_type\": \"DELETE_SENSOR\", \"device_id\": [" + id + "]}");
        await emu.Get(Emu.V3 + "/notification", Emu.Siem);
        await emu.Post("/_emulator/faults", "{\"kind\": \"latency\", \"latencyMs\": 1}", null);
        Assert.Equal(200, (await emu.Post("/_emulator/reset", "", null)).Code);
        Assert.Equal(before, (await emu.Ok(Emu.V3 + "/device?rows=100")).GetProperty("results").GetRawText());
        Assert.Equal(3, (await emu.Ok(Emu.V3 + "/notification", Emu.Siem)).GetProperty("notifications").GetArrayLength());
        Assert.Equal(0, (await emu.Ok("/_emulator/faults", null)).GetProperty("faults").GetArrayLength());
        Assert.Equal(2, (await emu.Ok("/_emulator/stats", null)).GetProperty("totalRequests").GetInt64());
    }

    [Fact]
    public async Task Reset_WithSizes()
    {
        await using var emu = await Emu.Start("--devices", "10");
        Assert.Equal(200, (await emu.Post("/_emulator/reset", "{\"devices\": 77, \"events\": 33, \"seed\": 5}", null)).Code);
        Assert.Equal(77, (await emu.Ok(Emu.V3 + "/device")).GetProperty("totalResults").GetInt32());
        Assert.Equal(33, (await emu.Ok(Emu.V3 + "/event")).GetProperty("totalResults").GetInt32());
        Assert.Equal(400, (await emu.Post("/_emulator/reset", "{\"devices\": \"many\"}", null)).Code);
        Assert.Equal(400, (await emu.Post("/_emulator/reset", "{\"bogus\": 1}", null)).Code);
        Assert.Equal(77, (await emu.Ok(Emu.V3 + "/device")).GetProperty("totalResults").GetInt32());
    }

    [Fact]
    public async Task Info_DescribesTheRun()
    {
        await using var emu = await Emu.Start("--devices", "12", "--org-key", "MYORG");
        var i = await emu.Ok("/_emulator/info", null);
        Assert.Equal("MYORG", i.GetProperty("orgKey").GetString());
        Assert.Equal(12, i.GetProperty("devices").GetInt32());
        Assert.Equal(new[] { "API", "SIEM", "LIVE_RESPONSE", "CUSTOM" }, i.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("type").GetString()));
        Assert.Equal("both", i.GetProperty("api").GetString());
        Assert.Equal(410, i.GetProperty("goneStatus").GetInt32());
        Assert.DoesNotContain("SECRET", i.GetRawText());
        Assert.Equal(200, (await emu.Get("/appservices/v6/orgs/MYORG/alerts/search_suggestions?suggest.q=")).Code);
    }
}
