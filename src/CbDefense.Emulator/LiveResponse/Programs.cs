using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace CbDefense.Emulator.LiveResponse;

/// <summary>What a started process did.</summary>
internal sealed class RunResult
{
    /// <summary>The process could not be started (ERROR_FILE_NOT_FOUND, ERROR_DIRECTORY, ...).</summary>
    public LrError? Error;
    public string ExePath = "";
    public int ExitCode;
    public byte[] Output = Array.Empty<byte>();
    /// <summary>How long it runs; null: until killed (an interactive program).</summary>
    public TimeSpan? Runtime = TimeSpan.Zero;
}

internal sealed partial class VirtualMachine
{
    /// <summary>Most output a started process keeps (the rest is cut).</summary>
    public const int MaxOutput = 1024 * 1024;

    /// <summary>Start time (epoch seconds) of the process being run, for files it writes.</summary>
    private long _now;

    private static readonly string[] WinPath = { "C:\\Windows\\System32", "C:\\Windows", "C:\\Windows\\System32\\WindowsPowerShell\\v1.0" };
    private static readonly string[] UnixPath = { "/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin" };
    private static readonly string[] PathExt = { ".exe", ".com", ".bat", ".cmd" };
    /// <summary>Programs that wait for a user: started, they run until killed.</summary>
    private static readonly string[] Interactive = { "notepad", "calc", "mspaint", "explorer", "powershell", "regedit", "wordpad", "python3", "top", "vi" };

    /// <summary>How long <paramref name="commandLine"/> will run (sleep/timeout/ping), estimated when the command is
    /// posted, before anything is resolved; null when it runs until killed.</summary>
    public TimeSpan? EstimateRuntime(string commandLine)
    {
        var argv = Windows ? SplitWindows(commandLine) : SplitShell(commandLine);
        return Estimate(argv, 0);
    }

    private TimeSpan? Estimate(List<string> argv, int depth)
    {
        if (argv.Count == 0 || depth > 4)
        {
            return TimeSpan.Zero;
        }
        string prog = ProgramName(argv[0]);
        switch (prog)
        {
            case "cmd":
                int c = argv.FindIndex(a => a.Equals("/c", StringComparison.OrdinalIgnoreCase) || a.Equals("/k", StringComparison.OrdinalIgnoreCase));
                return c < 0 ? null : Estimate(argv.GetRange(c + 1, argv.Count - c - 1), depth + 1);
            case "sh":
            case "bash":
            case "zsh":
                int dc = argv.IndexOf("-c");
                return dc < 0 || dc + 1 >= argv.Count ? null : Estimate(SplitShell(argv[dc + 1]), depth + 1);
            case "sleep":
                return argv.Count > 1 && double.TryParse(argv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s >= 0 ? TimeSpan.FromSeconds(Math.Min(s, 86_400)) : TimeSpan.Zero;
            case "timeout":
                return TimeSpan.FromSeconds(Flag(argv, "/t", 0));
            case "ping":
                return TimeSpan.FromSeconds(Math.Max(0, Flag(argv, Windows ? "-n" : "-c", 4) - 1));
            default:
                return Array.IndexOf(Interactive, prog) >= 0 ? null : TimeSpan.Zero;
        }
    }

    private static int Flag(List<string> argv, string name, int def)
    {
        int i = argv.FindIndex(a => a.Equals(name, StringComparison.OrdinalIgnoreCase) || (name.StartsWith('/') && a.Equals("-" + name[1..], StringComparison.OrdinalIgnoreCase)));
        if (i >= 0 && i + 1 < argv.Count && int.TryParse(argv[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= 0)
        {
            return Math.Min(n, 86_400);
        }
        return def;
    }

    private static string ProgramName(string arg0)
    {
        string name = arg0.Replace('\\', '/');
        name = name[(name.LastIndexOf('/') + 1)..].ToLowerInvariant();
        foreach (var ext in PathExt)
        {
            if (name.EndsWith(ext, StringComparison.Ordinal))
            {
                return name[..^ext.Length];
            }
        }
        return name;
    }

    /// <summary>Starts <paramref name="commandLine"/> at <paramref name="time"/> (epoch seconds) in
    /// <paramref name="workingDirectory"/> (null: the session's current directory).</summary>
    public RunResult Run(string commandLine, string? workingDirectory, long time)
    {
        var result = new RunResult();
        _now = time;
        string cwd = Cwd;
        if (!string.IsNullOrEmpty(workingDirectory))
        {
            var wd = Fs.Find(workingDirectory, Cwd);
            if (wd == null || !wd.IsDir)
            {
                result.Error = Hr.Directory;
                return result;
            }
            cwd = Fs.PathOf(wd);
        }
        var argv = Windows ? SplitWindows(commandLine) : SplitShell(commandLine);
        if (argv.Count == 0)
        {
            result.Error = Hr.InvalidParameter;
            return result;
        }
        var exe = ResolveExecutable(argv[0], cwd);
        if (exe == null)
        {
            result.Error = Hr.FileNotFound;
            return result;
        }
        if (exe.IsDir)
        {
            result.Error = Hr.AccessDenied;
            return result;
        }
        result.ExePath = Fs.PathOf(exe);
        var output = new StringBuilder();
        string prog = ProgramName(exe.Name);
        if (prog == "cmd")
        {
            string rest = AfterSwitch(commandLine, out bool has);
            if (!has)
            {
                result.Runtime = null; // an interactive shell
                return result;
            }
            result.ExitCode = Cmd(rest, cwd, time, output);
        }
        else if (prog is "sh" or "bash" or "zsh" && !Windows)
        {
            int dc = argv.IndexOf("-c");
            if (dc < 0 || dc + 1 >= argv.Count)
            {
                result.Runtime = null;
                return result;
            }
            result.ExitCode = Shell(argv[dc + 1], cwd, time, output, 0);
        }
        else if (KnownProgram(prog))
        {
            result.ExitCode = Windows ? WinProgram(prog, argv, output) : UnixProgram(prog, argv, cwd, output, 0);
        }
        else if (Array.IndexOf(Interactive, prog) >= 0)
        {
            result.Runtime = null;
            return result;
        }
        result.Runtime = Estimate(argv, 0);
        result.Output = Cap(output.ToString());
        return result;
    }

    private static byte[] Cap(string s)
    {
        byte[] b = Encoding.UTF8.GetBytes(s);
        return b.Length <= MaxOutput ? b : b[..MaxOutput];
    }

    private bool KnownProgram(string prog) => Windows
        ? prog is "hostname" or "whoami" or "ipconfig" or "ping" or "timeout" or "tasklist"
        : prog is "echo" or "uname" or "ls" or "cat" or "hostname" or "whoami" or "id" or "pwd" or "sleep" or "ps" or "ping" or "env";

    private VNode? ResolveExecutable(string arg0, string cwd)
    {
        bool hasPath = Windows ? arg0.IndexOfAny(new[] { '\\', '/', ':' }) >= 0 : arg0.Contains('/');
        var candidates = new List<string>();
        if (hasPath)
        {
            candidates.Add(arg0);
        }
        else
        {
            if (Windows)
            {
                candidates.Add(Fs.Text(Fs.Parse(cwd, Cwd)!) + "\\" + arg0);
            }
            foreach (var dir in Windows ? WinPath : UnixPath)
            {
                candidates.Add(dir + Fs.Separator + arg0);
            }
        }
        bool hasExt = Windows && Path.HasExtension(arg0);
        foreach (string c in candidates)
        {
            var n = Fs.Find(c, cwd);
            if (n != null && (!Windows || hasExt || n.IsDir))
            {
                return n;
            }
            if (Windows && !hasExt)
            {
                foreach (var ext in PathExt)
                {
                    var e = Fs.Find(c + ext, cwd);
                    if (e != null && !e.IsDir)
                    {
                        return e;
                    }
                }
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ command-line splitting

    /// <summary>CommandLineToArgvW-like: whitespace separates, double quotes group (and are removed).</summary>
    public static List<string> SplitWindows(string s)
    {
        var args = new List<string>();
        var cur = new StringBuilder();
        bool quoted = false, any = false;
        foreach (char ch in s)
        {
            if (ch == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (char.IsWhiteSpace(ch) && !quoted)
            {
                if (any || cur.Length > 0)
                {
                    args.Add(cur.ToString());
                    cur.Clear();
                    any = false;
                }
            }
            else
            {
                cur.Append(ch);
            }
        }
        if (any || cur.Length > 0)
        {
            args.Add(cur.ToString());
        }
        return args;
    }

    /// <summary>POSIX shell words: single quotes literal, double quotes with \ escapes, backslash escapes.</summary>
    public static List<string> SplitShell(string s)
    {
        var args = new List<string>();
        var cur = new StringBuilder();
        bool any = false;
        for (int i = 0; i < s.Length; i++)
        {
            char ch = s[i];
            if (ch == '\'')
            {
                int end = s.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    end = s.Length;
                }
                cur.Append(s, i + 1, end - i - 1);
                i = end;
                any = true;
            }
            else if (ch == '"')
            {
                any = true;
                for (i++; i < s.Length && s[i] != '"'; i++)
                {
                    if (s[i] == '\\' && i + 1 < s.Length && (s[i + 1] == '"' || s[i + 1] == '\\' || s[i + 1] == '$'))
                    {
                        i++;
                    }
                    cur.Append(s[i]);
                }
            }
            else if (ch == '\\' && i + 1 < s.Length)
            {
                cur.Append(s[++i]);
                any = true;
            }
            else if (char.IsWhiteSpace(ch))
            {
                if (any || cur.Length > 0)
                {
                    args.Add(cur.ToString());
                    cur.Clear();
                    any = false;
                }
            }
            else
            {
                cur.Append(ch);
            }
        }
        if (any || cur.Length > 0)
        {
            args.Add(cur.ToString());
        }
        return args;
    }

    /// <summary>cmd.exe: the text after /c (or /k), with one pair of enclosing quotes removed.</summary>
    private static string AfterSwitch(string commandLine, out bool found)
    {
        found = false;
        string s = commandLine;
        int i = 0;
        bool quoted = false;
        while (i < s.Length)
        {
            if (s[i] == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && s[i] == '/' && i + 1 < s.Length && (s[i + 1] is 'c' or 'C' or 'k' or 'K') && (i + 2 == s.Length || char.IsWhiteSpace(s[i + 2]) || s[i + 2] == '"'))
            {
                found = true;
                string rest = s[(i + 2)..].Trim();
                if (rest.Length >= 2 && rest[0] == '"' && rest[^1] == '"')
                {
                    rest = rest[1..^1];
                }
                return rest;
            }
            i++;
        }
        return "";
    }

    /// <summary>Splits a trailing <c>&gt; file</c> or <c>&gt;&gt; file</c> off a command (outside quotes).</summary>
    private static string Redirect(string command, out string? target, out bool append)
    {
        target = null;
        append = false;
        bool quoted = false;
        for (int i = 0; i < command.Length; i++)
        {
            char ch = command[i];
            if (ch == '"' || ch == '\'')
            {
                quoted = !quoted;
            }
            else if (ch == '>' && !quoted)
            {
                int start = i;
                if (i > 0 && command[i - 1] == '1')
                {
                    start = i - 1;
                }
                append = i + 1 < command.Length && command[i + 1] == '>';
                string t = command[(i + (append ? 2 : 1))..].Trim().Trim('"', '\'');
                target = t.Length == 0 ? null : t;
                return command[..start].TrimEnd();
            }
        }
        return command;
    }

    private int WriteRedirect(string target, string text, bool append, string cwd, long time, StringBuilder output)
    {
        var p = Fs.Parse(target, cwd);
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        if (p != null && append)
        {
            var existing = Fs.Find(p);
            if (existing is { IsDir: false, Locked: false })
            {
                using var s = existing.Content.OpenRead();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                ms.Write(bytes);
                bytes = ms.ToArray();
            }
        }
        LrError? err = Hr.PathNotFound;
        if (p == null || !WriteOutputFile(Fs.Text(p), bytes.Length > MaxOutput ? bytes[..MaxOutput] : bytes, time, out err))
        {
            output.Append(Windows ? "The system cannot find the path specified." + LineEnd : "sh: 1: cannot create " + target + ": " + (err == Hr.AccessDenied ? "Permission denied" : "Directory nonexistent") + LineEnd);
            return 1;
        }
        return 0;
    }

    // ------------------------------------------------------------------ Windows programs

    private int Cmd(string line, string cwd, long time, StringBuilder output)
    {
        string command = Redirect(line, out string? target, out bool append);
        var sink = target == null ? output : new StringBuilder();
        int code = CmdBuiltin(command, cwd, sink, time);
        if (target != null)
        {
            int w = WriteRedirect(target, sink.ToString(), append, cwd, time, output);
            return w != 0 ? w : code;
        }
        return code;
    }

    private int CmdBuiltin(string command, string cwd, StringBuilder output, long time)
    {
        command = command.Trim();
        if (command.Length == 0)
        {
            return 0;
        }
        string first = command.Split(' ', 2)[0];
        string rest = command.Length > first.Length ? command[(first.Length + 1)..] : "";
        string word = first.ToLowerInvariant();
        if (word.StartsWith("echo", StringComparison.Ordinal) && (word.Length == 4 || word[4] == '.'))
        {
            if (word.Length > 4)
            {
                output.Append(first[5..]).Append(rest.Length > 0 ? " " + rest : "").Append(LineEnd);
            }
            else if (rest.Trim().Length == 0)
            {
                output.Append("ECHO is on.").Append(LineEnd);
            }
            else
            {
                output.Append(rest).Append(LineEnd);
            }
            return 0;
        }
        var argv = SplitWindows(command);
        switch (word)
        {
            case "dir":
                return Dir(argv.Skip(1).Where(a => !a.StartsWith('/')).FirstOrDefault(), argv.Any(a => a.Equals("/b", StringComparison.OrdinalIgnoreCase)), cwd, output);
            case "type":
                return TypeFile(argv.Skip(1).ToList(), cwd, output);
            case "cd":
            case "chdir":
                output.Append(cwd).Append(LineEnd);
                return 0;
            case "ver":
                output.Append(LineEnd).Append("Microsoft Windows [Version 10.0.19045.3570]").Append(LineEnd);
                return 0;
            case "cmd":
            case "cmd.exe":
                string inner = AfterSwitch(command, out bool has);
                return has ? Cmd(inner, cwd, time, output) : 0;
        }
        var exe = ResolveExecutable(argv[0], cwd);
        if (exe == null || exe.IsDir)
        {
            output.Append('\'').Append(argv[0]).Append("' is not recognized as an internal or external command,").Append(LineEnd)
                .Append("operable program or batch file.").Append(LineEnd);
            return 1;
        }
        string prog = ProgramName(exe.Name);
        return KnownProgram(prog) ? WinProgram(prog, argv, output) : 0;
    }

    private int WinProgram(string prog, List<string> argv, StringBuilder output)
    {
        switch (prog)
        {
            case "hostname":
                output.Append(HostName).Append(LineEnd);
                return 0;
            case "whoami":
                output.Append("nt authority\\system").Append(LineEnd);
                return 0;
            case "ipconfig":
                Ipconfig(argv.Any(a => a.Equals("/all", StringComparison.OrdinalIgnoreCase)), output);
                return 0;
            case "ping":
                Ping(argv, output);
                return 0;
            case "timeout":
                output.Append(LineEnd).Append("Waiting for ").Append(Flag(argv, "/t", 0).ToString(CultureInfo.InvariantCulture)).Append(" seconds, press CTRL+C to quit ...").Append(LineEnd);
                return 0;
            case "tasklist":
                Tasklist(output);
                return 0;
        }
        return 0;
    }

    private void Ipconfig(bool all, StringBuilder o)
    {
        string nl = LineEnd;
        string[] ip = InternalIp.Split('.');
        string gateway = ip.Length == 4 ? ip[0] + "." + ip[1] + "." + ip[2] + ".1" : "10.0.0.1";
        string mac = MacAddress.Length == 12 ? string.Join('-', Enumerable.Range(0, 6).Select(i => MacAddress.Substring(i * 2, 2).ToUpperInvariant())) : "00-50-56-00-00-01";
        o.Append(nl).Append("Windows IP Configuration").Append(nl).Append(nl);
        if (all)
        {
            o.Append("   Host Name . . . . . . . . . . . . : ").Append(HostName).Append(nl)
             .Append("   Primary Dns Suffix  . . . . . . . : corp.example.com").Append(nl)
             .Append("   Node Type . . . . . . . . . . . . : Hybrid").Append(nl)
             .Append("   IP Routing Enabled. . . . . . . . : No").Append(nl)
             .Append("   WINS Proxy Enabled. . . . . . . . : No").Append(nl)
             .Append("   DNS Suffix Search List. . . . . . : corp.example.com").Append(nl).Append(nl);
        }
        o.Append("Ethernet adapter Ethernet0:").Append(nl).Append(nl)
         .Append("   Connection-specific DNS Suffix  . : corp.example.com").Append(nl);
        if (all)
        {
            o.Append("   Description . . . . . . . . . . . : Intel(R) 82574L Gigabit Network Connection").Append(nl)
             .Append("   Physical Address. . . . . . . . . : ").Append(mac).Append(nl)
             .Append("   DHCP Enabled. . . . . . . . . . . : Yes").Append(nl)
             .Append("   Autoconfiguration Enabled . . . . : Yes").Append(nl);
        }
        o.Append("   Link-local IPv6 Address . . . . . : fe80::").Append(MacAddress.Length >= 8 ? MacAddress[..4] + ":" + MacAddress[4..8] : "1").Append("%12").Append(all ? "(Preferred)" : "").Append(nl)
         .Append("   IPv4 Address. . . . . . . . . . . : ").Append(InternalIp).Append(all ? "(Preferred)" : "").Append(nl)
         .Append("   Subnet Mask . . . . . . . . . . . : 255.255.255.0").Append(nl)
         .Append("   Default Gateway . . . . . . . . . : ").Append(gateway).Append(nl);
        if (all)
        {
            o.Append("   DHCP Server . . . . . . . . . . . : ").Append(gateway).Append(nl)
             .Append("   DNS Servers . . . . . . . . . . . : 10.0.0.53").Append(nl)
             .Append("                                       10.0.0.54").Append(nl)
             .Append("   NetBIOS over Tcpip. . . . . . . . : Enabled").Append(nl);
        }
    }

    private void Ping(List<string> argv, StringBuilder o)
    {
        int n = Flag(argv, Windows ? "-n" : "-c", 4);
        string host = argv.Skip(1).LastOrDefault(a => !a.StartsWith('-') && !int.TryParse(a, out _)) ?? "127.0.0.1";
        string nl = LineEnd;
        if (Windows)
        {
            o.Append(nl).Append("Pinging ").Append(host).Append(" with 32 bytes of data:").Append(nl);
            for (int i = 0; i < n; i++)
            {
                o.Append("Reply from ").Append(host).Append(": bytes=32 time<1ms TTL=128").Append(nl);
            }
            o.Append(nl).Append("Ping statistics for ").Append(host).Append(':').Append(nl)
             .Append("    Packets: Sent = ").Append(n.ToString(CultureInfo.InvariantCulture)).Append(", Received = ").Append(n.ToString(CultureInfo.InvariantCulture)).Append(", Lost = 0 (0% loss),").Append(nl);
        }
        else
        {
            o.Append("PING ").Append(host).Append(" (").Append(host).Append(") 56(84) bytes of data.").Append(nl);
            for (int i = 0; i < n; i++)
            {
                o.Append("64 bytes from ").Append(host).Append(": icmp_seq=").Append((i + 1).ToString(CultureInfo.InvariantCulture)).Append(" ttl=64 time=0.040 ms").Append(nl);
            }
            o.Append(nl).Append("--- ").Append(host).Append(" ping statistics ---").Append(nl)
             .Append(n.ToString(CultureInfo.InvariantCulture)).Append(" packets transmitted, ").Append(n.ToString(CultureInfo.InvariantCulture)).Append(" received, 0% packet loss").Append(nl);
        }
    }

    private void Tasklist(StringBuilder o)
    {
        string nl = LineEnd;
        o.Append(nl).Append("Image Name                     PID Session Name        Session#    Mem Usage").Append(nl)
         .Append("========================= ======== ================ =========== ============").Append(nl);
        foreach (var p in Processes)
        {
            string name = p.Pid == 4 ? "System" : p.Name.Length == 0 ? "Registry" : p.Name;
            if (name.Length > 25)
            {
                name = name[..25];
            }
            bool services = p.Username.StartsWith("NT AUTHORITY", StringComparison.Ordinal);
            o.Append(name.PadRight(25)).Append(' ').Append(p.Pid.ToString(CultureInfo.InvariantCulture).PadLeft(8)).Append(' ')
             .Append((services ? "Services" : "Console").PadRight(16)).Append(' ').Append((services ? "0" : "1").PadLeft(11)).Append(' ')
             .Append(((p.Pid * 37 % 90_000) + 4_000).ToString("N0", CultureInfo.InvariantCulture).PadLeft(10)).Append(" K").Append(nl);
        }
    }

    private int Dir(string? target, bool bare, string cwd, StringBuilder o)
    {
        string nl = LineEnd;
        var p = Fs.Parse(target ?? cwd, cwd);
        if (p == null)
        {
            o.Append("The system cannot find the path specified.").Append(nl);
            return 1;
        }
        string pattern = "*";
        var node = Fs.Find(p);
        VNode? dir;
        if (node is { IsDir: true })
        {
            dir = node;
        }
        else
        {
            pattern = p.Leaf;
            dir = Fs.Find(p.Parent());
            if (dir == null || !dir.IsDir)
            {
                o.Append("The system cannot find the path specified.").Append(nl);
                return 1;
            }
        }
        var entries = new List<(string Name, VNode Node)>();
        if (dir.Parent != Fs.Root)
        {
            entries.Add((".", dir));
            entries.Add(("..", dir.Parent!));
        }
        entries.AddRange(dir.Children!.Values.Where(c => !c.Attributes.Contains("HIDDEN")).Select(c => (c.Name, c)));
        entries = entries.Where(e => Fs.Matches(pattern, e.Name)).ToList();
        if (bare)
        {
            foreach (var e in entries.Where(e => e.Name != "." && e.Name != ".."))
            {
                o.Append(e.Name).Append(nl);
            }
            return entries.Count == 0 ? 1 : 0;
        }
        string drive = Fs.PathOf(dir)[..1];
        o.Append(" Volume in drive ").Append(drive).Append(" has no label.").Append(nl)
         .Append(" Volume Serial Number is ").Append((DeviceId & 0xFFFF).ToString("X4", CultureInfo.InvariantCulture)).Append('-').Append(((DeviceId >> 16) & 0xFFFF).ToString("X4", CultureInfo.InvariantCulture)).Append(nl)
         .Append(nl).Append(" Directory of ").Append(Fs.PathOf(dir)).Append(nl).Append(nl);
        if (entries.Count == 0)
        {
            o.Append("File Not Found").Append(nl);
            return 1;
        }
        long files = 0, bytes = 0, dirs = 0;
        foreach (var (name, n) in entries)
        {
            var t = DateTimeOffset.FromUnixTimeSeconds(n.Written).UtcDateTime;
            o.Append(t.ToString("MM/dd/yyyy  hh:mm tt", CultureInfo.InvariantCulture));
            if (n.IsDir)
            {
                o.Append("    <DIR>          ");
                dirs++;
            }
            else
            {
                o.Append(n.Size.ToString("N0", CultureInfo.InvariantCulture).PadLeft(18)).Append(' ');
                files++;
                bytes += n.Size;
            }
            o.Append(name).Append(nl);
        }
        o.Append(files.ToString(CultureInfo.InvariantCulture).PadLeft(16)).Append(" File(s) ").Append(bytes.ToString("N0", CultureInfo.InvariantCulture).PadLeft(14)).Append(" bytes").Append(nl)
         .Append(dirs.ToString(CultureInfo.InvariantCulture).PadLeft(16)).Append(" Dir(s)  52,428,800,000 bytes free").Append(nl);
        return 0;
    }

    private int TypeFile(List<string> names, string cwd, StringBuilder o)
    {
        if (names.Count == 0)
        {
            o.Append("The syntax of the command is incorrect.").Append(LineEnd);
            return 1;
        }
        int code = 0;
        foreach (var name in names)
        {
            var n = Fs.Find(name, cwd);
            if (n == null)
            {
                o.Append("The system cannot find the file specified.").Append(LineEnd);
                code = 1;
            }
            else if (n.IsDir)
            {
                o.Append("Access is denied.").Append(LineEnd);
                code = 1;
            }
            else if (n.Locked)
            {
                o.Append("The process cannot access the file because it is being used by another process.").Append(LineEnd);
                code = 1;
            }
            else
            {
                o.Append(ReadText(n));
            }
        }
        return code;
    }

    private static string ReadText(VNode n)
    {
        using var s = n.Content.OpenRead();
        var buf = new byte[(int)Math.Min(n.Size, MaxOutput)];
        int read = 0;
        while (read < buf.Length)
        {
            int k = s.Read(buf, read, buf.Length - read);
            if (k == 0)
            {
                break;
            }
            read += k;
        }
        return Encoding.UTF8.GetString(buf, 0, read);
    }

    // ------------------------------------------------------------------ Unix programs

    private int Shell(string line, string cwd, long time, StringBuilder output, int depth)
    {
        int code = 0;
        foreach (var part0 in line.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            string command = Redirect(part0.Trim(), out string? target, out bool append);
            var sink = target == null ? output : new StringBuilder();
            var argv = SplitShell(command);
            if (argv.Count == 0)
            {
                continue;
            }
            var exe = ResolveExecutable(argv[0], cwd);
            string prog = ProgramName(argv[0]);
            if (prog is "echo" or "pwd")
            {
                code = UnixProgram(prog, argv, cwd, sink, depth);
            }
            else if (exe == null || exe.IsDir)
            {
                sink.Append("sh: 1: ").Append(argv[0]).Append(": not found").Append(LineEnd);
                code = 127;
            }
            else if (KnownProgram(ProgramName(exe.Name)) || ProgramName(exe.Name) is "sh" or "bash")
            {
                code = UnixProgram(ProgramName(exe.Name), argv, cwd, sink, depth);
            }
            else
            {
                code = 0;
            }
            if (target != null)
            {
                int w = WriteRedirect(target, sink.ToString(), append, cwd, time, output);
                code = w != 0 ? w : code;
            }
        }
        return code;
    }

    private int UnixProgram(string prog, List<string> argv, string cwd, StringBuilder o, int depth)
    {
        string nl = LineEnd;
        bool mac = Os == "MAC";
        switch (prog)
        {
            case "sh":
            case "bash":
                int dc = argv.IndexOf("-c");
                return dc >= 0 && dc + 1 < argv.Count && depth < 4 ? Shell(argv[dc + 1], cwd, _now, o, depth + 1) : 0;
            case "echo":
                bool n = argv.Count > 1 && argv[1] == "-n";
                o.Append(string.Join(' ', argv.Skip(n ? 2 : 1)));
                if (!n)
                {
                    o.Append(nl);
                }
                return 0;
            case "pwd":
                o.Append(cwd).Append(nl);
                return 0;
            case "hostname":
                o.Append(HostName).Append(nl);
                return 0;
            case "whoami":
                o.Append("root").Append(nl);
                return 0;
            case "id":
                o.Append(mac ? "uid=0(root) gid=0(wheel) groups=0(wheel),1(daemon),2(kmem)" : "uid=0(root) gid=0(root) groups=0(root)").Append(nl);
                return 0;
            case "sleep":
                return 0;
            case "ping":
                Ping(argv, o);
                return 0;
            case "env":
                o.Append("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").Append(nl).Append("HOME=/root").Append(nl).Append("USER=root").Append(nl);
                return 0;
            case "uname":
                string kernel = mac ? "21.6.0" : KernelVersion ?? "5.4.0-150-generic";
                string sysName = mac ? "Darwin" : "Linux";
                string flags = argv.Count > 1 ? string.Concat(argv.Skip(1).Where(a => a.StartsWith('-')).Select(a => a[1..])) : "s";
                if (flags.Contains('a'))
                {
                    o.Append(mac
                        ? "Darwin " + HostName + " 21.6.0 Darwin Kernel Version 21.6.0: Mon Aug 22 20:17:10 PDT 2022; root:xnu-8020.140.49~2/RELEASE_X86_64 x86_64"
                        : "Linux " + HostName + " " + kernel + " #1 SMP Tue Mar 7 14:03:11 UTC 2023 x86_64 x86_64 x86_64 GNU/Linux").Append(nl);
                    return 0;
                }
                var parts = new List<string>();
                foreach (char f in flags)
                {
                    switch (f)
                    {
                        case 's': parts.Add(sysName); break;
                        case 'n': parts.Add(HostName); break;
                        case 'r': parts.Add(kernel); break;
                        case 'm': parts.Add("x86_64"); break;
                        case 'v': parts.Add("#1 SMP"); break;
                    }
                }
                o.Append(string.Join(' ', parts.Count == 0 ? new List<string> { sysName } : parts)).Append(nl);
                return 0;
            case "cat":
                int code = 0;
                foreach (var f in argv.Skip(1).Where(a => !a.StartsWith('-')))
                {
                    var node = Fs.Find(f, cwd);
                    if (node == null)
                    {
                        o.Append("cat: ").Append(f).Append(": No such file or directory").Append(nl);
                        code = 1;
                    }
                    else if (node.IsDir)
                    {
                        o.Append("cat: ").Append(f).Append(": Is a directory").Append(nl);
                        code = 1;
                    }
                    else
                    {
                        o.Append(ReadText(node));
                    }
                }
                return code;
            case "ls":
                return Ls(argv, cwd, o);
            case "ps":
                o.Append("UID          PID    PPID  C STIME TTY          TIME CMD").Append(nl);
                foreach (var p in Processes)
                {
                    o.Append(p.Username.PadRight(8)).Append(' ').Append(p.Pid.ToString(CultureInfo.InvariantCulture).PadLeft(8)).Append(' ')
                     .Append(p.ParentPid.ToString(CultureInfo.InvariantCulture).PadLeft(7)).Append("  0 00:00 ?        00:00:00 ").Append(p.CommandLine).Append(nl);
                }
                return 0;
        }
        return 0;
    }

    private int Ls(List<string> argv, string cwd, StringBuilder o)
    {
        string nl = LineEnd;
        bool all = argv.Any(a => a.StartsWith('-') && a.Contains('a'));
        bool longFormat = argv.Any(a => a.StartsWith('-') && a.Contains('l'));
        var targets = argv.Skip(1).Where(a => !a.StartsWith('-')).ToList();
        if (targets.Count == 0)
        {
            targets.Add(cwd);
        }
        int code = 0;
        foreach (var t in targets)
        {
            var node = Fs.Find(t, cwd);
            if (node == null)
            {
                o.Append("ls: cannot access '").Append(t).Append("': No such file or directory").Append(nl);
                code = 2;
                continue;
            }
            if (targets.Count > 1 && node.IsDir)
            {
                o.Append(t).Append(':').Append(nl);
            }
            var entries = new List<(string Name, VNode Node)>();
            if (node.IsDir)
            {
                if (all)
                {
                    entries.Add((".", node));
                    entries.Add(("..", node.Parent == Fs.Root || node.Parent == null ? node : node.Parent));
                }
                entries.AddRange(node.Children!.Values.Where(c => all || !c.Name.StartsWith('.')).Select(c => (c.Name, c)));
            }
            else
            {
                entries.Add((t, node));
            }
            if (longFormat)
            {
                o.Append("total ").Append(entries.Sum(e => (e.Node.Size + 4095) / 4096 * 4).ToString(CultureInfo.InvariantCulture)).Append(nl);
            }
            foreach (var (name, n) in entries)
            {
                if (longFormat)
                {
                    var when = DateTimeOffset.FromUnixTimeSeconds(n.Written).UtcDateTime;
                    o.Append(n.IsDir ? "drwxr-xr-x" : n.Protected ? "-rwxr-xr-x" : "-rw-r--r--").Append(n.IsDir ? " 2" : " 1")
                     .Append(" root root ").Append((n.IsDir ? 4096 : n.Size).ToString(CultureInfo.InvariantCulture).PadLeft(10)).Append(' ')
                     .Append(when.ToString("MMM dd HH:mm", CultureInfo.InvariantCulture)).Append(' ').Append(name).Append(nl);
                }
                else
                {
                    o.Append(name).Append(nl);
                }
            }
        }
        return code;
    }
}
