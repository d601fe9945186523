using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Core.Tests
{
    /// <summary>
    /// The xunit side of the tests' secret guard: whatever a server answers (even when it echoes the key back, in a
    /// JSON message, an HTML page or a header) and however a request fails, Core's log lines (verbose, debug,
    /// warnings) and its exceptions (messages, inner exceptions, ToString) never hold the secret, plain, URL-encoded or
    /// base64, on either generation.
    /// </summary>
    public class SecretGuardTests
    {
        private static readonly string Token = Fake.Secret + "/" + Fake.ApiId;

        private static IEnumerable<string> Forms()
        {
            yield return Fake.Secret;
            yield return Uri.EscapeDataString(Token);
            yield return Convert.ToBase64String(Encoding.UTF8.GetBytes(Fake.Secret));
            yield return Convert.ToBase64String(Encoding.UTF8.GetBytes(Token));
        }

        private static void AssertClean(string where, string text)
        {
            foreach (var f in Forms())
                Assert.False(text.Contains(f, StringComparison.OrdinalIgnoreCase), where + " holds the secret (" + f.Substring(0, 6) + "...): " + text.Replace(f, "<SECRET>"));
        }

        public static IEnumerable<object[]> Replies()
        {
            foreach (var generation in new[] { ApiGeneration.Legacy, ApiGeneration.Current })
            {
                foreach (var reply in new[] { "echo-200", "json-400", "json-401", "json-403", "json-404", "html-500", "html-502", "truncated", "reset", "header-echo", "timeout" })
                    yield return new object[] { generation, reply };
            }
        }

        private static Task<HttpResponseMessage> Answer(RecordedRequest request, string reply, CancellationToken ct)
        {
            string echo = "key " + Token + " (" + Uri.EscapeDataString(Token) + ")";
            switch (reply)
            {
                case "echo-200": return Task.FromResult(FakeHandler.Json(200, "{\"success\":true,\"results\":[],\"token\":\"" + Token + "\"}"));
                case "json-400": return Task.FromResult(FakeHandler.Json(400, "{\"success\":false,\"message\":\"bad request with " + echo + "\",\"error_code\":\"INVALID\"}"));
                case "json-401": return Task.FromResult(FakeHandler.Json(401, "{\"success\":false,\"message\":\"Invalid API key " + echo + "\"}"));
                case "json-403": return Task.FromResult(FakeHandler.Json(403, "{\"message\":\"Forbidden for " + echo + "\"}"));
                case "json-404": return Task.FromResult(FakeHandler.Json(404, "{\"error_code\":\"NOT_FOUND\",\"message\":\"No such thing for " + echo + "\"}"));
                case "html-500": return Task.FromResult(FakeHandler.Text(500, "<html><body><h1>Internal error</h1><pre>X-Auth-Token: " + Token + "</pre></body></html>", "text/html"));
                case "html-502": return Task.FromResult(FakeHandler.Text(502, "<html><title>Bad gateway</title>" + echo + "</html>", "text/html"));
                case "truncated": return Task.FromResult(FakeHandler.Json(200, "{\"success\":true,\"message\":\"" + echo + "\",\"results\":[{\"id\":1,"));
                // .NET names the request's URI in some transport messages: one the user typed may hold the key.
                case "reset": throw new HttpRequestException("Error while copying content to a stream for " + request.Uri, new System.IO.IOException("Connection reset by peer"));
                case "header-echo":
                    return Task.FromResult(FakeHandler.Json(500, "{\"message\":\"oops\"}", r => r.Headers.TryAddWithoutValidation("X-Echo-Token", Token)));
                default: return Task.Delay(TimeSpan.FromSeconds(30), ct).ContinueWith(_ => FakeHandler.Json(200, "{}"), TaskScheduler.Default);
            }
        }

        [Theory]
        [MemberData(nameof(Replies))]
        public async Task NoLogLineOrExceptionHoldsTheSecret(ApiGeneration generation, string reply)
        {
            var h = new FakeHandler((r, ct) => Answer(r, reply, ct));
            using var s = Fake.Session(h, o => { o.ApiGeneration = generation; o.TimeoutSec = 1; o.MaximumRetryCount = 1; });
            var log = new ListLog();
            var ctx = new CallContext(default, log);
            var c = s.GetClient();
            var calls = new List<Func<Task>>
            {
                () => c.GetObjectAsync("/integrationServices/v3/device?rows=1", null, ctx),
                // A path the user typed with the key in it (Invoke-CbApi -Path): it must not come back in errors.
                () => c.GetObjectAsync("/integrationServices/v3/device?token=" + Uri.EscapeDataString(Token), null, ctx),
                () => c.PostObjectAsync("/appservices/v6/orgs/ORG1/alerts/_search", new Dictionary<string, object?> { ["rows"] = 1 }, ctx),
            };
            foreach (var call in calls)
            {
                try { await call(); }
                catch (Exception ex)
                {
                    for (var e = ex; e != null; e = e.InnerException)
                    {
                        AssertClean(reply + ": " + e.GetType().Name + ".Message", e.Message);
                        foreach (System.Collections.DictionaryEntry d in e.Data) AssertClean(reply + ": exception data", d.Key + "=" + d.Value);
                    }
                    AssertClean(reply + ": exception ToString()", ex.ToString());
                    if (ex is CbApiException api) AssertClean(reply + ": the server message", (api.ServerMessage ?? "") + " " + (api.RecommendedAction ?? "") + " " + (api.ResponseSnippet ?? ""));
                }
            }
            Assert.True(h.Count > 0);
            AssertClean(reply + ": the log", log.All);
        }

        [Fact]
        public void TheRedactorMasksEveryFormAndScrubsOnlyExceptionsThatNeedIt()
        {
            var r = new CbDefense.Http.Redactor("Ab+cd=Ef0123456789", "ID7");
            string b64 = Convert.ToBase64String(Encoding.UTF8.GetBytes("Ab+cd=Ef0123456789/ID7"));
            string text = r.Redact("q=Ab%2Bcd%3DEf0123456789 raw Ab+cd=Ef0123456789 lower ab+cd=ef0123456789 basic " + b64);
            Assert.Equal("q=***REDACTED*** raw ***REDACTED*** lower ***REDACTED*** basic ***REDACTED***", text);
            var clean = new InvalidOperationException("nothing secret");
            Assert.Same(clean, r.Scrub(clean));
            var dirty = new HttpRequestException("outer", new System.IO.IOException("for https://x/?k=Ab%2Bcd%3DEf0123456789"));
            var scrubbed = r.Scrub(dirty);
            Assert.IsType<CbDefense.RedactedException>(scrubbed);
            Assert.Equal("outer", scrubbed.Message);
            Assert.Equal("System.IO.IOException", ((CbDefense.RedactedException)scrubbed.InnerException!).OriginalType);
            Assert.DoesNotContain("Ab%2Bcd", scrubbed.ToString());
        }
    }
}
