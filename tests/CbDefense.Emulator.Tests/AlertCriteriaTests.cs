using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace CbDefense.Emulator.Tests;

/// <summary>The rules both alert searches share (<see cref="AlertCriteria"/>, <see cref="AlertOrder"/>), over each
/// generation's <see cref="AlertDialect"/>: what both do alike, and the few things each spells its own way.</summary>
public sealed class AlertCriteriaTests
{
    private const long Now = 1_714_560_000_000L; // 2024-05-01T10:40:00Z

    private static JsonElement J(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static Alert A(string id, long time = 0, Action<Alert>? set = null)
    {
        var a = new Alert { Id = id, CreateTime = time, Severity = 5, DeviceName = "WIN-" + id, ReasonCode = "R_" + id };
        set?.Invoke(a);
        return a;
    }

    private static AlertFilter Filter(AlertDialect d, string body)
    {
        var f = new AlertFilter();
        Assert.Null(AlertCriteria.Parse(J(body), d, Now, f));
        return f;
    }

    private static SearchError Refused(AlertDialect d, string body)
    {
        var err = AlertCriteria.Parse(J(body), d, Now, new AlertFilter());
        Assert.NotNull(err);
        return err!;
    }

    public static IEnumerable<object[]> Dialects() => new[] { new object[] { "v6" }, new object[] { "v7" } };

    private static AlertDialect D(string g) => g == "v6" ? AlertSearchV6.Dialect : AlertSearch.Dialect;

    // ------------------------------------------------------------------ what both do alike

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Strings_AreCaseInsensitive_OredWithinAKey_AndedAcrossKeys_EmptyMatchesNothing(string g)
    {
        var d = D(g);
        var a = A("a1");
        var b = A("b2");
        var or = Filter(d, "{\"criteria\": {\"device_name\": [\"win-a1\", \"WIN-B2\"]}}");
        Assert.True(or.Matches(a));
        Assert.True(or.Matches(b));
        var and = Filter(d, "{\"criteria\": {\"device_name\": [\"WIN-a1\", \"WIN-b2\"], \"reason_code\": [\"R_b2\"]}}");
        Assert.False(and.Matches(a));
        Assert.True(and.Matches(b));
        Assert.False(Filter(d, "{\"criteria\": {\"device_name\": []}}").Matches(a));
        Assert.True(Filter(d, "{\"criteria\": null}").Matches(a));
        Assert.True(Filter(d, "{}").Matches(a));
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Integers_TakeNumbersAndNumericStrings_AndRefuseAnythingElse(string g)
    {
        var d = D(g);
        var f = Filter(d, "{\"criteria\": {\"device_id\": [7, \"9\"]}}");
        Assert.True(f.Matches(A("x", set: a => a.DeviceId = 7)));
        Assert.True(f.Matches(A("x", set: a => a.DeviceId = 9)));
        Assert.False(f.Matches(A("x", set: a => a.DeviceId = 8)));
        Assert.Equal("criteria.device_id must be an array of integers (got \"x\")", Refused(d, "{\"criteria\": {\"device_id\": [\"x\"]}}").Message);
        Assert.Equal("criteria.device_id must be an array of integers (got 7)", Refused(d, "{\"criteria\": {\"device_id\": 7}}").Message);
        Assert.Equal("criteria.device_name must be an array of strings (got 1)", Refused(d, "{\"criteria\": {\"device_name\": [1]}}").Message);
        Assert.Equal("criteria.device_name must be an array of strings (got \"a\")", Refused(d, "{\"criteria\": {\"device_name\": \"a\"}}").Message);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void MinimumSeverity_IsOneIntegerFrom1To10(string g)
    {
        var d = D(g);
        var f = Filter(d, "{\"criteria\": {\"minimum_severity\": 6}}");
        Assert.True(f.Matches(A("x", set: a => a.Severity = 6)));
        Assert.False(f.Matches(A("x", set: a => a.Severity = 5)));
        foreach (string bad in new[] { "0", "11", "[6]", "\"6\"", "6.5" })
        {
            var err = Refused(d, "{\"criteria\": {\"minimum_severity\": " + bad + "}}");
            Assert.Equal("INVALID_ARGUMENT", err.Code);
            Assert.Equal("criteria.minimum_severity must be an integer from 1 to 10 (got " + bad + ")", err.Message);
        }
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void TimeCriteria_AreInclusiveAtBothEnds_AndTakeARange(string g)
    {
        var d = D(g);
        string key = g == "v6" ? "create_time" : "backend_timestamp";
        var f = Filter(d, "{\"criteria\": {\"" + key + "\": {\"start\": \"2024-05-01T00:00:00.000Z\", \"end\": \"2024-05-01T00:00:01.000Z\"}}}");
        long start = DateTimeOffset.Parse("2024-05-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        Assert.True(f.Matches(A("x", start)));
        Assert.True(f.Matches(A("x", start + 1000)));
        Assert.False(f.Matches(A("x", start - 1)));
        Assert.False(f.Matches(A("x", start + 1001)));
        var week = Filter(d, "{\"criteria\": {\"" + key + "\": {\"range\": \"-7d\"}}}");
        Assert.True(week.Matches(A("x", Now - 7 * 86_400_000L)));
        Assert.False(week.Matches(A("x", Now - 7 * 86_400_000L - 1)));
        Assert.True(Filter(d, "{\"criteria\": {\"" + key + "\": {\"range\": \"all\"}}}").Matches(A("x", 0)));
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void AnUnknownKey_IsRefusedListingEveryKey(string g)
    {
        var d = D(g);
        var err = Refused(d, "{\"criteria\": {\"hostname\": [\"x\"]}}");
        Assert.Equal("criteria.hostname is not a supported criteria key; supported: " + string.Join(", ", d.CriteriaKeys), err.Message);
        Assert.Equal(d.CriteriaKeys.OrderBy(k => k, StringComparer.Ordinal), d.CriteriaKeys);
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Query_MustBeAString_AndIsAndedWithTheCriteria(string g)
    {
        var d = D(g);
        Assert.Equal("query must be a string (got 5)", Refused(d, "{\"query\": 5}").Message);
        var f = Filter(d, "{\"criteria\": {\"device_name\": [\"WIN-a1\", \"WIN-b2\"]}, \"query\": \"device_name:WIN-a*\"}");
        Assert.True(f.Matches(A("a1")));
        Assert.False(f.Matches(A("b2")));
        Assert.Equal("INVALID_QUERY", Refused(d, "{\"query\": \"no_such_field:x\"}").Code);
    }

    [Theory]
    [InlineData(0, 10, 1, null)]
    [InlineData(1, 10000, 1, null)]
    [InlineData(9991, 10, 9991, null)]
    [InlineData(9992, 10, 9992, 10001L)]
    [InlineData(2, 10000, 2, 10001L)]
    [InlineData(1, 10001, 1, 10001L)]
    public void TheWindow_IsTheFirst10000Rows_Start0IsTheFirstRow(int start, int rows, int startAfter, long? past)
    {
        foreach (var d in new[] { AlertSearchV6.Dialect, AlertSearch.Dialect })
        {
            int s = start;
            var err = AlertCriteria.CheckWindow(d, ref s, rows);
            Assert.Equal(startAfter, s);
            if (past == null)
            {
                Assert.Null(err);
            }
            else
            {
                Assert.NotNull(err);
                Assert.Contains("start + rows - 1 = " + past.Value, err!.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Page_IsFromTheOneBasedStart_AndEmptyPastTheEnd()
    {
        var all = Enumerable.Range(0, 5).Select(i => A("a" + i)).ToList();
        Assert.Equal(new[] { "a1", "a2" }, AlertCriteria.Page(all, 2, 2).Select(a => a.Id));
        Assert.Equal(new[] { "a3", "a4" }, AlertCriteria.Page(all, 4, 10).Select(a => a.Id));
        Assert.Empty(AlertCriteria.Page(all, 9, 10));
        Assert.Empty(AlertCriteria.Page(all, 1, 0));
    }

    [Fact]
    public void Order_MissingValuesLastBothWays_TiesOnIdAscending()
    {
        var text = AlertOrder.Text(a => a.Category == "NONE" ? null : a.DeviceName);
        var x = A("x", set: a => a.DeviceName = "b");
        var y = A("y", set: a => a.DeviceName = "A");
        var none = A("n", set: a => a.Category = "NONE");
        foreach (int dir in new[] { 1, -1 })
        {
            var list = new List<Alert> { none, x, y };
            list.Sort(SortSpec.Chain<Alert>(new[] { ("f", dir) }, (_, d) => text(d), AlertOrder.ById));
            Assert.Equal(dir == 1 ? new[] { "y", "x", "n" } : new[] { "x", "y", "n" }, list.Select(a => a.Id));
        }
        var ties = new List<Alert> { A("c", 5), A("a", 5), A("b", 9) };
        ties.Sort(AlertOrder.NewestFirst);
        Assert.Equal(new[] { "b", "a", "c" }, ties.Select(a => a.Id));
    }

    [Theory]
    [MemberData(nameof(Dialects))]
    public void Sort_AbsentIsNewestFirst_UnknownFieldsAreRefusedListingTheSortable(string g)
    {
        var d = D(g);
        Assert.Null(AlertOrder.Parse(default, d, out var items, out var cmp));
        Assert.Empty(items);
        Assert.Equal((Comparison<Alert>)AlertOrder.NewestFirst, cmp);
        var err = AlertOrder.Parse(J("[{\"field\": \"nope\"}]"), d, out _, out _);
        Assert.Equal("sort[0].field: 'nope' is not sortable; sortable fields: " + string.Join(", ", d.SortFields), err!.Message);
        Assert.Equal(d.SortFields.OrderBy(k => k, StringComparer.Ordinal), d.SortFields);
        Assert.Null(AlertOrder.Parse(J("[{\"field\": \"severity\", \"order\": \"desc\"}]"), d, out _, out var bySeverity));
        var list = new List<Alert> { A("b", set: a => a.Severity = 3), A("a", set: a => a.Severity = 3), A("c", set: a => a.Severity = 9) };
        list.Sort(bySeverity);
        Assert.Equal(new[] { "c", "a", "b" }, list.Select(a => a.Id));
    }

    // ------------------------------------------------------------------ what each spells its own way

    [Fact]
    public void TheKeys_AreEachGenerationsOwn()
    {
        Assert.Equal(
            "blocked_threat_category, category, create_time, device_id, device_location, device_name, device_os, device_os_version, device_username, "
            + "first_event_time, group_results, id, kill_chain_status, last_event_time, last_update_time, legacy_alert_id, minimum_severity, "
            + "not_blocked_threat_category, policy_applied, policy_id, policy_name, process_name, process_sha256, reason_code, reputation, run_state, "
            + "sensor_action, tag, target_value, threat_cause_vector, threat_id, type, workflow",
            string.Join(", ", AlertSearchV6.CriteriaKeys));
        Assert.Equal(
            "alert_notes_present, backend_timestamp, backend_update_timestamp, detection_timestamp, determination_change_timestamp, determination_value, "
            + "device_external_ip, device_id, device_internal_ip, device_location, device_name, device_os, device_os_version, device_policy, "
            + "device_policy_id, device_target_value, device_username, first_event_timestamp, id, last_event_timestamp, minimum_severity, policy_applied, "
            + "primary_event_id, process_name, process_reputation, process_sha256, reason_code, run_state, sensor_action, severity, threat_id, "
            + "threat_notes_present, ttps, type, user_update_timestamp, workflow_change_timestamp, workflow_status",
            string.Join(", ", AlertSearch.CriteriaKeys));
        Assert.Equal(
            "category, create_time, device_id, device_name, device_os, first_event_time, id, last_event_time, last_update_time, legacy_alert_id, "
            + "policy_id, policy_name, process_name, reason_code, severity, target_value, threat_id, type, workflow",
            string.Join(", ", AlertSearchV6.SortFields));
        Assert.Equal(
            "backend_timestamp, backend_update_timestamp, detection_timestamp, device_id, device_name, device_os, first_event_timestamp, id, "
            + "last_event_timestamp, process_name, reason_code, severity, threat_id, type, user_update_timestamp, workflow_status",
            string.Join(", ", AlertSearch.SortFields));
    }

    [Fact]
    public void AValueOutsideAnEnumeration_V7IsInvalidEnumValueAtOnce_V6IsInvalidArgumentOnceEveryItemIsAString()
    {
        var v7 = Refused(AlertSearch.Dialect, "{\"criteria\": {\"workflow_status\": [\"open\", \"DISMISSED\", 5]}}");
        Assert.Equal("INVALID_ENUM_VALUE", v7.Code);
        Assert.Equal("criteria.workflow_status", v7.Field);
        Assert.Equal("DISMISSED", v7.InvalidValue);
        Assert.Equal(AlertSearch.WorkflowStatuses, v7.KnownValues);

        var v6 = Refused(AlertSearchV6.Dialect, "{\"criteria\": {\"workflow\": [\"open\", \"CLOSED\", \"closed\", \"nope\"]}}");
        Assert.Equal("INVALID_ARGUMENT", v6.Code);
        Assert.Equal("criteria.workflow: 'CLOSED' is not a valid value; allowed values: OPEN, DISMISSED", v6.Message);
        Assert.Null(v6.Field);
        var typeFirst = Refused(AlertSearchV6.Dialect, "{\"criteria\": {\"workflow\": [\"CLOSED\", 5]}}");
        Assert.Equal("criteria.workflow must be an array of strings (got 5)", typeFirst.Message);
    }

    [Fact]
    public void AnInvertedTimeCriterion_V6RefusesIt_V7MatchesNothing()
    {
        const string Inverted = "{\"start\": \"2024-05-02T00:00:00.000Z\", \"end\": \"2024-05-01T00:00:00.000Z\"}";
        Assert.Equal("criteria.create_time: end is before start", Refused(AlertSearchV6.Dialect, "{\"criteria\": {\"create_time\": " + Inverted + "}}").Message);
        var v7 = Filter(AlertSearch.Dialect, "{\"criteria\": {\"backend_timestamp\": " + Inverted + "}}");
        Assert.False(v7.Matches(A("x", DateTimeOffset.Parse("2024-05-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds())));
    }

    [Fact]
    public void V7_Exclusions_TakeTheCriteriaKeysButMinimumSeverity_V6HasNone()
    {
        var f = Filter(AlertSearch.Dialect, "{\"exclusions\": {\"device_name\": [\"WIN-a1\"], \"ttps\": [\"T1\"]}}");
        Assert.False(f.Matches(A("a1")));
        Assert.False(f.Matches(A("b2", set: a => a.Ttps = new[] { "T0", "t1" })));
        Assert.True(f.Matches(A("b2")));
        Assert.True(f.HasFilter);
        var err = Refused(AlertSearch.Dialect, "{\"exclusions\": {\"minimum_severity\": 3}}");
        Assert.Equal("exclusions.minimum_severity is not valid in exclusions (it is a criteria key)", err.Message);
        Assert.StartsWith("exclusions.bogus is not a supported exclusions key", Refused(AlertSearch.Dialect, "{\"exclusions\": {\"bogus\": []}}").Message, StringComparison.Ordinal);
        // v6 has no exclusions (its route refuses the top-level key; the parser never reads it).
        Assert.True(Filter(AlertSearchV6.Dialect, "{\"exclusions\": {\"device_name\": [\"WIN-a1\"]}}").Matches(A("a1")));
    }

    [Fact]
    public void AnyOfAndFlags_V7TtpsAndNotes_V6KillChainTagAndGroupResults()
    {
        var v7 = Filter(AlertSearch.Dialect, "{\"criteria\": {\"ttps\": [\"t1\"], \"alert_notes_present\": true, \"threat_notes_present\": false}}");
        Assert.True(v7.Matches(A("x", set: a => { a.Ttps = new[] { "T1" }; a.NotesPresent = true; })));
        Assert.False(v7.Matches(A("x", set: a => { a.Ttps = new[] { "T1" }; a.NotesPresent = false; })));
        Assert.False(Filter(AlertSearch.Dialect, "{\"criteria\": {\"threat_notes_present\": true}}").Matches(A("x")));
        Assert.Equal("criteria.alert_notes_present must be true or false (got \"yes\")",
            Refused(AlertSearch.Dialect, "{\"criteria\": {\"alert_notes_present\": \"yes\"}}").Message);

        var v6 = Filter(AlertSearchV6.Dialect, "{\"criteria\": {\"kill_chain_status\": [\"deliver_exploit\"], \"group_results\": false}}");
        Assert.True(v6.Matches(A("x", set: a => a.KillChain = new[] { "INSTALL_RUN", "DELIVER_EXPLOIT" })));
        Assert.False(v6.Matches(A("x")));
        Assert.False(Filter(AlertSearchV6.Dialect, "{\"criteria\": {\"tag\": [\"x\"]}}").Matches(A("x")));
        Assert.Equal("criteria.tag must be an array of strings (got \"x\")", Refused(AlertSearchV6.Dialect, "{\"criteria\": {\"tag\": \"x\"}}").Message);
        Assert.Equal("criteria.group_results: true (grouped results) is not served by the emulator; send false or leave it out",
            Refused(AlertSearchV6.Dialect, "{\"criteria\": {\"group_results\": true}}").Message);
        Assert.Equal("criteria.group_results must be true or false (got 1)", Refused(AlertSearchV6.Dialect, "{\"criteria\": {\"group_results\": 1}}").Message);
    }

    [Fact]
    public void PastTheWindow_V6Is400InvalidArgument_V7Is500()
    {
        int s1 = 9999, s2 = 9999;
        var v6 = AlertCriteria.CheckWindow(AlertSearchV6.Dialect, ref s1, 5)!;
        Assert.Equal(400, v6.Status);
        Assert.Equal("INVALID_ARGUMENT", v6.Code);
        Assert.StartsWith("The search window is limited to the first 10,000 alerts", v6.Message, StringComparison.Ordinal);
        var v7 = AlertCriteria.CheckWindow(AlertSearch.Dialect, ref s2, 5)!;
        Assert.Equal(500, v7.Status);
        Assert.Equal("INTERNAL_SERVER_ERROR", v7.Code);
        Assert.StartsWith("Result window is too large: start + rows - 1 = 10003", v7.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void V7_HidesDeviceFieldsOfContainerAlerts_V6ShowsThem()
    {
        var container = A("c", set: a => { a.Type = AlertFactory.ContainerRuntime; a.DeviceId = 4; });
        Assert.False(Filter(AlertSearch.Dialect, "{\"criteria\": {\"device_id\": [4]}}").Matches(container));
        Assert.True(Filter(AlertSearchV6.Dialect, "{\"criteria\": {\"device_id\": [4]}}").Matches(container));
    }
}
