using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>File transfers: streamed downloads, the v6 302 to storage, big uploads, faults in the middle of a body.</summary>
public sealed class LiveResponseTransferTests : IAsyncLifetime
{
    private Emu _emu = null!;

    public async Task InitializeAsync() => _emu = await Emu.Start("--devices", "30", "--events", "10",
        "--lr-session-delay-ms", "20", "--lr-command-delay-ms", "10", "--lr-large-file-mb", "8");

    public async Task DisposeAsync() => await _emu.DisposeAsync();

    private static string Hex(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Upload64MiB_PutGet_RoundTripsByteExact(bool v6)
    {
        var lr = new LrClient(_emu, v6);
        long dev = await LrDevices.Online(_emu, "WINDOWS", v6 ? 1 : 0);
        string id = await lr.Open(dev);
        var data = new byte[64 * 1024 * 1024];
        new Random(v6 ? 6 : 3).NextBytes(data);
        var fileId = await lr.Upload(id, data, "big.bin");
        string path = "C:\\TEMP\\big-" + (v6 ? "v6" : "v3") + ".bin";
        await lr.Ok(id, "put file", path, ("file_id", v6 ? fileId.GetString()! : fileId.GetInt64()));
        var listing = LrClient.Array(await lr.Ok(id, "directory list", path), "files");
        Assert.Equal(data.Length, listing[0].GetProperty("size").GetInt64());
        var back = await lr.GetFile(id, path);
        Assert.Equal(data.Length, back.Length);
        Assert.Equal(Hex(data), Hex(back));
        var admin = await _emu.Ok("/_emulator/lr/devices/" + dev + "/file?path=" + Uri.EscapeDataString(path), null);
        Assert.Equal(Hex(data), admin.GetProperty("sha256").GetString());
        // the uploaded file itself can be read back and deleted from the session
        var direct = await lr.Download(id, v6 ? fileId.GetString()! : fileId.GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Hex(data), Hex(direct));
        var del = await _emu.Delete(lr.FilesPath(id) + "/" + (v6 ? fileId.GetString() : fileId.GetRawText()), lr.Token);
        Assert.Equal(v6 ? 204 : 200, del.Code);
        Assert.Equal(404, (await _emu.Get(lr.FilesPath(id) + "/" + (v6 ? fileId.GetString() : fileId.GetRawText()) + "/content", lr.Token)).Code);
        await lr.Ok(id, "delete file", path);
        await lr.Close(id);
    }

    [Fact]
    public async Task LargeFile_IsGenerated_StreamedAndHashedByAdmin()
    {
        var lr = new LrClient(_emu, v6: false);
        long dev = await LrDevices.Online(_emu, "LINUX");
        string id = await lr.Open(dev);
        var bytes = await lr.GetFile(id, "/tmp/large.bin");
        Assert.Equal(8 * 1024 * 1024, bytes.Length);
        var admin = await _emu.Ok("/_emulator/lr/devices/" + dev + "/file?path=/tmp/large.bin", null);
        Assert.Equal(Hex(bytes), admin.GetProperty("sha256").GetString());
        // same seed: the same content on a Windows device
        long win = await LrDevices.Online(_emu, "WINDOWS", 2);
        var w = await _emu.Ok("/_emulator/lr/devices/" + win + "/file?path=" + Uri.EscapeDataString("C:\\TEMP\\large.bin"), null);
        Assert.Equal(Hex(bytes), w.GetProperty("sha256").GetString());
        await lr.Close(id);
    }

    [Fact]
    public async Task V6_Download_302ToStorage_NoTokenNeeded_TokenRefused_Expires_Range()
    {
        await _emu.Post("/_emulator/reset", "{\"devices\": 30, \"events\": 10, \"liveResponse\": {\"storageTtlSec\": 1}}", null);
        var lr = new LrClient(_emu, v6: true);
        string id = await lr.Open(await LrDevices.Online(_emu, "WINDOWS", 3));
        var j = await lr.Ok(id, "get file", "C:\\TEMP\\test.txt");
        string fid = j.GetProperty("file_details").GetProperty("file_id").GetString()!;
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(_emu.BaseUrl) };
        using var req = new HttpRequestMessage(HttpMethod.Get, lr.FilesPath(id) + "/" + fid + "/content");
        req.Headers.TryAddWithoutValidation("X-Auth-Token", lr.Token);
        using var resp = await http.SendAsync(req);
        Assert.Equal(HttpStatusCode.Found, resp.StatusCode);
        var location = resp.Headers.Location!;
        Assert.True(location.IsAbsoluteUri);
        Assert.StartsWith("/_storage/lr/", location.AbsolutePath);
        Assert.True(location.AbsolutePath.Length > "/_storage/lr/".Length + 40, "the token is long and random");
        // no key: served
        using (var ok = await http.GetAsync(location))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(1234, (await ok.Content.ReadAsByteArrayAsync()).Length);
            Assert.Equal("application/octet-stream", ok.Content.Headers.ContentType!.MediaType);
        }
        // a key sent to the storage: refused (the client must not leak it there)
        using (var leak = new HttpRequestMessage(HttpMethod.Get, location))
        {
            leak.Headers.TryAddWithoutValidation("X-Auth-Token", lr.Token);
            using var r = await http.SendAsync(leak);
            Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
            Assert.Contains("X-Auth-Token", await r.Content.ReadAsStringAsync());
        }
        // a range, as object stores serve
        using (var range = new HttpRequestMessage(HttpMethod.Get, location))
        {
            range.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(5, 7);
            using var r = await http.SendAsync(range);
            Assert.Equal(HttpStatusCode.PartialContent, r.StatusCode);
            Assert.Equal("001", System.Text.Encoding.UTF8.GetString(await r.Content.ReadAsByteArrayAsync()));
        }
        // a made-up token: 403
        using (var bad = await http.GetAsync("/_storage/lr/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, bad.StatusCode);
        }
        await Task.Delay(1300);
        using (var late = await http.GetAsync(location))
        {
            Assert.Equal(HttpStatusCode.Forbidden, late.StatusCode);
            Assert.Contains("expired", await late.Content.ReadAsStringAsync());
        }
        // a new redirect gives a fresh URL
        using var again = new HttpRequestMessage(HttpMethod.Get, lr.FilesPath(id) + "/" + fid + "/content");
        again.Headers.TryAddWithoutValidation("X-Auth-Token", lr.Token);
        using var resp2 = await http.SendAsync(again);
        Assert.NotEqual(location, resp2.Headers.Location);
        using (var fresh = await http.GetAsync(resp2.Headers.Location))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }
        // the storage is counted and logged without a key
        var log = await _emu.Ok("/_emulator/requests?last=20", null);
        Assert.Contains(log.GetProperty("requests").EnumerateArray(), e => e.GetProperty("path").GetString()!.StartsWith("/_storage/lr/", StringComparison.Ordinal) && e.GetProperty("keyId").ValueKind == JsonValueKind.Null && e.GetProperty("status").GetInt32() == 200);
        var stats = await _emu.Ok("/_emulator/stats", null);
        Assert.True(stats.GetProperty("routes").GetProperty("GET /_storage/lr/{token}").GetInt64() >= 3);
        await lr.Close(id);
        await _emu.Post("/_emulator/reset", "{\"devices\": 30, \"events\": 10}", null);
    }

    private async Task Fault(string json) => Assert.Equal(200, (await _emu.Post("/_emulator/faults", json, null)).Code);

    /// <summary>Reads what arrives before the connection drops.</summary>
    private static async Task<(long Received, bool Failed)> Drain(HttpResponseMessage resp)
    {
        long n = 0;
        try
        {
            await using var s = await resp.Content.ReadAsStreamAsync();
            var buf = new byte[81920];
            int k;
            while ((k = await s.ReadAsync(buf)) > 0)
            {
                n += k;
            }
            return (n, false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            return (n, true);
        }
    }

    [Fact]
    public async Task V3_ResetInTheMiddleOfADownload_ThenTheRetryWorks()
    {
        var lr = new LrClient(_emu, v6: false);
        string id = await lr.Open(await LrDevices.Online(_emu, "WINDOWS", 4));
        var j = await lr.Ok(id, "get file", "C:\\TEMP\\large.bin");
        string url = lr.FilesPath(id) + "/" + j.GetProperty("file_id").GetInt64() + "/content";
        await Fault("{\"kind\": \"reset\", \"path\": \"" + lr.FilesPath(id) + "/\", \"count\": 1}");
        using (var req = new HttpRequestMessage(HttpMethod.Get, url))
        {
            req.Headers.TryAddWithoutValidation("X-Auth-Token", lr.Token);
            using var resp = await _emu.Http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
            Assert.Equal(8L * 1024 * 1024, resp.Content.Headers.ContentLength);
            var (got, failed) = await Drain(resp);
            Assert.True(failed, "the connection must drop");
            Assert.InRange(got, 1, 8L * 1024 * 1024 - 1);
        }
        var full = await lr.Download(id, j.GetProperty("file_id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(8 * 1024 * 1024, full.Length);
        // truncated: a shorter, complete body
        await Fault("{\"kind\": \"truncated\", \"path\": \"" + lr.FilesPath(id) + "/\", \"count\": 1}");
        using (var req = new HttpRequestMessage(HttpMethod.Get, url))
        {
            req.Headers.TryAddWithoutValidation("X-Auth-Token", lr.Token);
            using var resp = await _emu.Http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(4L * 1024 * 1024, resp.Content.Headers.ContentLength);
            var (got, failed) = await Drain(resp);
            Assert.False(failed);
            Assert.Equal(4L * 1024 * 1024, got);
        }
        await lr.Close(id);
    }

    [Fact]
    public async Task V6_ResetInTheMiddleOfTheStorageDownload_OtherFaultKindsToo()
    {
        var lr = new LrClient(_emu, v6: true);
        string id = await lr.Open(await LrDevices.Online(_emu, "WINDOWS", 5));
        var j = await lr.Ok(id, "get file", "C:\\TEMP\\large.bin");
        string fid = j.GetProperty("file_details").GetProperty("file_id").GetString()!;
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = new Uri(_emu.BaseUrl) };
        using var req = new HttpRequestMessage(HttpMethod.Get, lr.FilesPath(id) + "/" + fid + "/content");
        req.Headers.TryAddWithoutValidation("X-Auth-Token", lr.Token);
        using var redirect = await http.SendAsync(req);
        var location = redirect.Headers.Location!;
        await Fault("{\"kind\": \"reset\", \"path\": \"/_storage/\", \"count\": 1}");
        using (var resp = await http.GetAsync(location, HttpCompletionOption.ResponseHeadersRead))
        {
            var (got, failed) = await Drain(resp);
            Assert.True(failed);
            Assert.InRange(got, 1, 8L * 1024 * 1024 - 1);
        }
        using (var resp = await http.GetAsync(location))
        {
            Assert.Equal(8 * 1024 * 1024, (await resp.Content.ReadAsByteArrayAsync()).Length);
        }
        // the other kinds apply to LR routes as to any route
        await Fault("{\"kind\": \"status\", \"status\": 503, \"path\": \"" + lr.Base + "\", \"count\": 1}");
        Emu.V3Error(await lr.Post(id, lr.Body("process list", null)), 503);
        await Fault("{\"kind\": \"throttle\", \"retryAfter\": 2, \"path\": \"" + lr.Base + "\", \"count\": 1}");
        var t = await lr.GetSession(id);
        Assert.Equal(429, t.Code);
        Assert.Equal(TimeSpan.FromSeconds(2), t.Message.Headers.RetryAfter!.Delta);
        await Fault("{\"kind\": \"malformed\", \"path\": \"" + lr.Base + "\", \"count\": 1}");
        var m = await lr.GetSession(id);
        Assert.Equal(200, m.Code);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(m.Text));
        await Fault("{\"kind\": \"reset\", \"path\": \"" + lr.CommandsPath(id) + "\", \"method\": \"POST\", \"count\": 1}");
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => lr.Post(id, lr.Body("process list", null)));
        await Fault("{\"kind\": \"truncated\", \"path\": \"" + lr.SessionPath(id) + "\", \"count\": 1}");
        var tr = await lr.GetSession(id);
        Assert.Equal(200, tr.Code);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(tr.Text));
        await Fault("{\"kind\": \"latency\", \"latencyMs\": 300, \"path\": \"/_storage/\", \"count\": 1}");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using (var resp = await http.GetAsync(location))
        {
            Assert.Equal(HttpStatusCode.OK, resp.StatusCode);
        }
        Assert.True(sw.ElapsedMilliseconds >= 280);
        await _emu.Delete("/_emulator/faults", null);
        await lr.Close(id);
    }

    [Fact]
    public async Task Upload_NeedsMultipartFilePart()
    {
        var lr = new LrClient(_emu, v6: true);
        string id = await lr.Open(await LrDevices.Online(_emu, "WINDOWS", 6));
        Emu.V6Error(await _emu.Post(lr.FilesPath(id), "{}", lr.Token), 400, "INVALID_ARGUMENT", "multipart");
        using var req = new HttpRequestMessage(HttpMethod.Post, lr.FilesPath(id));
        req.Headers.TryAddWithoutValidation("X-Auth-Token", lr.Token);
        var form = new MultipartFormDataContent { { new StringContent("x"), "other" } };
        req.Content = form;
        using var resp = await _emu.Http.SendAsync(req);
        Assert.Equal(HttpStatusCode.BadRequest, resp.StatusCode);
        Assert.Contains("'file'", await resp.Content.ReadAsStringAsync());
        await lr.Close(id);
        // closed session: 404 NOT_FOUND without reading the body
        using var req2 = new HttpRequestMessage(HttpMethod.Post, lr.FilesPath(id));
        req2.Headers.TryAddWithoutValidation("X-Auth-Token", lr.Token);
        req2.Content = new MultipartFormDataContent { { new ByteArrayContent(new byte[10]), "file", "a.bin" } };
        using var resp2 = await _emu.Http.SendAsync(req2);
        Assert.Equal(HttpStatusCode.NotFound, resp2.StatusCode);
    }
}
