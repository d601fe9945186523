using System;
using System.Collections.Generic;

namespace CbDefense.Json
{
    /// <summary>
    /// Which wire field of each API generation fills which <see cref="Device"/> property (docs/field-mapping.md shows the
    /// same table). <see cref="DeviceJsonReader"/> reads each field's value by its kind; a value of an unexpected type is
    /// kept in AdditionalProperties instead.
    /// </summary>
    internal static class DeviceFields
    {
        /// <summary>The type of value a field holds, which decides how its wire value is read.</summary>
        internal enum Kind : byte { Long, Int, Text, Flag, Time, Strings, Messages }

        /// <summary>
        /// One mapped field: its wire names and a typed setter. The reader reads the value by <see cref="Kind"/> and calls
        /// the setter of that type (one switch and one call per field, no wrapper closures).
        /// </summary>
        internal sealed class Field
        {
            private Field(string? v3, string? v6, Kind kind) { V3 = v3; V6 = v6; Kind = kind; }
            public string? V3 { get; }
            public string? V6 { get; }
            public Kind Kind { get; }
            // The one setter of the field's kind (the others stay null).
            public Action<Device, long?>? SetLong { get; private set; }
            public Action<Device, int?>? SetInt { get; private set; }
            public Action<Device, string?>? SetText { get; private set; }
            public Action<Device, bool?>? SetFlag { get; private set; }
            public Action<Device, DateTime?>? SetTime { get; private set; }
            public Action<Device, ValueList<string>?>? SetStrings { get; private set; }
            public Action<Device, ValueList<DeviceMessage>?>? SetMessages { get; private set; }

            public static Field Long(string? v3, string? v6, Action<Device, long?> set) => new Field(v3, v6, Kind.Long) { SetLong = set };
            public static Field Int(string? v3, string? v6, Action<Device, int?> set) => new Field(v3, v6, Kind.Int) { SetInt = set };
            public static Field Text(string? v3, string? v6, Action<Device, string?> set) => new Field(v3, v6, Kind.Text) { SetText = set };
            public static Field Flag(string? v3, string? v6, Action<Device, bool?> set) => new Field(v3, v6, Kind.Flag) { SetFlag = set };
            // Epoch milliseconds (v3) and ISO-8601 strings (v6) are both read, whichever the server sends.
            public static Field Time(string? v3, string? v6, Action<Device, DateTime?> set) => new Field(v3, v6, Kind.Time) { SetTime = set };
            public static Field Strings(string? v3, string? v6, Action<Device, ValueList<string>?> set) => new Field(v3, v6, Kind.Strings) { SetStrings = set };
            public static Field Messages(string? v3, string? v6, Action<Device, ValueList<DeviceMessage>?> set) => new Field(v3, v6, Kind.Messages) { SetMessages = set };
        }

        private static readonly Field[] All =
        {
            Field.Long("deviceId", "id", (d, v) => d.DeviceId = v ?? 0),
            Field.Long("deviceSessionId", null, (d, v) => d.DeviceSessionId = v),
            Field.Long("deviceOwnerId", "device_owner_id", (d, v) => d.DeviceOwnerId = v),
            Field.Long("organizationId", "organization_id", (d, v) => d.OrganizationId = v),
            Field.Long("assignedToId", null, (d, v) => d.AssignedToId = v),
            Field.Long("policyId", "policy_id", (d, v) => d.PolicyId = v),
            Field.Long("vdiBaseDevice", "vdi_base_device", (d, v) => d.VdiBaseDevice = v),
            Field.Int("testId", null, (d, v) => d.TestId = v),
            Field.Long("adGroupId", "ad_group_id", (d, v) => d.AdGroupId = v),

            Field.Text("deviceGuid", null, (d, v) => d.DeviceGuid = v),
            Field.Text("email", "email", (d, v) => d.Email = v),
            Field.Text("assignedToName", null, (d, v) => d.AssignedToName = v),
            Field.Text("firstName", "first_name", (d, v) => d.FirstName = v),
            Field.Text("lastName", "last_name", (d, v) => d.LastName = v),
            Field.Text("middleName", "middle_name", (d, v) => d.MiddleName = v),
            Field.Text("name", "name", (d, v) => d.Name = v),
            Field.Text("osVersion", "os_version", (d, v) => d.OsVersion = v),
            Field.Text("activationCode", "activation_code", (d, v) => d.ActivationCode = v),
            Field.Text("organizationName", "organization_name", (d, v) => d.OrganizationName = v),
            Field.Text("policyName", "policy_name", (d, v) => d.PolicyName = v),
            Field.Text("sensorVersion", "sensor_version", (d, v) => d.SensorVersion = v),
            Field.Text("lastInternalIpAddress", "last_internal_ip_address", (d, v) => d.LastInternalIpAddress = v),
            Field.Text("lastExternalIpAddress", "last_external_ip_address", (d, v) => d.LastExternalIpAddress = v),
            Field.Text("scanStatus", "scan_status", (d, v) => d.ScanStatus = v),
            Field.Text("linuxKernelVersion", "linux_kernel_version", (d, v) => d.LinuxKernelVersion = v),
            Field.Text("avEngine", "av_engine", (d, v) => d.AvEngine = v),
            Field.Text("deviceType", "os", (d, v) => d.DeviceType = v),
            Field.Text("targetPriorityType", "target_priority", (d, v) => d.TargetPriorityType = v),
            Field.Text(null, "target_priority_type", (d, v) => d.TargetPriorityType = v ?? d.TargetPriorityType),
            Field.Text("windowsPlatform", "windows_platform", (d, v) => d.WindowsPlatform = v),
            Field.Text("lastLocation", "last_location", (d, v) => d.LastLocation = v),
            Field.Text("status", "status", (d, v) => d.Status = v),
            Field.Text("loginUserName", "login_user_name", (d, v) => d.LoginUserName = v),
            Field.Text("macAddress", "mac_address", (d, v) => d.MacAddress = v),
            Field.Text("sensorKitType", "sensor_kit_type", (d, v) => d.SensorKitType = v),
            Field.Text("deploymentType", "deployment_type", (d, v) => d.DeploymentType = v),
            Field.Text("virtualizationProvider", "virtualization_provider", (d, v) => d.VirtualizationProvider = v),
            Field.Text("currentSensorPolicyName", "current_sensor_policy_name", (d, v) => d.CurrentSensorPolicyName = v),

            Field.Flag("quarantined", "quarantined", (d, v) => d.Quarantined = v),
            Field.Flag("rootedBySensor", null, (d, v) => d.RootedBySensor = v),
            Field.Flag("rootedByAnalytics", null, (d, v) => d.RootedByAnalytics = v),
            Field.Flag("passiveMode", "passive_mode", (d, v) => d.PassiveMode = v),
            Field.Flag("avMaster", "av_master", (d, v) => d.AvMaster = v),
            Field.Flag("sensorOutOfDate", "sensor_out_of_date", (d, v) => d.SensorOutOfDate = v),
            Field.Flag("sensorPendingUpdate", "sensor_pending_update", (d, v) => d.SensorPendingUpdate = v),
            Field.Flag("virtualMachine", "virtual_machine", (d, v) => d.VirtualMachine = v),
            Field.Flag("policyOverride", "policy_override", (d, v) => d.PolicyOverride = v),

            Field.Strings("avStatus", "av_status", (d, v) => d.AvStatus = v),
            Field.Strings("sensorStates", "sensor_states", (d, v) => d.SensorStates = v),
            Field.Strings("avUpdateServers", "av_update_servers", (d, v) => d.AvUpdateServers = v),
            Field.Messages("messages", null, (d, v) => d.Messages = v),

            Field.Time("createTime", null, (d, v) => d.CreateTimeUtc = v),
            Field.Time("registeredTime", "registered_time", (d, v) => d.RegisteredTimeUtc = v),
            Field.Time("lastContact", "last_contact_time", (d, v) => d.LastContactUtc = v),
            Field.Time("lastReportedTime", "last_reported_time", (d, v) => d.LastReportedTimeUtc = v),
            Field.Time("deregisteredTime", "deregistered_time", (d, v) => d.DeregisteredTimeUtc = v),
            Field.Time("uninstalledTime", null, (d, v) => d.UninstalledTimeUtc = v),
            Field.Time("activationCodeExpiryTime", "activation_code_expiry_time", (d, v) => d.ActivationCodeExpiryTimeUtc = v),
            Field.Time("firstVirusActivityTime", null, (d, v) => d.FirstVirusActivityTimeUtc = v),
            Field.Time("lastVirusActivityTime", null, (d, v) => d.LastVirusActivityTimeUtc = v),
            Field.Time("rootedBySensorTime", null, (d, v) => d.RootedBySensorTimeUtc = v),
            Field.Time("rootedByAnalyticsTime", null, (d, v) => d.RootedByAnalyticsTimeUtc = v),
            Field.Time("lastResetTime", "last_reset_time", (d, v) => d.LastResetTimeUtc = v),
            Field.Time("lastShutdownTime", "last_shutdown_time", (d, v) => d.LastShutdownTimeUtc = v),
            Field.Time("scanLastActionTime", "scan_last_action_time", (d, v) => d.ScanLastActionTimeUtc = v),
            Field.Time("scanLastCompleteTime", "scan_last_complete_time", (d, v) => d.ScanLastCompleteTimeUtc = v),
            Field.Time("avLastScanTime", "av_last_scan_time", (d, v) => d.AvLastScanTimeUtc = v),
        };

        /// <summary>v3 field name → field.</summary>
        public static readonly Dictionary<string, Field> V3 = Build(f => f.V3);
        /// <summary>devices v6 field name → field.</summary>
        public static readonly Dictionary<string, Field> V6 = Build(f => f.V6);

        /// <summary>The v3 and v6 wire names of every mapped field (for the docs and filters).</summary>
        public static IEnumerable<(string? V3, string? V6)> Names()
        {
            foreach (var f in All) yield return (f.V3, f.V6);
        }

        private static Dictionary<string, Field> Build(Func<Field, string?> name)
        {
            var d = new Dictionary<string, Field>(StringComparer.Ordinal);
            foreach (var f in All)
            {
                var n = name(f);
                if (n != null) d[n] = f;
            }
            return d;
        }
    }
}
