using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace CbDefense.Http
{
    internal static class RequestContext
    {
        internal const string PropertyKey = "CbDefense.CallContext";

        public static CallContext? Get(HttpRequestMessage request) =>
            request.Properties.TryGetValue(PropertyKey, out var v) ? v as CallContext : null;

        public static void Set(HttpRequestMessage request, CallContext ctx) => request.Properties[PropertyKey] = ctx;

        public static string Describe(HttpRequestMessage request) =>
            request.Method.Method + " " + (request.RequestUri?.PathAndQuery ?? "");

        public static bool IsSafeToRepeat(HttpMethod m) =>
            m == HttpMethod.Get || m == HttpMethod.Head || m == HttpMethod.Put || m == HttpMethod.Delete || m == HttpMethod.Options;

        public static bool IsConnectionFailure(Exception ex) =>
            ex is HttpRequestException || ex is IOException || ex is SocketException || ex is WebException;
    }

    /// <summary>Replaces the secret in any text.</summary>
    internal sealed class Redactor
    {
        private readonly string _secret;
        public Redactor(string secret) { _secret = secret; }
        public const string Mask = "***REDACTED***";
        public string Redact(string? text)
        {
            if (string.IsNullOrEmpty(text)) return text ?? "";
            return _secret.Length == 0 || text!.IndexOf(_secret, StringComparison.Ordinal) < 0 ? text! : text!.Replace(_secret, Mask);
        }
    }

    /// <summary>The session-wide throttle window: while it is open no request of the session is sent.</summary>
    internal sealed class ThrottleGate
    {
        private readonly object _lock = new object();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _openAtTicks; // in Stopwatch-elapsed TimeSpan ticks

        public TimeSpan Remaining
        {
            get
            {
                lock (_lock)
                {
                    long r = _openAtTicks - _clock.Elapsed.Ticks;
                    return r > 0 ? TimeSpan.FromTicks(r) : TimeSpan.Zero;
                }
            }
        }

        /// <summary>Keeps the gate closed for at least <paramref name="wait"/> from now.</summary>
        public void Penalize(TimeSpan wait)
        {
            lock (_lock)
            {
                long until = _clock.Elapsed.Ticks + wait.Ticks;
                if (until > _openAtTicks) _openAtTicks = until;
            }
        }

        /// <summary>Waits until the window is over (it may be extended meanwhile). Returns the time waited.</summary>
        public async Task<TimeSpan> WaitAsync(CancellationToken ct)
        {
            var waited = TimeSpan.Zero;
            while (true)
            {
                var r = Remaining;
                if (r <= TimeSpan.Zero) return waited;
                var sw = Stopwatch.StartNew();
                await Task.Delay(r, ct).ConfigureAwait(false);
                waited += sw.Elapsed;
            }
        }
    }

    /// <summary>Adds X-Auth-Token, User-Agent and Accept.</summary>
    internal sealed class AuthHandler : DelegatingHandler
    {
        private readonly string _token;
        private readonly string _userAgent;
        public AuthHandler(string token, string userAgent) { _token = token; _userAgent = userAgent; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Remove("X-Auth-Token");
            request.Headers.TryAddWithoutValidation("X-Auth-Token", _token);
            request.Headers.Remove("User-Agent");
            request.Headers.TryAddWithoutValidation("User-Agent", _userAgent);
            if (request.Headers.Accept.Count == 0)
                request.Headers.TryAddWithoutValidation("Accept", "application/json");
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>
    /// One attempt: buffers the response body (so a reset mid-body fails the attempt and can be retried) and writes
    /// one verbose line (method, path+query, status, ms); debug: the bodies, truncated, with the secret redacted.
    /// </summary>
    internal sealed class LoggingHandler : DelegatingHandler
    {
        internal const int MaxDebugBody = 4096;
        private readonly Redactor _redactor;
        private readonly string _apiId;
        public LoggingHandler(Redactor redactor, string apiId) { _redactor = redactor; _apiId = apiId; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var log = RequestContext.Get(request)?.Log;
            string desc = _redactor.Redact(RequestContext.Describe(request));
            if (log != null)
            {
                var sb = new StringBuilder();
                sb.Append("HTTP request: ").Append(desc).Append(" (X-Auth-Token: ").Append(Redactor.Mask).Append('/').Append(_apiId).Append(')');
                if (request.Content != null)
                {
                    string body = await request.Content.ReadAsStringAsync().ConfigureAwait(false);
                    sb.Append("\nBody: ").Append(Truncate(_redactor.Redact(body)));
                }
                SafeLog(() => log.Debug(sb.ToString()));
            }
            var sw = Stopwatch.StartNew();
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.Content != null)
                {
                    try
                    {
                        using (cancellationToken.Register(r => ((HttpResponseMessage)r!).Dispose(), response))
                        {
                            var original = response.Content;
                            response.Content = await PooledBufferContent.LoadAsync(original, cancellationToken).ConfigureAwait(false);
                            original.Dispose();
                        }
                    }
                    catch (Exception)
                    {
                        response.Dispose();
                        cancellationToken.ThrowIfCancellationRequested();
                        throw;
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
            catch (Exception ex)
            {
                if (log != null)
                {
                    string what = ex is OperationCanceledException ? "cancelled or timed out" : "failed: " + ex.GetType().Name + ": " + ex.Message;
                    string line = desc + " -> " + _redactor.Redact(what) + " (" + sw.ElapsedMilliseconds + " ms)";
                    SafeLog(() => log.Verbose(line));
                }
                throw;
            }
            if (log != null)
            {
                string line = desc + " -> " + (int)response.StatusCode + " " + response.ReasonPhrase + " (" + sw.ElapsedMilliseconds + " ms)";
                SafeLog(() => log.Verbose(line));
                if (response.Content != null)
                {
                    string snippet = await ReadStartAsync(response.Content, MaxDebugBody).ConfigureAwait(false);
                    string dbg = "HTTP response: " + desc + " -> " + (int)response.StatusCode + ", " +
                                 (response.Content.Headers.ContentLength ?? 0) + " bytes, " +
                                 (response.Content.Headers.ContentType?.ToString() ?? "no content type") +
                                 "\nBody: " + _redactor.Redact(snippet);
                    SafeLog(() => log.Debug(dbg));
                }
            }
            return response;
        }

        internal static async Task<string> ReadStartAsync(HttpContent content, int maxChars)
        {
            var stream = await content.ReadAsStreamAsync().ConfigureAwait(false);
            if (stream.CanSeek) stream.Position = 0;
            var buf = new byte[maxChars];
            int n = 0;
            while (n < buf.Length)
            {
                int k = await stream.ReadAsync(buf, n, buf.Length - n).ConfigureAwait(false);
                if (k == 0) break;
                n += k;
            }
            if (stream.CanSeek) stream.Position = 0;
            bool more = !stream.CanSeek || stream.Length > n;
            string s = Encoding.UTF8.GetString(buf, 0, n);
            return more ? s + "... (truncated)" : s;
        }

        private static string Truncate(string s) => s.Length <= MaxDebugBody ? s : s.Substring(0, MaxDebugBody) + "... (truncated)";

        internal static void SafeLog(Action a)
        {
            try { a(); } catch (Exception) { /* a failing sink must not fail the request */ }
        }
    }

    /// <summary>
    /// The session's throttle gate, per-attempt timeout and retries: 429 and 503 for any method; connection
    /// failures, 502 and 504 only for methods safe to repeat. Jittered exponential backoff bounded by the
    /// maximum retry count and the total retry budget.
    /// </summary>
    internal sealed class RetryHandler : DelegatingHandler
    {
        private static readonly Random Jitter = new Random();
        private readonly ThrottleGate _gate;
        private readonly SessionOptions _options;

        public RetryHandler(ThrottleGate gate, SessionOptions options) { _gate = gate; _options = options; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var log = RequestContext.Get(request)?.Log;
            string desc = RequestContext.Describe(request);
            bool safe = RequestContext.IsSafeToRepeat(request.Method);
            int max = Math.Max(0, _options.MaximumRetryCount);
            var total = Stopwatch.StartNew();
            int retry = 0;
            bool selfPenalized = false;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var waited = await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (waited > TimeSpan.Zero && !selfPenalized && log != null)
                {
                    string m = "Waited " + Secs(waited) + " s before " + desc + ": the session is rate limited (429).";
                    LoggingHandler.SafeLog(() => log.Verbose(m));
                }
                selfPenalized = false;

                HttpResponseMessage? response = null;
                ExceptionDispatchInfo? failure = null;
                using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    if (_options.TimeoutSec > 0) attempt.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSec));
                    try
                    {
                        response = await base.SendAsync(request, attempt.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested && attempt.IsCancellationRequested)
                    {
                        throw new CbTimeoutException(
                            "The request " + desc + " timed out after " + _options.TimeoutSec + " s (TimeoutSec).", ex)
                        { Method = request.Method.Method, RequestUri = request.RequestUri?.PathAndQuery };
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested && RequestContext.IsConnectionFailure(ex))
                    {
                        failure = ExceptionDispatchInfo.Capture(ex);
                    }
                }

                TimeSpan wait;
                string reason;
                bool penalize = false;
                if (response != null)
                {
                    int s = (int)response.StatusCode;
                    if (s == 429)
                    {
                        wait = RetryAfter(response) ?? _options.DefaultRetryAfter;
                        penalize = true;
                    }
                    else if (s == 503)
                    {
                        var ra = RetryAfter(response);
                        var b = Backoff(retry);
                        wait = ra.HasValue && ra.Value > b ? ra.Value : b;
                    }
                    else if ((s == 502 || s == 504) && safe)
                    {
                        wait = Backoff(retry);
                    }
                    else
                    {
                        return response;
                    }
                    reason = s + " " + response.ReasonPhrase;
                }
                else
                {
                    var ex = failure!.SourceException;
                    if (!safe) failure.Throw();
                    wait = Backoff(retry);
                    reason = "connection failure: " + ex.GetType().Name + ": " + ex.Message;
                }

                if (penalize)
                {
                    // Every request of the session waits out the penalty, even when this one gives up.
                    _gate.Penalize(wait);
                }
                if (retry >= max || total.Elapsed + wait > _options.RetryBudget)
                {
                    if (log != null && max > 0)
                    {
                        string m = "Giving up on " + desc + " after " + retry + " retr" + (retry == 1 ? "y" : "ies") +
                                   " (" + Secs(total.Elapsed) + " s): " + reason;
                        LoggingHandler.SafeLog(() => log.Verbose(m));
                    }
                    if (response != null) return response;
                    failure!.Throw();
                }
                retry++;
                if (penalize)
                {
                    var remaining = _gate.Remaining;
                    if (remaining > wait) wait = remaining;
                    selfPenalized = true;
                }
                if (log != null)
                {
                    string m = "Waiting " + Secs(wait) + " s before retry " + retry + "/" + max + " of " + desc + ": " + reason;
                    LoggingHandler.SafeLog(() => log.Verbose(m));
                }
                response?.Dispose();
                if (!penalize)
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
        }

        internal static string Secs(TimeSpan t) => t.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

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
    }
}
