using System;
using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace CbDefense.Emulator;

internal static class JsonOut
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        SkipValidation = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly JsonWriterOptions CheckedOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes a small JSON body built synchronously (call under a lock if needed), with Content-Length.</summary>
    public static byte[] Build(Action<Utf8JsonWriter> body)
    {
        var buf = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buf, CheckedOptions))
        {
            body(w);
        }
        return buf.WrittenSpan.ToArray();
    }

    public static Task Send(HttpContext ctx, int status, byte[] body, string contentType = "application/json; charset=utf-8")
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        ctx.Response.ContentLength = body.Length;
        return ctx.Response.Body.WriteAsync(body, 0, body.Length);
    }

    public static Task Send(HttpContext ctx, int status, Action<Utf8JsonWriter> body) => Send(ctx, status, Build(body));

    public static Task V3Error(HttpContext ctx, int status, string message) => Send(ctx, status, w =>
    {
        w.WriteStartObject();
        w.WriteBoolean("success", false);
        w.WriteString("message", message);
        w.WriteEndObject();
    });

    public static Task V6Error(HttpContext ctx, int status, string code, string message) => Send(ctx, status, w =>
    {
        w.WriteStartObject();
        w.WriteString("error_code", code);
        w.WriteString("message", message);
        w.WriteEndObject();
    });

    public static Task V3Success(HttpContext ctx) => Send(ctx, 200, w =>
    {
        w.WriteStartObject();
        w.WriteBoolean("success", true);
        w.WriteString("message", "Success");
        w.WriteEndObject();
    });

    public static void StringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value == null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    public static void NumberOrNull(Utf8JsonWriter w, string name, long? value)
    {
        if (value.HasValue)
        {
            w.WriteNumber(name, value.Value);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    public static void StringArray(Utf8JsonWriter w, string name, string[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    public static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The full modern v3 device record (fixture device_search_hostname.json), in that order.</summary>
    public static void WriteDevice(Utf8JsonWriter w, Device d)
    {
        w.WriteStartObject();
        w.WriteNumber("adGroupId", 0);
        w.WriteBoolean("policyOverride", d.PolicyOverride);
        StringOrNull(w, "currentSensorPolicyName", d.CurrentSensorPolicyName);
        w.WriteNull("deviceMetaDataItemList");
        StringOrNull(w, "vulnSeverity", d.VulnSeverity);
        w.WriteNumber("vulnScore", d.VulnScore);
        NumberOrNull(w, "lastDevicePolicyRequestedTime", d.LastDevicePolicyRequestedTime);
        NumberOrNull(w, "lastDevicePolicyChangedTime", d.LastDevicePolicyChangedTime);
        NumberOrNull(w, "lastPolicyUpdatedTime", d.LastPolicyUpdatedTime);
        StringOrNull(w, "loginUserName", d.LoginUserName);
        w.WriteString("deploymentType", "ENDPOINT");
        w.WriteNull("subDeploymentType");
        w.WriteNull("vmName");
        w.WriteNull("vmIp");
        w.WriteNull("vmUuid");
        w.WriteNull("vmMoId");
        w.WriteNull("dataCenterName");
        w.WriteNull("dataCenterMoId");
        w.WriteNull("vcenterName");
        w.WriteNull("vcenterUuid");
        w.WriteNull("vcenterMoId");
        w.WriteNull("esxHostName");
        w.WriteNull("esxHostUuid");
        w.WriteNull("esxHostMoId");
        w.WriteNull("clusterName");
        w.WriteNull("clusterMoId");
        w.WriteNull("applianceUuid");
        w.WriteNull("applianceName");
        w.WriteNull("cleanupRequestTime");
        w.WriteNull("messages");
        w.WriteNull("assignedToName");
        StringOrNull(w, "deviceGuid", d.DeviceGuid);
        w.WriteString("email", d.Email);
        w.WriteNull("assignedToId");
        StringOrNull(w, "lastName", d.LastName);
        StringOrNull(w, "firstName", d.FirstName);
        w.WriteNull("middleName");
        w.WriteString("deviceType", d.DeviceType);
        w.WriteNumber("deviceOwnerId", d.DeviceOwnerId);
        NumberOrNull(w, "deviceSessionId", d.DeviceSessionId);
        w.WriteNull("activationCode");
        w.WriteNumber("deviceId", d.DeviceId);
        w.WriteNumber("organizationId", Seeder.OrganizationId);
        w.WriteNumber("lastReportedTime", d.LastReportedTime);
        w.WriteNull("uninstallCode");
        w.WriteNull("createTime");
        w.WriteString("targetPriorityType", d.TargetPriorityType);
        w.WriteString("organizationName", Seeder.OrganizationName);
        w.WriteString("sensorVersion", d.SensorVersion);
        w.WriteNumber("activationCodeExpiryTime", d.ActivationCodeExpiryTime);
        w.WriteNull("sensorKitType");
        w.WriteString("osVersion", d.OsVersion);
        w.WriteNumber("registeredTime", d.RegisteredTime);
        w.WriteNumber("lastContact", d.LastContact);
        StringOrNull(w, "windowsPlatform", d.WindowsPlatform);
        w.WriteNull("vdiBaseDevice");
        StringArray(w, "avStatus", d.AvStatus);
        NumberOrNull(w, "deregisteredTime", d.DeregisteredTime);
        StringArray(w, "sensorStates", d.SensorStates);
        w.WriteBoolean("rootedBySensor", false);
        w.WriteNull("rootedBySensorTime");
        w.WriteBoolean("quarantined", d.Quarantined);
        StringOrNull(w, "lastInternalIpAddress", d.InternalIp);
        w.WriteString("macAddress", d.MacAddress);
        StringOrNull(w, "lastExternalIpAddress", d.ExternalIp);
        w.WriteString("lastLocation", d.LastLocation);
        w.WriteBoolean("sensorOutOfDate", d.SensorOutOfDate);
        w.WriteNull("avUpdateServers");
        w.WriteBoolean("passiveMode", d.PassiveMode);
        w.WriteNumber("lastResetTime", 0);
        w.WriteNumber("lastShutdownTime", 0);
        StringOrNull(w, "scanStatus", d.ScanStatus);
        w.WriteNumber("scanLastActionTime", d.ScanLastActionTime);
        w.WriteNumber("scanLastCompleteTime", d.ScanLastCompleteTime);
        StringOrNull(w, "linuxKernelVersion", d.LinuxKernelVersion);
        w.WriteString("avEngine", d.AvEngine);
        StringOrNull(w, "avProductVersion", d.AvProductVersion);
        StringOrNull(w, "avAveVersion", d.AvAveVersion);
        StringOrNull(w, "avPackVersion", d.AvPackVersion);
        StringOrNull(w, "avVdfVersion", d.AvVdfVersion);
        w.WriteNumber("avLastScanTime", d.AvLastScanTime);
        w.WriteBoolean("virtualMachine", d.VirtualMachine);
        w.WriteString("virtualizationProvider", d.VirtualizationProvider);
        w.WriteBoolean("sensorPendingUpdate", d.SensorPendingUpdate);
        w.WriteBoolean("rootedByAnalytics", false);
        w.WriteNull("rootedByAnalyticsTime");
        w.WriteBoolean("avMaster", false);
        w.WriteNumber("firstVirusActivityTime", 0);
        w.WriteNumber("lastVirusActivityTime", 0);
        w.WriteNumber("testId", -1);
        NumberOrNull(w, "uninstalledTime", d.UninstalledTime);
        w.WriteNull("encodedActivationCode");
        w.WriteNull("originEventHash");
        w.WriteString("name", d.Name);
        w.WriteString("status", d.Status);
        w.WriteNumber("policyId", d.PolicyId);
        w.WriteString("policyName", d.PolicyName);
        w.WriteEndObject();
    }

    /// <summary>An ISO-8601 UTC time with milliseconds and Z, written without allocating.</summary>
    public static void IsoTime(Utf8JsonWriter w, string name, long ms)
    {
        Span<char> buf = stackalloc char[32];
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.TryFormat(buf, out int n, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        w.WriteString(name, buf[..n]);
    }

    /// <summary>A v3 time (epoch ms; 0 or null means never) as a v6 ISO time or null.</summary>
    public static void IsoOrNull(Utf8JsonWriter w, string name, long? ms)
    {
        if (ms is long v && v != 0)
        {
            IsoTime(w, name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    /// <summary>The v6 device object (fixtures/device_v6_get.json: the same fields, in that order), derived from the
    /// same <see cref="Device"/> the v3 routes write. Fields v3 writes as constants keep those values.</summary>
    public static void WriteDeviceV6(Utf8JsonWriter w, Device d)
    {
        w.WriteStartObject();
        w.WriteNull("activation_code");
        IsoTime(w, "activation_code_expiry_time", d.ActivationCodeExpiryTime);
        w.WriteNumber("ad_group_id", 0);
        w.WriteNull("appliance_name");
        w.WriteNull("appliance_uuid");
        w.WriteStartArray("asset_group");
        w.WriteEndArray();
        StringOrNull(w, "av_ave_version", d.AvAveVersion);
        w.WriteString("av_engine", d.AvEngine);
        IsoOrNull(w, "av_last_scan_time", d.AvLastScanTime);
        w.WriteBoolean("av_master", false);
        StringOrNull(w, "av_pack_version", d.AvPackVersion);
        StringOrNull(w, "av_product_version", d.AvProductVersion);
        StringArray(w, "av_status", d.AvStatus);
        w.WriteNull("av_update_servers");
        StringOrNull(w, "av_vdf_version", d.AvVdfVersion);
        w.WriteNull("cluster_name");
        StringOrNull(w, "current_sensor_policy_name", d.CurrentSensorPolicyName);
        w.WriteNull("datacenter_name");
        w.WriteString("deployment_type", DeviceSearch.DeploymentType);
        IsoOrNull(w, "deregistered_time", d.DeregisteredTime);
        w.WriteStartArray("device_meta_data_item_list");
        w.WriteEndArray();
        w.WriteNumber("device_owner_id", d.DeviceOwnerId);
        w.WriteString("email", d.Email);
        w.WriteNull("esx_host_name");
        w.WriteNull("esx_host_uuid");
        StringOrNull(w, "first_name", d.FirstName);
        w.WriteNumber("id", d.DeviceId);
        IsoTime(w, "last_contact_time", d.LastContact);
        IsoOrNull(w, "last_device_policy_changed_time", d.LastDevicePolicyChangedTime);
        IsoOrNull(w, "last_device_policy_requested_time", d.LastDevicePolicyRequestedTime);
        StringOrNull(w, "last_external_ip_address", d.ExternalIp);
        StringOrNull(w, "last_internal_ip_address", d.InternalIp);
        w.WriteString("last_location", d.LastLocation);
        StringOrNull(w, "last_name", d.LastName);
        IsoOrNull(w, "last_policy_updated_time", d.LastPolicyUpdatedTime);
        IsoTime(w, "last_reported_time", d.LastReportedTime);
        w.WriteNull("last_reset_time");
        w.WriteNull("last_shutdown_time");
        StringOrNull(w, "linux_kernel_version", d.LinuxKernelVersion);
        StringOrNull(w, "login_user_name", d.LoginUserName);
        w.WriteString("mac_address", d.MacAddress);
        w.WriteNull("middle_name");
        w.WriteString("name", d.Name);
        w.WriteNumber("organization_id", Seeder.OrganizationId);
        w.WriteString("organization_name", Seeder.OrganizationName);
        w.WriteString("os", d.DeviceType);
        w.WriteString("os_version", d.OsVersion);
        w.WriteBoolean("passive_mode", d.PassiveMode);
        w.WriteNumber("policy_id", d.PolicyId);
        w.WriteString("policy_name", d.PolicyName);
        w.WriteBoolean("policy_override", d.PolicyOverride);
        w.WriteBoolean("quarantined", d.Quarantined);
        IsoTime(w, "registered_time", d.RegisteredTime);
        IsoOrNull(w, "scan_last_action_time", d.ScanLastActionTime);
        IsoOrNull(w, "scan_last_complete_time", d.ScanLastCompleteTime);
        StringOrNull(w, "scan_status", d.ScanStatus);
        w.WriteString("sensor_kit_type", DeviceSearch.SensorKitType(d));
        w.WriteBoolean("sensor_out_of_date", d.SensorOutOfDate);
        w.WriteBoolean("sensor_pending_update", d.SensorPendingUpdate);
        StringArray(w, "sensor_states", d.SensorStates);
        w.WriteString("sensor_version", d.SensorVersion);
        w.WriteString("status", d.Status);
        w.WriteString("target_priority", d.TargetPriorityType);
        w.WriteNull("uninstall_code");
        w.WriteNull("vcenter_name");
        w.WriteNull("vcenter_uuid");
        w.WriteNull("vdi_base_device");
        w.WriteBoolean("virtual_machine", d.VirtualMachine);
        w.WriteString("virtualization_provider", d.VirtualizationProvider);
        w.WriteNull("vm_ip");
        w.WriteNull("vm_name");
        w.WriteNull("vm_uuid");
        w.WriteNumber("vuln_score", d.VulnScore);
        StringOrNull(w, "vuln_severity", d.VulnSeverity);
        StringOrNull(w, "windows_platform", d.WindowsPlatform);
        w.WriteEndObject();
    }

    private static void WriteApp(Utf8JsonWriter w, string name, AppInfo? a)
    {
        if (a == null)
        {
            w.WriteNull(name);
            return;
        }
        w.WriteStartObject(name);
        w.WriteString("applicationName", a.Name);
        w.WriteString("sha256Hash", a.Sha256);
        w.WriteString("reputationProperty", a.Reputation);
        w.WriteNull("virusSubCategory");
        StringOrNull(w, "md5Hash", a.Md5);
        StringOrNull(w, "applicationPath", a.Path);
        StringOrNull(w, "virusName", a.VirusName);
        StringOrNull(w, "virusCategory", a.VirusCategory);
        w.WriteString("effectiveReputationSource", a.ReputationSource);
        w.WriteString("effectiveReputation", a.Reputation);
        w.WriteEndObject();
    }

    /// <summary>An event record shaped like fixtures/event_get.json.</summary>
    public static void WriteEvent(Utf8JsonWriter w, EventRec e)
    {
        w.WriteStartObject();
        w.WriteString("shortDescription", e.ShortDescription);
        w.WriteString("longDescription", e.LongDescription);
        w.WriteNumber("eventTime", e.EventTime);
        w.WriteString("eventId", e.EventId);
        w.WriteNumber("createTime", e.CreateTime);
        StringArray(w, "threatIndicators", e.ThreatIndicators);
        w.WriteNull("registryValue");
        w.WriteNull("securityEventCode");
        w.WriteStartObject("deviceDetails");
        StringOrNull(w, "deviceIpAddress", e.DeviceIp);
        w.WriteString("agentLocation", e.AgentLocation);
        w.WriteNull("deviceLocation");
        StringOrNull(w, "deviceIpV4Address", e.DeviceIp);
        w.WriteString("deviceType", e.DeviceType);
        w.WriteString("email", e.Email);
        w.WriteNumber("policyId", e.PolicyId);
        w.WriteNumber("deviceId", e.DeviceId);
        w.WriteString("deviceName", e.DeviceName);
        w.WriteNull("deviceHostName");
        w.WriteString("deviceVersion", e.DeviceVersion);
        w.WriteString("targetPriorityType", e.TargetPriorityType);
        w.WriteNumber("targetPriorityCode", Lists.PriorityCode(e.TargetPriorityType));
        w.WriteNull("loginUserName");
        w.WriteNull("deviceOwnerName");
        w.WriteNull("msmGroupId");
        w.WriteNull("msmGroupName");
        w.WriteString("policyName", e.PolicyName);
        w.WriteEndObject();
        w.WriteStartObject("netFlow");
        StringOrNull(w, "destAddress", e.DestAddress);
        StringOrNull(w, "peerFqdn", e.PeerFqdn);
        w.WriteNull("peerLocation");
        w.WriteNull("peerSiteReputation");
        StringOrNull(w, "peerIpAddress", e.DestAddress);
        StringOrNull(w, "sourceAddress", e.SourceAddress);
        NumberOrNull(w, "sourcePort", e.SourcePort);
        NumberOrNull(w, "destPort", e.DestPort);
        StringOrNull(w, "peerIpV4Address", e.DestAddress);
        StringOrNull(w, "service", e.Service);
        w.WriteEndObject();
        w.WriteStartObject("processDetails");
        w.WriteString("userName", e.UserName);
        w.WriteString("parentName", e.ParentName);
        w.WriteString("privatePid", e.PrivatePid);
        StringOrNull(w, "targetPrivatePid", e.TargetPrivatePid);
        w.WriteString("commandLine", e.CommandLine);
        w.WriteNumber("milisSinceProcessStart", 0);
        w.WriteNumber("processId", e.ProcessId);
        w.WriteNumber("parentPid", e.ParentPid);
        StringOrNull(w, "targetCommandLine", e.TargetCommandLine);
        NumberOrNull(w, "targetPid", e.TargetPid);
        w.WriteNull("parentCommandLine");
        w.WriteNull("interpreterName");
        w.WriteNull("interpreterHash");
        w.WriteString("parentPrivatePid", e.ParentPrivatePid);
        w.WriteString("fullUserName", e.FullUserName);
        StringOrNull(w, "targetName", e.TargetName);
        w.WriteString("name", e.ProcessName);
        w.WriteEndObject();
        w.WriteString("eventType", e.EventType);
        WriteApp(w, "parentApp", e.ParentApp);
        WriteApp(w, "selectedApp", e.SelectedApp);
        WriteApp(w, "targetApp", e.TargetApp);
        w.WriteString("attackStage", e.AttackStage);
        w.WriteNumber("alertScore", e.AlertScore);
        w.WriteString("alertCategory", e.AlertCategory);
        StringOrNull(w, "incidentId", e.IncidentId);
        w.WriteEndObject();
    }

    /// <summary>The policyInfo object (fixture policy_get.json order).</summary>
    public static void WritePolicy(Utf8JsonWriter w, Policy p)
    {
        w.WriteStartObject();
        w.WriteString("priorityLevel", p.PriorityLevel);
        w.WriteNumber("latestRevision", p.LatestRevision);
        w.WriteNumber("id", p.Id);
        w.WriteBoolean("systemPolicy", p.SystemPolicy);
        w.WriteNumber("version", p.Version);
        w.WritePropertyName("policy");
        p.Body.WriteTo(w);
        w.WriteString("name", p.Name);
        w.WriteString("description", p.Description);
        w.WriteEndObject();
    }

    /// <summary>A v6 alert shaped like fixtures/alert_v6_get.json.</summary>
    public static void WriteAlert(Utf8JsonWriter w, Alert a, string orgKey)
    {
        w.WriteStartObject();
        w.WriteString("type", a.Type);
        w.WriteString("id", a.Id);
        w.WriteString("legacy_alert_id", a.LegacyAlertId);
        w.WriteString("org_key", orgKey);
        w.WriteString("create_time", Iso(a.CreateTime));
        w.WriteString("last_update_time", Iso(a.LastUpdateTime));
        w.WriteString("first_event_time", Iso(a.FirstEventTime));
        w.WriteString("last_event_time", Iso(a.LastEventTime));
        w.WriteString("threat_id", a.ThreatId);
        w.WriteNumber("severity", a.Severity);
        w.WriteString("category", a.Category);
        w.WriteNumber("device_id", a.DeviceId);
        w.WriteString("device_os", a.DeviceOs);
        w.WriteString("device_os_version", a.DeviceOsVersion);
        w.WriteString("device_name", a.DeviceName);
        w.WriteString("device_username", a.DeviceUsername);
        w.WriteNumber("policy_id", a.PolicyId);
        w.WriteString("policy_name", a.PolicyName);
        w.WriteString("target_value", a.TargetValue);
        w.WriteStartObject("workflow");
        w.WriteString("state", a.WorkflowState);
        StringOrNull(w, "remediation", a.WorkflowRemediation);
        w.WriteString("last_update_time", Iso(a.WorkflowLastUpdateTime));
        StringOrNull(w, "comment", a.WorkflowComment);
        w.WriteString("changed_by", a.V6ChangedBy);
        w.WriteEndObject();
        w.WriteBoolean("notes_present", a.NotesPresent);
        w.WriteNull("tags");
        w.WriteString("reason", a.Reason);
        w.WriteString("reason_code", a.ReasonCode);
        w.WriteString("process_name", a.ProcessName);
        w.WriteString("device_location", a.DeviceLocation);
        w.WriteString("created_by_event_id", a.CreatedByEventId);
        w.WriteStartArray("threat_indicators");
        w.WriteStartObject();
        w.WriteString("process_name", a.ProcessName);
        w.WriteString("sha256", a.Sha256);
        StringArray(w, "ttps", a.Ttps);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("threat_activity_dlp", "NOT_ATTEMPTED");
        w.WriteString("threat_activity_phish", "NOT_ATTEMPTED");
        w.WriteString("threat_activity_c2", a.ReasonCode == "R_C2" ? "ATTEMPTED" : "NOT_ATTEMPTED");
        w.WriteString("threat_cause_actor_sha256", a.Sha256);
        w.WriteString("threat_cause_actor_name", a.ProcessName);
        w.WriteString("threat_cause_actor_process_pid", "868-132563418721238249-0");
        w.WriteString("threat_cause_process_guid", orgKey + "-" + a.DeviceId.ToString("x8", CultureInfo.InvariantCulture) + "-00000364-00000000-1d6f5ba1b173ce9");
        w.WriteNull("threat_cause_parent_guid");
        w.WriteString("threat_cause_reputation", a.Reputation);
        w.WriteString("threat_cause_threat_category", a.ThreatCategory);
        w.WriteString("threat_cause_vector", "UNKNOWN");
        w.WriteString("threat_cause_cause_event_id", a.CreatedByEventId);
        w.WriteString("blocked_threat_category", a.PolicyApplied == "APPLIED" ? a.ThreatCategory : "UNKNOWN");
        w.WriteString("not_blocked_threat_category", a.PolicyApplied == "APPLIED" ? "UNKNOWN" : a.ThreatCategory);
        StringArray(w, "kill_chain_status", a.KillChain);
        StringOrNull(w, "sensor_action", a.SensorAction);
        w.WriteString("run_state", a.RunState);
        w.WriteString("policy_applied", a.PolicyApplied);
        w.WriteEndObject();
    }

    public static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
