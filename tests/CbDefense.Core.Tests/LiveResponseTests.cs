using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CbDefense.Services.LiveResponse;
using Newtonsoft.Json.Linq;
using Xunit;

namespace CbDefense.Core.Tests
{
    /// <summary>Live Response in Core: the wire shapes of both generations against fake servers, and the rules on top.</summary>
    public class LiveResponseTests
    {
        // The shapes of lr_session_create.json / lr_session.json (v3) and the SDK's v6 session replies.
        private const string V3Pending = "{\"hostname\":null,\"address\":null,\"os_version\":null,\"current_working_directory\":null,\"supported_commands\":null,\"drives\":null," +
                                         "\"id\":\"1:2468\",\"sensor_id\":2468,\"check_in_timeout\":900,\"session_timeout\":900,\"sensor_check_in_time\":null,\"status\":\"PENDING\",\"current_command_index\":0,\"create_time\":1502126352449}";
        private const string V3Active = "{\"hostname\":\"WIN-01\",\"address\":\"10.0.0.5\",\"os_version\":\"Windows 10 x64\",\"current_working_directory\":\"C:\\\\Windows\\\\system32\"," +
                                        "\"supported_commands\":[\"put file\",\"get file\",\"memdump\",\"create directory\",\"delete file\",\"directory list\",\"reg enum key\",\"reg query value\",\"process list\",\"kill\",\"create process\"]," +
                                        "\"drives\":[\"A:\\\\\",\"C:\\\\\",\"D:\\\\\"],\"id\":\"1:2468\",\"sensor_id\":2468,\"check_in_timeout\":900,\"session_timeout\":900,\"sensor_check_in_time\":1502126744685,\"status\":\"ACTIVE\",\"current_command_index\":0,\"create_time\":1502126655758}";
        private const string V6Created = "{\"id\":\"1:2468\",\"device_id\":2468,\"check_in_timeout\":900,\"session_timeout\":900,\"status\":\"PENDING\",\"current_command_index\":0,\"create_time\":\"2026-12-01T10:00:00.000Z\"}";
        private const string V6Active = "{\"id\":\"1:2468\",\"device_id\":2468,\"status\":\"ACTIVE\",\"hostname\":\"lnx-01\",\"os_version\":\"Ubuntu 22.04\",\"drives\":[\"/\"],\"current_working_directory\":\"/\"," +
                                        "\"supported_commands\":[\"get file\",\"put file\",\"directory list\",\"process list\",\"kill\",\"create process\",\"delete file\"],\"session_timeout\":900,\"create_time\":\"2026-12-01T10:00:00.000Z\"}";

        static LiveResponseTests() => LiveResponseManager.CapRetryDelay = TimeSpan.FromMilliseconds(20);

        private static Session Legacy(FakeHandler h) => Fake.Session(h, o => o.ApiGeneration = ApiGeneration.Legacy);
        private static Session Current(FakeHandler h) => Fake.Session(h, o => o.ApiGeneration = ApiGeneration.Current);

        private static Task<(LiveResponseSession Session, bool Reused)> Open(Session s, long device, double timeoutSec = 10, CancellationToken ct = default) =>
            s.LiveResponse.OpenAsync(device, new LrOpenOptions { Timeout = TimeSpan.FromSeconds(timeoutSec) }, new CallContext(ct));

        [Theory]
        [InlineData(-2147024894L, 2, "ERROR_FILE_NOT_FOUND (0x80070002)")]
        [InlineData(2147942402L, 2, "ERROR_FILE_NOT_FOUND (0x80070002)")]
        [InlineData(-2147024891L, 5, "ERROR_ACCESS_DENIED (0x80070005)")]
        [InlineData(-2147024864L, 32, "ERROR_SHARING_VIOLATION (0x80070020)")]
        [InlineData(5L, 5, "ERROR_ACCESS_DENIED (0x00000005)")]
        public void HresultsDecodeToWin32NamesSignedOrUnsigned(long code, int win32, string text)
        {
            Assert.Equal(win32, Win32Errors.ToWin32(code));
            Assert.Equal(text, Win32Errors.Describe(code));
        }

        [Fact]
        public void AnHresultOfAnotherFacilityIsShownInHex()
        {
            Assert.Null(Win32Errors.ToWin32(unchecked((int)0x80004005)));
            Assert.Equal("HRESULT 0x80004005", Win32Errors.Describe(unchecked((int)0x80004005)));
        }

        [Fact]
        public void SessionRepliesOfBothGenerationsReadAlike()
        {
            var v3 = LrSessionState.Read((Dictionary<string, object?>)Json.PlainJson.Parse(V3Active)!);
            Assert.Equal("1:2468", v3.Id);
            Assert.Equal(2468, v3.DeviceId);
            Assert.True(v3.IsActive);
            Assert.Equal(new[] { "A:\\", "C:\\", "D:\\" }, v3.Drives);
            Assert.Contains("reg enum key", v3.SupportedCommands!);
            Assert.Equal(new DateTime(2017, 8, 7, 17, 24, 15, 758, DateTimeKind.Utc), v3.CreatedUtc);
            var v6 = LrSessionState.Read((Dictionary<string, object?>)Json.PlainJson.Parse(V6Created)!);
            Assert.Equal(2468, v6.DeviceId);
            Assert.True(v6.IsPending);
            Assert.Null(v6.SupportedCommands);
            Assert.Equal(new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc), v6.CreatedUtc);
            Assert.Equal("CLOSED", LrSessionState.NormaliseSessionStatus("CLOSE"));
            Assert.Equal("ERROR", LrSessionState.NormaliseSessionStatus("error"));
        }

        /// <summary>A v3 server: create PENDING, one poll ACTIVE, then commands answered by <paramref name="command"/>.</summary>
        private static FakeHandler V3Server(Func<RecordedRequest, HttpResponseMessage>? command = null, string? afterCreate = null)
        {
            int polls = 0;
            return new FakeHandler(r =>
            {
                string path = r.Uri.AbsolutePath;
                if (r.Method == HttpMethod.Post && path == "/integrationServices/v3/cblr/session/2468") return FakeHandler.Json(200, V3Pending);
                if (r.Method == HttpMethod.Get && path == "/integrationServices/v3/cblr/session/1:2468")
                    return FakeHandler.Json(200, Interlocked.Increment(ref polls) >= 1 ? afterCreate ?? V3Active : V3Pending);
                if (r.Method == HttpMethod.Put && path == "/integrationServices/v3/cblr/session") return FakeHandler.Json(200, "{\"status\":\"CLOSE\"}");
                return command?.Invoke(r) ?? FakeHandler.Json(404, "{\"success\":false,\"message\":\"no route\"}");
            });
        }

        [Fact]
        public async Task V3CommandsSendTheSessionIdAndTheTargetAsObject()
        {
            var h = V3Server(r =>
            {
                if (r.Method == HttpMethod.Post && r.Uri.AbsolutePath.EndsWith("/command"))
                    return FakeHandler.Json(200, "{\"id\":6,\"session_id\":\"1:2468\",\"status\":\"in progress\",\"name\":\"directory list\"}");
                return FakeHandler.Json(200, "{\"id\":6,\"session_id\":\"1:2468\",\"status\":\"complete\",\"name\":\"directory list\",\"files\":[" +
                                             "{\"attributes\":[\"DIRECTORY\"],\"create_time\":1471897244,\"filename\":\".\",\"last_access_time\":1476390670,\"last_write_time\":1476390670,\"size\":0}," +
                                             "{\"attributes\":[\"ARCHIVE\"],\"create_time\":1476390668,\"filename\":\"test.txt\",\"last_access_time\":1476390668,\"last_write_time\":1476390668,\"size\":1234}]}");
            });
            using var s = Legacy(h);
            var (lr, reused) = await Open(s, 2468);
            Assert.False(reused);
            Assert.Equal("WINDOWS", lr.OsType);
            var create = h.List.First();
            Assert.Equal("{\"sensor_id\":2468}", create.Body);
            var items = new List<LiveResponseItem>();
            await LiveResponseOperations.ListAsync(lr, "C:\\TEMP", 0, items.Add, CallContext.None);
            var post = h.List.Single(r => r.Method == HttpMethod.Post && r.Uri.AbsolutePath == "/integrationServices/v3/cblr/session/1:2468/command");
            var body = JObject.Parse(post.Body!);
            Assert.Equal("1:2468", (string)body["session_id"]!);
            Assert.Equal("directory list", (string)body["name"]!);
            Assert.Equal("C:\\TEMP\\", (string)body["object"]!);
            Assert.Null(body["path"]);
            var item = Assert.Single(items);
            Assert.Equal("C:\\TEMP\\test.txt", item.FullName);
            Assert.Equal(1234, item.Length);
            Assert.Equal(new DateTime(2016, 10, 13, 20, 31, 8, DateTimeKind.Utc), item.LastWriteTimeUtc);
            Assert.Contains(h.List, r => r.Uri.AbsolutePath == "/integrationServices/v3/cblr/session/1:2468/command/6");
        }

        [Fact]
        public async Task V6CommandsPutTheTargetInPathAndKillsInPid()
        {
            var h = new FakeHandler(r =>
            {
                string p = r.Uri.AbsolutePath;
                if (r.Method == HttpMethod.Post && p == "/appservices/v6/orgs/ORG1/liveresponse/sessions") return FakeHandler.Json(201, V6Created);
                if (r.Method == HttpMethod.Get && p == "/appservices/v6/orgs/ORG1/liveresponse/sessions/1:2468") return FakeHandler.Json(200, V6Active);
                if (r.Method == HttpMethod.Post && p.EndsWith("/commands")) return FakeHandler.Json(200, "{\"id\":1,\"status\":\"pending\",\"name\":\"x\"}");
                return FakeHandler.Json(200, "{\"id\":1,\"status\":\"complete\",\"name\":\"x\",\"processes\":[{\"process_pid\":7,\"process_path\":\"/usr/sbin/sshd\",\"process_cmdline\":\"sshd -D\",\"process_username\":\"root\",\"parent_pid\":1,\"create_time\":1476390670}]}");
            });
            using var s = Current(h);
            var (lr, _) = await Open(s, 2468);
            Assert.Equal("{\"device_id\":2468}", h.List.First().Body);
            Assert.Equal("LINUX", lr.OsType);
            Assert.Equal("lnx-01", lr.HostName);
            var procs = await LiveResponseOperations.ListProcessesAsync(lr, CallContext.None);
            var p7 = Assert.Single(procs);
            Assert.Equal(7, p7.ProcessId);
            Assert.Equal("sshd", p7.Name);
            Assert.Equal("root", p7.UserName);
            Assert.Equal(1L, p7.ParentProcessId);
            await LiveResponseOperations.KillAsync(lr, 7, CallContext.None);
            var bodies = h.List.Where(r => r.Method == HttpMethod.Post && r.Uri.AbsolutePath.EndsWith("/commands")).Select(r => JObject.Parse(r.Body!)).ToList();
            Assert.Equal("process list", (string)bodies[0]["name"]!);
            Assert.Equal(7, (long)bodies[1]["pid"]!);
            Assert.Null(bodies[1]["path"]);
            Assert.Null(bodies[1]["object"]);
            // A Linux sensor: registry commands are refused before anything is sent.
            int before = h.Count;
            await Assert.ThrowsAsync<CbLiveResponseException>(() => LiveResponseOperations.GetKeyAsync(lr, "HKLM\\SOFTWARE", CallContext.None));
            Assert.Equal(before, h.Count);
        }

        [Fact]
        public async Task ACommandPostAnsweredSessionNotFoundReopensTheSessionAndRetries()
        {
            int posts = 0, creates = 0;
            var h = new FakeHandler(r =>
            {
                string p = r.Uri.AbsolutePath;
                if (r.Method == HttpMethod.Post && p == "/integrationServices/v3/cblr/session/2468")
                    return FakeHandler.Json(200, Interlocked.Increment(ref creates) == 1 ? V3Pending : V3Pending.Replace("1:2468", "2:2468"));
                if (r.Method == HttpMethod.Get && p.StartsWith("/integrationServices/v3/cblr/session/") && !p.Contains("/command"))
                    return FakeHandler.Json(200, V3Active.Replace("1:2468", p.Substring(p.LastIndexOf('/') + 1)));
                if (r.Method == HttpMethod.Post && p.EndsWith("/command"))
                    return Interlocked.Increment(ref posts) == 1
                        ? FakeHandler.Json(404, "{\"success\":false,\"status\":\"NOT_FOUND\",\"message\":\"Session 1:2468 is closed\"}")
                        : FakeHandler.Json(200, "{\"id\":1,\"status\":\"complete\",\"name\":\"create directory\"}");
                return FakeHandler.Json(404, "{}");
            });
            using var s = Legacy(h);
            var (lr, _) = await Open(s, 2468);
            await LiveResponseOperations.CreateDirectoryAsync(lr, "C:\\x", CallContext.None);
            Assert.Equal("2:2468", lr.Id);
            Assert.Equal(2, creates);
            Assert.Equal(2, posts);
            Assert.EndsWith("/session/2:2468/command", h.List.Last(r => r.Method == HttpMethod.Post).Uri.AbsolutePath);
        }

        [Fact]
        public async Task ASessionThatNeverBecomesActiveIsClosedOnTimeoutAndOnCancellation()
        {
            var h = V3Server(afterCreate: V3Pending);
            using (var s = Legacy(h))
            {
                var ex = await Assert.ThrowsAsync<CbTimeoutException>(() => Open(s, 2468, timeoutSec: 0.5));
                Assert.Contains("pending session was closed", ex.Message);
                Assert.Contains("New-CbLiveResponseSession -TimeoutSec", ex.RecommendedAction);
                var close = Assert.Single(h.List, r => r.Method == HttpMethod.Put);
                Assert.Equal("{\"session_id\":\"1:2468\",\"status\":\"CLOSE\"}", close.Body);
            }
            var h2 = V3Server(afterCreate: V3Pending);
            using (var s = Legacy(h2))
            using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(400)))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Open(s, 2468, timeoutSec: 60, ct: cts.Token));
                Assert.Single(h2.List, r => r.Method == HttpMethod.Put);
            }
        }

        [Fact]
        public async Task TheOrgsSessionLimitIsWaitedOutAndAnOpenSessionIsReused()
        {
            int creates = 0;
            var h = new FakeHandler(r =>
            {
                string p = r.Uri.AbsolutePath;
                if (r.Method == HttpMethod.Post && p.EndsWith("/sessions"))
                    return Interlocked.Increment(ref creates) <= 2
                        ? FakeHandler.Json(403, "{\"error_code\":\"FORBIDDEN\",\"message\":\"Session limit reached: the org already has 10 open sessions\"}")
                        : FakeHandler.Json(201, V6Created);
                return FakeHandler.Json(200, V6Active);
            });
            using var s = Current(h);
            var (lr, reused) = await Open(s, 2468);
            Assert.False(reused);
            Assert.Equal(3, creates);
            var (again, reused2) = await Open(s, 2468);
            Assert.Same(lr, again);
            Assert.True(reused2);
            Assert.Equal(3, creates);
        }

        [Fact]
        public async Task AKeyOfTheWrongTypeIsAnErrorNamingTheKeyNeeded()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(401, "{\"success\":false,\"message\":\"Authentication failed\"}"));
            using var s = Legacy(h);
            var ex = await Assert.ThrowsAsync<CbUnauthorizedException>(() => Open(s, 2468));
            Assert.Contains("LIVE_RESPONSE", ex.Message);
            Assert.Contains("Authentication failed", ex.Message);
        }

        [Fact]
        public async Task TheV6DownloadFollowsTheRedirectWithoutTheKeyAndRefusesPlainHttpElsewhere()
        {
            string location = "https://storage.example.net/lr/abc?X-Amz-Signature=SECRETSIG";
            byte[] content = Encoding.UTF8.GetBytes(new string('x', 200000));
            var h = new FakeHandler(r =>
            {
                if (r.Uri.Host == "storage.example.net" || r.Uri.Host == "cb.example.com" && r.Uri.AbsolutePath.StartsWith("/_storage"))
                    return new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(content) };
                if (r.Uri.AbsolutePath.EndsWith("/content"))
                {
                    var m = new HttpResponseMessage(HttpStatusCode.Found) { Content = new ByteArrayContent(Array.Empty<byte>()) };
                    m.Headers.Location = new Uri(location);
                    return m;
                }
                return FakeHandler.Json(404, "{}");
            });
            using var s = Current(h);
            var svc = (await s.GetServicesAsync(CallContext.None)).LiveResponse;
            using (var dest = new MemoryStream())
            {
                long n = await svc.DownloadFileAsync("1:2468", "f1", dest, null, CallContext.None);
                Assert.Equal(content.Length, n);
                Assert.Equal(content, dest.ToArray());
            }
            var storage = Assert.Single(h.List, r => r.Uri.Host == "storage.example.net");
            Assert.False(storage.Headers.ContainsKey("X-Auth-Token"));
            Assert.True(h.List.First().Headers.ContainsKey("X-Auth-Token"));

            location = "http://elsewhere.example.org/lr/abc";
            int before = h.Count;
            var ex = await Assert.ThrowsAsync<CbInvalidResponseException>(() => svc.DownloadFileAsync("1:2468", "f1", new MemoryStream(), null, CallContext.None));
            Assert.Contains("plain http", ex.Message);
            Assert.DoesNotContain(h.List.Skip(before), r => r.Uri.Host == "elsewhere.example.org");
        }

        [Fact]
        public async Task ADownloadCutShortIsRetriedFromTheStart()
        {
            int gets = 0;
            byte[] content = Enumerable.Range(0, 300000).Select(i => (byte)i).ToArray();
            var h = new FakeHandler(r =>
            {
                var m = new HttpResponseMessage(HttpStatusCode.OK);
                // The first reply claims the whole length but carries half: the copy must notice and start again.
                m.Content = Interlocked.Increment(ref gets) == 1 ? new ShortContent(content, content.Length / 2) : new ByteArrayContent(content);
                return m;
            });
            using var s = Legacy(h);
            var svc = (await s.GetServicesAsync(CallContext.None)).LiveResponse;
            using var dest = new MemoryStream();
            long n = await svc.DownloadFileAsync("1:2468", "3", dest, null, CallContext.None);
            Assert.Equal(content.Length, n);
            Assert.Equal(content, dest.ToArray());
            Assert.Equal(2, gets);
            Assert.Equal("/integrationServices/v3/cblr/session/1:2468/file/3/content", h.List[0].Uri.AbsolutePath);
        }

        private sealed class ShortContent : HttpContent
        {
            private readonly byte[] _bytes;
            private readonly int _send;
            public ShortContent(byte[] bytes, int send) { _bytes = bytes; _send = send; Headers.ContentLength = bytes.Length; }
            protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(_bytes, 0, _send);
            protected override bool TryComputeLength(out long length) { length = _bytes.Length; return true; }
        }

        [Theory]
        [InlineData(42, "REG_DWORD")]
        [InlineData(5000000000L, "REG_QWORD")]
        [InlineData("text", "REG_SZ")]
        public void RegistryTypesFollowTheValue(object value, string type) => Assert.Equal(type, LiveResponseOperations.InferType(value));

        [Fact]
        public void RegistryDataGoesToTheWireAndBackInOneShapePerType()
        {
            Assert.Equal("REG_MULTI_SZ", LiveResponseOperations.InferType(new object[] { "a", "b" }));
            Assert.Equal("REG_BINARY", LiveResponseOperations.InferType(new byte[] { 1 }));
            Assert.Equal("deadbeef", LiveResponseOperations.DataToWire("REG_BINARY", new byte[] { 0xde, 0xad, 0xbe, 0xef }));
            Assert.Equal(16L, Convert.ToInt64(LiveResponseOperations.DataToWire("REG_DWORD", "0x10")));
            Assert.Throws<ArgumentException>(() => LiveResponseOperations.DataToWire("REG_DWORD", 5000000000L));
            Assert.Throws<ArgumentException>(() => LiveResponseOperations.DataToWire("REG_DWORD", "many"));
            Assert.Equal(new byte[] { 0xde, 0xad }, LiveResponseOperations.DataFromWire("REG_BINARY", "dead"));
            Assert.Equal(new[] { "x", "y" }, LiveResponseOperations.DataFromWire("REG_MULTI_SZ", new List<object?> { "x", "y" }));
            Assert.Equal(4294967295L, LiveResponseOperations.DataFromWire("REG_DWORD", "4294967295"));
        }

        [Fact]
        public void OutputIsDecodedWithoutLosingABite()
        {
            Assert.Equal("héllo", LiveResponseOperations.Decode(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("héllo")).ToArray()));
            Assert.Equal("hi", LiveResponseOperations.Decode(new byte[] { 0xFF, 0xFE, (byte)'h', 0, (byte)'i', 0 }));
            Assert.Equal("caf\u00e9", LiveResponseOperations.Decode(new byte[] { (byte)'c', (byte)'a', (byte)'f', 0xE9 }));
        }
    }
}
