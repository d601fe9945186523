using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Core.Tests
{
    public class PipelineTests
    {
        private const string Ok = "{\"success\":true,\"message\":\"Success\",\"value\":1}";

        [Fact]
        public async Task SendsAuthAndUserAgentHeaders()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, Ok));
            using var s = Fake.Session(h, o => o.IntegrationName = "Runbook");
            await s.GetClient().GetObjectAsync("/integrationServices/v3/policy", null, null);
            var r = h.List.Single();
            Assert.Equal(Fake.Secret + "/" + Fake.ApiId, r.Headers["X-Auth-Token"]);
            Assert.Equal("CbDefense-PowerShell/1.2.3 Runbook", r.Headers["User-Agent"]);
            Assert.Equal("https://cb.example.com/integrationServices/v3/policy", r.Uri.AbsoluteUri);
        }

        [Fact]
        public void SessionPropertiesNeverHoldTheSecret()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, Ok));
            using var s = Fake.Session(h, o => o.ProfileName = "prod");
            Assert.Equal("https://cb.example.com", s.Uri.ToString());
            Assert.Equal("https://cb.example.com (API ID APIID42, org ORG1)", s.ToString());
            Assert.Equal("ORG1", s.OrgKey);
            Assert.Equal("prod", s.ProfileName);
            Assert.Equal(DateTimeKind.Utc, s.ConnectedAtUtc.Kind);
            Assert.Equal(DateTimeKind.Local, s.ConnectedAt.Kind);
            foreach (var p in typeof(Session).GetProperties())
            {
                var v = p.GetValue(s);
                Assert.DoesNotContain(Fake.Secret, v?.ToString() ?? "");
            }
            var json = Newtonsoft.Json.JsonConvert.SerializeObject(s);
            Assert.DoesNotContain(Fake.Secret, json);
            using var s2 = Fake.Session(h);
            Assert.True(s2.Id > s.Id);
        }

        [Theory]
        [InlineData("http://cb.example.com", false)]
        [InlineData("ftp://cb.example.com", false)]
        [InlineData("http://127.0.0.1:5000", true)]
        [InlineData("http://127.5.0.1:5000", true)]
        [InlineData("http://localhost:5000", true)]
        [InlineData("http://[::1]:5000", true)]
        [InlineData("https://cb.example.com/", true)]
        public void HttpsRequiredUnlessLoopback(string url, bool ok)
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, Ok));
            if (ok) { using var s = Fake.Session(h, o => o.Uri = new Uri(url)); Assert.False(s.Uri.ToString().EndsWith('/')); }
            else
            {
                var ex = Assert.Throws<ArgumentException>(() => Fake.Session(h, o => o.Uri = new Uri(url)));
                if (url.StartsWith("http:")) Assert.Contains("-AllowUnencryptedAuthentication", ex.Message);
            }
        }

        [Fact]
        public void AllowUnencryptedAuthentication()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, Ok));
            using var s = Fake.Session(h, o => { o.Uri = new Uri("http://cb.example.com"); o.AllowUnencryptedAuthentication = true; });
            Assert.Equal("http://cb.example.com", s.Uri.ToString());
        }

        [Fact]
        public async Task QueryIsSortedRepeatedAndFormEncoded()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, Ok));
            using var s = Fake.Session(h);
            await s.GetClient().SendAsync(HttpMethod.Get, "integrationServices/v3/event", new Dictionary<string, object?>
            {
                ["zeta"] = "a b&c", ["alpha"] = new[] { "2", "1" }, ["rows"] = 10, ["flag"] = true,
            }, null, null);
            Assert.Equal("/integrationServices/v3/event?alpha=1&alpha=2&flag=true&rows=10&zeta=a+b%26c", h.List[0].Uri.PathAndQuery);
        }

        [Fact]
        public async Task PostWithoutBodySendsEmptyObjectAndDictionaryBodies()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, Ok));
            using var s = Fake.Session(h);
            var c = s.GetClient();
            await c.PostObjectAsync("/x", null, null);
            await c.PutObjectAsync("/x", new Dictionary<string, object?> { ["policyInfo"] = new Dictionary<string, object?> { ["name"] = "n", ["id"] = 5L } }, null);
            await c.PostObjectAsync("/x", new RawJson("{\"raw\":true}"), null);
            await c.DeleteObjectAsync("/x", null);
            var l = h.List;
            Assert.Equal("{}", l[0].Body);
            Assert.StartsWith("application/json", l[0].Headers["Content-Type"]);
            Assert.Equal("{\"policyInfo\":{\"name\":\"n\",\"id\":5}}", l[1].Body);
            Assert.Equal("{\"raw\":true}", l[2].Body);
            Assert.Null(l[3].Body);
        }

        [Fact]
        public async Task AbsoluteUrlToAnotherHostIsRefused()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, Ok));
            using var s = Fake.Session(h);
            await Assert.ThrowsAsync<ArgumentException>(() => s.GetClient().GetObjectAsync("https://evil.example.com/x", null, null));
            await s.GetClient().GetObjectAsync("https://cb.example.com/ok", null, null);
            Assert.Equal("/ok", h.List.Single().Uri.PathAndQuery);
        }

        [Fact]
        public async Task ParsedJsonIsPlainDotNet()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, "{\"b\":1,\"a\":[1.5,\"x\",true,null,{\"n\":9999999999}]}"));
            using var s = Fake.Session(h);
            var o = await s.GetClient().GetObjectAsync("/x", null, null);
            var d = Assert.IsType<PlainMap>(o);                    // a Dictionary<string, object?> that prints as JSON
            Assert.IsAssignableFrom<Dictionary<string, object?>>(o);
            Assert.Equal(new[] { "b", "a" }, d.Keys.ToArray());
            Assert.Equal(1L, d["b"]);
            var l = Assert.IsType<PlainList>(d["a"]);              // a List<object?> that prints as JSON
            Assert.IsAssignableFrom<List<object?>>(d["a"]);
            Assert.Equal(1.5, l[0]);
            Assert.Equal("x", l[1]);
            Assert.Equal(true, l[2]);
            Assert.Null(l[3]);
            Assert.Equal(9999999999L, ((Dictionary<string, object?>)l[4]!)["n"]);
        }

        [Fact]
        public async Task GetObject204IsNullAndRawText()
        {
            int n = 0;
            var h = new FakeHandler(_ => ++n == 1 ? new HttpResponseMessage(System.Net.HttpStatusCode.NoContent) : FakeHandler.Text(200, "plain text", "text/plain"));
            using var s = Fake.Session(h);
            Assert.Null(await s.GetClient().GetObjectAsync("/x", null, null));
            Assert.Equal("plain text", await s.GetClient().GetRawDataAsync("/x", null, null));
        }

        [Fact]
        public async Task EnsureExpected()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, "{\"success\":true,\"count\":3,\"name\":\"x\"}"));
            using var s = Fake.Session(h);
            var r = await s.GetClient().SendAsync(HttpMethod.Get, "/x", null, null, null);
            CbClient.EnsureExpected(r, new Dictionary<string, object?> { ["success"] = true, ["count"] = 3 });
            var ex = Assert.Throws<CbServerException>(() => CbClient.EnsureExpected(r, new Dictionary<string, object?> { ["count"] = 4 }));
            Assert.Contains("'count'", ex.Message);
            ex = Assert.Throws<CbServerException>(() => CbClient.EnsureExpected(r, new Dictionary<string, object?> { ["missing"] = 1 }));
            Assert.Contains("'missing'", ex.Message);
        }

        // ------------------------------------------------------------- retries

        [Fact]
        public async Task PostIsRetriedOn429And503()
        {
            int n = 0;
            var h = new FakeHandler(_ =>
            {
                n++;
                if (n == 1) return FakeHandler.Throttle(0);
                if (n == 2) return FakeHandler.Json(503, "{\"success\":false,\"message\":\"busy\"}");
                return FakeHandler.Json(200, Ok);
            });
            var log = new ListLog();
            using var s = Fake.Session(h);
            var r = await s.GetClient().PostObjectAsync("/x", new Dictionary<string, object?> { ["a"] = 1 }, new CallContext(default, log));
            Assert.Equal(200, r.StatusCode);
            Assert.Equal(3, h.Count);
            Assert.All(h.List, x => Assert.Equal("{\"a\":1}", x.Body));
            Assert.Contains(log.Messages, m => m.Contains("before retry 1/5 of POST /x: 429 Too Many Requests"));
            Assert.Contains(log.Messages, m => m.Contains("before retry 2/5 of POST /x: 503 Service Unavailable"));
        }

        [Theory]
        [InlineData(500)]
        [InlineData(502)]
        [InlineData(504)]
        public async Task GatewayErrorsRetriedForGetNotPost(int status)
        {
            var h = new FakeHandler(r => r.Method == HttpMethod.Get && r.Index > 2 ? FakeHandler.Json(200, Ok) : FakeHandler.Json(status, "{\"message\":\"gw\"}"));
            using var s = Fake.Session(h);
            var ok = await s.GetClient().GetObjectAsync("/x", null, null);
            Assert.Equal(3, h.Count);
            var ex = await Assert.ThrowsAsync<CbServerException>(() => s.GetClient().PostObjectAsync("/x", null, null));
            Assert.Equal(status, ex.StatusCode);
            Assert.Equal(4, h.Count);
        }

        [Fact]
        public async Task ServerErrorRetriedForPutAndDelete()
        {
            var h = new FakeHandler(r => r.Index % 2 == 1 ? FakeHandler.Json(500, "{\"message\":\"oops\"}") : FakeHandler.Json(200, Ok));
            using var s = Fake.Session(h);
            await s.GetClient().PutObjectAsync("/x", new Dictionary<string, object?>(), null);
            await s.GetClient().DeleteObjectAsync("/x", null);
            Assert.Equal(4, h.Count);
            Assert.Equal(new[] { "PUT", "PUT", "DELETE", "DELETE" }, h.List.Select(r => r.Method.Method));
        }

        [Fact]
        public async Task ConnectionFailureRetriedForGetNotPost()
        {
            int n = 0;
            var h = new FakeHandler((r, _) =>
            {
                n++;
                if (r.Method == HttpMethod.Get && n < 3) throw new HttpRequestException("reset", new IOException("connection reset", new SocketException(104)));
                if (r.Method == HttpMethod.Post) throw new HttpRequestException("refused");
                return Task.FromResult(FakeHandler.Json(200, Ok));
            });
            var log = new ListLog();
            using var s = Fake.Session(h);
            await s.GetClient().GetObjectAsync("/x", null, new CallContext(default, log));
            Assert.Equal(3, h.Count);
            Assert.Contains(log.Messages, m => m.Contains("retry 1/5 of GET /x: connection failure"));
            var ex = await Assert.ThrowsAsync<CbConnectionException>(() => s.GetClient().PostObjectAsync("/x", null, null));
            Assert.Equal(4, h.Count);
            Assert.Contains("cb.example.com", ex.Message);
        }

        [Fact]
        public async Task MaximumRetryCountHonoured()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(503, "{\"success\":false,\"message\":\"down\"}"));
            using var s = Fake.Session(h, o => o.MaximumRetryCount = 2);
            var ex = await Assert.ThrowsAsync<CbServerException>(() => s.GetClient().GetObjectAsync("/x", null, null));
            Assert.Equal(3, h.Count);
            Assert.Equal(503, ex.StatusCode);
            Assert.Contains("down", ex.Message);
        }

        [Fact]
        public async Task RetryBudgetHonoured()
        {
            var h = new FakeHandler(_ => FakeHandler.Throttle(2));
            using var s = Fake.Session(h, o => o.RetryBudget = TimeSpan.FromSeconds(1));
            var ex = await Assert.ThrowsAsync<CbClientException>(() => s.GetClient().GetObjectAsync("/x", null, null));
            Assert.Equal(1, h.Count);
            Assert.Equal(429, ex.StatusCode);
        }

        [Fact]
        public async Task ZeroRetries()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(503, "{}"));
            using var s = Fake.Session(h, o => o.MaximumRetryCount = 0);
            await Assert.ThrowsAsync<CbServerException>(() => s.GetClient().GetObjectAsync("/x", null, null));
            Assert.Equal(1, h.Count);
        }

        [Fact]
        public async Task ThrottleGateBlocksTheWholeSession()
        {
            var first429Sent = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
            FakeHandler? h = null;
            h = new FakeHandler(r =>
            {
                if (r.Uri.AbsolutePath == "/a" && r.Index == 1)
                {
                    var resp = FakeHandler.Throttle(1);
                    first429Sent.TrySetResult(h!.Clock.Elapsed);
                    return resp;
                }
                return FakeHandler.Json(200, Ok);
            });
            var log = new ListLog();
            using var s = Fake.Session(h);
            var c = s.GetClient();
            var a = c.GetObjectAsync("/a", null, new CallContext(default, log));
            var t429 = await first429Sent.Task;
            await Task.Delay(100); // let the 429 reach the retry handler and close the gate
            var b = c.GetObjectAsync("/b", null, new CallContext(default, log));
            await Task.WhenAll(a, b);
            var reqs = h.List;
            Assert.Equal(3, reqs.Count);
            // No request was sent during the penalty window.
            foreach (var r in reqs.Skip(1)) Assert.True(r.At - t429 >= TimeSpan.FromMilliseconds(900), r.Uri + " sent after " + (r.At - t429));
            Assert.Contains(log.Messages, m => m.Contains("Waiting 1.0 s before retry 1/5 of GET /a: 429"));
            Assert.Contains(log.Messages, m => m.Contains("before GET /b: the session is rate limited"));
        }

        [Fact]
        public async Task RetryAfterAsHttpDate()
        {
            int n = 0;
            var h = new FakeHandler(_ => ++n == 1
                ? FakeHandler.Json(429, "{}", r => r.Headers.TryAddWithoutValidation("Retry-After", DateTimeOffset.UtcNow.AddSeconds(3).ToString("r")))
                : FakeHandler.Json(200, Ok));
            using var s = Fake.Session(h);
            await s.GetClient().GetObjectAsync("/x", null, null);
            var l = h.List;
            Assert.True(l[1].At - l[0].At >= TimeSpan.FromMilliseconds(1000));
        }

        [Fact]
        public async Task CancelDuringRetryAfterWaitReturnsPromptly()
        {
            var h = new FakeHandler(_ => FakeHandler.Throttle(30));
            using var s = Fake.Session(h);
            using var cts = new CancellationTokenSource();
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var t = s.GetClient().GetObjectAsync("/x", null, new CallContext(cts.Token));
            await Task.Delay(200);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => t);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10));
            Assert.Equal(1, h.Count);
        }

        [Fact]
        public async Task CancelInFlightRequest()
        {
            var h = new FakeHandler(async (_, ct) => { await Task.Delay(TimeSpan.FromSeconds(30), ct); return FakeHandler.Json(200, Ok); });
            using var s = Fake.Session(h);
            using var cts = new CancellationTokenSource(200);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s.GetClient().GetObjectAsync("/x", null, new CallContext(cts.Token)));
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10));
        }

        [Fact]
        public async Task PerAttemptTimeout()
        {
            var h = new FakeHandler(async (_, ct) => { await Task.Delay(TimeSpan.FromSeconds(30), ct); return FakeHandler.Json(200, Ok); });
            using var s = Fake.Session(h, o => o.TimeoutSec = 1);
            var ex = await Assert.ThrowsAsync<CbTimeoutException>(() => s.GetClient().GetObjectAsync("/x", null, null));
            Assert.Contains("timed out after 1 s", ex.Message);
        }

        [Fact]
        public async Task DisposedSessionRefusesCalls()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, Ok));
            var s = Fake.Session(h);
            var c = s.GetClient();
            s.Dispose();
            Assert.True(s.IsDisposed);
            await Assert.ThrowsAsync<ObjectDisposedException>(() => c.GetObjectAsync("/x", null, null));
            s.Dispose();
        }

        [Fact]
        public async Task LogsOneVerboseLinePerAttemptAndRedactedDebugBodies()
        {
            int n = 0;
            var h = new FakeHandler(_ => ++n == 1 ? FakeHandler.Json(503, "{}")
                : FakeHandler.Json(200, "{\"success\":true,\"echo\":\"" + Fake.Secret + "/" + Fake.ApiId + "\"}"));
            var log = new ListLog();
            using var s = Fake.Session(h);
            await s.GetClient().PostObjectAsync("/integrationServices/v3/policy?x=1", new Dictionary<string, object?> { ["note"] = Fake.Secret }, new CallContext(default, log));
            var verbose = log.Messages.Where(m => m.StartsWith("VERBOSE: POST /integrationServices/v3/policy?x=1 -> ")).ToList();
            Assert.Equal(2, verbose.Count);
            Assert.Matches(@"-> 503 Service Unavailable \(\d+ ms\)", verbose[0]);
            Assert.Matches(@"-> 200 OK \(\d+ ms\)", verbose[1]);
            Assert.Contains(log.Messages, m => m.StartsWith("DEBUG: HTTP response") && m.Contains("REDACTED"));
            Assert.DoesNotContain(Fake.Secret, log.All);
        }
    }
}

namespace CbDefense.Core.Tests
{
    public class ConnectionDiagnosisTests
    {
        private static Session Real(string url, ListLog log) => Session.Create(new SessionOptions
        {
            Uri = new Uri(url), ApiToken = new ApiToken(Fake.Secret, Fake.ApiId), MaximumRetryCount = 5,
            BaseBackoff = TimeSpan.FromMilliseconds(200), TimeoutSec = 10,
        });

        [Fact]
        public async Task RefusedPortFailsAtOnceWithoutRetrying()
        {
            var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            l.Start();
            int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            var log = new ListLog();
            using var s = Real("http://127.0.0.1:" + port, log);
            var ex = await Assert.ThrowsAsync<CbConnectionException>(() => s.GetClient().GetObjectAsync("/x", null, new CallContext(default, log)));
            Assert.Contains("Nothing listens on 127.0.0.1:" + port, ex.Message);
            Assert.DoesNotContain(log.Messages, m => m.Contains("before retry"));
        }

        [Fact]
        public async Task HttpsToAPlainHttpServerIsNamed()
        {
            var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            l.Start();
            int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
            using var cts = new CancellationTokenSource();
            var server = Task.Run(async () =>
            {
                while (!cts.IsCancellationRequested)
                {
                    using var c = await l.AcceptTcpClientAsync(cts.Token);
                    var st = c.GetStream();
                    var buf = new byte[1024];
                    try { _ = await st.ReadAsync(buf.AsMemory(), cts.Token); } catch (Exception) { }
                    var reply = System.Text.Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    try { await st.WriteAsync(reply.AsMemory(), cts.Token); } catch (Exception) { }
                }
            });
            try
            {
                var log = new ListLog();
                using var s = Real("https://127.0.0.1:" + port, log);
                var ex = await Assert.ThrowsAsync<CbConnectionException>(() => s.GetClient().GetObjectAsync("/x", null, new CallContext(default, log)));
                Assert.Contains("speaks plain HTTP", ex.Message);
                Assert.DoesNotContain(log.Messages, m => m.Contains("before retry"));
            }
            finally
            {
                cts.Cancel();
                l.Stop();
            }
        }
    }
}
