using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>Live Response through one route family: v3 cblr (LIVE_RESPONSE key) or v6 liveresponse (Custom key).</summary>
public sealed class LrClient
{
    public LrClient(Emu emu, bool v6)
    {
        Emu = emu;
        V6 = v6;
    }

    public Emu Emu { get; }
    public bool V6 { get; }
    public string Token => V6 ? Emu.Custom : Emu.Lr;
    public string Base => V6 ? Emu.V6 + "/liveresponse" : Emu.V3 + "/cblr";
    /// <summary>Where a command's target goes: v3 object, v6 path.</summary>
    public string TargetField => V6 ? "path" : "object";
    public string Complete => V6 ? "COMPLETE" : "complete";
    public string Error => V6 ? "ERROR" : "error";

    public string SessionPath(string id) => Base + (V6 ? "/sessions/" : "/session/") + id;
    public string CommandsPath(string id) => SessionPath(id) + (V6 ? "/commands" : "/command");
    public string FilesPath(string id) => SessionPath(id) + (V6 ? "/files" : "/file");

    public Task<Emu.Reply> Create(long deviceId) => V6
        ? Emu.Post(Base + "/sessions", "{\"device_id\": " + deviceId + "}", Token)
        : Emu.Post(Base + "/session/" + deviceId, "{\"sensor_id\": " + deviceId + "}", Token);

    public Task<Emu.Reply> GetSession(string id) => Emu.Get(SessionPath(id), Token);

    /// <summary>Creates a session and waits until it is ACTIVE; returns its id.</summary>
    public async Task<string> Open(long deviceId)
    {
        var r = await Create(deviceId);
        Assert.True(r.Code == (V6 ? 201 : 200), r.Code + " " + r.Text);
        string id = r.Json.GetProperty("id").GetString()!;
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var g = await GetSession(id);
            Assert.True(g.Code == 200, g.Text);
            if (g.Json.GetProperty("status").GetString() == "ACTIVE")
            {
                return id;
            }
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), "session never became ACTIVE: " + g.Text);
            await Task.Delay(20);
        }
    }

    public async Task<Emu.Reply> Close(string id)
    {
        if (V6)
        {
            return await Emu.Delete(SessionPath(id), Token);
        }
        return await Emu.Put(Base + "/session", "{\"session_id\": \"" + id + "\", \"status\": \"CLOSE\"}", Token);
    }

    public static string Json(IDictionary<string, object?> body) => JsonSerializer.Serialize(body);

    /// <summary>A command body: name, the target in this family's field (kill: v6 pid), and extra fields.</summary>
    public string Body(string name, object? target, params (string Key, object? Value)[] extra)
    {
        var d = new Dictionary<string, object?> { ["name"] = name };
        if (target != null)
        {
            d[name == "kill" && V6 ? "pid" : TargetField] = target;
        }
        foreach (var (k, v) in extra)
        {
            d[k] = v;
        }
        return Json(d);
    }

    public Task<Emu.Reply> Post(string id, string body) => Emu.Post(CommandsPath(id), body, Token);

    public Task<Emu.Reply> GetCommand(string id, long commandId) => Emu.Get(CommandsPath(id) + "/" + commandId, Token);

    /// <summary>Posts a command and polls until it is complete or error; returns the final reply.</summary>
    public async Task<JsonElement> Run(string id, string body, int timeoutMs = 15_000)
    {
        var p = await Post(id, body);
        Assert.True(p.Code == 200, p.Code + " " + p.Text);
        long cid = p.Json.GetProperty("id").GetInt64();
        return await Wait(id, cid, timeoutMs);
    }

    public async Task<JsonElement> Wait(string id, long commandId, int timeoutMs = 15_000)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var g = await GetCommand(id, commandId);
            Assert.True(g.Code == 200, g.Code + " " + g.Text);
            string st = g.Json.GetProperty("status").GetString()!;
            if (st == Complete || st == Error)
            {
                return g.Json;
            }
            Assert.True(sw.ElapsedMilliseconds < timeoutMs, "command never finished: " + g.Text);
            await Task.Delay(20);
        }
    }

    public Task<JsonElement> Run(string id, string name, object? target, params (string Key, object? Value)[] extra) => Run(id, Body(name, target, extra));

    /// <summary>Runs a command that must complete.</summary>
    public async Task<JsonElement> Ok(string id, string name, object? target, params (string Key, object? Value)[] extra)
    {
        var j = await Run(id, name, target, extra);
        Assert.True(j.GetProperty("status").GetString() == Complete, j.GetRawText());
        return j;
    }

    /// <summary>Runs a command that must fail with this Win32 error (as an HRESULT, WinHresult).</summary>
    public async Task<JsonElement> Fails(string id, int win32, string name, object? target, params (string Key, object? Value)[] extra)
    {
        var j = await Run(id, name, target, extra);
        Assert.True(j.GetProperty("status").GetString() == Error, j.GetRawText());
        Assert.Equal("WinHresult", j.GetProperty("result_type").GetString());
        Assert.Equal(unchecked((int)(0x80070000u | (uint)win32)), j.GetProperty("result_code").GetInt32());
        Assert.False(string.IsNullOrEmpty(j.GetProperty("result_desc").GetString()));
        return j;
    }

    /// <summary>Uploads bytes as multipart part "file"; returns the file id (v3 number, v6 UUID) as JSON.</summary>
    public async Task<JsonElement> Upload(string id, byte[] data, string fileName = "upload.bin")
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, FilesPath(id));
        req.Headers.TryAddWithoutValidation("X-Auth-Token", Token);
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(data);
        part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", fileName);
        req.Content = form;
        using var resp = await Emu.Http.SendAsync(req);
        string text = await resp.Content.ReadAsStringAsync();
        Assert.True((int)resp.StatusCode == (V6 ? 201 : 200), (int)resp.StatusCode + " " + text);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("id").Clone();
    }

    /// <summary>Fetches a file of the session by the id get file gave: v3 directly, v6 through the 302 to storage
    /// (followed by hand, without the API key).</summary>
    public async Task<byte[]> Download(string id, string fileId)
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(Emu.BaseUrl), Timeout = TimeSpan.FromSeconds(120) };
        using var req = new HttpRequestMessage(HttpMethod.Get, FilesPath(id) + "/" + fileId + "/content");
        req.Headers.TryAddWithoutValidation("X-Auth-Token", Token);
        using var resp = await http.SendAsync(req);
        if (!V6)
        {
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
            return await resp.Content.ReadAsByteArrayAsync();
        }
        Assert.Equal(HttpStatusCode.Found, resp.StatusCode);
        var location = resp.Headers.Location!;
        Assert.StartsWith("/_storage/", location.AbsolutePath);
        using var get = await http.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        return await get.Content.ReadAsByteArrayAsync();
    }

    /// <summary>get file, then download: the file's bytes.</summary>
    public async Task<byte[]> GetFile(string id, string path)
    {
        var j = await Ok(id, "get file", path);
        string fileId = V6 ? j.GetProperty("file_details").GetProperty("file_id").GetString()! : j.GetProperty("file_id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await Download(id, fileId);
    }

    public static List<JsonElement> Array(JsonElement j, string name) => j.GetProperty(name).EnumerateArray().ToList();
}

/// <summary>Seeded devices by kind, read from the v3 device list.</summary>
public static class LrDevices
{
    public static async Task<List<JsonElement>> All(Emu emu) => await emu.Devices("rows=5000");

    /// <summary>A device of that OS whose sensor is online (status other than INACTIVE, DEREGISTERED, UNINSTALLED).</summary>
    public static async Task<long> Online(Emu emu, string os, int skip = 0)
    {
        var d = (await All(emu)).Where(x => x.GetProperty("deviceType").GetString() == os
            && x.GetProperty("status").GetString() is not ("INACTIVE" or "DEREGISTERED" or "UNINSTALLED")).Skip(skip).First();
        return d.GetProperty("deviceId").GetInt64();
    }

    public static async Task<long> WithStatus(Emu emu, string status)
    {
        var d = (await All(emu)).First(x => x.GetProperty("status").GetString() == status);
        return d.GetProperty("deviceId").GetInt64();
    }
}
