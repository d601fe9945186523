using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>Alerts v7 workflow, jobs v1, and the v6 threat workflow's effect on later alerts.</summary>
public sealed class AlertWorkflowV7Tests
{
    private static string Id(JsonElement a) => a.GetProperty("id").GetString()!;

    private static long Ms(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    private static async Task<string> Workflow(Emu emu, string body)
    {
        var r = await emu.Post(Emu.Alerts7 + "/workflow", body, Emu.Custom);
        Assert.True(r.Code == 200, r.Text);
        var id = r.Json.GetProperty("request_id");
        Assert.Equal(JsonValueKind.String, id.ValueKind);
        Assert.True(long.TryParse(id.GetString(), out _));
        return id.GetString()!;
    }

    private static Task<JsonElement> Job(Emu emu, string id) => emu.Ok(Emu.Jobs + "/" + id, Emu.Custom);

    [Fact]
    public async Task Workflow_IsAJob_CreatedThenInProgressThenCompleted_ThatChangesTheMatchingAlerts()
    {
        await using var emu = await Emu.Start("--devices", "40", "--events", "0", "--alerts", "200", "--job-seconds", "4");
        var all = await emu.Alerts("{\"rows\": 10000}");
        string os = all[0].GetProperty("device_os").GetString()!;
        var targets = all.Where(a => a.GetProperty("type").GetString() == "CB_ANALYTICS" && a.TryGetProperty("device_os", out var o) && o.GetString() == os).ToArray();
        Assert.True(targets.Length >= 5);
        string body = "{\"criteria\": {\"type\": [\"CB_ANALYTICS\"], \"device_os\": [\"" + os + "\"]}, \"status\": \"CLOSED\", \"closure_reason\": \"RESOLVED\", \"determination\": \"TRUE_POSITIVE\", \"note\": \"Handled by the SOC\"}";
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string id = await Workflow(emu, body);
        // nothing changes until the job completes
        var now = await emu.Alerts("{\"rows\": 10000, \"criteria\": {\"id\": [" + string.Join(",", targets.Select(t => "\"" + Id(t) + "\"")) + "]}}");
        Assert.All(now, a => Assert.Equal("OPEN", a.GetProperty("workflow").GetProperty("status").GetString()));

        var j = await Job(emu, id);
        Assert.Equal(long.Parse(id, CultureInfo.InvariantCulture), j.GetProperty("id").GetInt64());
        Assert.Equal("user_workflow_update", j.GetProperty("type").GetString());
        var p = j.GetProperty("job_parameters").GetProperty("job_parameters");
        using (var sent = JsonDocument.Parse(body))
        {
            Assert.Equal(sent.RootElement.GetRawText().Replace(" ", ""), p.GetProperty("request").GetRawText().Replace(" ", ""));
        }
        var dto = p.GetProperty("userWorkflowDto");
        Assert.Equal("API", dto.GetProperty("changed_by_type").GetString());
        Assert.Equal("EMUCUST001", dto.GetProperty("changed_by").GetString());
        Assert.Equal("RESOLVED", dto.GetProperty("closure_reason").GetString());
        Assert.Equal("CLOSED", dto.GetProperty("status").GetString());
        Assert.Equal("EMUCUST001", j.GetProperty("connector_id").GetString());
        Assert.Equal(Emu.Org, j.GetProperty("org_key").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", j.GetProperty("create_time").GetString()!);
        Assert.Equal(targets.Length, j.GetProperty("progress").GetProperty("num_total").GetInt32());

        var statuses = new List<string>();
        bool sawPartial = false;
        var last = await Emu.Until(() => Job(emu, id), x =>
        {
            string s = x.GetProperty("status").GetString()!;
            if (statuses.Count == 0 || statuses[^1] != s)
            {
                statuses.Add(s);
            }
            var pr = x.GetProperty("progress");
            int done = pr.GetProperty("num_completed").GetInt32(), total = pr.GetProperty("num_total").GetInt32();
            sawPartial |= s == "IN_PROGRESS" && done > 0 && done < total;
            Assert.InRange(done, 0, total);
            return s == "COMPLETED";
        }, everyMs: 100);
        Assert.Equal("COMPLETED", last.GetProperty("status").GetString());
        Assert.Equal(new[] { "CREATED", "IN_PROGRESS", "COMPLETED" }.Where(statuses.Contains), statuses);
        Assert.Contains("IN_PROGRESS", statuses);
        Assert.True(sawPartial, "progress never counted up");
        Assert.Equal(targets.Length, last.GetProperty("progress").GetProperty("num_completed").GetInt32());
        Assert.Equal("Dismissal completed", last.GetProperty("progress").GetProperty("message").GetString());
        long completed = Ms(last.GetProperty("last_update_time").GetString()!);
        Assert.True(completed - Ms(last.GetProperty("create_time").GetString()!) >= 3_990);

        var progress = await emu.Ok(Emu.Jobs + "/" + id + "/progress", Emu.Custom);
        Assert.Equal(last.GetProperty("progress").GetRawText(), progress.GetRawText());

        var after = (await emu.Alerts("{\"rows\": 10000}")).ToDictionary(Id);
        foreach (var t in targets)
        {
            var a = after[Id(t)];
            var wf = a.GetProperty("workflow");
            Assert.Equal("CLOSED", wf.GetProperty("status").GetString());
            Assert.Equal("RESOLVED", wf.GetProperty("closure_reason").GetString());
            Assert.Equal("API", wf.GetProperty("changed_by_type").GetString());
            Assert.Equal("EMUCUST001", wf.GetProperty("changed_by").GetString());
            Assert.Equal("Handled by the SOC", wf.GetProperty("note").GetString());
            Assert.InRange(Ms(wf.GetProperty("change_timestamp").GetString()!), before - 1, completed);
            Assert.Equal("TRUE_POSITIVE", a.GetProperty("determination").GetProperty("value").GetString());
            Assert.Equal("EMUCUST001", a.GetProperty("determination").GetProperty("changed_by").GetString());
            Assert.Equal(completed, Ms(a.GetProperty("backend_update_timestamp").GetString()!));
            Assert.Equal(completed, Ms(a.GetProperty("user_update_timestamp").GetString()!));
            Assert.True(a.GetProperty("is_updated").GetBoolean());
            Assert.True(a.GetProperty("alert_notes_present").GetBoolean());
            Assert.Equal(t.GetProperty("backend_timestamp").GetString(), a.GetProperty("backend_timestamp").GetString());
            // the v6 view of the same alert
            var v6 = await emu.Ok(Emu.V6 + "/alerts/" + Id(t));
            Assert.Equal("DISMISSED", v6.GetProperty("workflow").GetProperty("state").GetString());
            Assert.Equal("RESOLVED", v6.GetProperty("workflow").GetProperty("remediation").GetString());
            Assert.Equal("Handled by the SOC", v6.GetProperty("workflow").GetProperty("comment").GetString());
            Assert.Equal("EMUCUST001", v6.GetProperty("workflow").GetProperty("changed_by").GetString());
        }
        var targetIds = targets.Select(Id).ToHashSet();
        Assert.All(after.Values.Where(a => !targetIds.Contains(Id(a))), a => Assert.Equal("OPEN", a.GetProperty("workflow").GetProperty("status").GetString()));
        var closed = await emu.AlertSearch("{\"criteria\": {\"workflow_status\": [\"CLOSED\"], \"determination_value\": [\"TRUE_POSITIVE\"]}}");
        Assert.Equal(targets.Length, closed.GetProperty("num_found").GetInt32());
        var withNotes = await emu.AlertSearch("{\"criteria\": {\"alert_notes_present\": true}}");
        Assert.Equal(targets.Length, withNotes.GetProperty("num_found").GetInt32());
        var listed = await emu.Ok(Emu.Jobs, Emu.Custom);
        Assert.Equal(1, listed.GetProperty("num_found").GetInt32());
        Assert.Equal(long.Parse(id, CultureInfo.InvariantCulture), listed.GetProperty("results")[0].GetProperty("id").GetInt64());
        // the audit log records the request
        var audit = await emu.Post(Emu.Audit1 + "/_search", "{\"query\": \"description:Alert*\"}", Emu.Custom);
        Assert.Equal(1, audit.Json.GetProperty("num_found").GetInt32());
    }

    [Fact]
    public async Task Workflow_ZeroSeconds_CompletesAtOnce_InProgressKeepsTheDetermination_AndLaterAlertsAreNotTouched()
    {
        await using var emu = await Emu.Start("--devices", "20", "--events", "0", "--alerts", "30", "--job-seconds", "0");
        var a = (await emu.Alerts("{\"rows\": 1}"))[0];
        string id = await Workflow(emu, "{\"criteria\": {\"threat_id\": [\"" + a.GetProperty("threat_id").GetString() + "\"]}, \"status\": \"IN_PROGRESS\"}");
        Assert.Equal("COMPLETED", (await Job(emu, id)).GetProperty("status").GetString());
        var got = await emu.Ok(Emu.Alerts7 + "/" + Id(a), Emu.Custom);
        Assert.Equal("IN_PROGRESS", got.GetProperty("workflow").GetProperty("status").GetString());
        Assert.Equal("NO_REASON", got.GetProperty("workflow").GetProperty("closure_reason").GetString());
        Assert.Equal("NONE", got.GetProperty("determination").GetProperty("value").GetString());
        Assert.Equal("ALERT_CREATION", got.GetProperty("determination").GetProperty("changed_by").GetString());
        Assert.False(got.GetProperty("workflow").TryGetProperty("note", out _));
        var v6 = await emu.Ok(Emu.V6 + "/alerts/" + Id(a));
        Assert.Equal("OPEN", v6.GetProperty("workflow").GetProperty("state").GetString());
        // a v7 workflow is a search over the alerts that exist: a later alert of the same threat arrives OPEN
        var made = await emu.Post("/_emulator/alerts", "{\"threatId\": \"" + a.GetProperty("threat_id").GetString() + "\"}", null);
        string newId = made.Json.GetProperty("alerts")[0].GetProperty("id").GetString()!;
        Assert.Equal("OPEN", (await emu.Ok(Emu.Alerts7 + "/" + newId, Emu.Custom)).GetProperty("workflow").GetProperty("status").GetString());
        // a query names the alerts too
        string q = await Workflow(emu, "{\"query\": \"id:" + Id(a) + "\", \"status\": \"CLOSED\", \"closure_reason\": \"duplicate_cleanup\", \"determination\": \"false_positive\"}");
        Assert.Equal(1, (await Job(emu, q)).GetProperty("progress").GetProperty("num_total").GetInt32());
        got = await emu.Ok(Emu.Alerts7 + "/" + Id(a), Emu.Custom);
        Assert.Equal("DUPLICATE_CLEANUP", got.GetProperty("workflow").GetProperty("closure_reason").GetString());
        Assert.Equal("FALSE_POSITIVE", got.GetProperty("determination").GetProperty("value").GetString());
        // a search that matches nothing is a job over nothing
        string none = await Workflow(emu, "{\"criteria\": {\"id\": [\"nope\"]}, \"status\": \"CLOSED\"}");
        var nj = await Job(emu, none);
        Assert.Equal("COMPLETED", nj.GetProperty("status").GetString());
        Assert.Equal(0, nj.GetProperty("progress").GetProperty("num_total").GetInt32());
    }

    [Theory]
    [InlineData("{\"criteria\": {\"id\": [\"x\"]}}", "INVALID_ARGUMENT", "status")]
    [InlineData("{\"criteria\": {\"id\": [\"x\"]}, \"status\": \"DISMISSED\"}", "INVALID_ENUM_VALUE", "OPEN, IN_PROGRESS, CLOSED")]
    [InlineData("{\"criteria\": {\"id\": [\"x\"]}, \"status\": 3}", "INVALID_ENUM_VALUE", "status")]
    [InlineData("{\"criteria\": {\"id\": [\"x\"]}, \"status\": \"CLOSED\", \"closure_reason\": \"FIXED\"}", "INVALID_ENUM_VALUE", "NO_REASON, RESOLVED, RESOLVED_BENIGN_KNOWN_GOOD, DUPLICATE_CLEANUP, OTHER")]
    [InlineData("{\"criteria\": {\"id\": [\"x\"]}, \"status\": \"CLOSED\", \"determination\": \"MAYBE\"}", "INVALID_ENUM_VALUE", "TRUE_POSITIVE, FALSE_POSITIVE, NONE")]
    [InlineData("{\"criteria\": {\"id\": [\"x\"]}, \"status\": \"CLOSED\", \"note\": 5}", "INVALID_ARGUMENT", "note")]
    [InlineData("{\"status\": \"CLOSED\"}", "INVALID_ARGUMENT", "criteria or query")]
    [InlineData("{\"status\": \"CLOSED\", \"time_range\": {\"range\": \"-1d\"}}", "INVALID_ARGUMENT", "criteria or query")]
    [InlineData("{\"criteria\": {\"bogus\": [\"x\"]}, \"status\": \"CLOSED\"}", "INVALID_ARGUMENT", "bogus")]
    [InlineData("{\"criteria\": {\"id\": [\"x\"]}, \"status\": \"CLOSED\", \"state\": \"DISMISSED\"}", "INVALID_ARGUMENT", "state")]
    [InlineData("{\"query\": \"id:(\", \"status\": \"CLOSED\"}", "INVALID_QUERY", "")]
    [InlineData("[]", "INVALID_ARGUMENT", "object")]
    public async Task BadWorkflow_Is400_NamingTheAllowedValues(string body, string code, string contains)
    {
        await using var emu = await Emu.Start("--devices", "5", "--events", "0");
        Emu.V6Error(await emu.Post(Emu.Alerts7 + "/workflow", body, Emu.Custom), 400, code, contains.Length == 0 ? null : contains);
        Assert.Equal(0, (await emu.Ok(Emu.Jobs, Emu.Custom)).GetProperty("num_found").GetInt32());
    }

    [Fact]
    public async Task Jobs_UnknownIds_Are404()
    {
        await using var emu = await Emu.Start("--devices", "5", "--events", "0");
        Emu.V6Error(await emu.Get(Emu.Jobs + "/123456789", Emu.Custom), 404, "NOT_FOUND", "123456789");
        Emu.V6Error(await emu.Get(Emu.Jobs + "/abc", Emu.Custom), 404, "NOT_FOUND");
        Emu.V6Error(await emu.Get(Emu.Jobs + "/1/progress", Emu.Custom), 404, "NOT_FOUND");
    }

    [Fact]
    public async Task AFailedJob_ChangesNothing()
    {
        await using var emu = await Emu.Start("--devices", "20", "--events", "0", "--alerts", "20", "--job-seconds", "1");
        var a = (await emu.Alerts("{\"rows\": 1}"))[0];
        string id = await Workflow(emu, "{\"criteria\": {\"id\": [\"" + Id(a) + "\"]}, \"status\": \"CLOSED\"}");
        Assert.Equal(200, (await emu.Post("/_emulator/jobs/" + id + "/fail", "{\"message\": \"Search service unavailable\"}", null)).Code);
        var j = await Job(emu, id);
        Assert.Equal("FAILED", j.GetProperty("status").GetString());
        Assert.Equal("Search service unavailable", j.GetProperty("progress").GetProperty("message").GetString());
        await Task.Delay(1200);
        Assert.Equal("FAILED", (await Job(emu, id)).GetProperty("status").GetString());
        Assert.Equal("OPEN", (await emu.Ok(Emu.Alerts7 + "/" + Id(a), Emu.Custom)).GetProperty("workflow").GetProperty("status").GetString());
        Assert.Equal(400, (await emu.Post("/_emulator/jobs/" + id + "/fail", "", null)).Code); // already failed
        Assert.Equal(400, (await emu.Post("/_emulator/jobs/999/fail", "", null)).Code);
    }

    // ------------------------------------------------------------------ v6 threat workflow and later alerts

    private static async Task<JsonElement> NewAlert(Emu emu, string threatId)
    {
        var r = await emu.Post("/_emulator/alerts", "{\"threatId\": \"" + threatId + "\"}", null);
        Assert.Equal(200, r.Code);
        return await emu.Ok(Emu.Alerts7 + "/" + r.Json.GetProperty("alerts")[0].GetProperty("id").GetString(), Emu.Custom);
    }

    [Theory]
    [InlineData("both")]
    [InlineData("current")]
    public async Task ThreatWorkflowV6_WithACustomKey_MarksTheThreatsLaterAlerts(string api)
    {
        await using var emu = await Emu.Start("--devices", "20", "--events", "0", "--alerts", "40", "--workflow-seconds", "0.6", "--api", api);
        var all = await emu.Alerts("{\"rows\": 10000}");
        string threat = all[0].GetProperty("threat_id").GetString()!;
        string other = all.First(a => a.GetProperty("threat_id").GetString() != threat).GetProperty("threat_id").GetString()!;
        var existing = all.Where(a => a.GetProperty("threat_id").GetString() == threat).Select(Id).ToArray();
        var r = await emu.Post(Emu.V6 + "/threat/workflow/_criteria", "{\"threat_id\": [\"" + threat + "\"], \"state\": \"DISMISSED\", \"remediation_state\": \"Fixed\", \"comment\": \"Known tool\"}", Emu.Custom);
        Assert.Equal(200, r.Code);
        string rid = r.Json.GetProperty("request_id").GetString()!;
        // an alert of the threat that arrives while the request is still queued is changed when it finishes
        var during = await NewAlert(emu, threat);
        Assert.Equal("OPEN", during.GetProperty("workflow").GetProperty("status").GetString());
        var st = await Emu.Until(() => emu.Ok(Emu.V6 + "/workflow/status/" + rid, Emu.Custom), s => s.GetProperty("status").GetString() == "FINISHED");
        Assert.Equal("FINISHED", st.GetProperty("status").GetString());
        Assert.Equal(existing.Length + 1, st.GetProperty("num_hits").GetInt32());
        foreach (string id in existing.Append(Id(during)))
        {
            var a = await emu.Ok(Emu.Alerts7 + "/" + id, Emu.Custom);
            Assert.Equal("CLOSED", a.GetProperty("workflow").GetProperty("status").GetString());
            Assert.Equal("Known tool", a.GetProperty("workflow").GetProperty("note").GetString());
        }
        // later alerts of the dismissed threat arrive CLOSED (v7) / DISMISSED (v6); other threats' arrive OPEN
        var later = await NewAlert(emu, threat);
        var wf = later.GetProperty("workflow");
        Assert.Equal("CLOSED", wf.GetProperty("status").GetString());
        Assert.Equal("OTHER", wf.GetProperty("closure_reason").GetString());
        Assert.Equal("API", wf.GetProperty("changed_by_type").GetString());
        Assert.Equal("EMUCUST001", wf.GetProperty("changed_by").GetString());
        Assert.Equal("Known tool", wf.GetProperty("note").GetString());
        Assert.Equal(later.GetProperty("backend_timestamp").GetString(), wf.GetProperty("change_timestamp").GetString());
        var laterV6 = await emu.Ok(Emu.V6 + "/alerts/" + Id(later), Emu.Custom);
        Assert.Equal("DISMISSED", laterV6.GetProperty("workflow").GetProperty("state").GetString());
        Assert.Equal("Fixed", laterV6.GetProperty("workflow").GetProperty("remediation").GetString());
        Assert.Equal("OPEN", (await NewAlert(emu, other)).GetProperty("workflow").GetProperty("status").GetString());
        var closed = await emu.AlertSearch("{\"criteria\": {\"threat_id\": [\"" + threat + "\"], \"workflow_status\": [\"CLOSED\"]}}");
        Assert.Equal(existing.Length + 2, closed.GetProperty("num_found").GetInt32());

        // OPEN reopens the threat's alerts and ends the rule: later alerts arrive OPEN again
        r = await emu.Post(Emu.V6 + "/threat/workflow/_criteria", "{\"threat_id\": [\"" + threat + "\"], \"state\": \"OPEN\"}", Emu.Custom);
        rid = r.Json.GetProperty("request_id").GetString()!;
        await Emu.Until(() => emu.Ok(Emu.V6 + "/workflow/status/" + rid, Emu.Custom), s => s.GetProperty("status").GetString() == "FINISHED");
        Assert.Equal("OPEN", (await emu.Ok(Emu.Alerts7 + "/" + Id(later), Emu.Custom)).GetProperty("workflow").GetProperty("status").GetString());
        Assert.Equal("OPEN", (await NewAlert(emu, threat)).GetProperty("workflow").GetProperty("status").GetString());
    }

    [Fact]
    public async Task ThreatWorkflowV6_MarksAlertsStillBeingIndexed_AndThoseIndexedLate()
    {
        await using var emu = await Emu.Start("--devices", "20", "--events", "0", "--alerts", "10", "--workflow-seconds", "0");
        string threat = (await emu.Alerts("{\"rows\": 1}"))[0].GetProperty("threat_id").GetString()!;
        var pending = await emu.Post("/_emulator/alerts", "{\"threatId\": \"" + threat + "\", \"delayMs\": 800}", null);
        string pid = pending.Json.GetProperty("alerts")[0].GetProperty("id").GetString()!;
        Assert.Equal(200, (await emu.Post(Emu.V6 + "/threat/workflow/_criteria", "{\"threat_id\": [\"" + threat + "\"], \"state\": \"DISMISSED\"}", Emu.Custom)).Code);
        var a = await Emu.Until(() => emu.Get(Emu.Alerts7 + "/" + pid, Emu.Custom), x => x.Code == 200);
        Assert.Equal("CLOSED", a.Json.GetProperty("workflow").GetProperty("status").GetString());
        Assert.Equal("NO_REASON", a.Json.GetProperty("workflow").GetProperty("closure_reason").GetString());
    }
}
