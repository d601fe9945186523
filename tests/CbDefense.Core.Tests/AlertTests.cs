using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using CbDefense.Json;
using CbDefense.Search;
using CbDefense.Services;
using CbDefense.Services.Current;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Xunit;

namespace CbDefense.Core.Tests
{
    /// <summary>
    /// Alerts in Core: the v7 and v6 search bodies, the model mapping of both generations, the window moving past 10,000
    /// hits, the range limits, the v7 workflow with its jobs, the threat workflow, the legacy refusals and the watcher.
    /// </summary>
    public class AlertTests
    {
        // A v7 alert shaped like the SDK's mock_alerts_v7 (the fields of docs §6.2), with our own values.
        private const string V7Alert = @"{
 ""org_key"":""ORG1"",""alert_url"":""https://defense.example.com/alerts?s[c][query_string]=id:0b9b8a6e-2f1a-4c6d-9e51-7d3a8e2f0c11"",
 ""id"":""0b9b8a6e-2f1a-4c6d-9e51-7d3a8e2f0c11"",""type"":""CB_ANALYTICS"",
 ""backend_timestamp"":""2024-02-10T14:05:31.417Z"",""user_update_timestamp"":null,""backend_update_timestamp"":""2024-02-10T15:00:00.001Z"",
 ""detection_timestamp"":""2024-02-10T14:04:59.900Z"",""first_event_timestamp"":""2024-02-10T14:03:12.250Z"",""last_event_timestamp"":1707573840000,
 ""severity"":6,""reason"":""The application rundll32.exe acted as a network server."",""reason_code"":""R_NET_SERVER"",
 ""threat_id"":""9E1D2C7B0A4F4B7E8C2D1A0F3B6E5D4C"",""primary_event_id"":""ev-77"",""policy_applied"":""APPLIED"",""run_state"":""RAN"",""sensor_action"":""DENY"",
 ""workflow"":{""change_timestamp"":""2024-02-10T15:00:00.001Z"",""changed_by_type"":""API"",""changed_by"":""ABCD1234"",""closure_reason"":""RESOLVED"",""status"":""CLOSED"",""note"":""reimaged"",""extra_flag"":true},
 ""determination"":{""change_timestamp"":""2024-02-10T15:00:00.001Z"",""value"":""TRUE_POSITIVE"",""changed_by_type"":""USER"",""changed_by"":""soc@example.com""},
 ""tags"":null,""alert_notes_present"":false,""threat_notes_present"":true,""is_updated"":true,
 ""device_id"":4711,""device_name"":""WIN-FIN-0042"",""device_target_value"":""HIGH"",""device_policy"":""Finance"",""device_policy_id"":""6525"",
 ""device_os"":""WINDOWS"",""device_os_version"":""Windows 11 x64"",""device_username"":""fin\\jdoe"",""device_location"":""ONSITE"",
 ""ttps"":[""MITRE_T1218_011_RUNDLL32"",""ACTIVE_SERVER""],""process_name"":""rundll32.exe"",
 ""process_sha256"":""5b1cf1e3b3f62e7b3b6b4b1a29c5f7a7b7c2e7f9b7d1a6d2c3a4b5c6d7e8f9a0"",""process_pid"":6900,
 ""future_field"":{""nested"":[1,2]}
}";

        // A v6 alert shaped like fixtures/alert_v6_get.json, with our own values.
        private const string V6Alert = @"{
 ""type"":""CB_ANALYTICS"",""id"":""7d1f0e2c9b8a4c3d2e1f0a9b8c7d6e5f4a3b2c1"",""legacy_alert_id"":""7D1F0E2C"",""org_key"":""ORG1"",
 ""create_time"":""2023-06-01T09:15:20.123Z"",""last_update_time"":""2023-06-02T10:00:00.000Z"",
 ""first_event_time"":""2023-06-01T09:14:00.500Z"",""last_event_time"":""2023-06-01T09:14:01.000Z"",
 ""threat_id"":""c0ffee00c0ffee00c0ffee00c0ffee00"",""severity"":3,""category"":""THREAT"",
 ""device_id"":98765,""device_os"":""WINDOWS"",""device_os_version"":""Windows Server 2022 x64"",""device_name"":""srv-web-01"",""device_username"":""svc_web"",
 ""policy_id"":12,""policy_name"":""Servers"",""target_value"":""MISSION_CRITICAL"",
 ""workflow"":{""state"":""DISMISSED"",""remediation"":""Fixed"",""last_update_time"":""2023-06-02T10:00:00.000Z"",""comment"":""patched"",""changed_by"":""soc@example.com""},
 ""notes_present"":false,""tags"":""None"",""reason"":""A port scan was detected."",""reason_code"":""R_SCAN"",""process_name"":""svchost.exe"",
 ""threat_indicators"":[
  {""process_name"":""svchost.exe"",""sha256"":""aa11"",""ttps"":[""PORTSCAN"",""NETWORK_ACCESS""]},
  {""process_name"":""svchost.exe"",""sha256"":""aa11"",""ttps"":[""NETWORK_ACCESS"",""MITRE_T1046_NETWORK_SERVICE_SCANNING""]}],
 ""threat_cause_actor_sha256"":""bb22"",""threat_cause_actor_name"":""svchost.exe -k netsvcs"",""threat_cause_reputation"":""TRUSTED_WHITE_LIST"",
 ""kill_chain_status"":[""RECONNAISSANCE""],""run_state"":""RAN"",
 ""alert_classification"":{""user_feedback"":""FALSE_POSITIVE"",""classification"":""BENIGN"",""review_requested"":false}
}";

        private static Session Current(FakeHandler h) => Fake.Session(h, o => o.ApiGeneration = ApiGeneration.Current);
        private static Session Legacy(FakeHandler h) => Fake.Session(h, o => o.ApiGeneration = ApiGeneration.Legacy);
        private static Session Of(ApiGeneration g, FakeHandler h) => g == ApiGeneration.Current ? Current(h) : Legacy(h);
        private static IAlertService Alerts(Session s) => s.GetServicesAsync(CallContext.None).GetAwaiter().GetResult().Alerts;

        private static Dictionary<string, object?> Plain(string json) => (Dictionary<string, object?>)PlainJson.Parse(json)!;

        /// <summary>A JSON body as sent: ISO strings stay strings.</summary>
        private static JObject Body(RecordedRequest r)
        {
            using var reader = new JsonTextReader(new StringReader(r.Body!)) { DateParseHandling = DateParseHandling.None };
            return JObject.Load(reader);
        }

        private static JObject J(string json)
        {
            using var reader = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None };
            return JObject.Load(reader);
        }

        private static void AssertJson(string expected, JToken actual) =>
            Assert.True(JToken.DeepEquals(J(expected), actual), "Expected " + J(expected).ToString(Formatting.None) + "\nActual   " + actual.ToString(Formatting.None));

        private static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

        private static DateTime Utc(string iso) => DateTime.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

        private const string EmptyPage = "{\"results\":[],\"num_found\":0,\"num_available\":0}";

        private static Task<List<Alert>> ReadAll(PagedSearch<Alert> search) => search.ReadAllAsync();

        private static PagedSearch<Alert> Search(Session s, AlertQuery q, int pageSize = 1000, long skip = 0, long? first = null) =>
            Alerts(s).Search(q, skip, first, pageSize);

        // ---------------------------------------------------------------- search bodies

        [Fact]
        public async Task V7SearchBodyCarriesTheTimeRangeAtTheTopAndEveryCriterionOfTheQuery()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, EmptyPage));
            using var s = Current(h);
            var q = new AlertQuery
            {
                // A local StartTime is sent as UTC.
                StartTime = new DateTime(2024, 3, 1, 8, 0, 0, DateTimeKind.Utc).ToLocalTime(),
                EndTime = new DateTime(2024, 3, 2, 8, 0, 0, 250, DateTimeKind.Utc),
                MinimumSeverity = 5,
                Query = "  process_name:evil*  ",
            };
            q.Id.Add("a1");
            q.Type.Add("cb_analytics"); q.Type.Add("WATCHLIST");
            q.DeviceId.Add(42); q.DeviceId.Add(43);
            q.DeviceName.Add("WIN-01");
            q.ThreatId.Add("t1");
            q.Status.Add("open"); q.Status.Add("IN_PROGRESS");
            q.Determination.Add("true_positive");
            q.ProcessName.Add("evil.exe");
            q.ProcessSha256.Add("ab12");
            q.PolicyName.Add("Standard");
            q.Criteria["device_os"] = "WINDOWS";
            q.Criteria["ttps"] = new[] { "X", "Y" };
            q.Criteria["detection_timestamp"] = new Dictionary<string, object?> { ["range"] = "-1d" };
            q.Exclusions["device_name"] = "DC-01";
            q.Exclusions["type"] = new List<string> { "WATCHLIST" };

            var all = await ReadAll(Search(s, q));
            Assert.Empty(all);
            var r = h.List.Single();
            Assert.Equal(HttpMethod.Post, r.Method);
            Assert.Equal("/api/alerts/v7/orgs/ORG1/alerts/_search", r.Uri.AbsolutePath);
            AssertJson(@"{
 ""time_range"":{""start"":""2024-03-01T08:00:00.000Z"",""end"":""2024-03-02T08:00:00.250Z""},
 ""criteria"":{""id"":[""a1""],""type"":[""CB_ANALYTICS"",""WATCHLIST""],""minimum_severity"":5,""device_id"":[42,43],""device_name"":[""WIN-01""],
   ""threat_id"":[""t1""],""workflow_status"":[""OPEN"",""IN_PROGRESS""],""determination_value"":[""TRUE_POSITIVE""],""process_name"":[""evil.exe""],
   ""process_sha256"":[""ab12""],""device_policy"":[""Standard""],""device_os"":[""WINDOWS""],""ttps"":[""X"",""Y""],""detection_timestamp"":{""range"":""-1d""}},
 ""exclusions"":{""device_name"":[""DC-01""],""type"":[""WATCHLIST""]},
 ""query"":""process_name:evil*"",
 ""sort"":[{""field"":""backend_timestamp"",""order"":""ASC""},{""field"":""id"",""order"":""ASC""}],
 ""rows"":100,""start"":1}", Body(r));
        }

        [Fact]
        public async Task V6SearchBodyPutsTheTimeInCreateTimeAndSpeaksV6Names()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, EmptyPage));
            using var s = Legacy(h);
            var q = new AlertQuery
            {
                StartTime = new DateTime(2023, 5, 1, 0, 0, 0, DateTimeKind.Utc),
                EndTime = new DateTime(2023, 5, 31, 23, 59, 59, 999, DateTimeKind.Utc),
                MinimumSeverity = 3,
                Query = "reason:scan",
            };
            q.Type.Add("cb_analytics");
            q.DeviceId.Add(98765);
            q.Status.Add("open"); q.Status.Add("closed");
            q.PolicyName.Add("Servers");
            q.ProcessSha256.Add("bb22");
            q.Exclusions["device_name"] = new[] { "DC-01", "DC-02" };
            q.Sort.Add("-backend_timestamp"); q.Sort.Add("severity"); q.Sort.Add("+device_policy");

            await ReadAll(Search(s, q, pageSize: 50));
            var r = h.List.Single();
            Assert.Equal("/appservices/v6/orgs/ORG1/alerts/_search", r.Uri.AbsolutePath);
            AssertJson(@"{
 ""criteria"":{""type"":[""CB_ANALYTICS""],""minimum_severity"":3,""device_id"":[98765],""process_sha256"":[""bb22""],""policy_name"":[""Servers""],
   ""workflow"":[""OPEN"",""DISMISSED""],""create_time"":{""start"":""2023-05-01T00:00:00.000Z"",""end"":""2023-05-31T23:59:59.999Z""}},
 ""exclusions"":{""device_name"":[""DC-01"",""DC-02""]},
 ""query"":""reason:scan"",
 ""sort"":[{""field"":""create_time"",""order"":""DESC""},{""field"":""severity"",""order"":""ASC""},{""field"":""policy_name"",""order"":""ASC""}],
 ""rows"":50,""start"":1}", Body(r));
        }

        [Theory]
        [InlineData(ApiGeneration.Current, "-7d", "{\"time_range\":{\"range\":\"-7d\"},\"sort\":[{\"field\":\"backend_timestamp\",\"order\":\"ASC\"},{\"field\":\"id\",\"order\":\"ASC\"}],\"rows\":100,\"start\":1}")]
        [InlineData(ApiGeneration.Current, "all", "{\"time_range\":{\"range\":\"all\"},\"sort\":[{\"field\":\"backend_timestamp\",\"order\":\"ASC\"},{\"field\":\"id\",\"order\":\"ASC\"}],\"rows\":100,\"start\":1}")]
        [InlineData(ApiGeneration.Legacy, "-12h", "{\"criteria\":{\"create_time\":{\"range\":\"-12h\"}},\"sort\":[{\"field\":\"create_time\",\"order\":\"ASC\"},{\"field\":\"id\",\"order\":\"ASC\"}],\"rows\":100,\"start\":1}")]
        [InlineData(ApiGeneration.Legacy, "-180d", "{\"criteria\":{\"create_time\":{\"range\":\"-180d\"}},\"sort\":[{\"field\":\"create_time\",\"order\":\"ASC\"},{\"field\":\"id\",\"order\":\"ASC\"}],\"rows\":100,\"start\":1}")]
        public async Task RangeIsSentAsTheServerSpellsIt(ApiGeneration g, string range, string expected)
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, EmptyPage));
            using var s = Of(g, h);
            await ReadAll(Search(s, new AlertQuery { Range = range }));
            AssertJson(expected, Body(h.List.Single()));
        }

        [Fact]
        public async Task AUserSortOnV7IsSentAsGivenWithoutTheTimeOrder()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, EmptyPage));
            using var s = Current(h);
            var q = new AlertQuery { Range = "-1d" };
            q.Sort.Add("-severity"); q.Sort.Add("backend_timestamp");
            await ReadAll(Search(s, q));
            AssertJson("{\"sort\":[{\"field\":\"severity\",\"order\":\"DESC\"},{\"field\":\"backend_timestamp\",\"order\":\"ASC\"}]}",
                new JObject(new JProperty("sort", Body(h.List.Single())["sort"])));
        }

        // ---------------------------------------------------------------- refusals before sending

        [Theory]
        [InlineData("-181d", "longer than the 180 days")]
        [InlineData("-26w", "longer than the 180 days")]
        [InlineData("-1y", "longer than the 180 days")]
        [InlineData("-4321h", "longer than the 180 days")]
        [InlineData("7d", "-Range takes")]
        [InlineData("-7x", "-Range takes")]
        [InlineData("-d", "-Range takes")]
        [InlineData("last week", "-Range takes")]
        [InlineData("-1.5d", "-Range takes")]
        public void ABadRangeIsRefusedBeforeAnythingIsSent(string range, string message)
        {
            foreach (var g in new[] { ApiGeneration.Current, ApiGeneration.Legacy })
            {
                var h = new FakeHandler(_ => FakeHandler.Json(200, EmptyPage));
                using var s = Of(g, h);
                var ex = Assert.Throws<ArgumentException>(() => Alerts(s).Search(new AlertQuery { Range = range }, 0, null, 100));
                Assert.Contains(message, ex.Message);
                Assert.Equal(0, h.Count);
            }
        }

        [Fact]
        public void TimeRangesTheApiCannotServeAreRefusedBeforeAnythingIsSent()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, EmptyPage));
            using var s = Current(h);
            var alerts = Alerts(s);
            var t0 = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

            var inverted = Assert.Throws<ArgumentException>(() => alerts.Search(new AlertQuery { StartTime = t0, EndTime = t0.AddSeconds(-1) }, 0, null, 100));
            Assert.Contains("is before -StartTime", inverted.Message);

            var tooLong = Assert.Throws<ArgumentException>(() => alerts.Search(new AlertQuery { StartTime = t0, EndTime = t0.AddDays(180).AddMilliseconds(1) }, 0, null, 100));
            Assert.Contains("180 days", tooLong.Message);

            // A start alone runs to now: more than 180 days ago is too long as well.
            var startOnly = Assert.Throws<ArgumentException>(() => alerts.Search(new AlertQuery { StartTime = DateTime.UtcNow.AddDays(-181) }, 0, null, 100));
            Assert.Contains("180 days", startOnly.Message);

            var both = Assert.Throws<ArgumentException>(() => alerts.Search(new AlertQuery { Range = "-1d", StartTime = t0 }, 0, null, 100));
            Assert.Contains("not both", both.Message);

            Assert.Equal(0, h.Count);
            // Exactly 180 days is allowed.
            alerts.Search(new AlertQuery { StartTime = t0, EndTime = t0.AddDays(180) }, 0, null, 100);
            alerts.Search(new AlertQuery { Range = "-180d" }, 0, null, 100);
        }

        [Fact]
        public void LegacyRefusesWhatV6CannotExpressAndNamesTheCurrentApi()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, EmptyPage));
            using var s = Legacy(h);
            var inProgress = new AlertQuery();
            inProgress.Status.Add("in_progress");
            var ex = Assert.Throws<ArgumentException>(() => Alerts(s).Search(inProgress, 0, null, 100));
            Assert.Contains("-Status IN_PROGRESS needs alerts v7", ex.Message);
            Assert.Contains("-ApiGeneration Current", ex.Message);
            Assert.Contains("Nothing was sent", ex.Message);

            var determination = new AlertQuery();
            determination.Determination.Add("TRUE_POSITIVE");
            ex = Assert.Throws<ArgumentException>(() => Alerts(s).Search(determination, 0, null, 100));
            Assert.Contains("-Determination needs alerts v7", ex.Message);
            Assert.Contains("-ApiGeneration Current", ex.Message);
            Assert.Equal(0, h.Count);
        }

        [Fact]
        public async Task ChangingAlertsByIdOnLegacyIsRefusedNamingTheReplacements()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, "{\"request_id\":\"x\"}"));
            using var s = Legacy(h);
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                Alerts(s).UpdateAlertsAsync(new[] { "a1" }, new AlertWorkflowUpdate { Status = "CLOSED" }, CallContext.None));
            Assert.Contains("-ApiGeneration Current", ex.Message);
            Assert.Contains("Invoke-CbThreatDismiss -ThreatId", ex.Message);
            Assert.Contains("Nothing was sent", ex.Message);
            Assert.Equal(0, h.Count);
        }

        // ---------------------------------------------------------------- model mapping

        [Fact]
        public void AV7AlertIsTypedAndKeepsWhatItDoesNotKnow()
        {
            var a = Alert.ReadV7(Plain(V7Alert), null);
            Assert.Equal(ApiGeneration.Current, a.ApiGeneration);
            Assert.Equal("0b9b8a6e-2f1a-4c6d-9e51-7d3a8e2f0c11", a.Id);
            Assert.Equal("CB_ANALYTICS", a.Type);
            Assert.Equal(6, a.Severity);
            Assert.Equal("R_NET_SERVER", a.ReasonCode);
            Assert.Equal("9E1D2C7B0A4F4B7E8C2D1A0F3B6E5D4C", a.ThreatId);
            Assert.Equal(4711L, a.DeviceId);
            Assert.Equal("WIN-FIN-0042", a.DeviceName);
            Assert.Equal("WINDOWS", a.DeviceOs);
            Assert.Equal("Finance", a.DevicePolicy);
            Assert.Equal(6525L, a.DevicePolicyId); // a number sent as a string
            Assert.Equal("fin\\jdoe", a.DeviceUsername);
            Assert.Equal("rundll32.exe", a.ProcessName);
            Assert.StartsWith("5b1cf1e3", a.ProcessSha256);
            Assert.Equal("ORG1", a.OrgKey);
            Assert.Equal(new[] { "MITRE_T1218_011_RUNDLL32", "ACTIVE_SERVER" }, a.Ttps);

            // Times are UTC, to the millisecond; the plain properties are the same instants in local time.
            Assert.Equal(new DateTime(2024, 2, 10, 14, 5, 31, 417, DateTimeKind.Utc), a.BackendTimestampUtc);
            Assert.Equal(DateTimeKind.Utc, a.BackendTimestampUtc!.Value.Kind);
            Assert.Equal(a.BackendTimestampUtc.Value.ToLocalTime(), a.BackendTimestamp);
            Assert.Equal(DateTimeKind.Local, a.BackendTimestamp!.Value.Kind);
            Assert.Equal(new DateTime(2024, 2, 10, 15, 0, 0, 1, DateTimeKind.Utc), a.BackendUpdateTimestampUtc);
            Assert.Equal(new DateTime(2024, 2, 10, 14, 4, 59, 900, DateTimeKind.Utc), a.DetectionTimestampUtc);
            Assert.Equal(new DateTime(2024, 2, 10, 14, 3, 12, 250, DateTimeKind.Utc), a.FirstEventTimestampUtc);
            Assert.Equal(new DateTime(2024, 2, 10, 14, 4, 0, DateTimeKind.Utc), a.LastEventTimestampUtc); // epoch milliseconds

            Assert.Equal("CLOSED", a.Status);
            Assert.Equal("RESOLVED", a.ClosureReason);
            Assert.Equal("CLOSED", a.Workflow!.Status);
            Assert.Equal("reimaged", a.Workflow.Note);
            Assert.Equal("API", a.Workflow.ChangedByType);
            Assert.Equal("ABCD1234", a.Workflow.ChangedBy);
            Assert.Equal(new DateTime(2024, 2, 10, 15, 0, 0, 1, DateTimeKind.Utc), a.Workflow.ChangeTimestampUtc);
            Assert.Equal(true, a.Workflow.AdditionalProperties["extra_flag"]);

            Assert.Equal("TRUE_POSITIVE", a.Determination);
            var det = Assert.IsAssignableFrom<IDictionary<string, object?>>(a.AdditionalProperties["determination"]);
            Assert.Equal("soc@example.com", det["changed_by"]);
            Assert.Equal("USER", det["changed_by_type"]);
            Assert.False(det.ContainsKey("value"));

            // Unknown and untyped fields are kept under their wire names; typed ones are not repeated there.
            var extra = a.AdditionalProperties;
            Assert.Equal("HIGH", extra["device_target_value"]);
            Assert.Equal("DENY", extra["sensor_action"]);
            Assert.Equal(6900L, extra["process_pid"]);
            Assert.True(extra.ContainsKey("tags"));
            Assert.Null(extra["tags"]);
            var future = Assert.IsAssignableFrom<IDictionary<string, object?>>(extra["future_field"]);
            Assert.Equal(new object?[] { 1L, 2L }, ((IEnumerable<object?>)future["nested"]!).ToArray());
            foreach (var typed in new[] { "id", "type", "severity", "backend_timestamp", "detection_timestamp", "device_id", "device_policy_id", "workflow", "ttps", "process_name", "org_key" })
                Assert.False(extra.ContainsKey(typed), typed + " is typed and should not be repeated in AdditionalProperties");
        }

        [Fact]
        public void AnAdoptingReaderHandsTheParsedObjectOnWhileACopyingOneLeavesItAlone()
        {
            var parsed = Plain("{\"a\":1,\"b\":\"x\",\"c\":{\"d\":2,\"e\":3}}");
            var copying = new FieldReader(parsed);
            Assert.Equal(1L, copying.Long("a"));
            Assert.Equal(2L, copying.Object("c", r => r)!.Long("d"));
            Assert.Equal(3, parsed.Count); // the caller's dictionary, nested ones included, is left as it was
            Assert.Equal(2, ((Dictionary<string, object?>)parsed["c"]!).Count);
            Assert.NotSame(parsed, copying.TakeRest());

            var adopting = FieldReader.Adopt(parsed);
            Assert.Equal(1L, adopting.Long("a"));
            var nested = adopting.Object("c", r => r)!;
            Assert.Equal(2L, nested.Long("d"));
            var kept = adopting.TakeRest();
            Assert.Same(parsed, kept); // no copy: what is left is the parsed object itself
            Assert.Equal(new[] { "b" }, kept.Keys);
            Assert.Equal(new[] { "e" }, nested.TakeRest().Keys);
        }

        [Fact]
        public void RequestBodiesOfPlainValuesAreWrittenAsTheSerializerWritesThem()
        {
            var nested = new Dictionary<string, object?>
            {
                ["criteria"] = new Dictionary<string, object?> { ["os"] = new List<object?> { "WINDOWS", "MAC" }, ["id"] = new object?[] { 1L, 2 } },
                ["query"] = "name:\"web*\" AND \u00e9t\u00e9 \\ \t",
                ["rows"] = 10000, ["start"] = 1L, ["ratio"] = 0.1, ["big"] = 1e300, ["nan"] = double.NaN, ["on"] = true, ["none"] = null,
                ["empty"] = new List<object?>(), ["map"] = new PlainMap { ["k"] = new PlainList { new Dictionary<string, object?>() } },
            };
            var odd = new Dictionary<string, object?>
            {
                ["when"] = new DateTime(2024, 2, 10, 14, 5, 31, 417, DateTimeKind.Utc), ["names"] = new List<string> { "a" },
                ["enum"] = DayOfWeek.Monday, ["dec"] = 1.5m, ["raw"] = new RawJson("{\"x\":1}"), ["id"] = Guid.Empty,
            };
            foreach (var body in new object?[] { nested, odd, new List<object?> { 1L, "x" }, "text", 42L, new { a = 1 } })
                Assert.Equal(JsonConvert.SerializeObject(body, PlainJson.SerializerSettings), PlainJson.Serialize(body));
            Assert.Equal("{}", PlainJson.Serialize(null));
            Assert.Equal("{\"raw\":true}", PlainJson.Serialize(new RawJson("{\"raw\":true}")));
        }

        [Fact]
        public void AListReplyHandsOnEachItemWithItsFieldNamesAllocatedOnce()
        {
            string json = "{\"num_found\":3,\"results\":[{\"id\":\"1\",\"x\":1},{\"id\":\"2\",\"x\":2},7,{\"id\":\"3\"}],\"more\":{\"k\":true}}";
            var seen = new List<Dictionary<string, object?>>();
            bool present = ListJsonReader.ReadEach(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)), "results", seen.Add, out var env);
            Assert.True(present);
            Assert.Equal(new[] { "1", "2", "3" }, seen.Select(d => (string)d["id"]!)); // an item that is not an object is skipped
            Assert.Same(seen[0].Keys.First(), seen[2].Keys.First());
            Assert.Equal(3L, env.TotalResults);
            Assert.True(env.Fields.ContainsKey("more"));
            Assert.False(ListJsonReader.ReadEach(new MemoryStream(System.Text.Encoding.UTF8.GetBytes("{\"results\":null}")), "results", seen.Add, out _));
            Assert.Throws<JsonReaderException>(() => ListJsonReader.ReadEach(new MemoryStream(System.Text.Encoding.UTF8.GetBytes("{\"results\":[{\"id\":\"4\"},{\"id\"")), "results", seen.Add, out _));
            Assert.Equal("4", seen.Last()["id"]); // items before the fault were handed on
        }

        [Fact]
        public void AV7AlertWithFewFieldsReadsWithoutFailing()
        {
            var a = Alert.ReadV7(Plain("{\"id\":\"x1\",\"determination_value\":\"FALSE_POSITIVE\",\"severity\":\"7\",\"backend_timestamp\":null,\"workflow\":null}"), null);
            Assert.Equal("x1", a.Id);
            Assert.Equal(7, a.Severity);
            Assert.Equal("FALSE_POSITIVE", a.Determination); // the flattened spelling
            Assert.Null(a.BackendTimestampUtc);
            Assert.Null(a.BackendTimestamp);
            Assert.Null(a.Workflow);
            Assert.Null(a.Status);
            Assert.Null(a.Ttps);
            Assert.Null(a.DeviceId);
            Assert.Equal("x1", a.ToString());

            var empty = Alert.ReadV7(Plain("{}"), null);
            Assert.Null(empty.Id);
            Assert.Empty(empty.AdditionalProperties);
        }

        [Fact]
        public void AV6AlertIsMappedToTheV7Names()
        {
            var a = Alert.ReadV6(Plain(V6Alert), null);
            Assert.Equal(ApiGeneration.Legacy, a.ApiGeneration);
            Assert.Equal("7d1f0e2c9b8a4c3d2e1f0a9b8c7d6e5f4a3b2c1", a.Id);
            Assert.Equal("CB_ANALYTICS", a.Type);
            Assert.Equal(3, a.Severity);
            Assert.Equal("c0ffee00c0ffee00c0ffee00c0ffee00", a.ThreatId);
            Assert.Equal(98765L, a.DeviceId);
            Assert.Equal("Servers", a.DevicePolicy);     // policy_name
            Assert.Equal(12L, a.DevicePolicyId);         // policy_id
            Assert.Equal("svchost.exe -k netsvcs", a.ProcessName); // threat_cause_actor_name
            Assert.Equal("bb22", a.ProcessSha256);       // threat_cause_actor_sha256
            Assert.Equal(new DateTime(2023, 6, 1, 9, 15, 20, 123, DateTimeKind.Utc), a.BackendTimestampUtc);       // create_time
            Assert.Equal(DateTimeKind.Utc, a.BackendTimestampUtc!.Value.Kind);
            Assert.Equal(new DateTime(2023, 6, 2, 10, 0, 0, DateTimeKind.Utc), a.BackendUpdateTimestampUtc);        // last_update_time
            Assert.Equal(new DateTime(2023, 6, 1, 9, 14, 0, 500, DateTimeKind.Utc), a.FirstEventTimestampUtc);      // first_event_time
            Assert.Equal(new DateTime(2023, 6, 1, 9, 14, 1, DateTimeKind.Utc), a.LastEventTimestampUtc);            // last_event_time
            // ttps: every indicator's, once each, in order of appearance.
            Assert.Equal(new[] { "PORTSCAN", "NETWORK_ACCESS", "MITRE_T1046_NETWORK_SERVICE_SCANNING" }, a.Ttps);
            Assert.Equal(2, ((IEnumerable<object?>)a.AdditionalProperties["threat_indicators"]!).Count());

            // workflow: DISMISSED reads CLOSED, remediation → closure reason, comment → note.
            Assert.Equal("CLOSED", a.Status);
            Assert.Equal("Fixed", a.ClosureReason);
            Assert.Equal("CLOSED", a.Workflow!.Status);
            Assert.Equal("patched", a.Workflow.Note);
            Assert.Equal("soc@example.com", a.Workflow.ChangedBy);
            Assert.Equal(new DateTime(2023, 6, 2, 10, 0, 0, DateTimeKind.Utc), a.Workflow.ChangeTimestampUtc);

            // alert_classification.user_feedback → determination; the rest of it kept.
            Assert.Equal("FALSE_POSITIVE", a.Determination);
            var cls = Assert.IsAssignableFrom<IDictionary<string, object?>>(a.AdditionalProperties["alert_classification"]);
            Assert.Equal("BENIGN", cls["classification"]);
            Assert.False(cls.ContainsKey("user_feedback"));

            // v6-only fields stay under their v6 names.
            Assert.Equal("THREAT", a.AdditionalProperties["category"]);
            Assert.Equal("MISSION_CRITICAL", a.AdditionalProperties["target_value"]);
            Assert.Equal("TRUSTED_WHITE_LIST", a.AdditionalProperties["threat_cause_reputation"]);
            Assert.Equal("svchost.exe", a.AdditionalProperties["process_name"]); // not lost when threat_cause_actor_name wins
            Assert.False(a.AdditionalProperties.ContainsKey("create_time"));
            Assert.False(a.AdditionalProperties.ContainsKey("policy_name"));
            Assert.False(a.AdditionalProperties.ContainsKey("workflow"));

            var open = Alert.ReadV6(Plain("{\"legacy_alert_id\":\"62802DCE\",\"process_name\":\"a.exe\",\"workflow\":{\"state\":\"OPEN\"}}"), null);
            Assert.Equal("62802DCE", open.Id); // legacy_alert_id when there is no id
            Assert.Equal("a.exe", open.ProcessName);
            Assert.Equal("OPEN", open.Status);
            Assert.Null(open.Ttps);
        }

        [Theory]
        [InlineData(ApiGeneration.Current, "/api/alerts/v7/orgs/ORG1/alerts/0b9b8a6e-2f1a-4c6d-9e51-7d3a8e2f0c11")]
        [InlineData(ApiGeneration.Legacy, "/appservices/v6/orgs/ORG1/alerts/0b9b8a6e-2f1a-4c6d-9e51-7d3a8e2f0c11")]
        public async Task GetReadsTheGenerationsShapeAndA404NamesTheAlert(ApiGeneration g, string path)
        {
            var h = new FakeHandler(r => r.Uri.AbsolutePath.EndsWith("/missing")
                ? FakeHandler.Json(404, "{\"error_code\":\"NOT_FOUND\",\"message\":\"Alert not found\"}")
                : FakeHandler.Json(200, g == ApiGeneration.Current ? V7Alert : V6Alert));
            using var s = Of(g, h);
            var a = await Alerts(s).GetAsync(" 0b9b8a6e-2f1a-4c6d-9e51-7d3a8e2f0c11 ", CallContext.None);
            Assert.Equal(path, h.List[0].Uri.AbsolutePath);
            Assert.Equal(HttpMethod.Get, h.List[0].Method);
            Assert.Equal(g, a.ApiGeneration);
            Assert.Same(s, a.Session);
            Assert.Equal(g == ApiGeneration.Current ? "Finance" : "Servers", a.DevicePolicy);
            var ex = await Assert.ThrowsAsync<CbObjectNotFoundException>(() => Alerts(s).GetAsync("missing", CallContext.None));
            Assert.Contains("Alert missing was not found", ex.Message);
        }

        // ---------------------------------------------------------------- the window past 10,000 hits

        private sealed class StoredAlert
        {
            public string Id = "";
            public DateTime T;
        }

        /// <summary>
        /// A server holding <paramref name="store"/>: it applies the time range (v7 time_range and/or the time criterion),
        /// sorts by the time then id as asked (or, when <paramref name="ignoreSort"/>, newest first), and refuses
        /// start + rows past 10,000 as the API does.
        /// </summary>
        private static FakeHandler StoreServer(List<StoredAlert> store, ApiGeneration g, List<JObject> bodies, bool ignoreSort = false) =>
            new FakeHandler(StoreReply(store, g, bodies, ignoreSort));

        private static Func<RecordedRequest, HttpResponseMessage> StoreReply(List<StoredAlert> store, ApiGeneration g, List<JObject> bodies, bool ignoreSort = false)
        {
            string field = g == ApiGeneration.Current ? "backend_timestamp" : "create_time";
            var ordered = store.OrderBy(a => a.T).ThenBy(a => a.Id, StringComparer.Ordinal).ToList();
            if (ignoreSort) ordered.Reverse();
            return r =>
            {
                var b = Body(r);
                lock (bodies) bodies.Add(b);
                DateTime? from = null, to = null;
                void Apply(JToken? range)
                {
                    if (!(range is JObject o)) return;
                    if (o["range"] != null) throw new InvalidOperationException("the test store takes start/end only");
                    if (o["start"] != null) { var t = Utc((string)o["start"]!); if (from == null || t > from) from = t; }
                    if (o["end"] != null) { var t = Utc((string)o["end"]!); if (to == null || t < to) to = t; }
                }
                if (g == ApiGeneration.Current) Apply(b["time_range"]);
                else Assert.Null(b["time_range"]);
                Apply(b["criteria"]?[field]);
                int start = (int)b["start"]!, rows = (int)b["rows"]!;
                if (start < 1 || rows < 1 || start - 1 + rows > 10000)
                    return FakeHandler.Json(400, "{\"error_code\":\"INVALID_REQUEST\",\"message\":\"start + rows must not exceed 10000\"}");
                var matched = ordered.Where(a => (from == null || a.T >= from) && (to == null || a.T <= to)).ToList();
                var page = matched.Skip(start - 1).Take(rows)
                    .Select(a => "{\"id\":\"" + a.Id + "\",\"type\":\"CB_ANALYTICS\",\"" + field + "\":\"" + Iso(a.T) + "\",\"severity\":3}");
                return FakeHandler.Json(200, "{\"results\":[" + string.Join(",", page) + "],\"num_found\":" + matched.Count +
                                             ",\"num_available\":" + Math.Min(matched.Count, 10000) + "}");
            };
        }

        [Theory]
        [InlineData(ApiGeneration.Current)]
        [InlineData(ApiGeneration.Legacy)]
        public async Task APageCutShortMidBodyIsReadAgainAndNoAlertIsHandedOnTwice(ApiGeneration g)
        {
            // Every page is first sent cut off in the middle of its results (a connection that dies mid-body), then whole:
            // the alerts of the cut-off attempt were already handed on (pages stream), and the retry must not repeat them.
            var t0 = new DateTime(2024, 4, 1, 0, 0, 0, DateTimeKind.Utc);
            var store = GroupedStore(t0, count: 12500);
            var ordered = store.OrderBy(a => a.T).ThenBy(a => a.Id, StringComparer.Ordinal).ToList();
            var bodies = new List<JObject>();
            var reply = StoreReply(store, g, bodies);
            int calls = 0;
            var h = new FakeHandler(r =>
            {
                var whole = reply(r);
                if (Interlocked.Increment(ref calls) % 2 == 0) return whole;
                string text = whole.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                return FakeHandler.Json(200, text.Substring(0, text.Length * 2 / 3));
            });
            using var s = Of(g, h);
            var search = Search(s, new AlertQuery { StartTime = t0, EndTime = t0.AddDays(1) }, pageSize: 2000);

            var got = await ReadAll(search);

            Assert.Equal(ordered.Select(a => a.Id), got.Select(a => a.Id));
            Assert.Equal(2 * search.RequestCount, calls);
        }

        [Fact]
        public async Task AlertsAreHandedOnWhileTheirPageIsStillArriving()
        {
            // The first half of the page is sent, then the server waits: the alerts of that half must reach the caller before
            // the rest of the page exists (a page is not collected before it is written).
            var firstHalf = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var items = Enumerable.Range(0, 40).Select(i => "{\"id\":\"a" + i.ToString("D3", CultureInfo.InvariantCulture) +
                                                           "\",\"backend_timestamp\":\"2024-04-01T00:00:" + (i % 60).ToString("D2", CultureInfo.InvariantCulture) + ".000Z\"}").ToList();
            string head = "{\"num_found\":40,\"results\":[" + string.Join(",", items.Take(20)) + ",";
            string tail = string.Join(",", items.Skip(20)) + "]}";
            var h = new FakeHandler(_ => new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                Content = new StreamContent(new GatedStream(System.Text.Encoding.UTF8.GetBytes(head), System.Text.Encoding.UTF8.GetBytes(tail), firstHalf.Task))
                { Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") } },
            });
            using var s = Current(h);
            var search = Search(s, new AlertQuery { Range = "all" }, pageSize: 100);
            var seen = new List<string>();
            var page = search.NextPageAsync(a =>
            {
                lock (seen) seen.Add(a.Id!);
                if (seen.Count == 8) firstHalf.TrySetResult(true); // the reader reads ahead a little: a few of the 20 may wait for more bytes
            }, CallContext.None);
            var done = await Task.WhenAny(page, Task.Delay(TimeSpan.FromSeconds(20)));
            Assert.True(ReferenceEquals(page, done), "seen " + seen.Count + " " + (page.Exception?.ToString() ?? ""));
            await page;
            Assert.Equal(items.Count, seen.Count);
            Assert.True(firstHalf.Task.IsCompleted);
        }

        /// <summary>A body that sends <c>head</c>, then waits for <c>gate</c> before it sends <c>tail</c>.</summary>
        private sealed class GatedStream : Stream
        {
            private readonly byte[] _head, _tail;
            private readonly Task _gate;
            private int _pos;

            public GatedStream(byte[] head, byte[] tail, Task gate) { _head = head; _tail = tail; _gate = gate; }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (_pos >= _head.Length && !_gate.Wait(TimeSpan.FromSeconds(10))) throw new IOException("the reader waited for the whole page before handing on its first alerts");
                var all = _pos < _head.Length ? _head : _tail;
                int at = _pos < _head.Length ? _pos : _pos - _head.Length;
                int n = Math.Min(count, all.Length - at);
                if (n <= 0) return 0;
                Array.Copy(all, at, buffer, offset, n);
                _pos += n;
                return n;
            }

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                Task.Run(() => Read(buffer, offset, count), cancellationToken);

            public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            {
                var copy = new byte[buffer.Length];
                return new ValueTask<int>(Task.Run(() =>
                {
                    int n = Read(copy, 0, copy.Length);
                    copy.AsSpan(0, n).CopyTo(buffer.Span);
                    return n;
                }, cancellationToken));
            }

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }

        /// <summary>23,000 alerts, seven to a timestamp, so the 10,000th of each window shares its time with the next ones.</summary>
        private static List<StoredAlert> GroupedStore(DateTime t0, int count = 23000, int perTime = 7)
        {
            var rnd = new Random(4711);
            var list = new List<StoredAlert>();
            for (int i = 0; i < count; i++)
                list.Add(new StoredAlert { Id = rnd.Next(0x10000000, int.MaxValue).ToString("x8") + "-" + i.ToString("D5"), T = t0.AddMilliseconds(1500.0 * (i / perTime)) });
            return list;
        }

        [Theory]
        [InlineData(ApiGeneration.Current)]
        [InlineData(ApiGeneration.Legacy)]
        public async Task PastTenThousandHitsTheWindowMovesOnAndEveryAlertComesExactlyOnce(ApiGeneration g)
        {
            var t0 = new DateTime(2024, 4, 1, 0, 0, 0, DateTimeKind.Utc);
            var store = GroupedStore(t0);
            var ordered = store.OrderBy(a => a.T).ThenBy(a => a.Id, StringComparer.Ordinal).ToList();
            // The data does what the test is about: the window boundaries fall inside groups of alerts sharing a time.
            Assert.Equal(ordered[9999].T, ordered[10000].T);
            Assert.Equal(ordered[9999].T, ordered[9996].T);
            var bodies = new List<JObject>();
            var h = StoreServer(store, g, bodies);
            using var s = Of(g, h);
            var end = t0.AddDays(1);
            var search = Search(s, new AlertQuery { StartTime = t0, EndTime = end }, pageSize: 5000);

            var got = await ReadAll(search);

            Assert.Equal(store.Count, got.Count);
            Assert.Equal(store.Count, got.Select(a => a.Id).Distinct().Count());
            Assert.True(new HashSet<string>(store.Select(a => a.Id)).SetEquals(got.Select(a => a.Id!)));
            Assert.Equal(ordered.Select(a => a.Id), got.Select(a => a.Id));
            Assert.Equal(23000L, search.ServerTotal);
            Assert.Equal(g, got[0].ApiGeneration);

            // The later windows start at the time of the last alert written before (inclusive), end where the search ends.
            string field = g == ApiGeneration.Current ? "backend_timestamp" : "create_time";
            var windowStarts = bodies.Select(b => (string?)b["criteria"]?[field]?["start"]).Distinct().ToList();
            Assert.Equal(new[] { g == ApiGeneration.Current ? null : Iso(t0), Iso(ordered[9999].T), Iso(ordered[9999 + 9996].T) }, windowStarts);
            foreach (var b in bodies)
            {
                Assert.True((int)b["start"]! - 1 + (int)b["rows"]! <= 10000);
                Assert.Equal(Iso(end), g == ApiGeneration.Current ? (string?)b["time_range"]!["end"] : (string?)b["criteria"]![field]!["end"]);
                AssertJson("{\"sort\":[{\"field\":\"" + field + "\",\"order\":\"ASC\"},{\"field\":\"id\",\"order\":\"ASC\"}]}", new JObject(new JProperty("sort", b["sort"])));
            }
            if (g == ApiGeneration.Current)
                Assert.All(bodies, b => Assert.Equal(Iso(t0), (string?)b["time_range"]!["start"]));
        }

        [Fact]
        public async Task FirstAndSkipAcrossTheWindowGiveTheSameAlertsAsTheFullList()
        {
            var t0 = new DateTime(2024, 4, 1, 0, 0, 0, DateTimeKind.Utc);
            var store = GroupedStore(t0, 12000);
            var ordered = store.OrderBy(a => a.T).ThenBy(a => a.Id, StringComparer.Ordinal).ToList();
            var bodies = new List<JObject>();
            using var s = Current(StoreServer(store, ApiGeneration.Current, bodies));
            var got = await ReadAll(Search(s, new AlertQuery { StartTime = t0, EndTime = t0.AddDays(1) }, pageSize: 5000, skip: 9990, first: 20));
            Assert.Equal(ordered.Skip(9990).Take(20).Select(a => a.Id), got.Select(a => a.Id));
        }

        [Fact]
        public async Task AServerThatIgnoresTheSortIsDetectedRatherThanMissingOrRepeatingAlerts()
        {
            var t0 = new DateTime(2024, 4, 1, 0, 0, 0, DateTimeKind.Utc);
            var store = GroupedStore(t0, 10500, 1);
            var bodies = new List<JObject>();
            using var s = Current(StoreServer(store, ApiGeneration.Current, bodies, ignoreSort: true));
            var got = new List<Alert>();
            var search = Search(s, new AlertQuery { StartTime = t0, EndTime = t0.AddDays(1) }, pageSize: 5000);
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => { while (await search.NextPageAsync(got.Add, CallContext.None)) { } });
            Assert.Contains("did not return them ordered by backend_timestamp", ex.Message);
            Assert.Equal(10000, got.Count);
            Assert.Equal(10000, got.Select(a => a.Id).Distinct().Count());
            Assert.DoesNotContain(bodies, b => b["criteria"]?["backend_timestamp"] != null); // no window was moved
        }

        [Fact]
        public async Task ASortedSearchPastTheWindowStopsAndSaysToDropTheSort()
        {
            var t0 = new DateTime(2024, 4, 1, 0, 0, 0, DateTimeKind.Utc);
            var store = GroupedStore(t0, 10500, 1);
            var bodies = new List<JObject>();
            using var s = Current(StoreServer(store, ApiGeneration.Current, bodies));
            var q = new AlertQuery { StartTime = t0, EndTime = t0.AddDays(1) };
            q.Sort.Add("backend_timestamp");
            var search = Search(s, q, pageSize: 5000);
            var got = new List<Alert>();
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => { while (await search.NextPageAsync(got.Add, CallContext.None)) { } });
            Assert.Contains("drop -Sort", ex.Message);
            Assert.Equal(10000, got.Count);
        }

        // ---------------------------------------------------------------- workflow and jobs

        private static string Job(string id, string status, long total, long done, string? message = null) =>
            "{\"id\":" + id + ",\"type\":\"alert_workflow\",\"job_parameters\":{\"job_parameters\":null},\"connector_id\":\"APIID42\",\"org_key\":\"ORG1\"," +
            "\"status\":\"" + status + "\",\"progress\":{\"num_total\":" + total + ",\"num_completed\":" + done +
            (message == null ? "" : ",\"message\":\"" + message + "\"") + "},\"create_time\":\"2024-05-01T10:00:00.000Z\",\"last_update_time\":\"2024-05-01T10:00:05.000Z\"}";

        [Fact]
        public async Task AlertWorkflowPostsTheIdsAsCriteriaOneRequestPerBatchAndReadsTheJob()
        {
            int n = 0;
            var h = new FakeHandler(r =>
            {
                if (r.Method == HttpMethod.Post) return FakeHandler.Json(200, "{\"request_id\":\"" + (31 + n++) + "\"}");
                return FakeHandler.Json(200, Job(r.Uri.Segments.Last(), "CREATED", 0, 0));
            });
            using var s = Current(h);
            var update = new AlertWorkflowUpdate { Status = "CLOSED", ClosureReason = "RESOLVED", Determination = "TRUE_POSITIVE", Note = "reimaged" };
            var first = await Alerts(s).UpdateAlertsAsync(new[] { "a1", "a2" }, update, CallContext.None);
            var second = await Alerts(s).UpdateAlertsAsync(new[] { "a3" }, new AlertWorkflowUpdate { Status = "OPEN" }, CallContext.None);

            var posts = h.List.Where(r => r.Method == HttpMethod.Post).ToList();
            Assert.Equal(2, posts.Count);
            Assert.All(posts, p => Assert.Equal("/api/alerts/v7/orgs/ORG1/alerts/workflow", p.Uri.AbsolutePath));
            AssertJson("{\"criteria\":{\"id\":[\"a1\",\"a2\"]},\"status\":\"CLOSED\",\"closure_reason\":\"RESOLVED\",\"determination\":\"TRUE_POSITIVE\",\"note\":\"reimaged\"}", Body(posts[0]));
            AssertJson("{\"criteria\":{\"id\":[\"a3\"]},\"status\":\"OPEN\"}", Body(posts[1]));
            var gets = h.List.Where(r => r.Method == HttpMethod.Get).Select(r => r.Uri.AbsolutePath).ToList();
            Assert.Equal(new[] { "/jobs/v1/orgs/ORG1/jobs/31", "/jobs/v1/orgs/ORG1/jobs/32" }, gets);

            Assert.Equal("31", first.RequestId);
            Assert.True(first.IsJob);
            Assert.Equal(WorkflowStatus.Queued, first.Status);
            Assert.Equal("CLOSED", first.Workflow!.State);
            Assert.Equal("RESOLVED", first.Workflow.Remediation);
            Assert.Equal("reimaged", first.Workflow.Comment);
            Assert.Equal("32", second.RequestId);
            Assert.Equal("OPEN", second.Workflow!.State);

            await Assert.ThrowsAsync<ArgumentException>(() => Alerts(s).UpdateAlertsAsync(Array.Empty<string>(), update, CallContext.None));
            Assert.Equal(4, h.Count);
        }

        [Fact]
        public async Task AWorkflowReplyWithoutARequestIdIsAnError()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, "{\"success\":true}"));
            using var s = Current(h);
            await Assert.ThrowsAsync<CbInvalidResponseException>(() =>
                Alerts(s).UpdateAlertsAsync(new[] { "a1" }, new AlertWorkflowUpdate { Status = "CLOSED" }, CallContext.None));
            Assert.Equal(1, h.Count);
        }

        [Theory]
        [InlineData("CREATED", 0, 0, null, "QUEUED", false)]
        [InlineData("IN_PROGRESS", 34, 16, null, "IN_PROGRESS", false)]
        [InlineData("in_progress", 34, 16, null, "IN_PROGRESS", false)]
        [InlineData("COMPLETED", 18, 18, null, "FINISHED", false)]
        [InlineData("FAILED", 18, 3, "Alert service unavailable", "FINISHED", true)]
        public async Task AJobReadsAsAWorkflowStatus(string job, long total, long done, string? message, string status, bool failed)
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, Job("12345", job, total, done, message)));
            using var s = Current(h);
            var st = await Alerts(s).GetWorkflowStatusAsync(" 12345 ", CallContext.None);
            Assert.Equal("/jobs/v1/orgs/ORG1/jobs/12345", h.List.Single().Uri.AbsolutePath);
            Assert.Equal("12345", st.RequestId);
            Assert.True(st.IsJob);
            Assert.Equal(status, st.Status);
            Assert.Equal(status == "FINISHED", st.IsFinished);
            Assert.Equal(failed, st.Failed);
            Assert.Equal(total, st.NumHits);
            Assert.Equal(done, st.NumSuccess);
            Assert.Equal(job, st.AdditionalProperties["job_status"]);
            Assert.Equal("alert_workflow", st.AdditionalProperties["type"]);
            if (failed) Assert.Equal(new object?[] { message }, st.Errors!.ToArray());
            else Assert.Null(st.Errors);
        }

        [Fact]
        public void AJobsProgressMessageIsKeptWhenTheJobDidNotFail()
        {
            var st = WorkflowStatus.FromJob(Plain(Job("7", "IN_PROGRESS", 10, 4, "working")), "7", null);
            Assert.Null(st.Errors);
            var progress = Assert.IsAssignableFrom<IDictionary<string, object?>>(st.AdditionalProperties["progress"]);
            Assert.Equal("working", progress["message"]);
            var noId = WorkflowStatus.FromJob(Plain("{\"status\":\"COMPLETED\"}"), "given", null);
            Assert.Equal("given", noId.RequestId);
            Assert.Equal(WorkflowStatus.Finished, noId.Status);
            Assert.Null(noId.NumHits);
        }

        private const string V6Status = "{\"errors\":[],\"failed_ids\":[],\"id\":\"497ABX\",\"num_hits\":0,\"num_success\":0,\"status\":\"%S%\"," +
                                        "\"workflow\":{\"state\":\"DISMISSED\",\"remediation\":\"Fixed\",\"comment\":\"Yessir\",\"changed_by\":\"Robocop\",\"last_update_time\":\"2019-10-31T16:03:13.951Z\"}}";

        [Fact]
        public async Task AStatusIdTheJobsApiDoesNotKnowIsReadAsAV6WorkflowRequest()
        {
            var h = new FakeHandler(r => r.Uri.AbsolutePath.StartsWith("/jobs/")
                ? FakeHandler.Json(404, "{\"error_code\":\"NOT_FOUND\",\"message\":\"Job not found\"}")
                : FakeHandler.Json(200, V6Status.Replace("%S%", "QUEUED")));
            using var s = Current(h);
            var st = await Alerts(s).GetWorkflowStatusAsync("497ABX", CallContext.None);
            Assert.Equal(new[] { "/jobs/v1/orgs/ORG1/jobs/497ABX", "/appservices/v6/orgs/ORG1/workflow/status/497ABX" }, h.List.Select(r => r.Uri.AbsolutePath));
            Assert.False(st.IsJob);
            Assert.Equal("497ABX", st.RequestId);
            Assert.Equal(WorkflowStatus.Queued, st.Status);
            Assert.Equal("DISMISSED", st.Workflow!.State);
            Assert.Equal("Fixed", st.Workflow.Remediation);
            Assert.Equal("Yessir", st.Workflow.Comment);
            Assert.Equal(new DateTime(2019, 10, 31, 16, 3, 13, 951, DateTimeKind.Utc), st.Workflow.LastUpdateTimeUtc);
        }

        [Fact]
        public async Task OtherJobErrorsAreNotMaskedByTheV6Fallback()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(403, "{\"error_code\":\"FORBIDDEN\",\"message\":\"not allowed\"}"));
            using var s = Current(h);
            var ex = await Assert.ThrowsAnyAsync<CbApiException>(() => Alerts(s).GetWorkflowStatusAsync("12345", CallContext.None));
            Assert.Equal(403, ex.StatusCode);
            Assert.Single(h.List);
        }

        [Theory]
        [InlineData("DISMISSED", "resolved", "Fixed it", "CLOSED", "RESOLVED", "Fixed it")]
        [InlineData("DISMISSED", " DUPLICATE_CLEANUP ", null, "CLOSED", "DUPLICATE_CLEANUP", null)]
        [InlineData("DISMISSED", "Fixed", "Yessir", "CLOSED", "OTHER", "Yessir Remediation: Fixed")]
        [InlineData("DISMISSED", "Reimaged the host", null, "CLOSED", "OTHER", "Remediation: Reimaged the host")]
        [InlineData("DISMISSED", null, null, "CLOSED", null, null)]
        [InlineData("DISMISSED", "  ", " ", "CLOSED", null, null)]
        [InlineData("OPEN", "Fixed", null, "OPEN", null, "Remediation: Fixed")]
        [InlineData("OPEN", null, "reopened for review", "OPEN", null, "reopened for review")]
        public void ThreatRemediationMapsToAClosureReasonOrIsKeptInTheNote(string state, string? remediation, string? comment,
                                                                            string status, string? closure, string? note)
        {
            var u = CurrentAlertService.ThreatUpdate(state, remediation, comment);
            Assert.Equal(status, u.Status);
            Assert.Equal(closure, u.ClosureReason);
            Assert.Equal(note, u.Note);
            Assert.Null(u.Determination);
        }

        [Fact]
        public async Task AThreatDismissSendsTheV6ThreatRouteAndTheV7WorkflowAndStaysInProgressUntilBothFinish()
        {
            string jobState = "COMPLETED", v6State = "QUEUED";
            var h = new FakeHandler(r =>
            {
                string p = r.Uri.AbsolutePath;
                if (p == "/appservices/v6/orgs/ORG1/threat/workflow/_criteria") return FakeHandler.Json(200, "{\"request_id\":\"497ABX\"}");
                if (p == "/api/alerts/v7/orgs/ORG1/alerts/workflow") return FakeHandler.Json(200, "{\"request_id\":\"12345\"}");
                if (p == "/jobs/v1/orgs/ORG1/jobs/12345") return FakeHandler.Json(200, Job("12345", jobState, 2, jobState == "COMPLETED" ? 2 : 1));
                if (p == "/appservices/v6/orgs/ORG1/workflow/status/497ABX") return FakeHandler.Json(200, V6Status.Replace("%S%", v6State));
                return FakeHandler.Json(404, "{}");
            });
            using var s = Current(h);
            var alerts = Alerts(s);
            var st = await alerts.UpdateThreatsAsync(new[] { "B0RG", "F3R3NG1" }, "DISMISSED", "Fixed", "Yessir", CallContext.None);

            var list = h.List;
            Assert.Equal("/appservices/v6/orgs/ORG1/threat/workflow/_criteria", list[0].Uri.AbsolutePath);
            AssertJson("{\"threat_id\":[\"B0RG\",\"F3R3NG1\"],\"state\":\"DISMISSED\",\"remediation_state\":\"Fixed\",\"comment\":\"Yessir\"}", Body(list[0]));
            Assert.Equal("/api/alerts/v7/orgs/ORG1/alerts/workflow", list[1].Uri.AbsolutePath);
            AssertJson("{\"criteria\":{\"threat_id\":[\"B0RG\",\"F3R3NG1\"]},\"status\":\"CLOSED\",\"closure_reason\":\"OTHER\",\"note\":\"Yessir Remediation: Fixed\"}", Body(list[1]));

            // The job is done, the v6 request (later alerts) is not: in progress.
            Assert.True(st.IsJob);
            Assert.Equal("12345", st.RequestId);
            Assert.Equal(WorkflowStatus.InProgress, st.Status);
            Assert.False(st.IsFinished);
            Assert.Equal("497ABX", st.AdditionalProperties[CurrentAlertService.ThreatRequestKey]);
            Assert.Equal("QUEUED", st.AdditionalProperties["threat_request_status"]);
            Assert.Equal("CLOSED", st.Workflow!.State);

            v6State = "IN_PROGRESS";
            st = await alerts.RefreshAsync(st, CallContext.None);
            Assert.Equal(WorkflowStatus.InProgress, st.Status);

            // The v6 request finished but the job has not: still in progress.
            v6State = "FINISHED"; jobState = "IN_PROGRESS";
            st = await alerts.RefreshAsync(st, CallContext.None);
            Assert.Equal(WorkflowStatus.InProgress, st.Status);
            Assert.Equal(1L, st.NumSuccess);

            jobState = "COMPLETED";
            int before = h.Count;
            st = await alerts.RefreshAsync(st, CallContext.None);
            Assert.Equal(WorkflowStatus.Finished, st.Status);
            Assert.True(st.IsFinished);
            Assert.Equal("FINISHED", st.AdditionalProperties["threat_request_status"]);
            Assert.Equal("497ABX", st.AdditionalProperties[CurrentAlertService.ThreatRequestKey]);
            Assert.Equal("CLOSED", st.Workflow!.State); // carried over from the first status
            Assert.Equal(new[] { "/jobs/v1/orgs/ORG1/jobs/12345", "/appservices/v6/orgs/ORG1/workflow/status/497ABX" },
                         h.List.Skip(before).Select(r => r.Uri.AbsolutePath));
        }

        [Fact]
        public async Task ALegacyThreatDismissUsesTheV6RouteOnlyAndRefreshReadsTheV6Status()
        {
            var h = new FakeHandler(r => r.Method == HttpMethod.Post
                ? FakeHandler.Json(200, "{\"request_id\":\"497ABX\"}")
                : FakeHandler.Json(200, V6Status.Replace("%S%", "FINISHED")));
            using var s = Legacy(h);
            var st = await Alerts(s).UpdateThreatsAsync(new[] { "B0RG" }, "OPEN", null, null, CallContext.None);
            Assert.Equal(new[] { "/appservices/v6/orgs/ORG1/threat/workflow/_criteria", "/appservices/v6/orgs/ORG1/workflow/status/497ABX" },
                         h.List.Select(r => r.Uri.AbsolutePath));
            AssertJson("{\"threat_id\":[\"B0RG\"],\"state\":\"OPEN\"}", Body(h.List[0]));
            Assert.False(st.IsJob);
            Assert.True(st.IsFinished);
            st = await Alerts(s).RefreshAsync(st, CallContext.None);
            Assert.Equal("/appservices/v6/orgs/ORG1/workflow/status/497ABX", h.List.Last().Uri.AbsolutePath);
        }

        [Theory]
        [InlineData(ApiGeneration.Current, "/api/alerts/v7/orgs/ORG1/alerts/search_suggestions")]
        [InlineData(ApiGeneration.Legacy, "/appservices/v6/orgs/ORG1/alerts/search_suggestions")]
        public async Task SuggestionsComeFromTheGenerationsRoute(ApiGeneration g, string path)
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200,
                "{\"suggestions\":[{\"term\":\"device_name\",\"weight\":477,\"required_skus_some\":[\"defense\"]},{\"term\":\"ttp\",\"weight\":486},\"process_name\"]}"));
            using var s = Of(g, h);
            var list = await Alerts(s).GetSuggestionsAsync("dev ice", CallContext.None);
            var r = h.List.Single();
            Assert.Equal(path, r.Uri.AbsolutePath);
            Assert.Contains("suggest.q=dev", r.Uri.Query);
            Assert.Equal(new[] { "device_name", "ttp", "process_name" }, list.Select(x => x.Term));
            Assert.Equal(477L, list[0].Weight);
            Assert.Equal(new[] { "defense" }, list[0].RequiredSkusSome);
            Assert.Null(list[2].Weight);
        }

        // ---------------------------------------------------------------- the watcher

        [Fact]
        public async Task AWatchKilledMidwayResumesFromItsStateFileWithoutLossOrDuplicate()
        {
            var now = DateTime.UtcNow;
            var t0 = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc).AddMinutes(-30);
            var store = new List<StoredAlert>
            {
                new StoredAlert { Id = "a-1", T = t0.AddMinutes(1) },
                new StoredAlert { Id = "a-2", T = t0.AddMinutes(2) },
                new StoredAlert { Id = "a-3", T = t0.AddMinutes(2) }, // shares the watermark's time
                new StoredAlert { Id = "a-4", T = t0.AddMinutes(3) },
                new StoredAlert { Id = "a-5", T = now.AddMinutes(-1) }, // within the lag: not yet
            };
            var bodies = new List<JObject>();
            using var s = Current(StoreServer(store, ApiGeneration.Current, bodies));
            var alerts = Alerts(s);
            string dir = Path.Combine(Path.GetTempPath(), "cbd-alertwatch-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, "watch.json");
            var delivered = new List<string>();
            try
            {
                var lag = TimeSpan.FromMinutes(5);
                using (var w1 = new AlertWatcher(alerts, new AlertQuery { MinimumSeverity = 3 }, path, t0, lag, TimeSpan.FromSeconds(1)))
                {
                    Assert.False(w1.Resumed);
                    // Only one watcher per state file.
                    Assert.Throws<IOException>(() => new AlertWatcher(alerts, new AlertQuery(), path, t0, lag, TimeSpan.FromSeconds(1)));
                    var handed = new List<Alert>();
                    Assert.Equal(4, await w1.PollAsync(handed.Add, CallContext.None));
                    Assert.Equal(new[] { "a-1", "a-2", "a-3", "a-4" }, handed.Select(a => a.Id));
                    // Killed after delivering two of them.
                    foreach (var a in handed.Take(2)) { w1.Delivered(a); delivered.Add(a.Id!); }
                    Assert.Equal(t0.AddMinutes(2), w1.WatermarkUtc);
                    Assert.Equal(2, w1.WriteCount);
                }
                // The request: from the start, to now minus the lag, with the filters.
                var body = bodies.Single();
                Assert.Equal(Iso(t0), (string?)body["time_range"]!["start"]);
                var end = Utc((string)body["time_range"]!["end"]!);
                Assert.InRange(end, now - lag - TimeSpan.FromSeconds(30), DateTime.UtcNow - lag);
                Assert.Equal(3, (int)body["criteria"]!["minimum_severity"]!);

                string state = File.ReadAllText(path);
                Assert.DoesNotContain(Fake.Secret, state);
                var doc = J(state);
                Assert.Equal("CbDefense.AlertWatermark", (string?)doc["format"]);
                Assert.Equal(Iso(t0.AddMinutes(2)), (string?)doc["watermark"]);
                Assert.Equal(new[] { "a-2" }, doc["ids"]!.Select(x => (string?)x));

                using (var w2 = new AlertWatcher(alerts, new AlertQuery { MinimumSeverity = 3 }, path, now, lag, TimeSpan.FromSeconds(1)))
                {
                    Assert.True(w2.Resumed);
                    Assert.Null(w2.FilterWarning);
                    Assert.Equal(t0.AddMinutes(2), w2.WatermarkUtc); // the file wins over the start given
                    var handed = new List<Alert>();
                    await w2.PollAsync(handed.Add, CallContext.None);
                    Assert.Equal(new[] { "a-3", "a-4" }, handed.Select(a => a.Id));
                    foreach (var a in handed) { w2.Delivered(a); delivered.Add(a.Id!); }
                    Assert.Equal(Iso(t0.AddMinutes(2)), (string?)bodies.Last()["time_range"]!["start"]);
                    // Nothing new: a poll hands nothing again.
                    var again = new List<Alert>();
                    Assert.Equal(0, await w2.PollAsync(again.Add, CallContext.None));
                }
                Assert.Equal(new[] { "a-1", "a-2", "a-3", "a-4" }, delivered);

                using (var w3 = new AlertWatcher(alerts, new AlertQuery { MinimumSeverity = 7 }, path, null, lag, TimeSpan.FromSeconds(1)))
                {
                    Assert.True(w3.Resumed);
                    Assert.Contains("other filters", w3.FilterWarning);
                    Assert.Equal(t0.AddMinutes(3), w3.WatermarkUtc);
                }
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Fact]
        public async Task AWatchFarBehindCatchesUpInStepsTheApiAcceptsEvenThroughAQuietStretch()
        {
            var bodies = new List<JObject>();
            var now = DateTime.UtcNow;
            var start = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc).AddDays(-200);
            // Nothing in the first 179 days; one alert after them.
            var store = new List<StoredAlert> { new StoredAlert { Id = "late-1", T = start.AddDays(190) } };
            using var s = Current(StoreServer(store, ApiGeneration.Current, bodies));
            string dir = Path.Combine(Path.GetTempPath(), "cbd-alertwatch-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, "watch.json");
            try
            {
                using (var w = new AlertWatcher(Alerts(s), new AlertQuery(), path, start, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1)))
                {
                    Assert.Equal(0, await w.PollAsync(_ => { }, CallContext.None));
                    var range = bodies.Single()["time_range"]!;
                    Assert.Equal(Iso(start), (string?)range["start"]);
                    Assert.Equal(Iso(start.AddDays(179)), (string?)range["end"]);
                }
                // The quiet stretch was searched in full: a watch started again from the file goes on after it.
                using (var w = new AlertWatcher(Alerts(s), new AlertQuery(), path, null, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1)))
                {
                    Assert.True(w.Resumed);
                    var handed = new List<Alert>();
                    Assert.Equal(1, await w.PollAsync(handed.Add, CallContext.None));
                    Assert.Equal("late-1", handed.Single().Id);
                    Assert.Equal(Iso(start.AddDays(179)), (string?)bodies.Last()["time_range"]!["start"]);
                }
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Fact]
        public void AWatchRefusesAFileThatIsNotItsStateAndLeavesItAlone()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, EmptyPage));
            using var s = Current(h);
            string dir = Path.Combine(Path.GetTempPath(), "cbd-alertwatch-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, "other.json");
            try
            {
                File.WriteAllText(path, "{\"format\":\"something else\",\"watermark\":\"2024-01-01T00:00:00.000Z\"}");
                var ex = Assert.Throws<InvalidDataException>(() => new AlertWatcher(Alerts(s), new AlertQuery(), path, null, TimeSpan.Zero, TimeSpan.FromSeconds(1)));
                Assert.Contains("not a CbDefense alert watch state file", ex.Message);
                Assert.Equal("{\"format\":\"something else\",\"watermark\":\"2024-01-01T00:00:00.000Z\"}", File.ReadAllText(path));
                var range = new AlertQuery { Range = "-1d" };
                Assert.Throws<ArgumentException>(() => new AlertWatcher(Alerts(s), range, null, null, TimeSpan.Zero, TimeSpan.FromSeconds(1)));
                Assert.Equal(0, h.Count);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }
    }
}
