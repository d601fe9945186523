using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;

namespace CbDefense
{
    /// <summary>
    /// Reads cbapi-compatible credentials: the CBAPI_* environment variables or INI files
    /// (<c>credentials.defense</c> then <c>credentials.psc</c> in /etc/carbonblack, ~/.carbonblack and ./.carbonblack;
    /// later files override earlier ones key by key).
    /// </summary>
    public sealed class CredentialStore
    {
        public const string DefaultProfileName = "default";
        public static readonly IReadOnlyList<string> FileNames = new[] { "credentials.defense", "credentials.psc" };

        private static readonly HashSet<string> KnownKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "url", "token", "org_key", "ssl_verify", "ssl_verify_hostname", "ssl_cert_file", "ssl_force_tls_1_2",
            "proxy", "ignore_system_proxy", "integration_name", "api_generation",
        };

        public CredentialStore()
        {
            IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            HomeDirectory = IsWindows
                ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)
                : (Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
            CurrentDirectory = Directory.GetCurrentDirectory();
            GetEnvironmentVariable = Environment.GetEnvironmentVariable;
            IsReadableByOthers = DefaultIsReadableByOthers;
        }

        /// <summary>Files to read instead of the search list (cbapi's credential_file). Null = search.</summary>
        public IList<string>? ExplicitFiles { get; set; }
        public bool IsWindows { get; set; }
        /// <summary>System folder (/etc/carbonblack); null or ignored on Windows.</summary>
        public string? SystemDirectory { get; set; } = "/etc/carbonblack";
        public string? HomeDirectory { get; set; }
        public string? CurrentDirectory { get; set; }
        /// <summary>Environment lookup (injectable for tests).</summary>
        public Func<string, string?> GetEnvironmentVariable { get; set; }
        /// <summary>Returns true when the file is readable by other users, null when unknown (injectable).</summary>
        public Func<string, bool?> IsReadableByOthers { get; set; }

        /// <summary>The files searched, in reading order (later wins).</summary>
        public IReadOnlyList<string> GetSearchFiles()
        {
            if (ExplicitFiles != null)
                return ExplicitFiles.ToList();
            var dirs = new List<string>();
            if (!IsWindows && !string.IsNullOrEmpty(SystemDirectory)) dirs.Add(SystemDirectory!);
            if (!string.IsNullOrEmpty(HomeDirectory)) dirs.Add(Path.Combine(HomeDirectory!, ".carbonblack"));
            if (!string.IsNullOrEmpty(CurrentDirectory)) dirs.Add(Path.Combine(CurrentDirectory!, ".carbonblack"));
            var files = new List<string>();
            foreach (var d in dirs)
                foreach (var n in FileNames)
                {
                    var f = Path.Combine(d, n);
                    if (!files.Contains(f)) files.Add(f);
                }
            return files;
        }

        /// <summary>
        /// The profile names (section names other than DEFAULT) of the files that would be read, in the order they first
        /// appear. Files that are missing, unreadable or malformed are skipped: this never throws (Tab completion).
        /// </summary>
        public IReadOnlyList<string> ListProfiles()
        {
            var names = new List<string>();
            foreach (var f in GetSearchFiles())
            {
                try
                {
                    if (!File.Exists(f)) continue;
                    var ini = IniFile.Parse(f, File.ReadAllText(f));
                    foreach (var sec in ini.Sections.Keys)
                        if (sec != "DEFAULT" && !names.Contains(sec)) names.Add(sec);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is CbCredentialException) { }
            }
            return names;
        }

        /// <summary>
        /// Loads a profile. The environment variables are used when no explicit file list is given, no profile other
        /// than "default" is named, and both CBAPI_URL and CBAPI_TOKEN are set. A named profile that is missing is an error.
        /// </summary>
        public CredentialProfile Load(string? profileName = null, bool requireComplete = true)
        {
            bool defaultName = profileName == null || profileName == DefaultProfileName;
            string name = profileName ?? DefaultProfileName;
            if (ExplicitFiles == null && defaultName)
            {
                string? url = GetEnvironmentVariable("CBAPI_URL");
                string? token = GetEnvironmentVariable("CBAPI_TOKEN");
                if (!string.IsNullOrEmpty(url) && !string.IsNullOrEmpty(token))
                {
                    var p = FromEnvironment(url!, token!);
                    if (requireComplete) p.EnsureComplete();
                    return p;
                }
            }

            var searched = GetSearchFiles();
            var read = new List<string>();
            var warnings = new List<string>();
            var parsed = new List<IniFile>();
            foreach (var f in searched)
            {
                if (!File.Exists(f))
                {
                    if (ExplicitFiles != null)
                        throw new CbCredentialException("The credentials file '" + f + "' does not exist.");
                    continue;
                }
                string text;
                try { text = File.ReadAllText(f); }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new CbCredentialException("Cannot read the credentials file '" + f + "': " + ex.Message, ex);
                }
                read.Add(f);
                parsed.Add(IniFile.Parse(f, text));
                bool? others = null;
                try { others = IsReadableByOthers(f); } catch (Exception) { }
                if (others == true)
                    warnings.Add("The credentials file '" + f + "' is readable by other users; restrict it (chmod 600).");
            }

            // Merge: later files override earlier ones key by key within the section; [DEFAULT] gives defaults.
            var merged = new Dictionary<string, IniValue>(StringComparer.OrdinalIgnoreCase);
            bool found = false;
            foreach (var ini in parsed)
            {
                if (ini.Sections.TryGetValue("DEFAULT", out var defaults))
                    foreach (var kv in defaults) merged[kv.Key] = kv.Value;
            }
            foreach (var ini in parsed)
            {
                if (ini.Sections.TryGetValue(name, out var section))
                {
                    found = true;
                    foreach (var kv in section) merged[kv.Key] = kv.Value;
                }
            }
            if (!found)
            {
                string list = searched.Count == 0 ? "(none)" : string.Join(", ", searched);
                throw new CbCredentialException(
                    "Cannot find credential profile '" + name + "' after searching in these files: " + list + ".");
            }

            var profile = new CredentialProfile
            {
                Name = name,
                Files = read,
                SearchedFiles = searched,
                Warnings = warnings,
            };
            foreach (var kv in merged)
                Apply(profile, kv.Key.ToLowerInvariant(), kv.Value);
            if (requireComplete) profile.EnsureComplete();
            return profile;
        }

        private CredentialProfile FromEnvironment(string url, string token)
        {
            var p = new CredentialProfile { Name = DefaultProfileName, FromEnvironment = true, Url = url.Trim() };
            if (!ApiToken.TryParse(token.Trim(), out var t, out var problem))
                throw new CbCredentialException("The environment variable CBAPI_TOKEN is not valid: " + problem);
            p.Token = t;
            string? verify = GetEnvironmentVariable("CBAPI_SSL_VERIFY");
            if (!string.IsNullOrEmpty(verify))
            {
                if (!TryParseBool(verify!, out bool b))
                    throw new CbCredentialException(
                        "The environment variable CBAPI_SSL_VERIFY is not a boolean (use 1/yes/true/on or 0/no/false/off).");
                p.SslVerify = b;
            }
            string? org = GetEnvironmentVariable("CBAPI_ORG_KEY");
            if (!string.IsNullOrEmpty(org)) p.OrgKey = org!.Trim();
            return p;
        }

        private static void Apply(CredentialProfile p, string key, IniValue v)
        {
            string value = v.Value;
            switch (key)
            {
                case "url": p.Url = Empty(value); break;
                case "token":
                    if (value.Length == 0) { p.Token = null; break; }
                    if (!ApiToken.TryParse(value, out var t, out var problem))
                        throw new CbCredentialException(v.Where + ": token: " + problem);
                    p.Token = t;
                    break;
                case "org_key": p.OrgKey = Empty(value); break;
                case "ssl_verify": p.SslVerify = Bool(key, v); break;
                case "ssl_verify_hostname": p.SslVerifyHostname = Bool(key, v); break;
                case "ssl_cert_file": p.SslCertFile = Empty(value); break;
                case "ssl_force_tls_1_2": p.SslForceTls12 = Bool(key, v); break;
                case "proxy": p.Proxy = Empty(value); break;
                case "ignore_system_proxy": p.IgnoreSystemProxy = Bool(key, v); break;
                case "integration_name": p.IntegrationName = Empty(value); break;
                case "api_generation":
                    if (value.Length == 0) { p.ApiGeneration = null; break; }
                    if (!Enum.TryParse<ApiGeneration>(value, true, out var g) || !Enum.IsDefined(typeof(ApiGeneration), g) || int.TryParse(value, out _))
                        throw new CbCredentialException(v.Where + ": api_generation must be Auto, Legacy or Current, not '" + value + "'.");
                    p.ApiGeneration = g;
                    break;
                default: break; // rabbitmq_* and other keys are ignored, as in cbapi
            }
        }

        private static string? Empty(string s) => s.Length == 0 ? null : s;

        private static bool Bool(string key, IniValue v)
        {
            if (TryParseBool(v.Value, out bool b)) return b;
            throw new CbCredentialException(
                v.Where + ": " + key + " must be a boolean (1/yes/true/on or 0/no/false/off), not '" + v.Value + "'.");
        }

        /// <summary>cbapi's boolean spellings: 1/yes/true/on and 0/no/false/off, any case.</summary>
        public static bool TryParseBool(string s, out bool value)
        {
            switch (s.Trim().ToLowerInvariant())
            {
                case "1": case "yes": case "true": case "on": value = true; return true;
                case "0": case "no": case "false": case "off": value = false; return true;
                default: value = false; return false;
            }
        }

        private static bool? DefaultIsReadableByOthers(string path)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return null;
            // File.GetUnixFileMode exists from .NET 7 (PowerShell 7.4+); called by reflection from netstandard2.0.
            var m = typeof(File).GetMethod("GetUnixFileMode", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string) }, null);
            if (m == null) return null;
            try
            {
                int mode = Convert.ToInt32(m.Invoke(null, new object[] { path }), CultureInfo.InvariantCulture);
                const int GroupRead = 0x20, OtherRead = 0x4; // 0040, 0004
                return (mode & (GroupRead | OtherRead)) != 0;
            }
            catch (Exception) { return null; }
        }

        internal readonly struct IniValue
        {
            public IniValue(string value, string file, int line) { Value = value; File = file; Line = line; }
            public string Value { get; }
            public string File { get; }
            public int Line { get; }
            public string Where => "Credentials file '" + File + "', line " + Line.ToString(CultureInfo.InvariantCulture);
        }

        internal sealed class IniFile
        {
            public Dictionary<string, Dictionary<string, IniValue>> Sections { get; } =
                new Dictionary<string, Dictionary<string, IniValue>>(StringComparer.Ordinal);

            /// <summary>Parses INI text. Errors name the file and line, never the line's content.</summary>
            public static IniFile Parse(string file, string text)
            {
                var ini = new IniFile();
                Dictionary<string, IniValue>? current = null;
                var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
                for (int i = 0; i < lines.Length; i++)
                {
                    int lineNo = i + 1;
                    string raw = lines[i];
                    if (i == 0 && raw.Length > 0 && raw[0] == '\uFEFF') raw = raw.Substring(1);
                    string line = raw.Trim();
                    if (line.Length == 0 || line[0] == ';' || line[0] == '#') continue;
                    string where = "Credentials file '" + file + "', line " + lineNo.ToString(CultureInfo.InvariantCulture);
                    if (line[0] == '[')
                    {
                        int close = line.IndexOf(']');
                        if (close < 0 || line.Substring(close + 1).Trim().Length != 0)
                            throw new CbCredentialException(where + ": malformed section header; expected [name].");
                        string sec = line.Substring(1, close - 1).Trim();
                        if (sec.Length == 0)
                            throw new CbCredentialException(where + ": empty section name.");
                        if (!ini.Sections.TryGetValue(sec, out current))
                        {
                            current = new Dictionary<string, IniValue>(StringComparer.OrdinalIgnoreCase);
                            ini.Sections[sec] = current;
                        }
                        continue;
                    }
                    int eq = line.IndexOf('=');
                    int colon = line.IndexOf(':');
                    int sep = eq < 0 ? colon : colon < 0 ? eq : Math.Min(eq, colon);
                    if (sep <= 0)
                        throw new CbCredentialException(where + ": expected 'key = value', 'key: value' or a [section] header.");
                    string key = line.Substring(0, sep).Trim();
                    string value = line.Substring(sep + 1).Trim();
                    if (key.Length == 0 || key.Any(char.IsWhiteSpace))
                        throw new CbCredentialException(where + ": malformed key name.");
                    if (current == null)
                        throw new CbCredentialException(where + ": key '" + (KnownKeys.Contains(key) ? key : "(unknown)") + "' appears before any [section] header.");
                    current[key] = new IniValue(value, file, lineNo);
                }
                return ini;
            }
        }
    }
}
