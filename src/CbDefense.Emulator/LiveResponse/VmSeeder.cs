using System;
using System.Globalization;
using System.Text;

namespace CbDefense.Emulator.LiveResponse;

internal sealed partial class VirtualMachine
{
    /// <summary>Key of the large file's content: the same for every device of a seed, so its SHA-256 is computed once.</summary>
    public static ulong LargeFileKey(long seed) => (ulong)seed * 0x2545F4914F6CDD1DUL ^ 0x4C41524745UL;

    /// <summary>Builds the machine of <paramref name="d"/>: the same seed and device give the same machine.</summary>
    public static VirtualMachine Create(Device d, long seed, long anchorMs, LrOptions options, Func<long, GeneratedBlob> largeFile)
    {
        bool windows = d.DeviceType == "WINDOWS";
        var vm = new VirtualMachine(d, windows);
        var rng = new Rng(seed ^ d.DeviceId, "lr-vm");
        long anchor = anchorMs / 1000;
        long boot = anchor - 3600 - rng.NextLong(5 * 86_400);
        vm.User = UserName(d);
        long large = (long)options.LargeFileMb * 1024 * 1024;
        if (windows)
        {
            SeedWindowsFiles(vm, d, rng, anchor, large, largeFile);
            SeedWindowsProcesses(vm, rng, boot);
            SeedRegistry(vm, d, rng, anchor);
        }
        else
        {
            SeedUnixFiles(vm, d, rng, anchor, large, largeFile);
            SeedUnixProcesses(vm, rng, boot);
        }
        return vm;
    }

    private static string UserName(Device d)
    {
        string? login = d.LoginUserName;
        if (!string.IsNullOrEmpty(login))
        {
            int slash = login.LastIndexOf('\\');
            return slash >= 0 ? login[(slash + 1)..] : login;
        }
        string first = d.FirstName ?? "user";
        string last = d.LastName ?? "";
        return (first[..1] + last).ToLowerInvariant();
    }

    private static long Ago(Rng rng, long anchor, long maxDays) => anchor - 86_400 - rng.NextLong(maxDays * 86_400);

    private static ulong Key(Rng rng) => rng.NextU64();

    private static readonly byte[] MzHeader = { (byte)'M', (byte)'Z', 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00 };
    private static readonly byte[] ElfHeader = { 0x7F, (byte)'E', (byte)'L', (byte)'F', 0x02, 0x01, 0x01, 0x00 };
    private static readonly byte[] MachOHeader = { 0xCF, 0xFA, 0xED, 0xFE, 0x07, 0x00, 0x00, 0x01 };
    private static readonly byte[] ZipHeader = { (byte)'P', (byte)'K', 0x03, 0x04 };

    private static VNode Dir(VirtualMachine vm, string path, long time, params string[] extra)
    {
        var n = vm.Fs.MkdirAll(path, time);
        if (extra.Length > 0)
        {
            var attrs = new string[extra.Length + 1];
            attrs[0] = "DIRECTORY";
            extra.CopyTo(attrs, 1);
            n.Attributes = attrs;
        }
        return n;
    }

    private static VNode Bin(VirtualMachine vm, VNode dir, string name, Rng rng, long time, int minKb, int maxKb, byte[] header)
    {
        long size = 1024L * rng.Next(minKb, maxKb + 1) + rng.Next(1024);
        return vm.Fs.AddFile(dir, name, new GeneratedBlob(Key(rng), size, header), time);
    }

    private static VNode Text(VirtualMachine vm, VNode dir, string name, long time, string text) =>
        vm.Fs.AddFile(dir, name, new MemoryBlob(text), time);

    private static string Lines(Rng rng, long anchor, int count, string nl, params string[] messages)
    {
        var sb = new StringBuilder();
        long t = anchor - count * 3600L;
        for (int i = 0; i < count; i++)
        {
            t += rng.Next(60, 3600);
            sb.Append(DateTimeOffset.FromUnixTimeSeconds(t).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))
              .Append(' ').Append(rng.Pick(messages)).Append(nl);
        }
        return sb.ToString();
    }

    /// <summary>The fixture's C:\TEMP\test.txt is 1234 bytes; ours too.</summary>
    private static string TestText(string nl)
    {
        var sb = new StringBuilder();
        int i = 1;
        while (sb.Length < 1234)
        {
            sb.Append("Line ").Append(i++.ToString("D3", CultureInfo.InvariantCulture)).Append(": the quick brown fox jumps over the lazy dog.").Append(nl);
        }
        return sb.ToString(0, 1234 - nl.Length) + nl;
    }

    // ------------------------------------------------------------------ Windows

    private static void SeedWindowsFiles(VirtualMachine vm, Device d, Rng rng, long anchor, long largeSize, Func<long, GeneratedBlob> largeFile)
    {
        const string nl = "\r\n";
        long install = Ago(rng, anchor, 700);
        var c = vm.Fs.AddDrive("C:", install);
        var page = vm.Fs.AddFile(c, "pagefile.sys", new GeneratedBlob(Key(rng), 4L * 1024 * 1024 * 1024), anchor - rng.NextLong(86_400), "ARCHIVE", "HIDDEN", "SYSTEM");
        page.Locked = true;
        var swap = vm.Fs.AddFile(c, "swapfile.sys", new GeneratedBlob(Key(rng), 16L * 1024 * 1024), anchor - rng.NextLong(86_400), "ARCHIVE", "HIDDEN", "SYSTEM");
        swap.Locked = true;
        Dir(vm, "C:\\$Recycle.Bin", install, "HIDDEN", "SYSTEM");
        Dir(vm, "C:\\PerfLogs", install);

        // Windows
        var win = Dir(vm, "C:\\Windows", install);
        foreach (var (name, kb) in new[] { ("explorer.exe", 4800), ("notepad.exe", 200), ("regedit.exe", 360), ("HelpPane.exe", 1070) })
        {
            Bin(vm, win, name, rng, install, kb, kb + 20, MzHeader).Protected = true;
        }
        Text(vm, win, "win.ini", install, "; for 16-bit app support" + nl + "[fonts]" + nl + "[extensions]" + nl + "[mci extensions]" + nl + "[files]" + nl + "[Mail]" + nl + "MAPI=1" + nl).Protected = true;
        var sys32 = Dir(vm, "C:\\Windows\\System32", install);
        foreach (var (name, kb) in new[]
        {
            ("cmd.exe", 283), ("conhost.exe", 860), ("csrss.exe", 16), ("hostname.exe", 13), ("ipconfig.exe", 36),
            ("kernel32.dll", 760), ("lsass.exe", 58), ("net.exe", 57), ("notepad.exe", 201), ("ntdll.dll", 2000),
            ("ping.exe", 22), ("reg.exe", 77), ("services.exe", 700), ("smss.exe", 150), ("svchost.exe", 55),
            ("tasklist.exe", 98), ("timeout.exe", 31), ("whoami.exe", 76), ("wininit.exe", 434), ("winlogon.exe", 890),
        })
        {
            Bin(vm, sys32, name, rng, install, kb, kb + 4, MzHeader).Protected = true;
        }
        var drivers = Dir(vm, "C:\\Windows\\System32\\drivers", install);
        Bin(vm, drivers, "ACPI.sys", rng, install, 800, 810, MzHeader).Protected = true;
        Bin(vm, drivers, "tcpip.sys", rng, install, 3200, 3300, MzHeader).Protected = true;
        var etc = Dir(vm, "C:\\Windows\\System32\\drivers\\etc", install);
        Text(vm, etc, "hosts", install, "# Copyright (c) 1993-2009 Microsoft Corp." + nl + "#" + nl
            + "# This is a sample HOSTS file used by Microsoft TCP/IP for Windows." + nl + "#" + nl
            + "# localhost name resolution is handled within DNS itself." + nl + "#\t127.0.0.1       localhost" + nl
            + "#\t::1             localhost" + nl);
        var config = Dir(vm, "C:\\Windows\\System32\\config", install);
        foreach (var (name, mb) in new[] { ("SAM", 1), ("SECURITY", 1), ("SOFTWARE", 96), ("SYSTEM", 18) })
        {
            var hive = vm.Fs.AddFile(config, name, new GeneratedBlob(Key(rng), mb * 1024L * 1024, new byte[] { (byte)'r', (byte)'e', (byte)'g', (byte)'f' }), anchor - rng.NextLong(3600), "ARCHIVE", "SYSTEM");
            hive.Locked = true;
        }
        var ps = Dir(vm, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0", install);
        Bin(vm, ps, "powershell.exe", rng, install, 440, 450, MzHeader).Protected = true;
        Dir(vm, "C:\\Windows\\SysWOW64", install);
        var wtemp = Dir(vm, "C:\\Windows\\Temp", install);
        Text(vm, wtemp, "MpCmdRun.log", anchor - rng.NextLong(86_400), Lines(rng, anchor, 12, nl,
            "MpCmdRun: Command Line: \"C:\\Program Files\\Windows Defender\\MpCmdRun.exe\" SignatureUpdate",
            "Start Time: signature update", "End Time: signature update (success)"));
        var cbs = Dir(vm, "C:\\Windows\\Logs\\CBS", install);
        Text(vm, cbs, "CBS.log", anchor - rng.NextLong(86_400), Lines(rng, anchor, 40, nl,
            "Info CBS Loaded Servicing Stack", "Info CBS Session: initialized by client WindowsUpdateAgent",
            "Info CBS Exec: Processing complete", "Info CSI Perf: Transaction merge completed"));

        // Program Files (the sensor's files are tamper-protected)
        var confer = Dir(vm, "C:\\Program Files\\Confer", install);
        foreach (var (name, kb) in new[] { ("RepMgr.exe", 5200), ("RepUtils.exe", 1400), ("RepUx.exe", 2100), ("RepWAV.exe", 900), ("RepWSC.exe", 300) })
        {
            Bin(vm, confer, name, rng, install, kb, kb + 30, MzHeader).Protected = true;
        }
        Text(vm, confer, "cfg.ini", install, "[customer]" + nl + "DeviceId=" + d.DeviceId.ToString(CultureInfo.InvariantCulture) + nl
            + "SensorVersion=" + d.SensorVersion + nl + "Backend=https://dev-prod05.conferdeploy.net" + nl).Protected = true;
        var defender = Dir(vm, "C:\\Program Files\\Windows Defender", install);
        Bin(vm, defender, "MpCmdRun.exe", rng, install, 1200, 1300, MzHeader).Protected = true;
        Bin(vm, defender, "MsMpEng.exe", rng, install, 130, 140, MzHeader).Protected = true;
        var ie = Dir(vm, "C:\\Program Files\\Internet Explorer", install);
        Bin(vm, ie, "iexplore.exe", rng, install, 800, 820, MzHeader);
        var chrome = Dir(vm, "C:\\Program Files (x86)\\Google\\Chrome\\Application", install + 86_400);
        Bin(vm, chrome, "chrome.exe", rng, install + 86_400, 2300, 2400, MzHeader);
        Dir(vm, "C:\\ProgramData", install, "HIDDEN");
        Dir(vm, "C:\\ProgramData\\Microsoft\\Windows\\Start Menu\\Programs", install);

        // C:\TEMP: the fixtures' folder, with the large file
        long tempTime = Ago(rng, anchor, 60);
        var temp = Dir(vm, "C:\\TEMP", tempTime);
        vm.Fs.AddFile(temp, "large.bin", largeFile(largeSize), tempTime);
        Text(vm, temp, "test.txt", tempTime, TestText(nl));
        Text(vm, temp, "install.log", tempTime + 60, Lines(rng, anchor, 30, nl,
            "MSI (s) (A4:B0): Product: Contoso Agent -- Installation completed successfully.",
            "MSI (s) (A4:B0): Windows Installer installed the product.", "MSI (c) (2C:14): Resetting cached policy values",
            "Action start InstallFiles.", "Action ended InstallFiles. Return value 1."));
        Text(vm, temp, "setup.log", tempTime + 120, Lines(rng, anchor, 20, nl,
            "Setup: extracting payload", "Setup: registering components", "Setup: done (0)"));
        Text(vm, temp, "notes.txt", tempTime + 180, "Remember to rotate the service account password." + nl + "Ticket INC-" + rng.Next(10000, 99999).ToString(CultureInfo.InvariantCulture) + nl);
        vm.Fs.AddFile(temp, "archive.zip", new GeneratedBlob(Key(rng), 1024L * rng.Next(40, 400), ZipHeader), tempTime + 240);

        // Users
        string user = vm.User;
        vm.UserHome = "C:\\Users\\" + user;
        long created = Ago(rng, anchor, 400);
        Dir(vm, "C:\\Users\\Public\\Documents", install);
        Dir(vm, "C:\\Users\\Default", install, "HIDDEN");
        var desktop = Dir(vm, vm.UserHome + "\\Desktop", created);
        Text(vm, desktop, "readme.txt", created, "Welcome, " + (d.FirstName ?? user) + "." + nl);
        var docs = Dir(vm, vm.UserHome + "\\Documents", created);
        vm.Fs.AddFile(docs, "Q3-report.docx", new GeneratedBlob(Key(rng), 1024L * rng.Next(20, 300), ZipHeader), Ago(rng, anchor, 90));
        vm.Fs.AddFile(docs, "budget.xlsx", new GeneratedBlob(Key(rng), 1024L * rng.Next(10, 120), ZipHeader), Ago(rng, anchor, 90));
        Text(vm, docs, "notes.txt", Ago(rng, anchor, 30), "Call the vendor about the renewal." + nl + "Quarterly numbers due on Friday." + nl);
        var downloads = Dir(vm, vm.UserHome + "\\Downloads", created);
        Bin(vm, downloads, "setup.exe", rng, Ago(rng, anchor, 20), 900, 4000, MzHeader);
        var appTemp = Dir(vm, vm.UserHome + "\\AppData\\Local\\Temp", created);
        vm.Fs.Find(vm.UserHome + "\\AppData", "C:\\")!.Attributes = new[] { "DIRECTORY", "HIDDEN" };
        Text(vm, appTemp, "chrome_installer.log", Ago(rng, anchor, 10), Lines(rng, anchor, 8, nl, "[INFO] install started", "[INFO] install complete"));

        // D:
        long dTime = Ago(rng, anchor, 300);
        vm.Fs.AddDrive("D:", dTime);
        var backup = Dir(vm, "D:\\Backup", dTime);
        vm.Fs.AddFile(backup, "backup-" + DateTimeOffset.FromUnixTimeSeconds(dTime).UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture) + ".zip", new GeneratedBlob(Key(rng), 1024L * 1024 * rng.Next(1, 5), ZipHeader), dTime);
        var data = Dir(vm, "D:\\Data", dTime);
        var csv = new StringBuilder("id,name,amount" + nl);
        for (int i = 1; i <= 50; i++)
        {
            csv.Append(i.ToString(CultureInfo.InvariantCulture)).Append(",item-").Append(i.ToString("D3", CultureInfo.InvariantCulture)).Append(',').Append(rng.Next(1, 10000).ToString(CultureInfo.InvariantCulture)).Append(nl);
        }
        Text(vm, data, "export.csv", dTime, csv.ToString());
    }

    private static void SeedWindowsProcesses(VirtualMachine vm, Rng rng, long boot)
    {
        const string system = "NT AUTHORITY\\SYSTEM";
        const string sysSid = "S-1-5-18";
        string user = "CORP\\" + vm.User;
        string userSid = "S-1-5-21-" + (1_000_000_000 + rng.Next(900_000_000)).ToString(CultureInfo.InvariantCulture) + "-"
            + (1_000_000_000 + rng.Next(900_000_000)).ToString(CultureInfo.InvariantCulture) + "-" + (1_000_000_000 + rng.Next(900_000_000)).ToString(CultureInfo.InvariantCulture) + "-1104";
        int pid = 300 + 4 * rng.Next(40);
        int Next()
        {
            pid += 4 * rng.Next(1, 60);
            return pid;
        }
        const string s32 = "C:\\Windows\\System32\\";
        vm.AddProcess(4, 0, "", "", system, sysSid, boot, isProtected: true);
        vm.AddProcess(120, 4, "Registry", "", system, sysSid, boot, isProtected: true);
        int smss = Next();
        vm.AddProcess(smss, 4, s32 + "smss.exe", "\\SystemRoot\\System32\\smss.exe", system, sysSid, boot + 1, isProtected: true);
        int csrss = Next();
        vm.AddProcess(csrss, smss, s32 + "csrss.exe", "%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768 Windows=On SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 ServerDll=sxssrv,4 ProfileControl=Off MaxRequestThreads=16", system, sysSid, boot + 2, isProtected: true);
        int wininit = Next();
        vm.AddProcess(wininit, smss, s32 + "wininit.exe", "wininit.exe", system, sysSid, boot + 2, isProtected: true);
        int services = Next();
        vm.AddProcess(services, wininit, s32 + "services.exe", s32 + "services.exe", system, sysSid, boot + 3, isProtected: true);
        int lsass = Next();
        vm.AddProcess(lsass, wininit, s32 + "lsass.exe", s32 + "lsass.exe", system, sysSid, boot + 3, isProtected: true);
        int winlogon = Next();
        vm.AddProcess(winlogon, smss, s32 + "winlogon.exe", "winlogon.exe", system, sysSid, boot + 3);
        foreach (var (args, who, sid) in new[]
        {
            ("-k DcomLaunch -p", system, sysSid), ("-k RPCSS -p", "NT AUTHORITY\\NETWORK SERVICE", "S-1-5-20"),
            ("-k LocalServiceNetworkRestricted -p", "NT AUTHORITY\\LOCAL SERVICE", "S-1-5-19"), ("-k netsvcs -p", system, sysSid),
            ("-k NetworkService -p", "NT AUTHORITY\\NETWORK SERVICE", "S-1-5-20"), ("-k LocalSystemNetworkRestricted -p", system, sysSid),
        })
        {
            vm.AddProcess(Next(), services, s32 + "svchost.exe", s32 + "svchost.exe " + args, who, sid, boot + 5 + rng.Next(30));
        }
        int spool = Next();
        vm.AddProcess(spool, services, s32 + "spoolsv.exe", s32 + "spoolsv.exe", system, sysSid, boot + 20);
        int defender = Next();
        vm.AddProcess(defender, services, "C:\\Program Files\\Windows Defender\\MsMpEng.exe", "\"C:\\Program Files\\Windows Defender\\MsMpEng.exe\"", system, sysSid, boot + 25, isProtected: true);
        int repmgr = Next();
        vm.AddProcess(repmgr, services, "C:\\Program Files\\Confer\\RepMgr.exe", "\"C:\\Program Files\\Confer\\RepMgr.exe\"", system, sysSid, boot + 25, isProtected: true);
        vm.SensorPid = repmgr;
        vm.AddProcess(Next(), repmgr, "C:\\Program Files\\Confer\\RepWSC.exe", "\"C:\\Program Files\\Confer\\RepWSC.exe\"", system, sysSid, boot + 30, isProtected: true);
        long logon = boot + 60 + rng.Next(3600);
        int explorer = Next();
        vm.AddProcess(explorer, winlogon, "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE", user, userSid, logon);
        vm.AddProcess(Next(), explorer, "C:\\Program Files\\Confer\\RepUx.exe", "\"C:\\Program Files\\Confer\\RepUx.exe\"", user, userSid, logon + 5, isProtected: true);
        vm.AddProcess(Next(), explorer, "C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe", "\"C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe\"", user, userSid, logon + 120);
        vm.NextPid = (pid + 400) / 4 * 4;
    }

    private static void SeedRegistry(VirtualMachine vm, Device d, Rng rng, long anchor)
    {
        var r = vm.Registry!;
        long install = anchor - 30 * 86_400 - rng.NextLong(600 * 86_400);
        string build = d.OsVersion.Contains("Server 2012", StringComparison.OrdinalIgnoreCase) ? "9600"
            : d.OsVersion.Contains("Server 2016", StringComparison.OrdinalIgnoreCase) ? "14393"
            : d.OsVersion.Contains("Server 2019", StringComparison.OrdinalIgnoreCase) ? "17763"
            : d.OsVersion.Contains("Windows 7", StringComparison.OrdinalIgnoreCase) ? "7601" : "19045";
        r.Key("HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion")
            .Set("ProductName", "REG_SZ", d.OsVersion.Trim())
            .Set("CurrentBuild", "REG_SZ", build)
            .Set("CurrentBuildNumber", "REG_SZ", build)
            .Set("EditionID", "REG_SZ", d.WindowsPlatform == "SERVER_X64" ? "ServerStandard" : "Enterprise")
            .Set("InstallDate", "REG_DWORD", (ulong)install)
            .Set("RegisteredOwner", "REG_SZ", "CORP")
            .Set("SystemRoot", "REG_SZ", "C:\\Windows")
            .Set("DigitalProductId", "REG_BINARY", Bytes(rng, 24));
        r.Key("HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion")
            .Set("ProgramFilesDir", "REG_SZ", "C:\\Program Files")
            .Set("CommonFilesDir", "REG_SZ", "C:\\Program Files\\Common Files")
            .Set("DevicePath", "REG_EXPAND_SZ", "%SystemRoot%\\inf");
        r.Key("HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run")
            .Set("SecurityHealth", "REG_EXPAND_SZ", "%windir%\\system32\\SecurityHealthSystray.exe");
        r.Key("HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate").Set("WUServer", "REG_SZ", "http://wsus.corp.example.com:8530");
        var confer = r.Key("HKLM\\SOFTWARE\\Confer");
        confer.Protected = true;
        confer.Set("InstallDir", "REG_SZ", "C:\\Program Files\\Confer\\")
            .Set("SensorVersion", "REG_SZ", d.SensorVersion)
            .Set("DeviceId", "REG_QWORD", (ulong)d.DeviceId)
            .Set("LiveResponse", "REG_DWORD", 1UL);
        confer.Sub("Config").Set("Backend", "REG_SZ", "https://dev-prod05.conferdeploy.net");

        const string svc = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\";
        // ACPI exactly as lr_command_get_reg_enum_key.json
        r.Key(svc + "ACPI")
            .Set("Start", "REG_DWORD", 0UL)
            .Set("Type", "REG_DWORD", 1UL)
            .Set("ErrorControl", "REG_DWORD", 3UL)
            .Set("ImagePath", "REG_EXPAND_SZ", "system32\\drivers\\ACPI.sys")
            .Set("DisplayName", "REG_SZ", "Microsoft ACPI Driver")
            .Set("Group", "REG_SZ", "Boot Bus Extender")
            .Set("DriverPackageId", "REG_SZ", "acpi.inf_x86_neutral_ddd3c514822f1b21")
            .Set("Tag", "REG_DWORD", 1UL);
        r.Key(svc + "ACPI\\Parameters").Set("WHEAOSCImplemented", "REG_BINARY", new byte[] { 0, 0, 0, 0 });
        r.Key(svc + "ACPI\\Enum").Set("Count", "REG_DWORD", 1UL).Set("NextInstance", "REG_DWORD", 1UL).Set("0", "REG_SZ", "ACPI_HAL\\PNP0C08\\0");
        r.Key(svc + "Tcpip\\Parameters")
            .Set("Hostname", "REG_SZ", d.Name)
            .Set("NV Hostname", "REG_SZ", d.Name)
            .Set("Domain", "REG_SZ", "corp.example.com")
            .Set("SearchList", "REG_SZ", "corp.example.com");
        r.Key(svc + "EventLog").Set("Start", "REG_DWORD", 2UL).Set("Type", "REG_DWORD", 32UL).Set("ObjectName", "REG_SZ", "NT AUTHORITY\\LocalService");
        var cbsvc = r.Key(svc + "CbDefense");
        cbsvc.Protected = true;
        cbsvc.Set("ImagePath", "REG_EXPAND_SZ", "\"C:\\Program Files\\Confer\\RepMgr.exe\"")
            .Set("Start", "REG_DWORD", 2UL)
            .Set("Type", "REG_DWORD", 16UL)
            .Set("DisplayName", "REG_SZ", "Carbon Black Cloud Sensor")
            .Set("DependOnService", "REG_MULTI_SZ", new[] { "RpcSs", "Tcpip" });
        r.Key("HKLM\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName").Set("ComputerName", "REG_SZ", d.Name.ToUpperInvariant());
        r.Key("HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment")
            .Set("Path", "REG_EXPAND_SZ", "%SystemRoot%\\system32;%SystemRoot%;%SystemRoot%\\System32\\Wbem;%SYSTEMROOT%\\System32\\WindowsPowerShell\\v1.0\\")
            .Set("TEMP", "REG_EXPAND_SZ", "%SystemRoot%\\TEMP")
            .Set("NUMBER_OF_PROCESSORS", "REG_SZ", (2 << rng.Next(3)).ToString(CultureInfo.InvariantCulture));
        r.Key("HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Memory Management")
            .Set("PagingFiles", "REG_MULTI_SZ", new[] { "?:\\pagefile.sys" })
            .Set("ClearPageFileAtShutdown", "REG_DWORD", 0UL);
        r.Key("HKLM\\SYSTEM\\Select").Set("Current", "REG_DWORD", 1UL).Set("Default", "REG_DWORD", 1UL).Set("LastKnownGood", "REG_DWORD", 2UL);

        r.Key("HKCU\\Environment").Set("TEMP", "REG_EXPAND_SZ", "%USERPROFILE%\\AppData\\Local\\Temp").Set("TMP", "REG_EXPAND_SZ", "%USERPROFILE%\\AppData\\Local\\Temp");
        r.Key("HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run").Set("OneDrive", "REG_SZ", "\"C:\\Users\\" + vm.User + "\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe\" /background");
        r.Key("HKCU\\Control Panel\\Desktop").Set("Wallpaper", "REG_SZ", "C:\\Windows\\web\\wallpaper\\Windows\\img0.jpg").Set("ScreenSaveTimeOut", "REG_SZ", "900");
        // one value of every type, for round trips
        r.Key("HKCU\\Software\\Emulator\\Types")
            .Set("String", "REG_SZ", "hello")
            .Set("Expandable", "REG_EXPAND_SZ", "%USERPROFILE%\\Documents")
            .Set("Multi", "REG_MULTI_SZ", new[] { "one", "two", "three" })
            .Set("Dword", "REG_DWORD", 42UL)
            .Set("Qword", "REG_QWORD", 0x1_0000_0000UL)
            .Set("Binary", "REG_BINARY", new byte[] { 0xDE, 0xAD, 0xBE, 0xEF });
        r.Key("HKU\\.DEFAULT\\Environment").Set("TEMP", "REG_EXPAND_SZ", "%USERPROFILE%\\AppData\\Local\\Temp");
        r.Key("HKU\\S-1-5-18");
        r.Key("HKCR\\.txt").Set("", "REG_SZ", "txtfile").Set("Content Type", "REG_SZ", "text/plain");
        r.Key("HKCC\\System\\CurrentControlSet\\Control\\Print\\Printers");
    }

    private static byte[] Bytes(Rng rng, int n)
    {
        var b = new byte[n];
        for (int i = 0; i < n; i++)
        {
            b[i] = (byte)rng.Next(256);
        }
        return b;
    }

    // ------------------------------------------------------------------ Mac and Linux

    private static void SeedUnixFiles(VirtualMachine vm, Device d, Rng rng, long anchor, long largeSize, Func<long, GeneratedBlob> largeFile)
    {
        const string nl = "\n";
        bool mac = d.DeviceType == "MAC";
        byte[] exe = mac ? MachOHeader : ElfHeader;
        long install = Ago(rng, anchor, 700);
        vm.Fs.AddDrive("/", install);
        var bin = Dir(vm, "/bin", install);
        foreach (var name in new[] { "bash", "cat", "echo", "hostname", "ls", "ps", "pwd", "sh", "sleep" })
        {
            Bin(vm, bin, name, rng, install, 30, 1200, exe).Protected = true;
        }
        var usrbin = Dir(vm, "/usr/bin", install);
        foreach (var name in new[] { "env", "id", "python3", "uname", "whoami" })
        {
            Bin(vm, usrbin, name, rng, install, 20, 300, exe).Protected = true;
        }
        var sbin = Dir(vm, "/sbin", install);
        Bin(vm, sbin, mac ? "launchd" : "init", rng, install, 200, 400, exe).Protected = true;
        var etc = Dir(vm, "/etc", install);
        Text(vm, etc, "hosts", install, "127.0.0.1\tlocalhost" + nl + "::1\tlocalhost" + nl + vm.InternalIp + "\t" + d.Name + nl);
        Text(vm, etc, "hostname", install, d.Name + nl);
        Text(vm, etc, "passwd", install, "root:x:0:0:root:/root:/bin/bash" + nl + "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin" + nl
            + vm.User + ":x:1000:1000:" + (d.FirstName ?? "") + " " + (d.LastName ?? "") + ":" + (mac ? "/Users/" : "/home/") + vm.User + ":/bin/bash" + nl);
        Dir(vm, "/etc/ssh", install);
        Text(vm, vm.Fs.Find("/etc/ssh", "/")!, "sshd_config", install, "Port 22" + nl + "PermitRootLogin no" + nl + "PasswordAuthentication no" + nl);
        if (!mac)
        {
            Text(vm, etc, "os-release", install, "NAME=\"" + d.OsVersion + "\"" + nl + "PRETTY_NAME=\"" + d.OsVersion + "\"" + nl);
            var sensor = Dir(vm, "/opt/carbonblack/psc/bin", install);
            Bin(vm, sensor, "cbagentd", rng, install, 9000, 9200, exe).Protected = true;
            Dir(vm, "/root", install);
            Dir(vm, "/var/tmp", install);
            var log = Dir(vm, "/var/log", install);
            Text(vm, log, "syslog", anchor - rng.NextLong(3600), Lines(rng, anchor, 60, nl,
                d.Name + " systemd[1]: Started Session of user " + vm.User + ".", d.Name + " CRON[2211]: (root) CMD (run-parts /etc/cron.hourly)",
                d.Name + " sshd[1022]: Accepted publickey for " + vm.User, d.Name + " kernel: [UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.7"));
            Text(vm, log, "auth.log", anchor - rng.NextLong(3600), Lines(rng, anchor, 25, nl,
                d.Name + " sshd[1022]: Accepted publickey for " + vm.User + " from 10.0.0.5 port 51234 ssh2",
                d.Name + " sudo: " + vm.User + " : TTY=pts/0 ; PWD=/home/" + vm.User + " ; USER=root ; COMMAND=/usr/bin/systemctl status"));
            var cblog = Dir(vm, "/var/log/carbonblack", install);
            Text(vm, cblog, "cbagentd.log", anchor - rng.NextLong(3600), Lines(rng, anchor, 20, nl, "cbagentd: connected to backend", "cbagentd: policy update applied", "cbagentd: heartbeat"));
            vm.UserHome = "/home/" + vm.User;
        }
        else
        {
            var confer = Dir(vm, "/Applications/Confer.app/Contents/MacOS", install);
            Bin(vm, confer, "repmgr", rng, install, 8000, 8200, exe).Protected = true;
            Dir(vm, "/Applications/Safari.app/Contents/MacOS", install);
            Dir(vm, "/System/Library", install);
            var logs = Dir(vm, "/Library/Logs", install);
            Text(vm, logs, "CbOsxSensorService.log", anchor - rng.NextLong(3600), Lines(rng, anchor, 20, nl, "sensor: connected to backend", "sensor: policy update applied"));
            var log = Dir(vm, "/var/log", install);
            Text(vm, log, "system.log", anchor - rng.NextLong(3600), Lines(rng, anchor, 50, nl,
                d.Name + " syslogd[112]: ASL Sender Statistics", d.Name + " com.apple.xpc.launchd[1]: Service exited",
                d.Name + " loginwindow[150]: USER_PROCESS: 1 console"));
            Text(vm, log, "install.log", anchor - rng.NextLong(86_400), Lines(rng, anchor, 15, nl, d.Name + " softwareupdated[400]: Installed update", d.Name + " installd[600]: PackageKit: done"));
            Dir(vm, "/private/var/log", install);
            vm.UserHome = "/Users/" + vm.User;
        }
        long tempTime = Ago(rng, anchor, 60);
        var tmp = Dir(vm, "/tmp", tempTime);
        vm.Fs.AddFile(tmp, "large.bin", largeFile(largeSize), tempTime);
        Text(vm, tmp, "test.txt", tempTime, TestText(nl));
        Text(vm, tmp, "install.log", tempTime + 60, Lines(rng, anchor, 30, nl, "install: unpacking", "install: configuring", "install: done"));
        Text(vm, tmp, "notes.txt", tempTime + 120, "Remember to rotate the deploy key." + nl);
        long created = Ago(rng, anchor, 400);
        var home = Dir(vm, vm.UserHome, created);
        Text(vm, home, ".bashrc", created, "export PATH=$HOME/bin:$PATH" + nl + "alias ll='ls -la'" + nl);
        Text(vm, home, "notes.txt", Ago(rng, anchor, 30), "Deploy on Thursday." + nl);
        var docs = Dir(vm, vm.UserHome + "/Documents", created);
        Text(vm, docs, "report.txt", Ago(rng, anchor, 40), "Quarterly report draft" + nl + "- revenue: up" + nl + "- costs: flat" + nl);
        Dir(vm, vm.UserHome + "/Downloads", created);
        if (mac)
        {
            Dir(vm, vm.UserHome + "/Desktop", created);
        }
    }

    private static void SeedUnixProcesses(VirtualMachine vm, Rng rng, long boot)
    {
        bool mac = vm.Os == "MAC";
        int pid = 300 + rng.Next(200);
        int Next()
        {
            pid += rng.Next(1, 90);
            return pid;
        }
        if (mac)
        {
            vm.AddProcess(0, 0, "kernel_task", "kernel_task", "root", "0", boot, isProtected: true);
            vm.AddProcess(1, 0, "/sbin/launchd", "/sbin/launchd", "root", "0", boot, isProtected: true);
            vm.AddProcess(Next(), 1, "/usr/libexec/logd", "/usr/libexec/logd", "root", "0", boot + 1);
            vm.AddProcess(Next(), 1, "/usr/sbin/syslogd", "/usr/sbin/syslogd", "root", "0", boot + 1);
            int sensor = Next();
            vm.AddProcess(sensor, 1, "/Applications/Confer.app/Contents/MacOS/repmgr", "/Applications/Confer.app/Contents/MacOS/repmgr", "root", "0", boot + 10, isProtected: true);
            vm.SensorPid = sensor;
            vm.AddProcess(Next(), 1, "/usr/sbin/sshd", "/usr/sbin/sshd -i", "root", "0", boot + 12);
            int login = Next();
            vm.AddProcess(login, 1, "/System/Library/CoreServices/loginwindow.app/Contents/MacOS/loginwindow", "/System/Library/CoreServices/loginwindow.app/Contents/MacOS/loginwindow console", vm.User, "501", boot + 30);
            vm.AddProcess(Next(), 1, "/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder", "/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder", vm.User, "501", boot + 40);
            vm.AddProcess(Next(), login, "/bin/zsh", "-zsh", vm.User, "501", boot + 900);
        }
        else
        {
            vm.AddProcess(1, 0, "/sbin/init", "/sbin/init splash", "root", "0", boot, isProtected: true);
            vm.AddProcess(2, 0, "kthreadd", "[kthreadd]", "root", "0", boot, isProtected: true);
            vm.AddProcess(Next(), 1, "/usr/lib/systemd/systemd-journald", "/usr/lib/systemd/systemd-journald", "root", "0", boot + 1);
            vm.AddProcess(Next(), 1, "/usr/lib/systemd/systemd-logind", "/usr/lib/systemd/systemd-logind", "root", "0", boot + 2);
            vm.AddProcess(Next(), 1, "/usr/sbin/rsyslogd", "/usr/sbin/rsyslogd -n -iNONE", "syslog", "104", boot + 3);
            vm.AddProcess(Next(), 1, "/usr/sbin/cron", "/usr/sbin/cron -f", "root", "0", boot + 3);
            int sshd = Next();
            vm.AddProcess(sshd, 1, "/usr/sbin/sshd", "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", "root", "0", boot + 4);
            int sensor = Next();
            vm.AddProcess(sensor, 1, "/opt/carbonblack/psc/bin/cbagentd", "/opt/carbonblack/psc/bin/cbagentd", "root", "0", boot + 10, isProtected: true);
            vm.SensorPid = sensor;
            int session = Next();
            vm.AddProcess(session, sshd, "/usr/sbin/sshd", "sshd: " + vm.User + "@pts/0", vm.User, "1000", boot + 3600);
            vm.AddProcess(Next(), session, "/bin/bash", "-bash", vm.User, "1000", boot + 3601);
        }
        vm.NextPid = pid + 100;
    }
}
