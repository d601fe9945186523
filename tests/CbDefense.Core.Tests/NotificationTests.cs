using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CbDefense.Json;
using Xunit;

namespace CbDefense.Core.Tests
{
    public class ModelJsonTests
    {
        // Shaped like fixtures/notification.json and event_get.json, with our own values.
        internal const string Queue = @"{""notifications"":[
 {""type"":""THREAT"",""eventTime"":1700000000123,""eventId"":""N-THREAT-1"",""url"":""https://cb.example.com/ui#device/7/incident/INC9"",
  ""eventDescription"":""time|Credential theft attempt|9"",""ruleName"":""SOC rule"",""futureField"":{""x"":1},
  ""deviceInfo"":{""deviceId"":7,""deviceName"":""WIN-HR-0007"",""deviceHostName"":null,""deviceType"":""WINDOWS"",""email"":""hr@example.net"",
   ""groupName"":""Windows_Workstation"",""internalIpAddress"":""10.1.2.3"",""externalIpAddress"":""203.0.113.9"",""targetPriorityType"":""HIGH"",""targetPriorityCode"":2},
  ""threatInfo"":{""incidentId"":""INC9"",""score"":9,""summary"":""Credential theft attempt"",""time"":1700000000100,
   ""indicators"":[{""indicatorName"":""READ_SECURITY_DATA"",""applicationName"":""mimi.exe"",""sha256Hash"":""ab12""}],
   ""threatCause"":{""reputation"":""KNOWN_MALWARE"",""actor"":""ab12"",""actorName"":""mimi.exe"",""reason"":""R_MALWARE"",""threatCategory"":""KNOWN_MALWARE""}}},
 {""type"":""POLICY_ACTION"",""eventTime"":""1700000000456"",""eventId"":""N-PA-1"",""ruleName"":""Blocks"",
  ""policyAction"":{""sha256Hash"":""cd34"",""action"":""DENY"",""reputation"":""PUP"",""applicationName"":""toolbar.exe""},
  ""deviceInfo"":{""deviceId"":""8"",""deviceName"":""MacBook-ann""}}
],""success"":true,""message"":""Success""}";

        [Fact]
        public async Task NotificationsAreTypedAndKeepTheRest()
        {
            var handler = new FakeHandler(_ => FakeHandler.Json(200, Queue));
            using var session = Fake.Session(handler);
            var list = await session.GetClient().GetNotificationsAsync(null);
            Assert.Equal(2, list.Count);
            var t = list[0];
            Assert.Equal("THREAT", t.Type);
            Assert.Equal(new DateTime(2023, 11, 14, 22, 13, 20, 123, DateTimeKind.Utc), t.EventTimeUtc);
            Assert.Equal(9, t.ThreatInfo!.Score);
            Assert.Equal("READ_SECURITY_DATA", t.ThreatInfo.Indicators!.Single().IndicatorName);
            Assert.Equal("mimi.exe", t.ThreatInfo.ThreatCause!.ActorName);
            Assert.Equal(7L, t.DeviceInfo!.DeviceId);
            Assert.Equal("Windows_Workstation", t.DeviceInfo.GroupName);
            Assert.True(t.AdditionalProperties.ContainsKey("futureField"));
            Assert.Null(t.PolicyAction);
            Assert.Same(session, t.Session);
            var p = list[1];
            Assert.Equal("DENY", p.PolicyAction!.Action);
            Assert.Equal(8L, p.DeviceInfo!.DeviceId);
            Assert.NotNull(p.EventTime);
            Assert.Null(p.ThreatInfo);
            // ToJson is the notification as sent.
            Assert.True(PlainJson.JsonEquals(PlainJson.Parse(t.ToJson()), ((List<object?>)((Dictionary<string, object?>)PlainJson.Parse(Queue)!)["notifications"]!)[0]));
        }

        [Fact]
        public void EventNestedDetailsAreTyped()
        {
            const string json = @"{""eventId"":""e1"",""eventTime"":1600000000000,""createTime"":0,""eventType"":""CREATE_PROCESS"",""alertScore"":""4"",
 ""threatIndicators"":[""POLICY_DENY""],""customThing"":[1,2],
 ""deviceDetails"":{""deviceId"":5,""deviceName"":""host5"",""policyId"":6525,""targetPriorityCode"":1,""deviceLocation"":{""city"":""Lyon"",""latitude"":45.75,""zip"":""69001""}},
 ""processDetails"":{""processId"":888,""name"":""svchost.exe"",""targetPid"":4294967295,""milisSinceProcessStart"":12},
 ""selectedApp"":{""applicationName"":""svchost.exe"",""sha256Hash"":""93b2"",""effectiveReputation"":""TRUSTED_WHITE_LIST""},
 ""parentApp"":{""applicationName"":""services.exe""},""targetApp"":null,
 ""netFlow"":{""sourcePort"":443,""destAddress"":""198.51.100.1"",""peerLocation"":null}}";
            var e = Event.Read((Dictionary<string, object?>)PlainJson.Parse(json)!, null);
            Assert.Equal("e1", e.EventId);
            Assert.Equal(new DateTime(2020, 9, 13, 12, 26, 40, DateTimeKind.Utc), e.EventTimeUtc);
            Assert.Null(e.CreateTime);
            Assert.Equal(4, e.AlertScore);
            Assert.Equal(new[] { "POLICY_DENY" }, e.ThreatIndicators);
            Assert.Equal(6525L, e.DeviceDetails!.PolicyId);
            Assert.Equal("Lyon", e.DeviceDetails.DeviceLocation!.City);
            Assert.Equal("69001", e.DeviceDetails.DeviceLocation.AdditionalProperties["zip"]);
            Assert.Equal(4294967295L, e.ProcessDetails!.TargetPid);
            Assert.Equal("TRUSTED_WHITE_LIST", e.SelectedApp!.EffectiveReputation);
            Assert.Equal("services.exe", e.ParentApp!.ApplicationName);
            Assert.Null(e.TargetApp);
            Assert.Equal(443, e.NetFlow!.SourcePort);
            Assert.True(e.AdditionalProperties.ContainsKey("customThing"));
            Assert.False(e.AdditionalProperties.ContainsKey("deviceDetails"));
        }

        [Fact]
        public async Task ThreatDismissSendsTheDocumentedBodyAndReadsTheStatus()
        {
            var handler = new FakeHandler(r => r.Method.Method == "POST"
                ? FakeHandler.Json(200, "{\"request_id\":\"REQ42\"}")
                : FakeHandler.Json(200, "{\"errors\":[],\"failed_ids\":[\"t9\"],\"id\":\"REQ42\",\"num_hits\":4,\"num_success\":3,\"status\":\"FINISHED\"," +
                                        "\"workflow\":{\"state\":\"DISMISSED\",\"remediation\":\"wiped\",\"comment\":\"ok\",\"changed_by\":\"bob\",\"last_update_time\":\"2024-01-02T03:04:05.678Z\"}}"));
            using var session = Fake.Session(handler);
            var c = session.GetClient();
            string id = await c.UpdateThreatWorkflowAsync(new[] { "t1", "t9" }, "DISMISSED", "wiped", null, null);
            Assert.Equal("REQ42", id);
            var post = handler.List[0];
            Assert.Equal("/appservices/v6/orgs/ORG1/threat/workflow/_criteria", post.Uri.AbsolutePath);
            Assert.True(PlainJson.JsonEquals(PlainJson.Parse(post.Body!), PlainJson.Parse("{\"threat_id\":[\"t1\",\"t9\"],\"state\":\"DISMISSED\",\"remediation_state\":\"wiped\"}")));
            var s = await c.GetWorkflowStatusAsync(id, null);
            Assert.True(s.IsFinished);
            Assert.Equal(4L, s.NumHits);
            Assert.Equal(new[] { "t9" }, s.FailedIds);
            Assert.Equal("bob", s.Workflow!.ChangedBy);
            Assert.Equal(new DateTime(2024, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc), s.Workflow.LastUpdateTimeUtc);
            Assert.Equal("/appservices/v6/orgs/ORG1/workflow/status/REQ42", handler.List[1].Uri.AbsolutePath);
        }

        [Fact]
        public async Task V6CallsFailBeforeSendingWithoutAnOrgKey()
        {
            var handler = new FakeHandler(_ => FakeHandler.Json(200, "{}"));
            using var session = Fake.Session(handler, o => o.OrgKey = null);
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => session.GetClient().UpdateThreatWorkflowAsync(new[] { "t" }, "OPEN", null, null, null));
            Assert.Contains("org key", ex.Message);
            await Assert.ThrowsAsync<InvalidOperationException>(() => session.GetClient().GetAlertSearchSuggestionsAsync("x", null));
            Assert.Equal(0, handler.Count);
        }
    }

    public class NotificationSpoolTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "cbspool-" + Guid.NewGuid().ToString("N"));
        public NotificationSpoolTests() { Directory.CreateDirectory(_dir); }
        public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

        private static List<Notification> Batch(params string[] ids) =>
            ids.Select(i => Notification.Read(new Dictionary<string, object?> { ["type"] = "THREAT", ["eventId"] = i, ["eventTime"] = 1700000000000L }, null)).ToList();

        [Fact]
        public void ABatchIsOnDiskBeforeItIsHandedOutAndLeavesOnlyWhenDelivered()
        {
            string path = Path.Combine(_dir, "state.json");
            var spool = NotificationSpool.Open(path, null);
            var batch = Batch("a", "b", "c");
            spool.Add(batch);
            // A process killed now (no Dispose, no Flush) left all three.
            var copy = Path.Combine(_dir, "copy.json");
            File.Copy(path, copy);
            spool.Delivered(batch[0]);
            File.Copy(path, Path.Combine(_dir, "after-one.json"));
            spool.Dispose();

            using (var again = NotificationSpool.Open(copy, null))
                Assert.Equal(new[] { "a", "b", "c" }, again.Pending.Select(n => n.EventId));
            using (var again = NotificationSpool.Open(Path.Combine(_dir, "after-one.json"), null))
                Assert.Equal(new[] { "b", "c" }, again.Pending.Select(n => n.EventId));
            using (var again = NotificationSpool.Open(path, null))
                Assert.Equal(new[] { "b", "c" }, again.Pending.Select(n => n.EventId));
            Assert.False(File.Exists(path + ".tmp"));
        }

        [Fact]
        public void OneWatcherAtATime()
        {
            string path = Path.Combine(_dir, "state.json");
            using var first = NotificationSpool.Open(path, null);
            var ex = Assert.Throws<IOException>(() => NotificationSpool.Open(path, null));
            Assert.Contains("in use", ex.Message);
        }

        [Fact]
        public void AFileThatIsNotASpoolIsRefusedAndLeftAlone()
        {
            string path = Path.Combine(_dir, "notes.txt");
            File.WriteAllText(path, "my notes");
            Assert.Throws<InvalidDataException>(() => NotificationSpool.Open(path, null));
            Assert.Equal("my notes", File.ReadAllText(path));
            using var ok = NotificationSpool.Open(path + ".new", null); // the lock was released, a new path works
        }

        [Fact]
        public async Task TheWatcherSpoolsEachReadAndTheFileHoldsNoSecret()
        {
            string path = Path.Combine(_dir, "w.json");
            var handler = new FakeHandler(_ => FakeHandler.Json(200, ModelJsonTests.Queue));
            using var session = Fake.Session(handler);
            using (var w = new NotificationWatcher(session.GetClient(), path, TimeSpan.FromSeconds(1)))
            {
                Assert.Empty(w.TakeRecovered());
                var batch = await w.PollAsync(CallContext.None);
                Assert.Equal(2, batch.Count);
                string text = File.ReadAllText(path);
                Assert.Contains("N-THREAT-1", text);
                Assert.DoesNotContain(Fake.Secret, text);
                w.Delivered(batch[0]);
            }
            using (var w = new NotificationWatcher(session.GetClient(), path, TimeSpan.FromSeconds(1)))
            {
                var left = w.TakeRecovered();
                Assert.Equal("N-PA-1", left.Single().EventId);
                Assert.Equal("DENY", left[0].PolicyAction!.Action);
                Assert.Same(session, left[0].Session);
            }
        }

        [Fact]
        public async Task FailuresAreClassifiedAndBackedOff()
        {
            int n = 0;
            var handler = new FakeHandler(_ => ++n <= 2 ? FakeHandler.Json(500, "{\"success\":false,\"message\":\"boom\"}") : FakeHandler.Json(200, ModelJsonTests.Queue));
            using var session = Fake.Session(handler, o => o.MaximumRetryCount = 0);
            using var w = new NotificationWatcher(session.GetClient(), null, TimeSpan.FromSeconds(2));
            var e1 = await Assert.ThrowsAnyAsync<CbApiException>(() => w.PollAsync(CallContext.None));
            Assert.True(NotificationWatcher.IsTransient(e1));
            Assert.Equal(TimeSpan.FromSeconds(2), w.NextBackoff());
            await Assert.ThrowsAnyAsync<CbApiException>(() => w.PollAsync(CallContext.None));
            Assert.Equal(TimeSpan.FromSeconds(4), w.NextBackoff());
            Assert.Equal(2, (await w.PollAsync(CallContext.None)).Count);
            Assert.Equal(0, w.ConsecutiveFailures);
            Assert.False(NotificationWatcher.IsTransient(new CbUnauthorizedException("no") { StatusCode = 401 }));
            Assert.True(NotificationWatcher.IsTransient(new CbClientException("slow down") { StatusCode = 429 }));
            Assert.False(NotificationWatcher.IsTransient(new CbClientException("bad") { StatusCode = 400 }));
        }

        [Fact]
        public async Task AnAuthFailureSaysWhenTheKeyTypeIsTheCause()
        {
            var handler = new FakeHandler(r => r.Uri.AbsolutePath.EndsWith("/notification")
                ? FakeHandler.Json(401, "{\"success\":false,\"message\":\"User is not authenticated\"}")
                : FakeHandler.Json(200, Fake.Page(1, new long[] { 1 })));
            using var session = Fake.Session(handler);
            var c = session.GetClient();
            var ex = await Assert.ThrowsAsync<CbUnauthorizedException>(() => c.GetNotificationsAsync(null));
            var explained = await c.ExplainNotificationAuthFailureAsync(ex, null);
            Assert.Contains("needs a SIEM key", explained.Message);
            Assert.DoesNotContain(Fake.Secret, explained.Message);

            var allRefused = new FakeHandler(_ => FakeHandler.Json(401, "{\"success\":false,\"message\":\"User is not authenticated\"}"));
            using var bad = Fake.Session(allRefused);
            var ex2 = await Assert.ThrowsAsync<CbUnauthorizedException>(() => bad.GetClient().GetNotificationsAsync(null));
            var explained2 = await bad.GetClient().ExplainNotificationAuthFailureAsync(ex2, null);
            Assert.Contains("Check the API ID and secret key", explained2.Message);
        }
    }
}
