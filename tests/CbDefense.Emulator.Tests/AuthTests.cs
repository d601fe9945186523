using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

public sealed class AuthTests : IClassFixture<SharedEmu>
{
    private readonly Emu _emu;

    public AuthTests(SharedEmu shared) => _emu = shared.Emu;

    [Theory]
    [InlineData("/integrationServices/v3/device", "API", 200)]
    [InlineData("/integrationServices/v3/device", "LR", 200)]
    [InlineData("/integrationServices/v3/device", "SIEM", 401)]
    [InlineData("/integrationServices/v3/device", "NONE", 401)]
    [InlineData("/integrationServices/v3/device", "WRONG", 401)]
    [InlineData("/integrationServices/v3/event", "SIEM", 401)]
    [InlineData("/integrationServices/v3/policy", "LR", 200)]
    [InlineData("/integrationServices/v3/policy", "SIEM", 401)]
    [InlineData("/integrationServices/v3/auditlogs", "SIEM", 401)]
    [InlineData("/integrationServices/v3/notification", "API", 401)]
    [InlineData("/integrationServices/v3/notification", "LR", 401)]
    [InlineData("/integrationServices/v3/notification", "NONE", 401)]
    [InlineData("/appservices/v6/orgs/EMUORG01/alerts/search_suggestions?suggest.q=", "API", 200)]
    [InlineData("/appservices/v6/orgs/EMUORG01/alerts/search_suggestions?suggest.q=", "LR", 200)]
    [InlineData("/appservices/v6/orgs/EMUORG01/alerts/search_suggestions?suggest.q=", "SIEM", 401)]
    [InlineData("/appservices/v6/orgs/EMUORG01/alerts/search_suggestions?suggest.q=", "NONE", 401)]
    public async Task KeyTypesPerRoute(string path, string key, int status)
    {
        string? token = key switch
        {
            "API" => Emu.Api,
            "LR" => Emu.Lr,
            "SIEM" => Emu.Siem,
            "WRONG" => "NOTAKEY/NOTANID",
            _ => null,
        };
        var r = await _emu.Get(path, token);
        if (status == 401)
        {
            Emu.V3Error(r, 401, "User is not authenticated");
        }
        else
        {
            Assert.Equal(status, r.Code);
        }
    }

    [Fact]
    public async Task WrongOrgKey_Is403()
    {
        Emu.V6Error(await _emu.Get("/appservices/v6/orgs/OTHERORG/alerts/search_suggestions?suggest.q=x"), 403, "FORBIDDEN", "OTHERORG");
        Emu.V6Error(await _emu.Post("/appservices/v6/orgs/OTHERORG/device_actions", "{\"action_type\":\"QUARANTINE\",\"device_id\":[1],\"options\":{\"toggle\":\"ON\"}}"), 403, "FORBIDDEN");
    }

    [Fact]
    public async Task UnknownRoute_Is404WithBody()
    {
        Emu.V3Error(await _emu.Get("/integrationServices/v3/nothing"), 404);
        Emu.V6Error(await _emu.Get(Emu.V6 + "/nothing"), 404, "NOT_FOUND");
    }

    [Fact]
    public async Task CustomKeys_ReplaceDefaults()
    {
        await using var emu = await Emu.Start("--key", "API:MYSECRET/MYID", "--devices", "3");
        Assert.Equal(200, (await emu.Get(Emu.V3 + "/device", "MYSECRET/MYID")).Code);
        Emu.V3Error(await emu.Get(Emu.V3 + "/device", Emu.Api), 401);
    }
}
