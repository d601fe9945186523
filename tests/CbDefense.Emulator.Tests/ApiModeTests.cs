using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>One read-only emulator per --api mode.</summary>
public sealed class ModeEmus : IAsyncLifetime
{
    public Emu Both { get; private set; } = null!;
    public Emu Current { get; private set; } = null!;
    public Emu Legacy { get; private set; } = null!;

    public Emu For(string mode) => mode switch
    {
        "both" => Both,
        "current" => Current,
        _ => Legacy,
    };

    public async Task InitializeAsync()
    {
        Both = await Emu.Start("--devices", "30", "--events", "50");
        Current = await Emu.Start("--devices", "30", "--events", "50", "--api", "current");
        Legacy = await Emu.Start("--devices", "30", "--events", "50", "--api", "legacy");
    }

    public async Task DisposeAsync()
    {
        await Both.DisposeAsync();
        await Current.DisposeAsync();
        await Legacy.DisposeAsync();
    }
}

public sealed class ApiModeTests : IClassFixture<ModeEmus>
{
    private readonly ModeEmus _emus;

    public ApiModeTests(ModeEmus emus) => _emus = emus;

    private const string V3Device = "GET " + Emu.V3 + "/device";
    private const string V3Notification = "GET " + Emu.V3 + "/notification";
    private const string V3Policy = "POST " + Emu.V3 + "/policy";
    private const string Suggest = "GET " + Emu.V6 + "/alerts/search_suggestions?suggest.q=";
    private const string Workflow = "POST " + Emu.V6 + "/threat/workflow/_criteria";
    private const string Search = "POST " + Emu.V6 + "/devices/_search";
    private const string Scroll = "POST " + Emu.V6 + "/devices/_scroll";
    private const string DeviceGet = "GET " + Emu.V6 + "/devices/1";

    private static async Task<Emu.Reply> Call(Emu emu, string route, string? token)
    {
        int space = route.IndexOf(' ');
        var method = new HttpMethod(route[..space]);
        string path = route[(space + 1)..];
        string? body = method == HttpMethod.Post ? (route == Workflow ? "{\"threat_id\": [\"x\"], \"state\": \"OPEN\"}" : "{}") : null;
        return await emu.Send(method, path, body, token);
    }

    [Theory]
    // both: the legacy routes take the legacy key types, the current-only routes only CUSTOM (a legacy type gets 403)
    [InlineData("both", V3Device, "API", 200)]
    [InlineData("both", V3Device, "LR", 200)]
    [InlineData("both", V3Device, "CUSTOM", 401)]
    [InlineData("both", V3Device, "SIEM", 401)]
    [InlineData("both", V3Notification, "SIEM", 200)]
    [InlineData("both", V3Notification, "CUSTOM", 401)]
    [InlineData("both", V3Policy, "CUSTOM", 401)]
    [InlineData("both", Suggest, "API", 200)]
    [InlineData("both", Suggest, "LR", 200)]
    [InlineData("both", Suggest, "CUSTOM", 200)]
    [InlineData("both", Suggest, "SIEM", 401)]
    [InlineData("both", Suggest, "NONE", 401)]
    [InlineData("both", Workflow, "CUSTOM", 200)]
    [InlineData("both", Search, "CUSTOM", 200)]
    [InlineData("both", Search, "API", 403)]
    [InlineData("both", Search, "LR", 403)]
    [InlineData("both", Search, "SIEM", 403)]
    [InlineData("both", Search, "WRONG", 401)]
    [InlineData("both", Search, "NONE", 401)]
    [InlineData("both", Scroll, "CUSTOM", 200)]
    [InlineData("both", Scroll, "API", 403)]
    [InlineData("both", DeviceGet, "CUSTOM", 404)]
    [InlineData("both", DeviceGet, "LR", 403)]
    // current: legacy routes are gone whatever the key; legacy key types are deactivated everywhere
    [InlineData("current", V3Device, "API", 410)]
    [InlineData("current", V3Device, "CUSTOM", 410)]
    [InlineData("current", V3Device, "NONE", 410)]
    [InlineData("current", V3Notification, "SIEM", 410)]
    [InlineData("current", V3Policy, "API", 410)]
    [InlineData("current", Suggest, "CUSTOM", 200)]
    [InlineData("current", Suggest, "API", 401)]
    [InlineData("current", Suggest, "LR", 401)]
    [InlineData("current", Workflow, "API", 401)]
    [InlineData("current", Search, "CUSTOM", 200)]
    [InlineData("current", Search, "API", 401)]
    [InlineData("current", Search, "SIEM", 401)]
    [InlineData("current", Search, "NONE", 401)]
    [InlineData("current", DeviceGet, "API", 401)]
    // legacy: as before this generation existed; the current-only routes are unknown routes
    [InlineData("legacy", V3Device, "API", 200)]
    [InlineData("legacy", V3Device, "CUSTOM", 401)]
    [InlineData("legacy", Suggest, "API", 200)]
    [InlineData("legacy", Suggest, "CUSTOM", 200)]
    [InlineData("legacy", Search, "CUSTOM", 404)]
    [InlineData("legacy", Search, "API", 404)]
    [InlineData("legacy", Search, "NONE", 401)]
    [InlineData("legacy", Scroll, "CUSTOM", 404)]
    [InlineData("legacy", DeviceGet, "CUSTOM", 404)]
    public async Task KeyTypesPerRoute_InEachMode(string mode, string route, string key, int status)
    {
        var r = await Call(_emus.For(mode), route, Emu.Token(key));
        Assert.True(r.Code == status, $"{mode} {route} with {key}: expected {status}, got {r.Code}: {r.Text}");
        switch (status)
        {
            case 401:
                Emu.V3Error(r, 401, "User is not authenticated");
                break;
            case 403:
                Emu.V6Error(r, 403, "FORBIDDEN", "Custom");
                break;
            case 404 when mode == "legacy":
                Emu.V6Error(r, 404, "NOT_FOUND", "No such route");
                break;
            case 410:
                AssertGone(r, 410);
                break;
        }
    }

    private static void AssertGone(Emu.Reply r, int status)
    {
        Assert.Equal(status, r.Code);
        var j = r.Json;
        Assert.False(j.GetProperty("success").GetBoolean());
        Assert.Equal("GONE", j.GetProperty("error_code").GetString());
        string msg = j.GetProperty("message").GetString()!;
        Assert.Contains("retired", msg);
        Assert.Contains("devices v6", msg);
        Assert.Contains("policy service v1", msg);
    }

    [Fact]
    public async Task Current_EveryIntegrationServicesPath_IsGone_EvenUnknownOnes()
    {
        var emu = _emus.Current;
        AssertGone(await emu.Get(Emu.V3 + "/nothing/here", null), 410);
        AssertGone(await emu.Delete(Emu.V3 + "/policy/6525", "NOTAKEY/X"), 410);
        AssertGone(await emu.Get("/integrationServices/v1/old", null), 410);
    }

    [Fact]
    public async Task Current_LegacyRoutesAreCountedAndLogged()
    {
        await using var emu = await Emu.Start("--devices", "5", "--api", "current");
        await emu.Get(Emu.V3 + "/device", null);
        var stats = await emu.Ok("/_emulator/stats", null);
        Assert.Equal(1, stats.GetProperty("routes").GetProperty("GET /integrationServices/v3/device").GetInt64());
        var log = (await emu.Ok("/_emulator/requests", null)).GetProperty("requests")[0];
        Assert.Equal(410, log.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task GoneStatus404_SameBody()
    {
        await using var emu = await Emu.Start("--devices", "5", "--api", "current", "--gone-status", "404");
        AssertGone(await emu.Get(Emu.V3 + "/device"), 404);
        AssertGone(await emu.Get(Emu.V3 + "/notification", null), 404);
        Assert.Equal(404, (await emu.Ok("/_emulator/info", null)).GetProperty("goneStatus").GetInt32());
    }

    [Fact]
    public async Task Faults_ComeBeforeTheGoneAnswer()
    {
        await using var emu = await Emu.Start("--devices", "5", "--api", "current");
        Assert.Equal(200, (await emu.Post("/_emulator/faults", "{\"kind\": \"throttle\", \"retryAfter\": 2, \"count\": 1}", null)).Code);
        var r = await emu.Get(Emu.V3 + "/device", null);
        Emu.V3Error(r, 429, "Too many requests");
        AssertGone(await emu.Get(Emu.V3 + "/device", null), 410);
    }

    [Fact]
    public async Task WrongOrgKey_OnCurrentRoutes_Is403()
    {
        var emu = _emus.Both;
        Emu.V6Error(await emu.Post("/appservices/v6/orgs/OTHERORG/devices/_search", "{}", Emu.Custom), 403, "FORBIDDEN", "OTHERORG");
        Emu.V6Error(await emu.Get("/appservices/v6/orgs/OTHERORG/devices/1", Emu.Custom), 403, "FORBIDDEN");
    }

    [Fact]
    public async Task Reset_SwitchesTheMode_AndInfoReportsIt()
    {
        await using var emu = await Emu.Start("--devices", "5");
        Assert.Equal(200, (await emu.Get(Emu.V3 + "/device")).Code);
        Assert.Equal(200, (await emu.Post("/_emulator/reset", "{\"api\": \"current\"}", null)).Code);
        Assert.Equal("current", (await emu.Ok("/_emulator/info", null)).GetProperty("api").GetString());
        AssertGone(await emu.Get(Emu.V3 + "/device"), 410);
        Assert.Equal(200, (await emu.Search("{}")).Code);
        Assert.Equal(200, (await emu.Post("/_emulator/reset", "{\"api\": \"LEGACY\"}", null)).Code);
        Assert.Equal(404, (await emu.Search("{}")).Code);
        Assert.Equal(200, (await emu.Get(Emu.V3 + "/device")).Code);
        // A reset without "api" goes back to the command line's mode.
        Assert.Equal(200, (await emu.Post("/_emulator/reset", "", null)).Code);
        Assert.Equal("both", (await emu.Ok("/_emulator/info", null)).GetProperty("api").GetString());
        Assert.Equal(400, (await emu.Post("/_emulator/reset", "{\"api\": \"v7\"}", null)).Code);
        Assert.Equal(400, (await emu.Post("/_emulator/reset", "{\"api\": 1}", null)).Code);
        Assert.Equal("both", (await emu.Ok("/_emulator/info", null)).GetProperty("api").GetString());
    }

    [Fact]
    public async Task Legacy_CurrentRoutesCountAsUnmatched()
    {
        await using var emu = await Emu.Start("--devices", "5", "--api", "legacy");
        await emu.Search("{}");
        var routes = (await emu.Ok("/_emulator/stats", null)).GetProperty("routes");
        Assert.Equal(1, routes.GetProperty("POST /appservices/v6/orgs/EMUORG01/devices/_search").GetInt64());
        Assert.False(routes.TryGetProperty("POST /appservices/v6/orgs/{org_key}/devices/_search", out _));
    }

    [Fact]
    public async Task CustomKeyFromCommandLine_WorksOnCurrentRoutes()
    {
        await using var emu = await Emu.Start("--devices", "3", "--key", "CUSTOM:MYSECRET/MYCUSTOM");
        Assert.Equal(3, (await emu.Search("{}", "MYSECRET/MYCUSTOM")).Json.GetProperty("num_found").GetInt32());
        Emu.V3Error(await emu.Search("{}", Emu.Custom), 401);
        var keys = (await emu.Ok("/_emulator/info", null)).GetProperty("keys").EnumerateArray().ToArray();
        Assert.Equal("CUSTOM", Assert.Single(keys).GetProperty("type").GetString());
        Assert.DoesNotContain("MYSECRET", (await emu.Ok("/_emulator/requests", null)).GetRawText());
    }

    [Fact]
    public async Task UnknownPlatformRoute_Is404V6Body_InEveryMode()
    {
        foreach (var emu in new[] { _emus.Both, _emus.Current, _emus.Legacy })
        {
            Emu.V6Error(await emu.Get(Emu.V6 + "/devices/1/nothing", Emu.Custom), 404, "NOT_FOUND");
        }
        Emu.V6Error(await _emus.Both.Send(HttpMethod.Delete, Emu.V6 + "/devices/_search", null, Emu.Custom), 405, "METHOD_NOT_ALLOWED");
    }
}
