using System;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>Key types per Live Response route and --api mode.</summary>
public sealed class LiveResponseModeTests : IClassFixture<ModeEmus>
{
    private readonly ModeEmus _emus;

    public LiveResponseModeTests(ModeEmus emus) => _emus = emus;

    private static readonly string[] V3Routes =
    {
        "POST /cblr/session/100500",
        "GET /cblr/session/1:100500",
        "PUT /cblr/session",
        "GET /cblr/session/1:100500/keepalive",
        "POST /cblr/session/1:100500/command",
        "GET /cblr/session/1:100500/command/1",
        "POST /cblr/session/1:100500/file",
        "GET /cblr/session/1:100500/file/1/content",
        "DELETE /cblr/session/1:100500/file/1",
    };

    private static readonly string[] V6Routes =
    {
        "POST /liveresponse/sessions",
        "GET /liveresponse/sessions/1:100500",
        "DELETE /liveresponse/sessions/1:100500",
        "GET /liveresponse/sessions/1:100500/keepalive",
        "POST /liveresponse/sessions/1:100500/commands",
        "GET /liveresponse/sessions/1:100500/commands/1",
        "DELETE /liveresponse/sessions/1:100500/commands/1",
        "POST /liveresponse/sessions/1:100500/files",
        "GET /liveresponse/sessions/1:100500/files/1/content",
        "DELETE /liveresponse/sessions/1:100500/files/1",
    };

    private static async Task<Emu.Reply> Call(Emu emu, string prefix, string route, string? token)
    {
        int space = route.IndexOf(' ');
        var method = new HttpMethod(route[..space]);
        string path = prefix + route[(space + 1)..];
        string? body = method == HttpMethod.Post || method == HttpMethod.Put ? "{}" : null;
        return await emu.Send(method, path, body, token);
    }

    [Theory]
    [InlineData("both")]
    [InlineData("legacy")]
    public async Task V3_OnlyTheLiveResponseKey(string mode)
    {
        var emu = _emus.For(mode);
        foreach (var route in V3Routes)
        {
            foreach (var key in new[] { "API", "SIEM", "CUSTOM", "WRONG", "NONE" })
            {
                Emu.V3Error(await Call(emu, Emu.V3, route, Emu.Token(key)), 401, "User is not authenticated");
            }
            var ok = await Call(emu, Emu.V3, route, Emu.Lr);
            Assert.True(ok.Code is not (401 or 403 or 405 or 410), route + ": " + ok.Code + " " + ok.Text);
        }
    }

    [Theory]
    [InlineData("LR")]
    [InlineData("CUSTOM")]
    [InlineData("NONE")]
    public async Task V3_CurrentMode_410Gone(string key)
    {
        foreach (var route in V3Routes)
        {
            var r = await Call(_emus.Current, Emu.V3, route, Emu.Token(key));
            Assert.Equal(410, r.Code);
            Assert.Equal("GONE", r.Json.GetProperty("error_code").GetString());
        }
    }

    [Theory]
    [InlineData("both")]
    [InlineData("current")]
    public async Task V6_OnlyTheCustomKey(string mode)
    {
        var emu = _emus.For(mode);
        foreach (var route in V6Routes)
        {
            foreach (var key in new[] { "API", "SIEM", "LR" })
            {
                var r = await Call(emu, Emu.V6, route, Emu.Token(key));
                if (mode == "both")
                {
                    Emu.V6Error(r, 403, "FORBIDDEN", "Custom key");
                }
                else
                {
                    Emu.V3Error(r, 401, "User is not authenticated");
                }
            }
            Emu.V3Error(await Call(emu, Emu.V6, route, null), 401);
            Emu.V3Error(await Call(emu, Emu.V6, route, Emu.Token("WRONG")), 401);
            var ok = await Call(emu, Emu.V6, route, Emu.Custom);
            Assert.True(ok.Code is not (401 or 403 or 405 or 410), route + ": " + ok.Code + " " + ok.Text);
            var org = await emu.Send(new HttpMethod(route.Split(' ')[0]), "/appservices/v6/orgs/OTHER" + route.Split(' ')[1], route.StartsWith("POST", StringComparison.Ordinal) ? "{}" : null, Emu.Custom);
            Emu.V6Error(org, 403, "FORBIDDEN");
        }
    }

    [Fact]
    public async Task V6_LegacyMode_NoSuchRoute()
    {
        foreach (var route in V6Routes)
        {
            var r = await Call(_emus.Legacy, Emu.V6, route, Emu.Custom);
            Emu.V6Error(r, 404, "NOT_FOUND", "No such route");
        }
    }

    [Fact]
    public async Task CurrentMode_FullV6Flow()
    {
        var emu = _emus.Current;
        var search = await emu.Search("{\"criteria\": {\"os\": [\"WINDOWS\"], \"status\": [\"REGISTERED\"]}, \"rows\": 1}");
        long dev = search.Json.GetProperty("results")[0].GetProperty("id").GetInt64();
        var lr = new LrClient(emu, v6: true);
        string id = await lr.Open(dev);
        var j = await lr.Ok(id, "directory list", "C:\\TEMP\\*.txt");
        Assert.Equal(new[] { "notes.txt", "test.txt" }, LrClient.Array(j, "files").Select(f => f.GetProperty("filename").GetString()));
        Assert.Equal(204, (await lr.Close(id)).Code);
    }

    [Fact]
    public async Task UnknownLiveResponseRoutes_404_WrongMethods_405()
    {
        var emu = _emus.Both;
        Emu.V3Error(await emu.Get(Emu.V3 + "/cblr/nothing", Emu.Lr), 404);
        Emu.V6Error(await emu.Get(Emu.V6 + "/liveresponse/nothing", Emu.Custom), 404, "NOT_FOUND");
        Emu.V3Error(await emu.Patch(Emu.V3 + "/cblr/session/1:2", "{}", Emu.Lr), 405);
        Emu.V6Error(await emu.Send(HttpMethod.Put, Emu.V6 + "/liveresponse/sessions/1:2", "{}", Emu.Custom), 405, "METHOD_NOT_ALLOWED");
        var storage = await emu.Get("/_storage/lr/", null);
        Assert.Equal(404, storage.Code);
    }
}
