using System.Globalization;
using System.Text.Json;

namespace CbDefense.Emulator;

/// <summary>The alerts v7 object (the SDK's v7 fixtures: mock_alerts_v7.py and mock_alert_v6_v7_compatibility.py),
/// written from the same <see cref="Alert"/> the v6 routes write. Shared fields first, in the fixtures' order, then
/// the fields of the alert's type.</summary>
internal static class AlertJson
{
    private static void Iso(Utf8JsonWriter w, string name, long ms) => JsonOut.IsoTime(w, name, ms);

    public static void WriteV7(Utf8JsonWriter w, Alert a, string orgKey, string consoleBase)
    {
        var x = AlertFactory.Details(a, orgKey);
        bool container = a.Type == AlertFactory.ContainerRuntime;
        w.WriteStartObject();
        w.WriteString("org_key", orgKey);
        w.WriteString("alert_url", consoleBase + "/alerts?s[c][query_string]=id:" + a.Id + "&orgKey=" + orgKey);
        w.WriteString("id", a.Id);
        w.WriteString("type", a.Type);
        Iso(w, "backend_timestamp", a.CreateTime);
        JsonOut.IsoOrNull(w, "user_update_timestamp", a.UserUpdateTime);
        Iso(w, "backend_update_timestamp", a.LastUpdateTime);
        Iso(w, "detection_timestamp", a.DetectionTime);
        Iso(w, "first_event_timestamp", a.FirstEventTime);
        Iso(w, "last_event_timestamp", a.LastEventTime);
        w.WriteNumber("severity", a.Severity);
        w.WriteString("reason", a.Reason);
        w.WriteString("reason_code", a.ReasonCode);
        w.WriteString("threat_id", a.ThreatId);
        w.WriteString("primary_event_id", a.CreatedByEventId);
        w.WriteString("policy_applied", a.PolicyApplied);
        w.WriteString("run_state", a.RunState);
        JsonOut.StringOrNull(w, "sensor_action", a.SensorAction);
        w.WriteStartObject("workflow");
        Iso(w, "change_timestamp", a.WorkflowLastUpdateTime);
        w.WriteString("changed_by_type", a.WorkflowChangedByType);
        w.WriteString("changed_by", a.WorkflowChangedBy);
        w.WriteString("closure_reason", a.ClosureReason);
        w.WriteString("status", a.WorkflowStatus);
        if (a.WorkflowComment != null)
        {
            w.WriteString("note", a.WorkflowComment);
        }
        w.WriteEndObject();
        w.WriteStartObject("determination");
        Iso(w, "change_timestamp", a.DeterminationTime);
        w.WriteString("value", a.Determination);
        w.WriteString("changed_by_type", a.DeterminationChangedByType);
        w.WriteString("changed_by", a.DeterminationChangedBy);
        w.WriteEndObject();
        w.WriteNull("tags");
        w.WriteBoolean("alert_notes_present", a.NotesPresent);
        w.WriteBoolean("threat_notes_present", false);
        w.WriteBoolean("is_updated", a.UserUpdateTime.HasValue);
        if (a.Type is AlertFactory.HostBasedFirewall or AlertFactory.IntrusionDetection)
        {
            w.WriteString("rule_category_id", x.RuleCategoryId);
            w.WriteString("rule_id", x.RuleId);
        }
        if (!container)
        {
            w.WriteNumber("device_id", a.DeviceId);
            w.WriteString("device_name", a.DeviceName);
            w.WriteString("device_uem_id", "");
            w.WriteString("device_target_value", a.TargetValue);
            w.WriteString("device_policy", a.PolicyName);
            w.WriteNumber("device_policy_id", a.PolicyId);
            w.WriteString("device_os", a.DeviceOs);
            w.WriteString("device_os_version", a.DeviceOsVersion);
            w.WriteString("device_username", a.DeviceUsername);
            w.WriteString("device_location", a.DeviceLocation);
            JsonOut.StringOrNull(w, "device_external_ip", a.DeviceExternalIp);
            JsonOut.StringOrNull(w, "device_internal_ip", a.DeviceInternalIp);
        }
        w.WriteBoolean("mdr_alert", false);
        w.WriteBoolean("mdr_alert_notes_present", false);
        w.WriteBoolean("mdr_threat_notes_present", false);
        JsonOut.StringArray(w, "ttps", a.Ttps);
        switch (a.Type)
        {
            case AlertFactory.Watchlist:
                w.WriteString("report_id", x.ReportId);
                w.WriteString("report_name", x.ReportName);
                w.WriteString("report_description", "Threat:\n" + x.ReportName + "\n\nScore:\n" + (a.Severity * 10).ToString(CultureInfo.InvariantCulture));
                JsonOut.StringArray(w, "report_tags", AlertFactory.ReportTags(x));
                w.WriteString("report_link", "https://attack.mitre.org/techniques/" + x.AttackTechnique + "/");
                w.WriteString("ioc_id", x.IocId);
                w.WriteString("ioc_hit", "((process_name:" + a.ProcessName + ")) -enriched:true");
                w.WriteStartArray("watchlists");
                w.WriteStartObject();
                w.WriteString("id", x.WatchlistId);
                w.WriteString("name", x.WatchlistName);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteString("attack_tactic", x.AttackTactic);
                break;
            case AlertFactory.CbAnalytics:
                w.WriteString("attack_tactic", a.ReasonCode == "R_SCAN_OFF" ? "TA0007" : "TA0002");
                break;
            case AlertFactory.IntrusionDetection:
                w.WriteString("attack_tactic", "TA0001");
                w.WriteString("attack_technique", "T1190");
                break;
        }
        if (AlertSearch.HasProcess(a))
        {
            WriteProcess(w, a, x);
        }
        switch (a.Type)
        {
            case AlertFactory.DeviceControl:
                w.WriteString("vendor_name", x.VendorName);
                w.WriteString("vendor_id", x.VendorId);
                w.WriteString("product_name", x.ProductName);
                w.WriteString("product_id", x.ProductId);
                w.WriteString("external_device_friendly_name", x.VendorName + " " + x.ProductName + " USB Device");
                w.WriteString("serial_number", x.SerialNumber);
                break;
            case AlertFactory.HostBasedFirewall:
            case AlertFactory.IntrusionDetection:
            case AlertFactory.ContainerRuntime:
                w.WriteNumber("netconn_remote_port", x.RemotePort);
                w.WriteNumber("netconn_local_port", x.LocalPort);
                w.WriteString("netconn_protocol", "TCP");
                w.WriteString("netconn_remote_domain", x.RemoteDomain);
                w.WriteString("netconn_remote_ip", x.RemoteIp);
                w.WriteString("netconn_local_ip", a.DeviceInternalIp ?? "");
                w.WriteString("netconn_remote_ipv4", x.RemoteIp);
                w.WriteString("netconn_local_ipv4", a.DeviceInternalIp ?? "");
                if (a.Type == AlertFactory.IntrusionDetection)
                {
                    w.WriteString("tms_rule_id", x.RuleId.ToLowerInvariant());
                    w.WriteString("threat_name", x.ThreatName);
                }
                else if (container)
                {
                    w.WriteString("k8s_cluster", x.K8sCluster);
                    w.WriteString("k8s_namespace", x.K8sNamespace);
                    w.WriteString("k8s_kind", x.K8sKind);
                    w.WriteString("k8s_workload_name", x.K8sWorkload);
                    w.WriteString("k8s_pod_name", x.K8sPod);
                    w.WriteString("k8s_policy_id", x.RuleCategoryId.ToLowerInvariant());
                    w.WriteString("k8s_policy", "runtime-policy-" + a.PolicyName.ToLowerInvariant());
                    w.WriteString("k8s_rule_id", x.RuleId.ToLowerInvariant());
                    w.WriteString("k8s_rule", x.RemoteIsPrivate ? "Allowed private destinations" : "Allowed public destinations");
                    w.WriteString("connection_type", "EGRESS");
                    w.WriteString("egress_group_id", "");
                    w.WriteString("egress_group_name", "");
                    w.WriteNumber("ip_reputation", 0);
                    w.WriteBoolean("remote_is_private", x.RemoteIsPrivate);
                }
                break;
        }
        w.WriteEndObject();
    }

    private static void WriteProcess(Utf8JsonWriter w, Alert a, AlertFactory.AlertDetails x)
    {
        bool win = a.DeviceOs == "WINDOWS";
        string path = (a.ProcessPath ?? a.ProcessName).ToLowerInvariant();
        string user = win ? a.DeviceName + "\\" + UserOf(a) : UserOf(a);
        AppInfo parent = win ? Seeder.WinApps[1] : a.DeviceOs == "MAC" ? Seeder.MacApps[0] : Seeder.LinuxApps[0];
        w.WriteString("process_guid", x.ProcessGuid);
        w.WriteNumber("process_pid", x.ProcessPid);
        w.WriteString("process_name", a.ProcessName);
        w.WriteString("process_sha256", a.Sha256);
        JsonOut.StringOrNull(w, "process_md5", a.Md5);
        w.WriteString("process_effective_reputation", a.Reputation);
        w.WriteString("process_reputation", a.Reputation);
        w.WriteString("process_cmdline", "\"" + path + "\"");
        w.WriteString("process_username", user);
        w.WriteStartArray("process_issuer");
        w.WriteEndArray();
        w.WriteStartArray("process_publisher");
        w.WriteEndArray();
        w.WriteString("parent_guid", x.ParentGuid);
        w.WriteNumber("parent_pid", x.ParentPid);
        w.WriteString("parent_name", (parent.Path ?? parent.Name).ToLowerInvariant());
        w.WriteString("parent_sha256", parent.Sha256);
        JsonOut.StringOrNull(w, "parent_md5", parent.Md5);
        w.WriteString("parent_effective_reputation", parent.Reputation);
        w.WriteString("parent_reputation", parent.Reputation);
        w.WriteString("parent_cmdline", "\"" + (parent.Path ?? parent.Name) + "\"");
        w.WriteString("parent_username", user);
        w.WriteString("childproc_guid", "");
        w.WriteString("childproc_username", "");
        w.WriteString("childproc_cmdline", "");
    }

    /// <summary>The user name a process of the alert runs as (from the device owner's email: jdoe).</summary>
    internal static string UserOf(Alert a)
    {
        int at = a.DeviceUsername.IndexOf('@');
        string local = at > 0 ? a.DeviceUsername[..at] : a.DeviceUsername;
        int dot = local.IndexOf('.');
        return dot > 0 && dot < local.Length - 1 ? (local[0] + local[(dot + 1)..]).ToLowerInvariant() : local;
    }
}
