using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Core.Tests
{
    public class DeviceActionRequestTests
    {
        private static string Body(DeviceActionRequest r) => CbDefense.Json.PlainJson.Serialize(r.ToBody());

        [Fact]
        public void TogglesSendOnOrOff()
        {
            Assert.Equal("{\"action_type\":\"QUARANTINE\",\"device_id\":[7,8],\"options\":{\"toggle\":\"ON\"}}",
                         Body(DeviceActionRequest.Quarantine(true, new long[] { 7, 8 })));
            Assert.Equal("{\"action_type\":\"BYPASS\",\"device_id\":[7],\"options\":{\"toggle\":\"OFF\"}}",
                         Body(DeviceActionRequest.Bypass(false, new long[] { 7 })));
            Assert.Equal("{\"action_type\":\"BACKGROUND_SCAN\",\"device_id\":[7],\"options\":{\"toggle\":\"ON\"}}",
                         Body(DeviceActionRequest.BackgroundScan(true, new long[] { 7 })));
        }

        [Fact]
        public void PolicySensorUninstallAndDeleteBodies()
        {
            Assert.Equal("{\"action_type\":\"UPDATE_POLICY\",\"device_id\":[3],\"options\":{\"policy_id\":30241}}",
                         Body(DeviceActionRequest.UpdatePolicy(30241, new long[] { 3 })));
            var versions = new Dictionary<string, string> { ["rhel"] = " 2.3.4.5 ", ["WINDOWS"] = "3.6.0.1979" };
            Assert.Equal("{\"action_type\":\"UPDATE_SENSOR_VERSION\",\"device_id\":[3],\"options\":{\"sensor_version\":{\"RHEL\":\"2.3.4.5\",\"WINDOWS\":\"3.6.0.1979\"}}}",
                         Body(DeviceActionRequest.UpdateSensorVersion(versions, new long[] { 3 })));
            Assert.Equal("{\"action_type\":\"UNINSTALL_SENSOR\",\"device_id\":[3]}", Body(DeviceActionRequest.UninstallSensor(new long[] { 3 })));
            Assert.Equal("{\"action_type\":\"DELETE_SENSOR\",\"device_id\":[3]}", Body(DeviceActionRequest.DeleteSensor(new long[] { 3 })));
        }

        [Fact]
        public void ForDevicesKeepsTheActionAndOptions()
        {
            var first = DeviceActionRequest.UpdatePolicy(6525, new long[] { 1, 2 });
            var next = first.ForDevices(new long[] { 3 });
            Assert.Equal(DeviceActionType.UpdatePolicy, next.ActionType);
            Assert.Equal(6525, next.PolicyId);
            Assert.Equal(new long[] { 3 }, next.DeviceIds);
            Assert.Equal("Move to policy 6525", next.Describe());
        }

        [Theory]
        [InlineData(0L)]
        [InlineData(-4L)]
        public void RejectsIdsThatAreNotPositive(long id)
        {
            var ex = Assert.ThrowsAny<ArgumentException>(() => DeviceActionRequest.Quarantine(true, new[] { 5L, id }));
            Assert.Contains(id.ToString(), ex.Message);
            Assert.ThrowsAny<ArgumentException>(() => DeviceActionRequest.DeleteSensor(Array.Empty<long>()));
            Assert.ThrowsAny<ArgumentException>(() => DeviceActionRequest.UpdatePolicy(0, new[] { 5L }));
        }

        [Theory]
        [InlineData("WINDOZE", "3.6.0.1979", "not an OS")]
        [InlineData("", "3.6.0.1979", "not an OS")]
        [InlineData("MAC", "3", "not a sensor version")]
        [InlineData("MAC", "3.x.1", "not a sensor version")]
        [InlineData("MAC", "", "not a sensor version")]
        [InlineData("MAC", "latest", "not a sensor version")]
        public void RejectsBadSensorVersions(string key, string version, string why)
        {
            var ex = Assert.Throws<ArgumentException>(() =>
                DeviceActionRequest.UpdateSensorVersion(new Dictionary<string, string> { [key] = version }, new[] { 1L }));
            Assert.Contains(why, ex.Message);
        }

        [Fact]
        public void RejectsAnEmptyOrDuplicatedSensorVersionMap()
        {
            Assert.Throws<ArgumentException>(() => DeviceActionRequest.CheckSensorVersions(new Dictionary<string, string>()));
            var twice = new[] { new KeyValuePair<string, string>("mac", "1.2"), new KeyValuePair<string, string>("MAC", "1.3") };
            Assert.Contains("twice", Assert.Throws<ArgumentException>(() => DeviceActionRequest.CheckSensorVersions(twice)).Message);
        }

        [Fact]
        public void ToggleFactoryRefusesActionsWithoutAToggle()
        {
            Assert.Throws<ArgumentException>(() => DeviceActionRequest.SetToggle(DeviceActionType.DeleteSensor, true, new[] { 1L }));
        }
    }

    public class DeviceActionClientTests
    {
        [Fact]
        public async Task PostsOneRequestToTheOrgsRouteAndAccepts204()
        {
            var h = new FakeHandler(_ => new HttpResponseMessage(System.Net.HttpStatusCode.NoContent));
            using var s = Fake.Session(h);
            var r = await s.ActAsync(DeviceActionRequest.Quarantine(true, new long[] { 1, 2, 3 }));
            Assert.Equal(204, r.StatusCode);
            Assert.Null(r.Json);
            var req = Assert.Single(h.List);
            Assert.Equal(HttpMethod.Post, req.Method);
            Assert.Equal("https://cb.example.com/appservices/v6/orgs/ORG1/device_actions", req.Uri.ToString());
            Assert.Equal("{\"action_type\":\"QUARANTINE\",\"device_id\":[1,2,3],\"options\":{\"toggle\":\"ON\"}}", req.Body);
            Assert.StartsWith("application/json", req.Headers["Content-Type"]);
        }

        [Fact]
        public async Task Accepts200WithJson()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, "{\"accepted\":2}"));
            using var s = Fake.Session(h);
            var r = await s.ActAsync(DeviceActionRequest.UninstallSensor(new long[] { 1, 2 }));
            Assert.Equal(200, r.StatusCode);
            Assert.Equal(2L, ((Dictionary<string, object?>)r.Json!)["accepted"]);
        }

        [Fact]
        public async Task ANonSuccessStatusThatIsNotAnErrorStillFails()
        {
            var h = new FakeHandler(_ => FakeHandler.Text(302, "moved", "text/plain"));
            using var s = Fake.Session(h);
            var ex = await Assert.ThrowsAsync<CbServerException>(() => s.ActAsync(DeviceActionRequest.DeleteSensor(new long[] { 1 })));
            Assert.Contains("Device action error", ex.Message);
            Assert.Equal(302, ex.StatusCode);
        }

        [Fact]
        public async Task A400CarriesTheServersMessage()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(400, "{\"error_code\":\"INVALID_ARGUMENT\",\"message\":\"options.policy_id 9 is not a known policy\"}"));
            using var s = Fake.Session(h);
            var ex = await Assert.ThrowsAsync<CbClientException>(() => s.ActAsync(DeviceActionRequest.UpdatePolicy(9, new long[] { 1 })));
            Assert.Equal(400, ex.StatusCode);
            Assert.Contains("options.policy_id 9 is not a known policy", ex.ServerMessage);
            Assert.Equal(1, h.Count); // a POST that got a 400 is not repeated
        }

        [Fact]
        public async Task A429IsWaitedOutAndTheBatchSentAgain()
        {
            var h = new FakeHandler(r => r.Index == 1 ? FakeHandler.Throttle(0) : new HttpResponseMessage(System.Net.HttpStatusCode.NoContent));
            using var s = Fake.Session(h);
            var r = await s.ActAsync(DeviceActionRequest.BackgroundScan(false, new long[] { 4 }));
            Assert.Equal(204, r.StatusCode);
            Assert.Equal(2, h.Count);
            Assert.Equal(h.List[0].Body, h.List[1].Body);
        }

        [Fact]
        public async Task WithoutAnOrgKeyNothingIsSent()
        {
            var h = new FakeHandler(_ => new HttpResponseMessage(System.Net.HttpStatusCode.NoContent));
            using var s = Fake.Session(h, o => o.OrgKey = null);
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => s.ActAsync(DeviceActionRequest.Quarantine(true, new long[] { 1 })));
            Assert.Contains("no org key", ex.Message);
            Assert.Contains("-OrgKey", ex.Message);
            Assert.Equal(0, h.Count);
        }

        [Fact]
        public async Task TheOrgKeyIsEscapedInThePath()
        {
            var h = new FakeHandler(_ => new HttpResponseMessage(System.Net.HttpStatusCode.NoContent));
            using var s = Fake.Session(h, o => o.OrgKey = "A B/C");
            await s.ActAsync(DeviceActionRequest.Quarantine(true, new long[] { 1 }));
            Assert.Equal("/appservices/v6/orgs/A%20B%2FC/device_actions", h.List[0].Uri.AbsolutePath);
        }

        private static string PolicyPage(int total, params (long Id, string Name)[] policies) =>
            "{\"success\":true,\"message\":\"Success\",\"totalResults\":" + total + ",\"results\":[" +
            string.Join(",", policies.Select(p => "{\"id\":" + p.Id + ",\"name\":\"" + p.Name + "\",\"priorityLevel\":\"LOW\"}")) + "]}";

        [Fact]
        public async Task ResolvesAPolicyNameExactlyIgnoringCase()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, PolicyPage(3, (6525, "Standard"), (30241, "Windows_Workstation"), (30242, "Windows_Server"))));
            using var s = Fake.Session(h);
            Assert.Equal(30242, await s.GetClient().ResolvePolicyIdAsync("windows_server", null));
            Assert.Equal("/integrationServices/v3/policy", h.List[0].Uri.AbsolutePath);
        }

        [Fact]
        public async Task PagesThroughThePolicyList()
        {
            var h = new FakeHandler(r => r.Uri.Query.Contains("start=1&") || r.Uri.Query.EndsWith("start=1")
                ? FakeHandler.Json(200, PolicyPage(3, (1, "A"), (2, "B")))
                : FakeHandler.Json(200, PolicyPage(3, (3, "Target"))));
            using var s = Fake.Session(h);
            Assert.Equal(3, await s.GetClient().ResolvePolicyIdAsync("target", null));
            Assert.Equal(2, h.Count);
            Assert.Contains("start=3", h.List[1].Uri.Query);
        }

        [Fact]
        public async Task SeveralMatchesAreAnErrorNamingThem()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, PolicyPage(3, (10, "Servers"), (11, "servers"), (12, "Other"))));
            using var s = Fake.Session(h);
            var ex = await Assert.ThrowsAsync<ArgumentException>(() => s.GetClient().ResolvePolicyIdAsync("SERVERS", null));
            Assert.Contains("matches 2 policies", ex.Message);
            Assert.Contains("'Servers' (10)", ex.Message);
            Assert.Contains("'servers' (11)", ex.Message);
            Assert.DoesNotContain("Other", ex.Message);
        }

        [Fact]
        public async Task NoMatchIsAnErrorListingSimilarNames()
        {
            var h = new FakeHandler(_ => FakeHandler.Json(200, PolicyPage(3, (30241, "Windows_Workstation"), (30242, "Windows_Server"), (6525, "Standard"))));
            using var s = Fake.Session(h);
            var ex = await Assert.ThrowsAsync<ArgumentException>(() => s.GetClient().ResolvePolicyIdAsync("Windows", null));
            Assert.Contains("No policy is named 'Windows'", ex.Message);
            Assert.Contains("'Windows_Server' (30242)", ex.Message);
            Assert.DoesNotContain("Standard", ex.Message);
            var none = await Assert.ThrowsAsync<ArgumentException>(() => s.GetClient().ResolvePolicyIdAsync("Nothing", null));
            Assert.Contains("'Standard' (6525)", none.Message); // no similar name: every policy is listed
        }
    }

    public sealed class DeviceActionEmulatorTests : IClassFixture<EmulatorFixture>
    {
        private readonly EmulatorFixture _emu;
        public DeviceActionEmulatorTests(EmulatorFixture emu) { _emu = emu; }

        [EmulatorFact]
        public async Task QuarantineChangesTheDeviceAndPolicyNamesResolve()
        {
            using var s = _emu.Connect();
            var c = s.GetClient();
            var page = await s.DevicePageAsync(null, 2);
            long a = page.Devices[0].DeviceId, b = page.Devices[1].DeviceId;
            var r = await s.ActAsync(DeviceActionRequest.Quarantine(true, new[] { a, b }));
            Assert.Equal(204, r.StatusCode);
            Assert.True((await s.GetDeviceAsync(a)).Quarantined);
            Assert.Equal("QUARANTINE", (await s.GetDeviceAsync(b)).Status);
            await s.ActAsync(DeviceActionRequest.Quarantine(false, new[] { a, b }));
            Assert.False((await s.GetDeviceAsync(a)).Quarantined);

            long policy = await c.ResolvePolicyIdAsync("MAC_LAPTOPS", null);
            Assert.Equal(30243, policy);
            await s.ActAsync(DeviceActionRequest.UpdatePolicy(policy, new[] { a }));
            Assert.Equal("Mac_Laptops", (await s.GetDeviceAsync(a)).PolicyName);
        }

        [EmulatorFact]
        public async Task AnUnknownPolicyIdIsA400WithTheServersMessage()
        {
            using var s = _emu.Connect();
            var ex = await Assert.ThrowsAsync<CbClientException>(() =>
                s.ActAsync(DeviceActionRequest.UpdatePolicy(424242, new[] { 1L })));
            Assert.Equal(400, ex.StatusCode);
            Assert.Contains("424242", ex.ServerMessage);
        }
    }
}
