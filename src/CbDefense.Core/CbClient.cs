using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Json;
using Newtonsoft.Json;

namespace CbDefense
{
    /// <summary>
    /// The API client of a <see cref="Session"/>: raw JSON requests (cbapi's api_json_request, get_object, get_raw_data,
    /// post/put/delete_object, raise_unless_json) and the device calls. Every error is mapped to a CbApiException.
    /// </summary>
    public sealed partial class CbClient
    {
        public const string DevicePath = "/integrationServices/v3/device";

        private static readonly Random Jitter = new Random();
        private readonly Session _session;
        private readonly HttpClient _http;
        private readonly SessionOptions _options;

        internal CbClient(Session session, HttpClient http, SessionOptions options)
        {
            _session = session;
            _http = http;
            _options = options;
        }

        public Session Session => _session;

        // ---------------------------------------------------------------- raw API

        /// <summary>
        /// Sends a request (cbapi api_json_request). Query: list values become repeated keys, keys sorted, form-encoded.
        /// Body: serialized as JSON (POST/PUT/PATCH without a body send {}). Errors (status >= 400 after the retries,
        /// a JSON reply with errorMessage or success:false) throw; any other reply is returned.
        /// </summary>
        public Task<ApiResponse> SendAsync(HttpMethod method, string path, IDictionary<string, object?>? query, object? body, CallContext? ctx)
        {
            if (method == null) throw new ArgumentNullException(nameof(method));
            string url = BuildPathAndQuery(path, query);
            byte[]? content = null;
            if (body != null || method == HttpMethod.Post || method == HttpMethod.Put || method.Method == "PATCH")
                content = Encoding.UTF8.GetBytes(PlainJson.Serialize(body));
            return ExecuteAsync(method, url, content, ctx ?? CallContext.None, ReadApiResponseAsync);
        }

        /// <summary>cbapi get_object: 200 → the parsed JSON; 204 → null; anything else → error.</summary>
        public async Task<object?> GetObjectAsync(string path, IDictionary<string, object?>? query, CallContext? ctx)
        {
            var r = await SendAsync(HttpMethod.Get, path, query, null, ctx).ConfigureAwait(false);
            if (r.StatusCode == 204) return null;
            if (r.StatusCode != 200) throw UnexpectedStatus(r);
            if (!r.IsJson)
                throw ErrorMapper.Invalid(r.Method, r.RequestUri, r.StatusCode, r.ReasonPhrase, r.ContentType, "not JSON", r.Text, null);
            return r.Json;
        }

        /// <summary>cbapi get_raw_data: 200 → the body text; 204 → null; anything else → error.</summary>
        public async Task<string?> GetRawDataAsync(string path, IDictionary<string, object?>? query, CallContext? ctx)
        {
            var r = await SendAsync(HttpMethod.Get, path, query, null, ctx).ConfigureAwait(false);
            if (r.StatusCode == 204) return null;
            if (r.StatusCode != 200) throw UnexpectedStatus(r);
            return r.Text;
        }

        public Task<ApiResponse> PostObjectAsync(string path, object? body, CallContext? ctx) => SendAsync(HttpMethod.Post, path, null, body, ctx);
        public Task<ApiResponse> PutObjectAsync(string path, object? body, CallContext? ctx) => SendAsync(HttpMethod.Put, path, null, body, ctx);
        public Task<ApiResponse> PatchObjectAsync(string path, object? body, CallContext? ctx) => SendAsync(new HttpMethod("PATCH"), path, null, body, ctx);
        public Task<ApiResponse> DeleteObjectAsync(string path, CallContext? ctx) => SendAsync(HttpMethod.Delete, path, null, null, ctx);

        /// <summary>
        /// cbapi raise_unless_json: the status must be 200 and every expected key present and equal (JSON semantics),
        /// else CbServerException naming the key.
        /// </summary>
        public static void EnsureExpected(ApiResponse response, IDictionary<string, object?> expected)
        {
            if (response == null) throw new ArgumentNullException(nameof(response));
            if (expected == null) throw new ArgumentNullException(nameof(expected));
            CbServerException Fail(string why) => new CbServerException(why + " [" + response.Method + " " + response.RequestUri + "]")
            {
                StatusCode = response.StatusCode, Method = response.Method, RequestUri = response.RequestUri,
                ResponseSnippet = ErrorMapper.Snippet(response.Text),
            };
            if (response.StatusCode != 200)
                throw Fail("Expected HTTP 200 but received " + response.StatusCode + ": " + ErrorMapper.Snippet(response.Text));
            if (!(response.Json is Dictionary<string, object?> d))
                throw Fail("Expected a JSON object in the reply, got: " + ErrorMapper.Snippet(response.Text));
            foreach (var kv in expected)
            {
                if (!d.TryGetValue(kv.Key, out var actual))
                    throw Fail("The reply has no key '" + kv.Key + "' (expected " + PlainJson.Serialize(kv.Value) + ").");
                if (!PlainJson.JsonEquals(actual, kv.Value))
                    throw Fail("The reply's key '" + kv.Key + "' is " + PlainJson.Serialize(actual) + ", expected " + PlainJson.Serialize(kv.Value) + ".");
            }
        }

        // ---------------------------------------------------------------- plumbing

        internal readonly struct ResponseInfo
        {
            public ResponseInfo(string method, string path, int status, string? reason, string? contentType)
            {
                Method = method; Path = path; Status = status; Reason = reason; ContentType = contentType;
            }
            public string Method { get; }
            public string Path { get; }
            public int Status { get; }
            public string? Reason { get; }
            public string? ContentType { get; }
        }

        /// <summary>
        /// Sends a request through the pipeline (gate, retries, logging, auth), maps a status >= 400 to an exception and
        /// lets <paramref name="read"/> parse the buffered reply. An invalid (non-JSON, truncated) reply to a method safe to
        /// repeat is retried too, within the retry count and budget.
        /// </summary>
        internal async Task<T> ExecuteAsync<T>(HttpMethod method, string pathAndQuery, byte[]? body, CallContext ctx,
                                               Func<HttpResponseMessage, ResponseInfo, Task<T>> read)
        {
            _session.ThrowIfDisposed();
            var ct = ctx.CancellationToken;
            string safePath = _session.Redactor.Redact(pathAndQuery);
            var total = Stopwatch.StartNew();
            int retry = 0;
            int max = Math.Max(0, _options.MaximumRetryCount);
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                HttpResponseMessage response;
                using (var request = new HttpRequestMessage(method, _session.BaseUrl + pathAndQuery))
                {
                    if (body != null)
                    {
                        var content = new ByteArrayContent(body);
                        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                        request.Content = content;
                    }
                    RequestContext.Set(request, ctx);
                    try
                    {
                        response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                    }
                    catch (CbApiException) { throw; }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
                    catch (ObjectDisposedException) when (_session.IsDisposed) { _session.ThrowIfDisposed(); throw; }
                    catch (Exception ex) when (RequestContext.IsConnectionFailure(ex) || ex is OperationCanceledException)
                    {
                        string host = _session.Uri.GetLeftPart(UriPartial.Authority);
                        throw new CbConnectionException("Received a network connection error from " + host + ": " +
                                                        _session.Redactor.Redact(Flatten(ex)) + " [" + method.Method + " " + safePath + "]", ex)
                        { Method = method.Method, RequestUri = safePath };
                    }
                }
                using (response)
                {
                    var info = new ResponseInfo(method.Method, safePath, (int)response.StatusCode, response.ReasonPhrase,
                                                response.Content?.Headers.ContentType?.MediaType);
                    if (info.Status >= 400)
                    {
                        string text = response.Content == null ? "" : await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                        throw ErrorMapper.FromStatus(info.Method, info.Path, info.Status, info.Reason, text, _session.Redactor);
                    }
                    try
                    {
                        return await read(response, info).ConfigureAwait(false);
                    }
                    catch (CbInvalidResponseException ex) when (RequestContext.IsSafeToRepeat(method) && retry < max)
                    {
                        var wait = Backoff(retry);
                        if (total.Elapsed + wait > _options.RetryBudget) throw;
                        retry++;
                        var log = ctx.Log;
                        if (log != null)
                        {
                            string m = "Waiting " + RetryHandler.Secs(wait) + " s before retry " + retry + "/" + max + " of " +
                                       method.Method + " " + safePath + ": invalid response (" + FirstLine(ex.Message) + ")";
                            LoggingHandler.SafeLog(() => log.Verbose(m));
                        }
                        await Task.Delay(wait, ct).ConfigureAwait(false);
                    }
                }
            }
        }

        private static string FirstLine(string s)
        {
            int i = s.IndexOf(';');
            return i > 0 ? s.Substring(0, i) : s;
        }

        private static string Flatten(Exception ex)
        {
            var parts = new List<string>();
            for (var e = ex; e != null && parts.Count < 4; e = e.InnerException)
                if (!parts.Contains(e.Message)) parts.Add(e.Message);
            return string.Join(" ", parts);
        }

        private TimeSpan Backoff(int retry)
        {
            double ms = Math.Min(_options.MaximumBackoff.TotalMilliseconds, _options.BaseBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 30)));
            double r;
            lock (Jitter) r = Jitter.NextDouble();
            return TimeSpan.FromMilliseconds(ms * (0.5 + 0.5 * r));
        }

        private async Task<ApiResponse> ReadApiResponseAsync(HttpResponseMessage resp, ResponseInfo info)
        {
            string text = resp.Content == null ? "" : await resp.Content.ReadAsStringAsync().ConfigureAwait(false);
            object? json = null;
            bool isJson = false;
            if (text.Trim().Length > 0)
            {
                try
                {
                    json = PlainJson.Parse(text);
                    isJson = true;
                }
                catch (JsonException ex)
                {
                    if (IsJsonMediaType(info.ContentType))
                        throw ErrorMapper.Invalid(info.Method, info.Path, info.Status, info.Reason, info.ContentType,
                                                  "truncated or malformed JSON: " + ex.Message, _session.Redactor.Redact(text), ex);
                }
            }
            if (json is Dictionary<string, object?> d)
            {
                var err = ErrorMapper.FromSuccessBody(info.Method, info.Path, info.Status, d);
                if (err != null)
                {
                    err.ServerMessage = err.ServerMessage == null ? null : _session.Redactor.Redact(err.ServerMessage);
                    throw err;
                }
            }
            return new ApiResponse(info.Method, info.Path, info.Status, info.Reason, info.ContentType, text, json, isJson);
        }

        /// <summary>
        /// Reads a v3 list reply (<c>{"success":..., "&lt;itemsKey&gt;": [...]}</c>) item by item into models; a malformed or
        /// truncated body is a CbInvalidResponseException (retried for safe methods), success:false or errorMessage an error.
        /// Returns null items when the list is null or absent.
        /// </summary>
        private async Task<(List<T>? Items, ListJsonReader.Envelope Envelope)> ReadListAsync<T>(
            HttpResponseMessage resp, ResponseInfo info, string itemsKey, Func<Dictionary<string, object?>, T> map)
        {
            var stream = await OpenJsonAsync(resp, info).ConfigureAwait(false);
            List<T>? items;
            ListJsonReader.Envelope env;
            try
            {
                items = ListJsonReader.Read(stream, itemsKey, map, out env);
            }
            catch (JsonException ex)
            {
                throw await InvalidAsync(resp, info, "truncated or malformed JSON: " + ex.Message, ex).ConfigureAwait(false);
            }
            if (env.HasErrorMessage || env.Success == false)
                throw ErrorMapper.SuccessFalse(info.Method, info.Path, info.Status, env.ErrorMessage ?? env.Message, null, env.HasErrorMessage);
            return (items, env);
        }

        private async Task<Stream> OpenJsonAsync(HttpResponseMessage resp, ResponseInfo info)
        {
            if (info.Status != 200)
            {
                string text = resp.Content == null ? "" : await resp.Content.ReadAsStringAsync().ConfigureAwait(false);
                throw new CbServerException("Unexpected reply " + info.Status + " (" + info.Reason + ") from API: " +
                                            ErrorMapper.Snippet(_session.Redactor.Redact(text)) + " [" + info.Method + " " + info.Path + "]")
                { StatusCode = info.Status, Method = info.Method, RequestUri = info.Path };
            }
            if (resp.Content == null)
                throw ErrorMapper.Invalid(info.Method, info.Path, info.Status, info.Reason, info.ContentType, "empty body", "", null);
            return await resp.Content.ReadAsStreamAsync().ConfigureAwait(false);
        }

        private async Task<CbInvalidResponseException> InvalidAsync(HttpResponseMessage resp, ResponseInfo info, string problem, Exception inner)
        {
            string start = "";
            try { start = await LoggingHandler.ReadStartAsync(resp.Content!, ErrorMapper.SnippetLength).ConfigureAwait(false); }
            catch (Exception) { }
            return ErrorMapper.Invalid(info.Method, info.Path, info.Status, info.Reason, info.ContentType, problem,
                                       _session.Redactor.Redact(start), inner);
        }

        private static bool IsJsonMediaType(string? mt) =>
            mt != null && (mt.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mt.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

        private static CbApiException UnexpectedStatus(ApiResponse r) =>
            new CbServerException("Unknown error: unexpected HTTP " + r.StatusCode + " (" + r.ReasonPhrase + "): " + ErrorMapper.Snippet(r.Text) +
                                  " [" + r.Method + " " + r.RequestUri + "]")
            { StatusCode = r.StatusCode, Method = r.Method, RequestUri = r.RequestUri, ResponseSnippet = ErrorMapper.Snippet(r.Text) };

        /// <summary>Path (leading '/' added) plus the query: sorted keys, list values repeated, form-encoded (space → '+').</summary>
        internal string BuildPathAndQuery(string path, IDictionary<string, object?>? query)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("A path is required, e.g. /integrationServices/v3/device.", nameof(path));
            path = path.Trim();
            if (path.StartsWith(_session.BaseUrl + "/", StringComparison.OrdinalIgnoreCase))
                path = path.Substring(_session.BaseUrl.Length);
            else if (path.IndexOf("://", StringComparison.Ordinal) >= 0)
                throw new ArgumentException("The path must be relative to the session's server (" + _session.BaseUrl + "), e.g. /integrationServices/v3/device.", nameof(path));
            if (!path.StartsWith("/", StringComparison.Ordinal)) path = "/" + path;
            string qs = BuildQuery(query);
            if (qs.Length == 0) return path;
            return path + (path.IndexOf('?') >= 0 ? "&" : "?") + qs;
        }

        internal static string BuildQuery(IDictionary<string, object?>? query)
        {
            if (query == null || query.Count == 0) return "";
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (var kv in query)
            {
                if (kv.Value is IEnumerable e && !(kv.Value is string))
                {
                    foreach (var item in e) pairs.Add(new KeyValuePair<string, string>(kv.Key, FormatValue(item)));
                }
                else pairs.Add(new KeyValuePair<string, string>(kv.Key, FormatValue(kv.Value)));
            }
            // cbapi sorts the (key, value) pairs.
            pairs.Sort((a, b) =>
            {
                int c = string.CompareOrdinal(a.Key, b.Key);
                return c != 0 ? c : string.CompareOrdinal(a.Value, b.Value);
            });
            return string.Join("&", pairs.Select(p => FormEncode(p.Key) + "=" + FormEncode(p.Value)));
        }

        private static string FormatValue(object? v)
        {
            switch (v)
            {
                case null: return "";
                case string s: return s;
                case bool b: return b ? "true" : "false";
                case DateTime dt:
                    return (dt.Kind == DateTimeKind.Local ? dt.ToUniversalTime() : dt).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                case DateTimeOffset dto: return dto.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
                case IFormattable f: return f.ToString(null, CultureInfo.InvariantCulture);
                default: return v.ToString() ?? "";
            }
        }

        private static string FormEncode(string s)
        {
            var sb = new StringBuilder(s.Length + 8);
            foreach (byte b in Encoding.UTF8.GetBytes(s))
            {
                char c = (char)b;
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~')
                    sb.Append(c);
                else if (c == ' ') sb.Append('+');
                else sb.Append('%').Append(((int)b).ToString("X2", CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }
    }
}
