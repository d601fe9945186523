using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace CbDefense.Core.Tests
{
    internal sealed class RecordedRequest
    {
        public HttpMethod Method = HttpMethod.Get;
        public Uri Uri = new Uri("http://x");
        public string? Body;
        public Dictionary<string, string> Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        public TimeSpan At;
        public int Index;
    }

    /// <summary>A primary handler that records requests and answers through a function.</summary>
    internal sealed class FakeHandler : HttpMessageHandler
    {
        private readonly Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> _respond;
        public readonly ConcurrentQueue<RecordedRequest> Requests = new ConcurrentQueue<RecordedRequest>();
        public readonly Stopwatch Clock = Stopwatch.StartNew();
        private int _count;

        public FakeHandler(Func<RecordedRequest, CancellationToken, Task<HttpResponseMessage>> respond) { _respond = respond; }
        public FakeHandler(Func<RecordedRequest, HttpResponseMessage> respond) : this((r, _) => Task.FromResult(respond(r))) { }

        public int Count => Volatile.Read(ref _count);
        public List<RecordedRequest> List => Requests.OrderBy(r => r.Index).ToList();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var rec = new RecordedRequest
            {
                Method = request.Method,
                Uri = request.RequestUri!,
                At = Clock.Elapsed,
                Index = Interlocked.Increment(ref _count),
            };
            foreach (var h in request.Headers) rec.Headers[h.Key] = string.Join(h.Key == "User-Agent" ? " " : ",", h.Value);
            if (request.Content != null)
            {
                rec.Body = await request.Content.ReadAsStringAsync(cancellationToken);
                foreach (var h in request.Content.Headers) rec.Headers[h.Key] = string.Join(",", h.Value);
            }
            Requests.Enqueue(rec);
            var resp = await _respond(rec, cancellationToken);
            resp.RequestMessage = request;
            return resp;
        }

        public static HttpResponseMessage Json(int status, string json, Action<HttpResponseMessage>? configure = null)
        {
            var r = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            configure?.Invoke(r);
            return r;
        }

        public static HttpResponseMessage Text(int status, string text, string mediaType)
        {
            return new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(text, Encoding.UTF8, mediaType) };
        }

        public static HttpResponseMessage Throttle(int seconds) => Json(429, "{\"success\":false,\"message\":\"Too many requests\"}",
            r => r.Headers.TryAddWithoutValidation("Retry-After", seconds.ToString()));
    }

    internal sealed class ListLog : ICallLog
    {
        public readonly ConcurrentQueue<string> Messages = new ConcurrentQueue<string>();
        public void Verbose(string m) => Messages.Enqueue("VERBOSE: " + m);
        public void Debug(string m) => Messages.Enqueue("DEBUG: " + m);
        public void Warning(string m) => Messages.Enqueue("WARNING: " + m);
        public string All => string.Join("\n", Messages);
    }

    internal static class Fake
    {
        public const string Secret = "TOPSECRETKEY0123456789";
        public const string ApiId = "APIID42";

        public static Session Session(FakeHandler handler, Action<SessionOptions>? configure = null)
        {
            var o = new SessionOptions
            {
                Uri = new Uri("https://cb.example.com/"),
                ApiToken = new ApiToken(Secret, ApiId),
                OrgKey = "ORG1",
                UserAgentVersion = "1.2.3",
                PrimaryHandlerFactory = () => handler,
                BaseBackoff = TimeSpan.FromMilliseconds(5),
                MaximumBackoff = TimeSpan.FromMilliseconds(50),
                TimeoutSec = 30,
                ApiGeneration = ApiGeneration.Legacy,
            };
            configure?.Invoke(o);
            return CbDefense.Session.Create(o);
        }

        public static string Page(int total, IEnumerable<long> ids) =>
            "{\"latestTime\":0,\"success\":true,\"message\":\"Success\",\"elapsed\":1,\"totalResults\":" + total + ",\"results\":[" +
            string.Join(",", ids.Select(i => "{\"deviceId\":" + i + ",\"name\":\"host" + i + "\",\"lastContact\":1598461577831}")) + "]}";
    }
}

namespace CbDefense.Core.Tests
{
    /// <summary>One page of a device search, as the tests look at it.</summary>
    internal sealed class TestPage
    {
        public List<Device> Devices { get; } = new List<Device>();
        public long TotalResults { get; set; }
    }

    internal static class SearchTestExtensions
    {
        /// <summary>The session's device service (an Auto session probes first).</summary>
        public static CbDefense.Services.IDeviceService DeviceService(this Session s) =>
            s.GetServicesAsync(CallContext.None).GetAwaiter().GetResult().Devices;

        /// <summary>The first page of a device search of <paramref name="rows"/> rows (start=1).</summary>
        public static async Task<TestPage> DevicePageAsync(this Session s, DeviceQuery? q, int rows, CallContext? ctx = null)
        {
            var search = s.DeviceService().Search(q ?? new DeviceQuery(), 0, rows, Math.Min(rows, 5000));
            var page = new TestPage();
            await search.NextPageAsync(page.Devices.Add, ctx ?? CallContext.None);
            page.TotalResults = search.ServerTotal ?? 0;
            return page;
        }

        /// <summary>Every result of a search, page by page.</summary>
        public static async Task<List<T>> ReadAllAsync<T>(this CbDefense.Search.PagedSearch<T> search, CallContext? ctx = null) where T : class
        {
            var all = new List<T>();
            while (await search.NextPageAsync(all.Add, ctx ?? CallContext.None)) { }
            return all;
        }

        public static Task<Device> GetDeviceAsync(this Session s, long id) => s.DeviceService().GetAsync(id, CallContext.None);

        public static Task<DeviceActionResult> ActAsync(this Session s, DeviceActionRequest r) => s.DeviceService().ActAsync(r, CallContext.None);
    }
}

namespace CbDefense.Core.Tests
{
    /// <summary>The policy calls the tests make, by their old client names, through the session's policy service.</summary>
    internal static class PolicyTestExtensions
    {
        public static CbDefense.Services.IPolicyService Policies(this Session s) =>
            s.GetServicesAsync(CallContext.None).GetAwaiter().GetResult().Policies;

        private static CbDefense.Services.IPolicyService P(CbClient c) => c.Session.Policies();
        private static CallContext C(CallContext? ctx) => ctx ?? CallContext.None;

        public static Task<IReadOnlyList<Policy>> GetPoliciesAsync(this CbClient c, CallContext? ctx) => P(c).ListAsync(C(ctx));
        public static Task<Policy> GetPolicyAsync(this CbClient c, long id, CallContext? ctx) => P(c).GetAsync(id, C(ctx));
        public static async Task<long> ResolvePolicyIdAsync(this CbClient c, string name, CallContext? ctx) => (await P(c).ResolveAsync(name, C(ctx))).Id;
        public static Task<Policy> CreatePolicyAsync(this CbClient c, IDictionary<string, object?> doc, CallContext? ctx) => P(c).CreateAsync(doc, C(ctx));
        public static Task<Policy> UpdatePolicyAsync(this CbClient c, long id, IDictionary<string, object?> doc, CallContext? ctx) => P(c).ReplaceAsync(id, doc, C(ctx));
        public static Task<Policy> UpdatePolicyAsync(this CbClient c, Policy p, CallContext? ctx) => P(c).ReplaceAsync(p.Id, p.ToDocument(), C(ctx));
        public static Task DeletePolicyAsync(this CbClient c, long id, CallContext? ctx) => P(c).DeleteAsync(id, C(ctx));
        public static Task<long?> AddPolicyRuleAsync(this CbClient c, long id, PolicyRule r, CallContext? ctx) => P(c).AddRuleAsync(id, r, C(ctx));
        public static Task ReplacePolicyRuleAsync(this CbClient c, long id, long ruleId, PolicyRule r, CallContext? ctx) => P(c).ReplaceRuleAsync(id, ruleId, r, C(ctx));
        public static Task DeletePolicyRuleAsync(this CbClient c, long id, long ruleId, CallContext? ctx) => P(c).DeleteRuleAsync(id, ruleId, C(ctx));
    }
}
