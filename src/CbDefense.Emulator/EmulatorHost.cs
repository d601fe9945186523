using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CbDefense.Emulator;

/// <summary>Runs the emulator on Kestrel (127.0.0.1 only). Used by Program and, in-process, by the tests.</summary>
internal sealed class EmulatorHost : IAsyncDisposable
{
    internal const string BodyKey = "emu.body";
    internal const string KeyKey = "emu.key";

    private EmulatorHost(WebApplication app, EmulatorState state, string baseUrl)
    {
        App = app;
        State = state;
        BaseUrl = baseUrl;
    }

    public WebApplication App { get; }
    public EmulatorState State { get; }
    public string BaseUrl { get; }
    public int Port => new Uri(BaseUrl).Port;

    public static async Task<EmulatorHost> StartAsync(EmulatorOptions options, CancellationToken cancellationToken = default)
    {
        var state = new EmulatorState(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = Array.Empty<string>(),
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(EmulatorHost).Assembly.GetName().Name,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 32 * 1024 * 1024;
            if (options.Https)
            {
                var certificate = SelfSignedCertificate.Create();
                if (!string.IsNullOrEmpty(options.CertificateOut))
                {
                    File.WriteAllText(options.CertificateOut, certificate.ExportCertificatePem());
                }
                k.Listen(IPAddress.Loopback, options.Port, l => l.UseHttps(certificate));
            }
            else
            {
                k.Listen(IPAddress.Loopback, options.Port);
            }
        });
        var app = builder.Build();
        app.UseRouting();
        app.Use((ctx, next) => Pipeline(ctx, next, state));
        Routes.Map(app, state);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        string address = addresses.First();
        var uri = new Uri(address);
        string baseUrl = (options.Https ? "https" : "http") + "://127.0.0.1:" + uri.Port.ToString(CultureInfo.InvariantCulture);
        return new EmulatorHost(app, state, baseUrl);
    }

    public Task StopAsync() => App.StopAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await App.DisposeAsync().ConfigureAwait(false);
        lock (State.Lock)
        {
            State.Lr.Dispose(); // the temp folder of uploaded files
        }
    }

    // ------------------------------------------------------------------ pipeline

    /// <summary>Largest Live Response upload accepted (the real service documents no limit; tested up to 1 GB).</summary>
    internal const long MaxUploadBytes = 4L * 1024 * 1024 * 1024;

    private static readonly string[] ApiOrLr = { "API", "LIVE_RESPONSE" };
    private static readonly string[] SiemOnly = { "SIEM" };
    private static readonly string[] LrOnly = { "LIVE_RESPONSE" };
    private static readonly string[] PlatformKeys = { "API", "LIVE_RESPONSE", "CUSTOM" };
    private static readonly string[] CustomOnly = { "CUSTOM" };

    /// <summary>Which generation a path belongs to; decides the key types, the gone answer and the error bodies.</summary>
    internal enum RouteFamily
    {
        /// <summary><c>/integrationServices/...</c>: the v3 routes (410 Gone with --api current).</summary>
        Legacy,
        /// <summary>The v6 platform routes cbapi already used (device actions, threat workflow, alerts v6, ...).</summary>
        SharedV6,
        /// <summary>Routes of the current generation only: devices v6, Live Response v6 and the policy service v1.</summary>
        Current,
        /// <summary>The storage a v6 Live Response download redirects to (<c>/_storage/...</c>): pre-signed URLs, no key.</summary>
        Storage,
        /// <summary>Anything else (not a Carbon Black API path).</summary>
        Other,
    }

    private const string V6Orgs = "/appservices/v6/orgs/";
    private const string PolicyServiceOrgs = "/policyservice/v1/orgs/";

    /// <summary>Path prefixes (up to the org key) of the current generation's other services: alerts v7, jobs v1,
    /// audit log v1 and the investigate (observations) API.</summary>
    private static readonly string[] CurrentOrgPrefixes = { "/api/alerts/v7/orgs/", "/jobs/v1/orgs/", "/audit_log/v1/orgs/", "/api/investigate/v2/orgs/" };

    private static string? CurrentOrgPrefix(string path)
    {
        foreach (var p in CurrentOrgPrefixes)
        {
            if (path.StartsWith(p, StringComparison.OrdinalIgnoreCase))
            {
                return p;
            }
        }
        return null;
    }

    /// <summary>Paths whose errors use the platform body <c>{"error_code", "message"}</c>.</summary>
    private static bool IsPlatform(string path) =>
        path.StartsWith("/appservices/", StringComparison.OrdinalIgnoreCase) || path.StartsWith("/policyservice/", StringComparison.OrdinalIgnoreCase)
        || path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase) || path.StartsWith("/jobs/", StringComparison.OrdinalIgnoreCase)
        || path.StartsWith("/audit_log/", StringComparison.OrdinalIgnoreCase);

    internal static RouteFamily Family(string path)
    {
        if (path.StartsWith("/integrationServices/", StringComparison.OrdinalIgnoreCase) || path.Equals("/integrationServices", StringComparison.OrdinalIgnoreCase))
        {
            return RouteFamily.Legacy;
        }
        if (path.StartsWith("/policyservice/", StringComparison.OrdinalIgnoreCase) || CurrentOrgPrefix(path) != null)
        {
            return RouteFamily.Current;
        }
        if (path.StartsWith(V6Orgs, StringComparison.OrdinalIgnoreCase))
        {
            string rest = path[V6Orgs.Length..];
            int slash = rest.IndexOf('/');
            if (slash >= 0)
            {
                string tail = rest[(slash + 1)..];
                if (tail.Equals("devices", StringComparison.OrdinalIgnoreCase) || tail.StartsWith("devices/", StringComparison.OrdinalIgnoreCase)
                    || tail.Equals("liveresponse", StringComparison.OrdinalIgnoreCase) || tail.StartsWith("liveresponse/", StringComparison.OrdinalIgnoreCase))
                {
                    return RouteFamily.Current;
                }
            }
            return RouteFamily.SharedV6;
        }
        if (path.StartsWith("/_storage/", StringComparison.OrdinalIgnoreCase))
        {
            return RouteFamily.Storage;
        }
        return path.StartsWith("/appservices/", StringComparison.OrdinalIgnoreCase) ? RouteFamily.SharedV6 : RouteFamily.Other;
    }

    private static async Task Pipeline(HttpContext ctx, Func<Task> next, EmulatorState state)
    {
        string path = ctx.Request.Path.Value ?? "/";
        EmulatorState.CurrentActor.Value = null;
        if (path.StartsWith("/_emulator", StringComparison.OrdinalIgnoreCase))
        {
            await next().ConfigureAwait(false);
            return;
        }
        var started = Stopwatch.GetTimestamp();
        string method = ctx.Request.Method;
        byte[] body = Array.Empty<byte>();
        bool upload = Routes.IsUpload(method, path);
        if (upload)
        {
            // Live Response uploads are streamed to disk by their handler, never buffered here
            var limit = ctx.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (limit != null && !limit.IsReadOnly)
            {
                limit.MaxRequestBodySize = MaxUploadBytes;
            }
        }
        else if (!HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
        {
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms, ctx.RequestAborted).ConfigureAwait(false);
            body = ms.ToArray();
        }
        ctx.Items[BodyKey] = body;
        var endpoint = ctx.GetEndpoint();
        string template = endpoint is RouteEndpoint re && re.RoutePattern.RawText != null ? re.RoutePattern.RawText : path;
        if (!template.StartsWith('/'))
        {
            template = "/" + template;
        }
        if (endpoint != null && state.Api == ApiModes.Legacy && Family(path) == RouteFamily.Current)
        {
            // --api legacy: the current generation's routes do not exist (unmatched route, counted by path).
            endpoint = null;
            template = path;
        }
        string routeKey = method + " " + template;
        string? token = ctx.Request.Headers["X-Auth-Token"].FirstOrDefault();
        ApiKey? key = null;
        string? keyId = null;
        if (token != null)
        {
            if (state.KeysByToken.TryGetValue(token, out var k))
            {
                key = k;
                keyId = k.Id;
            }
            else
            {
                int slash = token.LastIndexOf('/');
                keyId = slash >= 0 && slash < token.Length - 1 ? token[(slash + 1)..] : null;
            }
        }
        var entry = new RequestLogEntry
        {
            Time = DateTimeOffset.UtcNow,
            Method = method,
            Path = path,
            Query = ctx.Request.QueryString.Value ?? "",
            Body = upload
                ? "[" + (ctx.Request.ContentType ?? "no content type") + ", " + (ctx.Request.ContentLength?.ToString(CultureInfo.InvariantCulture) ?? "chunked") + " bytes: not logged]"
                : body.Length == 0 ? null : Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 256 * 1024)),
            KeyId = keyId,
            UserAgent = ctx.Request.Headers.UserAgent.FirstOrDefault(),
        };
        lock (state.Lock)
        {
            entry.Seq = ++state.RequestSeq;
            state.RequestLog.AddLast(entry);
            if (state.RequestLog.Count > EmulatorState.MaxLog)
            {
                state.RequestLog.RemoveFirst();
            }
            state.TotalRequests++;
            state.RouteCounts.TryGetValue(routeKey, out long c);
            state.RouteCounts[routeKey] = c + 1;
        }
        try
        {
            await HandleApi(ctx, next, state, endpoint, path, key).ConfigureAwait(false);
        }
        finally
        {
            entry.Status = ctx.Response.StatusCode;
            if (!state.Options.Quiet)
            {
                double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{entry.Time:HH:mm:ss.fff} {method} {path}{entry.Query} -> {entry.Status} ({ms:0.0} ms)"));
            }
        }
    }

    private static async Task HandleApi(HttpContext ctx, Func<Task> next, EmulatorState state, Endpoint? endpoint, string path, ApiKey? key)
    {
        FaultRule? fire = null;
        bool windowHit = false;
        int retryAfter = 0;
        int latency = 0;
        lock (state.Lock)
        {
            var now = DateTimeOffset.UtcNow;
            if (now < state.ThrottleUntil)
            {
                windowHit = true;
                retryAfter = state.ThrottleRetryAfter;
                state.ThrottleUntil = now.AddSeconds(state.ThrottleRetryAfter);
            }
            else
            {
                foreach (var rule in state.Faults)
                {
                    if (rule.Path != null && !path.StartsWith(rule.Path, StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }
                    if (rule.Method != null && !string.Equals(rule.Method, ctx.Request.Method, StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }
                    if (rule.Remaining is <= 0)
                    {
                        continue;
                    }
                    if (rule.Rate < 1 && state.FaultRng.NextDouble() >= rule.Rate)
                    {
                        continue;
                    }
                    if (rule.Remaining.HasValue)
                    {
                        rule.Remaining--;
                    }
                    rule.Fired++;
                    if (rule.Kind == "latency")
                    {
                        latency += rule.LatencyMs;
                        continue;
                    }
                    fire = rule;
                    if (rule.Kind == "throttle" && rule.Window)
                    {
                        state.ThrottleRetryAfter = rule.RetryAfter;
                        state.ThrottleUntil = now.AddSeconds(rule.RetryAfter);
                    }
                    break;
                }
            }
        }
        if (latency > 0)
        {
            try
            {
                await Task.Delay(latency, ctx.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        if (windowHit)
        {
            await Throttle(ctx, retryAfter).ConfigureAwait(false);
            return;
        }
        if (fire != null)
        {
            switch (fire.Kind)
            {
                case "status":
                    if (fire.Status == 503 || fire.Status == 429)
                    {
                        ctx.Response.Headers.RetryAfter = fire.RetryAfter.ToString(CultureInfo.InvariantCulture);
                    }
                    string phrase = ReasonPhrases.GetReasonPhrase(fire.Status);
                    await JsonOut.V3Error(ctx, fire.Status, "Emulated fault: " + fire.Status.ToString(CultureInfo.InvariantCulture) + (phrase.Length > 0 ? " " + phrase : "")).ConfigureAwait(false);
                    return;
                case "throttle":
                    await Throttle(ctx, fire.RetryAfter).ConfigureAwait(false);
                    return;
                case "malformed":
                    await JsonOut.Send(ctx, 200, Encoding.UTF8.GetBytes("<<emulated malformed body>> {\"success\": tru, \"results\": [")).ConfigureAwait(false);
                    return;
                case "drop":
                    // The connection goes down before any byte of the reply: the request is not handled.
                    ctx.Abort();
                    return;
                case "html":
                    await JsonOut.Send(ctx, 502, Encoding.UTF8.GetBytes(HtmlPage), "text/html; charset=utf-8").ConfigureAwait(false);
                    return;
                case "truncated":
                case "reset":
                    if (Routes.IsStreamed(path))
                    {
                        await Cut(ctx, () => Authorized(ctx, next, state, endpoint, path, key), fire.Kind == "reset").ConfigureAwait(false);
                        return;
                    }
                    await Captured(ctx, () => Authorized(ctx, next, state, endpoint, path, key), fire.Kind == "reset").ConfigureAwait(false);
                    return;
            }
        }
        await Authorized(ctx, next, state, endpoint, path, key).ConfigureAwait(false);
    }

    private const string HtmlPage = """
        <!DOCTYPE html>
        <html>
        <head><title>502 Bad Gateway</title></head>
        <body>
        <center><h1>502 Bad Gateway</h1></center>
        <hr><center>nginx (CbDefense emulator fault)</center>
        </body>
        </html>
        """;

    private static Task Throttle(HttpContext ctx, int retryAfter)
    {
        ctx.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return JsonOut.V3Error(ctx, 429, "Too many requests");
    }

    /// <summary>Runs the real handler into a buffer, then sends only part of it (truncated) or aborts (reset).</summary>
    private static async Task Captured(HttpContext ctx, Func<Task> inner, bool reset)
    {
        var original = ctx.Response.Body;
        var buffer = new MemoryStream();
        ctx.Response.Body = buffer;
        try
        {
            await inner().ConfigureAwait(false);
            await ctx.Response.BodyWriter.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            ctx.Response.Body = original;
        }
        byte[] all = buffer.ToArray();
        int part = Math.Max(1, all.Length / 2);
        if (all.Length <= 1)
        {
            all = Encoding.UTF8.GetBytes("{\"success\": true, \"message\": \"Success\"}");
            part = all.Length / 2;
        }
        if (reset)
        {
            ctx.Response.StatusCode = ctx.Response.StatusCode == 204 ? 200 : ctx.Response.StatusCode;
            ctx.Response.ContentLength = all.Length;
            await original.WriteAsync(all.AsMemory(0, part)).ConfigureAwait(false);
            await original.FlushAsync().ConfigureAwait(false);
            await Task.Delay(50).ConfigureAwait(false);
            ctx.Abort();
            return;
        }
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        ctx.Response.ContentLength = part;
        await original.WriteAsync(all.AsMemory(0, part)).ConfigureAwait(false);
    }

    /// <summary>Streamed content (file downloads): the handler writes through a stream that lets half of the
    /// Content-Length through, then aborts the connection (reset) or ends the body there (truncated). Nothing is
    /// buffered, so this works on a 256 MiB download.</summary>
    private static async Task Cut(HttpContext ctx, Func<Task> inner, bool reset)
    {
        var original = ctx.Response.Body;
        var cut = new CutStream(original, ctx, reset);
        ctx.Response.Body = cut;
        try
        {
            await inner().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cut.Cut)
        {
        }
        finally
        {
            ctx.Response.Body = original;
        }
        if (reset && !cut.Cut)
        {
            // nothing (or too little) was written to cut: abort anyway, as a reset does
            await original.FlushAsync().ConfigureAwait(false);
            ctx.Abort();
        }
    }

    private sealed class CutStream : Stream
    {
        private readonly Stream _inner;
        private readonly HttpContext _ctx;
        private readonly bool _reset;
        private long _limit = -1;
        private long _written;

        public CutStream(Stream inner, HttpContext ctx, bool reset)
        {
            _inner = inner;
            _ctx = ctx;
            _reset = reset;
        }

        public bool Cut { get; private set; }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Flush() => _inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Cut)
            {
                throw new OperationCanceledException("emulated fault: the body was cut");
            }
            if (_limit < 0)
            {
                long total = _ctx.Response.ContentLength ?? 2 * (long)buffer.Length;
                _limit = Math.Max(1, total / 2);
                if (!_reset)
                {
                    _ctx.Response.StatusCode = 200;
                    _ctx.Response.ContentLength = _limit;
                }
            }
            int take = (int)Math.Min(buffer.Length, _limit - _written);
            if (take > 0)
            {
                await _inner.WriteAsync(buffer[..take], cancellationToken).ConfigureAwait(false);
                _written += take;
            }
            if (_written >= _limit)
            {
                Cut = true;
                await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (_reset)
                {
                    await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
                    _ctx.Abort();
                }
                throw new OperationCanceledException("emulated fault: the body was cut");
            }
        }
    }

    /// <summary>Gone answer (current mode, legacy routes), key type per route, org key, then route existence.</summary>
    private static async Task Authorized(HttpContext ctx, Func<Task> next, EmulatorState state, Endpoint? endpoint, string path, ApiKey? key)
    {
        string api = state.Api;
        var family = Family(path);
        if (family == RouteFamily.Storage)
        {
            // pre-signed storage URLs carry their own authorization (the token in the path), never an API key
            if (endpoint == null || (endpoint.DisplayName?.StartsWith("405", StringComparison.Ordinal) ?? false))
            {
                await JsonOut.Send(ctx, endpoint == null ? 404 : 405, Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
                    + (endpoint == null ? "NoSuchKey" : "MethodNotAllowed") + "</Code><Message>" + (endpoint == null ? "The specified key does not exist." : "The specified method is not allowed against this resource.") + "</Message></Error>\n"), "application/xml").ConfigureAwait(false);
                return;
            }
            await next().ConfigureAwait(false);
            return;
        }
        if (family == RouteFamily.Legacy && api == ApiModes.Current)
        {
            await Gone(ctx, state.Options.GoneStatus).ConfigureAwait(false);
            return;
        }
        string[] allowed = family switch
        {
            RouteFamily.Legacy => path.StartsWith("/integrationServices/v3/notification", StringComparison.OrdinalIgnoreCase)
                ? SiemOnly
                : path.StartsWith("/integrationServices/v3/cblr", StringComparison.OrdinalIgnoreCase) ? LrOnly : ApiOrLr,
            RouteFamily.Current when api != ApiModes.Legacy => CustomOnly,
            _ => api == ApiModes.Current ? CustomOnly : PlatformKeys,
        };
        if (key == null || Array.IndexOf(allowed, key.Type) < 0)
        {
            if (key != null && family == RouteFamily.Current && api == ApiModes.Both && key.IsLegacy)
            {
                // A real key of an access level that cannot use the current APIs: authenticated, not permitted.
                await JsonOut.V6Error(ctx, 403, "FORBIDDEN", "API key " + key.Id + " has access level " + key.Type
                    + ", which cannot use " + path + "; the current APIs (devices v6, policy service v1, alerts v7, jobs v1, audit log v1, observations, Live Response v6) need a Custom key").ConfigureAwait(false);
                return;
            }
            await JsonOut.V3Error(ctx, 401, "User is not authenticated").ConfigureAwait(false);
            return;
        }
        ctx.Items[KeyKey] = key;
        EmulatorState.CurrentActor.Value = new AuditActor(key.Id, ctx.Connection.RemoteIpAddress?.MapToIPv4().ToString() ?? "127.0.0.1",
            ctx.Request.Scheme + "://" + ctx.Request.Host.Value + path);
        bool platform = IsPlatform(path);
        string? orgPrefix = path.StartsWith(V6Orgs, StringComparison.OrdinalIgnoreCase) ? V6Orgs
            : path.StartsWith(PolicyServiceOrgs, StringComparison.OrdinalIgnoreCase) ? PolicyServiceOrgs : CurrentOrgPrefix(path);
        if (orgPrefix != null)
        {
            string rest = path[orgPrefix.Length..];
            int slash = rest.IndexOf('/');
            string org = slash < 0 ? rest : rest[..slash];
            if (!string.Equals(org, state.Options.OrgKey, StringComparison.Ordinal))
            {
                await JsonOut.V6Error(ctx, 403, "FORBIDDEN", "Org key '" + org + "' is not valid for this API key").ConfigureAwait(false);
                return;
            }
        }
        if (endpoint == null)
        {
            if (platform)
            {
                await JsonOut.V6Error(ctx, 404, "NOT_FOUND", "No such route: " + ctx.Request.Method + " " + path).ConfigureAwait(false);
            }
            else
            {
                await JsonOut.V3Error(ctx, 404, "No such route: " + ctx.Request.Method + " " + path).ConfigureAwait(false);
            }
            return;
        }
        if (endpoint.DisplayName != null && endpoint.DisplayName.StartsWith("405", StringComparison.Ordinal))
        {
            if (platform)
            {
                await JsonOut.V6Error(ctx, 405, "METHOD_NOT_ALLOWED", "Method " + ctx.Request.Method + " is not allowed on " + path).ConfigureAwait(false);
            }
            else
            {
                await JsonOut.V3Error(ctx, 405, "Method " + ctx.Request.Method + " is not allowed on " + path).ConfigureAwait(false);
            }
            return;
        }
        await next().ConfigureAwait(false);
    }

    internal const string GoneMessage = "This API has been retired: Carbon Black Cloud deactivated the v3 /integrationServices routes "
        + "(devices and policies in 2024, notifications October 2024) and the API, SIEM and LIVE_RESPONSE key types. "
        + "Use the current API (devices v6 /appservices/v6/orgs/{org_key}/devices/_search, policy service v1 "
        + "/policyservice/v1/orgs/{org_key}/policies, alerts v7) with a Custom API key.";

    private static Task Gone(HttpContext ctx, int status) => JsonOut.Send(ctx, status, w =>
    {
        w.WriteStartObject();
        w.WriteBoolean("success", false);
        w.WriteString("error_code", "GONE");
        w.WriteString("message", GoneMessage);
        w.WriteEndObject();
    });
}
