using System;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>Key types per mode, the gone answer, faults, counters, the request log, reset and options for the
/// current generation's alerts v7, jobs v1, audit log v1 and observation routes.</summary>
public sealed class CurrentRoutesTests : IClassFixture<ModeEmus>
{
    private readonly ModeEmus _emus;

    public CurrentRoutesTests(ModeEmus emus) => _emus = emus;

    private const string Search = "POST " + Emu.Alerts7 + "/_search";
    private const string Suggest = "GET " + Emu.Alerts7 + "/search_suggestions?suggest.q=dev";
    private const string AlertGet = "GET " + Emu.Alerts7 + "/no-such-alert";
    private const string Workflow = "POST " + Emu.Alerts7 + "/workflow";
    private const string JobList = "GET " + Emu.Jobs;
    private const string JobGet = "GET " + Emu.Jobs + "/1";
    private const string AuditQueue = "GET " + Emu.Audit1 + "/_queue";
    private const string AuditSearch = "POST " + Emu.Audit1 + "/_search";
    private const string ObsJob = "POST " + Emu.Obs + "/search_jobs";
    private const string ObsResults = "GET " + Emu.Obs + "/search_jobs/no-such-job/results";
    private const string ObsValidate = "GET " + Emu.Obs + "/search_validation?q=device_name:x";

    private static readonly string[] Routes = { Search, Suggest, AlertGet, Workflow, JobList, JobGet, AuditQueue, AuditSearch, ObsJob, ObsResults, ObsValidate };

    /// <summary>What each route answers a Custom key (the fixtures' ids do not exist).</summary>
    private static int CustomStatus(string route) => route is AlertGet or JobGet or ObsResults ? 404 : 200;

    private static async Task<Emu.Reply> Call(Emu emu, string route, string? token)
    {
        int space = route.IndexOf(' ');
        var method = new HttpMethod(route[..space]);
        string path = route[(space + 1)..];
        string? body = method == HttpMethod.Post ? (route == Workflow ? "{\"criteria\": {\"id\": [\"x\"]}, \"status\": \"OPEN\"}" : "{}") : null;
        return await emu.Send(method, path, body, token);
    }

    public static TheoryData<string, string, string> Matrix()
    {
        var d = new TheoryData<string, string, string>();
        foreach (var r in Routes)
        {
            foreach (var mode in new[] { "both", "current", "legacy" })
            {
                foreach (var key in new[] { "CUSTOM", "API", "LR", "SIEM", "WRONG", "NONE" })
                {
                    d.Add(mode, r, key);
                }
            }
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task KeyTypes_PerRoute_PerMode(string mode, string route, string key)
    {
        var r = await Call(_emus.For(mode), route, Emu.Token(key));
        if (key is "WRONG" or "NONE")
        {
            Emu.V3Error(r, 401, "User is not authenticated");
            return;
        }
        switch (mode)
        {
            case "both":
                if (key == "CUSTOM")
                {
                    Assert.True(r.Code == CustomStatus(route), route + ": " + r.Code + " " + r.Text);
                }
                else
                {
                    Emu.V6Error(r, 403, "FORBIDDEN", "Custom key");
                }
                break;
            case "current":
                if (key == "CUSTOM")
                {
                    Assert.True(r.Code == CustomStatus(route), route + ": " + r.Code + " " + r.Text);
                }
                else
                {
                    Emu.V3Error(r, 401, "User is not authenticated");
                }
                break;
            default:
                // --api legacy: the current generation's routes do not exist
                if (key == "SIEM")
                {
                    Emu.V3Error(r, 401);
                }
                else
                {
                    Emu.V6Error(r, 404, "NOT_FOUND", "No such route");
                }
                break;
        }
    }

    [Theory]
    [InlineData("/api/alerts/v7/orgs/NOTMYORG/alerts/_search")]
    [InlineData("/jobs/v1/orgs/NOTMYORG/jobs")]
    [InlineData("/audit_log/v1/orgs/NOTMYORG/logs/_search")]
    [InlineData("/api/investigate/v2/orgs/NOTMYORG/observations/search_jobs")]
    public async Task WrongOrgKey_Is403(string path)
    {
        var r = await _emus.Both.Post(path, "{}", Emu.Custom);
        Emu.V6Error(r, 403, "FORBIDDEN", "NOTMYORG");
    }

    [Fact]
    public async Task UnknownRoutes_AndMethods_AnswerWithThePlatformBody()
    {
        var emu = _emus.Both;
        Emu.V6Error(await emu.Get("/api/alerts/v7/orgs/" + Emu.Org + "/nope", Emu.Custom), 404, "NOT_FOUND", "No such route");
        Emu.V6Error(await emu.Get(Emu.Audit1 + "/_export", Emu.Custom), 404, "NOT_FOUND");
        Emu.V6Error(await emu.Delete(Emu.Jobs + "/1", Emu.Custom), 405, "METHOD_NOT_ALLOWED");
        Emu.V6Error(await emu.Get(Emu.Obs + "/search_jobs", Emu.Custom), 405, "METHOD_NOT_ALLOWED");
        Emu.V6Error(await emu.Post(Emu.Audit1 + "/_queue", "{}", Emu.Custom), 405, "METHOD_NOT_ALLOWED");
    }

    [Theory]
    [InlineData("/integrationServices/v3/notification", "SIEM")]
    [InlineData("/integrationServices/v3/event", "API")]
    [InlineData("/integrationServices/v3/auditlogs", "API")]
    [InlineData("/integrationServices/v3/auditlogs", "CUSTOM")]
    public async Task CurrentMode_TheV3QueuesAndEventsAreGone(string path, string key)
    {
        var r = await _emus.Current.Get(path, Emu.Token(key));
        Assert.Equal(410, r.Code);
        Assert.Equal("GONE", r.Json.GetProperty("error_code").GetString());
        Assert.Contains("alerts v7", r.Json.GetProperty("message").GetString());
    }
}

public sealed class CurrentRoutesStateTests
{
    [Theory]
    [InlineData(Emu.Alerts7 + "/_search", "POST", "{}")]
    [InlineData(Emu.Jobs, "GET", null)]
    [InlineData(Emu.Audit1 + "/_queue", "GET", null)]
    [InlineData(Emu.Audit1 + "/_search", "POST", "{}")]
    [InlineData(Emu.Obs + "/search_jobs", "POST", "{}")]
    public async Task EveryFaultKind_AppliesToTheNewRoutes(string path, string method, string? body)
    {
        await using var emu = await Emu.Start("--devices", "10", "--events", "30");
        var m = new HttpMethod(method);
        async Task<Emu.Reply> Call() => await emu.Send(m, path, body, Emu.Custom);
        async Task Fault(string json) => Assert.Equal(200, (await emu.Post("/_emulator/faults", json, null)).Code);
        string real = (await Call()).Text;

        await Fault("{\"kind\": \"status\", \"status\": 503, \"retryAfter\": 4, \"count\": 1, \"path\": \"" + path + "\"}");
        var r = await Call();
        Emu.V3Error(r, 503);
        Assert.Equal(TimeSpan.FromSeconds(4), r.Message.Headers.RetryAfter!.Delta);

        await Fault("{\"kind\": \"throttle\", \"retryAfter\": 2, \"count\": 1}");
        r = await Call();
        Emu.V3Error(r, 429, "Too many requests");
        Assert.Equal(TimeSpan.FromSeconds(2), r.Message.Headers.RetryAfter!.Delta);

        await Fault("{\"kind\": \"malformed\", \"count\": 1}");
        r = await Call();
        Assert.Equal(200, r.Code);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(r.Text));

        await Fault("{\"kind\": \"truncated\", \"count\": 1}");
        r = await Call();
        Assert.Equal(200, r.Code);
        Assert.True(r.Text.Length > 0 && r.Text.Length < real.Length);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(r.Text));

        await Fault("{\"kind\": \"html\", \"count\": 1}");
        r = await Call();
        Assert.Equal(502, r.Code);
        Assert.Contains("<html>", r.Text);

        await Fault("{\"kind\": \"reset\", \"count\": 1}");
        await Assert.ThrowsAnyAsync<Exception>(async () => await Call());

        await Fault("{\"kind\": \"latency\", \"latencyMs\": 400, \"count\": 1}");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(200, (await Call()).Code);
        Assert.True(sw.ElapsedMilliseconds >= 380);
        Assert.Equal(200, (await Call()).Code);

        // faults come before the key check: a faulted request needs no key
        await Fault("{\"kind\": \"status\", \"status\": 500, \"count\": 1}");
        Emu.V3Error(await emu.Send(m, path, body, null), 500);
    }

    [Fact]
    public async Task Counters_UseRouteTemplates_AndTheLogRecordsTheKey()
    {
        await using var emu = await Emu.Start("--devices", "10", "--events", "30", "--observation-job-ms", "0", "--job-seconds", "0");
        var alert = (await emu.Alerts("{\"rows\": 1}"))[0];
        await emu.Get(Emu.Alerts7 + "/" + alert.GetProperty("id").GetString(), Emu.Custom);
        var wf = await emu.Post(Emu.Alerts7 + "/workflow", "{\"criteria\": {\"id\": [\"x\"]}, \"status\": \"OPEN\"}", Emu.Custom);
        string job = wf.Json.GetProperty("request_id").GetString()!;
        await emu.Get(Emu.Jobs + "/" + job, Emu.Custom);
        await emu.Get(Emu.Jobs + "/" + job + "/progress", Emu.Custom);
        await emu.Get(Emu.Audit1 + "/_queue", Emu.Custom);
        await emu.Post(Emu.Audit1 + "/_search", "{}", Emu.Custom);
        string obs = (await emu.Post(Emu.Obs + "/search_jobs", "{}", Emu.Custom)).Json.GetProperty("job_id").GetString()!;
        await emu.Get(Emu.Obs + "/search_jobs/" + obs + "/results", Emu.Custom);
        var routes = (await emu.Ok("/_emulator/stats", null)).GetProperty("routes");
        foreach (var k in new[]
        {
            "POST /api/alerts/v7/orgs/{org_key}/alerts/_search", "GET /api/alerts/v7/orgs/{org_key}/alerts/{id}",
            "POST /api/alerts/v7/orgs/{org_key}/alerts/workflow", "GET /jobs/v1/orgs/{org_key}/jobs/{id}",
            "GET /jobs/v1/orgs/{org_key}/jobs/{id}/progress", "GET /audit_log/v1/orgs/{org_key}/logs/_queue",
            "POST /audit_log/v1/orgs/{org_key}/logs/_search", "POST /api/investigate/v2/orgs/{org_key}/observations/search_jobs",
            "GET /api/investigate/v2/orgs/{org_key}/observations/search_jobs/{job_id}/results",
        })
        {
            Assert.True(routes.TryGetProperty(k, out var n) && n.GetInt64() == 1, "counter " + k);
        }
        var log = (await emu.Ok("/_emulator/requests?last=20", null)).GetProperty("requests").EnumerateArray().ToArray();
        var w = log.Single(e => e.GetProperty("path").GetString() == Emu.Alerts7 + "/workflow");
        Assert.Equal("EMUCUST001", w.GetProperty("keyId").GetString());
        Assert.Equal(200, w.GetProperty("status").GetInt32());
        Assert.Contains("\"status\"", w.GetProperty("body").GetString());
        Assert.DoesNotContain(log, e => (e.GetProperty("body").GetString() ?? "").Contains("EMUCUSTOMSECRETKEY", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reset_RestoresTheStateAndTheOptions()
    {
        await using var emu = await Emu.Start("--devices", "20", "--events", "100", "--alerts", "25", "--job-seconds", "0", "--observation-job-ms", "0", "--alert-index-delay-ms", "500");
        var info = await emu.Ok("/_emulator/info", null);
        Assert.Equal(25, info.GetProperty("alerts").GetInt32());
        Assert.Equal(25, info.GetProperty("alertsSeeded").GetInt32());
        Assert.Equal(0, info.GetProperty("jobSeconds").GetDouble());
        Assert.Equal(0, info.GetProperty("observationJobMs").GetInt32());
        Assert.Equal(500, info.GetProperty("alertIndexDelayMs").GetInt32());
        Assert.Equal(0.2, info.GetProperty("alertLateShare").GetDouble());
        Assert.Equal(0, info.GetProperty("alertRate").GetDouble());

        var a = (await emu.Alerts("{\"rows\": 1}"))[0];
        string aid = a.GetProperty("id").GetString()!;
        string job = (await emu.Post(Emu.Alerts7 + "/workflow", "{\"criteria\": {\"id\": [\"" + aid + "\"]}, \"status\": \"CLOSED\"}", Emu.Custom)).Json.GetProperty("request_id").GetString()!;
        Assert.Equal("CLOSED", (await emu.Ok(Emu.Alerts7 + "/" + aid, Emu.Custom)).GetProperty("workflow").GetProperty("status").GetString());
        string obs = (await emu.Post(Emu.Obs + "/search_jobs", "{}", Emu.Custom)).Json.GetProperty("job_id").GetString()!;
        await emu.Post("/_emulator/alerts", "{\"count\": 3}", null);
        Assert.True((await emu.Get(Emu.Audit1 + "/_queue", Emu.Custom)).Json.GetProperty("results").GetArrayLength() > 0);

        Assert.Equal(200, (await emu.Post("/_emulator/reset", "{\"alerts\": 7, \"jobSeconds\": 5, \"observationJobMs\": 250, \"alertRate\": 0, \"alertIndexDelayMs\": 0, \"alertLateShare\": 0.5}", null)).Code);
        info = await emu.Ok("/_emulator/info", null);
        Assert.Equal(7, info.GetProperty("alerts").GetInt32());
        Assert.Equal(5, info.GetProperty("jobSeconds").GetDouble());
        Assert.Equal(250, info.GetProperty("observationJobMs").GetInt32());
        Assert.Equal(0.5, info.GetProperty("alertLateShare").GetDouble());
        Assert.Equal(0, info.GetProperty("jobs").GetInt32());
        Assert.Equal(0, info.GetProperty("observationJobs").GetInt32());
        Emu.V6Error(await emu.Get(Emu.Jobs + "/" + job, Emu.Custom), 404, "NOT_FOUND");
        Emu.V6Error(await emu.Get(Emu.Obs + "/search_jobs/" + obs + "/results", Emu.Custom), 404, "NOT_FOUND");
        Assert.Equal(6, (await emu.Get(Emu.Audit1 + "/_queue", Emu.Custom)).Json.GetProperty("results").GetArrayLength());
        Assert.Equal(0, (await emu.Ok("/_emulator/alerts?generated=true", null)).GetProperty("alerts").GetArrayLength());

        Assert.Equal(200, (await emu.Post("/_emulator/reset", "", null)).Code);
        info = await emu.Ok("/_emulator/info", null);
        Assert.Equal(25, info.GetProperty("alerts").GetInt32());
        Assert.Equal(0, info.GetProperty("jobSeconds").GetDouble());
        Assert.Equal(500, info.GetProperty("alertIndexDelayMs").GetInt32());
        // the same seed and sizes give the same alerts, all OPEN again
        var again = await emu.Ok(Emu.Alerts7 + "/" + aid, Emu.Custom);
        Assert.Equal("OPEN", again.GetProperty("workflow").GetProperty("status").GetString());
        Assert.Equal(a.GetProperty("backend_timestamp").GetString(), again.GetProperty("backend_timestamp").GetString());

        Assert.Equal(400, (await emu.Post("/_emulator/reset", "{\"jobSeconds\": -1}", null)).Code);
        Assert.Equal(400, (await emu.Post("/_emulator/reset", "{\"alertLateShare\": 2}", null)).Code);
        Assert.Equal(400, (await emu.Post("/_emulator/reset", "{\"alerts\": \"many\"}", null)).Code);
    }

    [Fact]
    public void Options_ParseAndDefaults()
    {
        var d = EmulatorOptions.Parse(Array.Empty<string>());
        Assert.Null(d.Current.Alerts);
        Assert.Equal(50, d.Current.EffectiveAlerts(500));
        Assert.Equal(10, d.Current.EffectiveAlerts(20));
        Assert.Equal(0, d.Current.AlertRate);
        Assert.Equal(0, d.Current.AlertIndexDelayMs);
        Assert.Equal(0.2, d.Current.AlertLateShare);
        Assert.Equal(3, d.Current.JobSeconds);
        Assert.Equal(1000, d.Current.ObservationJobMs);
        var o = EmulatorOptions.Parse(new[] { "--alerts", "50000", "--alert-rate=30", "--alert-index-delay-ms", "60000", "--alert-late-share", "0.1", "--job-seconds", "0.5", "--observation-job-ms", "0" });
        Assert.Equal(50000, o.Current.Alerts);
        Assert.Equal(30, o.Current.AlertRate);
        Assert.Equal(60000, o.Current.AlertIndexDelayMs);
        Assert.Equal(0.1, o.Current.AlertLateShare);
        Assert.Equal(0.5, o.Current.JobSeconds);
        Assert.Equal(0, o.Current.ObservationJobMs);
        foreach (var bad in new[] { new[] { "--alerts", "-1" }, new[] { "--alert-rate", "x" }, new[] { "--alert-late-share", "1.5" }, new[] { "--job-seconds" }, new[] { "--observation-job-ms", "-5" } })
        {
            Assert.Throws<ArgumentException>(() => EmulatorOptions.Parse(bad));
        }
        Assert.Contains("--alert-index-delay-ms", EmulatorOptions.HelpText);
        Assert.Contains("--observation-job-ms", EmulatorOptions.HelpText);
    }
}
