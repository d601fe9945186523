using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CbDefense.Json;
using Xunit;

namespace CbDefense.Core.Tests
{
    public class DeviceJsonTests
    {
        private static string Data(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", name));
        private static DateTime Ms(long ms) => DateTime.UnixEpoch.AddMilliseconds(ms);

        [Theory]
        [InlineData("2026-12-01T15:00:56.828Z")]
        [InlineData("2026-12-01T15:00:56Z")]
        [InlineData("2024-02-29T23:59:59.9999999Z")]
        [InlineData("0001-01-01T00:00:00.1Z")]
        [InlineData("9999-12-31T23:59:59.123456Z")]
        [InlineData("2026-12-01t15:00:56.8Z")]
        [InlineData("  2026-12-01T15:00:56.828Z ")]
        [InlineData("2026-12-01T15:00:56.828+02:00")] // not the fast form: the general parser reads it
        [InlineData("2026-12-01T15:00:56.828")]
        [InlineData("2026-12-01 15:00:56Z")]
        [InlineData("2026-12-01T15:00:56.12345678Z")]
        public void IsoTimesReadAsTheGeneralParserReadsThem(string text)
        {
            bool expectedOk = DateTime.TryParse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var expected);
            bool ok = FieldReader.TryTime(text, out var value, out var ms);
            Assert.Equal(expectedOk, ok);
            if (!ok) return;
            Assert.Equal(DateTime.SpecifyKind(expected, DateTimeKind.Utc), value);
            Assert.Equal(DateTimeKind.Utc, value!.Value.Kind);
            Assert.Equal((long)Math.Floor((expected - new DateTime(1970, 1, 1)).TotalMilliseconds), ms);
        }

        [Theory]
        [InlineData("2023-02-29T00:00:00Z")] // no such day
        [InlineData("2026-13-01T00:00:00Z")]
        [InlineData("2026-12-01T24:00:00Z")]
        [InlineData("2026-12-01T23:60:00Z")]
        [InlineData("2026-1a-01T00:00:00Z")]
        [InlineData("2026-12-01T15:00:56.Z")]
        public void ImpossibleIsoTimesAreNotReadAsTimes(string text)
        {
            Assert.False(FieldReader.TryIsoUtc(text, out _));
            Assert.Equal(DateTime.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out _),
                FieldReader.TryTime(text, out _, out _));
        }

        [Fact]
        public async Task GetDeviceUnwrapsDeviceInfo()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, Data("device_get.json")));
            using var s = Fake.Session(h);
            var d = await s.GetDeviceAsync(20931);
            Assert.Equal("/integrationServices/v3/device/20931", h.List[0].Uri.PathAndQuery);
            Assert.Same(s, d.Session);
            Assert.Equal(20931, d.DeviceId);
            Assert.Equal("j.doe@contoso.example", d.Email);
            Assert.Equal("WINDOWS", d.DeviceType);
            Assert.Equal("HIGH", d.TargetPriorityType);
            Assert.Equal(123, d.OrganizationId);
            Assert.Null(d.AvUpdateServers);
            Assert.False(d.AvMaster);
            Assert.Equal(Ms(1490128179664), d.LastContactUtc);
            Assert.Equal(DateTimeKind.Utc, d.LastContactUtc!.Value.Kind);
            Assert.Equal(DateTimeKind.Local, d.LastContact!.Value.Kind);      // the same instant as local time
            Assert.Equal(d.LastContactUtc.Value.ToLocalTime(), d.LastContact);
            Assert.Equal(Ms(1490119807460), d.LastReportedTimeUtc);
            Assert.Null(d.CreateTime);                 // null stays null
            Assert.Null(d.RootedBySensorTime);
            Assert.Null(d.FirstVirusActivityTime);     // 0 = never: null, not 1970
            Assert.Null(d.LastInternalIpAddress);
            Assert.Equal("203.0.113.24", d.LastExternalIpAddress);
            Assert.Equal("OFFSITE", d.LastLocation);
            Assert.False(d.Quarantined);
            Assert.Equal("Server 2019 x64 ", d.OsVersion);
            Assert.Equal("1.0.6.301", d.SensorVersion);
            Assert.Equal(58306, d.DeviceOwnerId);
            Assert.Null(d.DeviceSessionId);
            Assert.Null(d.Messages);
            Assert.Equal(Ms(1489172152964), d.RegisteredTimeUtc);
            Assert.Equal("Finance_Workstations", d.PolicyName);
            Assert.Equal(2145, d.PolicyId);
            Assert.Equal(Ms(1489776952672), d.ActivationCodeExpiryTimeUtc);
            Assert.Equal(new[] { "ACTIVE" }, d.SensorStates);
            Assert.Null(d.VdiBaseDevice);
            Assert.False(d.PassiveMode);
            Assert.Equal(-1, d.TestId);
            Assert.Equal("", d.AvEngine);
            Assert.Equal(new[] { "AV_NOT_REGISTERED" }, d.AvStatus);
            Assert.Equal("WIN-FIN-0042", d.Name);
            Assert.Equal("REGISTERED", d.Status);
            Assert.Empty(d.AdditionalProperties);
        }

        [Fact]
        public async Task SearchPageKeepsUnknownFields()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, Data("device_search_hostname.json")));
            using var s = Fake.Session(h);
            var q = new DeviceQuery { HostName = "web-prod-017" };
            var page = await s.DevicePageAsync(q, 100);
            Assert.Equal("/integrationServices/v3/device?hostName=web-prod-017&rows=100&start=1", h.List[0].Uri.PathAndQuery);
            Assert.Equal(1, page.TotalResults);
            var d = Assert.Single(page.Devices);
            Assert.Equal(4410277, d.DeviceId);
            Assert.Equal("web-prod-017", d.Name);
            Assert.Equal(new[] { "AV_ACTIVE", "ONDEMAND_SCAN_DISABLED" }, d.AvStatus);
            Assert.Equal(5, d.SensorStates!.Length);
            Assert.Equal(11200, d.PolicyId);
            // Fields both generations have are typed; the rest stay under their wire names.
            Assert.Equal(0L, d.AdGroupId);
            Assert.False(d.PolicyOverride);
            Assert.Equal("ENDPOINT", d.DeploymentType);
            Assert.Equal("000000000000", d.MacAddress);
            Assert.True(d.SensorOutOfDate);
            var extra = d.AdditionalProperties;
            Assert.False(extra.ContainsKey("macAddress"));
            Assert.Equal(0.0, extra["vulnScore"]);
            Assert.Equal("4.13.0.207", extra["avProductVersion"]);
            Assert.True(extra.ContainsKey("vmName"));
            Assert.Null(extra["vmName"]);
            Assert.False(extra.ContainsKey("deviceId"));
            Assert.False(extra.ContainsKey("lastContact"));
        }

        [Fact]
        public async Task MultiDevicePage()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, Data("device_search.json")));
            using var s = Fake.Session(h);
            var page = await s.DevicePageAsync(null, 100);
            Assert.Equal(4, page.TotalResults);
            Assert.Equal(4, page.Devices.Count);
            Assert.Equal(20931, page.Devices[0].DeviceId);
            Assert.Equal("LINUX", page.Devices[0].DeviceType);
            Assert.Null(page.Devices[0].AvStatus);
            Assert.All(page.Devices, d => Assert.Same(s, d.Session));
        }

        [Fact]
        public void TolerantParsing()
        {
            var d = DeviceJsonReader.ParseDevice("{\"deviceId\":\"42\",\"policyId\":7.0,\"testId\":\"3\",\"organizationId\":\"n/a\"," +
                "\"lastContact\":1598461577831.0,\"registeredTime\":\"1598461577831\",\"createTime\":\"2020-08-26T12:00:00Z\"," +
                "\"deregisteredTime\":{\"odd\":true},\"name\":12,\"quarantined\":\"true\",\"passiveMode\":1,\"avMaster\":\"maybe\"," +
                "\"avStatus\":\"AV_ACTIVE\",\"sensorStates\":[\"A\",{\"x\":1}],\"messages\":[{\"message\":\"hi\",\"time\":1598461577831}]," +
                "\"uninstalledTime\":null,\"newField\":{\"nested\":[1,2]}}");
            Assert.Equal(42, d.DeviceId);
            Assert.Equal(7, d.PolicyId);
            Assert.Equal(3, d.TestId);
            Assert.Null(d.OrganizationId);
            Assert.Equal("n/a", d.AdditionalProperties["organizationId"]);
            Assert.Equal(Ms(1598461577831), d.LastContactUtc);
            Assert.Equal(Ms(1598461577831), d.RegisteredTimeUtc);
            Assert.Equal(new DateTime(2020, 8, 26, 12, 0, 0, DateTimeKind.Utc), d.CreateTimeUtc);
            Assert.Equal(DateTimeKind.Utc, d.CreateTimeUtc!.Value.Kind);
            Assert.Null(d.DeregisteredTime);
            Assert.IsType<PlainMap>(d.AdditionalProperties["deregisteredTime"]);
            Assert.Equal("12", d.Name);
            Assert.True(d.Quarantined);
            Assert.True(d.PassiveMode);
            Assert.Null(d.AvMaster);
            Assert.Equal("maybe", d.AdditionalProperties["avMaster"]);
            Assert.Equal(new[] { "AV_ACTIVE" }, d.AvStatus);
            Assert.Null(d.SensorStates);
            Assert.IsType<PlainList>(d.AdditionalProperties["sensorStates"]);
            var m = Assert.Single(d.Messages!);
            Assert.Equal("hi", m.Message);
            Assert.Equal(Ms(1598461577831), m.TimeUtc);
            Assert.Null(d.UninstalledTime);
            var nf = Assert.IsType<PlainMap>(d.AdditionalProperties["newField"]);
            Assert.Equal(new List<object?> { 1L, 2L }, nf["nested"]);
        }

        [Fact]
        public void AListThatIsNotAListOfStringsIsKeptExactlyAsSent()
        {
            var d = DeviceJsonReader.ParseDevice("{\"deviceId\":1,\"sensorStates\":[7,\"A\",{\"x\":1},[true],null,2.5]," +
                "\"avStatus\":[\"AV_ACTIVE\",3,true,null],\"avUpdateServers\":[],\"name\":\"after\"}");
            Assert.Null(d.SensorStates);
            var raw = Assert.IsType<PlainList>(d.AdditionalProperties["sensorStates"]);
            Assert.Equal(6, raw.Count);
            Assert.Equal(7L, raw[0]);
            Assert.Equal("A", raw[1]);
            Assert.Equal(1L, Assert.IsType<PlainMap>(raw[2])["x"]);
            Assert.Equal(new List<object?> { true }, Assert.IsType<PlainList>(raw[3]));
            Assert.Null(raw[4]);
            Assert.Equal(2.5, raw[5]);
            // Scalars become their text; the reader goes on after the list.
            Assert.Equal(new List<string?> { "AV_ACTIVE", "3", "True", null }, d.AvStatus!);
            Assert.Empty(d.AvUpdateServers!);
            Assert.Equal("after", d.Name);
            Assert.False(d.AdditionalProperties.ContainsKey("avStatus"));
        }

        [Fact]
        public async Task NullResultsIsAnEmptyPage()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, "{\"success\":true,\"totalResults\":0,\"results\":null}"));
            using var s = Fake.Session(h);
            var page = await s.DevicePageAsync(null, 10);
            Assert.Empty(page.Devices);
            Assert.Equal(0, page.TotalResults);
        }

        [Fact]
        public async Task DocumentedFiltersGoToTheServerAndDeviceFieldsAreMatchedHere()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, Fake.Page(3, new long[] { 1, 2, 3 })
                .Replace("\"deviceId\":2,", "\"deviceId\":2,\"status\":\"BYPASS\",")));
            using var s = Fake.Session(h);
            var q = new DeviceQuery { HostNameExact = "web01", IpAddress = "10.0.0.1", OwnerNameExact = "b@x" };
            q.Filters.Add("status:REGISTERED");
            q.Filters.Add("ownerName:bob");
            q.Filters.Add("status:BYPASS");
            var search = s.DeviceService().Search(q, 0, null, 1000);
            var all = await search.ReadAllAsync();
            var query = h.List[0].Uri.Query;
            Assert.Equal("?hostNameExact=web01&ipAddress=10.0.0.1&ownerName=bob&ownerNameExact=b%40x&rows=100&start=1", query);
            Assert.Equal(new long[] { 2 }, all.Select(d => d.DeviceId));        // status is a device field: matched here, the last value winning
            Assert.False(search.TotalIsExact);
            Assert.Contains("status", search.Explanation);

            var bad = new DeviceQuery();
            bad.Filters.Add("stauts:REGISTERED");
            var ex = Assert.Throws<ArgumentException>(() => s.DeviceService().Search(bad, 0, null, 1000));
            Assert.Contains("stauts", ex.Message);
            Assert.Contains("hostNameExact", ex.Message);
            bad.Filters.Clear();
            bad.Filters.Add("nocolon");
            ex = Assert.Throws<ArgumentException>(() => s.DeviceService().Search(bad, 0, null, 1000));
            Assert.Contains("nocolon", ex.Message);
            Assert.Contains("key:value", ex.Message);
            Assert.Equal(1, h.Count);
        }

        [Theory]
        [InlineData("SRV-SQL-01", new long[] { 1 })]
        [InlineData("srv-sql-01", new long[] { 1 })]
        [InlineData("SRV-SQL-01*", new long[] { 1, 2 })]
        [InlineData("*sql-01?", new long[] { 2 })]
        public async Task HostNameWithoutWildcardIsTheExactName(string pattern, long[] expected)
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200,
                "{\"success\":true,\"totalResults\":3,\"results\":[{\"deviceId\":1,\"name\":\"SRV-SQL-01\"},{\"deviceId\":2,\"name\":\"SRV-SQL-012\"},{\"deviceId\":3,\"name\":\"WEB-01\"}]}"));
            using var s = Fake.Session(h);
            var all = await s.DeviceService().Search(new DeviceQuery { HostName = pattern }, 0, null, 1000).ReadAllAsync();
            Assert.Equal(expected, all.Select(d => d.DeviceId));
            string prefix = pattern.TrimStart('*').Split('*', '?')[0];
            if (!pattern.StartsWith('*')) Assert.Contains("hostName=" + prefix + "&", h.List[0].Uri.Query);
            else Assert.DoesNotContain("hostName=", h.List[0].Uri.Query);
        }

        [Fact]
        public async Task PagerWalksPagesWithOneBasedStart()
        {
            const int total = 250;
            var h = new FakeHandler(r =>
            {
                var qs = System.Web.HttpUtility.ParseQueryString(r.Uri.Query);
                long start = long.Parse(qs["start"]!);
                int rows = int.Parse(qs["rows"]!);
                var ids = Enumerable.Range((int)start, (int)Math.Max(0, Math.Min(rows, total - start + 1))).Select(i => (long)i);
                return FakeHandler.Json(200, Fake.Page(total, ids));
            });
            using var s = Fake.Session(h);
            var search = s.DeviceService().Search(new DeviceQuery { HostNameExact = "h" }, skip: 5, first: null, pageSize: 100);
            var seen = (await search.ReadAllAsync()).Select(d => d.DeviceId).ToList();
            Assert.Equal(Enumerable.Range(6, 245).Select(i => (long)i), seen);
            Assert.Equal(total, search.ServerTotal);
            Assert.Equal(3, search.RequestCount);
            Assert.Equal(new[] { "start=6", "start=106", "start=206" }, h.List.Select(r => r.Uri.Query.Split('&').Last()));

            h = new FakeHandler(_ => FakeHandler.Json(200, Fake.Page(total, new long[] { 1 })));
            using var s2 = Fake.Session(h);
            var one = s2.DeviceService().Search(new DeviceQuery(), 0, 1, 1000);
            var got = new List<Device>();
            Assert.True(await one.NextPageAsync(got.Add, CallContext.None));
            Assert.Single(got);
            Assert.False(await one.NextPageAsync(got.Add, CallContext.None));
            Assert.Equal(1, h.Count);
            Assert.Equal("/integrationServices/v3/device?rows=1&start=1", h.List[0].Uri.PathAndQuery);
        }

        [Fact]
        public void ParsingIsNotMuchSlowerThanJObject()
        {
            // A sanity ratio, not a timed assertion: parse the same 20,000-device page both ways, report, and only fail if absurdly slow.
            var one = Data("device_search_hostname.json");
            int i0 = one.IndexOf('[', one.IndexOf("\"results\"")) + 1;
            int i1 = one.LastIndexOf(']');
            string row = one.Substring(i0, i1 - i0).Trim();
            var sb = new System.Text.StringBuilder("{\"success\":true,\"totalResults\":20000,\"results\":[");
            for (int i = 0; i < 20000; i++) { if (i > 0) sb.Append(','); sb.Append(row); }
            sb.Append("]}");
            var bytes = System.Text.Encoding.UTF8.GetBytes(sb.ToString());
            for (int warm = 0; warm < 2; warm++)
            {
                DeviceJsonReader.ReadPage(new MemoryStream(bytes), null, out _);
                using var sr = new StreamReader(new MemoryStream(bytes));
                Newtonsoft.Json.Linq.JObject.Load(new Newtonsoft.Json.JsonTextReader(sr));
            }
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var list = DeviceJsonReader.ReadPage(new MemoryStream(bytes), null, out _);
            var ours = sw.Elapsed;
            sw.Restart();
            using (var sr = new StreamReader(new MemoryStream(bytes)))
                Newtonsoft.Json.Linq.JObject.Load(new Newtonsoft.Json.JsonTextReader(sr));
            var jobj = sw.Elapsed;
            Assert.Equal(20000, list!.Count);
            Console.WriteLine($"Device reader {ours.TotalMilliseconds:0} ms, JObject {jobj.TotalMilliseconds:0} ms, ratio {ours.TotalMilliseconds / jobj.TotalMilliseconds:0.00}");
            Assert.True(ours.TotalMilliseconds < jobj.TotalMilliseconds * 5 + 500);
        }
    }
}

namespace CbDefense.Core.Tests
{
    public class DeviceV6Tests
    {
        private static string Fixture(string name) => System.IO.File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "Data", name));

        private static Session Current(FakeHandler h) => Fake.Session(h, o => o.ApiGeneration = ApiGeneration.Current);

        [Fact]
        public async Task MapsTheV6FieldsOntoTheSameDeviceProperties()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, Fixture("device_v6_get.json")));
            using var s = Current(h);
            var d = await s.GetDeviceAsync(98765);
            Assert.Equal("/appservices/v6/orgs/ORG1/devices/98765", h.List[0].Uri.PathAndQuery);
            Assert.Equal(98765, d.DeviceId);
            Assert.Equal("Win7x64", d.Name);
            Assert.Equal("WINDOWS", d.DeviceType);
            Assert.Equal("WINDOWS", d.Os);
            Assert.Equal("Windows 7 x64 SP: 1", d.OsVersion);
            Assert.Equal(new DateTime(2020, 8, 26, 21, 5, 42, 518, DateTimeKind.Utc), d.LastContactUtc);
            Assert.Equal(11200, d.PolicyId);
            Assert.Equal("policy-restrictive", d.PolicyName);
            Assert.Equal("MEDIUM", d.TargetPriorityType);
            Assert.Equal("3.6.0.1201", d.SensorVersion);
            Assert.Equal("192.168.0.1", d.LastInternalIpAddress);
            Assert.False(d.Quarantined);
            Assert.Equal("WINDOWS", d.SensorKitType);
            Assert.Equal("ENDPOINT", d.DeploymentType);
            Assert.Equal("000000000000", d.MacAddress);
            Assert.Equal("email@example.org", d.LoginUserName);
            Assert.True(d.SensorOutOfDate);
            Assert.False(d.VirtualMachine);
            Assert.Equal(new[] { "AV_ACTIVE", "ONDEMAND_SCAN_DISABLED" }, d.AvStatus);
            Assert.Equal(5, d.SensorStates!.Count);
            Assert.Equal("ABCDEF", d.AdditionalProperties["uninstall_code"]);
            Assert.Equal("8.3.62.44", d.AdditionalProperties["av_ave_version"]);
            Assert.False(d.AdditionalProperties.ContainsKey("last_contact_time"));
            Assert.Same(s, d.Session);
        }

        [Fact]
        public async Task SearchSendsCriteriaQueryAndOneBasedStartAndReadsNumFound()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, "{\"results\":[{\"id\":1,\"name\":\"web-01\"},{\"id\":2,\"name\":\"web-02\"}],\"num_found\":2}"));
            using var s = Current(h);
            var q = new DeviceQuery { HostName = "web*", OwnerNameExact = "a@b.c" };
            q.Status.Add("registered");
            q.Filters.Add("os:WINDOWS");
            q.Sort.Add("-last_contact_time");
            var search = s.DeviceService().Search(q, 0, null, 1000);
            var all = await search.ReadAllAsync();
            Assert.Equal(new long[] { 1, 2 }, all.Select(d => d.DeviceId));
            Assert.Equal(2, search.ServerTotal);
            var r = h.List.Single();
            Assert.Equal("POST", r.Method.Method);
            Assert.Equal("/appservices/v6/orgs/ORG1/devices/_search", r.Uri.PathAndQuery);
            var body = Newtonsoft.Json.Linq.JObject.Parse(r.Body!);
            Assert.Equal(new[] { "REGISTERED" }, body["criteria"]!["status"]!.ToObject<string[]>());
            Assert.Equal(new[] { "WINDOWS" }, body["criteria"]!["os"]!.ToObject<string[]>());
            Assert.Equal("name:web* AND email:\"a@b.c\"", (string)body["query"]!);
            Assert.Equal("last_contact_time", (string)body["sort"]![0]!["field"]!);
            Assert.Equal("DESC", (string)body["sort"]![0]!["order"]!);
            Assert.Equal(1, (int)body["start"]!);
            Assert.Equal(100, (int)body["rows"]!);
        }

        [Fact]
        public async Task ExclusionsAndCriteriaGoToTheServerInTheirOwnObjectsAndInTheActionSearch()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, "{\"results\":[],\"num_found\":0}"));
            using var s = Current(h);
            var q = new DeviceQuery();
            q.Criteria["deployment_type"] = new object?[] { "WORKLOAD" };
            q.Exclusions["sensor_version"] = "3.9.1.2451";
            q.Exclusions["sensor_version_extra"] = new object?[] { "1", "2" };
            await s.DeviceService().Search(q, 0, null, 1000).ReadAllAsync();
            var body = Newtonsoft.Json.Linq.JObject.Parse(h.List.Single().Body!);
            Assert.Equal(new[] { "WORKLOAD" }, body["criteria"]!["deployment_type"]!.ToObject<string[]>());
            Assert.Equal(new[] { "3.9.1.2451" }, body["exclusions"]!["sensor_version"]!.ToObject<string[]>());
            Assert.Equal(new[] { "1", "2" }, body["exclusions"]!["sensor_version_extra"]!.ToObject<string[]>());
            Assert.Null(body["criteria"]!["sensor_version"]);
            var action = s.DeviceService().SearchBody(q);
            Assert.True(action.ContainsKey("exclusions"));
            Assert.False(action.ContainsKey("rows"));
        }

        [Fact]
        public void ALegacySessionRefusesExclusionsWithoutSendingAnything()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, "{\"success\":true,\"results\":[],\"totalResults\":0}"));
            using var s = Fake.Session(h, o => o.ApiGeneration = ApiGeneration.Legacy);
            var q = new DeviceQuery();
            q.Exclusions["sensor_version"] = "3.9.1.2451";
            var ex = Assert.Throws<ArgumentException>(() => s.DeviceService().Search(q, 0, null, 1000));
            Assert.Contains("-Exclusions", ex.Message);
            Assert.Contains("-ApiGeneration Current", ex.Message);
            Assert.Equal(0, h.Count);
        }

        [Fact]
        public async Task AnExactNameIsAQuotedTermAndIsCheckedHereToo()
        {
            // A server that matched words would return SRV-SQL-012 for "SRV-SQL-01": it is not written.
            var h = new FakeHandler(_ => FakeHandler.Json(200, "{\"results\":[{\"id\":1,\"name\":\"SRV-SQL-01\"},{\"id\":2,\"name\":\"SRV-SQL-012\"}],\"num_found\":2}"));
            using var s = Current(h);
            var all = await s.DeviceService().Search(new DeviceQuery { HostName = "srv-sql-01" }, 0, null, 1000).ReadAllAsync();
            Assert.Equal(new long[] { 1 }, all.Select(d => d.DeviceId));
            Assert.Contains("\"query\":\"name:\\\"srv-sql-01\\\"\"", h.List[0].Body);
        }

        [Fact]
        public void UnknownFilterKeysAreRefusedAndDocumentedOnesBecomeCriteria()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, "{\"results\":[],\"num_found\":0}"));
            using var s = Current(h);
            var q = new DeviceQuery();
            q.Filters.Add("stauts:REGISTERED");
            var ex = Assert.Throws<ArgumentException>(() => s.DeviceService().Search(q, 0, null, 1000));
            Assert.Contains("stauts", ex.Message);
            Assert.Contains("target_priority", ex.Message);
            Assert.Equal(0, h.Count);
        }

        [Fact]
        public async Task PastTheSearchWindowItScrollsAndHandsOnEveryDeviceOnce()
        {
            // 25,000 devices: _search returns any window; _scroll pages by id with an opaque cursor.
            const int total = 25000;
            var h = new FakeHandler(r =>
            {
                var b = Newtonsoft.Json.Linq.JObject.Parse(r.Body!);
                int rows = (int)b["rows"]!;
                if (r.Uri.AbsolutePath.EndsWith("/_search"))
                {
                    int start = (int)b["start"]!;
                    Assert.True(start + rows - 1 <= 10000, "the search window was exceeded");
                    var ids = Enumerable.Range(start, Math.Min(rows, total - start + 1)).Select(i => "{\"id\":" + i + "}");
                    return FakeHandler.Json(200, "{\"results\":[" + string.Join(",", ids) + "],\"num_found\":" + total + "}");
                }
                int after = b["search_after"] == null ? 0 : int.Parse((string)b["search_after"]!);
                var page = Enumerable.Range(after + 1, Math.Max(0, Math.Min(rows, total - after))).ToList();
                string next = page.Count == 0 || page.Last() == total ? "" : page.Last().ToString();
                return FakeHandler.Json(200, "{\"num_found\":" + total + ",\"search_after\":\"" + next + "\",\"results\":[" +
                                              string.Join(",", page.Select(i => "{\"id\":" + i + "}")) + "]}");
            });
            using var s = Current(h);
            var search = s.DeviceService().Search(new DeviceQuery(), 0, null, 5000);
            var all = await search.ReadAllAsync();
            Assert.Equal(total, all.Count);
            Assert.Equal(total, all.Select(d => d.DeviceId).Distinct().Count());
            Assert.Equal(1, h.List.Count(r => r.Uri.AbsolutePath.EndsWith("/_search")));
            Assert.Equal(5, h.List.Count(r => r.Uri.AbsolutePath.EndsWith("/_scroll")));
        }

        [Fact]
        public async Task ASortedSearchStopsAtTheWindowWithAClearError()
        {
            var h = new FakeHandler(r =>
            {
                var b = Newtonsoft.Json.Linq.JObject.Parse(r.Body!);
                int start = (int)b["start"]!, rows = (int)b["rows"]!;
                var ids = Enumerable.Range(start, rows).Select(i => "{\"id\":" + i + "}");
                return FakeHandler.Json(200, "{\"results\":[" + string.Join(",", ids) + "],\"num_found\":20000}");
            });
            using var s = Current(h);
            var q = new DeviceQuery();
            q.Sort.Add("name");
            var search = s.DeviceService().Search(q, 0, null, 5000);
            var got = new List<Device>();
            var ex = await Assert.ThrowsAsync<CbClientException>(async () => { while (await search.NextPageAsync(got.Add, CallContext.None)) { } });
            Assert.Contains("10,000", ex.Message);
            Assert.Contains("Sort-Object", ex.Message);
            Assert.Equal(10000, got.Count);
        }
    }

    public class GenerationProbeTests
    {
        [Theory]
        [InlineData(200, "Current")]
        [InlineData(401, "Legacy")]
        [InlineData(403, "Legacy")]
        [InlineData(404, "Legacy")]
        public async Task AutoAsksTheCurrentDeviceSearchOnceAndKeepsTheAnswer(int status, string expected)
        {
            var h = new FakeHandler(r => r.Uri.AbsolutePath.EndsWith("/devices/_search")
                ? FakeHandler.Json(status, status == 200 ? "{\"results\":[],\"num_found\":0}" : "{\"error_code\":\"X\",\"message\":\"no\"}")
                : FakeHandler.Json(200, Fake.Page(0, Array.Empty<long>())));
            var log = new ListLog();
            using var s = Fake.Session(h, o => o.ApiGeneration = ApiGeneration.Auto);
            Assert.Equal(ApiGeneration.Auto, s.ApiGeneration);
            await s.GetServicesAsync(new CallContext(default, log));
            await s.GetServicesAsync(CallContext.None);
            Assert.Equal(expected, s.ApiGeneration.ToString());
            Assert.Equal(1, h.Count);
            Assert.Contains(log.Messages, m => m.Contains("API generation") && m.Contains(expected));
        }

        [Fact]
        public async Task WithoutAnOrgKeyItIsLegacyWithoutARequest()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, "{}"));
            using var s = Fake.Session(h, o => { o.ApiGeneration = ApiGeneration.Auto; o.OrgKey = null; });
            await s.GetServicesAsync(CallContext.None);
            Assert.Equal(ApiGeneration.Legacy, s.ApiGeneration);
            Assert.Equal(0, h.Count);
        }

        [Fact]
        public void CurrentWithoutAnOrgKeyIsRefusedAtConnect()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, "{}"));
            var ex = Assert.Throws<ArgumentException>(() => Fake.Session(h, o => { o.ApiGeneration = ApiGeneration.Current; o.OrgKey = null; }));
            Assert.Contains("-OrgKey", ex.Message);
        }

        [Theory]
        [InlineData(410, "{\"success\":false,\"error_code\":\"GONE\",\"message\":\"This API has been retired\"}")]
        [InlineData(404, "{\"success\":false,\"message\":\"Not found\"}")]
        public async Task ARetiredLegacyRouteSaysWhatToConnectWith(int status, string body)
        {
            var h = new FakeHandler(_ => FakeHandler.Json(status, body));
            using var s = Fake.Session(h);
            var ex = await Assert.ThrowsAsync<CbRetiredApiException>(() => s.DevicePageAsync(null, 10));
            Assert.Contains("-ApiGeneration Current", ex.Message);
            Assert.Contains("Custom", ex.Message);
            Assert.Equal(status, ex.StatusCode);
        }
    }
}
