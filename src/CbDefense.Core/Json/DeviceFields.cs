using System;
using System.Collections.Generic;
using Newtonsoft.Json;

namespace CbDefense.Json
{
    /// <summary>
    /// Which wire field of each API generation fills which <see cref="Device"/> property (docs/field-mapping.md shows the
    /// same table). A setter reads the scalar or list at the reader's position and returns false, without consuming it,
    /// when the value has an unexpected type (the reader then keeps it in AdditionalProperties).
    /// </summary>
    internal static class DeviceFields
    {
        internal delegate bool Setter(JsonReader r, Device d, string name);

        private sealed class Field
        {
            public Field(string? v3, string? v6, Setter set) { V3 = v3; V6 = v6; Set = set; }
            public string? V3 { get; }
            public string? V6 { get; }
            public Setter Set { get; }
        }

        private static Setter Long(Action<Device, long?> set) => (r, d, n) => { if (!DeviceJsonReader.TryLong(r, out var v)) return false; set(d, v); return true; };
        private static Setter Int(Action<Device, int?> set) =>
            (r, d, n) => { if (!DeviceJsonReader.TryLong(r, out var v) || (v != null && (v < int.MinValue || v > int.MaxValue))) return false; set(d, (int?)v); return true; };
        private static Setter Text(Action<Device, string?> set) => (r, d, n) => { if (!DeviceJsonReader.TryString(r, out var v)) return false; set(d, v); return true; };
        private static Setter Flag(Action<Device, bool?> set) => (r, d, n) => { if (!DeviceJsonReader.TryBool(r, out var v)) return false; set(d, v); return true; };
        // Epoch milliseconds (v3) and ISO-8601 strings (v6) are both read, whichever the server sends.
        private static Setter Time(Action<Device, DateTime?> set) => (r, d, n) => { if (!DeviceJsonReader.TryEpoch(r, out var v)) return false; set(d, v); return true; };
        private static Setter Strings(Action<Device, ValueList<string>?> set) => (r, d, n) =>
        {
            var v = DeviceJsonReader.ReadStringArray(r, out bool ok);
            if (ok) set(d, (string[]?)v);
            else d.AdditionalProperties[n] = v;
            return true;
        };

        private static readonly Field[] All =
        {
            new Field("deviceId", "id", Long((d, v) => d.DeviceId = v ?? 0)),
            new Field("deviceSessionId", null, Long((d, v) => d.DeviceSessionId = v)),
            new Field("deviceOwnerId", "device_owner_id", Long((d, v) => d.DeviceOwnerId = v)),
            new Field("organizationId", "organization_id", Long((d, v) => d.OrganizationId = v)),
            new Field("assignedToId", null, Long((d, v) => d.AssignedToId = v)),
            new Field("policyId", "policy_id", Long((d, v) => d.PolicyId = v)),
            new Field("vdiBaseDevice", "vdi_base_device", Long((d, v) => d.VdiBaseDevice = v)),
            new Field("testId", null, Int((d, v) => d.TestId = v)),
            new Field("adGroupId", "ad_group_id", Long((d, v) => d.AdGroupId = v)),

            new Field("deviceGuid", null, Text((d, v) => d.DeviceGuid = v)),
            new Field("email", "email", Text((d, v) => d.Email = v)),
            new Field("assignedToName", null, Text((d, v) => d.AssignedToName = v)),
            new Field("firstName", "first_name", Text((d, v) => d.FirstName = v)),
            new Field("lastName", "last_name", Text((d, v) => d.LastName = v)),
            new Field("middleName", "middle_name", Text((d, v) => d.MiddleName = v)),
            new Field("name", "name", Text((d, v) => d.Name = v)),
            new Field("osVersion", "os_version", Text((d, v) => d.OsVersion = v)),
            new Field("activationCode", "activation_code", Text((d, v) => d.ActivationCode = v)),
            new Field("organizationName", "organization_name", Text((d, v) => d.OrganizationName = v)),
            new Field("policyName", "policy_name", Text((d, v) => d.PolicyName = v)),
            new Field("sensorVersion", "sensor_version", Text((d, v) => d.SensorVersion = v)),
            new Field("lastInternalIpAddress", "last_internal_ip_address", Text((d, v) => d.LastInternalIpAddress = v)),
            new Field("lastExternalIpAddress", "last_external_ip_address", Text((d, v) => d.LastExternalIpAddress = v)),
            new Field("scanStatus", "scan_status", Text((d, v) => d.ScanStatus = v)),
            new Field("linuxKernelVersion", "linux_kernel_version", Text((d, v) => d.LinuxKernelVersion = v)),
            new Field("avEngine", "av_engine", Text((d, v) => d.AvEngine = v)),
            new Field("deviceType", "os", Text((d, v) => d.DeviceType = v)),
            new Field("targetPriorityType", "target_priority", Text((d, v) => d.TargetPriorityType = v)),
            new Field(null, "target_priority_type", Text((d, v) => d.TargetPriorityType = v ?? d.TargetPriorityType)),
            new Field("windowsPlatform", "windows_platform", Text((d, v) => d.WindowsPlatform = v)),
            new Field("lastLocation", "last_location", Text((d, v) => d.LastLocation = v)),
            new Field("status", "status", Text((d, v) => d.Status = v)),
            new Field("loginUserName", "login_user_name", Text((d, v) => d.LoginUserName = v)),
            new Field("macAddress", "mac_address", Text((d, v) => d.MacAddress = v)),
            new Field("sensorKitType", "sensor_kit_type", Text((d, v) => d.SensorKitType = v)),
            new Field("deploymentType", "deployment_type", Text((d, v) => d.DeploymentType = v)),
            new Field("virtualizationProvider", "virtualization_provider", Text((d, v) => d.VirtualizationProvider = v)),
            new Field("currentSensorPolicyName", "current_sensor_policy_name", Text((d, v) => d.CurrentSensorPolicyName = v)),

            new Field("quarantined", "quarantined", Flag((d, v) => d.Quarantined = v)),
            new Field("rootedBySensor", null, Flag((d, v) => d.RootedBySensor = v)),
            new Field("rootedByAnalytics", null, Flag((d, v) => d.RootedByAnalytics = v)),
            new Field("passiveMode", "passive_mode", Flag((d, v) => d.PassiveMode = v)),
            new Field("avMaster", "av_master", Flag((d, v) => d.AvMaster = v)),
            new Field("sensorOutOfDate", "sensor_out_of_date", Flag((d, v) => d.SensorOutOfDate = v)),
            new Field("sensorPendingUpdate", "sensor_pending_update", Flag((d, v) => d.SensorPendingUpdate = v)),
            new Field("virtualMachine", "virtual_machine", Flag((d, v) => d.VirtualMachine = v)),
            new Field("policyOverride", "policy_override", Flag((d, v) => d.PolicyOverride = v)),

            new Field("avStatus", "av_status", Strings((d, v) => d.AvStatus = v)),
            new Field("sensorStates", "sensor_states", Strings((d, v) => d.SensorStates = v)),
            new Field("avUpdateServers", "av_update_servers", Strings((d, v) => d.AvUpdateServers = v)),
            new Field("messages", null, (r, d, n) =>
            {
                var v = DeviceJsonReader.ReadMessages(r, out bool ok);
                if (ok) d.Messages = (DeviceMessage[]?)v;
                else d.AdditionalProperties[n] = v;
                return true;
            }),

            new Field("createTime", null, Time((d, v) => d.CreateTimeUtc = v)),
            new Field("registeredTime", "registered_time", Time((d, v) => d.RegisteredTimeUtc = v)),
            new Field("lastContact", "last_contact_time", Time((d, v) => d.LastContactUtc = v)),
            new Field("lastReportedTime", "last_reported_time", Time((d, v) => d.LastReportedTimeUtc = v)),
            new Field("deregisteredTime", "deregistered_time", Time((d, v) => d.DeregisteredTimeUtc = v)),
            new Field("uninstalledTime", null, Time((d, v) => d.UninstalledTimeUtc = v)),
            new Field("activationCodeExpiryTime", "activation_code_expiry_time", Time((d, v) => d.ActivationCodeExpiryTimeUtc = v)),
            new Field("firstVirusActivityTime", null, Time((d, v) => d.FirstVirusActivityTimeUtc = v)),
            new Field("lastVirusActivityTime", null, Time((d, v) => d.LastVirusActivityTimeUtc = v)),
            new Field("rootedBySensorTime", null, Time((d, v) => d.RootedBySensorTimeUtc = v)),
            new Field("rootedByAnalyticsTime", null, Time((d, v) => d.RootedByAnalyticsTimeUtc = v)),
            new Field("lastResetTime", "last_reset_time", Time((d, v) => d.LastResetTimeUtc = v)),
            new Field("lastShutdownTime", "last_shutdown_time", Time((d, v) => d.LastShutdownTimeUtc = v)),
            new Field("scanLastActionTime", "scan_last_action_time", Time((d, v) => d.ScanLastActionTimeUtc = v)),
            new Field("scanLastCompleteTime", "scan_last_complete_time", Time((d, v) => d.ScanLastCompleteTimeUtc = v)),
            new Field("avLastScanTime", "av_last_scan_time", Time((d, v) => d.AvLastScanTimeUtc = v)),
        };

        /// <summary>v3 field name → setter.</summary>
        public static readonly IReadOnlyDictionary<string, Setter> V3 = Build(f => f.V3);
        /// <summary>devices v6 field name → setter.</summary>
        public static readonly IReadOnlyDictionary<string, Setter> V6 = Build(f => f.V6);

        /// <summary>The v3 and v6 wire names of every mapped field (for the docs and filters).</summary>
        public static IEnumerable<(string? V3, string? V6)> Names()
        {
            foreach (var f in All) yield return (f.V3, f.V6);
        }

        private static Dictionary<string, Setter> Build(Func<Field, string?> name)
        {
            var d = new Dictionary<string, Setter>(StringComparer.Ordinal);
            foreach (var f in All)
            {
                var n = name(f);
                if (n != null) d[n] = f.Set;
            }
            return d;
        }
    }
}
