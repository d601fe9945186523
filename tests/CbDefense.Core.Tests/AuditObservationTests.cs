using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using System.Web;
using CbDefense.Json;
using CbDefense.Services;
using CbDefense.Services.Current;
using Newtonsoft.Json.Linq;
using Xunit;

namespace CbDefense.Core.Tests
{
    /// <summary>Request bodies as sent: ISO times stay strings.</summary>
    internal static class Wire
    {
        public static JObject Parse(string json)
        {
            using var r = new Newtonsoft.Json.JsonTextReader(new StringReader(json)) { DateParseHandling = Newtonsoft.Json.DateParseHandling.None };
            return JObject.Load(r);
        }
    }

    /// <summary>Audit logs (v3 queue, v1 queue and search): the wire shapes and the model mapping.</summary>
    public class AuditLogTests
    {
        private static Session Current(FakeHandler h) => Fake.Session(h, o => o.ApiGeneration = ApiGeneration.Current);
        private static ApiServices Services(Session s) => s.GetServicesAsync(CallContext.None).GetAwaiter().GetResult();
        private static Dictionary<string, object?> Obj(string json) => (Dictionary<string, object?>)PlainJson.Parse(json)!;
        private static readonly DateTime Epoch = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        [Fact]
        public void MapsTheV3FixtureRecords()
        {
            var d = Obj(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "auditlogs.json")));
            var items = ((List<object?>)d["notifications"]!).Cast<Dictionary<string, object?>>().ToList();
            var a = AuditLog.Read(items[0], null);
            Assert.Equal(Epoch.AddMilliseconds(1529332687006), a.TimeUtc);
            Assert.Equal(DateTimeKind.Utc, a.TimeUtc!.Value.Kind);
            Assert.Equal(DateTimeKind.Local, a.Time!.Value.Kind);
            Assert.Equal("bs@carbonblack.com", a.Actor);
            Assert.Equal("192.0.2.3", a.ActorIp);
            Assert.Equal("Logged in successfully", a.Description);
            Assert.Null(a.RequestUrl);
            Assert.Equal("37075c01730511e89504c9ba022c3fbf", a.EventId);
            Assert.False(a.Flagged);
            Assert.False(a.Verbose);
            Assert.Null(a.OrgKey);
            Assert.Equal("example.org", a.AdditionalProperties["orgName"]);
            Assert.Single(a.AdditionalProperties);
            Assert.All(items, i => Assert.NotNull(AuditLog.Read(i, null).Description));
        }

        [Fact]
        public void MapsV1RecordsLiberally()
        {
            var a = AuditLog.Read(Obj("{\"org_key\":\"ORG1\",\"actor_ip\":\"198.51.100.1\",\"actor\":\"KEY1\",\"request_url\":\"https://x/y\"," +
                                      "\"description\":\"Updated\",\"flagged\":\"true\",\"verbose\":0,\"create_time\":\"2024-05-01T08:30:00.250Z\",\"extra\":7}"), null);
            Assert.Equal(new DateTime(2024, 5, 1, 8, 30, 0, 250, DateTimeKind.Utc), a.TimeUtc);
            Assert.Equal("KEY1", a.Actor);
            Assert.Equal("198.51.100.1", a.ActorIp);
            Assert.Equal("https://x/y", a.RequestUrl);
            Assert.Equal("ORG1", a.OrgKey);
            Assert.True(a.Flagged);
            Assert.False(a.Verbose);
            Assert.Equal(7L, a.AdditionalProperties["extra"]);

            // Epoch ms as a string, missing fields, a time that is not one stays in AdditionalProperties.
            var b = AuditLog.Read(Obj("{\"create_time\":\"1714552200250\",\"description\":\"x\"}"), null);
            Assert.Equal(new DateTime(2024, 5, 1, 8, 30, 0, 250, DateTimeKind.Utc), b.TimeUtc);
            Assert.Null(b.Actor);
            Assert.Null(b.Flagged);
            var c = AuditLog.Read(Obj("{\"create_time\":\"yesterday\"}"), null);
            Assert.Null(c.TimeUtc);
            Assert.Equal("yesterday", c.AdditionalProperties["create_time"]);
        }

        [Fact]
        public async Task TheV1QueueIsReadAgainWhileTheServerSaysMoreAreQueued()
        {
            int reads = 0;
            var h = new FakeHandler(r =>
            {
                reads++;
                Assert.Equal("/audit_log/v1/orgs/ORG1/logs/_queue", r.Uri.AbsolutePath);
                int left = 2500 - (reads - 1) * 1000, n = Math.Min(1000, Math.Max(0, left));
                var items = Enumerable.Range(0, n).Select(i => "{\"description\":\"d" + i + "\",\"create_time\":\"2024-01-01T00:00:00.000Z\"}");
                return FakeHandler.Json(200, "{\"num_found\":" + Math.Max(0, left) + ",\"num_available\":" + n + ",\"results\":[" + string.Join(",", items) + "]}");
            });
            using var s = Current(h);
            var logs = Services(s).AuditLogs;
            var first = await logs.ReadQueueAsync(CallContext.None);
            Assert.Equal(1000, first.Records.Count);
            Assert.Equal(2500, first.Pending);
            Assert.True(first.MoreQueued);
            Assert.Same(s, first.Records[0].Session);
            await logs.ReadQueueAsync(CallContext.None);
            var third = await logs.ReadQueueAsync(CallContext.None);
            Assert.Equal(500, third.Records.Count);
            Assert.False(third.MoreQueued);
            Assert.All(h.List, r => Assert.Equal("GET", r.Method.Method));
        }

        [Fact]
        public async Task AnEmptyQueueIsAnEmptyRead()
        {
            var h = new FakeHandler(r => new System.Net.Http.HttpResponseMessage(System.Net.HttpStatusCode.NoContent));
            using var s = Fake.Session(h);
            var read = await Services(s).AuditLogs.ReadQueueAsync(CallContext.None);
            Assert.Empty(read.Records);
            Assert.False(read.MoreQueued);
            Assert.Equal("/integrationServices/v3/auditlogs", h.List[0].Uri.AbsolutePath);
        }

        [Fact]
        public async Task AServerThatHandsOutTheSameFullReplyAgainIsStoppedNotReadForever()
        {
            // A caching proxy in front of the queue: every GET gets the same 1,000 records.
            var same = "{\"notifications\":[" + string.Join(",", Enumerable.Range(0, 1000).Select(i => "{\"eventId\":\"e" + i + "\",\"eventTime\":" + (1_700_000_000_000L + i) + ",\"description\":\"d\"}")) +
                       "],\"success\":true,\"message\":\"Success\"}";
            var h = new FakeHandler(_ => FakeHandler.Json(200, same));
            using var s = Fake.Session(h);
            var reader = new AuditLogQueueReader(Services(s).AuditLogs, null);
            Assert.Equal(1000, (await reader.ReadAsync(CallContext.None)).Count);
            var ex = await Assert.ThrowsAsync<CbInvalidResponseException>(() => reader.ReadAsync(CallContext.None));
            Assert.Contains("same 1,000 audit log records twice", ex.Message);
            Assert.True(reader.IsComplete);
            Assert.Equal(1000, reader.Total);
            Assert.Equal(2, h.Count);
        }

        /// <summary>A v3 auditlogs queue of <paramref name="queued"/> records, handing out at most <paramref name="cap"/> a reply
        /// and removing them (read once), oldest first.</summary>
        private static FakeHandler V3Queue(int queued, int cap = 1000)
        {
            int next = 0;
            return new FakeHandler(r =>
            {
                Assert.Equal("/integrationServices/v3/auditlogs", r.Uri.AbsolutePath);
                int n = Math.Min(cap, queued - next);
                var items = Enumerable.Range(next, n).Select(i => "{\"eventId\":\"e" + i + "\",\"eventTime\":" + (1_700_000_000_000L + i) + ",\"description\":\"d\"}");
                next += n;
                return FakeHandler.Json(200, "{\"notifications\":[" + string.Join(",", items) + "],\"success\":true,\"message\":\"Success\"}");
            });
        }

        /// <summary>Reads the whole queue as the cmdlet does: each read's records kept before the next read.</summary>
        private static async Task<(AuditLogQueueReader Reader, List<AuditLog> Records)> Drain(Session s, long? limit = null)
        {
            var reader = new AuditLogQueueReader(Services(s).AuditLogs, limit);
            var all = new List<AuditLog>();
            while (!reader.IsComplete) all.AddRange(await reader.ReadAsync(CallContext.None));
            return (reader, all);
        }

        [Theory]
        [InlineData(2500, 3)] // 1,000 + 1,000 + a short 500
        [InlineData(2000, 3)] // 1,000 + 1,000 + an empty reply
        [InlineData(999, 1)]  // short at once
        [InlineData(0, 1)]    // empty at once
        public async Task TheV3QueueIsReadUntilAReplyIsShortOrEmptyEveryRecordOnce(int queued, int reads)
        {
            var h = V3Queue(queued);
            using var s = Fake.Session(h);
            var (reader, all) = await Drain(s);
            Assert.Equal(queued, all.Count);
            Assert.Equal(Enumerable.Range(0, queued).Select(i => "e" + i), all.Select(a => a.EventId));
            Assert.Equal(reads, h.Count);
            Assert.Equal(reads, reader.Reads);
            Assert.False(reader.StoppedAtLimit);
            Assert.Equal(0, reader.OverLimit);
            Assert.Null(reader.Left);
            Assert.All(all, a => Assert.Same(s, a.Session));
        }

        [Fact]
        public async Task AShortReplyEndsTheReadAndAFullOrLongerOneGoesOn()
        {
            // A server whose replies are longer than 1,000 is read on; one whose cap is smaller ends after its first
            // reply (the rest stays queued, nothing is lost).
            var big = V3Queue(3000, cap: 1500);
            using (var s = Fake.Session(big))
            {
                var (_, all) = await Drain(s);
                Assert.Equal(3000, all.Count);
                Assert.Equal(3, big.Count);
            }
            var small = V3Queue(3000, cap: 500);
            using (var s = Fake.Session(small))
            {
                var (reader, all) = await Drain(s);
                Assert.Equal(500, all.Count);
                Assert.Equal(1, small.Count);
                Assert.True(reader.IsComplete);
            }
        }

        [Theory]
        [InlineData(1, 1, 1000, 999)]
        [InlineData(1000, 1, 1000, 0)]
        [InlineData(1001, 2, 2000, 999)]
        [InlineData(2000, 2, 2000, 0)]
        public async Task TheLimitStopsReadingTheQueueButEveryRecordReadIsReturned(long limit, int reads, int got, long over)
        {
            var h = V3Queue(5000);
            using var s = Fake.Session(h);
            var (reader, all) = await Drain(s, limit);
            Assert.Equal(reads, h.Count);
            Assert.Equal(got, all.Count);
            Assert.Equal(got, reader.Total);
            Assert.Equal(over, reader.OverLimit);
            Assert.True(reader.StoppedAtLimit);
            await Assert.ThrowsAsync<InvalidOperationException>(() => reader.ReadAsync(CallContext.None));
        }

        [Fact]
        public async Task TheLimitIsNotAStopWhenTheQueueDrainsFirst_AndZeroReadsNothing()
        {
            var h = V3Queue(1200);
            using var s = Fake.Session(h);
            var (reader, all) = await Drain(s, 5000);
            Assert.Equal(1200, all.Count);
            Assert.False(reader.StoppedAtLimit);
            Assert.Equal(0, reader.OverLimit);
            var (none, nothing) = await Drain(s, 0);
            Assert.Empty(nothing);
            Assert.Equal(0, none.Reads);
            Assert.Equal(2, h.Count);
        }

        [Fact]
        public async Task TheV1QueueIsReadWhileNumFoundSaysMore_AndLikeV3WithoutIt()
        {
            int queued = 2300, next = 0;
            bool counts = true;
            var h = new FakeHandler(r =>
            {
                int n = Math.Min(counts ? 700 : 1000, queued - next); // a server batch smaller than 1,000: num_found decides
                var items = Enumerable.Range(next, n).Select(i => "{\"description\":\"d" + i + "\",\"create_time\":\"2024-01-01T00:00:00.000Z\"}");
                string head = counts ? "\"num_found\":" + (queued - next) + ",\"num_available\":" + n + "," : "";
                next += n;
                return FakeHandler.Json(200, "{" + head + "\"results\":[" + string.Join(",", items) + "]}");
            });
            using var s = Current(h);
            var (reader, all) = await Drain(s);
            Assert.Equal(2300, all.Count);
            Assert.Equal(4, h.Count); // 700 + 700 + 700 + 200: the last says nothing more
            Assert.Equal(0, reader.Left);

            queued = 2000; next = 0; counts = false;
            var (_, again) = await Drain(s);
            Assert.Equal(2000, again.Count);
            Assert.Equal(4 + 3, h.Count); // 1,000 + 1,000 + empty

            queued = 2300; next = 0; counts = true;
            var (limited, some) = await Drain(s, 800);
            Assert.Equal(1400, some.Count);
            Assert.True(limited.StoppedAtLimit);
            Assert.Equal(900, limited.Left);
            Assert.Equal(600, limited.OverLimit);
        }

        [Fact]
        public void TheSearchBodyNamesWhatTheApiNames()
        {
            using var s = Current(new FakeHandler(r => FakeHandler.Json(200, "{}")));
            var q = new AuditLogQuery
            {
                StartTime = new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc), EndTime = new DateTime(2024, 5, 2, 12, 0, 0, 5, DateTimeKind.Utc),
                Query = "  description:Logged*  ", Flagged = false,
            };
            q.Actor.Add("KEY1");
            q.ActorIp.Add("192.0.2.1");
            q.Criteria["verbose"] = true;
            q.Criteria["request_url"] = "https://x";
            var search = (CurrentAuditLogSearch)Services(s).AuditLogs.Search(q, 0, null, 100);
            var body = Wire.Parse(PlainJson.Serialize(search.BuildBody()));
            Assert.Equal("2024-05-01T00:00:00.000Z", (string?)body["criteria"]!["create_time"]!["start"]);
            Assert.Equal("2024-05-02T12:00:00.005Z", (string?)body["criteria"]!["create_time"]!["end"]);
            Assert.Equal(new[] { "KEY1" }, body["criteria"]!["actor"]!.Values<string>());
            Assert.Equal(new[] { "192.0.2.1" }, body["criteria"]!["actor_ip"]!.Values<string>());
            Assert.Equal(JTokenType.Boolean, body["criteria"]!["flagged"]!.Type);
            Assert.False((bool)body["criteria"]!["flagged"]!);
            Assert.True((bool)body["criteria"]!["verbose"]!);
            Assert.Equal(new[] { "https://x" }, body["criteria"]!["request_url"]!.Values<string>());
            Assert.Equal("description:Logged*", (string?)body["query"]);
            Assert.Equal("create_time", (string?)body["sort"]![0]!["field"]);
            Assert.Equal("DESC", (string?)body["sort"]![0]!["order"]);
        }

        [Fact]
        public void RefusesAnInvertedRangeAndTheSearchOnLegacyBeforeSending()
        {
            var h = new FakeHandler(r => FakeHandler.Json(200, "{}"));
            using var s = Current(h);
            var ex = Assert.Throws<ArgumentException>(() => Services(s).AuditLogs.Search(
                new AuditLogQuery { StartTime = DateTime.UtcNow, EndTime = DateTime.UtcNow.AddDays(-1) }, 0, null, 100));
            Assert.Equal(nameof(AuditLogQuery.StartTime), ex.ParamName);
            using var l = Fake.Session(h);
            var legacy = Assert.Throws<InvalidOperationException>(() => Services(l).AuditLogs.Search(new AuditLogQuery { Query = "x" }, 0, null, 100));
            Assert.Contains("-Query", legacy.Message);
            Assert.Contains("-ApiGeneration Current", legacy.Message);
            Assert.Equal(0, h.Count);
        }

        /// <summary>A v1 _search server over n records (newest first), with start/rows and search_after tokens.</summary>
        private static FakeHandler SearchServer(int n, bool tokens)
        {
            return new FakeHandler(r =>
            {
                var b = Wire.Parse(r.Body!);
                int rows = (int)b["rows"]!;
                int from = b["search_after"] != null ? int.Parse((string)b["search_after"]!, CultureInfo.InvariantCulture) : (int?)b["start"] ?? 0;
                if (b["search_after"] == null && from + rows > 10000)
                    return FakeHandler.Json(400, "{\"error_code\":\"INVALID_ARGUMENT\",\"message\":\"use search_after\"}");
                var page = Enumerable.Range(from, Math.Max(0, Math.Min(rows, n - from)))
                    .Select(i => "{\"description\":\"r" + i + "\",\"create_time\":" + (2_000_000_000_000L - i) + "}");
                string next = tokens && from + rows < n ? (from + rows).ToString(CultureInfo.InvariantCulture) : "";
                return FakeHandler.Json(200, "{\"num_found\":" + n + ",\"num_available\":" + Math.Min(n, 10000) + ",\"results\":[" + string.Join(",", page) +
                                             "],\"search_after\":\"" + next + "\"}");
            });
        }

        [Fact]
        public async Task PagesWithSearchAfterPastTheWindowEveryRecordOnce()
        {
            var h = SearchServer(12345, tokens: true);
            using var s = Current(h);
            var search = Services(s).AuditLogs.Search(new AuditLogQuery { StartTime = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc) }, 0, null, 5000);
            var all = await search.ReadAllAsync();
            Assert.Equal(12345, all.Count);
            Assert.Equal(12345, all.Select(a => a.Description).Distinct().Count());
            Assert.Equal(12345, search.ServerTotal);
            var bodies = h.List.Select(r => Wire.Parse(r.Body!)).ToList();
            Assert.Equal(3, bodies.Count);
            Assert.Null(bodies[0]["search_after"]);
            Assert.Null(bodies[0]["start"]);
            Assert.Equal("5000", (string?)bodies[1]["search_after"]);
            Assert.Null(bodies[1]["start"]);
            Assert.Equal("10000", (string?)bodies[2]["search_after"]);
            Assert.Equal(2345, (int)bodies[2]["rows"]!);
        }

        [Fact]
        public async Task WithoutSearchAfterPagesByStartWithinTheWindowAndWarns()
        {
            var h = SearchServer(12000, tokens: false);
            using var s = Current(h);
            var log = new ListLog();
            var all = await Services(s).AuditLogs.Search(new AuditLogQuery { Query = "x" }, 0, null, 4000).ReadAllAsync(new CallContext(default, log));
            Assert.Equal(10000, all.Count);
            Assert.Equal(new long?[] { null, 4000, 8000 }, h.List.Select(r => (long?)Wire.Parse(r.Body!)["start"]).ToArray());
            Assert.Equal(2000, (int)Wire.Parse(h.List[2].Body!)["rows"]!);
            Assert.Contains("Narrow the search", log.All);
        }

        [Fact]
        public async Task SkipAndFirstAreTheFirstPagesStartAndRows()
        {
            var h = SearchServer(300, tokens: true);
            using var s = Current(h);
            var got = await Services(s).AuditLogs.Search(new AuditLogQuery { Query = "x" }, 25, 10, 100).ReadAllAsync();
            Assert.Equal(Enumerable.Range(25, 10).Select(i => "r" + i), got.Select(a => a.Description));
            var b = Wire.Parse(Assert.Single(h.List).Body!);
            Assert.Equal(25, (int)b["start"]!);
            Assert.Equal(10, (int)b["rows"]!);
        }
    }

    /// <summary>
    /// An observation search job server: a job keeps at most 10,000 rows (of the matches in its time_range, newest
    /// first), reports contacted/completed over a few polls, and pages its results by start and rows.
    /// </summary>
    internal sealed class FakeObservationServer
    {
        private readonly List<(string Id, long Ms)> _obs;
        private readonly Dictionary<string, (List<(string Id, long Ms)> Kept, int Found, int Polls)> _jobs = new();
        public readonly List<JObject> Jobs = new();
        public int PollsBeforeDone = 3;
        public bool EpochTimes;

        public FakeObservationServer(IEnumerable<(string, long)> obs) { _obs = obs.ToList(); }

        private static long? Ms(JToken? t) => t == null ? null : FieldReader.ToEpochMs(DateTime.Parse((string)t!, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));

        public System.Net.Http.HttpResponseMessage Respond(RecordedRequest r)
        {
            string path = r.Uri.AbsolutePath;
            if (r.Method.Method == "POST")
            {
                Assert.Equal("/api/investigate/v2/orgs/ORG1/observations/search_jobs", path);
                var b = Wire.Parse(r.Body!);
                Jobs.Add(b);
                int rows = (int)b["rows"]!;
                if (rows > 10000) return FakeHandler.Json(400, "{\"error_code\":\"INVALID_ARGUMENT\",\"message\":\"rows\"}");
                long? lo = Ms(b["time_range"]?["start"]), hi = Ms(b["time_range"]?["end"]);
                var match = _obs.Where(o => (lo == null || o.Ms >= lo) && (hi == null || o.Ms <= hi))
                    .OrderByDescending(o => o.Ms).ThenBy(o => o.Id, StringComparer.Ordinal).ToList();
                string id = "job" + Jobs.Count;
                _jobs[id] = (match.Take(rows).ToList(), match.Count, 0);
                return FakeHandler.Json(200, "{\"job_id\":\"" + id + "\"}");
            }
            var parts = path.Split('/');
            string jobId = parts[parts.Length - 2];
            if (!_jobs.TryGetValue(jobId, out var job)) return FakeHandler.Json(404, "{\"error_code\":\"NOT_FOUND\",\"message\":\"no job\"}");
            var q = HttpUtility.ParseQueryString(r.Uri.Query);
            if (q["start"] == null)
            {
                job.Polls++;
                _jobs[jobId] = job;
                if (job.Polls < PollsBeforeDone)
                    return FakeHandler.Json(200, "{\"contacted\":" + (job.Polls > 1 ? 8 : 0) + ",\"completed\":" + (job.Polls > 1 ? 4 : 0) + ",\"num_found\":0,\"num_available\":0,\"results\":[]}");
            }
            int start = int.Parse(q["start"] ?? "0", CultureInfo.InvariantCulture), n = int.Parse(q["rows"] ?? "10", CultureInfo.InvariantCulture);
            var sb = new StringBuilder("{\"contacted\":8,\"completed\":8,\"num_found\":" + job.Found + ",\"num_available\":" + job.Kept.Count + ",\"results\":[");
            sb.Append(string.Join(",", job.Kept.Skip(start).Take(q["start"] == null ? 0 : n).Select(o => "{\"observation_id\":\"" + o.Id + "\",\"device_timestamp\":" +
                (EpochTimes ? o.Ms.ToString(CultureInfo.InvariantCulture) : "\"" + FieldReader.IsoMs(o.Ms) + "\"") + "}")));
            return FakeHandler.Json(200, sb.Append("]}").ToString());
        }
    }

    /// <summary>Observation search jobs: the job body, the polling, the results paging, the time split and the model.</summary>
    public class ObservationTests
    {
        private static Session Current(FakeHandler h) => Fake.Session(h, o => o.ApiGeneration = ApiGeneration.Current);
        private static ApiServices Svc(Session s) => s.GetServicesAsync(CallContext.None).GetAwaiter().GetResult();
        private static IObservationService Obs(Session s) => Svc(s).Observations!;
        private static Dictionary<string, object?> Obj(string json) => (Dictionary<string, object?>)PlainJson.Parse(json)!;
        private static readonly long T0 = FieldReader.ToEpochMs(new DateTime(2024, 6, 1, 0, 0, 0, DateTimeKind.Utc));

        private static List<(string, long)> Spread(int n, long from, long to, string prefix, int seed)
        {
            var rng = new Random(seed);
            return Enumerable.Range(0, n).Select(i => (prefix + i.ToString("D6", CultureInfo.InvariantCulture), from + (long)(rng.NextDouble() * (to - from)))).ToList();
        }

        [Fact]
        public void MapsFixtureShapedObservationsLiberally()
        {
            var o = Observation.Read(Obj(@"{""alert_category"":[""THREAT""],""alert_id"":[""a1""],""backend_timestamp"":""2023-02-08T03:22:59.196Z"",
                ""device_group_id"":0,""device_id"":""17482451"",""device_name"":""dev01"",""device_policy"":""Standard"",""device_policy_id"":20792247,
                ""device_timestamp"":""2023-02-08T03:20:33.751Z"",""event_id"":""e1"",""event_type"":""netconn"",""observation_id"":""e1:be6ff259"",
                ""observation_type"":""CB_ANALYTICS"",""observation_description"":""desc"",""parent_pid"":""2432"",""process_guid"":""G"",
                ""process_hash"":[""9df1ec5e25919660a1b0b85d3965d55797b9aac81e028008428106c4dcda7a09"",""09d8b8ba1cd4b4d4bd14d08b1b3b6e23""],
                ""process_name"":""c:\\windows\\system32\\svchost.exe"",""process_pid"":[2000],""process_username"":""NT AUTHORITY\\SYSTEM"",""enriched"":true}"), null);
            Assert.Equal("e1:be6ff259", o.ObservationId);
            Assert.Equal(17482451L, o.DeviceId);
            Assert.Equal(20792247L, o.DevicePolicyId);
            Assert.Equal(2432L, o.ParentPid);
            Assert.Equal(new[] { "netconn" }, o.EventType);
            Assert.Equal(new[] { "a1" }, o.AlertId);
            Assert.Equal(new[] { "NT AUTHORITY\\SYSTEM" }, o.ProcessUsername);
            Assert.Equal(new[] { 2000L }, o.ProcessPid);
            Assert.Equal("9df1ec5e25919660a1b0b85d3965d55797b9aac81e028008428106c4dcda7a09", o.ProcessSha256);
            Assert.Equal(new DateTime(2023, 2, 8, 3, 20, 33, 751, DateTimeKind.Utc), o.DeviceTimestampUtc);
            Assert.Equal(new DateTime(2023, 2, 8, 3, 22, 59, 196, DateTimeKind.Utc), o.BackendTimestampUtc);
            Assert.Equal(DateTimeKind.Local, o.DeviceTimestamp!.Value.Kind);
            Assert.Equal(true, o.AdditionalProperties["enriched"]);
            Assert.Equal(0L, o.AdditionalProperties["device_group_id"]);
            Assert.False(o.AdditionalProperties.ContainsKey("device_timestamp"));

            var e = Observation.Read(Obj("{\"observation_id\":\"x\",\"device_timestamp\":1675826433751,\"process_sha256\":\"ab\"}"), null);
            Assert.Equal(new DateTime(2023, 2, 8, 3, 20, 33, 751, DateTimeKind.Utc), e.DeviceTimestampUtc);
            Assert.Equal("ab", e.ProcessSha256);
            Assert.Null(e.DeviceName);
            Assert.Null(e.AlertId);
        }

        [Fact]
        public void TheJobBodyNamesWhatTheApiNames()
        {
            using var s = Current(new FakeHandler(r => FakeHandler.Json(200, "{}")));
            var q = new ObservationQuery
            {
                StartTime = new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc), EndTime = new DateTime(2024, 5, 2, 0, 0, 0, 999, DateTimeKind.Utc),
                Query = "netconn_port:443",
            };
            q.DeviceName.Add("WIN-01");
            q.DeviceId.Add(42);
            q.ProcessName.Add("power*.exe");
            q.ProcessSha256.Add(" ABCDEF ");
            q.EventType.Add("NetConn");
            q.AlertId.Add(" a1 ");
            q.Criteria["observation_type"] = "CB_ANALYTICS";
            q.Exclusions["device_policy"] = new object?[] { "Lab", "Test" };
            var search = (CurrentObservationSearch)Obs(s).Search(q, 0, null, 500, TimeSpan.FromSeconds(5));
            var b = Wire.Parse(PlainJson.Serialize(search.BuildJobBody(FieldReader.ToEpochMs(q.StartTime.Value), FieldReader.ToEpochMs(q.EndTime.Value), 10000)));
            Assert.Equal(new[] { "WIN-01" }, b["criteria"]!["device_name"]!.Values<string>());
            Assert.Equal(new[] { 42L }, b["criteria"]!["device_id"]!.Values<long>());
            Assert.Equal(new[] { "abcdef" }, b["criteria"]!["process_hash"]!.Values<string>());
            Assert.Equal(new[] { "netconn" }, b["criteria"]!["event_type"]!.Values<string>());
            Assert.Equal(new[] { "a1" }, b["criteria"]!["alert_id"]!.Values<string>());
            Assert.Equal(new[] { "CB_ANALYTICS" }, b["criteria"]!["observation_type"]!.Values<string>());
            Assert.Equal(new[] { "Lab", "Test" }, b["exclusions"]!["device_policy"]!.Values<string>());
            Assert.Null(b["criteria"]!["process_name"]);
            Assert.Equal("(netconn_port:443) AND process_name:power*.exe", (string?)b["query"]);
            Assert.Equal("2024-05-01T00:00:00.000Z", (string?)b["time_range"]!["start"]);
            Assert.Equal("2024-05-02T00:00:00.999Z", (string?)b["time_range"]!["end"]);
            Assert.Equal(10000, (int)b["rows"]!);
            Assert.Equal("device_timestamp", (string?)b["sort"]![0]!["field"]);
            Assert.Equal("DESC", (string?)b["sort"]![0]!["order"]);
            Assert.Equal(new[] { "*" }, b["fields"]!.Values<string>());
        }

        [Fact]
        public async Task PollsTheJobUntilCompletedEqualsContactedThenPagesItsResults()
        {
            var server = new FakeObservationServer(Spread(250, T0, T0 + 86_400_000, "O", 1)) { PollsBeforeDone = 4 };
            var h = new FakeHandler(server.Respond);
            using var s = Current(h);
            var search = Obs(s).Search(new ObservationQuery(), 0, null, 100, TimeSpan.FromSeconds(30));
            var seen = new List<(bool Waiting, long Contacted, long Completed)>();
            var all = new List<Observation>();
            while (await search.NextPageAsync(all.Add, CallContext.None)) seen.Add((search.Waiting, search.Contacted, search.Completed));
            Assert.Equal(250, all.Count);
            Assert.Equal(250, all.Select(o => o.ObservationId).Distinct().Count());
            Assert.Contains(seen, x => x.Waiting && x.Contacted == 8 && x.Completed == 4);
            Assert.False(search.Waiting);
            Assert.Equal(1, search.JobCount);
            Assert.Null(search.ProgressNote);
            Assert.Equal(250, search.ServerTotal);
            var gets = h.List.Where(r => r.Method.Method == "GET").ToList();
            var polls = gets.Where(r => !r.Uri.Query.Contains("start=")).ToList();
            var pages = gets.Where(r => r.Uri.Query.Contains("start=")).Select(r => HttpUtility.ParseQueryString(r.Uri.Query)).ToList();
            Assert.Equal(4, polls.Count);
            Assert.Equal(new[] { "0", "100", "200" }, pages.Select(p => p["start"]));
            Assert.Equal(new[] { "100", "100", "50" }, pages.Select(p => p["rows"]));
            Assert.All(gets, r => Assert.Equal("/api/investigate/v2/orgs/ORG1/observations/search_jobs/job1/results", r.Uri.AbsolutePath));
            Assert.All(all, o => Assert.Same(s, o.Session));
        }

        [Fact]
        public async Task AJobThatDoesNotFinishIsATimeout()
        {
            var server = new FakeObservationServer(Spread(5, T0, T0 + 1000, "O", 1)) { PollsBeforeDone = int.MaxValue };
            using var s = Current(new FakeHandler(server.Respond));
            var search = Obs(s).Search(new ObservationQuery(), 0, null, 100, TimeSpan.FromMilliseconds(300));
            var ex = await Assert.ThrowsAsync<CbTimeoutException>(() => search.ReadAllAsync());
            Assert.Contains("-TimeoutSec", ex.Message);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task SplitsTheTimeRangePastTheRowsAJobKeepsEveryObservationOnce(bool epochTimes)
        {
            var data = Spread(23000, T0, T0 + 30L * 86_400_000, "O", 2);
            long same = T0 + 10L * 86_400_000;
            data.AddRange(Enumerable.Range(0, 300).Select(i => ("SAME" + i.ToString("D4", CultureInfo.InvariantCulture), same)));  // many at one ms
            var server = new FakeObservationServer(data) { PollsBeforeDone = 1, EpochTimes = epochTimes };
            var h = new FakeHandler(server.Respond);
            using var s = Current(h);
            var search = (CurrentObservationSearch)Obs(s).Search(new ObservationQuery(), 0, null, 10000, TimeSpan.FromSeconds(30));
            var all = await search.ReadAllAsync();
            Assert.Equal(data.Count, all.Count);
            Assert.Equal(data.Count, all.Select(o => o.ObservationId).Distinct().Count());
            Assert.True(search.SplitCount >= 2);
            Assert.Equal(search.SplitCount + 1, server.Jobs.Count);
            Assert.Equal(server.Jobs.Count.ToString(CultureInfo.CurrentCulture) + " search jobs", search.ProgressNote);
            Assert.Null(server.Jobs[0]["time_range"]);
            // Each next job ends where the one before stopped (inclusive), from the range's open start.
            for (int i = 1; i < server.Jobs.Count; i++)
            {
                Assert.Null(server.Jobs[i]["time_range"]!["start"]);
                Assert.NotNull(server.Jobs[i]["time_range"]!["end"]);
            }
            Assert.All(server.Jobs, j => Assert.True((int)j["rows"]! <= 10000));
        }

        [Fact]
        public async Task SplitsWithinTheUsersRangeAndHonoursFirstAndSkip()
        {
            long lo = T0, hi = T0 + 5L * 86_400_000;
            var data = Spread(15000, lo, hi, "O", 3);
            data.Add(("BEFORE", lo - 1));
            data.Add(("AFTER", hi + 1));
            var server = new FakeObservationServer(data) { PollsBeforeDone = 1 };
            using var s = Current(new FakeHandler(server.Respond));
            var q = new ObservationQuery { StartTime = FieldReader.FromEpochMs(lo), EndTime = FieldReader.FromEpochMs(hi) };
            var all = await Obs(s).Search(q, 0, null, 10000, TimeSpan.FromSeconds(30)).ReadAllAsync();
            Assert.Equal(15000, all.Count);
            Assert.DoesNotContain(all, o => o.ObservationId == "BEFORE" || o.ObservationId == "AFTER");
            Assert.All(server.Jobs, j => Assert.Equal(FieldReader.IsoMs(lo), (string?)j["time_range"]!["start"]));

            var ordered = data.Where(d => d.Item2 >= lo && d.Item2 <= hi).OrderByDescending(d => d.Item2).ThenBy(d => d.Item1, StringComparer.Ordinal).Select(d => d.Item1).ToList();
            var server2 = new FakeObservationServer(data) { PollsBeforeDone = 1 };
            using var s2 = Current(new FakeHandler(server2.Respond));
            var page = await Obs(s2).Search(q, 9995, 10, 10000, TimeSpan.FromSeconds(30)).ReadAllAsync();
            Assert.Equal(ordered.Skip(9995).Take(10), page.Select(o => o.ObservationId));
            var first = await Obs(s2).Search(q, 0, 3, 10000, TimeSpan.FromSeconds(30)).ReadAllAsync();
            Assert.Equal(ordered.Take(3), first.Select(o => o.ObservationId));
            Assert.Equal(3, (int)server2.Jobs.Last()["rows"]!);
        }

        [Fact]
        public void RefusesAnInvertedRangeBeforeSending()
        {
            var h = new FakeHandler(r => FakeHandler.Json(200, "{}"));
            using var s = Current(h);
            var ex = Assert.Throws<ArgumentException>(() => Obs(s).Search(
                new ObservationQuery { StartTime = DateTime.UtcNow, EndTime = DateTime.UtcNow.AddHours(-1) }, 0, null, 100, TimeSpan.FromSeconds(5)));
            Assert.Equal(nameof(ObservationQuery.StartTime), ex.ParamName);
            Assert.Equal(0, h.Count);
            using var l = Fake.Session(h);
            Assert.Null(Svc(l).Observations);
        }
    }
}
