using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>Devices v6 reads: envelope, object shape, paging window, criteria, exclusions, query and sort.</summary>
public sealed class DeviceV6Tests : IClassFixture<SharedEmu>
{
    private readonly Emu _emu;

    public DeviceV6Tests(SharedEmu shared) => _emu = shared.Emu;

    /// <summary>fixtures/device_v6_get.json's fields, plus asset_group from the newer SDK fixture.</summary>
    private static readonly string[] FixtureFields =
    {
        "activation_code", "activation_code_expiry_time", "ad_group_id", "appliance_name", "appliance_uuid", "asset_group",
        "av_ave_version", "av_engine", "av_last_scan_time", "av_master", "av_pack_version", "av_product_version", "av_status",
        "av_update_servers", "av_vdf_version", "cluster_name", "current_sensor_policy_name", "datacenter_name",
        "deployment_type", "deregistered_time", "device_meta_data_item_list", "device_owner_id", "email", "esx_host_name",
        "esx_host_uuid", "first_name", "id", "last_contact_time", "last_device_policy_changed_time",
        "last_device_policy_requested_time", "last_external_ip_address", "last_internal_ip_address", "last_location",
        "last_name", "last_policy_updated_time", "last_reported_time", "last_reset_time", "last_shutdown_time",
        "linux_kernel_version", "login_user_name", "mac_address", "middle_name", "name", "organization_id",
        "organization_name", "os", "os_version", "passive_mode", "policy_id", "policy_name", "policy_override", "quarantined",
        "registered_time", "scan_last_action_time", "scan_last_complete_time", "scan_status", "sensor_kit_type",
        "sensor_out_of_date", "sensor_pending_update", "sensor_states", "sensor_version", "status", "target_priority",
        "uninstall_code", "vcenter_name", "vcenter_uuid", "vdi_base_device", "virtual_machine", "virtualization_provider",
        "vm_ip", "vm_name", "vm_uuid", "vuln_score", "vuln_severity", "windows_platform",
    };

    private static readonly Regex Iso = new(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$");

    private async Task<JsonElement> Ok(string body)
    {
        var r = await _emu.Search(body);
        Assert.True(r.Code == 200, body + " -> " + r.Code + " " + r.Text);
        return r.Json;
    }

    private async Task<List<JsonElement>> Results(string body) => (await Ok(body)).GetProperty("results").EnumerateArray().ToList();

    private async Task<List<long>> Ids(string body) => (await Results(body)).Select(d => d.GetProperty("id").GetInt64()).ToList();

    private async Task<List<JsonElement>> All() => await Results("{\"rows\": 10000}");

    private static string S(JsonElement d, string field) => d.GetProperty(field).ValueKind == JsonValueKind.Null ? "" : d.GetProperty(field).ToString();

    [Fact]
    public async Task Search_Envelope_DefaultPage()
    {
        var j = await Ok("{}");
        Assert.Equal(new[] { "results", "num_found" }, j.EnumerateObject().Select(p => p.Name));
        Assert.Equal(120, j.GetProperty("num_found").GetInt32());
        var ids = j.GetProperty("results").EnumerateArray().Select(d => d.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(20, ids.Count);
        var v3 = (await _emu.Devices("rows=20")).Select(d => d.GetProperty("deviceId").GetInt64());
        Assert.Equal(v3, ids); // same devices, same (id) order as the v3 list
    }

    [Fact]
    public async Task DeviceObject_HasTheFixtureFields_DerivedFromTheV3Record()
    {
        var all = await All();
        var v3 = (await _emu.Devices()).ToDictionary(d => d.GetProperty("deviceId").GetInt64());
        foreach (var d in all)
        {
            Assert.Equal(FixtureFields, d.EnumerateObject().Select(p => p.Name));
            var o = v3[d.GetProperty("id").GetInt64()];
            Assert.Equal(o.GetProperty("name").GetString(), d.GetProperty("name").GetString());
            Assert.Equal(o.GetProperty("deviceType").GetString(), d.GetProperty("os").GetString());
            Assert.Equal(o.GetProperty("osVersion").GetString(), d.GetProperty("os_version").GetString());
            Assert.Equal(o.GetProperty("status").GetString(), d.GetProperty("status").GetString());
            Assert.Equal(o.GetProperty("policyId").GetInt64(), d.GetProperty("policy_id").GetInt64());
            Assert.Equal(o.GetProperty("policyName").GetString(), d.GetProperty("policy_name").GetString());
            Assert.Equal(o.GetProperty("quarantined").GetBoolean(), d.GetProperty("quarantined").GetBoolean());
            Assert.Equal(o.GetProperty("sensorVersion").GetString(), d.GetProperty("sensor_version").GetString());
            Assert.Equal(o.GetProperty("targetPriorityType").GetString(), d.GetProperty("target_priority").GetString());
            Assert.Equal(o.GetProperty("email").GetString(), d.GetProperty("email").GetString());
            Assert.Equal(o.GetProperty("macAddress").GetString(), d.GetProperty("mac_address").GetString());
            Assert.Equal(S(o, "lastInternalIpAddress"), S(d, "last_internal_ip_address"));
            Assert.Equal(S(o, "loginUserName"), S(d, "login_user_name"));
            Assert.Equal(o.GetProperty("avStatus").GetRawText(), d.GetProperty("av_status").GetRawText());
            Assert.Equal(o.GetProperty("sensorStates").GetRawText(), d.GetProperty("sensor_states").GetRawText());
            Assert.Equal(o.GetProperty("virtualMachine").GetBoolean(), d.GetProperty("virtual_machine").GetBoolean());
            Assert.Equal(o.GetProperty("sensorOutOfDate").GetBoolean(), d.GetProperty("sensor_out_of_date").GetBoolean());
            Assert.Equal(o.GetProperty("deploymentType").GetString(), d.GetProperty("deployment_type").GetString());
            string lastContact = d.GetProperty("last_contact_time").GetString()!;
            Assert.Matches(Iso, lastContact);
            Assert.Equal(o.GetProperty("lastContact").GetInt64(), DateTimeOffset.Parse(lastContact).ToUnixTimeMilliseconds());
            Assert.Matches(Iso, d.GetProperty("registered_time").GetString()!);
            Assert.Equal(d.GetProperty("os").GetString() == "LINUX", d.GetProperty("sensor_kit_type").GetString() is not ("WINDOWS" or "MAC"));
        }
        var distros = new[] { "RHEL", "CENTOS", "UBUNTU", "SUSE", "ORACLE", "AMAZON_LINUX", "DEBIAN" };
        Assert.All(all.Where(d => d.GetProperty("os").GetString() == "LINUX"), d => Assert.Contains(d.GetProperty("sensor_kit_type").GetString(), distros));
    }

    [Fact]
    public async Task GetById_IsTheBareObject()
    {
        var first = (await Results("{\"rows\": 1}"))[0];
        long id = first.GetProperty("id").GetInt64();
        var r = await _emu.Get(Emu.V6 + "/devices/" + id, Emu.Custom);
        Assert.Equal(200, r.Code);
        Assert.Equal(first.GetRawText(), r.Json.GetRawText());
        Emu.V6Error(await _emu.Get(Emu.V6 + "/devices/1", Emu.Custom), 404, "NOT_FOUND", "1");
        Emu.V6Error(await _emu.Get(Emu.V6 + "/devices/abc", Emu.Custom), 400, "INVALID_ARGUMENT", "abc");
    }

    [Theory]
    [InlineData("{\"rows\": 5}")]
    [InlineData("{\"rows\": 5, \"start\": 0}")]
    [InlineData("{\"rows\": 5, \"start\": 1}")]
    public async Task Start_ZeroOneOrAbsent_IsTheFirstRow(string body)
    {
        var all = await Ids("{\"rows\": 10000}");
        Assert.Equal(all.Take(5), await Ids(body));
    }

    [Fact]
    public async Task Paging_CoversEveryDeviceOnce()
    {
        var all = await Ids("{\"rows\": 10000}");
        var seen = new List<long>();
        for (int start = 1; start <= 120; start += 17)
        {
            seen.AddRange(await Ids("{\"rows\": 17, \"start\": " + start + "}"));
        }
        Assert.Equal(all, seen);
        var none = await Ok("{\"rows\": 0}");
        Assert.Equal(0, none.GetProperty("results").GetArrayLength());
        Assert.Equal(120, none.GetProperty("num_found").GetInt32());
        Assert.Empty(await Ids("{\"rows\": 10, \"start\": 500}"));
    }

    [Theory]
    [InlineData("{\"rows\": 10, \"start\": 9991}", 200)]
    [InlineData("{\"rows\": 10000, \"start\": 1}", 200)]
    [InlineData("{\"rows\": 10000, \"start\": 0}", 200)]
    [InlineData("{\"rows\": 10, \"start\": 9992}", 400)]
    [InlineData("{\"rows\": 10000, \"start\": 2}", 400)]
    [InlineData("{\"rows\": 10001}", 400)]
    [InlineData("{\"start\": 9990}", 400)]
    public async Task SearchWindow_Is10000(string body, int status)
    {
        var r = await _emu.Search(body);
        Assert.Equal(status, r.Code);
        if (status == 400)
        {
            Emu.V6Error(r, 400, "INVALID_ARGUMENT", "10,000");
            Assert.Contains("_scroll", r.Json.GetProperty("message").GetString());
        }
    }

    [Theory]
    [InlineData("{\"rows\": \"20\"}", "rows")]
    [InlineData("{\"rows\": -1}", "rows")]
    [InlineData("{\"rows\": 2.5}", "rows")]
    [InlineData("{\"start\": -1}", "start")]
    [InlineData("{\"start\": \"x\"}", "start")]
    [InlineData("{\"criteria\": []}", "criteria")]
    [InlineData("{\"criteria\": \"os:WINDOWS\"}", "criteria")]
    [InlineData("{\"criteria\": {\"os\": \"WINDOWS\"}}", "criteria.os")]
    [InlineData("{\"criteria\": {\"id\": [\"abc\"]}}", "criteria.id")]
    [InlineData("{\"criteria\": {\"policy_id\": 6525}}", "criteria.policy_id")]
    [InlineData("{\"criteria\": {\"os\": [\"AMIGA\"]}}", "AMIGA")]
    [InlineData("{\"criteria\": {\"status\": [\"SLEEPING\"]}}", "SLEEPING")]
    [InlineData("{\"criteria\": {\"target_priority\": [\"URGENT\"]}}", "URGENT")]
    [InlineData("{\"criteria\": {\"name\": [\"WIN-FIN-0001\"]}}", "query")]
    [InlineData("{\"criteria\": {\"hostname\": [\"x\"]}}", "supported")]
    [InlineData("{\"criteria\": {\"last_contact_time\": \"-7d\"}}", "last_contact_time")]
    [InlineData("{\"criteria\": {\"last_contact_time\": {\"range\": \"-7q\"}}}", "range")]
    [InlineData("{\"criteria\": {\"last_contact_time\": {\"range\": \"-7d\", \"start\": \"2024-01-01T00:00:00Z\"}}}", "not both")]
    [InlineData("{\"criteria\": {\"last_contact_time\": {\"start\": \"2024-01-01T00:00:00Z\"}}}", "last_contact_time")]
    [InlineData("{\"criteria\": {\"last_contact_time\": {\"start\": \"yesterday\", \"end\": \"today\"}}}", "yesterday")]
    [InlineData("{\"exclusions\": {\"os\": [\"MAC\"]}}", "sensor_version")]
    [InlineData("{\"exclusions\": {\"sensor_version\": \"1\"}}", "sensor_version")]
    [InlineData("{\"exclusions\": []}", "exclusions")]
    [InlineData("{\"query\": 5}", "query")]
    [InlineData("{\"sort\": {\"field\": \"name\"}}", "sort")]
    [InlineData("{\"sort\": [{\"field\": \"colour\"}]}", "colour")]
    [InlineData("{\"sort\": [{\"field\": \"name\", \"order\": \"UP\"}]}", "order")]
    [InlineData("{\"sort\": [{\"order\": \"ASC\"}]}", "field")]
    [InlineData("{\"critera\": {}}", "critera")]
    [InlineData("[1, 2]", "object")]
    [InlineData("not json", "JSON")]
    [InlineData("", "body")]
    public async Task BadSearch_Is400InvalidArgument(string body, string contains)
    {
        Emu.V6Error(await _emu.Search(body), 400, "INVALID_ARGUMENT", contains);
    }

    [Fact]
    public async Task Criteria_AndAcrossKeys_OrWithinOne_CaseInsensitive()
    {
        var all = await All();
        async Task Check(string criteria, Func<JsonElement, bool> expected)
        {
            var want = all.Where(expected).Select(d => d.GetProperty("id").GetInt64()).ToList();
            var j = await Ok("{\"rows\": 10000, \"criteria\": " + criteria + "}");
            Assert.Equal(want, j.GetProperty("results").EnumerateArray().Select(d => d.GetProperty("id").GetInt64()));
            Assert.Equal(want.Count, j.GetProperty("num_found").GetInt32());
        }
        string win = "WINDOWS";
        await Check("{\"os\": [\"windows\"]}", d => S(d, "os") == win);
        await Check("{\"os\": [\"MAC\", \"LINUX\"]}", d => S(d, "os") is "MAC" or "LINUX");
        await Check("{\"os\": [\"WINDOWS\"], \"status\": [\"REGISTERED\", \"active\"]}", d => S(d, "os") == win && S(d, "status") is "REGISTERED" or "ACTIVE");
        await Check("{\"status\": [\"ALL\"]}", _ => true);
        await Check("{\"policy_id\": [30241, 6526]}", d => d.GetProperty("policy_id").GetInt64() is 30241 or 6526);
        await Check("{\"policy_name\": [\"windows_server\"]}", d => S(d, "policy_name") == "Windows_Server");
        await Check("{\"target_priority\": [\"HIGH\", \"MISSION_CRITICAL\"]}", d => S(d, "target_priority") is "HIGH" or "MISSION_CRITICAL");
        var some = all.Take(3).Select(d => d.GetProperty("id").GetInt64()).ToList();
        await Check("{\"id\": [" + string.Join(", ", some) + ", 1]}", d => some.Contains(d.GetProperty("id").GetInt64()));
        await Check("{\"id\": []}", _ => false); // an empty list matches nothing (never "everything")
        string osv = S(all[0], "os_version");
        await Check("{\"os_version\": [\"" + osv.ToUpperInvariant() + "\"]}", d => S(d, "os_version") == osv);
        await Check("{\"sensor_version\": [\"3.9.1.2451\"]}", d => S(d, "sensor_version") == "3.9.1.2451");
        await Check("{\"virtualization_provider\": [\"VMW_ESX\"]}", d => S(d, "virtualization_provider") == "VMW_ESX");
        await Check("{\"deployment_type\": [\"ENDPOINT\"]}", _ => true);
        await Check("{\"deployment_type\": [\"WORKLOAD\"]}", _ => false);
        await Check("{\"ad_group_id\": [0]}", _ => true);
        await Check("{\"ad_group_id\": [7]}", _ => false);
        await Check("{\"vm_uuid\": [\"4224\"]}", _ => false);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long Contact(JsonElement d) => DateTimeOffset.Parse(S(d, "last_contact_time")).ToUnixTimeMilliseconds();
        // A relative range is evaluated at request time: allow a margin around its boundary.
        var recent = await Ids("{\"rows\": 10000, \"criteria\": {\"last_contact_time\": {\"range\": \"-7d\"}}}");
        long edge = now - 7 * 86_400_000L;
        Assert.All(all.Where(d => Contact(d) > edge + 120_000), d => Assert.Contains(d.GetProperty("id").GetInt64(), recent));
        Assert.All(all.Where(d => Contact(d) < edge - 120_000), d => Assert.DoesNotContain(d.GetProperty("id").GetInt64(), recent));
        Assert.InRange(recent.Count, 1, all.Count - 1);
        Assert.Equal(recent, await Ids("{\"rows\": 10000, \"criteria\": {\"last_contact_time\": {\"range\": \"-168h\"}}}"));
        await Check("{\"last_contact_time\": {\"range\": \"all\"}}", _ => true);
        string from = DateTimeOffset.FromUnixTimeMilliseconds(now - 40L * 86_400_000).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
        string to = DateTimeOffset.FromUnixTimeMilliseconds(now - 20L * 86_400_000).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
        long f = DateTimeOffset.Parse(from).ToUnixTimeMilliseconds(), t = DateTimeOffset.Parse(to).ToUnixTimeMilliseconds();
        await Check("{\"last_contact_time\": {\"start\": \"" + from + "\", \"end\": \"" + to + "\"}}", d => Contact(d) >= f && Contact(d) <= t);
    }

    [Fact]
    public async Task Exclusions_SensorVersion()
    {
        var all = await All();
        var ids = await Ids("{\"rows\": 10000, \"exclusions\": {\"sensor_version\": [\"3.9.1.2451\", \"3.7.1.9\"]}}");
        Assert.Equal(all.Where(d => S(d, "sensor_version") is not ("3.9.1.2451" or "3.7.1.9")).Select(d => d.GetProperty("id").GetInt64()), ids);
        Assert.True(ids.Count < all.Count);
    }

    public static IEnumerable<object[]> Queries()
    {
        static bool Name(JsonElement d, Func<string, bool> f) => f(S(d, "name"));
        yield return new object[] { "name:WIN-*", (Func<JsonElement, bool>)(d => Name(d, n => n.StartsWith("WIN-", StringComparison.Ordinal))) };
        yield return new object[] { "name:win-fin-*", (Func<JsonElement, bool>)(d => Name(d, n => n.StartsWith("WIN-FIN-", StringComparison.Ordinal))) };
        yield return new object[] { "name:*-prod-*", (Func<JsonElement, bool>)(d => Name(d, n => n.Contains("-prod-", StringComparison.Ordinal))) };
        yield return new object[] { "name:SRV-???-0*", (Func<JsonElement, bool>)(d => Regex.IsMatch(S(d, "name"), "^SRV-...-0.*$")) };
        yield return new object[] { "os:mac", (Func<JsonElement, bool>)(d => S(d, "os") == "MAC") };
        yield return new object[] { "os:MAC OR os:LINUX", (Func<JsonElement, bool>)(d => S(d, "os") is "MAC" or "LINUX") };
        yield return new object[] { "os:WINDOWS AND NOT status:REGISTERED", (Func<JsonElement, bool>)(d => S(d, "os") == "WINDOWS" && S(d, "status") != "REGISTERED") };
        yield return new object[] { "os:WINDOWS -status:x status:ACTIVE", (Func<JsonElement, bool>)(_ => false) }; // -status is an unknown field
        yield return new object[] { "os:WINDOWS status:ACTIVE", (Func<JsonElement, bool>)(d => S(d, "os") == "WINDOWS" && S(d, "status") == "ACTIVE") };
        yield return new object[] { "(os:MAC OR os:LINUX) AND target_priority:HIGH", (Func<JsonElement, bool>)(d => S(d, "os") is "MAC" or "LINUX" && S(d, "target_priority") == "HIGH") };
        yield return new object[] { "os:MAC OR os:LINUX AND target_priority:HIGH", (Func<JsonElement, bool>)(d => S(d, "os") == "MAC" || (S(d, "os") == "LINUX" && S(d, "target_priority") == "HIGH")) };
        yield return new object[] { "NOT (os:WINDOWS OR os:MAC)", (Func<JsonElement, bool>)(d => S(d, "os") == "LINUX") };
        yield return new object[] { "os:(MAC OR LINUX)", (Func<JsonElement, bool>)(d => S(d, "os") is "MAC" or "LINUX") };
        yield return new object[] { "os_version:\"windows 10 x64\"", (Func<JsonElement, bool>)(d => S(d, "os_version") == "Windows 10 x64") };
        yield return new object[] { "os_version:Windows*", (Func<JsonElement, bool>)(d => S(d, "os_version").StartsWith("Windows", StringComparison.Ordinal)) };
        yield return new object[] { "email:*mary*", (Func<JsonElement, bool>)(d => S(d, "email").Contains("mary", StringComparison.Ordinal)) };
        yield return new object[] { "login_user_name:CORP\\\\*", (Func<JsonElement, bool>)(d => S(d, "login_user_name").StartsWith("CORP\\", StringComparison.Ordinal)) };
        yield return new object[] { "login_user_name:*", (Func<JsonElement, bool>)(d => S(d, "login_user_name").Length > 0) };
        yield return new object[] { "policy_name:Windows_Workstation && quarantined:true", (Func<JsonElement, bool>)(d => S(d, "policy_name") == "Windows_Workstation" && d.GetProperty("quarantined").GetBoolean()) };
        yield return new object[] { "sensor_version:3.9.1.2451 || sensor_version:3.7.1.9", (Func<JsonElement, bool>)(d => S(d, "sensor_version") is "3.9.1.2451" or "3.7.1.9") };
        yield return new object[] { "*", (Func<JsonElement, bool>)(_ => true) };
        yield return new object[] { "   ", (Func<JsonElement, bool>)(_ => true) };
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Query_Subset(string query, Func<JsonElement, bool> expected)
    {
        var all = await All();
        var want = all.Where(expected).Select(d => d.GetProperty("id").GetInt64()).ToList();
        var r = await _emu.Search(JsonSerializer.Serialize(new { query, rows = 10000 }));
        if (query.Contains("-status", StringComparison.Ordinal))
        {
            Emu.V6Error(r, 400, "INVALID_QUERY", "-status");
            return;
        }
        Assert.True(r.Code == 200, r.Text);
        Assert.Equal(want, r.Json.GetProperty("results").EnumerateArray().Select(d => d.GetProperty("id").GetInt64()));
        if (query.Trim().Length > 0 && query != "*" && query != "login_user_name:*")
        {
            Assert.True(want.Count < all.Count, query + " matched every device; the test data does not discriminate");
        }
    }

    [Fact]
    public async Task Query_BareTerm_MatchesNameEmailLoginOrIp()
    {
        var all = await All();
        var d = all.First(x => S(x, "login_user_name").Length > 0);
        foreach (var value in new[] { S(d, "name"), S(d, "email"), S(d, "last_internal_ip_address"), S(d, "last_external_ip_address") })
        {
            var ids = await Ids(JsonSerializer.Serialize(new { query = "\"" + value + "\"", rows = 10000 }));
            Assert.Contains(d.GetProperty("id").GetInt64(), ids);
        }
        string login = S(d, "login_user_name").Replace("\\", "\\\\", StringComparison.Ordinal);
        Assert.Contains(d.GetProperty("id").GetInt64(), await Ids(JsonSerializer.Serialize(new { query = login, rows = 10000 })));
        Assert.Equal(new[] { d.GetProperty("id").GetInt64() }, await Ids(JsonSerializer.Serialize(new { query = S(d, "name"), rows = 10000 })));
        Assert.Empty(await Ids("{\"query\": \"foobar\"}"));
        Assert.Empty(await Ids("{\"query\": \"WIN\"}")); // whole values, not substrings: WIN-* would match
    }

    [Theory]
    [InlineData("(name:WIN-*", "never closed")]
    [InlineData("name:WIN-*)", "matching")]
    [InlineData("((os:MAC) OR (os:LINUX)", "never closed")]
    [InlineData("colour:blue", "colour")]
    [InlineData("name:", "no value")]
    [InlineData(":x", "field name")]
    [InlineData("os:MAC AND", "ends")]
    [InlineData("OR os:MAC", "OR")]
    [InlineData("os:MAC OR OR os:LINUX", "OR")]
    [InlineData("NOT", "ends")]
    [InlineData("()", "Empty")]
    [InlineData("name:\"WIN-FIN", "Unterminated")]
    [InlineData("last_contact_time:[now-7d TO now]", "last_contact_time")]
    [InlineData("name:[a TO b]", "not supported")]
    [InlineData("name:foo~2", "not supported")]
    [InlineData("name:foo\\", "escape")]
    public async Task Query_Malformed_Is400InvalidQuery(string query, string contains)
    {
        var r = await _emu.Search(JsonSerializer.Serialize(new { query }));
        Emu.V6Error(r, 400, "INVALID_QUERY", contains);
        Assert.Equal("query_malformed_syntax", r.Json.GetProperty("reason").GetString());
    }

    private static int Priority(string p) => Array.IndexOf(new[] { "LOW", "MEDIUM", "HIGH", "MISSION_CRITICAL" }, p);

    [Fact]
    public async Task Sort_IsTotal_WithIdTieBreak()
    {
        var all = await All();
        long Id(JsonElement d) => d.GetProperty("id").GetInt64();
        async Task Check(string sort, IEnumerable<JsonElement> expected)
        {
            Assert.Equal(expected.Select(Id), await Ids("{\"rows\": 10000, \"sort\": " + sort + "}"));
        }
        await Check("[{\"field\": \"name\", \"order\": \"ASC\"}]", all.OrderBy(d => S(d, "name"), StringComparer.OrdinalIgnoreCase).ThenBy(Id));
        await Check("[{\"field\": \"name\", \"order\": \"desc\"}]", all.OrderByDescending(d => S(d, "name"), StringComparer.OrdinalIgnoreCase).ThenBy(Id));
        await Check("[{\"field\": \"id\", \"order\": \"DESC\"}]", all.OrderByDescending(Id));
        await Check("[{\"field\": \"id\"}]", all.OrderBy(Id));
        await Check("[{\"field\": \"last_contact_time\", \"order\": \"DESC\"}]", all.OrderByDescending(d => S(d, "last_contact_time"), StringComparer.Ordinal).ThenBy(Id));
        await Check("[{\"field\": \"status\"}]", all.OrderBy(d => S(d, "status"), StringComparer.OrdinalIgnoreCase).ThenBy(Id));
        await Check("[{\"field\": \"os\"}, {\"field\": \"policy_name\", \"order\": \"DESC\"}]",
            all.OrderBy(d => S(d, "os"), StringComparer.OrdinalIgnoreCase).ThenByDescending(d => S(d, "policy_name"), StringComparer.OrdinalIgnoreCase).ThenBy(Id));
        await Check("[{\"field\": \"target_priority\", \"order\": \"DESC\"}]", all.OrderByDescending(d => Priority(S(d, "target_priority"))).ThenBy(Id));
    }

    [Fact]
    public async Task SortedPaging_NeverDuplicatesOrSkips()
    {
        string sort = "\"sort\": [{\"field\": \"policy_name\", \"order\": \"ASC\"}]";
        var whole = await Ids("{\"rows\": 10000, " + sort + "}");
        var paged = new List<long>();
        for (int start = 1; start <= 120; start += 7)
        {
            paged.AddRange(await Ids("{\"rows\": 7, \"start\": " + start + ", " + sort + "}"));
        }
        Assert.Equal(whole, paged);
        Assert.Equal(120, paged.Distinct().Count());
    }

    [Fact]
    public async Task CriteriaQueryAndExclusions_Combine()
    {
        var all = await All();
        var want = all.Where(d => S(d, "os") == "WINDOWS" && S(d, "name").StartsWith("WIN-", StringComparison.Ordinal) && S(d, "sensor_version") != "3.9.1.2451")
            .Select(d => d.GetProperty("id").GetInt64()).ToList();
        var j = await Ok("{\"criteria\": {\"os\": [\"WINDOWS\"]}, \"query\": \"name:WIN-*\", \"exclusions\": {\"sensor_version\": [\"3.9.1.2451\"]}, \"rows\": 5}");
        Assert.Equal(want.Count, j.GetProperty("num_found").GetInt32());
        Assert.Equal(want.Take(5), j.GetProperty("results").EnumerateArray().Select(d => d.GetProperty("id").GetInt64()));
    }
}
