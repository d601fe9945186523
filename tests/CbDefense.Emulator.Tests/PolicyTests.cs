using System;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

public sealed class PolicyTests : IAsyncLifetime
{
    private Emu _emu = null!;

    public async Task InitializeAsync() => _emu = await Emu.Start("--devices", "40", "--events", "10");

    public async Task DisposeAsync() => await _emu.DisposeAsync();

    private const string Body = "{\"priorityLevel\": \"LOW\", \"id\": -1, \"directoryActionRules\": [], \"sensorSettings\": [{\"name\": \"SHOW_UI\", \"value\": \"True\"}], \"rules\": [], \"avSettings\": {}, \"knownBadHashAutoDeleteDelayMs\": null}";

    private static string PolicyJson(string name = "Emu_Test", string priority = "\"LOW\"", string version = "2", string policy = Body, string description = "\"test\"") =>
        "{\"policyInfo\": {\"description\": " + description + ", \"name\": \"" + name + "\", \"policy\": " + policy + ", \"priorityLevel\": " + priority + ", \"version\": " + version + "}}";

    private async Task<string> Snapshot() => (await _emu.Ok(Emu.V3 + "/policy?rows=5000")).GetProperty("results").GetRawText();

    private async Task<long> Create(string name = "Emu_Test")
    {
        var r = await _emu.Post(Emu.V3 + "/policy", PolicyJson(name));
        Assert.Equal(200, r.Code);
        Assert.True(r.Json.GetProperty("success").GetBoolean());
        Assert.Equal("Success", r.Json.GetProperty("message").GetString());
        return r.Json.GetProperty("policyId").GetInt64();
    }

    [Fact]
    public async Task List_HasSystemAndCustomPolicies()
    {
        var j = await _emu.Ok(Emu.V3 + "/policy");
        Assert.True(j.GetProperty("success").GetBoolean());
        var results = j.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(j.GetProperty("totalResults").GetInt32(), results.Count);
        foreach (var n in new[] { "Standard", "Advanced", "Monitored" })
        {
            Assert.True(results.Single(p => p.GetProperty("name").GetString() == n).GetProperty("systemPolicy").GetBoolean());
        }
        Assert.Contains(results, p => !p.GetProperty("systemPolicy").GetBoolean());
        var first = results[0];
        foreach (var f in new[] { "priorityLevel", "latestRevision", "id", "systemPolicy", "version", "policy", "name", "description" })
        {
            Assert.True(first.TryGetProperty(f, out _), "missing " + f);
        }
        var body = first.GetProperty("policy");
        foreach (var f in new[] { "avSettings", "sensorSettings", "directoryActionRules", "rules", "knownBadHashAutoDeleteDelayMs", "id" })
        {
            Assert.True(body.TryGetProperty(f, out _), "policy missing " + f);
        }
    }

    [Fact]
    public async Task Get_WrapsPolicyInfo()
    {
        var j = await _emu.Ok(Emu.V3 + "/policy/6525");
        Assert.True(j.GetProperty("success").GetBoolean());
        Assert.Equal("Success", j.GetProperty("message").GetString());
        var p = j.GetProperty("policyInfo");
        Assert.Equal(6525, p.GetProperty("id").GetInt64());
        Assert.Equal(2, p.GetProperty("version").GetInt32());
        Assert.NotEmpty(p.GetProperty("policy").GetProperty("rules").EnumerateArray());
    }

    [Fact]
    public async Task Get_UnknownOrBad()
    {
        Emu.V3Error(await _emu.Get(Emu.V3 + "/policy/1"), 404, "1");
        Emu.V3Error(await _emu.Get(Emu.V3 + "/policy/x"), 400);
    }

    [Fact]
    public async Task Create_ThenGet()
    {
        long id = await Create();
        var p = (await _emu.Ok(Emu.V3 + "/policy/" + id)).GetProperty("policyInfo");
        Assert.Equal("Emu_Test", p.GetProperty("name").GetString());
        Assert.Equal("LOW", p.GetProperty("priorityLevel").GetString());
        Assert.False(p.GetProperty("systemPolicy").GetBoolean());
    }

    [Fact]
    public async Task Create_DuplicateName_Is409()
    {
        await Create("Dup");
        string before = await Snapshot();
        Emu.V3Error(await _emu.Post(Emu.V3 + "/policy", PolicyJson("dup")), 409, "already exists");
        Assert.Equal(before, await Snapshot());
    }

    [Theory]
    [InlineData("version", "3", "version")]
    [InlineData("version", "\"2\"", "version")]
    [InlineData("priority", "\"URGENT\"", "priorityLevel")]
    [InlineData("policy", "[]", "policy")]
    [InlineData("policy", "{\"rules\": [{\"operation\": \"FLY\", \"action\": \"DENY\", \"required\": true, \"application\": {\"type\": \"REPUTATION\", \"value\": \"PUP\"}}]}", "FLY")]
    [InlineData("description", "null", "description")]
    [InlineData("name", "", "name")]
    public async Task Create_Invalid_Is400_NoChange(string field, string value, string contains)
    {
        string body = field switch
        {
            "version" => PolicyJson(version: value),
            "priority" => PolicyJson(priority: value),
            "policy" => PolicyJson(policy: value),
            "description" => PolicyJson(description: value),
            _ => PolicyJson(name: value),
        };
        string before = await Snapshot();
        Emu.V3Error(await _emu.Post(Emu.V3 + "/policy", body), 400, contains);
        Assert.Equal(before, await Snapshot());
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("{\"name\": \"x\"}")]
    [InlineData("{\"policyInfo\": 5}")]
    [InlineData("[]")]
    public async Task Create_BadEnvelope_Is400(string body)
    {
        string before = await Snapshot();
        Emu.V3Error(await _emu.Post(Emu.V3 + "/policy", body), 400);
        Assert.Equal(before, await Snapshot());
    }

    [Fact]
    public async Task Update_ChangesPolicy()
    {
        long id = await Create("ToUpdate");
        var r = await _emu.Put(Emu.V3 + "/policy/" + id, PolicyJson("Updated", "\"HIGH\""));
        Assert.Equal(200, r.Code);
        Assert.True(r.Json.GetProperty("success").GetBoolean());
        Assert.Equal("Updated", r.Json.GetProperty("policyInfo").GetProperty("name").GetString());
        var p = (await _emu.Ok(Emu.V3 + "/policy/" + id)).GetProperty("policyInfo");
        Assert.Equal("HIGH", p.GetProperty("priorityLevel").GetString());
        Assert.Equal("Updated", p.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Update_Errors()
    {
        long id = await Create("U2");
        Emu.V3Error(await _emu.Put(Emu.V3 + "/policy/999", PolicyJson("x")), 404);
        string mismatched = "{\"policyInfo\": {\"id\": 5, \"description\": \"d\", \"name\": \"U2\", \"policy\": {}, \"priorityLevel\": \"LOW\", \"version\": 2}}";
        Emu.V3Error(await _emu.Put(Emu.V3 + "/policy/" + id, mismatched), 400, "does not match");
        Emu.V3Error(await _emu.Put(Emu.V3 + "/policy/" + id, PolicyJson("Standard")), 409);
        Emu.V3Error(await _emu.Put(Emu.V3 + "/policy/" + id, PolicyJson(version: "1")), 400, "version");
        Assert.Equal("U2", (await _emu.Ok(Emu.V3 + "/policy/" + id)).GetProperty("policyInfo").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Delete_CustomWithoutDevices()
    {
        long id = await Create("ToDelete");
        var r = await _emu.Delete(Emu.V3 + "/policy/" + id);
        Assert.Equal(200, r.Code);
        Assert.True(r.Json.GetProperty("success").GetBoolean());
        Emu.V3Error(await _emu.Get(Emu.V3 + "/policy/" + id), 404);
        Emu.V3Error(await _emu.Delete(Emu.V3 + "/policy/" + id), 404);
    }

    [Fact]
    public async Task Delete_SystemPolicy_Is400()
    {
        Emu.V3Error(await _emu.Delete(Emu.V3 + "/policy/6525"), 400, "system policy");
        await _emu.Ok(Emu.V3 + "/policy/6525");
    }

    [Fact]
    public async Task Delete_PolicyWithDevices_Is409()
    {
        long id = await Create("Busy");
        long dev = (await _emu.Devices())[0].GetProperty("deviceId").GetInt64();
        Assert.Equal(200, (await _emu.Patch(Emu.V3 + "/device/" + dev, "{\"policyId\": " + id + "}")).Code);
        Emu.V3Error(await _emu.Delete(Emu.V3 + "/policy/" + id), 409, "device");
        await _emu.Ok(Emu.V3 + "/policy/" + id);
    }

    private const string Rule = "{\"ruleInfo\": {\"action\": \"TERMINATE\", \"application\": {\"type\": \"REPUTATION\", \"value\": \"KNOWN_MALWARE\"}, \"operation\": \"INVOKE_SCRIPT\", \"required\": false, \"id\": 999}}";

    [Fact]
    public async Task Rules_AddReplaceDelete()
    {
        long id = await Create("Rules");
        var add = await _emu.Post(Emu.V3 + "/policy/" + id + "/rule", Rule);
        Assert.Equal(200, add.Code);
        long ruleId = add.Json.GetProperty("ruleId").GetInt64();
        Assert.Equal(1, ruleId);
        Assert.True(add.Json.GetProperty("success").GetBoolean());
        var add2 = await _emu.Post(Emu.V3 + "/policy/" + id + "/rule", Rule);
        Assert.Equal(2, add2.Json.GetProperty("ruleId").GetInt64());
        var rules = (await _emu.Ok(Emu.V3 + "/policy/" + id)).GetProperty("policyInfo").GetProperty("policy").GetProperty("rules");
        Assert.Equal(2, rules.GetArrayLength());
        Assert.Equal("INVOKE_SCRIPT", rules[0].GetProperty("operation").GetString());

        string replacement = "{\"ruleInfo\": {\"action\": \"DENY\", \"application\": {\"type\": \"NAME_PATH\", \"value\": \"c:\\\\windows\\\\notepad.exe\"}, \"operation\": \"RUN\", \"required\": true}}";
        var put = await _emu.Put(Emu.V3 + "/policy/" + id + "/rule/1", replacement);
        Assert.Equal(200, put.Code);
        Assert.True(put.Json.GetProperty("success").GetBoolean());
        rules = (await _emu.Ok(Emu.V3 + "/policy/" + id)).GetProperty("policyInfo").GetProperty("policy").GetProperty("rules");
        var r1 = rules.EnumerateArray().Single(r => r.GetProperty("id").GetInt64() == 1);
        Assert.Equal("DENY", r1.GetProperty("action").GetString());
        Assert.Equal("c:\\windows\\notepad.exe", r1.GetProperty("application").GetProperty("value").GetString());

        var del = await _emu.Delete(Emu.V3 + "/policy/" + id + "/rule/1");
        Assert.Equal(200, del.Code);
        Assert.Equal("Success", del.Json.GetProperty("message").GetString());
        rules = (await _emu.Ok(Emu.V3 + "/policy/" + id)).GetProperty("policyInfo").GetProperty("policy").GetProperty("rules");
        Assert.Single(rules.EnumerateArray());
        Emu.V3Error(await _emu.Delete(Emu.V3 + "/policy/" + id + "/rule/1"), 404, "Rule 1");
        Emu.V3Error(await _emu.Put(Emu.V3 + "/policy/" + id + "/rule/77", replacement), 404);
        Emu.V3Error(await _emu.Post(Emu.V3 + "/policy/777/rule", Rule), 404);
    }

    [Fact]
    public async Task Rules_OfSeededPolicies_CanBeAddedReplacedAndDeleted()
    {
        // Seeded rules have ids 1..n: a new rule gets n + 1, and the seeded ones are found by id.
        string path = Emu.V3 + "/policy/6525";
        int n = (await _emu.Ok(path)).GetProperty("policyInfo").GetProperty("policy").GetProperty("rules").GetArrayLength();
        Assert.True(n > 0);
        var add = await _emu.Post(path + "/rule", Rule);
        Assert.Equal(n + 1, add.Json.GetProperty("ruleId").GetInt64());
        string replacement = "{\"ruleInfo\": {\"action\": \"DENY\", \"application\": {\"type\": \"NAME_PATH\", \"value\": \"**\\\\x.exe\"}, \"operation\": \"RUN\", \"required\": false}}";
        Assert.Equal(200, (await _emu.Put(path + "/rule/1", replacement)).Code);
        Assert.Equal(200, (await _emu.Delete(path + "/rule/1")).Code);
        var ids = (await _emu.Ok(path)).GetProperty("policyInfo").GetProperty("policy").GetProperty("rules")
            .EnumerateArray().Select(r => r.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(n, ids.Count);
        Assert.DoesNotContain(1L, ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("\"operation\": \"FLY\"", "operation")]
    [InlineData("\"action\": \"EXPLODE\"", "action")]
    [InlineData("\"application\": {\"type\": \"HASH\", \"value\": \"x\"}", "application.type")]
    [InlineData("\"application\": {\"type\": \"REPUTATION\", \"value\": \"VERY_BAD\"}", "VERY_BAD")]
    [InlineData("\"application\": {\"type\": \"NAME_PATH\", \"value\": \"\"}", "application.value")]
    [InlineData("\"application\": \"notepad\"", "application")]
    [InlineData("\"required\": \"yes\"", "required")]
    public async Task Rule_Invalid_Is400_NamingFieldAndAllowedValues(string replace, string contains)
    {
        string field = replace[1..replace.IndexOf('"', 1)];
        var parts = new System.Collections.Generic.Dictionary<string, string>
        {
            ["operation"] = "\"operation\": \"RUN\"",
            ["action"] = "\"action\": \"DENY\"",
            ["application"] = "\"application\": {\"type\": \"REPUTATION\", \"value\": \"PUP\"}",
            ["required"] = "\"required\": true",
        };
        parts[field] = replace;
        string body = "{\"ruleInfo\": {" + string.Join(", ", parts.Values) + "}}";
        string before = await Snapshot();
        var r = await _emu.Post(Emu.V3 + "/policy/30241/rule", body);
        Emu.V3Error(r, 400, contains);
        if (field is "operation" or "action")
        {
            Assert.Contains("allowed values", r.Json.GetProperty("message").GetString()!);
        }
        Assert.Equal(before, await Snapshot());
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"ruleInfo\": []}")]
    [InlineData("not json")]
    [InlineData("{\"ruleInfo\": {\"operation\": \"RUN\", \"action\": \"DENY\", \"application\": {\"type\": \"REPUTATION\", \"value\": \"PUP\"}}}")]
    public async Task Rule_BadBody_Is400(string body)
    {
        string before = await Snapshot();
        Emu.V3Error(await _emu.Post(Emu.V3 + "/policy/30241/rule", body), 400);
        Assert.Equal(before, await Snapshot());
    }
}
