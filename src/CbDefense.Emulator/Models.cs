using System;
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

/// <summary>One alert, served by alerts v6 (legacy names) and v7 (current names) alike. Instances are never mutated
/// once searchable: a change clones and replaces (copy-on-write), so pages can be written outside the lock.</summary>
internal sealed class Alert
{
    public string Id = "";
    public string LegacyAlertId = "";
    /// <summary>CB_ANALYTICS, WATCHLIST, DEVICE_CONTROL, HOST_BASED_FIREWALL, INTRUSION_DETECTION_SYSTEM, CONTAINER_RUNTIME.</summary>
    public string Type = "CB_ANALYTICS";
    /// <summary>v6 create_time, v7 backend_timestamp: when the backend received the alert.</summary>
    public long CreateTime;
    /// <summary>v6 last_update_time, v7 backend_update_timestamp.</summary>
    public long LastUpdateTime;
    public long FirstEventTime;
    public long LastEventTime;
    public long DetectionTime;
    /// <summary>v7 user_update_timestamp: the last change a user (an API key) made; null until then.</summary>
    public long? UserUpdateTime;
    /// <summary>When the alert became (or becomes) searchable: CreateTime, or later for a late-indexed alert.</summary>
    public long SearchableAt;
    public bool Late;
    /// <summary>Made after the seed (by --alert-rate or the admin API).</summary>
    public bool Generated;
    public string ThreatId = "";
    public int ThreatIndex;
    public int Severity;
    public string Category = "THREAT";
    public long DeviceId;
    public string DeviceOs = "";
    public string DeviceOsVersion = "";
    public string DeviceName = "";
    public string DeviceUsername = "";
    public string? DeviceInternalIp;
    public string? DeviceExternalIp;
    public long PolicyId;
    public string PolicyName = "";
    public string TargetValue = "";
    public string Reason = "";
    public string ReasonCode = "";
    public string ProcessName = "";
    public string Sha256 = "";
    public string? ProcessPath;
    public string? Md5;
    public string[] Ttps = Array.Empty<string>();
    public string DeviceLocation = "";
    public string CreatedByEventId = "";
    public string Reputation = "";
    public string ThreatCategory = "";
    public string RunState = "RAN";
    public string PolicyApplied = "NOT_APPLIED";
    public string? SensorAction;
    public string[] KillChain = Array.Empty<string>();

    // The workflow, one state for both generations: v7 status OPEN | IN_PROGRESS | CLOSED (v6 shows CLOSED as
    // DISMISSED and the others as OPEN), v7 closure_reason, v6 remediation text, v6 comment = v7 note.
    public string WorkflowStatus = "OPEN";
    public string ClosureReason = "NO_REASON";
    public string? WorkflowRemediation;
    public string? WorkflowComment;
    /// <summary>SYSTEM (alert creation) or API (a change made with an API key).</summary>
    public string WorkflowChangedByType = "SYSTEM";
    /// <summary>ALERT_CREATION, or the key id that made the change.</summary>
    public string WorkflowChangedBy = "ALERT_CREATION";
    public long WorkflowLastUpdateTime;
    public string Determination = "NONE";
    public long DeterminationTime;
    public string DeterminationChangedByType = "SYSTEM";
    public string DeterminationChangedBy = "ALERT_CREATION";
    public bool NotesPresent;

    /// <summary>The v6 workflow state: DISMISSED for CLOSED, else OPEN.</summary>
    public string WorkflowState => WorkflowStatus == "CLOSED" ? "DISMISSED" : "OPEN";

    /// <summary>v6 changed_by: "Carbon Black" for the system, else who changed it.</summary>
    public string V6ChangedBy => WorkflowChangedByType == "SYSTEM" ? "Carbon Black" : WorkflowChangedBy;

    public Alert Clone() => (Alert)MemberwiseClone();

    /// <summary>The alerts' total order: backend_timestamp, then id (ordinal).</summary>
    public static int CompareByTime(Alert a, Alert b)
    {
        int c = a.CreateTime.CompareTo(b.CreateTime);
        return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
    }
}

/// <summary>A v6 threat workflow that finished: it marks the threat's later alerts too (they arrive with it).</summary>
internal sealed class ThreatRule
{
    public string State = "DISMISSED";
    public string? Remediation;
    public string? Comment;
    public string ChangedBy = "";
    public long Time;
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
