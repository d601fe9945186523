using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>An in-process emulator on a real Kestrel (127.0.0.1, port 0) plus an HttpClient for it.</summary>
public sealed class Emu : IAsyncDisposable
{
    public const string Api = "EMUAPISECRETKEY0000000001/EMUAPI0001";
    public const string Siem = "EMUSIEMSECRETKEY00000001/EMUSIEM001";
    public const string Lr = "EMULRSECRETKEY0000000001/EMULR00001";
    public const string Custom = "EMUCUSTOMSECRETKEY0000001/EMUCUST001";
    public const string Org = "EMUORG01";
    public const string V3 = "/integrationServices/v3";
    public const string V6 = "/appservices/v6/orgs/" + Org;
    public const string V1 = "/policyservice/v1/orgs/" + Org;
    public const string Alerts7 = "/api/alerts/v7/orgs/" + Org + "/alerts";
    public const string Jobs = "/jobs/v1/orgs/" + Org + "/jobs";
    public const string Audit1 = "/audit_log/v1/orgs/" + Org + "/logs";
    public const string Obs = "/api/investigate/v2/orgs/" + Org + "/observations";

    private readonly EmulatorHost _host;

    private Emu(EmulatorHost host)
    {
        _host = host;
        Http = new HttpClient { BaseAddress = new Uri(host.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Http { get; }
    public string BaseUrl => _host.BaseUrl;
    internal EmulatorState State => _host.State;

    public static async Task<Emu> Start(params string[] args)
    {
        var options = EmulatorOptions.Parse(args.Concat(new[] { "--quiet" }).ToArray());
        return new Emu(await EmulatorHost.StartAsync(options));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _host.DisposeAsync();
    }

    public sealed record Reply(HttpStatusCode Status, string Text, HttpResponseMessage Message)
    {
        public JsonElement Json
        {
            get
            {
                using var doc = JsonDocument.Parse(Text);
                return doc.RootElement.Clone();
            }
        }

        public int Code => (int)Status;
    }

    public async Task<Reply> Send(HttpMethod method, string path, string? body = null, string? token = Api)
    {
        using var req = new HttpRequestMessage(method, path);
        if (token != null)
        {
            req.Headers.TryAddWithoutValidation("X-Auth-Token", token);
        }
        if (body != null)
        {
            req.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        var resp = await Http.SendAsync(req);
        string text = await resp.Content.ReadAsStringAsync();
        return new Reply(resp.StatusCode, text, resp);
    }

    public Task<Reply> Get(string path, string? token = Api) => Send(HttpMethod.Get, path, null, token);

    public Task<Reply> Post(string path, string body, string? token = Api) => Send(HttpMethod.Post, path, body, token);

    public Task<Reply> Put(string path, string body, string? token = Api) => Send(HttpMethod.Put, path, body, token);

    public Task<Reply> Patch(string path, string body, string? token = Api) => Send(HttpMethod.Patch, path, body, token);

    public Task<Reply> Delete(string path, string? token = Api) => Send(HttpMethod.Delete, path, null, token);

    public async Task<JsonElement> Ok(string path, string? token = Api)
    {
        var r = await Get(path, token);
        Assert.True(r.Status == HttpStatusCode.OK, $"GET {path}: {(int)r.Status} {r.Text}");
        return r.Json;
    }

    public async Task<JsonElement> Device(long id) => (await Ok(V3 + "/device/" + id)).GetProperty("deviceInfo");

    public async Task<List<JsonElement>> Devices(string query = "rows=5000")
    {
        var j = await Ok(V3 + "/device?" + query);
        return j.GetProperty("results").EnumerateArray().ToList();
    }

    public async Task<Reply> Action(string body) => await Post(V6 + "/device_actions", body);

    public static void V3Error(Reply r, int status, string? contains = null)
    {
        Assert.True(r.Code == status, $"expected {status}, got {r.Code}: {r.Text}");
        var j = r.Json;
        Assert.Equal(JsonValueKind.Object, j.ValueKind);
        Assert.False(j.GetProperty("success").GetBoolean());
        string msg = j.GetProperty("message").GetString()!;
        Assert.False(string.IsNullOrEmpty(msg));
        if (contains != null)
        {
            Assert.Contains(contains, msg, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>The token for a key name used in tests: API, LR, SIEM, CUSTOM, WRONG (unknown) or NONE (no header).</summary>
    public static string? Token(string key) => key switch
    {
        "API" => Api,
        "LR" => Lr,
        "SIEM" => Siem,
        "CUSTOM" => Custom,
        "WRONG" => "NOTAKEY/NOTANID",
        _ => null,
    };

    /// <summary>POSTs a devices v6 search body with the Custom key.</summary>
    public Task<Reply> Search(string body, string? token = Custom) => Post(V6 + "/devices/_search", body, token);

    public Task<Reply> Scroll(string body, string? token = Custom) => Post(V6 + "/devices/_scroll", body, token);

    /// <summary>POSTs an alerts v7 search body with the Custom key; asserts 200 unless told otherwise.</summary>
    public async Task<JsonElement> AlertSearch(string body, int expect = 200)
    {
        var r = await Post(Alerts7 + "/_search", body, Custom);
        Assert.True(r.Code == expect, $"alerts/_search {body}: {r.Code} {r.Text[..Math.Min(400, r.Text.Length)]}");
        return r.Json;
    }

    /// <summary>The results of an alerts v7 search.</summary>
    public async Task<JsonElement[]> Alerts(string body) => (await AlertSearch(body)).GetProperty("results").EnumerateArray().ToArray();

    /// <summary>Polls until <paramref name="done"/> holds (or the time is up), returning the last value.</summary>
    public static async Task<T> Until<T>(Func<Task<T>> get, Func<T, bool> done, int timeoutMs = 20_000, int everyMs = 50)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var v = await get();
            if (done(v) || sw.ElapsedMilliseconds > timeoutMs)
            {
                return v;
            }
            await Task.Delay(everyMs);
        }
    }

    public static void V6Error(Reply r, int status, string code, string? contains = null)
    {
        Assert.True(r.Code == status, $"expected {status}, got {r.Code}: {r.Text}");
        var j = r.Json;
        Assert.Equal(code, j.GetProperty("error_code").GetString());
        string msg = j.GetProperty("message").GetString()!;
        Assert.False(string.IsNullOrEmpty(msg));
        if (contains != null)
        {
            Assert.Contains(contains, msg, StringComparison.OrdinalIgnoreCase);
        }
    }
}

/// <summary>One shared, never-mutated emulator for read-only tests.</summary>
public sealed class SharedEmu : IAsyncLifetime
{
    public Emu Emu { get; private set; } = null!;

    public async Task InitializeAsync() => Emu = await Emu.Start("--devices", "120", "--events", "600", "--seed", "7");

    public async Task DisposeAsync() => await Emu.DisposeAsync();
}
