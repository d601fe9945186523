using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using System.Web;
using CbDefense.Services.Legacy;
using Xunit;

namespace CbDefense.Core.Tests
{
    /// <summary>A v3 event server that, like the real one, returns at most 10,000 rows for one query (and refuses more).</summary>
    internal sealed class FakeEventServer
    {
        private readonly List<(string Id, long Ms)> _events;
        private readonly bool _shuffled;
        public int MaxWindowSeen;

        public FakeEventServer(IEnumerable<(string Id, long Ms)> events, bool shuffled = false)
        {
            _events = events.ToList();
            _shuffled = shuffled;
        }

        public static long Ms(DateTime t) => (long)(t - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalMilliseconds;

        private static long? Time(string? s) => s == null ? (long?)null :
            Ms(DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));

        public System.Net.Http.HttpResponseMessage Respond(RecordedRequest r)
        {
            var q = HttpUtility.ParseQueryString(r.Uri.Query);
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", q["startTime"] ?? "2020-01-01T00:00:00.000Z");
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", q["endTime"] ?? "2020-01-01T00:00:00.000Z");
            long? lo = Time(q["startTime"]), hi = Time(q["endTime"]);
            int start = int.Parse(q["start"] ?? "1", CultureInfo.InvariantCulture);
            int rows = int.Parse(q["rows"] ?? "20", CultureInfo.InvariantCulture);
            MaxWindowSeen = Math.Max(MaxWindowSeen, start + rows - 1);
            if (start + rows - 1 > 10000)
                return FakeHandler.Json(400, "{\"success\":false,\"message\":\"start + rows must not exceed 10000\"}");
            var match = _events.Where(e => (lo == null || e.Ms >= lo) && (hi == null || e.Ms <= hi));
            match = _shuffled ? match.OrderBy(e => e.Id.GetHashCode()) : match.OrderByDescending(e => e.Ms);
            var all = match.ToList();
            var sb = new StringBuilder("{\"success\":true,\"message\":\"Success\",\"totalResults\":" + all.Count + ",\"results\":[");
            bool first = true;
            foreach (var e in all.Skip(start - 1).Take(rows))
            {
                if (!first) sb.Append(',');
                first = false;
                sb.Append("{\"eventId\":\"").Append(e.Id).Append("\",\"eventTime\":").Append(e.Ms).Append(",\"eventType\":\"NETWORK\"}");
            }
            sb.Append("]}");
            return FakeHandler.Json(200, sb.ToString());
        }
    }

    public class EventPagerTests
    {
        private static readonly DateTime Now = new DateTime(2024, 6, 1, 12, 30, 0, DateTimeKind.Utc);

        private static List<(string, long)> Spread(int n, long fromMs, long toMs, string prefix, int seed)
        {
            var rng = new Random(seed);
            return Enumerable.Range(0, n).Select(i => (prefix + i.ToString("D6", CultureInfo.InvariantCulture), fromMs + (long)(rng.NextDouble() * (toMs - fromMs)))).ToList();
        }

        private static Task<List<Event>> ReadAll(LegacyEventSearch pager, ListLog? log = null) => pager.ReadAllAsync(new CallContext(default, log));

        private static LegacyEventSearch Pager(Session s, EventQuery? q, long skip = 0, long? first = null, int pageSize = LegacyEventSearch.DefaultPageSize) =>
            new LegacyEventSearch(s.GetClient(), q ?? new EventQuery(), skip, first, pageSize);

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task ReturnsEveryEventOnceWhenTheQueryMatchesMoreThanOneQueryReturns(bool shuffled)
        {
            long now = FakeEventServer.Ms(Now);
            var data = Spread(23000, now - 14L * 86_400_000, now, "E", 1);
            data.AddRange(Enumerable.Range(0, 300).Select(i => ("SAME" + i, now - 3L * 86_400_000)));         // many at one ms
            data.AddRange(Spread(40, now - 60L * 86_400_000, now - 15L * 86_400_000, "OLD", 2));               // older than two weeks
            data.AddRange(Spread(3, now + 1000, now + 3_600_000, "FUTURE", 3));                                 // server clock ahead
            var server = new FakeEventServer(data, shuffled);
            var handler = new FakeHandler(server.Respond);
            using var session = Fake.Session(handler);
            var pager = Pager(session, new EventQuery { EventType = "NETWORK" });
            pager.UtcNow = () => Now;

            var all = await ReadAll(pager);

            Assert.Equal(data.Count, all.Count);
            Assert.Equal(data.Count, all.Select(e => e.EventId).Distinct().Count());
            Assert.True(pager.SplitCount > 0);
            // What Get-CbEvent's progress bar adds (PagedSearch.ProgressNote, so the cmdlet needs no cast).
            Assert.Equal("time range split " + pager.SplitCount.ToString("N0", CultureInfo.CurrentCulture) + " times", pager.ProgressNote);
            Assert.True(server.MaxWindowSeen <= 10000);
            Assert.Equal(data.Count, pager.ServerTotal);
            Assert.All(handler.List, r => Assert.Contains("eventType=NETWORK", r.Uri.Query));
        }

        [Fact]
        public async Task SplitsWithinTheUsersTimeRangeAndKeepsItsBoundsInclusive()
        {
            long lo = FakeEventServer.Ms(Now.AddDays(-5)), hi = FakeEventServer.Ms(Now.AddDays(-1));
            var data = Spread(12000, lo, hi, "E", 4);
            data.Add(("ATLO", lo));
            data.Add(("ATHI", hi));
            data.Add(("BEFORE", lo - 1));
            data.Add(("AFTER", hi + 1));
            var server = new FakeEventServer(data);
            var handler = new FakeHandler(server.Respond);
            using var session = Fake.Session(handler);
            var q = new EventQuery { StartTime = Now.AddDays(-5), EndTime = Now.AddDays(-1) };

            var all = await ReadAll(Pager(session, q));

            Assert.Equal(12002, all.Count);
            Assert.Contains(all, e => e.EventId == "ATLO");
            Assert.Contains(all, e => e.EventId == "ATHI");
            Assert.DoesNotContain(all, e => e.EventId == "BEFORE" || e.EventId == "AFTER");
            Assert.Equal(all.Count, all.Select(e => e.EventId).Distinct().Count());
            // Every request stays inside the user's range.
            foreach (var r in handler.List)
            {
                var qs = HttpUtility.ParseQueryString(r.Uri.Query);
                Assert.True(string.CompareOrdinal(qs["startTime"], "2024-05-27T12:30:00.000Z") >= 0, r.Uri.Query);
                Assert.True(string.CompareOrdinal(qs["endTime"], "2024-05-31T12:30:00.000Z") <= 0, r.Uri.Query);
            }
            // Newest first across the split ranges.
            Assert.Equal("ATHI", all.First().EventId);
        }

        [Fact]
        public async Task SmallQueriesArePagedWithoutSplitting()
        {
            var data = Spread(730, 1_700_000_000_000, 1_700_100_000_000, "E", 5);
            var handler = new FakeHandler(new FakeEventServer(data).Respond);
            using var session = Fake.Session(handler);
            var pager = Pager(session, null, pageSize: 300);
            var all = await ReadAll(pager);
            Assert.Equal(730, all.Count);
            Assert.Equal(0, pager.SplitCount);
            Assert.Null(pager.ProgressNote);
            Assert.Equal(new[] { "start=1&rows=100", "start=101&rows=300", "start=401&rows=300", "start=701&rows=30" },
                handler.List.Select(r => { var q = HttpUtility.ParseQueryString(r.Uri.Query); return "start=" + q["start"] + "&rows=" + q["rows"]; }));
            Assert.All(handler.List, r => Assert.DoesNotContain("startTime", r.Uri.Query));
        }

        [Fact]
        public async Task SkipAndFirstAreExactAcrossSplits()
        {
            long now = FakeEventServer.Ms(Now);
            var data = Spread(21000, now - 10L * 86_400_000, now, "E", 6);
            var newestFirst = data.OrderByDescending(e => e.Item2).Select(e => e.Item1).ToList();
            using var session = Fake.Session(new FakeHandler(new FakeEventServer(data).Respond));
            var pager = Pager(session, new EventQuery { StartTime = Now.AddDays(-10).AddMinutes(-1) }, skip: 9990, first: 25);
            var got = await ReadAll(pager);
            Assert.Equal(newestFirst.Skip(9990).Take(25), got.Select(e => e.EventId));
        }

        [Fact]
        public async Task MoreEventsInOneMillisecondThanOneQueryReturnsDrawAWarning()
        {
            long t = FakeEventServer.Ms(Now.AddHours(-1));
            var data = Enumerable.Range(0, 10050).Select(i => ("X" + i, t)).ToList();
            using var session = Fake.Session(new FakeHandler(new FakeEventServer(data).Respond));
            var log = new ListLog();
            var pager = Pager(session, new EventQuery { StartTime = Now.AddHours(-1), EndTime = Now.AddHours(-1) });
            var all = await ReadAll(pager, log);
            Assert.Equal(10000, all.Count);
            Assert.Contains("WARNING: 10,050 events share the time", log.All);
        }

        [Fact]
        public async Task AServerThatIgnoresTheTimeRangeEndsWithAClearErrorInsteadOfEndlessSplitting()
        {
            var handler = new FakeHandler(r =>
            {
                var q = HttpUtility.ParseQueryString(r.Uri.Query);
                int rows = int.Parse(q["rows"]!, CultureInfo.InvariantCulture);
                var items = string.Join(",", Enumerable.Range(0, rows).Select(i => "{\"eventId\":\"x" + i + "\",\"eventTime\":1700000000000}"));
                return FakeHandler.Json(200, "{\"success\":true,\"totalResults\":50000,\"results\":[" + items + "]}");
            });
            using var session = Fake.Session(handler);
            var pager = Pager(session, null);
            pager.UtcNow = () => Now;
            var ex = await Assert.ThrowsAsync<CbServerException>(() => ReadAll(pager));
            Assert.Contains("does not seem to apply startTime/endTime", ex.Message);
            Assert.True(handler.Count < 200, handler.Count.ToString(CultureInfo.InvariantCulture));
        }

        [Fact]
        public void RejectsAnUndocumentedSearchWindowAndUnparsableTimeFilters()
        {
            using var session = Fake.Session(new FakeHandler(_ => FakeHandler.Json(200, "{}")));
            Assert.Throws<ArgumentException>(() => Pager(session, new EventQuery { SearchWindow = "5d" }));
            var q = new EventQuery();
            q.Filters.Add("startTime:yesterday");
            Assert.Throws<ArgumentException>(() => Pager(session, q));
        }
    }
}
