using System;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;

namespace CbDefense.Http
{
    /// <summary>One request as the transport sends it: method, path and query, an optional body, and how to treat it.</summary>
    internal sealed class CbRequest
    {
        private CbRequest(HttpMethod method, string pathAndQuery)
        {
            Method = method;
            PathAndQuery = pathAndQuery;
            Idempotent = IsSafeToRepeat(method);
        }

        public HttpMethod Method { get; }
        /// <summary>Path and query relative to the session's base URL (starts with '/').</summary>
        public string PathAndQuery { get; }
        /// <summary>Makes the body of one attempt (called again for each retry), or null for no body.</summary>
        public Func<HttpContent>? Content { get; private set; }
        /// <summary>The body as text for the debug log (a JSON body), or a short description of a stream.</summary>
        public string? DebugBody { get; private set; }
        /// <summary>
        /// True when sending the request twice does what sending it once does: GET, HEAD, PUT, DELETE, OPTIONS, and
        /// searches sent as POST. Only such requests are repeated after a failure the server may have acted on.
        /// </summary>
        public bool Idempotent { get; private set; }
        /// <summary>
        /// When true the reader gets the network stream as it arrives (nothing buffered: large downloads, pages written
        /// while they are parsed). When false the whole body is read inside the attempt first, so a reset mid-body
        /// fails the attempt before the reader sees any of it.
        /// </summary>
        public bool Streamed { get; private set; }
        /// <summary>An Accept header other than application/json (e.g. for a file download).</summary>
        public string? Accept { get; private set; }
        /// <summary>
        /// An absolute URL on another host (a pre-signed storage URL a server redirected to): sent without the API key,
        /// and logged without its query string (which is the URL's credential).
        /// </summary>
        public Uri? External { get; private set; }
        /// <summary>
        /// A file transfer: TimeoutSec covers the wait for the reply's headers only, not the whole body (a large
        /// download may take longer); the reader watches for a stalled body itself.
        /// </summary>
        public bool Transfer { get; private set; }

        public static CbRequest Create(HttpMethod method, string pathAndQuery) => new CbRequest(method, pathAndQuery);

        /// <summary>A GET of an absolute URL another host serves (no API key is sent; see <see cref="External"/>).</summary>
        public static CbRequest ExternalGet(Uri url)
        {
            if (url == null || !url.IsAbsoluteUri) throw new ArgumentException("An absolute URL is needed.", nameof(url));
            return new CbRequest(HttpMethod.Get, url.GetLeftPart(UriPartial.Path) + (url.Query.Length > 0 ? "?(signed)" : "")) { External = url };
        }

        public CbRequest AsTransfer()
        {
            Transfer = true;
            Streamed = true;
            return this;
        }

        /// <summary>A JSON body (already serialized): sent as application/json; charset=utf-8.</summary>
        public static CbRequest Json(HttpMethod method, string pathAndQuery, string json)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            return new CbRequest(method, pathAndQuery)
            {
                DebugBody = json,
                Content = () =>
                {
                    var c = new ByteArrayContent(bytes);
                    c.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                    return c;
                },
            };
        }

        /// <summary>A body made by <paramref name="content"/> for each attempt (a stream or multipart upload).</summary>
        public CbRequest WithContent(Func<HttpContent> content, string debugDescription)
        {
            Content = content;
            DebugBody = debugDescription;
            return this;
        }

        /// <summary>Marks a POST that only reads (a search) as safe to repeat.</summary>
        public CbRequest AsIdempotent()
        {
            Idempotent = true;
            return this;
        }

        public CbRequest AsStreamed()
        {
            Streamed = true;
            return this;
        }

        public CbRequest WithAccept(string accept)
        {
            Accept = accept;
            return this;
        }

        public static bool IsSafeToRepeat(HttpMethod m) =>
            m == HttpMethod.Get || m == HttpMethod.Head || m == HttpMethod.Put || m == HttpMethod.Delete || m == HttpMethod.Options;

        public override string ToString() => Method.Method + " " + PathAndQuery;
    }

    /// <summary>What a reader knows of a reply besides its body.</summary>
    internal readonly struct ResponseInfo
    {
        public ResponseInfo(string method, string path, int status, string? reason, string? contentType, long? contentLength, Uri? location = null)
        {
            Method = method; Path = path; Status = status; Reason = reason; ContentType = contentType; ContentLength = contentLength; Location = location;
        }
        /// <summary>The Location header of a redirect, made absolute against the request's URL.</summary>
        public Uri? Location { get; }
        public string Method { get; }
        /// <summary>Path and query with the secret redacted.</summary>
        public string Path { get; }
        public int Status { get; }
        public string? Reason { get; }
        public string? ContentType { get; }
        public long? ContentLength { get; }
        public bool IsJsonMediaType =>
            ContentType != null && (ContentType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
                                    ContentType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Reads a reply body. Called once per attempt; a reader that has handed items on (a streamed page) keeps its own
    /// state across attempts so a retried request does not hand them on twice.
    /// </summary>
    internal delegate Task<T> ResponseReader<T>(ResponseInfo info, Stream body, CancellationToken cancellationToken);

    /// <summary>
    /// The session's one path to the server. It owns a request end to end: the X-Auth-Token, User-Agent and Accept
    /// headers; the session-wide throttle gate (a 429 closes it for every request of the session until Retry-After has
    /// passed); the per-attempt timeout (TimeoutSec, covering the reply and its body); one retry loop with one count,
    /// one time budget and one jittered backoff for every kind of transient failure; one verbose line per attempt and
    /// the bodies at debug level, with the secret redacted; and the mapping of failures to the typed exceptions.
    /// <para>
    /// What is retried: 429 and 503 for any request (the server did not act on it); 500, 502, 504, connection failures,
    /// resets and replies that are cut short or not JSON only for requests that are safe to repeat. What fails at once,
    /// with a hint: TLS and certificate errors, an https URL to a plain-HTTP server and the reverse, a refused port, a
    /// host name that does not resolve, a proxy that wants credentials (407) or refuses the tunnel, and a timeout.
    /// </para>
    /// </summary>
    internal sealed class Transport : IDisposable
    {
        internal const int MaxDebugBody = 4096;
        /// <summary>The most of an error body that is read to find the server's message.</summary>
        internal const int MaxErrorBody = 64 * 1024;
        private static readonly Random Jitter = new Random();

        private readonly HttpClient _http;
        private readonly SessionOptions _options;
        private readonly string _baseUrl;
        private readonly Uri _serverUri;
        private readonly string _token;
        private readonly string _apiId;
        private readonly string _userAgent;
        private readonly Func<bool> _isDisposed;
        // Set once the server has answered: a later failure is then never blamed on the URL's scheme (no probe).
        private volatile bool _seenAnswer;

        public Transport(HttpMessageHandler primary, SessionOptions options, string baseUrl, Uri serverUri, ApiToken token,
                         string userAgent, Redactor redactor, ThrottleGate gate, Func<bool> isDisposed)
        {
            _http = new HttpClient(primary, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
            _options = options;
            _baseUrl = baseUrl;
            _serverUri = serverUri;
            _token = token.HeaderValue;
            _apiId = token.ApiId;
            _userAgent = userAgent;
            Redactor = redactor;
            Gate = gate;
            _isDisposed = isDisposed;
        }

        public Redactor Redactor { get; }
        public ThrottleGate Gate { get; }

        public void Dispose() => _http.Dispose();

        /// <summary>
        /// Sends the request until it succeeds, fails for good, or the retries run out, and returns what
        /// <paramref name="read"/> makes of the reply (status below 400). A status of 400 or more throws the mapped
        /// CbApiException; a reader's CbInvalidResponseException, JsonException or IOException is retried like a
        /// transient failure when the request is safe to repeat.
        /// </summary>
        public async Task<T> SendAsync<T>(CbRequest request, ResponseReader<T> read, CallContext? context)
        {
            var ctx = context ?? CallContext.None;
            var ct = ctx.CancellationToken;
            var log = ctx.Log;
            var policy = ctx.Retry ?? RetryPolicy.From(_options);
            string desc = Redactor.Redact(request.ToString());
            string safePath = Redactor.Redact(request.PathAndQuery);
            var total = Stopwatch.StartNew();
            int retry = 0;
            bool selfPenalized = false;
            bool diagnosed = false;
            while (true)
            {
                ThrowIfDisposed();
                ct.ThrowIfCancellationRequested();
                var waited = await Gate.WaitAsync(ct).ConfigureAwait(false);
                if (waited > TimeSpan.Zero && !selfPenalized && log != null)
                    SafeLog(() => log.Verbose("Waited " + Secs(waited) + " s before " + desc + ": the session is rate limited (429)."));
                selfPenalized = false;

                string reason;
                TimeSpan wait;
                bool penalize = false;
                Exception failure; // what is thrown when no retry is left
                var sw = Stopwatch.StartNew();
                int timeoutSec = policy.TimeoutSec;
                using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    if (timeoutSec > 0) attempt.CancelAfter(TimeSpan.FromSeconds(timeoutSec));
                    HttpResponseMessage? response = null;
                    try
                    {
                        using (var message = CreateMessage(request, log, desc))
                        {
                            response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, attempt.Token).ConfigureAwait(false);
                        }
                        _seenAnswer = true;
                        int status = (int)response.StatusCode;
                        var info = new ResponseInfo(request.Method.Method, safePath, status, response.ReasonPhrase,
                                                    response.Content?.Headers.ContentType?.MediaType, response.Content?.Headers.ContentLength,
                                                    LocationOf(response));
                        if (request.Transfer) attempt.CancelAfter(Timeout.InfiniteTimeSpan); // the body may take longer than TimeoutSec
                        if (status >= 400)
                        {
                            string text = await ReadTextAsync(response, attempt.Token).ConfigureAwait(false);
                            LogResponse(log, desc, info, sw, text);
                            if (status == 407) throw ProxyAuthenticationRequired(info.Method, info.Path, null);
                            bool unsure = !request.Idempotent && (status == 500 || status == 502 || status == 504);
                            var mapped = ErrorMapper.FromStatus(info.Method, info.Path, status, info.Reason, text, Redactor, unsure ? ErrorMapper.MayHaveApplied : null);
                            if (status == 429)
                            {
                                wait = RetryAfter(response) ?? _options.DefaultRetryAfter;
                                penalize = true;
                            }
                            else if (status == 503)
                            {
                                var ra = RetryAfter(response);
                                var b = Backoff(retry);
                                wait = ra.HasValue && ra.Value > b ? ra.Value : b;
                            }
                            else if ((status == 500 || status == 502 || status == 504) && request.Idempotent)
                            {
                                wait = Backoff(retry);
                            }
                            else
                            {
                                throw mapped;
                            }
                            reason = status + " " + response.ReasonPhrase;
                            failure = mapped;
                        }
                        else
                        {
                            Stream body;
                            PooledBufferContent? buffered = null;
                            if (request.Streamed || response.Content == null)
                            {
                                body = response.Content == null ? Stream.Null : await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                                LogResponse(log, desc, info, sw, null);
                                if (log != null) body = new DebugCaptureStream(body, MaxDebugBody);
                            }
                            else
                            {
                                using (attempt.Token.Register(r => ((HttpResponseMessage)r!).Dispose(), response))
                                    buffered = await PooledBufferContent.LoadAsync(response.Content, attempt.Token).ConfigureAwait(false);
                                attempt.Token.ThrowIfCancellationRequested();
                                body = await buffered.ReadAsStreamAsync().ConfigureAwait(false);
                                info = new ResponseInfo(info.Method, info.Path, info.Status, info.Reason, info.ContentType, buffered.Length, info.Location);
                                LogResponse(log, desc, info, sw, log != null ? await StartOfAsync(body).ConfigureAwait(false) : null);
                            }
                            try
                            {
                                using (body)
                                {
                                    var result = await read(info, body, attempt.Token).ConfigureAwait(false);
                                    if (body is DebugCaptureStream capture && log != null)
                                        SafeLog(() => log.Debug("HTTP response: " + desc + " -> " + info.Status + ", " + capture.Captured.Length + "+ bytes" +
                                                                "\nBody: " + Redactor.Redact(capture.Captured)));
                                    return result;
                                }
                            }
                            finally
                            {
                                buffered?.Dispose();
                            }
                        }
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        throw;
                    }
                    catch (ObjectDisposedException) when (_isDisposed())
                    {
                        ThrowIfDisposed();
                        throw;
                    }
                    catch (Exception ex) when (attempt.IsCancellationRequested && !ct.IsCancellationRequested && !(ex is CbApiException))
                    {
                        LogFailure(log, desc, sw, "timed out");
                        throw new CbTimeoutException(
                            "The request " + desc + " timed out after " + timeoutSec + " s (TimeoutSec)" + (request.Idempotent ? "" : ErrorMapper.MayHaveApplied) + ".", Redactor.Scrub(ex))
                        { Method = request.Method.Method, RequestUri = safePath };
                    }
                    catch (CbInvalidResponseException ex) when (request.Idempotent)
                    {
                        reason = "invalid response (" + FirstClause(ex.Message) + ")";
                        wait = Backoff(retry);
                        failure = ex;
                    }
                    catch (CbInvalidResponseException ex) when (!request.Idempotent && ex.ResponseSnippet != null)
                    {
                        // A 2xx reply to a change that is cut short or not JSON: the change was most likely made.
                        throw new CbInvalidResponseException(ex.Message.Replace(" [" + ex.Method + " " + ex.RequestUri + "]", "") + ErrorMapper.MayHaveApplied +
                                                             " [" + ex.Method + " " + ex.RequestUri + "]", ex.InnerException ?? ex)
                        {
                            StatusCode = ex.StatusCode, Method = ex.Method, RequestUri = ex.RequestUri, ResponseSnippet = ex.ResponseSnippet,
                        };
                    }
                    catch (CbApiException)
                    {
                        throw;
                    }
                    catch (JsonException ex)
                    {
                        // A reader that parses the network stream found the body cut short or malformed.
                        var invalid = ErrorMapper.Invalid(request.Method.Method, safePath, (int?)response?.StatusCode ?? 0, response?.ReasonPhrase,
                            response?.Content?.Headers.ContentType?.MediaType, "truncated or malformed JSON: " + Redactor.Redact(ex.Message), "", Redactor.Scrub(ex),
                            request.Idempotent ? null : ErrorMapper.MayHaveApplied);
                        if (!request.Idempotent) throw invalid;
                        reason = "invalid response (" + Redactor.Redact(ex.Message) + ")";
                        wait = Backoff(retry);
                        failure = invalid;
                    }
                    catch (Exception ex) when (IsConnectionFailure(ex))
                    {
                        LogFailure(log, desc, sw, "failed: " + ex.GetType().Name + ": " + ex.Message);
                        ThrowIfDisposed();
                        if (ConnectionDiagnosis.TunnelStatus(ex) == 407) throw ProxyAuthenticationRequired(request.Method.Method, safePath, Redactor.Scrub(ex));
                        var hard = diagnosed || request.External != null ? null : await ConnectionDiagnosis.DiagnoseAsync(_serverUri, _options, ex, !_seenAnswer, ct).ConfigureAwait(false);
                        diagnosed = true;
                        var connection = ConnectionError(request, safePath, ex, hard);
                        if (hard != null || !request.Idempotent) throw connection;
                        reason = "connection failure: " + ex.GetType().Name + ": " + Redactor.Redact(ex.Message);
                        wait = Backoff(retry);
                        failure = connection;
                    }
                    finally
                    {
                        response?.Dispose();
                    }
                }

                if (penalize) Gate.Penalize(wait); // every request of the session waits it out, even if this one gives up
                if (retry >= policy.MaximumRetryCount || total.Elapsed + wait > policy.Budget)
                {
                    if (log != null && policy.MaximumRetryCount > 0)
                        SafeLog(() => log.Verbose("Giving up on " + desc + " after " + retry + " retr" + (retry == 1 ? "y" : "ies") +
                                                  " (" + Secs(total.Elapsed) + " s): " + reason));
                    throw failure;
                }
                retry++;
                if (penalize)
                {
                    var remaining = Gate.Remaining;
                    if (remaining > wait) wait = remaining;
                    selfPenalized = true; // the gate does the waiting
                }
                if (log != null)
                {
                    string m = "Waiting " + Secs(wait) + " s before retry " + retry + "/" + policy.MaximumRetryCount + " of " + desc + ": " + reason;
                    SafeLog(() => log.Verbose(m));
                }
                if (!penalize) await Task.Delay(wait, ct).ConfigureAwait(false);
            }
        }

        private void ThrowIfDisposed()
        {
            if (_isDisposed()) throw new ObjectDisposedException(nameof(Session), "The session was disconnected.");
        }

        private HttpRequestMessage CreateMessage(CbRequest request, ICallLog? log, string desc)
        {
            var message = request.External != null
                ? new HttpRequestMessage(request.Method, request.External)
                : new HttpRequestMessage(request.Method, _baseUrl + request.PathAndQuery);
            if (request.External == null) message.Headers.TryAddWithoutValidation("X-Auth-Token", _token);
            message.Headers.TryAddWithoutValidation("User-Agent", _userAgent);
            message.Headers.TryAddWithoutValidation("Accept", request.Accept ?? "application/json");
            if (request.Content != null) message.Content = request.Content();
            if (log != null)
            {
                var sb = new StringBuilder();
                sb.Append("HTTP request: ").Append(desc);
                if (request.External == null) sb.Append(" (X-Auth-Token: ").Append(Redactor.Mask).Append('/').Append(_apiId).Append(')');
                else sb.Append(" (no API key: another host)");
                if (request.DebugBody != null) sb.Append("\nBody: ").Append(Truncate(Redactor.Redact(request.DebugBody)));
                string text = sb.ToString();
                SafeLog(() => log.Debug(text));
            }
            return message;
        }

        private static Uri? LocationOf(HttpResponseMessage response)
        {
            var loc = response.Headers.Location;
            if (loc == null) return null;
            if (loc.IsAbsoluteUri) return loc;
            var from = response.RequestMessage?.RequestUri;
            return from != null && Uri.TryCreate(from, loc, out var abs) ? abs : null;
        }

        private void LogResponse(ICallLog? log, string desc, ResponseInfo info, Stopwatch sw, string? bodyStart)
        {
            if (log == null) return;
            string line = desc + " -> " + info.Status + " " + info.Reason + " (" + sw.ElapsedMilliseconds + " ms)";
            SafeLog(() => log.Verbose(line));
            if (bodyStart != null)
            {
                string dbg = "HTTP response: " + desc + " -> " + info.Status + ", " + (info.ContentLength ?? 0) + " bytes, " +
                             (info.ContentType ?? "no content type") + "\nBody: " + Redactor.Redact(bodyStart);
                SafeLog(() => log.Debug(dbg));
            }
        }

        private void LogFailure(ICallLog? log, string desc, Stopwatch sw, string what)
        {
            if (log == null) return;
            string line = desc + " -> " + Redactor.Redact(what) + " (" + sw.ElapsedMilliseconds + " ms)";
            SafeLog(() => log.Verbose(line));
        }

        /// <summary>An error body as text, at most <see cref="MaxErrorBody"/> bytes of it.</summary>
        private static async Task<string> ReadTextAsync(HttpResponseMessage response, CancellationToken ct)
        {
            if (response.Content == null) return "";
            using (var s = await response.Content.ReadAsStreamAsync().ConfigureAwait(false))
            {
                var buf = new byte[MaxErrorBody];
                int n = 0;
                try
                {
                    while (n < buf.Length)
                    {
                        int k = await s.ReadAsync(buf, n, buf.Length - n, ct).ConfigureAwait(false);
                        if (k == 0) break;
                        n += k;
                    }
                }
                catch (IOException) when (n > 0) { /* the start of an error page is enough */ }
                return Encoding.UTF8.GetString(buf, 0, n);
            }
        }

        /// <summary>The start of a seekable body (for the debug log), the stream rewound.</summary>
        private static async Task<string> StartOfAsync(Stream body)
        {
            var buf = new byte[MaxDebugBody];
            int n = 0;
            while (n < buf.Length)
            {
                int k = await body.ReadAsync(buf, 0 + n, buf.Length - n).ConfigureAwait(false);
                if (k == 0) break;
                n += k;
            }
            bool more = body.Length > n;
            body.Position = 0;
            string s = Encoding.UTF8.GetString(buf, 0, n);
            return more ? s + "... (truncated)" : s;
        }

        private CbClientException ProxyAuthenticationRequired(string method, string safePath, Exception? inner) =>
            ErrorMapper.ProxyAuthenticationRequired(method, safePath, Session.ProxyFor(_options, _serverUri), _options.ProxyCredential, inner);

        private CbConnectionException ConnectionError(CbRequest request, string safePath, Exception ex, string? hint)
        {
            string host = _serverUri.GetLeftPart(UriPartial.Authority);
            string text = hint ?? ("Received a network connection error from " + host + ": " + Redactor.Redact(Flatten(ex)).TrimEnd('.') +
                                   (request.Idempotent ? "" : ErrorMapper.MayHaveApplied));
            return new CbConnectionException(text + " [" + request.Method.Method + " " + safePath + "]", Redactor.Scrub(ex))
            {
                Method = request.Method.Method, RequestUri = safePath,
            };
        }

        internal static bool IsConnectionFailure(Exception ex) =>
            ex is HttpRequestException || ex is IOException || ex is System.Net.Sockets.SocketException || ex is System.Net.WebException ||
            ex is System.Security.Authentication.AuthenticationException;

        internal static string Flatten(Exception ex)
        {
            var parts = new System.Collections.Generic.List<string>();
            for (var e = ex; e != null && parts.Count < 4; e = e.InnerException)
                if (!parts.Contains(e.Message)) parts.Add(e.Message);
            return string.Join(" ", parts);
        }

        private static string FirstClause(string s)
        {
            int i = s.IndexOf(';');
            return i > 0 ? s.Substring(0, i) : s;
        }

        private static string Truncate(string s) => s.Length <= MaxDebugBody ? s : s.Substring(0, MaxDebugBody) + "... (truncated)";

        internal static string Secs(TimeSpan t) => t.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

        internal static void SafeLog(Action a)
        {
            try { a(); } catch (Exception) { /* a failing sink must not fail the request */ }
        }

        internal TimeSpan Backoff(int retry)
        {
            double baseMs = _options.BaseBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 30));
            double cap = _options.MaximumBackoff.TotalMilliseconds;
            if (baseMs > cap) baseMs = cap;
            double r;
            lock (Jitter) r = Jitter.NextDouble();
            return TimeSpan.FromMilliseconds(baseMs * (0.5 + 0.5 * r));
        }

        /// <summary>Retry-After as delta seconds or an HTTP date; null when absent or unreadable.</summary>
        internal static TimeSpan? RetryAfter(HttpResponseMessage response)
        {
            var ra = response.Headers.RetryAfter;
            if (ra != null)
            {
                if (ra.Delta.HasValue) return ra.Delta.Value < TimeSpan.Zero ? TimeSpan.Zero : ra.Delta.Value;
                if (ra.Date.HasValue)
                {
                    var d = ra.Date.Value - DateTimeOffset.UtcNow;
                    return d < TimeSpan.Zero ? TimeSpan.Zero : d;
                }
            }
            if (response.Headers.TryGetValues("Retry-After", out var values))
            {
                foreach (var v in values)
                {
                    if (double.TryParse(v.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double secs) && secs >= 0)
                        return TimeSpan.FromSeconds(secs);
                    if (DateTimeOffset.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var date))
                    {
                        var d = date - DateTimeOffset.UtcNow;
                        return d < TimeSpan.Zero ? TimeSpan.Zero : d;
                    }
                }
            }
            return null;
        }

        /// <summary>Keeps the first bytes read through it, for the debug log of a streamed reply.</summary>
        private sealed class DebugCaptureStream : Stream
        {
            private readonly Stream _inner;
            private readonly MemoryStream _start = new MemoryStream();
            private readonly int _max;
            public DebugCaptureStream(Stream inner, int max) { _inner = inner; _max = max; }
            public string Captured => Encoding.UTF8.GetString(_start.GetBuffer(), 0, (int)_start.Length);
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override int Read(byte[] buffer, int offset, int count)
            {
                int n = _inner.Read(buffer, offset, count);
                Keep(buffer, offset, n);
                return n;
            }
            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                int n = await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
                Keep(buffer, offset, n);
                return n;
            }
            private void Keep(byte[] buffer, int offset, int n)
            {
                int room = _max - (int)_start.Length;
                if (room > 0 && n > 0) _start.Write(buffer, offset, Math.Min(room, n));
            }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            protected override void Dispose(bool disposing)
            {
                if (disposing) _inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }
}
