using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

public sealed class WorkflowTests
{
    private static async Task<JsonElement[]> Alerts(Emu emu, string body = "{\"rows\": 10000}")
    {
        var r = await emu.Post(Emu.V6 + "/alerts/_search", body);
        Assert.Equal(200, r.Code);
        Assert.Equal(r.Json.GetProperty("num_found").GetInt32(), r.Json.GetProperty("num_available").GetInt32());
        return r.Json.GetProperty("results").EnumerateArray().ToArray();
    }

    [Fact]
    public async Task Workflow_Progresses_AndChangesAlerts()
    {
        await using var emu = await Emu.Start("--devices", "20", "--events", "200", "--workflow-seconds", "1");
        var all = await Alerts(emu);
        Assert.Equal(20, all.Length);
        string threat = all[0].GetProperty("threat_id").GetString()!;
        int expected = all.Count(a => a.GetProperty("threat_id").GetString() == threat);
        var r = await emu.Post(Emu.V6 + "/threat/workflow/_criteria", "{\"threat_id\": [\"" + threat + "\", \"NOPE\"], \"state\": \"DISMISSED\", \"remediation_state\": \"Fixed\", \"comment\": \"Yessir\"}");
        Assert.Equal(200, r.Code);
        string id = r.Json.GetProperty("request_id").GetString()!;
        var s1 = await emu.Ok(Emu.V6 + "/workflow/status/" + id);
        Assert.Equal("QUEUED", s1.GetProperty("status").GetString());
        Assert.Equal(id, s1.GetProperty("id").GetString());
        Assert.Equal(0, s1.GetProperty("errors").GetArrayLength());
        Assert.Equal(0, s1.GetProperty("failed_ids").GetArrayLength());
        Assert.Equal("DISMISSED", s1.GetProperty("workflow").GetProperty("state").GetString());
        Assert.Equal("Fixed", s1.GetProperty("workflow").GetProperty("remediation").GetString());
        Assert.Equal("Yessir", s1.GetProperty("workflow").GetProperty("comment").GetString());
        Assert.Equal("EMUAPI0001", s1.GetProperty("workflow").GetProperty("changed_by").GetString());
        var before = (await Alerts(emu, "{\"criteria\": {\"threat_id\": [\"" + threat + "\"]}}"));
        Assert.All(before, a => Assert.Equal("OPEN", a.GetProperty("workflow").GetProperty("state").GetString()));
        await Task.Delay(650);
        var s2 = await emu.Ok(Emu.V6 + "/workflow/status/" + id);
        Assert.Equal("IN_PROGRESS", s2.GetProperty("status").GetString());
        await Task.Delay(500);
        var s3 = await emu.Ok(Emu.V6 + "/workflow/status/" + id);
        Assert.Equal("FINISHED", s3.GetProperty("status").GetString());
        Assert.Equal(expected, s3.GetProperty("num_hits").GetInt32());
        Assert.Equal(expected, s3.GetProperty("num_success").GetInt32());
        var after = await Alerts(emu, "{\"criteria\": {\"threat_id\": [\"" + threat + "\"]}}");
        Assert.Equal(expected, after.Length);
        Assert.All(after, a =>
        {
            Assert.Equal("DISMISSED", a.GetProperty("workflow").GetProperty("state").GetString());
            Assert.Equal("Fixed", a.GetProperty("workflow").GetProperty("remediation").GetString());
        });
        var single = await emu.Ok(Emu.V6 + "/alerts/" + after[0].GetProperty("id").GetString());
        Assert.Equal("DISMISSED", single.GetProperty("workflow").GetProperty("state").GetString());
        Assert.All((await Alerts(emu)).Where(a => a.GetProperty("threat_id").GetString() != threat), a => Assert.Equal("OPEN", a.GetProperty("workflow").GetProperty("state").GetString()));
    }

    [Fact]
    public async Task Workflow_ZeroSeconds_FinishesImmediately_AndAlertsSeeIt()
    {
        await using var emu = await Emu.Start("--devices", "20", "--events", "100", "--workflow-seconds", "0");
        var all = await Alerts(emu);
        string threat = all[1].GetProperty("threat_id").GetString()!;
        var r = await emu.Post(Emu.V6 + "/threat/workflow/_criteria", "{\"threat_id\": [\"" + threat + "\"], \"state\": \"DISMISSED\"}");
        string alertId = all[1].GetProperty("id").GetString()!;
        var a = await emu.Ok(Emu.V6 + "/alerts/" + alertId);
        Assert.Equal("DISMISSED", a.GetProperty("workflow").GetProperty("state").GetString());
        var s = await emu.Ok(Emu.V6 + "/workflow/status/" + r.Json.GetProperty("request_id").GetString());
        Assert.Equal("FINISHED", s.GetProperty("status").GetString());
        await emu.Post(Emu.V6 + "/threat/workflow/_criteria", "{\"threat_id\": [\"" + threat + "\"], \"state\": \"OPEN\", \"comment\": \"reopen\"}");
        a = await emu.Ok(Emu.V6 + "/alerts/" + alertId);
        Assert.Equal("OPEN", a.GetProperty("workflow").GetProperty("state").GetString());
        Assert.Equal("reopen", a.GetProperty("workflow").GetProperty("comment").GetString());
    }

    [Fact]
    public async Task UnknownRequest_Is404V6()
    {
        await using var emu = await Emu.Start("--devices", "5");
        Emu.V6Error(await emu.Get(Emu.V6 + "/workflow/status/NOPE"), 404, "NOT_FOUND", "NOPE");
        Emu.V6Error(await emu.Get(Emu.V6 + "/alerts/NOPE"), 404, "NOT_FOUND");
    }

    [Theory]
    [InlineData("{\"state\": \"DISMISSED\"}", "threat_id")]
    [InlineData("{\"threat_id\": \"abc\", \"state\": \"DISMISSED\"}", "threat_id")]
    [InlineData("{\"threat_id\": [1, 2], \"state\": \"DISMISSED\"}", "threat_id")]
    [InlineData("{\"threat_id\": [], \"state\": \"DISMISSED\"}", "threat_id")]
    [InlineData("{\"threat_id\": [\"a\"]}", "state")]
    [InlineData("{\"threat_id\": [\"a\"], \"state\": \"CLOSED\"}", "state")]
    [InlineData("{\"threat_id\": [\"a\"], \"state\": \"OPEN\", \"comment\": 5}", "comment")]
    [InlineData("{\"threat_id\": [\"a\"], \"state\": \"OPEN\", \"remediation_state\": []}", "remediation_state")]
    [InlineData("nope", "JSON")]
    [InlineData("[]", "object")]
    public async Task BadWorkflowBody_Is400(string body, string contains)
    {
        await using var emu = await Emu.Start("--devices", "5");
        Emu.V6Error(await emu.Post(Emu.V6 + "/threat/workflow/_criteria", body), 400, "INVALID_ARGUMENT", contains);
    }

    [Fact]
    public async Task AlertSearch_PagingAndShape()
    {
        await using var emu = await Emu.Start("--devices", "20", "--events", "300");
        var all = await Alerts(emu);
        Assert.Equal(30, all.Length);
        var page = await emu.Post(Emu.V6 + "/alerts/_search", "{\"rows\": 5, \"start\": 6}");
        Assert.Equal(30, page.Json.GetProperty("num_found").GetInt32());
        var results = page.Json.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(5, results.Length);
        Assert.Equal(all[5].GetProperty("id").GetString(), results[0].GetProperty("id").GetString());
        foreach (var f in new[] { "type", "id", "legacy_alert_id", "org_key", "create_time", "threat_id", "severity", "category", "device_id", "device_name", "policy_id", "workflow", "reason", "threat_indicators", "run_state", "policy_applied" })
        {
            Assert.True(all[0].TryGetProperty(f, out _), "missing " + f);
        }
        Assert.Equal(Emu.Org, all[0].GetProperty("org_key").GetString());
        await emu.Device(all[0].GetProperty("device_id").GetInt64());
        Emu.V6Error(await emu.Post(Emu.V6 + "/alerts/_search", "{\"criteria\": {\"threat_id\": \"x\"}}"), 400, "INVALID_ARGUMENT");
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("PROCESS")]
    [InlineData("threat")]
    public async Task Suggestions_FilteredByQuery(string q)
    {
        await using var emu = await Emu.Start("--devices", "5");
        var j = await emu.Ok(Emu.V6 + "/alerts/search_suggestions?suggest.q=" + q);
        var s = j.GetProperty("suggestions").EnumerateArray().ToArray();
        Assert.NotEmpty(s);
        Assert.All(s, x =>
        {
            Assert.Contains(q, x.GetProperty("term").GetString()!, StringComparison.OrdinalIgnoreCase);
            Assert.True(x.GetProperty("weight").GetInt32() > 0);
            Assert.Equal(JsonValueKind.Array, x.GetProperty("required_skus_some").ValueKind);
        });
    }

    [Fact]
    public async Task Suggestions_EmptyQueryGivesAll_NoMatchGivesNone()
    {
        await using var emu = await Emu.Start("--devices", "5");
        var all = (await emu.Ok(Emu.V6 + "/alerts/search_suggestions?suggest.q=")).GetProperty("suggestions");
        Assert.True(all.GetArrayLength() >= 20);
        Assert.Equal("threat_category", all[0].GetProperty("term").GetString());
        Assert.Equal(0, (await emu.Ok(Emu.V6 + "/alerts/search_suggestions?suggest.q=zzzqqq")).GetProperty("suggestions").GetArrayLength());
    }
}
