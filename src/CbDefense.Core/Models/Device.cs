using System;
using System.Collections.Generic;
using Newtonsoft.Json;

namespace CbDefense
{
    /// <summary>A message on a device (v3 <c>messages</c>).</summary>
    public sealed class DeviceMessage
    {
        private DateTime? _time;
        public string? Message { get; set; }
        /// <summary>When the message was posted, local time (<see cref="TimeUtc"/> in UTC).</summary>
        public DateTime? Time { get => ModelTime.ToLocal(_time); set => _time = ModelTime.FromLocal(value); }
        public DateTime? TimeUtc { get => _time; set => _time = ModelTime.FromUtc(value); }
        public override string ToString() => Message ?? "";
    }

    /// <summary>
    /// A device, from either API generation (v3 camelCase fields and devices v6 snake_case fields map onto the same
    /// properties; docs/field-mapping.md has the table). Each time is two properties, like FileInfo's LastWriteTime and
    /// LastWriteTimeUtc: <c>LastContact</c> is local time (compare it with Get-Date), <c>LastContactUtc</c> the same
    /// instant in UTC (the wire value); null (or 0) epoch values stay null. Lists are <see cref="ValueList{T}"/> and
    /// untyped JSON is <see cref="PlainMap"/>/<see cref="PlainList"/>, so every value reads well in tables and CSV files.
    /// </summary>
    public sealed class Device
    {
        public long DeviceId { get; set; }
        public long? DeviceSessionId { get; set; }
        public long? DeviceOwnerId { get; set; }
        public long? OrganizationId { get; set; }
        public long? AssignedToId { get; set; }
        public long? PolicyId { get; set; }
        public long? VdiBaseDevice { get; set; }
        public int? TestId { get; set; }
        public long? AdGroupId { get; set; }

        public string? DeviceGuid { get; set; }
        public string? Email { get; set; }
        public string? AssignedToName { get; set; }
        public string? FirstName { get; set; }
        public string? LastName { get; set; }
        public string? MiddleName { get; set; }
        /// <summary>Host name.</summary>
        public string? Name { get; set; }
        public string? OsVersion { get; set; }
        public string? ActivationCode { get; set; }
        public string? OrganizationName { get; set; }
        public string? PolicyName { get; set; }
        public string? SensorVersion { get; set; }
        public string? LastInternalIpAddress { get; set; }
        public string? LastExternalIpAddress { get; set; }
        public string? ScanStatus { get; set; }
        public string? LinuxKernelVersion { get; set; }
        public string? AvEngine { get; set; }
        /// <summary>The operating system: WINDOWS, MAC, LINUX, ... (v3 deviceType, v6 os).</summary>
        public string? DeviceType { get; set; }
        /// <summary>The same as <see cref="DeviceType"/>, under the current API's name.</summary>
        public string? Os { get => DeviceType; set => DeviceType = value; }
        public string? TargetPriorityType { get; set; }
        public string? WindowsPlatform { get; set; }
        public string? LastLocation { get; set; }
        public string? Status { get; set; }
        public string? LoginUserName { get; set; }
        public string? MacAddress { get; set; }
        /// <summary>The sensor kit: WINDOWS, MAC, UBUNTU, RHEL, ...</summary>
        public string? SensorKitType { get; set; }
        /// <summary>ENDPOINT, WORKLOAD, VDI, AWS, AZURE, GCP.</summary>
        public string? DeploymentType { get; set; }
        public string? VirtualizationProvider { get; set; }
        public string? CurrentSensorPolicyName { get; set; }

        public bool? Quarantined { get; set; }
        public bool? RootedBySensor { get; set; }
        public bool? RootedByAnalytics { get; set; }
        public bool? PassiveMode { get; set; }
        public bool? AvMaster { get; set; }
        public bool? SensorOutOfDate { get; set; }
        public bool? SensorPendingUpdate { get; set; }
        public bool? VirtualMachine { get; set; }
        public bool? PolicyOverride { get; set; }

        public ValueList<string>? AvStatus { get; set; }
        public ValueList<string>? SensorStates { get; set; }
        public ValueList<string>? AvUpdateServers { get; set; }
        public ValueList<DeviceMessage>? Messages { get; set; }

        // Times: Xxx is local time, XxxUtc the same instant in UTC (the wire value); one UTC field backs both (see Values.cs).
        private DateTime? _createTime;
        private DateTime? _registeredTime;
        private DateTime? _lastContact;
        private DateTime? _lastReportedTime;
        private DateTime? _deregisteredTime;
        private DateTime? _uninstalledTime;
        private DateTime? _activationCodeExpiryTime;
        private DateTime? _firstVirusActivityTime;
        private DateTime? _lastVirusActivityTime;
        private DateTime? _rootedBySensorTime;
        private DateTime? _rootedByAnalyticsTime;
        private DateTime? _lastResetTime;
        private DateTime? _lastShutdownTime;
        private DateTime? _scanLastActionTime;
        private DateTime? _scanLastCompleteTime;
        private DateTime? _avLastScanTime;
        public DateTime? CreateTime { get => ModelTime.ToLocal(_createTime); set => _createTime = ModelTime.FromLocal(value); }
        public DateTime? CreateTimeUtc { get => _createTime; set => _createTime = ModelTime.FromUtc(value); }
        public DateTime? RegisteredTime { get => ModelTime.ToLocal(_registeredTime); set => _registeredTime = ModelTime.FromLocal(value); }
        public DateTime? RegisteredTimeUtc { get => _registeredTime; set => _registeredTime = ModelTime.FromUtc(value); }
        public DateTime? LastContact { get => ModelTime.ToLocal(_lastContact); set => _lastContact = ModelTime.FromLocal(value); }
        public DateTime? LastContactUtc { get => _lastContact; set => _lastContact = ModelTime.FromUtc(value); }
        public DateTime? LastReportedTime { get => ModelTime.ToLocal(_lastReportedTime); set => _lastReportedTime = ModelTime.FromLocal(value); }
        public DateTime? LastReportedTimeUtc { get => _lastReportedTime; set => _lastReportedTime = ModelTime.FromUtc(value); }
        public DateTime? DeregisteredTime { get => ModelTime.ToLocal(_deregisteredTime); set => _deregisteredTime = ModelTime.FromLocal(value); }
        public DateTime? DeregisteredTimeUtc { get => _deregisteredTime; set => _deregisteredTime = ModelTime.FromUtc(value); }
        public DateTime? UninstalledTime { get => ModelTime.ToLocal(_uninstalledTime); set => _uninstalledTime = ModelTime.FromLocal(value); }
        public DateTime? UninstalledTimeUtc { get => _uninstalledTime; set => _uninstalledTime = ModelTime.FromUtc(value); }
        public DateTime? ActivationCodeExpiryTime { get => ModelTime.ToLocal(_activationCodeExpiryTime); set => _activationCodeExpiryTime = ModelTime.FromLocal(value); }
        public DateTime? ActivationCodeExpiryTimeUtc { get => _activationCodeExpiryTime; set => _activationCodeExpiryTime = ModelTime.FromUtc(value); }
        public DateTime? FirstVirusActivityTime { get => ModelTime.ToLocal(_firstVirusActivityTime); set => _firstVirusActivityTime = ModelTime.FromLocal(value); }
        public DateTime? FirstVirusActivityTimeUtc { get => _firstVirusActivityTime; set => _firstVirusActivityTime = ModelTime.FromUtc(value); }
        public DateTime? LastVirusActivityTime { get => ModelTime.ToLocal(_lastVirusActivityTime); set => _lastVirusActivityTime = ModelTime.FromLocal(value); }
        public DateTime? LastVirusActivityTimeUtc { get => _lastVirusActivityTime; set => _lastVirusActivityTime = ModelTime.FromUtc(value); }
        public DateTime? RootedBySensorTime { get => ModelTime.ToLocal(_rootedBySensorTime); set => _rootedBySensorTime = ModelTime.FromLocal(value); }
        public DateTime? RootedBySensorTimeUtc { get => _rootedBySensorTime; set => _rootedBySensorTime = ModelTime.FromUtc(value); }
        public DateTime? RootedByAnalyticsTime { get => ModelTime.ToLocal(_rootedByAnalyticsTime); set => _rootedByAnalyticsTime = ModelTime.FromLocal(value); }
        public DateTime? RootedByAnalyticsTimeUtc { get => _rootedByAnalyticsTime; set => _rootedByAnalyticsTime = ModelTime.FromUtc(value); }
        public DateTime? LastResetTime { get => ModelTime.ToLocal(_lastResetTime); set => _lastResetTime = ModelTime.FromLocal(value); }
        public DateTime? LastResetTimeUtc { get => _lastResetTime; set => _lastResetTime = ModelTime.FromUtc(value); }
        public DateTime? LastShutdownTime { get => ModelTime.ToLocal(_lastShutdownTime); set => _lastShutdownTime = ModelTime.FromLocal(value); }
        public DateTime? LastShutdownTimeUtc { get => _lastShutdownTime; set => _lastShutdownTime = ModelTime.FromUtc(value); }
        public DateTime? ScanLastActionTime { get => ModelTime.ToLocal(_scanLastActionTime); set => _scanLastActionTime = ModelTime.FromLocal(value); }
        public DateTime? ScanLastActionTimeUtc { get => _scanLastActionTime; set => _scanLastActionTime = ModelTime.FromUtc(value); }
        public DateTime? ScanLastCompleteTime { get => ModelTime.ToLocal(_scanLastCompleteTime); set => _scanLastCompleteTime = ModelTime.FromLocal(value); }
        public DateTime? ScanLastCompleteTimeUtc { get => _scanLastCompleteTime; set => _scanLastCompleteTime = ModelTime.FromUtc(value); }
        public DateTime? AvLastScanTime { get => ModelTime.ToLocal(_avLastScanTime); set => _avLastScanTime = ModelTime.FromLocal(value); }
        public DateTime? AvLastScanTimeUtc { get => _avLastScanTime; set => _avLastScanTime = ModelTime.FromUtc(value); }

        private PlainMap? _additional;

        /// <summary>Every other field the server sent, with its original name, as plain .NET values.</summary>
        public IDictionary<string, object?> AdditionalProperties =>
            // Sized for a full v3 row (about 40 extra fields), so reading one never rehashes.
            _additional ??= new PlainMap(48);

        internal bool HasAdditionalProperties => _additional != null && _additional.Count > 0;

        /// <summary>The extra fields as read, the map made with room for <paramref name="capacity"/> fields if it is new.</summary>
        internal PlainMap Additional(int capacity) => _additional ??= new PlainMap(capacity > 0 ? capacity : 48);

        /// <summary>How many extra fields were read (0 when none).</summary>
        internal int AdditionalCount => _additional?.Count ?? 0;

        /// <summary>
        /// The session this device was read through: cmdlets bind -Session from it, so a piped device goes back to its
        /// server; Export-Csv writes its ToString(). ConvertTo-Json leaves it out of nested objects (JsonIgnore).
        /// </summary>
        [JsonIgnore]
        public Session? Session { get; internal set; }

        // The fields Set-CbDevice can change, as they were read: a piped device that was edited sends only what changed.
        private (long? PolicyId, string? PolicyName, string? TargetPriority)? _asRead;

        internal void MarkAsRead() => _asRead = (PolicyId, PolicyName, TargetPriorityType);

        /// <summary>The fields Set-CbDevice can change that differ from what was read (all set ones when it was not read).</summary>
        public DeviceChanges GetChanges()
        {
            var read = _asRead ?? (null, null, null);
            var c = new DeviceChanges();
            // A new policy id wins over the name (which the reader filled in for the old one).
            if (PolicyId != read.PolicyId) c.PolicyId = PolicyId;
            else if (!string.Equals(PolicyName, read.PolicyName, StringComparison.Ordinal)) c.PolicyName = PolicyName;
            if (!string.Equals(TargetPriorityType, read.TargetPriority, StringComparison.Ordinal)) c.TargetPriority = TargetPriorityType;
            return c;
        }

        public override string ToString() => Name ?? DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
