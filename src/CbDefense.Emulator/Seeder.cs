using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace CbDefense.Emulator;

/// <summary>Generates the seeded data set. Everything derives from the seed and the anchor time.</summary>
internal static class Seeder
{
    public const long OrganizationId = 1105;
    public const string OrganizationName = "emulator.example.com";
    private const long Day = 86_400_000L;
    private const long Hour = 3_600_000L;

    private static readonly string[] FirstNames =
    {
        "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth", "David",
        "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Daniel", "Nancy",
        "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Margaret", "Donald", "Sandra", "Steven", "Ashley", "Paul",
        "Kimberly", "Andrew", "Emily", "Joshua", "Donna", "Kenneth", "Michelle", "Kevin", "Carol", "Brian", "Amanda",
        "George", "Melissa", "Timothy", "Deborah",
    };

    private static readonly string[] LastNames =
    {
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
        "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
        "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker",
        "Hall", "Rivera", "Campbell", "Mitchell",
    };

    private static readonly string[] Domains = { "example.com", "corp.example.org" };
    private static readonly string[] Departments = { "FIN", "HR", "ENG", "OPS", "MKT", "SALES", "IT", "LEGAL" };
    private static readonly string[] ServerRoles = { "DC", "SQL", "FS", "EXCH", "APP", "RDS" };
    private static readonly string[] LinuxRoles = { "web", "db", "app", "k8s", "cache", "build", "mq" };
    private static readonly string[] LinuxEnvs = { "prod", "stage", "dev" };

    private static readonly string[] WinWorkstationOs = { "Windows 10 x64", "Windows 10 x64", "Windows 11 x64", "Windows 11 x64", "Windows 7 x64 SP: 1" };
    private static readonly string[] WinServerOs = { "Windows Server 2019 x64", "Windows Server 2016 x64", "Windows Server 2022 x64", "Server 2012 R2 x64" };
    private static readonly string[] MacOs = { "MAC OS X 10.15.7", "macOS 12.6.1", "macOS 13.4", "macOS 14.2.1" };

    private static readonly (string Key, string Os, string Kernel)[] LinuxOs =
    {
        ("CENTOS", "CentOS 7.9-2009", "3.10.0-1160.el7.x86_64"),
        ("RHEL", "Red Hat Enterprise Linux Server 7.9", "3.10.0-1160.45.1.el7.x86_64"),
        ("RHEL", "Red Hat Enterprise Linux 8.6", "4.18.0-372.9.1.el8.x86_64"),
        ("UBUNTU", "Ubuntu 20.04.6 LTS", "5.4.0-150-generic"),
        ("UBUNTU", "Ubuntu 22.04.3 LTS", "5.15.0-91-generic"),
        ("AMAZON_LINUX", "Amazon Linux 2", "4.14.327-246.539.amzn2.x86_64"),
        ("SUSE", "SUSE Linux Enterprise Server 15 SP4", "5.14.21-150400.24.46-default"),
        ("ORACLE", "Oracle Linux Server 8.6", "5.4.17-2136.307.3.1.el8uek.x86_64"),
        ("DEBIAN", "Debian GNU/Linux 11", "5.10.0-26-amd64"),
    };

    private static readonly string[] WinSensors = { "3.6.0.1979", "3.7.0.1253", "3.8.0.684", "3.9.1.2451" };
    private static readonly string[] MacSensors = { "3.5.3.82", "3.6.2.31", "3.7.1.9" };
    private static readonly string[] LinuxSensors = { "2.11.2.455", "2.12.0.584", "2.13.0.632" };

    private static readonly string[] OfficeIps = { "203.0.113.10", "203.0.113.11", "198.51.100.24", "198.51.100.25", "192.0.2.50" };

    public static Dictionary<long, Policy> SeedPolicies(long anchor)
    {
        var list = new List<Policy>
        {
            MakePolicy(6525, "Standard", "Prevents known malware and reduces false positives.", "MEDIUM", true, anchor - 400 * Day, StandardRules),
            MakePolicy(6526, "Advanced", "Prevents known malware, unknown threats and suspicious behaviour.", "HIGH", true, anchor - 400 * Day, AdvancedRules),
            MakePolicy(6527, "Monitored", "Monitors activity without blocking (audit mode).", "LOW", true, anchor - 400 * Day, Array.Empty<RuleSeed>()),
            MakePolicy(30241, "Windows_Workstation", "Default for Windows laptops and desktops", "MEDIUM", false, anchor - 90 * Day, WorkstationRules),
            MakePolicy(30242, "Windows_Server", "Windows servers (DC, SQL, file)", "HIGH", false, anchor - 60 * Day, ServerRules),
            MakePolicy(30243, "Mac_Laptops", "macOS endpoints", "MEDIUM", false, anchor - 45 * Day, MacRules),
            MakePolicy(30244, "Linux_Servers", "Linux servers in every environment", "HIGH", false, anchor - 30 * Day, LinuxRules),
            MakePolicy(30245, "Executives", "Executive devices: strict ransomware and credential protection", "MISSION_CRITICAL", false, anchor - 20 * Day, ExecRules),
            MakePolicy(30246, "Developers", "Developer workstations; scripting allowed", "LOW", false, anchor - 10 * Day, DevRules),
            MakePolicy(30247, "policy-restrictive", "Locked-down kiosk and lab machines", "HIGH", false, anchor - 5 * Day, RestrictiveRules),
        };
        var d = new Dictionary<long, Policy>();
        foreach (var p in list)
        {
            d[p.Id] = p;
        }
        return d;
    }

    private readonly record struct RuleSeed(string Operation, string AppType, string AppValue, string Action, bool Required);

    private static readonly RuleSeed[] StandardRules =
    {
        new("RUN", "REPUTATION", "KNOWN_MALWARE", "DENY", true),
        new("RUN", "REPUTATION", "COMPANY_BLACK_LIST", "DENY", true),
        new("RANSOM", "REPUTATION", "COMPANY_BLACK_LIST", "TERMINATE", true),
    };

    private static readonly RuleSeed[] AdvancedRules =
    {
        new("RUN", "REPUTATION", "KNOWN_MALWARE", "DENY", true),
        new("RUN", "REPUTATION", "COMPANY_BLACK_LIST", "DENY", true),
        new("RUN", "REPUTATION", "SUSPECT_MALWARE", "DENY", true),
        new("RUN", "REPUTATION", "PUP", "DENY", false),
        new("RANSOM", "REPUTATION", "ADAPTIVE_WHITE_LIST", "TERMINATE", true),
        new("MEMORY_SCRAPE", "REPUTATION", "NOT_LISTED", "TERMINATE", false),
        new("CODE_INJECTION", "REPUTATION", "NOT_LISTED", "TERMINATE", false),
    };

    private static readonly RuleSeed[] WorkstationRules =
    {
        new("RUN", "REPUTATION", "KNOWN_MALWARE", "TERMINATE", true),
        new("RANSOM", "REPUTATION", "COMPANY_BLACK_LIST", "TERMINATE", true),
        new("INVOKE_SCRIPT", "REPUTATION", "KNOWN_MALWARE", "TERMINATE", false),
        new("RUN", "NAME_PATH", "**\\Users\\*\\AppData\\Local\\Temp\\*.exe", "DENY", false),
        new("BYPASS_ALL", "NAME_PATH", "C:\\Program Files\\Backup\\**", "IGNORE", false),
    };

    private static readonly RuleSeed[] ServerRules =
    {
        new("RUN", "REPUTATION", "KNOWN_MALWARE", "TERMINATE", true),
        new("RUN", "REPUTATION", "SUSPECT_MALWARE", "DENY", true),
        new("INVOKE_CMD_INTERPRETER", "REPUTATION", "NOT_LISTED", "DENY", false),
        new("BYPASS_ALL", "NAME_PATH", "D:\\SQLData\\**", "IGNORE", false),
        new("NETWORK", "REPUTATION", "RESOLVING", "DENY", false),
    };

    private static readonly RuleSeed[] MacRules =
    {
        new("RUN", "REPUTATION", "KNOWN_MALWARE", "DENY", true),
        new("RUN", "REPUTATION", "PUP", "DENY", false),
    };

    private static readonly RuleSeed[] LinuxRules =
    {
        new("RUN", "REPUTATION", "KNOWN_MALWARE", "TERMINATE", true),
        new("BYPASS_ALL", "NAME_PATH", "/var/lib/docker/**", "IGNORE", false),
    };

    private static readonly RuleSeed[] ExecRules =
    {
        new("RUN", "REPUTATION", "KNOWN_MALWARE", "TERMINATE", true),
        new("RANSOM", "REPUTATION", "ADAPTIVE_WHITE_LIST", "TERMINATE", true),
        new("MEMORY_SCRAPE", "REPUTATION", "NOT_LISTED", "TERMINATE", true),
        new("CODE_INJECTION", "REPUTATION", "SUSPECT_MALWARE", "TERMINATE", true),
        new("RUN", "SIGNED_BY", "Evil Software Ltd", "DENY", false),
    };

    private static readonly RuleSeed[] DevRules =
    {
        new("RUN", "REPUTATION", "KNOWN_MALWARE", "DENY", true),
        new("INVOKE_SCRIPT", "NAME_PATH", "C:\\dev\\**\\*.ps1", "ALLOW", false),
        new("RUN_INMEMORY_CODE", "NAME_PATH", "C:\\Program Files\\dotnet\\dotnet.exe", "ALLOW", false),
    };

    private static readonly RuleSeed[] RestrictiveRules =
    {
        new("RUN", "REPUTATION", "KNOWN_MALWARE", "TERMINATE", true),
        new("RUN", "REPUTATION", "RESOLVING", "DENY", false),
        new("RUN", "REPUTATION", "PUP", "DENY", false),
        new("RUN", "REPUTATION", "SUSPECT_MALWARE", "DENY", false),
        new("MEMORY_SCRAPE", "REPUTATION", "ADAPTIVE_WHITE_LIST", "DENY", false),
        new("INVOKE_CMD_INTERPRETER", "NAME_PATH", "c:\\windows\\notepad.exe", "IGNORE", false),
    };

    private static Policy MakePolicy(long id, string name, string description, string priority, bool system, long revision, RuleSeed[] rules)
    {
        var body = NewPolicyBody(priority == "HIGH" || priority == "MISSION_CRITICAL");
        var arr = new JsonArray();
        long rid = 1; // a long node, like the ids the rule routes assign and look up
        foreach (var r in rules)
        {
            arr.Add(new JsonObject
            {
                ["id"] = rid++,
                ["required"] = r.Required,
                ["operation"] = r.Operation,
                ["application"] = new JsonObject { ["value"] = r.AppValue, ["type"] = r.AppType },
                ["action"] = r.Action,
            });
        }
        body["rules"] = arr;
        return new Policy
        {
            Id = id,
            Name = name,
            Description = description,
            PriorityLevel = priority,
            SystemPolicy = system,
            Version = 2,
            LatestRevision = revision,
            Body = body,
        };
    }

    private const string PolicyTemplate = """
        {
          "avSettings": {
            "features": [
              {"enabled": true, "name": "SIGNATURE_UPDATE"},
              {"enabled": true, "name": "ONACCESS_SCAN"},
              {"enabled": false, "name": "ONDEMAND_SCAN"}
            ],
            "updateServers": {
              "servers": [{"flags": 0, "regId": null, "server": ["http://updates2.cdc.carbonblack.io/update2"]}],
              "serversForOffSiteDevices": ["http://updates2.cdc.carbonblack.io/update2"]
            },
            "apc": {"maxFileSize": 4, "maxExeDelay": 45, "riskLevel": 4, "enabled": false},
            "onAccessScan": {"profile": "NORMAL"},
            "onDemandScan": {
              "profile": "NORMAL", "scanCdDvd": "AUTOSCAN", "scanUsb": "AUTOSCAN",
              "schedule": {"days": null, "rangeHours": 0, "startHour": 0, "recoveryScanIfMissed": true}
            },
            "signatureUpdate": {"schedule": {"intervalHours": 2, "fullIntervalHours": 0, "initialRandomDelayHours": 1}}
          },
          "sensorSettings": [
            {"name": "ALLOW_UNINSTALL", "value": "True"},
            {"name": "ALLOW_UPLOADS", "value": "True"},
            {"name": "SHOW_UI", "value": "True"},
            {"name": "ENABLE_THREAT_SHARING", "value": "True"},
            {"name": "QUARANTINE_DEVICE", "value": "False"},
            {"name": "LOGGING_LEVEL", "value": "False"},
            {"name": "QUARANTINE_DEVICE_MESSAGE", "value": "Your device has been quarantined. Please contact your administrator."},
            {"name": "SET_SENSOR_MODE", "value": "0"},
            {"name": "SENSOR_RESET", "value": "0"},
            {"name": "BACKGROUND_SCAN", "value": "True"},
            {"name": "POLICY_ACTION_OVERRIDE", "value": "True"},
            {"name": "HELP_MESSAGE", "value": ""},
            {"name": "SCAN_NETWORK_DRIVE", "value": "False"},
            {"name": "BYPASS_AFTER_LOGIN_MINS", "value": "0"},
            {"name": "BYPASS_AFTER_RESTART_MINS", "value": "0"},
            {"name": "SHOW_FULL_UI", "value": "False"},
            {"name": "SCAN_EXECUTE_ON_NETWORK_DRIVE", "value": "False"},
            {"name": "DELAY_EXECUTE", "value": "True"},
            {"name": "PRESERVE_SYSTEM_MEMORY_SCAN", "value": "False"},
            {"name": "HASH_MD5", "value": "False"},
            {"name": "SCAN_LARGE_FILE_READ", "value": "False"},
            {"name": "SECURITY_CENTER_OPT", "value": "True"},
            {"name": "CB_LIVE_RESPONSE", "value": "True"},
            {"name": "UNINSTALL_CODE", "value": "False"},
            {"name": "UBS_OPT_IN", "value": "True"},
            {"name": "ALLOW_EXPEDITED_SCAN", "value": "True"}
          ],
          "directoryActionRules": [],
          "rules": [],
          "knownBadHashAutoDeleteDelayMs": null,
          "id": -1
        }
        """;

    public static JsonObject NewPolicyBody(bool aggressive)
    {
        var o = JsonNode.Parse(PolicyTemplate)!.AsObject();
        if (aggressive)
        {
            o["avSettings"]!["onAccessScan"]!["profile"] = "AGGRESSIVE";
            o["avSettings"]!["apc"]!["enabled"] = true;
            o["directoryActionRules"] = new JsonArray
            {
                new JsonObject
                {
                    ["path"] = "C:\\FXCM\\**",
                    ["actions"] = new JsonObject { ["FILE_UPLOAD"] = false, ["PROTECTION"] = false },
                },
            };
        }
        return o;
    }

    private static readonly (long Id, string Name, int Weight)[] WinWorkstationPolicies =
        { (30241, "Windows_Workstation", 50), (6525, "Standard", 20), (6526, "Advanced", 10), (30246, "Developers", 10), (30245, "Executives", 5), (30247, "policy-restrictive", 5) };

    private static readonly (long Id, string Name, int Weight)[] WinServerPolicies = { (30242, "Windows_Server", 70), (6526, "Advanced", 30) };
    private static readonly (long Id, string Name, int Weight)[] MacPolicies = { (30243, "Mac_Laptops", 70), (6525, "Standard", 30) };
    private static readonly (long Id, string Name, int Weight)[] LinuxPolicies = { (30244, "Linux_Servers", 70), (6527, "Monitored", 30) };

    private static (long Id, string Name) PickWeighted((long Id, string Name, int Weight)[] items, Rng rng)
    {
        int total = 0;
        foreach (var i in items)
        {
            total += i.Weight;
        }
        int r = rng.Next(total);
        foreach (var i in items)
        {
            if (r < i.Weight)
            {
                return (i.Id, i.Name);
            }
            r -= i.Weight;
        }
        return (items[0].Id, items[0].Name);
    }

    public static string Email(int person)
    {
        string first = FirstNames[person % FirstNames.Length];
        string last = LastNames[(person / FirstNames.Length) % LastNames.Length];
        int gen = person / (FirstNames.Length * LastNames.Length);
        string suffix = gen == 0 ? "" : gen.ToString(CultureInfo.InvariantCulture);
        return (first + "." + last + suffix + "@" + Domains[person % Domains.Length]).ToLowerInvariant();
    }

    public static List<Device> SeedDevices(int count, long seed, long anchor)
    {
        var rng = new Rng(seed, "devices");
        var list = new List<Device>(count);
        var macNames = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        int people = Math.Max(8, count / 3);
        long id = 100_000 + rng.Next(1000);
        for (int i = 0; i < count; i++)
        {
            id += 1 + rng.Next(5);
            var d = new Device { DeviceId = id };
            int person = rng.Next(people);
            string first = FirstNames[person % FirstNames.Length];
            string last = LastNames[(person / FirstNames.Length) % LastNames.Length];
            d.FirstName = first;
            d.LastName = last;
            d.Email = Email(person);
            d.DeviceOwnerId = 20_000 + person;
            double os = rng.NextDouble();
            bool server = false;
            int n = i + 1;
            if (os < 0.70)
            {
                d.DeviceType = "WINDOWS";
                d.OsFamily = "WINDOWS";
                server = rng.Chance(0.2);
                if (server)
                {
                    d.Name = "SRV-" + rng.Pick(ServerRoles) + "-" + n.ToString("D3", CultureInfo.InvariantCulture);
                    d.OsVersion = rng.Pick(WinServerOs);
                    d.WindowsPlatform = "SERVER_X64";
                }
                else
                {
                    d.Name = "WIN-" + rng.Pick(Departments) + "-" + n.ToString("D4", CultureInfo.InvariantCulture);
                    d.OsVersion = rng.Pick(WinWorkstationOs);
                    d.WindowsPlatform = "CLIENT_X64";
                }
                d.SensorVersion = rng.Pick(WinSensors);
                d.SensorOutOfDate = d.SensorVersion != WinSensors[^1];
                var pol = PickWeighted(server ? WinServerPolicies : WinWorkstationPolicies, rng);
                d.PolicyId = pol.Id;
                d.PolicyName = pol.Name;
                d.AvStatus = new[] { "AV_ACTIVE", "ONDEMAND_SCAN_DISABLED" };
                d.SensorStates = new[] { "ACTIVE", "LIVE_RESPONSE_NOT_RUNNING", "LIVE_RESPONSE_NOT_KILLED", "LIVE_RESPONSE_ENABLED", "SECURITY_CENTER_OPTLN_DISABLED" };
                d.AvEngine = "4.13.0.207-ave.8.3.62.44:avpack.8.5.0.66:vdf.8.18.9.8 (20200826)";
                d.AvProductVersion = "4.13.0.207";
                d.AvAveVersion = "8.3.62.44";
                d.AvPackVersion = "8.5.0.66";
                d.AvVdfVersion = "8.18.9.8 (20200826)";
                d.LoginUserName = rng.Chance(0.7) ? "CORP\\" + (first[0] + last).ToLowerInvariant() : null;
            }
            else if (os < 0.90)
            {
                d.DeviceType = "MAC";
                d.OsFamily = "MAC";
                string baseName = "MacBook-" + char.ToLowerInvariant(first[0]) + last.ToLowerInvariant();
                macNames.TryGetValue(baseName, out int seen);
                macNames[baseName] = seen + 1;
                d.Name = seen == 0 ? baseName : baseName + "-" + (seen + 1).ToString(CultureInfo.InvariantCulture);
                d.OsVersion = rng.Pick(MacOs);
                d.SensorVersion = rng.Pick(MacSensors);
                d.SensorOutOfDate = d.SensorVersion != MacSensors[^1];
                var pol = PickWeighted(MacPolicies, rng);
                d.PolicyId = pol.Id;
                d.PolicyName = pol.Name;
                d.AvStatus = new[] { "AV_NOT_REGISTERED" };
                d.SensorStates = new[] { "ACTIVE", "LIVE_RESPONSE_ENABLED" };
                d.LoginUserName = rng.Chance(0.7) ? (first[0] + last).ToLowerInvariant() : null;
            }
            else
            {
                server = true;
                d.DeviceType = "LINUX";
                var lin = LinuxOs[rng.Next(LinuxOs.Length)];
                d.OsFamily = lin.Key;
                d.OsVersion = lin.Os;
                d.LinuxKernelVersion = lin.Kernel;
                d.Name = rng.Pick(LinuxRoles) + "-" + rng.Pick(LinuxEnvs) + "-" + n.ToString("D3", CultureInfo.InvariantCulture);
                d.SensorVersion = rng.Pick(LinuxSensors);
                d.SensorOutOfDate = d.SensorVersion != LinuxSensors[^1];
                var pol = PickWeighted(LinuxPolicies, rng);
                d.PolicyId = pol.Id;
                d.PolicyName = pol.Name;
                d.AvStatus = new[] { "AV_NOT_REGISTERED" };
                d.SensorStates = new[] { "ACTIVE", "LIVE_RESPONSE_ENABLED" };
            }
            d.TargetPriorityType = server
                ? (rng.Chance(0.3) ? "MISSION_CRITICAL" : "HIGH")
                : d.PolicyName == "Executives" ? "HIGH" : (rng.Chance(0.4) ? "LOW" : "MEDIUM");
            d.VirtualMachine = server && rng.Chance(0.6);
            d.VirtualizationProvider = d.VirtualMachine ? "VMW_ESX" : "UNKNOWN";
            d.MacAddress = rng.Hex(12);
            d.InternalIp = "10." + rng.Next(1, 40).ToString(CultureInfo.InvariantCulture) + "." + rng.Next(256).ToString(CultureInfo.InvariantCulture) + "." + rng.Next(1, 255).ToString(CultureInfo.InvariantCulture);
            bool onsite = server || rng.Chance(0.55);
            d.ExternalIp = onsite
                ? rng.Pick(OfficeIps)
                : rng.Next(24, 223).ToString(CultureInfo.InvariantCulture) + "." + rng.Next(256).ToString(CultureInfo.InvariantCulture) + "." + rng.Next(256).ToString(CultureInfo.InvariantCulture) + "." + rng.Next(1, 255).ToString(CultureInfo.InvariantCulture);
            d.LastLocation = onsite ? "ONSITE" : "OFFSITE";
            double st = rng.NextDouble();
            d.Status = st < 0.60 ? "REGISTERED" : st < 0.80 ? "ACTIVE" : st < 0.92 ? "INACTIVE" : st < 0.95 ? "BYPASS" : st < 0.98 ? "QUARANTINE" : "DEREGISTERED";
            d.Quarantined = d.Status == "QUARANTINE";
            if (d.Status == "BYPASS")
            {
                d.AvStatus = new[] { "AV_BYPASS" };
            }
            long contactAgo = d.Status == "INACTIVE" || d.Status == "DEREGISTERED"
                ? 30 * Day + rng.NextLong(30 * Day)
                : rng.Chance(0.8) ? rng.NextLong(Day) : rng.NextLong(30 * Day);
            d.LastContact = anchor - contactAgo;
            d.LastReportedTime = d.LastContact - rng.NextLong(Hour);
            d.RegisteredTime = d.LastContact - 30 * Day - rng.NextLong(700 * Day);
            d.ActivationCodeExpiryTime = d.RegisteredTime + 7 * Day;
            if (d.Status == "DEREGISTERED")
            {
                d.DeregisteredTime = d.LastContact + rng.NextLong(Day);
                d.SensorStates = new[] { "SENSOR_UNREGISTERED" };
            }
            if (rng.Chance(0.3))
            {
                d.ScanStatus = "COMPLETED";
                d.ScanLastActionTime = d.LastContact - rng.NextLong(7 * Day);
                d.ScanLastCompleteTime = d.ScanLastActionTime + rng.NextLong(2 * Hour);
                d.AvLastScanTime = d.ScanLastCompleteTime;
            }
            if (rng.Chance(0.2))
            {
                d.LastDevicePolicyChangedTime = d.RegisteredTime + rng.NextLong(30 * Day);
                d.LastDevicePolicyRequestedTime = d.LastDevicePolicyChangedTime;
                d.LastPolicyUpdatedTime = d.LastDevicePolicyChangedTime;
            }
            d.VulnScore = Math.Round(rng.NextDouble() * 10, 1);
            d.VulnSeverity = d.VulnScore >= 9 ? "CRITICAL" : d.VulnScore >= 7 ? "IMPORTANT" : d.VulnScore >= 4 ? "MODERATE" : "LOW";
            list.Add(d);
        }
        return list;
    }

    // ---- apps and events ----

    private static AppInfo App(string name, string? path, string rep, string? virus = null)
    {
        string key = (path ?? name).ToLowerInvariant();
        return new AppInfo
        {
            Name = name,
            Path = path,
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))),
#pragma warning disable CA5351 // A fake file hash in seeded data (the API's md5 field), not security.
            Md5 = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(key))),
#pragma warning restore CA5351
            Reputation = rep,
            ReputationSource = rep is "TRUSTED_WHITE_LIST" or "COMMON_WHITE_LIST" ? "WHITE_DATABASE" : "CLOUD",
            VirusName = virus,
            VirusCategory = virus != null ? "Trojan" : null,
        };
    }

    internal static readonly AppInfo[] WinApps =
    {
        App("svchost.exe", "C:\\Windows\\System32\\svchost.exe", "TRUSTED_WHITE_LIST"),
        App("explorer.exe", "C:\\Windows\\explorer.exe", "TRUSTED_WHITE_LIST"),
        App("chrome.exe", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "COMMON_WHITE_LIST"),
        App("powershell.exe", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "TRUSTED_WHITE_LIST"),
        App("cmd.exe", "C:\\Windows\\System32\\cmd.exe", "TRUSTED_WHITE_LIST"),
        App("notepad.exe", "C:\\Windows\\System32\\notepad.exe", "TRUSTED_WHITE_LIST"),
        App("OUTLOOK.EXE", "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE", "COMMON_WHITE_LIST"),
        App("WINWORD.EXE", "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", "COMMON_WHITE_LIST"),
        App("taskhost.exe", "C:\\Windows\\System32\\taskhost.exe", "TRUSTED_WHITE_LIST"),
        App("rundll32.exe", "C:\\Windows\\System32\\rundll32.exe", "TRUSTED_WHITE_LIST"),
        App("msiexec.exe", "C:\\Windows\\System32\\msiexec.exe", "TRUSTED_WHITE_LIST"),
        App("Teams.exe", "C:\\Users\\Public\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe", "COMMON_WHITE_LIST"),
        App("invoice_2041.exe", "C:\\Users\\Public\\Downloads\\invoice_2041.exe", "KNOWN_MALWARE", "Trojan.GenericKD.4631"),
        App("mimikatz.exe", "C:\\ProgramData\\tmp\\mimikatz.exe", "SUSPECT_MALWARE", "HackTool.Mimikatz"),
        App("toolbar_setup.exe", "C:\\Users\\Public\\Downloads\\toolbar_setup.exe", "PUP"),
    };

    private static readonly AppInfo WinServices = App("services.exe", "C:\\Windows\\System32\\services.exe", "TRUSTED_WHITE_LIST");

    internal static readonly AppInfo[] MacApps =
    {
        App("bash", "/bin/bash", "TRUSTED_WHITE_LIST"),
        App("Safari", "/Applications/Safari.app/Contents/MacOS/Safari", "TRUSTED_WHITE_LIST"),
        App("zoom.us", "/Applications/zoom.us.app/Contents/MacOS/zoom.us", "COMMON_WHITE_LIST"),
        App("python3", "/usr/bin/python3", "TRUSTED_WHITE_LIST"),
        App("curl", "/usr/bin/curl", "TRUSTED_WHITE_LIST"),
        App("MacKeeper", "/Applications/MacKeeper.app/Contents/MacOS/MacKeeper", "PUP"),
        App("osascript", "/usr/bin/osascript", "TRUSTED_WHITE_LIST"),
    };

    private static readonly AppInfo MacLaunchd = App("launchd", "/sbin/launchd", "TRUSTED_WHITE_LIST");

    internal static readonly AppInfo[] LinuxApps =
    {
        App("bash", "/usr/bin/bash", "TRUSTED_WHITE_LIST"),
        App("sshd", "/usr/sbin/sshd", "TRUSTED_WHITE_LIST"),
        App("java", "/usr/lib/jvm/java-11/bin/java", "COMMON_WHITE_LIST"),
        App("nginx", "/usr/sbin/nginx", "COMMON_WHITE_LIST"),
        App("python3", "/usr/bin/python3", "TRUSTED_WHITE_LIST"),
        App("curl", "/usr/bin/curl", "TRUSTED_WHITE_LIST"),
        App("xmrig", "/tmp/.x/xmrig", "KNOWN_MALWARE", "Linux.CoinMiner.XMRig"),
    };

    private static readonly AppInfo LinuxSystemd = App("systemd", "/usr/lib/systemd/systemd", "TRUSTED_WHITE_LIST");

    private static readonly string[] Fqdns = { "login.microsoftonline.com", "updates.example.com", "cdn.jsdelivr.net", "api.github.com", "evil-c2.example.net", "s3.amazonaws.com" };
    private static readonly string[] AttackStages = { "INSTALL_RUN", "RECONNAISSANCE", "COMMAND_AND_CONTROL", "BREACH", "EXECUTE_GOAL" };

    public static string Link(AppInfo a, string text) => "<share><link hash=\"" + a.Sha256 + "\">" + text + "</link></share>";

    public static List<EventRec> SeedEvents(int count, long seed, long anchor, List<Device> devices)
    {
        var rng = new Rng(seed, "events");
        var list = new List<EventRec>(count);
        if (devices.Count == 0)
        {
            return list;
        }
        for (int i = 0; i < count; i++)
        {
            var d = devices[rng.Next(devices.Count)];
            var e = new EventRec
            {
                EventId = rng.Hex(32),
                EventTime = anchor - rng.NextLong(14 * Day),
                DeviceId = d.DeviceId,
                DeviceName = d.Name,
                DeviceType = d.DeviceType,
                Email = d.Email,
                PolicyId = d.PolicyId,
                PolicyName = d.PolicyName,
                DeviceVersion = d.OsVersion,
                TargetPriorityType = d.TargetPriorityType,
                DeviceIp = d.ExternalIp,
                InternalIp = d.InternalIp,
                AgentLocation = d.LastLocation,
            };
            e.CreateTime = e.EventTime + 5_000 + rng.NextLong(60_000);
            AppInfo[] apps = d.DeviceType == "WINDOWS" ? WinApps : d.DeviceType == "MAC" ? MacApps : LinuxApps;
            AppInfo parent = d.DeviceType == "WINDOWS" ? (rng.Chance(0.5) ? WinServices : WinApps[1]) : d.DeviceType == "MAC" ? MacLaunchd : LinuxSystemd;
            AppInfo sel = rng.Pick(apps);
            string type = rng.Pick(Lists.EventTypes);
            e.EventType = type;
            e.SelectedApp = sel;
            e.ParentApp = parent;
            e.ProcessName = sel.Name;
            e.ProcessId = rng.Next(300, 30000);
            long start = e.EventTime - rng.NextLong(Day);
            e.PrivatePid = e.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + (start * 10_000 + 116_444_736_000_000_000L).ToString(CultureInfo.InvariantCulture) + "-0";
            e.ParentName = parent.Name;
            e.ParentPid = rng.Next(4, 1000);
            e.ParentPrivatePid = e.ParentPid.ToString(CultureInfo.InvariantCulture) + "-" + ((start - Hour) * 10_000 + 116_444_736_000_000_000L).ToString(CultureInfo.InvariantCulture) + "-0";
            bool win = d.DeviceType == "WINDOWS";
            e.UserName = rng.Chance(0.4) ? (win ? "SYSTEM" : "root") : (d.FirstName![0] + d.LastName!).ToLowerInvariant();
            e.FullUserName = win && e.UserName != "SYSTEM" ? "CORP\\" + e.UserName : e.UserName;
            e.CommandLine = sel.Path ?? sel.Name;
            bool bad = sel.Reputation is "KNOWN_MALWARE" or "SUSPECT_MALWARE" or "PUP";
            string outcome = bad ? "The operation was <accent>blocked by Cb Endpoint Standard</accent>." : "The operation was successful.";
            switch (type)
            {
                case "CREATE_PROCESS":
                case "INJECT_CODE":
                {
                    var tgt = rng.Pick(apps);
                    e.TargetApp = tgt;
                    e.TargetName = tgt.Name;
                    e.TargetPid = rng.Next(300, 30000);
                    e.TargetPrivatePid = e.TargetPid.Value.ToString(CultureInfo.InvariantCulture) + "-" + (e.EventTime * 10_000 + 116_444_736_000_000_000L).ToString(CultureInfo.InvariantCulture) + "-0";
                    e.TargetCommandLine = tgt.Path ?? tgt.Name;
                    string verb = type == "CREATE_PROCESS" ? "invoked the application" : "attempted to inject code into the process";
                    e.ShortDescription = "The application \"" + Link(sel, sel.Name) + "\" " + verb + " \"" + Link(tgt, tgt.Name) + "\".";
                    e.LongDescription = "The application \"" + Link(sel, e.CommandLine) + "\" " + verb + " \"" + Link(tgt, e.TargetCommandLine) + "\". " + outcome;
                    e.ThreatIndicators = type == "CREATE_PROCESS" ? (bad ? new[] { "POLICY_DENY" } : new[] { "RUN_ANOTHER_APP" }) : new[] { "INJECT_CODE", "HAS_INJECTED_CODE" };
                    break;
                }
                case "NETWORK":
                {
                    string fqdn = rng.Pick(Fqdns);
                    e.PeerFqdn = fqdn;
                    e.DestAddress = rng.Next(13, 220).ToString(CultureInfo.InvariantCulture) + "." + rng.Next(256).ToString(CultureInfo.InvariantCulture) + "." + rng.Next(256).ToString(CultureInfo.InvariantCulture) + "." + rng.Next(1, 255).ToString(CultureInfo.InvariantCulture);
                    e.DestPort = rng.Chance(0.8) ? 443 : 80;
                    e.SourceAddress = d.InternalIp;
                    e.SourcePort = rng.Next(49152, 65535);
                    e.Service = e.DestPort == 443 ? "https" : "http";
                    e.ShortDescription = "The application \"" + Link(sel, sel.Name) + "\" established a TCP/" + e.DestPort.Value.ToString(CultureInfo.InvariantCulture) + " connection to " + e.DestAddress + ":" + e.DestPort.Value.ToString(CultureInfo.InvariantCulture) + " (" + fqdn + ").";
                    e.LongDescription = "The application \"" + Link(sel, e.CommandLine) + "\" established a TCP/" + e.DestPort.Value.ToString(CultureInfo.InvariantCulture) + " connection to " + e.DestAddress + ":" + e.DestPort.Value.ToString(CultureInfo.InvariantCulture) + " (" + fqdn + ") from " + d.InternalIp + ":" + e.SourcePort.Value.ToString(CultureInfo.InvariantCulture) + ". The device was off the corporate network using the public address " + d.ExternalIp + ". " + outcome;
                    e.ThreatIndicators = fqdn.StartsWith("evil", StringComparison.Ordinal) ? new[] { "NETWORK_ACCESS", "KNOWN_C2" } : new[] { "NETWORK_ACCESS" };
                    break;
                }
                case "SYSTEM_API_CALL":
                    e.ShortDescription = "The application \"" + Link(sel, sel.Name) + "\" successfully attempted to enable executable memory.";
                    e.LongDescription = "The application \"" + Link(sel, e.CommandLine) + "\" attempted to enable executable memory, by calling the function \"NtProtectVirtualMemory\". " + outcome;
                    e.ThreatIndicators = new[] { "MODIFY_MEMORY_PROTECTION" };
                    break;
                case "FILE_CREATE":
                    e.ShortDescription = "The application \"" + Link(sel, sel.Name) + "\" created a new executable file.";
                    e.LongDescription = "The application \"" + Link(sel, e.CommandLine) + "\" created the file \"" + (win ? "C:\\Users\\Public\\Downloads\\setup_" : "/tmp/setup_") + rng.Hex(6) + (win ? ".exe" : ".sh") + "\". " + outcome;
                    e.ThreatIndicators = new[] { "FILE_CREATE", "WRITE_EXECUTABLE" };
                    break;
                case "REGISTRY_ACCESS":
                    e.ShortDescription = "The application \"" + Link(sel, sel.Name) + "\" modified a registry value.";
                    e.LongDescription = "The application \"" + Link(sel, e.CommandLine) + "\" modified the registry value \"\\REGISTRY\\MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater\". " + outcome;
                    e.ThreatIndicators = new[] { "MODIFY_AUTORUN_REGISTRY" };
                    break;
                case "DATA_ACCESS":
                    e.ShortDescription = "The application \"" + Link(sel, sel.Name) + "\" read a sensitive file.";
                    e.LongDescription = "The application \"" + Link(sel, e.CommandLine) + "\" attempted to read credentials from the browser profile. " + outcome;
                    e.ThreatIndicators = new[] { "READ_SECURITY_DATA" };
                    break;
                default:
                    e.ShortDescription = "The application \"" + Link(sel, sel.Name) + "\" was denied by a policy rule.";
                    e.LongDescription = "The application \"" + Link(sel, e.CommandLine) + "\" tried to run and a policy rule of \"" + d.PolicyName + "\" applied. The operation was <accent>blocked by Cb Endpoint Standard</accent>.";
                    e.ThreatIndicators = new[] { "POLICY_DENY" };
                    break;
            }
            e.AttackStage = rng.Pick(AttackStages);
            e.AlertScore = bad ? rng.Next(5, 10) : rng.Next(0, 4);
            e.AlertCategory = bad ? "THREAT" : e.AlertScore >= 3 ? "WARNING" : "MONITORED";
            e.IncidentId = e.AlertScore >= 3 ? rng.Hex(8, true) : null;
            list.Add(e);
        }
        list.Sort((a, b) => b.EventTime.CompareTo(a.EventTime));
        return list;
    }

    public static readonly (string Term, int Weight)[] SuggestionTerms =
    {
        ("threat_category", 525), ("watchlist_name", 512), ("ttp", 486), ("run_state", 481), ("device_name", 477),
        ("alert_id", 472), ("event_id", 472), ("threat_vector", 468), ("device_username", 461), ("report_id", 458),
        ("process_guid", 431), ("process_name", 431), ("sensor_action", 424), ("alert_severity", 419),
        ("device_id", 412), ("device_os", 412), ("device_policy", 401), ("process_pid", 311), ("process_hash", 306),
        ("process_reputation", 287), ("policy_applied", 280), ("reason_code", 274), ("workflow", 265), ("threat_id", 259),
        ("device_os_version", 248), ("process_effective_reputation", 231), ("watchlist_id", 220), ("category", 214),
        ("tag", 209), ("type", 205), ("target_value", 198), ("legacy_alert_id", 190), ("kill_chain_status", 181),
        ("device_location", 170), ("blocked_threat_category", 164), ("not_blocked_threat_category", 158),
    };
}
