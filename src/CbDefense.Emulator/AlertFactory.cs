using System;
using System.Collections.Generic;
using System.Globalization;

namespace CbDefense.Emulator;

/// <summary>Alert types and the per-type details of an alert. Everything here derives from the seed (seeded
/// alerts) or the alert's id (the details written by the v7 routes), so the same alert always reads the same.</summary>
internal static class AlertFactory
{
    private const long Day = 86_400_000L;

    public const string CbAnalytics = "CB_ANALYTICS";
    public const string Watchlist = "WATCHLIST";
    public const string DeviceControl = "DEVICE_CONTROL";
    public const string HostBasedFirewall = "HOST_BASED_FIREWALL";
    public const string IntrusionDetection = "INTRUSION_DETECTION_SYSTEM";
    public const string ContainerRuntime = "CONTAINER_RUNTIME";

    /// <summary>The v7 alert types (the v7 <c>type</c> criteria's allowed values).</summary>
    public static readonly string[] Types = { CbAnalytics, Watchlist, DeviceControl, HostBasedFirewall, IntrusionDetection, ContainerRuntime };

    private static readonly (string Type, int Weight)[] TypeWeights =
    {
        (CbAnalytics, 60), (Watchlist, 20), (DeviceControl, 7), (HostBasedFirewall, 6), (IntrusionDetection, 5), (ContainerRuntime, 2),
    };

    /// <summary>A threat's alert type (alerts of one threat share it): weighted, CB_ANALYTICS most often.</summary>
    public static string PickType(Rng rng)
    {
        int r = rng.Next(100);
        foreach (var (type, weight) in TypeWeights)
        {
            if (r < weight)
            {
                return type;
            }
            r -= weight;
        }
        return CbAnalytics;
    }

    /// <summary>The type an alert of a threat of type <paramref name="threatType"/> gets on device <paramref name="d"/>:
    /// device control alerts exist only on Windows, container runtime alerts only on Linux nodes; elsewhere such a
    /// threat raises CB_ANALYTICS alerts.</summary>
    public static string TypeFor(string threatType, Device d) => threatType switch
    {
        DeviceControl when d.DeviceType != "WINDOWS" => CbAnalytics,
        ContainerRuntime when d.DeviceType != "LINUX" => CbAnalytics,
        _ => threatType,
    };

    private static readonly (string Reason, string Code, string[] Ttps, string Category)[] CbReasons =
    {
        ("A known virus ({0}) was detected running.", "R_REP_KNOWN", new[] { "KNOWN_MALWARE", "RUN_MALWARE_APP" }, "THREAT"),
        ("A port scan was detected from {1} on an external network (off-prem).", "R_SCAN_OFF", new[] { "ACTIVE_SERVER", "MITRE_T1046_NETWORK_SERVICE_SCANNING", "NETWORK_ACCESS", "PORTSCAN" }, "MONITORED"),
        ("{0} attempted to read credentials from LSASS memory.", "R_CRED_DUMP", new[] { "READ_SECURITY_DATA", "MITRE_T1003_CREDENTIAL_DUMP" }, "THREAT"),
        ("{0} established a connection to a known command and control server.", "R_C2", new[] { "NETWORK_ACCESS", "KNOWN_C2" }, "THREAT"),
        ("A potentially unwanted application ({0}) was installed.", "R_PUP", new[] { "PUP", "RUN_UNKNOWN_APP" }, "MONITORED"),
    };

    internal static AppInfo[] AppsFor(string deviceType) => deviceType == "WINDOWS" ? Seeder.WinApps : deviceType == "MAC" ? Seeder.MacApps : Seeder.LinuxApps;

    /// <summary>Fills a new alert's fields from its device, threat and times (the seeded and the generated alerts
    /// alike). <paramref name="rng"/> draws the alert's own values in a fixed order.</summary>
    public static Alert Make(Rng rng, Device d, string threatId, int threatIndex, string threatType, long firstEventTime)
    {
        var reason = CbReasons[threatIndex % CbReasons.Length];
        AppInfo[] apps = AppsFor(d.DeviceType);
        var app = apps[apps.Length - 1 - (threatIndex % 2)];
        var a = new Alert
        {
            Id = rng.Hex(32),
            ThreatId = threatId,
            ThreatIndex = threatIndex,
            DeviceId = d.DeviceId,
            DeviceOs = d.DeviceType,
            DeviceOsVersion = d.OsVersion,
            DeviceName = d.Name,
            DeviceUsername = d.Email,
            DeviceInternalIp = d.InternalIp,
            DeviceExternalIp = d.ExternalIp,
            PolicyId = d.PolicyId,
            PolicyName = d.PolicyName,
            TargetValue = d.TargetPriorityType,
            ReasonCode = reason.Code,
            Reason = string.Format(CultureInfo.InvariantCulture, reason.Reason, app.Name, d.ExternalIp),
            Ttps = reason.Ttps,
            Category = reason.Category,
            ProcessName = app.Name,
            ProcessPath = app.Path,
            Sha256 = app.Sha256,
            Md5 = app.Md5,
            DeviceLocation = d.LastLocation,
            Reputation = app.Reputation,
            ThreatCategory = app.Reputation == "KNOWN_MALWARE" ? "KNOWN_MALWARE" : "NEW_MALWARE",
            RunState = rng.Chance(0.7) ? "RAN" : "DID_NOT_RUN",
            PolicyApplied = rng.Chance(0.5) ? "APPLIED" : "NOT_APPLIED",
            KillChain = new[] { reason.Code == "R_SCAN_OFF" ? "RECONNAISSANCE" : "INSTALL_RUN" },
        };
        a.LegacyAlertId = a.Id[..8].ToUpperInvariant();
        a.SensorAction = a.PolicyApplied == "APPLIED" ? "DENY" : null;
        a.Severity = reason.Category == "THREAT" ? rng.Next(5, 11) : rng.Next(1, 5);
        a.FirstEventTime = firstEventTime >= 0 ? firstEventTime : 0;
        return a;
    }

    /// <summary>Sets the times that follow from the first event: last event within a minute, detection at the last
    /// event, backend receipt 30 s later, a backend update within 10 minutes of that.</summary>
    public static void Times(Alert a, Rng rng, long? backendTime = null)
    {
        a.LastEventTime = a.FirstEventTime + rng.NextLong(60_000);
        a.CreateTime = backendTime ?? a.LastEventTime + 30_000;
        a.LastUpdateTime = backendTime.HasValue ? a.CreateTime : a.CreateTime + rng.NextLong(600_000);
        a.CreatedByEventId = rng.Hex(32);
        a.WorkflowLastUpdateTime = a.CreateTime;
        a.DeterminationTime = a.CreateTime;
        a.DetectionTime = a.LastEventTime;
        a.SearchableAt = a.CreateTime;
    }

    /// <summary>Gives a non-CB_ANALYTICS alert its type's reason, reason code and sensor outcome.</summary>
    public static void ApplyType(Alert a, string type)
    {
        a.Type = type;
        if (type == CbAnalytics)
        {
            return;
        }
        var x = Details(a, "");
        a.ReasonCode = x.RuleCategoryId + ":" + x.RuleId;
        a.KillChain = Array.Empty<string>();
        switch (type)
        {
            case Watchlist:
                a.Reason = "Process " + a.ProcessName + " was detected by the report \"" + x.ReportName + "\" in watchlist \"" + x.WatchlistName + "\"";
                a.Ttps = Array.Empty<string>();
                a.Category = "THREAT";
                a.PolicyApplied = "NOT_APPLIED";
                a.SensorAction = "ALLOW";
                break;
            case DeviceControl:
                a.Reason = "Access attempted on unapproved USB device " + x.VendorName + " " + x.ProductName + " (SN: " + x.SerialNumber + "). A Deny Policy Action was applied.";
                a.Ttps = Array.Empty<string>();
                a.Category = "THREAT";
                a.RunState = "DID_NOT_RUN";
                a.PolicyApplied = "APPLIED";
                a.SensorAction = "DENY";
                break;
            case HostBasedFirewall:
                a.Reason = "Outbound TCP connection blocked by firewall rule group '" + x.FirewallRuleGroup + "'.";
                a.Ttps = Array.Empty<string>();
                a.Category = "THREAT";
                a.RunState = "DID_NOT_RUN";
                a.PolicyApplied = "APPLIED";
                a.SensorAction = "DENY";
                break;
            case IntrusionDetection:
                a.Reason = "HTTP traffic from asset " + a.DeviceName + " matched IDS signature for threat " + x.ThreatName;
                a.Ttps = Array.Empty<string>();
                a.Category = "THREAT";
                a.PolicyApplied = "NOT_APPLIED";
                a.SensorAction = "ALLOW";
                break;
            case ContainerRuntime:
                a.Reason = x.RemoteIsPrivate
                    ? "Detected a connection to a private network that isn't allowed for this scope"
                    : "Detected a connection to a public destination that isn't allowed for this scope";
                a.Ttps = Array.Empty<string>();
                a.Category = "THREAT";
                a.RunState = "RAN";
                a.PolicyApplied = "NOT_APPLIED";
                a.SensorAction = "ALLOW";
                break;
        }
    }

    /// <summary>The per-type details an alert's v7 object carries beyond the shared fields (report, vendor,
    /// connection, Kubernetes workload...). Derived from the alert's id, threat and type, never stored.</summary>
    internal sealed class AlertDetails
    {
        public string RuleCategoryId = "";
        public string RuleId = "";
        public string ReportId = "";
        public string ReportName = "";
        public string WatchlistId = "";
        public string WatchlistName = "";
        public string IocId = "";
        public string VendorName = "";
        public string VendorId = "";
        public string ProductName = "";
        public string ProductId = "";
        public string SerialNumber = "";
        public string FirewallRuleGroup = "";
        public string ThreatName = "";
        public string AttackTactic = "";
        public string AttackTechnique = "";
        public string RemoteIp = "";
        public int RemotePort;
        public int LocalPort;
        public string RemoteDomain = "";
        public bool RemoteIsPrivate;
        public string K8sCluster = "";
        public string K8sNamespace = "";
        public string K8sKind = "";
        public string K8sWorkload = "";
        public string K8sPod = "";
        public int ProcessPid;
        public int ParentPid;
        public string ProcessGuid = "";
        public string ParentGuid = "";
    }

    private static readonly (string Name, string Tactic, string Technique, string[] Tags)[] Reports =
    {
        ("Defense Evasion - Signed Binary Proxy Execution - InfDefaultInstall", "TA0005", "T1218", new[] { "attack", "attackframework", "threathunting" }),
        ("Credential Access - Suspect Volume Shadow Copy Behavior Detected", "TA0006", "T1003", new[] { "credentialaccess", "t1003", "windows" }),
        ("Execution - PowerShell Download Cradle", "TA0002", "T1059", new[] { "execution", "powershell" }),
        ("Persistence - Run Key Modified", "TA0003", "T1547", new[] { "persistence", "registry" }),
    };

    private static readonly (string Vendor, string VendorId, string Product, string ProductId)[] UsbDevices =
    {
        ("Generic", "0x058F", "Mass Storage", "0x6387"), ("SanDisk", "0x0781", "Cruzer Blade", "0x5567"),
        ("Kingston", "0x0951", "DataTraveler 3.0", "0x1666"), ("Samsung", "0x04E8", "Flash Drive FIT", "0x61F5"),
    };

    private static readonly string[] FirewallGroups = { "Block outbound SMB", "Test Rule for Chrome access", "Deny Telnet", "Block Tor exits" };
    private static readonly string[] IdsThreats = { "CVE-2021-44228 Exploit", "CVE-2017-0144 EternalBlue", "Cobalt Strike Beacon", "SQL Injection Attempt" };
    private static readonly string[] Domains = { "westus3.monitoring.azure.com", "demo.domain.com", "cdn.example.net", "evil-c2.example.net", "" };
    private static readonly string[] K8sKinds = { "Deployment", "DaemonSet", "StatefulSet" };
    private static readonly string[] K8sNamespaces = { "kube-system", "default", "payments", "monitoring" };

    private static string Guid(Rng r) => (r.Hex(8) + "-" + r.Hex(4) + "-" + r.Hex(4) + "-" + r.Hex(4) + "-" + r.Hex(12)).ToUpperInvariant();

    public static AlertDetails Details(Alert a, string orgKey)
    {
        var r = new Rng(Rng.SeedFromString(a.ThreatId), "alert-details:" + a.Type);
        var x = new AlertDetails
        {
            RuleCategoryId = Guid(r),
            RuleId = Guid(r),
        };
        var report = Reports[r.Next(Reports.Length)];
        x.ReportId = r.Hex(22) + "-" + Guid(r).ToLowerInvariant();
        x.ReportName = report.Name;
        x.WatchlistId = r.Hex(22);
        x.WatchlistName = "Carbon Black Advanced Threats";
        x.IocId = Guid(r).ToLowerInvariant() + "-0";
        x.AttackTactic = report.Tactic;
        x.AttackTechnique = report.Technique;
        var usb = UsbDevices[r.Next(UsbDevices.Length)];
        x.VendorName = usb.Vendor;
        x.VendorId = usb.VendorId;
        x.ProductName = usb.Product;
        x.ProductId = usb.ProductId;
        x.SerialNumber = r.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture);
        x.FirewallRuleGroup = FirewallGroups[r.Next(FirewallGroups.Length)];
        x.ThreatName = IdsThreats[r.Next(IdsThreats.Length)];
        x.RemoteDomain = Domains[r.Next(Domains.Length)];
        x.RemoteIsPrivate = r.Chance(0.5);
        x.RemoteIp = x.RemoteIsPrivate
            ? "10." + r.Next(256).ToString(CultureInfo.InvariantCulture) + "." + r.Next(256).ToString(CultureInfo.InvariantCulture) + "." + r.Next(1, 255).ToString(CultureInfo.InvariantCulture)
            : r.Next(13, 220).ToString(CultureInfo.InvariantCulture) + "." + r.Next(256).ToString(CultureInfo.InvariantCulture) + "." + r.Next(256).ToString(CultureInfo.InvariantCulture) + "." + r.Next(1, 255).ToString(CultureInfo.InvariantCulture);
        x.RemotePort = r.Chance(0.7) ? 443 : 80;
        x.K8sCluster = "prod:cluster-" + r.Hex(4);
        x.K8sNamespace = K8sNamespaces[r.Next(K8sNamespaces.Length)];
        x.K8sKind = K8sKinds[r.Next(K8sKinds.Length)];
        x.K8sWorkload = "svc-" + r.Hex(6);
        x.K8sPod = x.K8sWorkload + "-" + r.Hex(10) + "-" + r.Hex(5);
        // the alert's own process (per alert, not per threat)
        var p = new Rng(Rng.SeedFromString(a.Id), "alert-process");
        x.LocalPort = p.Next(49152, 65535);
        x.ProcessPid = p.Next(300, 30000);
        x.ParentPid = p.Next(4, 1000);
        long start = a.FirstEventTime - p.NextLong(Day);
        x.ProcessGuid = ProcessGuid(a.DeviceId, x.ProcessPid, start, orgKey);
        x.ParentGuid = ProcessGuid(a.DeviceId, x.ParentPid, start - 3_600_000L, orgKey);
        return x;
    }

    /// <summary>A process GUID as the platform writes it: org key, device id, pid, 0, process start (FILETIME), hex.</summary>
    public static string ProcessGuid(long deviceId, long pid, long startMs, string orgKey) =>
        orgKey + "-" + deviceId.ToString("x8", CultureInfo.InvariantCulture) + "-" + pid.ToString("x8", CultureInfo.InvariantCulture)
        + "-00000000-" + (startMs * 10_000 + 116_444_736_000_000_000L).ToString("x", CultureInfo.InvariantCulture);

    /// <summary>The report tags of a watchlist alert's report.</summary>
    public static string[] ReportTags(AlertDetails x)
    {
        foreach (var r in Reports)
        {
            if (r.Name == x.ReportName)
            {
                return r.Tags;
            }
        }
        return Array.Empty<string>();
    }

    /// <summary>The seeded alerts: <paramref name="count"/> alerts of count / 2 threats (each threat raises at least
    /// one), first events over the last 14 days. Also returns each threat's id and type.</summary>
    public static List<Alert> Seed(int count, long seed, long anchor, List<Device> devices, List<(string Id, string Type)> threats)
    {
        var rng = new Rng(seed, "alerts");
        var typeRng = new Rng(seed, "alert-types");
        var list = new List<Alert>(count);
        if (devices.Count == 0 || count == 0)
        {
            return list;
        }
        int n = Math.Max(1, count / 2);
        for (int t = 0; t < n; t++)
        {
            threats.Add((rng.Hex(32), PickType(typeRng)));
        }
        for (int i = 0; i < count; i++)
        {
            var d = devices[rng.Next(devices.Count)];
            int t = i < n ? i : rng.Next(n);
            var a = Make(rng, d, threats[t].Id, t, threats[t].Type, 0);
            a.FirstEventTime = anchor - rng.NextLong(14 * Day);
            Times(a, rng);
            ApplyType(a, TypeFor(threats[t].Type, d));
            list.Add(a);
        }
        return list;
    }
}
