using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Json;
using Newtonsoft.Json;

namespace CbDefense
{
    /// <summary>
    /// The raw API of a <see cref="Session"/> (cbapi's api_json_request, get_object, get_raw_data, post/put/delete_object,
    /// raise_unless_json), and the JSON plumbing the per-area services share. Every request goes through the session's
    /// one transport; every error is a CbApiException.
    /// </summary>
    public sealed partial class CbClient
    {
        private readonly Session _session;
        private readonly Transport _transport;

        internal CbClient(Session session, Transport transport)
        {
            _session = session;
            _transport = transport;
        }

        public Session Session => _session;

        internal Redactor Redactor => _transport.Redactor;

        // ---------------------------------------------------------------- raw API

        /// <summary>
        /// Sends a request (cbapi api_json_request). Query: list values become repeated keys, keys sorted, form-encoded.
        /// Body: serialized as JSON (POST/PUT/PATCH without a body send {}). Errors (status >= 400 after the retries,
        /// a JSON reply with errorMessage or success:false) throw; any other reply is returned.
        /// </summary>
        public Task<ApiResponse> SendAsync(HttpMethod method, string path, IDictionary<string, object?>? query, object? body, CallContext? ctx)
        {
            if (method == null) throw new ArgumentNullException(nameof(method));
            return SendJsonAsync(JsonRequest(method, path, query, body), ctx);
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

        // ---------------------------------------------------------------- plumbing for the services

        /// <summary>A request with the query encoded as cbapi does and, for POST/PUT/PATCH or a given body, a JSON body.</summary>
        internal CbRequest JsonRequest(HttpMethod method, string path, IDictionary<string, object?>? query, object? body)
        {
            string url = BuildPathAndQuery(path, query);
            if (body != null || method == HttpMethod.Post || method == HttpMethod.Put || method.Method == "PATCH")
                return CbRequest.Json(method, url, PlainJson.Serialize(body));
            return CbRequest.Create(method, url);
        }

        /// <summary>Sends a request and reads the whole reply as an <see cref="ApiResponse"/> (JSON parsed when it is JSON).</summary>
        internal Task<ApiResponse> SendJsonAsync(CbRequest request, CallContext? ctx) => _transport.SendAsync(request, ReadApiResponseAsync, ctx);

        /// <summary>Sends a request and lets <paramref name="read"/> parse the reply (status below 400).</summary>
        internal Task<T> SendAsync<T>(CbRequest request, ResponseReader<T> read, CallContext? ctx) => _transport.SendAsync(request, read, ctx);

        /// <summary>A JSON object reply as plain values; a reply that is not one is a CbInvalidResponseException.</summary>
        internal async Task<Dictionary<string, object?>> SendForObjectAsync(CbRequest request, CallContext? ctx)
        {
            var r = await SendJsonAsync(request, ctx).ConfigureAwait(false);
            if (r.Json is Dictionary<string, object?> d) return d;
            throw ErrorMapper.Invalid(r.Method, r.RequestUri, r.StatusCode, r.ReasonPhrase, r.ContentType,
                                      r.Text.Trim().Length == 0 ? "empty body where a JSON object was expected" : "not a JSON object", r.Text, null);
        }

        private async Task<ApiResponse> ReadApiResponseAsync(ResponseInfo info, Stream body, System.Threading.CancellationToken ct)
        {
            string text;
            using (var reader = new StreamReader(body, Encoding.UTF8, true, 65536))
                text = await reader.ReadToEndAsync().ConfigureAwait(false);
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
                    if (info.IsJsonMediaType)
                        throw ErrorMapper.Invalid(info.Method, info.Path, info.Status, info.Reason, info.ContentType,
                                                  "truncated or malformed JSON: " + Redactor.Redact(ex.Message), Redactor.Redact(text), Redactor.Scrub(ex));
                }
            }
            if (json is Dictionary<string, object?> d)
            {
                var err = ErrorMapper.FromSuccessBody(info.Method, info.Path, info.Status, d);
                if (err != null)
                {
                    err.ServerMessage = err.ServerMessage == null ? null : Redactor.Redact(err.ServerMessage);
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
        internal async Task<(List<T>? Items, ReplyEnvelope Envelope)> ReadListAsync<T>(
            ResponseInfo info, Stream body, string itemsKey, Func<Dictionary<string, object?>, T> map)
        {
            ReplyEnvelope env = new ReplyEnvelope();
            var items = await ParseJsonAsync(info, body, s => ListJsonReader.Read(s, itemsKey, map, out env)).ConfigureAwait(false);
            ErrorMapper.ThrowIfReportsFailure(info, env);
            return (items, env);
        }

        /// <summary>
        /// Reads a list reply like <see cref="ReadListAsync{T}"/>, handing each item to <paramref name="each"/> as soon as it is
        /// parsed instead of collecting the page (so the caller writes it while the rest arrives).
        /// </summary>
        internal async Task<ReplyEnvelope> ReadEachAsync(ResponseInfo info, Stream body, string itemsKey, Action<Dictionary<string, object?>> each)
        {
            ReplyEnvelope env = new ReplyEnvelope();
            await ParseJsonAsync(info, body, s => ListJsonReader.ReadEach(s, itemsKey, each, out env)).ConfigureAwait(false);
            ErrorMapper.ThrowIfReportsFailure(info, env);
            return env;
        }

        /// <summary>
        /// Checks that the reply has a JSON body, then reads it with <paramref name="read"/>; malformed or truncated JSON is a
        /// CbInvalidResponseException (which the transport retries for requests safe to repeat).
        /// </summary>
        internal async Task<T> ParseJsonAsync<T>(ResponseInfo info, Stream body, Func<Stream, T> read)
        {
            await EnsureJsonBodyAsync(info, body).ConfigureAwait(false);
            try
            {
                return read(body);
            }
            catch (JsonException ex)
            {
                throw await InvalidAsync(info, body, "truncated or malformed JSON: " + Redactor.Redact(ex.Message), Redactor.Scrub(ex)).ConfigureAwait(false);
            }
        }

        /// <summary>A list or object reply must be a 200 with a body: anything else (204, 202...) is an error naming the status.</summary>
        private async Task EnsureJsonBodyAsync(ResponseInfo info, Stream body)
        {
            if (info.Status != 200)
            {
                string text;
                using (var reader = new StreamReader(body, Encoding.UTF8, true, 4096, leaveOpen: true))
                    text = await reader.ReadToEndAsync().ConfigureAwait(false);
                throw new CbServerException("Unexpected reply " + info.Status + " (" + info.Reason + ") from API: " +
                                            ErrorMapper.Snippet(Redactor.Redact(text)) + " [" + info.Method + " " + info.Path + "]")
                { StatusCode = info.Status, Method = info.Method, RequestUri = info.Path };
            }
        }

        /// <summary>An invalid-reply error quoting the start of the body (when it can still be read).</summary>
        internal async Task<CbInvalidResponseException> InvalidAsync(ResponseInfo info, Stream body, string problem, Exception inner)
        {
            string start = "";
            if (body.CanSeek)
            {
                try
                {
                    body.Position = 0;
                    var buf = new byte[ErrorMapper.SnippetLength];
                    int n = await body.ReadAsync(buf, 0, buf.Length).ConfigureAwait(false);
                    start = Encoding.UTF8.GetString(buf, 0, n);
                }
                catch (Exception) { }
            }
            return ErrorMapper.Invalid(info.Method, info.Path, info.Status, info.Reason, info.ContentType, problem, Redactor.Redact(start), inner);
        }

        /// <summary>
        /// <c>&lt;prefix&gt;/orgs/{org_key}/&lt;tail&gt;</c>. Throws InvalidOperationException (before any request) when the
        /// session has no org key, naming what needs it.
        /// </summary>
        internal string OrgPath(string prefix, string tail, string what) =>
            prefix + "/orgs/" + Uri.EscapeDataString(RequireOrgKey(what)) + "/" + tail;

        /// <summary>The org key, or InvalidOperationException with what to do (the org routes need it; nothing is sent without it).</summary>
        internal string RequireOrgKey(string what)
        {
            string? org = _session.OrgKey;
            if (string.IsNullOrWhiteSpace(org))
                throw new InvalidOperationException(MissingOrgKeyMessage(_session, what));
            return org!;
        }

        internal static string MissingOrgKeyMessage(Session session, string what) =>
            "The session " + session.BaseUrl + " (API ID " + session.ApiId + ") has no org key, and " + what + " use" +
            (what.EndsWith("s", StringComparison.Ordinal) ? "" : "s") + " routes under /orgs/{org_key}/. Connect again with -OrgKey " +
            "(or org_key in the credentials profile). Nothing was sent.";

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
