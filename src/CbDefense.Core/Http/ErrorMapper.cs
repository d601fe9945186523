using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CbDefense.Json;

namespace CbDefense.Http
{
    internal static class ErrorMapper
    {
        internal const int SnippetLength = 500;

        public static string Snippet(string text)
        {
            string t = text.Trim();
            return t.Length <= SnippetLength ? t : t.Substring(0, SnippetLength) + "...";
        }

        /// <summary>
        /// What an HTML page says, in a line (its title, else its first heading, else its text without the markup), or null
        /// when the text is not HTML. A proxy's or gateway's error page quoted as markup tells the user nothing the title does not.
        /// </summary>
        public static string? HtmlSummary(string text)
        {
            string t = text.TrimStart();
            if (!(t.StartsWith("<!DOCTYPE html", StringComparison.OrdinalIgnoreCase) || t.IndexOf("<html", StringComparison.OrdinalIgnoreCase) >= 0))
                return null;
            string? Inner(string tag)
            {
                var m = System.Text.RegularExpressions.Regex.Match(t, "<" + tag + "[^>]*>(.*?)</" + tag + ">",
                    System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.Singleline);
                return m.Success ? Plain(m.Groups[1].Value) : null;
            }
            string? summary = Inner("title");
            if (string.IsNullOrEmpty(summary)) summary = Inner("h1");
            if (string.IsNullOrEmpty(summary))
            {
                string body = System.Text.RegularExpressions.Regex.Replace(t, "<(script|style)[^>]*>.*?</\\1>", " ",
                    System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.Singleline);
                summary = Plain(body);
            }
            if (summary!.Length > 200) summary = summary.Substring(0, 200) + "...";
            return "an HTML page, not the API's JSON (a proxy, load balancer or gateway answered" +
                   (summary.Length > 0 ? "): \"" + summary + "\"" : ")");
        }

        private static string Plain(string html)
        {
            string s = System.Text.RegularExpressions.Regex.Replace(html, "<[^>]*>", " ");
            s = System.Net.WebUtility.HtmlDecode(s);
            return System.Text.RegularExpressions.Regex.Replace(s, "\\s+", " ").Trim();
        }

        /// <summary>
        /// Added to the error of a request that is not safe to repeat (a POST that changes something) when it failed after it
        /// was sent: the server may have acted on it, so it was not retried, and the user must check before sending it again.
        /// </summary>
        public const string MayHaveApplied =
            ". The request is not safe to repeat, so it was not retried: the server may have applied it before the failure; check the result before running it again";

        /// <summary>The server's message from an error body: message, messages, errorMessage, error_code + message.</summary>
        public static string? ExtractMessage(object? json, out string? code)
        {
            code = null;
            if (!(json is Dictionary<string, object?> d)) return null;
            string? Str(string key) => d.TryGetValue(key, out var v) && v != null ? (v as string ?? Convert.ToString(v, CultureInfo.InvariantCulture)) : null;
            code = Str("error_code") ?? Str("errorCode") ?? Str("reason");
            var parts = new List<string>();
            var msg = Str("errorMessage");
            if (!string.IsNullOrEmpty(msg)) parts.Add(msg!);
            if (d.TryGetValue("message", out var m) && m != null)
            {
                string ms = m as string ?? Convert.ToString(m, CultureInfo.InvariantCulture)!;
                if (ms.Length > 0 && !parts.Contains(ms)) parts.Add(ms);
            }
            if (d.TryGetValue("messages", out var mm) && mm != null)
            {
                if (mm is List<object?> l) parts.AddRange(l.Where(x => x != null).Select(x => x is string s ? s : PlainJson.Serialize(x)));
                else if (mm is string s) parts.Add(s);
            }
            if (parts.Count == 0)
            {
                var e = Str("error");
                if (!string.IsNullOrEmpty(e)) parts.Add(e!);
            }
            string? text = parts.Count == 0 ? null : string.Join("; ", parts);
            if (code != null) text = text == null ? code : code + ": " + text;
            return text;
        }

        public static CbApiException FromStatus(string method, string path, int status, string? reasonPhrase, string text, Redactor redactor, string? note = null)
        {
            text = redactor.Redact(text);
            _ = PlainJson.TryParse(text, out var json);
            bool isJson = json != null;
            string? server = ExtractMessage(json, out var code);
            string? snippet = isJson ? null : (text.Trim().Length == 0 ? null : Snippet(text));
            string? html = isJson ? null : HtmlSummary(text);
            string detail = server ?? html ?? (snippet != null ? "\"" + snippet + "\"" : isJson ? Snippet(text) : "(empty body)");
            string st = status.ToString(CultureInfo.InvariantCulture) + (string.IsNullOrEmpty(reasonPhrase) ? "" : " (" + reasonPhrase + ")");
            string where = (note ?? "") + " [" + method + " " + path + "]";
            CbApiException ex;
            if (status >= 500)
                ex = new CbServerException("Received error code " + st + " from API: " + detail + where);
            else if (status == 410)
                ex = new CbRetiredApiException(RetiredMessage(path, st, detail) + where);
            else if (status == 404)
                ex = new CbObjectNotFoundException("Object not found (HTTP 404): " + detail + where);
            else if (status == 401)
                ex = new CbUnauthorizedException("Check your API credentials: " + detail + " (HTTP 401)" + where);
            else if (status == 400 && json is Dictionary<string, object?> jd && jd.TryGetValue("reason", out var rsn) && (rsn as string) == "query_malformed_syntax")
                ex = new CbQuerySyntaxException("Query syntax error: " + detail + " (HTTP 400)" + where);
            else if (status == 429)
                ex = new CbClientException("Received error code " + st + " from API (rate limited; retries exhausted): " + detail + where);
            else if (status >= 400)
                ex = new CbClientException("Received error code " + st + " from API: " + detail + where);
            else
                ex = new CbServerException("Unexpected reply " + st + " from API: " + detail + where);
            ex.StatusCode = status;
            ex.Method = method;
            ex.RequestUri = path;
            ex.ServerMessage = server;
            ex.ErrorCode = code;
            ex.ResponseSnippet = snippet;
            ex.BodyWasJson = isJson;
            if (json is Dictionary<string, object?> body && body.TryGetValue("status", out var st2) && st2 is string statusText) ex.ServerStatus = statusText;
            return ex;
        }

        /// <summary>
        /// The proxy asked for its own credentials (HTTP 407, as a reply or to the CONNECT of an https URL), or refused the
        /// ones given. Retrying cannot fix it, and the proxy's error page says nothing the message does not.
        /// </summary>
        public static CbClientException ProxyAuthenticationRequired(string method, string path, Uri? proxy, System.Net.NetworkCredential? credential, Exception? inner)
        {
            string who = "The proxy" + (proxy != null ? " " + proxy.GetLeftPart(UriPartial.Authority) : "");
            string text = credential == null
                ? who + " requires authentication (HTTP 407 Proxy Authentication Required) and no proxy credential was given: connect with " +
                  "-ProxyCredential, or put the user and password in the profile's proxy URL (proxy = http://user:password@host:port)."
                : who + " did not accept the proxy credential of user '" + credential.UserName + "' (HTTP 407 Proxy Authentication Required): " +
                  "check the user and password of -ProxyCredential (or of the profile's proxy URL).";
            return new CbClientException(text + " [" + method + " " + path + "]", inner) { StatusCode = 407, Method = method, RequestUri = path };
        }

        /// <summary>What to say about a route the server has switched off.</summary>
        internal static string RetiredMessage(string path, string status, string detail)
        {
            bool legacy = path.StartsWith("/integrationServices/", StringComparison.OrdinalIgnoreCase);
            string d = detail.TrimEnd();
            if (d.Length > 0 && ".!?".IndexOf(d[d.Length - 1]) < 0) d += ".";
            return "The server has retired this route (HTTP " + status.Replace(" (", " ").Replace(")", "") + "): " + d + " " +
                   (legacy
                       ? "Carbon Black switched the legacy v3 API off in 2024-2025. Connect with -ApiGeneration Current, the org key (-OrgKey) " +
                         "and an API key of access level Custom (API, SIEM and LIVE_RESPONSE keys were retired too)."
                       : "Check the module's release notes for the route that replaces it.");
        }

        /// <summary>
        /// A legacy collection route answered 404 with a JSON body: the route itself is gone (a v3 list route is never
        /// "not found" otherwise). Returns the retired-route error, or the original when the 404 is something else.
        /// </summary>
        internal static CbApiException RetiredIfGone(CbApiException ex)
        {
            if (ex is CbRetiredApiException || ex.StatusCode != 404 || !ex.BodyWasJson) return ex;
            return new CbRetiredApiException(RetiredMessage(ex.RequestUri ?? "/integrationServices/", "404", ex.ServerMessage ?? "not found") +
                                             " [" + ex.Method + " " + ex.RequestUri + "]", ex)
            {
                StatusCode = ex.StatusCode, Method = ex.Method, RequestUri = ex.RequestUri, ServerMessage = ex.ServerMessage, ErrorCode = ex.ErrorCode,
            };
        }

        /// <summary>A 2xx list or object reply whose envelope reports failure (errorMessage, or success:false): throws its error.</summary>
        internal static void ThrowIfReportsFailure(ResponseInfo info, ReplyEnvelope env)
        {
            if (env.ReportsFailure)
                throw SuccessFalse(info.Method, info.Path, info.Status, env.ErrorMessage ?? env.Message, null, env.HasErrorMessage);
        }

        /// <summary>A 2xx JSON object that reports failure (errorMessage, or success:false): the exception, else null.</summary>
        public static CbApiException? FromSuccessBody(string method, string path, int status, Dictionary<string, object?> body)
        {
            bool hasError = body.ContainsKey("errorMessage");
            bool failed = body.TryGetValue("success", out var s) && (s is bool b ? !b : s is string ss && FieldReader.TryParseBoolText(ss, out var pb) && !pb);
            if (!hasError && !failed) return null;
            string? server = ExtractMessage(body, out var code);
            return SuccessFalse(method, path, status, server, code, hasError);
        }

        public static CbApiException SuccessFalse(string method, string path, int status, string? server, string? code, bool errorMessage)
        {
            string what = errorMessage ? "an errorMessage" : "success: false";
            var ex = new CbServerException("The API reported a failure (" + what + ", HTTP " + status.ToString(CultureInfo.InvariantCulture) + "): " +
                                           (server ?? "(no message)") + " [" + method + " " + path + "]")
            {
                StatusCode = status, Method = method, RequestUri = path, ServerMessage = server, ErrorCode = code,
            };
            return ex;
        }

        public static CbInvalidResponseException Invalid(string method, string path, int status, string? reasonPhrase, string? contentType, string problem, string bodyStart, Exception? inner, string? note = null)
        {
            string st = status.ToString(CultureInfo.InvariantCulture) + (string.IsNullOrEmpty(reasonPhrase) ? "" : " (" + reasonPhrase + ")");
            string snip = Snippet(bodyStart);
            string? html = HtmlSummary(bodyStart);
            return new CbInvalidResponseException(
                "The server's reply is not valid JSON (" + problem + "); status " + st + ", content type " + (contentType ?? "none") +
                (html != null ? ": " + html : ", body starts: \"" + snip + "\"") + (note ?? "") + " [" + method + " " + path + "]", inner)
            {
                StatusCode = status, Method = method, RequestUri = path, ResponseSnippet = snip,
            };
        }
    }
}
