using System;
using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace CbDefense.Emulator;

/// <summary>A v3 device. Instances are never mutated once published: changes clone and replace (copy-on-write),
/// so a page being written outside the lock always sees a consistent record.</summary>
internal sealed class Device
{
    public long DeviceId;
    public string Name = "";
    public string Email = "";
    public string? FirstName;
    public string? LastName;
    public string DeviceType = "WINDOWS";
    public string OsFamily = "WINDOWS"; // WINDOWS, MAC or a Linux distro key (RHEL, UBUNTU, ...)
    public string OsVersion = "";
    public string Status = "REGISTERED";
    public bool Quarantined;
    public long PolicyId;
    public string PolicyName = "";
    public string SensorVersion = "";
    public string? InternalIp;
    public string? ExternalIp;
    public string LastLocation = "OFFSITE";
    public string TargetPriorityType = "MEDIUM";
    public long DeviceOwnerId;
    public long? DeviceSessionId;
    public long RegisteredTime;
    public long LastContact;
    public long LastReportedTime;
    public long ActivationCodeExpiryTime;
    public long? DeregisteredTime;
    public long? UninstalledTime;
    public long? LastDevicePolicyChangedTime;
    public long? LastDevicePolicyRequestedTime;
    public long? LastPolicyUpdatedTime;
    public string? WindowsPlatform;
    public string? LinuxKernelVersion;
    public string MacAddress = "000000000000";
    public bool VirtualMachine;
    public string VirtualizationProvider = "UNKNOWN";
    public bool SensorOutOfDate;
    public bool SensorPendingUpdate;
    public string[] AvStatus = Array.Empty<string>();
    public string[] SensorStates = Array.Empty<string>();
    public string AvEngine = "";
    public string? AvProductVersion;
    public string? AvAveVersion;
    public string? AvPackVersion;
    public string? AvVdfVersion;
    public string? ScanStatus;
    public long ScanLastActionTime;
    public long ScanLastCompleteTime;
    public long AvLastScanTime;
    public string? LoginUserName;
    public string? DeviceGuid;
    public bool PassiveMode;
    public string? CurrentSensorPolicyName;
    public bool PolicyOverride;
    public double VulnScore;
    public string? VulnSeverity;

    public Device Clone() => (Device)MemberwiseClone();
}

internal sealed class AppInfo
{
    public string Name = "";
    public string? Path;
    public string Sha256 = "";
    public string? Md5;
    public string Reputation = "TRUSTED_WHITE_LIST";
    public string ReputationSource = "CLOUD";
    public string? VirusName;
    public string? VirusCategory;
}

internal sealed class EventRec
{
    public string EventId = "";
    public long EventTime;
    public long CreateTime;
    public string EventType = "";
    public string ShortDescription = "";
    public string LongDescription = "";
    public string[] ThreatIndicators = Array.Empty<string>();
    public long DeviceId;
    public string DeviceName = "";
    public string DeviceType = "";
    public string Email = "";
    public long PolicyId;
    public string PolicyName = "";
    public string DeviceVersion = "";
    public string TargetPriorityType = "";
    public string? DeviceIp;
    public string? InternalIp;
    public string AgentLocation = "";
    public string ProcessName = "";
    public int ProcessId;
    public string PrivatePid = "";
    public string ParentName = "";
    public int ParentPid;
    public string ParentPrivatePid = "";
    public string UserName = "";
    public string FullUserName = "";
    public string CommandLine = "";
    public string? TargetName;
    public long? TargetPid;
    public string? TargetPrivatePid;
    public string? TargetCommandLine;
    public AppInfo SelectedApp = new();
    public AppInfo ParentApp = new();
    public AppInfo? TargetApp;
    public string? DestAddress;
    public int? DestPort;
    public string? SourceAddress;
    public int? SourcePort;
    public string? PeerFqdn;
    public string? Service;
    public string AttackStage = "";
    public int AlertScore;
    public string AlertCategory = "";
    public string? IncidentId;
}

internal sealed class Policy
{
    public long Id;
    public string Name = "";
    public string Description = "";
    public string PriorityLevel = "MEDIUM";
    public bool SystemPolicy;
    public int Version = 2;
    public long LatestRevision;
    public JsonObject Body = new();
    /// <summary>The last policy service v1 document written for this policy (null: none). The v1 routes derive
    /// every field they model from the v3 state above; this only supplies the fields they do not model, so that
    /// unknown fields a client sends survive a round trip.</summary>
    public JsonObject? V1Doc;
}

internal sealed class Alert
{
    public string Id = "";
    public string LegacyAlertId = "";
    public long CreateTime;
    public long LastUpdateTime;
    public long FirstEventTime;
    public long LastEventTime;
    public string ThreatId = "";
    public int Severity;
    public string Category = "THREAT";
    public long DeviceId;
    public string DeviceOs = "";
    public string DeviceOsVersion = "";
    public string DeviceName = "";
    public string DeviceUsername = "";
    public long PolicyId;
    public string PolicyName = "";
    public string TargetValue = "";
    public string Reason = "";
    public string ReasonCode = "";
    public string ProcessName = "";
    public string Sha256 = "";
    public string[] Ttps = Array.Empty<string>();
    public string DeviceLocation = "";
    public string CreatedByEventId = "";
    public string Reputation = "";
    public string ThreatCategory = "";
    public string RunState = "RAN";
    public string PolicyApplied = "NOT_APPLIED";
    public string? SensorAction;
    public string[] KillChain = Array.Empty<string>();
    public string WorkflowState = "OPEN";
    public string? WorkflowRemediation;
    public string? WorkflowComment;
    public string WorkflowChangedBy = "Carbon Black";
    public long WorkflowLastUpdateTime;
}

internal sealed class WorkflowRequest
{
    public string Id = "";
    public string[] ThreatIds = Array.Empty<string>();
    public string State = "";
    public string? Remediation;
    public string? Comment;
    public string ChangedBy = "";
    public DateTimeOffset Created;
    public bool Applied;
    public int Hits;
    public long LastUpdateTime;
}

internal sealed class QueuedItem
{
    public QueuedItem(string eventId, string json)
    {
        EventId = eventId;
        Json = json;
    }

    public string EventId { get; }
    public string Json { get; }
}

internal sealed class RequestLogEntry
{
    public long Seq;
    public DateTimeOffset Time;
    public string Method = "";
    public string Path = "";
    public string Query = "";
    public string? Body;
    public int Status;
    public string? KeyId;
    public string? UserAgent;
}

internal static class Lists
{
    public static readonly string[] PriorityLevels = { "LOW", "MEDIUM", "HIGH", "MISSION_CRITICAL" };

    public static readonly string[] Operations =
    {
        "RUN", "NETWORK", "CODE_INJECTION", "MEMORY_SCRAPE", "RANSOM", "POL_INVOKE_NOT_TRUSTED", "INVOKE_SCRIPT",
        "INVOKE_SYSAPP", "INVOKE_CMD_INTERPRETER", "BYPASS_ALL", "BYPASS_API", "PROCESS_ISOLATION", "RUN_INMEMORY_CODE",
        "ESCALATE",
    };

    public static readonly string[] Actions = { "IGNORE", "ALLOW", "DENY", "TERMINATE_PROCESS", "TERMINATE_THREAD", "TERMINATE" };

    public static readonly string[] ApplicationTypes = { "NAME_PATH", "SIGNED_BY", "REPUTATION" };

    public static readonly string[] Reputations =
    {
        "ADAPTIVE_WHITE_LIST", "ADWARE", "COMMON_WHITE_LIST", "COMPANY_BLACK_LIST", "COMPANY_WHITE_LIST", "HEURISTIC",
        "IGNORE", "KNOWN_MALWARE", "LOCAL_WHITE", "NOT_LISTED", "PUP", "RESOLVING", "SUSPECT_MALWARE",
        "TRUSTED_WHITE_LIST",
    };

    public static readonly string[] DeviceActionTypes =
    {
        "BACKGROUND_SCAN", "BYPASS", "DELETE_SENSOR", "UNINSTALL_SENSOR", "QUARANTINE", "UPDATE_POLICY",
        "UPDATE_SENSOR_VERSION",
    };

    public static readonly string[] SensorOsKeys =
    {
        "WINDOWS", "MAC", "LINUX", "RHEL", "UBUNTU", "SUSE", "CENTOS", "ORACLE", "AMAZON_LINUX", "DEBIAN",
    };

    public static readonly string[] SearchWindows = { "1h", "3h", "1d", "1w", "2w" };

    public static readonly string[] EventTypes =
    {
        "CREATE_PROCESS", "NETWORK", "SYSTEM_API_CALL", "FILE_CREATE", "REGISTRY_ACCESS", "INJECT_CODE", "DATA_ACCESS",
        "POLICY_ACTION",
    };

    public static int PriorityCode(string p) => p switch
    {
        "LOW" => 0,
        "MEDIUM" => 1,
        "HIGH" => 2,
        "MISSION_CRITICAL" => 3,
        _ => 1,
    };

    public static bool Contains(string[] list, string value) => Array.IndexOf(list, value) >= 0;

}
