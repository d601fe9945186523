using System;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>Policy service v1 over the v3 policy state: shapes, mapping both ways, unknown fields, validation, rules.</summary>
public sealed class PolicyV1Tests : IAsyncLifetime
{
    private Emu _emu = null!;

    public async Task InitializeAsync() => _emu = await Emu.Start("--devices", "60", "--events", "10");

    public async Task DisposeAsync() => await _emu.DisposeAsync();

    private const string P = Emu.V1 + "/policies";

    private static readonly string[] FullFields =
    {
        "id", "name", "org_key", "priority_level", "position", "is_system", "description",
        "auto_deregister_inactive_vdi_interval_ms", "auto_delete_known_bad_hashes_delay", "av_settings", "rules",
        "directory_action_rules", "sensor_settings", "managed_detection_response_permissions", "version", "rule_configs",
    };

    private async Task<JsonElement> V1(string path)
    {
        var r = await _emu.Get(path, Emu.Custom);
        Assert.True(r.Code == 200, path + ": " + r.Code + " " + r.Text);
        return r.Json;
    }

    private async Task<JsonElement> V3(long id) => (await _emu.Ok(Emu.V3 + "/policy/" + id)).GetProperty("policyInfo");

    /// <summary>A v1 create body in the SDK's shape (NEW_POLICY_CONSTRUCT), with fields the emulator does not model.</summary>
    private static string NewPolicy(string name = "V1 Policy") => """
        {
          "name": "NAME", "org_key": "EMUORG01", "priority_level": "HIGH", "version": 2, "is_system": false,
          "description": "Foobar", "auto_deregister_inactive_vdi_interval_ms": 1000, "auto_delete_known_bad_hashes_delay": 500,
          "av_settings": {
            "avira_protection_cloud": {"enabled": true, "max_exe_delay": 3600, "max_file_size": 1024, "risk_level": 5},
            "on_access_scan": {"enabled": true, "mode": "AGGRESSIVE", "future_flag": "kept"},
            "on_demand_scan": {"enabled": true, "profile": "AGGRESSIVE",
              "schedule": {"days": ["MONDAY", "WEDNESDAY", "FRIDAY"], "start_hour": 6, "range_hours": 4, "recovery_scan_if_missed": false},
              "scan_usb": "DISABLED", "scan_cd_dvd": "DISABLED"},
            "signature_update": {"enabled": false, "schedule": {"full_interval_hours": 12, "initial_random_delay_hours": 3, "interval_hours": 6}},
            "update_servers": {"servers_override": ["http://contoso.com/foo"],
              "servers_for_onsite_devices": [{"server": "http://example.com/foo", "preferred": false}, {"server": "http://example.org/foo", "preferred": true}],
              "servers_for_offsite_devices": ["http://example.net/foo"]}
          },
          "directory_action_rules": [{"file_upload": true, "protection": true, "path": "/usr"}, {"file_upload": false, "protection": false, "path": "/tmp"}],
          "rules": [
            {"required": true, "action": "TERMINATE", "application": {"type": "SIGNED_BY", "value": "something"}, "operation": "RANSOM"},
            {"required": false, "action": "DENY", "application": {"type": "REPUTATION", "value": "PUP"}, "operation": "RUN"}
          ],
          "sensor_settings": [{"name": "ALLOW_UNINSTALL", "value": "true"}, {"name": "SHOW_UI", "value": "false"}],
          "managed_detection_response_permissions": {"policy_modification": true, "quarantine": false},
          "rule_configs": [{"id": "abc", "name": "XDR", "category": "data_collection", "parameters": {"enable_network_data_collection": true}}],
          "tomorrow_field": {"nested": [1, 2, 3]}
        }
        """.Replace("NAME", name, StringComparison.Ordinal);

    [Fact]
    public async Task Summary_HasEveryPolicyWithDeviceCounts()
    {
        var j = await V1(P + "/summary");
        Assert.Equal(new[] { "policies" }, j.EnumerateObject().Select(p => p.Name));
        var items = j.GetProperty("policies").EnumerateArray().ToList();
        Assert.Equal(10, items.Count);
        Assert.All(items, i => Assert.Equal(new[] { "id", "name", "description", "priority_level", "position", "is_system", "num_devices" }, i.EnumerateObject().Select(p => p.Name)));
        Assert.Equal(Enumerable.Range(1, 10), items.Select(i => i.GetProperty("position").GetInt32()));
        Assert.True(items.Single(i => i.GetProperty("name").GetString() == "Standard").GetProperty("is_system").GetBoolean());
        Assert.Equal(60, items.Sum(i => i.GetProperty("num_devices").GetInt32()));
        foreach (var i in items.Where(i => i.GetProperty("num_devices").GetInt32() > 0).Take(3))
        {
            var r = await _emu.Search("{\"criteria\": {\"policy_id\": [" + i.GetProperty("id").GetInt64() + "]}}");
            Assert.Equal(i.GetProperty("num_devices").GetInt32(), r.Json.GetProperty("num_found").GetInt32());
        }
    }

    [Fact]
    public async Task Get_MapsTheV3Policy()
    {
        foreach (long id in new long[] { 6525, 30242, 30246 })
        {
            var v1 = await V1(P + "/" + id);
            var v3 = await V3(id);
            Assert.Equal(FullFields, v1.EnumerateObject().Select(p => p.Name));
            Assert.Equal(id, v1.GetProperty("id").GetInt64());
            Assert.Equal("EMUORG01", v1.GetProperty("org_key").GetString());
            Assert.Equal(v3.GetProperty("name").GetString(), v1.GetProperty("name").GetString());
            Assert.Equal(v3.GetProperty("description").GetString(), v1.GetProperty("description").GetString());
            Assert.Equal(v3.GetProperty("priorityLevel").GetString(), v1.GetProperty("priority_level").GetString());
            Assert.Equal(v3.GetProperty("systemPolicy").GetBoolean(), v1.GetProperty("is_system").GetBoolean());
            Assert.Equal(2, v1.GetProperty("version").GetInt32());
            var body = v3.GetProperty("policy");
            var av3 = body.GetProperty("avSettings");
            var av1 = v1.GetProperty("av_settings");
            Assert.Equal(av3.GetProperty("apc").GetProperty("maxExeDelay").GetInt32(), av1.GetProperty("avira_protection_cloud").GetProperty("max_exe_delay").GetInt32());
            Assert.Equal(av3.GetProperty("apc").GetProperty("enabled").GetBoolean(), av1.GetProperty("avira_protection_cloud").GetProperty("enabled").GetBoolean());
            Assert.Equal(av3.GetProperty("onAccessScan").GetProperty("profile").GetString(), av1.GetProperty("on_access_scan").GetProperty("mode").GetString());
            bool Feature(string n) => av3.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("name").GetString() == n).GetProperty("enabled").GetBoolean();
            Assert.Equal(Feature("ONACCESS_SCAN"), av1.GetProperty("on_access_scan").GetProperty("enabled").GetBoolean());
            Assert.Equal(Feature("ONDEMAND_SCAN"), av1.GetProperty("on_demand_scan").GetProperty("enabled").GetBoolean());
            Assert.Equal(Feature("SIGNATURE_UPDATE"), av1.GetProperty("signature_update").GetProperty("enabled").GetBoolean());
            Assert.Equal(av3.GetProperty("signatureUpdate").GetProperty("schedule").GetProperty("intervalHours").GetInt32(),
                av1.GetProperty("signature_update").GetProperty("schedule").GetProperty("interval_hours").GetInt32());
            Assert.Equal(av3.GetProperty("onDemandScan").GetProperty("scanUsb").GetString(), av1.GetProperty("on_demand_scan").GetProperty("scan_usb").GetString());
            Assert.Equal("http://updates2.cdc.carbonblack.io/update2",
                av1.GetProperty("update_servers").GetProperty("servers_for_onsite_devices")[0].GetProperty("server").GetString());
            Assert.Equal(JsonValueKind.Array, av1.GetProperty("update_servers").GetProperty("servers_override").ValueKind);
            var rules3 = body.GetProperty("rules").EnumerateArray().ToList();
            var rules1 = v1.GetProperty("rules").EnumerateArray().ToList();
            Assert.Equal(rules3.Count, rules1.Count);
            for (int i = 0; i < rules3.Count; i++)
            {
                Assert.Equal(new[] { "id", "required", "action", "application", "operation" }, rules1[i].EnumerateObject().Select(p => p.Name));
                foreach (var f in new[] { "id", "required", "action", "operation" })
                {
                    Assert.Equal(rules3[i].GetProperty(f).GetRawText(), rules1[i].GetProperty(f).GetRawText());
                }
                Assert.Equal(rules3[i].GetProperty("application").GetProperty("value").GetString(), rules1[i].GetProperty("application").GetProperty("value").GetString());
            }
            Assert.Equal(body.GetProperty("sensorSettings").GetRawText(), v1.GetProperty("sensor_settings").GetRawText());
            Assert.Equal(body.GetProperty("directoryActionRules").GetArrayLength(), v1.GetProperty("directory_action_rules").GetArrayLength());
            Assert.Equal(JsonValueKind.Array, v1.GetProperty("rule_configs").ValueKind);
            Assert.False(v1.GetProperty("managed_detection_response_permissions").GetProperty("quarantine").GetBoolean());
        }
        var dar = (await V1(P + "/30242")).GetProperty("directory_action_rules")[0];
        Assert.Equal(new[] { "file_upload", "protection", "path" }, dar.EnumerateObject().Select(p => p.Name));
        Emu.V6Error(await _emu.Get(P + "/99", Emu.Custom), 404, "NOT_FOUND", "99");
        Emu.V6Error(await _emu.Get(P + "/abc", Emu.Custom), 400, "INVALID_ARGUMENT", "abc");
    }

    [Fact]
    public async Task Create_RepliesThePolicy_AndV3ReadsIt()
    {
        var r = await _emu.Post(P, NewPolicy(), Emu.Custom);
        Assert.True(r.Code == 200, r.Text);
        var created = r.Json;
        long id = created.GetProperty("id").GetInt64();
        Assert.True(id >= 30300);
        Assert.Equal(FullFields.Concat(new[] { "tomorrow_field" }), created.EnumerateObject().Select(p => p.Name));
        Assert.Equal(11, created.GetProperty("position").GetInt32());
        Assert.Equal(new long[] { 1, 2 }, created.GetProperty("rules").EnumerateArray().Select(x => x.GetProperty("id").GetInt64()));
        Assert.Equal(created.GetRawText(), (await V1(P + "/" + id)).GetRawText());
        // Unknown and v1-only fields come back as sent.
        Assert.Equal("[1,2,3]", created.GetProperty("tomorrow_field").GetProperty("nested").GetRawText());
        Assert.Equal("kept", created.GetProperty("av_settings").GetProperty("on_access_scan").GetProperty("future_flag").GetString());
        Assert.Equal(1000, created.GetProperty("auto_deregister_inactive_vdi_interval_ms").GetInt32());
        Assert.True(created.GetProperty("managed_detection_response_permissions").GetProperty("policy_modification").GetBoolean());
        Assert.Equal("abc", created.GetProperty("rule_configs")[0].GetProperty("id").GetString());
        Assert.Equal("http://contoso.com/foo", created.GetProperty("av_settings").GetProperty("update_servers").GetProperty("servers_override")[0].GetString());
        // The v3 view of the same policy.
        var v3 = await V3(id);
        Assert.Equal("V1 Policy", v3.GetProperty("name").GetString());
        Assert.Equal("HIGH", v3.GetProperty("priorityLevel").GetString());
        Assert.False(v3.GetProperty("systemPolicy").GetBoolean());
        var body = v3.GetProperty("policy");
        Assert.Equal(500, body.GetProperty("knownBadHashAutoDeleteDelayMs").GetInt32());
        var av = body.GetProperty("avSettings");
        Assert.Equal(3600, av.GetProperty("apc").GetProperty("maxExeDelay").GetInt32());
        Assert.Equal(5, av.GetProperty("apc").GetProperty("riskLevel").GetInt32());
        Assert.Equal("AGGRESSIVE", av.GetProperty("onAccessScan").GetProperty("profile").GetString());
        Assert.Equal("[\"MONDAY\",\"WEDNESDAY\",\"FRIDAY\"]", av.GetProperty("onDemandScan").GetProperty("schedule").GetProperty("days").GetRawText());
        Assert.Equal(6, av.GetProperty("onDemandScan").GetProperty("schedule").GetProperty("startHour").GetInt32());
        Assert.Equal("DISABLED", av.GetProperty("onDemandScan").GetProperty("scanUsb").GetString());
        Assert.Equal(12, av.GetProperty("signatureUpdate").GetProperty("schedule").GetProperty("fullIntervalHours").GetInt32());
        Assert.False(av.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "SIGNATURE_UPDATE").GetProperty("enabled").GetBoolean());
        var servers = av.GetProperty("updateServers").GetProperty("servers").EnumerateArray().ToList();
        Assert.Equal(new[] { 0, 1 }, servers.Select(s => s.GetProperty("flags").GetInt32()));
        Assert.Equal("http://example.org/foo", servers[1].GetProperty("server")[0].GetString());
        Assert.Equal("[\"http://example.net/foo\"]", av.GetProperty("updateServers").GetProperty("serversForOffSiteDevices").GetRawText());
        var dar = body.GetProperty("directoryActionRules")[0];
        Assert.Equal("/usr", dar.GetProperty("path").GetString());
        Assert.True(dar.GetProperty("actions").GetProperty("FILE_UPLOAD").GetBoolean());
        Assert.True(dar.GetProperty("actions").GetProperty("PROTECTION").GetBoolean());
        Assert.Equal("SIGNED_BY", body.GetProperty("rules")[0].GetProperty("application").GetProperty("type").GetString());
        Assert.Equal("false", body.GetProperty("sensorSettings")[1].GetProperty("value").GetString());
        Assert.Contains((await _emu.Ok(Emu.V3 + "/policy")).GetProperty("results").EnumerateArray(), p => p.GetProperty("id").GetInt64() == id);
    }

    [Fact]
    public async Task Create_Minimal_TakesTheDefaults()
    {
        var r = await _emu.Post(P, "{\"name\": \"Minimal\", \"priority_level\": \"LOW\"}", Emu.Custom);
        Assert.True(r.Code == 200, r.Text);
        Assert.Equal(FullFields, r.Json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("", r.Json.GetProperty("description").GetString());
        Assert.Equal(0, r.Json.GetProperty("rules").GetArrayLength());
        Assert.True(r.Json.GetProperty("sensor_settings").GetArrayLength() > 10);
        var v3 = await V3(r.Json.GetProperty("id").GetInt64());
        Assert.Equal("NORMAL", v3.GetProperty("policy").GetProperty("avSettings").GetProperty("onAccessScan").GetProperty("profile").GetString());
    }

    [Fact]
    public async Task V3Created_IsReadableThroughV1_AndV3UpdatesKeepV1OnlyFields()
    {
        string v3Body = "{\"policyInfo\": {\"name\": \"From V3\", \"description\": \"d\", \"priorityLevel\": \"MEDIUM\", \"version\": 2, \"policy\": {\"rules\": [{\"required\": true, \"operation\": \"RUN\", \"application\": {\"type\": \"REPUTATION\", \"value\": \"PUP\"}, \"action\": \"DENY\"}]}}}";
        long id = (await _emu.Post(Emu.V3 + "/policy", v3Body)).Json.GetProperty("policyId").GetInt64();
        var v1 = await V1(P + "/" + id);
        Assert.Equal("From V3", v1.GetProperty("name").GetString());
        Assert.Equal("PUP", v1.GetProperty("rules")[0].GetProperty("application").GetProperty("value").GetString());
        Assert.Equal(2, v1.GetProperty("rule_configs").GetArrayLength());
        // Give it a v1-only value through v1, rename it through v3: both survive.
        var doc = JsonNode.Parse(v1.GetRawText())!.AsObject();
        doc["managed_detection_response_permissions"] = new JsonObject { ["policy_modification"] = true, ["quarantine"] = true };
        Assert.Equal(200, (await _emu.Put(P + "/" + id, doc.ToJsonString(), Emu.Custom)).Code);
        var info = (await V3(id)).GetRawText();
        var v3Doc = JsonNode.Parse("{\"policyInfo\": " + info + "}")!.AsObject();
        v3Doc["policyInfo"]!["name"] = "Renamed In V3";
        Assert.Equal(200, (await _emu.Put(Emu.V3 + "/policy/" + id, v3Doc.ToJsonString())).Code);
        var after = await V1(P + "/" + id);
        Assert.Equal("Renamed In V3", after.GetProperty("name").GetString());
        Assert.True(after.GetProperty("managed_detection_response_permissions").GetProperty("quarantine").GetBoolean());
    }

    [Fact]
    public async Task Put_RoundTrip_KeepsUnknownFields_AndChangesTheV3View()
    {
        var doc = JsonNode.Parse((await V1(P + "/30243")).GetRawText())!.AsObject();
        doc["description"] = "Edited through v1";
        doc["priority_level"] = "MISSION_CRITICAL";
        doc["brand_new"] = new JsonObject { ["x"] = 1 };
        doc["av_settings"]!["signature_update"]!["schedule"]!["interval_hours"] = 8;
        doc["av_settings"]!["on_demand_scan"]!["schedule"]!["new_knob"] = "on";
        doc["sensor_settings"]!.AsArray().Add(new JsonObject { ["name"] = "NEW_SETTING", ["value"] = "7" });
        var r = await _emu.Put(P + "/30243", doc.ToJsonString(), Emu.Custom);
        Assert.True(r.Code == 200, r.Text);
        var got = await V1(P + "/30243");
        Assert.Equal(r.Json.GetRawText(), got.GetRawText());
        Assert.Equal(1, got.GetProperty("brand_new").GetProperty("x").GetInt32());
        Assert.Equal("on", got.GetProperty("av_settings").GetProperty("on_demand_scan").GetProperty("schedule").GetProperty("new_knob").GetString());
        var v3 = await V3(30243);
        Assert.Equal("Edited through v1", v3.GetProperty("description").GetString());
        Assert.Equal("MISSION_CRITICAL", v3.GetProperty("priorityLevel").GetString());
        Assert.Equal(8, v3.GetProperty("policy").GetProperty("avSettings").GetProperty("signatureUpdate").GetProperty("schedule").GetProperty("intervalHours").GetInt32());
        Assert.Equal("NEW_SETTING", v3.GetProperty("policy").GetProperty("sensorSettings").EnumerateArray().Last().GetProperty("name").GetString());
        // Sending back what was read changes nothing.
        Assert.Equal(200, (await _emu.Put(P + "/30243", got.GetRawText(), Emu.Custom)).Code);
        Assert.Equal(got.GetRawText(), (await V1(P + "/30243")).GetRawText());
        // A PUT replaces the document: a field not sent again is gone.
        doc.Remove("brand_new");
        Assert.Equal(200, (await _emu.Put(P + "/30243", doc.ToJsonString(), Emu.Custom)).Code);
        Assert.False((await V1(P + "/30243")).TryGetProperty("brand_new", out _));
    }

    [Fact]
    public async Task Put_Unchanged_LeavesTheV3PolicyBodyIdentical()
    {
        foreach (long id in new long[] { 6525, 30241, 30242, 30247 })
        {
            string before = (await V3(id)).GetProperty("policy").GetRawText();
            var v1 = await V1(P + "/" + id);
            Assert.Equal(200, (await _emu.Put(P + "/" + id, v1.GetRawText(), Emu.Custom)).Code);
            Assert.Equal(before, (await V3(id)).GetProperty("policy").GetRawText());
        }
    }

    [Fact]
    public async Task Rename_ThroughV1_RenamesOnTheDevices()
    {
        var doc = JsonNode.Parse((await V1(P + "/30241")).GetRawText())!.AsObject();
        doc["name"] = "Workstations";
        Assert.Equal(200, (await _emu.Put(P + "/30241", doc.ToJsonString(), Emu.Custom)).Code);
        var devices = (await _emu.Search("{\"criteria\": {\"policy_id\": [30241]}, \"rows\": 100}")).Json.GetProperty("results").EnumerateArray().ToList();
        Assert.NotEmpty(devices);
        Assert.All(devices, d => Assert.Equal("Workstations", d.GetProperty("policy_name").GetString()));
        Assert.Equal("Workstations", (await _emu.Device(devices[0].GetProperty("id").GetInt64())).GetProperty("policyName").GetString());
    }

    [Theory]
    [InlineData("{\"priority_level\": \"LOW\"}", "name")]
    [InlineData("{\"name\": \"  \", \"priority_level\": \"LOW\"}", "name")]
    [InlineData("{\"name\": \"X\"}", "priority_level")]
    [InlineData("{\"name\": \"X\", \"priority_level\": \"URGENT\"}", "URGENT")]
    [InlineData("{\"name\": \"X\", \"priority_level\": \"LOW\", \"version\": 3}", "version")]
    [InlineData("{\"name\": \"X\", \"priority_level\": \"LOW\", \"description\": 5}", "description")]
    [InlineData("{\"name\": \"X\", \"priority_level\": \"LOW\", \"av_settings\": []}", "av_settings")]
    [InlineData("{\"name\": \"X\", \"priority_level\": \"LOW\", \"av_settings\": {\"on_access_scan\": 1}}", "av_settings.on_access_scan")]
    [InlineData("{\"name\": \"X\", \"priority_level\": \"LOW\", \"av_settings\": {\"on_access_scan\": {\"enabled\": \"yes\"}}}", "enabled")]
    [InlineData("{\"name\": \"X\", \"priority_level\": \"LOW\", \"av_settings\": {\"update_servers\": {\"servers_for_onsite_devices\": [\"http://x\"]}}}", "servers_for_onsite_devices[0]")]
    [InlineData("{\"name\": \"X\", \"priority_level\": \"LOW\", \"directory_action_rules\": [{\"path\": 1}]}", "directory_action_rules[0]")]
    [InlineData("{\"name\": \"X\", \"priority_level\": \"LOW\", \"directory_action_rules\": [{\"path\": \"/x\", \"protection\": \"no\"}]}", "protection")]
    [InlineData("{\"name\": \"X\", \"priority_level\": \"LOW\", \"sensor_settings\": [{\"name\": \"A\", \"value\": true}]}", "sensor_settings[0]")]
    [InlineData("{\"name\": \"X\", \"priority_level\": \"LOW\", \"rules\": {}}", "rules")]
    [InlineData("{\"name\": \"X\", \"priority_level\": \"LOW\", \"rules\": [{\"required\": true, \"action\": \"DENY\", \"application\": {\"type\": \"REPUTATION\", \"value\": \"PUP\"}, \"operation\": \"FLY\"}]}", "rules[0].operation")]
    [InlineData("{\"name\": \"X\", \"priority_level\": \"LOW\", \"rules\": [{\"required\": true, \"action\": \"DENY\", \"application\": {\"type\": \"REPUTATION\", \"value\": \"NIHILIST\"}, \"operation\": \"RUN\"}]}", "NIHILIST")]
    [InlineData("{\"name\": \"X\", \"priority_level\": \"LOW\", \"rules\": [{\"action\": \"DENY\", \"application\": {\"type\": \"REPUTATION\", \"value\": \"PUP\"}, \"operation\": \"RUN\"}]}", "required")]
    [InlineData("[]", "policy object")]
    [InlineData("nope", "JSON")]
    public async Task Create_BadInput_Is400_NothingCreated(string body, string contains)
    {
        Emu.V6Error(await _emu.Post(P, body, Emu.Custom), 400, "INVALID_ARGUMENT", contains);
        Assert.Equal(10, (await V1(P + "/summary")).GetProperty("policies").GetArrayLength());
    }

    [Fact]
    public async Task Conflicts_AndIds()
    {
        Emu.V6Error(await _emu.Post(P, "{\"name\": \"standard\", \"priority_level\": \"LOW\"}", Emu.Custom), 409, "CONFLICT", "Standard");
        var doc = JsonNode.Parse((await V1(P + "/30244")).GetRawText())!.AsObject();
        doc["name"] = "Mac_Laptops";
        Emu.V6Error(await _emu.Put(P + "/30244", doc.ToJsonString(), Emu.Custom), 409, "CONFLICT", "Mac_Laptops");
        doc["name"] = "Linux_Servers";
        doc["id"] = 30245;
        Emu.V6Error(await _emu.Put(P + "/30244", doc.ToJsonString(), Emu.Custom), 400, "INVALID_ARGUMENT", "30245");
        Emu.V6Error(await _emu.Put(P + "/99", doc.ToJsonString(), Emu.Custom), 404, "NOT_FOUND");
        Emu.V6Error(await _emu.Put(P + "/30244", "{\"name\": \"\"}", Emu.Custom), 400, "INVALID_ARGUMENT", "name");
        Assert.Equal("Linux_Servers", (await V3(30244)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Delete_SystemIs400_WithDevicesIs409_ElseGoneFromBothGenerations()
    {
        Emu.V6Error(await _emu.Delete(P + "/6525", Emu.Custom), 400, "INVALID_ARGUMENT", "system policy");
        Emu.V6Error(await _emu.Delete(P + "/30241", Emu.Custom), 409, "CONFLICT", "device");
        Emu.V6Error(await _emu.Delete(P + "/99", Emu.Custom), 404, "NOT_FOUND");
        long id = (await _emu.Post(P, NewPolicy("Doomed"), Emu.Custom)).Json.GetProperty("id").GetInt64();
        var r = await _emu.Delete(P + "/" + id, Emu.Custom);
        Assert.Equal(204, r.Code);
        Assert.Equal("", r.Text);
        Emu.V6Error(await _emu.Get(P + "/" + id, Emu.Custom), 404, "NOT_FOUND");
        Emu.V3Error(await _emu.Get(Emu.V3 + "/policy/" + id), 404);
        long v3Id = (await _emu.Post(P, NewPolicy("Doomed too"), Emu.Custom)).Json.GetProperty("id").GetInt64();
        Assert.Equal(200, (await _emu.Delete(Emu.V3 + "/policy/" + v3Id)).Code);
        Emu.V6Error(await _emu.Get(P + "/" + v3Id, Emu.Custom), 404, "NOT_FOUND");
    }

    [Fact]
    public async Task Rules_AddGetReplaceDelete_SharedWithV3()
    {
        string rule = "{\"id\": 99, \"required\": true, \"action\": \"TERMINATE\", \"application\": {\"type\": \"SIGNED_BY\", \"value\": \"something\"}, \"operation\": \"RANSOM\"}";
        var add = await _emu.Post(P + "/30241/rules", rule, Emu.Custom);
        Assert.True(add.Code == 200, add.Text);
        Assert.Equal(new[] { "id", "required", "action", "application", "operation" }, add.Json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(6, add.Json.GetProperty("id").GetInt64()); // seeded rules 1..5; the body's id is ignored
        Assert.Equal("{\"type\":\"SIGNED_BY\",\"value\":\"something\"}", add.Json.GetProperty("application").GetRawText());
        var v3Rule = (await V3(30241)).GetProperty("policy").GetProperty("rules").EnumerateArray().Last();
        Assert.Equal(6, v3Rule.GetProperty("id").GetInt64());
        Assert.Equal("RANSOM", v3Rule.GetProperty("operation").GetString());
        Assert.Equal(add.Json.GetRawText(), (await V1(P + "/30241/rules/6")).GetRawText());
        // Replace: the reply is the rule; a differing body id is refused.
        string replaced = "{\"id\": 6, \"required\": false, \"action\": \"DENY\", \"application\": {\"type\": \"REPUTATION\", \"value\": \"PUP\"}, \"operation\": \"RUN\"}";
        var put = await _emu.Put(P + "/30241/rules/6", replaced, Emu.Custom);
        Assert.Equal(200, put.Code);
        Assert.Equal(JsonNode.Parse(replaced)!.ToJsonString(), put.Json.GetRawText());
        Emu.V6Error(await _emu.Put(P + "/30241/rules/6", replaced.Replace("\"id\": 6", "\"id\": 7", StringComparison.Ordinal), Emu.Custom), 400, "INVALID_ARGUMENT", "7");
        Emu.V6Error(await _emu.Put(P + "/30241/rules/6", replaced.Replace("PUP", "NIHILIST", StringComparison.Ordinal), Emu.Custom), 400, "INVALID_ARGUMENT", "NIHILIST");
        Assert.Equal("PUP", (await V1(P + "/30241")).GetProperty("rules").EnumerateArray().Single(x => x.GetProperty("id").GetInt64() == 6).GetProperty("application").GetProperty("value").GetString());
        // A rule added through v3 reads through v1.
        var v3Add = await _emu.Post(Emu.V3 + "/policy/30241/rule", "{\"ruleInfo\": {\"required\": false, \"operation\": \"NETWORK\", \"application\": {\"type\": \"NAME_PATH\", \"value\": \"C:\\\\x.exe\"}, \"action\": \"ALLOW\"}}");
        Assert.Equal(7, v3Add.Json.GetProperty("ruleId").GetInt64());
        Assert.Equal("NETWORK", (await V1(P + "/30241/rules/7")).GetProperty("operation").GetString());
        // Delete.
        var del = await _emu.Delete(P + "/30241/rules/6", Emu.Custom);
        Assert.Equal(204, del.Code);
        Emu.V6Error(await _emu.Get(P + "/30241/rules/6", Emu.Custom), 404, "NOT_FOUND", "Rule 6");
        Emu.V6Error(await _emu.Delete(P + "/30241/rules/6", Emu.Custom), 404, "NOT_FOUND");
        Assert.DoesNotContain((await V3(30241)).GetProperty("policy").GetProperty("rules").EnumerateArray(), x => x.GetProperty("id").GetInt64() == 6);
        // Errors.
        Emu.V6Error(await _emu.Post(P + "/99/rules", rule, Emu.Custom), 404, "NOT_FOUND");
        Emu.V6Error(await _emu.Get(P + "/30241/rules/x", Emu.Custom), 400, "INVALID_ARGUMENT", "x");
        Emu.V6Error(await _emu.Post(P + "/30241/rules", "{\"required\": true}", Emu.Custom), 400, "INVALID_ARGUMENT", "operation");
        Emu.V6Error(await _emu.Post(P + "/30241/rules", "[]", Emu.Custom), 400, "INVALID_ARGUMENT", "rule object");
        // System policies get rules too, as on v3.
        Assert.Equal(200, (await _emu.Post(P + "/6525/rules", rule, Emu.Custom)).Code);
    }

    [Fact]
    public async Task Stats_FaultsAndReset_CoverTheV1Routes()
    {
        long id = (await _emu.Post(P, NewPolicy("Counted"), Emu.Custom)).Json.GetProperty("id").GetInt64();
        await _emu.Get(P + "/" + id, Emu.Custom);
        await _emu.Post(P + "/" + id + "/rules", "{\"required\": true, \"action\": \"DENY\", \"application\": {\"type\": \"REPUTATION\", \"value\": \"PUP\"}, \"operation\": \"RUN\"}", Emu.Custom);
        await _emu.Put(P + "/" + id + "/rules/1", "{\"required\": true, \"action\": \"DENY\", \"application\": {\"type\": \"REPUTATION\", \"value\": \"PUP\"}, \"operation\": \"RUN\"}", Emu.Custom);
        var routes = (await _emu.Ok("/_emulator/stats", null)).GetProperty("routes");
        Assert.Equal(1, routes.GetProperty("POST /policyservice/v1/orgs/{org_key}/policies").GetInt64());
        Assert.Equal(1, routes.GetProperty("GET /policyservice/v1/orgs/{org_key}/policies/{id}").GetInt64());
        Assert.Equal(1, routes.GetProperty("POST /policyservice/v1/orgs/{org_key}/policies/{id}/rules").GetInt64());
        Assert.Equal(1, routes.GetProperty("PUT /policyservice/v1/orgs/{org_key}/policies/{id}/rules/{rule_id}").GetInt64());
        Assert.Equal(200, (await _emu.Post("/_emulator/faults", "{\"kind\": \"status\", \"status\": 500, \"path\": \"/policyservice/\", \"count\": 1}", null)).Code);
        Emu.V3Error(await _emu.Get(P + "/summary", null), 500);
        Assert.Equal(200, (await _emu.Get(P + "/summary", Emu.Custom)).Code);
        Assert.Equal(200, (await _emu.Post("/_emulator/reset", "", null)).Code);
        Emu.V6Error(await _emu.Get(P + "/" + id, Emu.Custom), 404, "NOT_FOUND");
        Assert.Equal(10, (await V1(P + "/summary")).GetProperty("policies").GetArrayLength());
        Assert.False((await V1(P + "/30241")).TryGetProperty("tomorrow_field", out _));
    }

    [Theory]
    [InlineData("API", 403)]
    [InlineData("LR", 403)]
    [InlineData("SIEM", 403)]
    [InlineData("WRONG", 401)]
    [InlineData("NONE", 401)]
    [InlineData("CUSTOM", 200)]
    public async Task KeyTypes(string key, int status)
    {
        var r = await _emu.Get(P + "/summary", Emu.Token(key));
        Assert.Equal(status, r.Code);
        if (status == 403)
        {
            Emu.V6Error(r, 403, "FORBIDDEN", "Custom");
        }
        Emu.V6Error(await _emu.Get("/policyservice/v1/orgs/OTHER/policies/summary", Emu.Custom), 403, "FORBIDDEN", "OTHER");
    }

    [Fact]
    public async Task ModesCoverTheV1Routes()
    {
        await using var legacy = await Emu.Start("--devices", "5", "--api", "legacy");
        Emu.V6Error(await legacy.Get(P + "/summary", Emu.Custom), 404, "NOT_FOUND");
        await using var current = await Emu.Start("--devices", "5", "--api", "current");
        Assert.Equal(200, (await current.Get(P + "/summary", Emu.Custom)).Code);
        Emu.V3Error(await current.Get(P + "/summary", Emu.Api), 401);
    }
}
