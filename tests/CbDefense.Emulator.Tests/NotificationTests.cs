using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

public sealed class NotificationTests
{
    private static async Task<JsonElement[]> Read(Emu emu)
    {
        var j = await emu.Ok(Emu.V3 + "/notification", Emu.Siem);
        Assert.True(j.GetProperty("success").GetBoolean());
        Assert.Equal("Success", j.GetProperty("message").GetString());
        return j.GetProperty("notifications").EnumerateArray().ToArray();
    }

    [Fact]
    public async Task Queue_IsReadOnce()
    {
        await using var emu = await Emu.Start("--devices", "30", "--notifications", "10");
        var first = await Read(emu);
        Assert.Equal(10, first.Length);
        Assert.Empty(await Read(emu));
        Assert.Equal(10, first.Select(n => n.GetProperty("eventId").GetString()).Distinct().Count());
        var served = await emu.Ok("/_emulator/notifications/served", null);
        Assert.Equal(first.Select(n => n.GetProperty("eventId").GetString()), served.GetProperty("eventIds").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Items_ShapedLikeFixture_WithRealDevices()
    {
        await using var emu = await Emu.Start("--devices", "30", "--notifications", "40");
        var items = await Read(emu);
        Assert.Contains(items, n => n.GetProperty("type").GetString() == "THREAT");
        Assert.Contains(items, n => n.GetProperty("type").GetString() == "POLICY_ACTION");
        foreach (var n in items)
        {
            foreach (var f in new[] { "type", "eventTime", "eventId", "url", "deviceInfo", "eventDescription", "ruleName" })
            {
                Assert.True(n.TryGetProperty(f, out _), "missing " + f);
            }
            var di = n.GetProperty("deviceInfo");
            foreach (var f in new[] { "deviceType", "email", "deviceId", "deviceName", "deviceHostName", "deviceVersion", "targetPriorityType", "targetPriorityCode", "internalIpAddress", "groupName", "externalIpAddress" })
            {
                Assert.True(di.TryGetProperty(f, out _), "deviceInfo missing " + f);
            }
            if (n.GetProperty("type").GetString() == "THREAT")
            {
                var ti = n.GetProperty("threatInfo");
                Assert.True(ti.GetProperty("indicators").GetArrayLength() > 0);
                Assert.InRange(ti.GetProperty("score").GetInt32(), 0, 10);
                Assert.False(string.IsNullOrEmpty(ti.GetProperty("incidentId").GetString()));
            }
            else
            {
                var pa = n.GetProperty("policyAction");
                Assert.Equal(64, pa.GetProperty("sha256Hash").GetString()!.Length);
                Assert.False(string.IsNullOrEmpty(pa.GetProperty("action").GetString()));
            }
        }
        var dev = await emu.Device(items[0].GetProperty("deviceInfo").GetProperty("deviceId").GetInt64());
        Assert.Equal(items[0].GetProperty("deviceInfo").GetProperty("deviceName").GetString(), dev.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Admin_QueuesGeneratedAndRaw()
    {
        await using var emu = await Emu.Start("--devices", "10", "--notifications", "0");
        Assert.Empty(await Read(emu));
        var q = await emu.Post("/_emulator/notifications", "{\"count\": 5, \"type\": \"THREAT\"}", null);
        Assert.Equal(5, q.Json.GetProperty("queued").GetInt32());
        var items = await Read(emu);
        Assert.Equal(5, items.Length);
        Assert.All(items, n => Assert.Equal("THREAT", n.GetProperty("type").GetString()));
        string raw = "{\"notifications\": [{\"type\": \"POLICY_ACTION\", \"eventId\": \"EV1\", \"eventTime\": 1423163263482, \"custom\": 1}]}";
        Assert.Equal(1, (await emu.Post("/_emulator/notifications", raw, null)).Json.GetProperty("queued").GetInt32());
        var got = await Read(emu);
        Assert.Single(got);
        Assert.Equal("EV1", got[0].GetProperty("eventId").GetString());
        Assert.Equal(1, got[0].GetProperty("custom").GetInt32());
        Assert.Equal(400, (await emu.Post("/_emulator/notifications", "{\"count\": 1, \"type\": \"OTHER\"}", null)).Code);
    }

    [Fact]
    public async Task Rate_RefillsQueue()
    {
        await using var emu = await Emu.Start("--devices", "10", "--notifications", "0", "--notification-rate", "12000");
        await Task.Delay(300);
        var items = await Read(emu);
        Assert.InRange(items.Length, 20, 1000);
        var more = await Read(emu);
        Assert.True(more.Length < items.Length + 20);
        Assert.Empty(items.Select(i => i.GetProperty("eventId").GetString()).Intersect(more.Select(i => i.GetProperty("eventId").GetString())));
    }

    [Fact]
    public async Task Read_IsCappedAt1000()
    {
        await using var emu = await Emu.Start("--devices", "5", "--notifications", "1500");
        Assert.Equal(1000, (await Read(emu)).Length);
        Assert.Equal(500, (await Read(emu)).Length);
    }

    [Fact]
    public async Task AuditLogs_ReadOnce_UnderNotificationsKey()
    {
        await using var emu = await Emu.Start("--devices", "5");
        var j = await emu.Ok(Emu.V3 + "/auditlogs");
        var items = j.GetProperty("notifications").EnumerateArray().ToArray();
        Assert.NotEmpty(items);
        foreach (var f in new[] { "requestUrl", "eventTime", "eventId", "loginName", "orgName", "flagged", "clientIp", "verbose", "description" })
        {
            Assert.True(items[0].TryGetProperty(f, out _), "missing " + f);
        }
        Assert.Empty((await emu.Ok(Emu.V3 + "/auditlogs")).GetProperty("notifications").EnumerateArray());
        await emu.Post(Emu.V3 + "/policy", "{\"policyInfo\": {\"description\": \"\", \"name\": \"AuditMe\", \"policy\": {}, \"priorityLevel\": \"LOW\", \"version\": 2}}");
        var after = (await emu.Ok(Emu.V3 + "/auditlogs")).GetProperty("notifications").EnumerateArray().ToArray();
        Assert.Contains(after, a => a.GetProperty("description").GetString()!.Contains("AuditMe", StringComparison.Ordinal));
    }
}
