using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Json;
using Xunit;

namespace CbDefense.Core.Tests
{
    /// <summary>The policy model and its JSON mapping: typed fields, nothing lost, edits applied, the export document.</summary>
    public sealed class PolicyJsonTests
    {
        private static Dictionary<string, object?> Reply() =>
            (Dictionary<string, object?>)PlainJson.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "policy_get.json")))!;

        private static Dictionary<string, object?> Info() => (Dictionary<string, object?>)Reply()["policyInfo"]!;

        private static Dictionary<string, object?> D(object? v) => (Dictionary<string, object?>)v!;
        private static List<object?> L(object? v) => (List<object?>)v!;

        [Fact]
        public void ReadsTypedFields()
        {
            var p = Policy.FromPolicyInfo(Info());
            Assert.Equal(40512, p.Id);
            Assert.Equal(40512, p.PolicyId);
            Assert.Equal("Finance_Workstations", p.Name);
            Assert.Equal("Finance team laptops", p.Description);
            Assert.Equal("MEDIUM", p.PriorityLevel);
            Assert.False(p.SystemPolicy);
            Assert.Equal(2, p.Version);
            Assert.Equal(new DateTime(2020, 9, 27, 19, 22, 47, 890, DateTimeKind.Utc), p.LatestRevisionUtc);
            Assert.Equal(DateTimeKind.Utc, p.LatestRevisionUtc!.Value.Kind);
            Assert.Equal(DateTimeKind.Local, p.LatestRevision!.Value.Kind);
            Assert.Equal(3600000, p.KnownBadHashAutoDeleteDelayMs);

            Assert.Equal(new long?[] { 1, 2, 7 }, p.Rules.Select(r => r.Id));
            var psexec = p.Rules[1];
            Assert.Equal("RUN", psexec.Operation);
            Assert.Equal("NAME_PATH", psexec.ApplicationType);
            Assert.Equal("**\\psexec.exe", psexec.ApplicationValue);
            Assert.Equal("DENY", psexec.Action);
            Assert.False(psexec.Required); // "false" as a string is read liberally
            Assert.Equal(40512, psexec.PolicyId);
            Assert.Equal("Finance_Workstations", psexec.PolicyName);
            Assert.Equal("lateral movement", psexec.AdditionalProperties["comment"]);
            Assert.True(p.Rules[0].Required);

            Assert.Equal(new[] { "SHOW_UI", "BACKGROUND_SCAN", "QUARANTINE_DEVICE_MESSAGE", "UNINSTALL_CODE" }, p.SensorSettings.Select(s => s.Name));
            Assert.Equal("true", p.SensorSettings[1].Value);
            Assert.Equal("ALL", p.SensorSettings[3].AdditionalProperties["scope"]);
            Assert.Equal(true, D(p.AvSettings!["apc"])["enabled"]);
            var dir = Assert.Single(p.DirectoryActionRules);
            Assert.Equal("C:\\Builds\\**", dir.Path);
            Assert.False(dir.FileUpload);
            Assert.True(dir.Protection);

            Assert.Equal(1105L, p.AdditionalProperties["orgId"]);
            Assert.True(p.AdditionalProperties.ContainsKey("vdiAutoDeregInactiveIntervalMs"));
            Assert.Equal(-1L, p.Settings["id"]);
            Assert.True(p.Settings.ContainsKey("futureSetting"));
        }

        [Fact]
        public void WritesBackExactlyWhatWasRead()
        {
            var info = Info();
            var p = Policy.FromPolicyInfo(info);
            var back = p.ToPolicyInfo();
            Assert.True(PlainJson.JsonEquals(info, back), PlainJson.Serialize(back));
            // Values the typed model cannot represent exactly go back as they came.
            Assert.Equal(true, D(L(D(back["policy"])["sensorSettings"])[1])["value"]);
            Assert.Equal("false", D(L(D(back["policy"])["rules"])[1])["required"]);
            Assert.Equal(info.Keys, back.Keys); // same order too
            // The clone and a second read are identical.
            Assert.True(PlainJson.JsonEquals(info, p.Clone().ToPolicyInfo()));
        }

        [Fact]
        public void EditsToTypedPropertiesWinAndEverythingElseStays()
        {
            var info = Info();
            var p = Policy.FromPolicyInfo(info);
            p.Description = "changed";
            p.PriorityLevel = "HIGH";
            p.SensorSettings.First(s => s.Name == "SHOW_UI").Value = "False";
            p.Rules = p.Rules.Concat(new[] { new PolicyRule { Operation = "RUN", ApplicationType = "NAME_PATH", ApplicationValue = "**\\mimikatz.exe", Action = "DENY" } }).ToArray();
            p.KnownBadHashAutoDeleteDelayMs = 60000;
            D(p.AvSettings!["apc"])["riskLevel"] = 5L;

            var back = p.ToPolicyInfo();
            Assert.Equal("changed", back["description"]);
            Assert.Equal("HIGH", back["priorityLevel"]);
            Assert.Equal(1105L, back["orgId"]);
            var settings = D(back["policy"]);
            Assert.Equal("False", D(L(settings["sensorSettings"])[0])["value"]);
            Assert.Equal("ALL", D(L(settings["sensorSettings"])[3])["scope"]);
            var rules = L(settings["rules"]);
            Assert.Equal(4, rules.Count);
            Assert.Equal("lateral movement", D(rules[1])["comment"]);
            Assert.Equal(false, D(D(rules[1])["application"])["caseSensitive"]);
            Assert.False(D(rules[3]).ContainsKey("id"));
            Assert.Equal("**\\mimikatz.exe", D(D(rules[3])["application"])["value"]);
            Assert.Equal(60000L, settings["knownBadHashAutoDeleteDelayMs"]);
            Assert.Equal(5L, D(D(settings["avSettings"])["apc"])["riskLevel"]);
            Assert.True(PlainJson.JsonEquals(D(info["policy"])["futureSetting"], settings["futureSetting"]));
            Assert.Equal(-1L, settings["id"]);
        }

        [Fact]
        public void EditsToRawSettingsAreKept()
        {
            var p = Policy.FromPolicyInfo(Info());
            p.Settings["futureSetting"] = new Dictionary<string, object?> { ["enabled"] = false };
            p.Settings["knownBadHashAutoDeleteDelayMs"] = 5;
            var s = D(p.ToPolicyInfo()["policy"]);
            Assert.Equal(false, D(s["futureSetting"])["enabled"]);
            Assert.Equal(5L, s["knownBadHashAutoDeleteDelayMs"]);
        }

        [Fact]
        public void MinimalPolicyStaysMinimal()
        {
            var info = (Dictionary<string, object?>)PlainJson.Parse(
                "{\"id\":7,\"priorityLevel\":\"LOW\",\"systemPolicy\":false,\"latestRevision\":0,\"policy\":{\"sensorSettings\":[{\"name\":\"SHOW_UI\",\"value\":\"True\"}],\"id\":-1},\"version\":2,\"description\":\"d\"}")!;
            var p = Policy.FromPolicyInfo(info);
            Assert.Null(p.LatestRevision); // 0 means never, not 1970
            Assert.Null(p.Name);
            Assert.Empty(p.Rules);
            Assert.True(PlainJson.JsonEquals(info, p.ToPolicyInfo()));
        }

        [Fact]
        public void ExportDocumentRoundTripsAndAcceptsOtherShapes()
        {
            var p = Policy.FromPolicyInfo(Info());
            string json = PolicyDocument.ToJson(p);
            Assert.Contains("\"cbDefensePolicyExport\": 1", json);
            var back = PolicyDocument.FromJson(json);
            Assert.True(PlainJson.JsonEquals(p.ToPolicyInfo(), back.ToPolicyInfo()));
            Assert.Null(back.Session);

            // A saved GET reply and a bare policyInfo are accepted too.
            var fromReply = PolicyDocument.FromJson(PlainJson.Serialize(Reply()));
            Assert.Equal("Finance_Workstations", fromReply.Name);
            var fromBare = PolicyDocument.FromJson(PlainJson.Serialize(Info()));
            Assert.Equal(3, fromBare.Rules.Length);

            Assert.Throws<FormatException>(() => PolicyDocument.FromJson("{\"policyInfo\": {"));
            Assert.Throws<FormatException>(() => PolicyDocument.FromJson("[1,2]"));
            Assert.Throws<FormatException>(() => PolicyDocument.FromJson("{\"devices\": []}"));
        }

        [Fact]
        public void CreateAndReplaceBodiesLeaveServerFieldsBehind()
        {
            var p = Policy.FromPolicyInfo(Info());
            using var s = Fake.Session(new FakeHandler(_ => FakeHandler.Json(200, "{}")));
            var service = s.Policies();
            var create = service.PrepareCreate(PolicyDocument.Draft(p, "Promoted"), null);
            Assert.Equal("Promoted", create["name"]);
            foreach (var f in new[] { "id", "latestRevision", "systemPolicy", "orgId" }) Assert.False(create.ContainsKey(f), f);
            Assert.True(create.ContainsKey("vdiAutoDeregInactiveIntervalMs"));
            Assert.True(PlainJson.JsonEquals(Info()["policy"], create["policy"]));

            var target = Policy.FromPolicyInfo(new Dictionary<string, object?>
            {
                ["id"] = 9L, ["name"] = "Prod", ["systemPolicy"] = true, ["latestRevision"] = 5L, ["orgId"] = 2L, ["policy"] = new Dictionary<string, object?>(),
            });
            var replace = service.PrepareReplace(p, target, null);
            Assert.Equal(9L, replace["id"]);
            Assert.Equal(true, replace["systemPolicy"]);
            Assert.Equal(2L, replace["orgId"]);
            Assert.Equal("Finance_Workstations", replace["name"]);
        }

        [Fact]
        public void RulesReadFromEitherShape()
        {
            var api = PolicyRule.FromJson("{\"ruleInfo\":{\"operation\":\"RUN\",\"application\":{\"type\":\"NAME_PATH\",\"value\":\"x.exe\"},\"action\":\"DENY\",\"required\":true}}");
            Assert.Equal(("RUN", "NAME_PATH", "x.exe", "DENY", true), (api.Operation, api.ApplicationType, api.ApplicationValue, api.Action, api.Required));
            var flat = PolicyRule.FromPlain(new Dictionary<string, object?>
            {
                ["Operation"] = "network", ["ApplicationType"] = "signed_by", ["ApplicationValue"] = "Contoso", ["Action"] = "allow", ["Required"] = false,
            });
            PolicyValues.ValidateRule(flat);
            Assert.Equal(("NETWORK", "SIGNED_BY", "ALLOW"), (flat.Operation, flat.ApplicationType, flat.Action));
            var body = flat.ToRuleInfo(includeId: false);
            Assert.Equal("{\"required\":false,\"operation\":\"NETWORK\",\"application\":{\"type\":\"SIGNED_BY\",\"value\":\"Contoso\"},\"action\":\"ALLOW\"}", PlainJson.Serialize(body));
        }

        [Theory]
        [InlineData("FLY", "NAME_PATH", "DENY", "operation", "ESCALATE")]
        [InlineData("RUN", "HASH", "DENY", "application type", "SIGNED_BY")]
        [InlineData("RUN", "NAME_PATH", "EXPLODE", "action", "TERMINATE_THREAD")]
        [InlineData(null, "NAME_PATH", "DENY", "Operation is required", "RUN")]
        public void InvalidRuleValuesNameTheAllowedValues(string? op, string type, string action, string field, string allowed)
        {
            var r = new PolicyRule { Operation = op, ApplicationType = type, ApplicationValue = "x", Action = action };
            var ex = Assert.Throws<ArgumentException>(() => PolicyValues.ValidateRule(r));
            Assert.Contains(field, ex.Message);
            Assert.Contains(allowed, ex.Message);
        }

        [Fact]
        public void PolicyInfoChecksRequiredFieldsAndVersion()
        {
            var ex = Assert.Throws<ArgumentException>(() => PolicyValues.ValidatePolicyInfo(new Dictionary<string, object?> { ["name"] = "x" }));
            Assert.Contains("description", ex.Message);
            Assert.Contains("priorityLevel", ex.Message);
            Assert.Contains("policy", ex.Message);

            Dictionary<string, object?> Good() => new Dictionary<string, object?>
            {
                ["name"] = "x", ["description"] = "", ["priorityLevel"] = "mission_critical", ["policy"] = new Dictionary<string, object?>(),
            };
            var ok = Good();
            PolicyValues.ValidatePolicyInfo(ok);
            Assert.Equal("MISSION_CRITICAL", ok["priorityLevel"]);
            Assert.Equal(2L, ok["version"]);

            var v3 = Good();
            v3["version"] = 3L;
            Assert.Contains("must be 2", Assert.Throws<ArgumentException>(() => PolicyValues.ValidatePolicyInfo(v3)).Message);

            var badRule = Good();
            badRule["policy"] = new Dictionary<string, object?>
            {
                ["rules"] = new List<object?> { new Dictionary<string, object?> { ["operation"] = "RUN", ["action"] = "NOPE", ["application"] = new Dictionary<string, object?> { ["type"] = "NAME_PATH", ["value"] = "a" } } },
            };
            var rex = Assert.Throws<ArgumentException>(() => PolicyValues.ValidatePolicyInfo(badRule));
            Assert.Contains("policy.rules[0]", rex.Message);
            Assert.Contains("NOPE", rex.Message);
        }
    }

    /// <summary>The policy client on the wire (fake handler): routes, wrappers, replies, errors.</summary>
    public sealed class PolicyClientWireTests
    {
        private static string Ok(string extra = "") => "{\"success\":true,\"message\":\"Success\"" + extra + "}";

        private static string GetReply(long id, string name) =>
            "{\"policyInfo\":{\"id\":" + id + ",\"name\":\"" + name + "\",\"description\":\"\",\"priorityLevel\":\"LOW\",\"version\":2,\"systemPolicy\":false,\"policy\":{\"rules\":[{\"id\":4,\"required\":false,\"operation\":\"RUN\",\"application\":{\"type\":\"NAME_PATH\",\"value\":\"a.exe\"},\"action\":\"DENY\"}],\"id\":-1}},\"success\":true,\"message\":\"Success\"}";

        [Fact]
        public async Task CreatePostsWrappedInfoWithoutIdThenReadsItBack()
        {
            var h = new FakeHandler(r => r.Method == HttpMethod.Post
                ? FakeHandler.Json(200, Ok(",\"policyId\":30300"))
                : FakeHandler.Json(200, GetReply(30300, "New")));
            using var s = Fake.Session(h);
            var info = new Dictionary<string, object?>
            {
                ["id"] = 5L, ["name"] = "New", ["description"] = "", ["priorityLevel"] = "low", ["policy"] = new Dictionary<string, object?> { ["rules"] = new List<object?>() },
            };
            var p = await s.GetClient().CreatePolicyAsync(info, null);
            Assert.Equal(30300, p.Id);
            Assert.Same(s, p.Session);
            var reqs = h.List;
            Assert.Equal(2, reqs.Count);
            Assert.Equal("/integrationServices/v3/policy", reqs[0].Uri.AbsolutePath);
            var body = D(PlainJson.Parse(reqs[0].Body!));
            var sent = D(body["policyInfo"]);
            Assert.False(sent.ContainsKey("id"));
            Assert.Equal(2L, sent["version"]);
            Assert.Equal("LOW", sent["priorityLevel"]);
            Assert.Equal("/integrationServices/v3/policy/30300", reqs[1].Uri.AbsolutePath);
        }

        [Fact]
        public async Task InvalidInputSendsNothing()
        {
            var h = new FakeHandler(r => FakeHandler.Json(200, Ok()));
            using var s = Fake.Session(h);
            await Assert.ThrowsAsync<ArgumentException>(() => s.GetClient().CreatePolicyAsync(new Dictionary<string, object?> { ["name"] = "x" }, null));
            await Assert.ThrowsAsync<ArgumentException>(() => s.GetClient().AddPolicyRuleAsync(1, new PolicyRule { Operation = "RUN", ApplicationType = "NAME_PATH", ApplicationValue = "x", Action = "BLOCK" }, null));
            Assert.Equal(0, h.Count);
        }

        [Fact]
        public async Task RuleCallsUseTheDocumentedRoutesAndBodies()
        {
            var h = new FakeHandler(r => r.Method == HttpMethod.Post ? FakeHandler.Json(200, Ok(",\"ruleId\":21")) : FakeHandler.Json(200, Ok()));
            using var s = Fake.Session(h);
            var c = s.GetClient();
            var rule = new PolicyRule { Id = 99, Operation = "run", ApplicationType = "name_path", ApplicationValue = "**\\m.exe", Action = "deny", Required = true };
            Assert.Equal(21, await c.AddPolicyRuleAsync(6, rule, null));
            await c.ReplacePolicyRuleAsync(6, 21, rule, null);
            await c.DeletePolicyRuleAsync(6, 21, null);
            var reqs = h.List;
            Assert.Equal(("POST", "/integrationServices/v3/policy/6/rule"), (reqs[0].Method.Method, reqs[0].Uri.AbsolutePath));
            var added = D(D(PlainJson.Parse(reqs[0].Body!))["ruleInfo"]);
            Assert.False(added.ContainsKey("id"));
            Assert.Equal("RUN", added["operation"]);
            Assert.Equal("DENY", added["action"]);
            Assert.Equal(("PUT", "/integrationServices/v3/policy/6/rule/21"), (reqs[1].Method.Method, reqs[1].Uri.AbsolutePath));
            Assert.Equal(21L, D(D(PlainJson.Parse(reqs[1].Body!))["ruleInfo"])["id"]);
            Assert.Equal(("DELETE", "/integrationServices/v3/policy/6/rule/21"), (reqs[2].Method.Method, reqs[2].Uri.AbsolutePath));
            Assert.Null(reqs[2].Body);
            Assert.Equal(99, rule.Id); // the caller's object is not changed
        }

        [Fact]
        public async Task UpdatePutsTheWholePolicyAndSuccessFalseIsAnError()
        {
            var h = new FakeHandler(r => r.Method == HttpMethod.Get
                ? FakeHandler.Json(200, GetReply(12, "P"))
                : FakeHandler.Json(200, "{\"success\":false,\"message\":\"Policy is locked\"}"));
            using var s = Fake.Session(h);
            var p = await s.GetClient().GetPolicyAsync(12, null);
            p.Description = "new";
            var ex = await Assert.ThrowsAsync<CbServerException>(() => s.GetClient().UpdatePolicyAsync(p, null));
            Assert.Contains("Policy is locked", ex.Message);
            var put = h.List[1];
            Assert.Equal("/integrationServices/v3/policy/12", put.Uri.AbsolutePath);
            var sent = D(D(PlainJson.Parse(put.Body!))["policyInfo"]);
            Assert.Equal(12L, sent["id"]);
            Assert.Equal("new", sent["description"]);
            Assert.Single(L(D(sent["policy"])["rules"]));
        }

        [Fact]
        public async Task NotFoundNamesThePolicy()
        {
            var h = new FakeHandler(r => FakeHandler.Json(404, "{\"success\":false,\"message\":\"Policy 77 not found\"}"));
            using var s = Fake.Session(h);
            var ex = await Assert.ThrowsAsync<CbObjectNotFoundException>(() => s.GetClient().GetPolicyAsync(77, null));
            // The server's message says no more than "not found": it is kept (ServerMessage) but not repeated in the text.
            Assert.StartsWith("Policy 77 was not found (HTTP 404)", ex.Message);
            Assert.Equal("Policy 77 not found", ex.ServerMessage);
            Assert.Equal(404, ex.StatusCode);
            var rex = await Assert.ThrowsAsync<CbObjectNotFoundException>(() => s.GetClient().DeletePolicyRuleAsync(77, 3, null));
            Assert.StartsWith("Rule 3 of policy 77 was not found", rex.Message);
        }

        [Fact]
        public async Task ListReadsEveryPage()
        {
            string Page(int start, int n, int total) => "{\"success\":true,\"message\":\"Success\",\"totalResults\":" + total + ",\"results\":[" +
                string.Join(",", Enumerable.Range(start, n).Select(i => "{\"id\":" + i + ",\"name\":\"p" + i + "\",\"policy\":{}}")) + "]}";
            var h = new FakeHandler(r => r.Uri.Query.Contains("start=1&") || r.Uri.Query.EndsWith("start=1")
                ? FakeHandler.Json(200, Page(1, 3, 5))
                : FakeHandler.Json(200, Page(4, 2, 5)));
            using var s = Fake.Session(h);
            var all = await s.GetClient().GetPoliciesAsync(null);
            Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, all.Select(p => p.Id));
            Assert.Contains("start=4", h.List[1].Uri.Query);
        }

        private static Dictionary<string, object?> D(object? v) => (Dictionary<string, object?>)v!;
        private static List<object?> L(object? v) => (List<object?>)v!;
    }

    /// <summary>The policy client against the emulator: a full create → rules → update → delete cycle.</summary>
    public sealed class PolicyClientEmulatorTests : IClassFixture<EmulatorFixture>
    {
        private readonly EmulatorFixture _emu;
        public PolicyClientEmulatorTests(EmulatorFixture emu) { _emu = emu; }

        [EmulatorFact]
        public async Task FullCycleAgainstTheEmulator()
        {
            using var s = _emu.Connect();
            var c = s.GetClient();
            var all = await c.GetPoliciesAsync(null);
            Assert.Contains(all, p => p.Name == "Standard" && p.SystemPolicy == true);
            var source = all.First(p => p.Name == "Windows_Workstation");
            Assert.NotEmpty(source.Rules);

            var created = await c.CreatePolicyAsync(s.Policies().PrepareCreate(PolicyDocument.Draft(source, "Core_Cycle"), null), null);
            Assert.Equal("Core_Cycle", created.Name);
            Assert.True(PlainJson.JsonEquals(source.ToSettings()["sensorSettings"], created.ToSettings()["sensorSettings"]));
            Assert.Equal(source.Rules.Select(r => r.ToString()), created.Rules.Select(r => r.ToString()));

            long? ruleId = await c.AddPolicyRuleAsync(created.Id, new PolicyRule { Operation = "RUN", ApplicationType = "NAME_PATH", ApplicationValue = "**\\mimikatz.exe", Action = "DENY" }, null);
            Assert.Equal(created.Rules.Max(r => r.Id) + 1, ruleId);
            await c.ReplacePolicyRuleAsync(created.Id, ruleId!.Value, new PolicyRule { Operation = "RUN", ApplicationType = "NAME_PATH", ApplicationValue = "**\\mimikatz.exe", Action = "TERMINATE" }, null);
            var read = await c.GetPolicyAsync(created.Id, null);
            Assert.Equal("TERMINATE", read.Rules.Single(r => r.Id == ruleId).Action);

            read.Description = "updated";
            var saved = await c.UpdatePolicyAsync(read, null);
            Assert.Equal("updated", saved.Description);
            Assert.Equal(read.Rules.Length, saved.Rules.Length);

            await c.DeletePolicyRuleAsync(created.Id, ruleId.Value, null);
            await c.DeletePolicyAsync(created.Id, null);
            await Assert.ThrowsAsync<CbObjectNotFoundException>(() => c.GetPolicyAsync(created.Id, null));

            var sys = await Assert.ThrowsAsync<CbClientException>(() => c.DeletePolicyAsync(6525, null));
            Assert.Equal(400, sys.StatusCode);
            Assert.Contains("system policy", sys.Message);
        }
    }
}
