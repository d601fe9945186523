using System;
using System.Collections.Generic;

namespace CbDefense
{
    /// <summary>A message on a device (v3 <c>messages</c>).</summary>
    public sealed class DeviceMessage
    {
        public string? Message { get; set; }
        public DateTime? Time { get; set; }
        public override string ToString() => Message ?? "";
    }

    /// <summary>
    /// A CB Defense device (v3 device schema). Times are UTC; null (or 0) epoch values stay null. Lists are
    /// <see cref="ValueList{T}"/> and untyped JSON is <see cref="PlainMap"/>/<see cref="PlainList"/>, so every value
    /// reads well in tables and CSV files.
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
        public string? DeviceType { get; set; }
        public string? TargetPriorityType { get; set; }
        public string? WindowsPlatform { get; set; }
        public string? LastLocation { get; set; }
        public string? Status { get; set; }

        public bool? Quarantined { get; set; }
        public bool? RootedBySensor { get; set; }
        public bool? RootedByAnalytics { get; set; }
        public bool? PassiveMode { get; set; }
        public bool? AvMaster { get; set; }

        public ValueList<string>? AvStatus { get; set; }
        public ValueList<string>? SensorStates { get; set; }
        public ValueList<string>? AvUpdateServers { get; set; }
        public ValueList<DeviceMessage>? Messages { get; set; }

        public DateTime? CreateTime { get; set; }
        public DateTime? RegisteredTime { get; set; }
        public DateTime? LastContact { get; set; }
        public DateTime? LastReportedTime { get; set; }
        public DateTime? DeregisteredTime { get; set; }
        public DateTime? UninstalledTime { get; set; }
        public DateTime? ActivationCodeExpiryTime { get; set; }
        public DateTime? FirstVirusActivityTime { get; set; }
        public DateTime? LastVirusActivityTime { get; set; }
        public DateTime? RootedBySensorTime { get; set; }
        public DateTime? RootedByAnalyticsTime { get; set; }
        public DateTime? LastResetTime { get; set; }
        public DateTime? LastShutdownTime { get; set; }
        public DateTime? ScanLastActionTime { get; set; }
        public DateTime? ScanLastCompleteTime { get; set; }
        public DateTime? AvLastScanTime { get; set; }

        private PlainMap? _additional;

        /// <summary>Every other field the server sent, with its original name, as plain .NET values.</summary>
        public IDictionary<string, object?> AdditionalProperties =>
            // Sized for a full v3 row (about 40 extra fields), so reading one never rehashes.
            _additional ??= new PlainMap(48);

        internal bool HasAdditionalProperties => _additional != null && _additional.Count > 0;

        /// <summary>The session this device was read through.</summary>
        public Session? Session { get; internal set; }

        public override string ToString() => Name ?? DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>One page of a device search.</summary>
    public sealed class DevicePage
    {
        public DevicePage(long totalResults, IReadOnlyList<Device> devices, long start, int rows)
        {
            TotalResults = totalResults;
            Devices = devices;
            Start = start;
            Rows = rows;
        }

        /// <summary>The server's totalResults (all matches, not just this page).</summary>
        public long TotalResults { get; }
        public IReadOnlyList<Device> Devices { get; }
        /// <summary>1-based start that was requested.</summary>
        public long Start { get; }
        /// <summary>Rows that were requested.</summary>
        public int Rows { get; }
    }
}
