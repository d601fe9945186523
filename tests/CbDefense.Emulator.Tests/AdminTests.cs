using System.Linq;
using System.Net;
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

    /// <summary>An emulator with an alert workflow job that does not complete during the test (for the fail route).</summary>
    private static async Task<(Emu Emu, string JobId)> WithJob()
    {
        var emu = await Emu.Start("--devices", "10", "--events", "20", "--alerts", "10", "--job-seconds", "600");
        var alert = (await emu.Alerts("{\"rows\": 1}"))[0].GetProperty("id").GetString();
        var r = await emu.Post(Emu.Alerts7 + "/workflow", "{\"criteria\": {\"id\": [\"" + alert + "\"]}, \"status\": \"CLOSED\"}", Emu.Custom);
        Assert.Equal(200, r.Code);
        return (emu, r.Json.GetProperty("request_id").GetString()!);
    }

    /// <summary>What an admin request could change: the run's counts, the fault rules, the job's status.</summary>
    private static async Task<string> AdminState(Emu emu, string jobId) =>
        (await emu.Ok("/_emulator/info", null)).GetRawText() + (await emu.Ok("/_emulator/faults", null)).GetRawText()
        + (await emu.Ok("/_emulator/auditlogs", null)).GetRawText() + (await emu.Ok(Emu.Jobs + "/" + jobId, Emu.Custom)).GetProperty("status").GetString();

    [Theory]
    [InlineData("POST", "/_emulator/reset", "The body must be an object {\"devices\": n")]
    [InlineData("POST", "/_emulator/notifications", "The body must be {\"count\": n, \"type\"")]
    [InlineData("PUT", "/_emulator/faults", "The body must be {\"faults\": [rule, ...]}")]
    [InlineData("POST", "/_emulator/faults", "Invalid fault rule: a fault rule must be a JSON object")]
    [InlineData("POST", "/_emulator/alerts", "The body must be an object {\"count\": n, \"threatId\"")]
    [InlineData("POST", "/_emulator/jobs/{job}/fail", "The body must be {\"message\": \"...\"} (optional)")]
    [InlineData("POST", "/_emulator/auditlogs", "The body must be an object {\"count\", \"description\"")]
    public async Task AdminBodies_NotJsonOrNotAnObject_Are400WithTheV3Body_AndChangeNothing(string method, string path, string notAnObject)
    {
        var (emu, job) = await WithJob();
        await using var _ = emu;
        path = path.Replace("{job}", job, System.StringComparison.Ordinal);
        string before = await AdminState(emu, job);
        foreach (string body in new[] { "{\"count\": ", "{\"count\": 1,}", "nope", "\"\u00e9" })
        {
            var r = await emu.Send(new HttpMethod(method), path, body, null);
            Emu.V3Error(r, 400, "The request body is not valid JSON");
        }
        foreach (string body in new[] { "[1, 2]", "\"text\"", "7", "null", "true" })
        {
            var r = await emu.Send(new HttpMethod(method), path, body, null);
            Emu.V3Error(r, 400);
            Assert.StartsWith(notAnObject, r.Json.GetProperty("message").GetString(), System.StringComparison.Ordinal);
        }
        Assert.Equal(before, await AdminState(emu, job));
    }

    [Theory]
    [InlineData("/_emulator/alerts")]
    [InlineData("/_emulator/auditlogs")]
    public async Task AdminBodies_ACountOutOfRange_Is400_AndAddsNothing(string path)
    {
        var (emu, job) = await WithJob();
        await using var _ = emu;
        string before = await AdminState(emu, job) + (await emu.Ok("/_emulator/alerts", null)).GetRawText();
        foreach (string count in new[] { "-1", "1000001", "1.5", "\"3\"", "null" })
        {
            var r = await emu.Send(HttpMethod.Post, path, "{\"count\": " + count + "}", null);
            Emu.V3Error(r, 400);
            Assert.Equal("count must be an integer between 0 and 1000000", r.Json.GetProperty("message").GetString());
        }
        Assert.Equal(before, await AdminState(emu, job) + (await emu.Ok("/_emulator/alerts", null)).GetRawText());
    }

    [Fact]
    public async Task AdminBodies_Empty_IsRequiredWhereTheBodySaysWhatToDo_AndTheDefaultsElsewhere()
    {
        var (emu, job) = await WithJob();
        await using var _ = emu;
        string before = await AdminState(emu, job);
        foreach (var (method, path) in new[] { ("POST", "/_emulator/notifications"), ("PUT", "/_emulator/faults"), ("POST", "/_emulator/faults"), ("POST", "/_emulator/auditlogs") })
        {
            var r = await emu.Send(new HttpMethod(method), path, "", null);
            Emu.V3Error(r, 400, "A JSON request body is required");
        }
        Assert.Equal(before, await AdminState(emu, job));

        // The optional bodies: no body (empty or blank) is the defaults.
        foreach (string none in new[] { "", " \r\n\t " })
        {
            var made = await emu.Post("/_emulator/alerts", none, null);
            Assert.Equal(HttpStatusCode.OK, made.Status);
            Assert.Equal(1, made.Json.GetProperty("created").GetInt32());
        }
        Assert.Equal(200, (await emu.Post("/_emulator/jobs/" + job + "/fail", "\n", null)).Code);
        Assert.Equal("FAILED", (await emu.Ok(Emu.Jobs + "/" + job, Emu.Custom)).GetProperty("status").GetString());
        Assert.Equal("Job failed (emulated)", (await emu.Ok(Emu.Jobs + "/" + job, Emu.Custom)).GetProperty("progress").GetProperty("message").GetString());
        Assert.Equal(200, (await emu.Post("/_emulator/reset", "", null)).Code);
        Assert.Equal(200, (await emu.Post("/_emulator/reset", " \r\n\t ", null)).Code);
    }
}
