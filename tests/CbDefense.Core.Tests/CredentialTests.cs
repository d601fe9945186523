using System;
using System.Collections.Generic;
using System.IO;
using Xunit;

namespace CbDefense.Core.Tests
{
    public sealed class CredentialTests : IDisposable
    {
        private readonly string _root;
        private readonly Dictionary<string, string> _env = new Dictionary<string, string>();

        public CredentialTests()
        {
            _root = Path.Combine(Path.GetTempPath(), "cbcred-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(_root);
        }

        public void Dispose()
        {
            try { Directory.Delete(_root, true); } catch (Exception) { }
        }

        private string Dir(string name)
        {
            var d = Path.Combine(_root, name);
            Directory.CreateDirectory(d);
            return d;
        }

        private CredentialStore Store(bool windows = false)
        {
            return new CredentialStore
            {
                IsWindows = windows,
                SystemDirectory = Dir("etc"),
                HomeDirectory = Dir("home"),
                CurrentDirectory = Dir("cwd"),
                GetEnvironmentVariable = n => _env.TryGetValue(n, out var v) ? v : null,
                IsReadableByOthers = _ => false,
            };
        }

        private string Write(string dir, string file, string text)
        {
            var d = Path.Combine(_root, dir);
            if (dir != "etc") d = Path.Combine(d, ".carbonblack");
            Directory.CreateDirectory(d);
            var p = Path.Combine(d, file);
            File.WriteAllText(p, text);
            return p;
        }

        private const string Secret = "S3CR3TKEYVALUE";

        [Fact]
        public void ReadsEveryKey()
        {
            Write("home", "credentials.psc",
                "; comment\n# another\n[default]\nurl = https://defense.example.com/\ntoken = " + Secret + "/ABCID\norg_key: ORGKEY1\n" +
                "ssl_verify = no\nssl_verify_hostname = Off\nssl_cert_file = /tmp/ca.pem\nssl_force_tls_1_2 = YES\n" +
                "proxy = http://proxy:8080\nignore_system_proxy = 1\nintegration_name = MyTool\nrabbitmq_user = cb\n");
            var p = Store().Load();
            Assert.Equal("default", p.Name);
            Assert.Equal("https://defense.example.com/", p.Url);
            Assert.Equal("ABCID", p.ApiId);
            Assert.Equal(Secret + "/ABCID", p.Token!.HeaderValue);
            Assert.Equal("ORGKEY1", p.OrgKey);
            Assert.False(p.SslVerify);
            Assert.False(p.SslVerifyHostname);
            Assert.Equal("/tmp/ca.pem", p.SslCertFile);
            Assert.True(p.SslForceTls12);
            Assert.Equal("http://proxy:8080", p.Proxy);
            Assert.True(p.IgnoreSystemProxy);
            Assert.Equal("MyTool", p.IntegrationName);
            Assert.False(p.FromEnvironment);
            Assert.Single(p.Files);
            Assert.DoesNotContain(Secret, p.ToString());
        }

        [Fact]
        public void DefaultsWhenKeysAbsent()
        {
            Write("home", "credentials.psc", "[default]\nURL=https://a\nTOKEN=" + Secret + "/ID\n");
            var p = Store().Load();
            Assert.True(p.SslVerify);
            Assert.True(p.SslVerifyHostname);
            Assert.False(p.SslForceTls12);
            Assert.False(p.IgnoreSystemProxy);
            Assert.Null(p.OrgKey);
            Assert.Null(p.Proxy);
            Assert.Equal("https://a", p.Url);
        }

        [Theory]
        [InlineData("1", true)] [InlineData("yes", true)] [InlineData("TRUE", true)] [InlineData("On", true)]
        [InlineData("0", false)] [InlineData("No", false)] [InlineData("false", false)] [InlineData("OFF", false)]
        public void BooleanSpellings(string text, bool expected)
        {
            Write("home", "credentials.psc", "[default]\nurl=https://a\ntoken=" + Secret + "/ID\nssl_verify=" + text + "\nignore_system_proxy=" + text + "\n");
            var p = Store().Load();
            Assert.Equal(expected, p.SslVerify);
            Assert.Equal(expected, p.IgnoreSystemProxy);
        }

        [Fact]
        public void BadBooleanNamesFileAndLine()
        {
            var f = Write("home", "credentials.psc", "[default]\nurl=https://a\ntoken=" + Secret + "/ID\nssl_verify=maybe\n");
            var ex = Assert.Throws<CbCredentialException>(() => Store().Load());
            Assert.Contains(f, ex.Message);
            Assert.Contains("line 4", ex.Message);
            Assert.Contains("ssl_verify", ex.Message);
            Assert.DoesNotContain(Secret, ex.Message);
        }

        [Fact]
        public void SearchOrderPscOverridesDefenseAndLaterDirectoriesWinKeyByKey()
        {
            Write("etc", "credentials.psc", "[default]\nurl=https://etc\ntoken=" + Secret + "/ETC\norg_key=ETCORG\nproxy=http://etcproxy\n");
            Write("home", "credentials.defense", "[default]\nurl=https://homedefense\norg_key=HOMEDEF\n");
            Write("home", "credentials.psc", "[default]\nurl=https://homepsc\n");
            Write("cwd", "credentials.psc", "[default]\ntoken=" + Secret + "/CWD\n");
            var store = Store();
            var files = store.GetSearchFiles();
            Assert.Equal(6, files.Count);
            Assert.EndsWith("credentials.defense", files[0]);
            Assert.EndsWith("credentials.psc", files[1]);
            var p = store.Load();
            Assert.Equal("https://homepsc", p.Url);      // home .psc wins over home .defense and /etc
            Assert.Equal("CWD", p.ApiId);                 // cwd wins for token
            Assert.Equal("HOMEDEF", p.OrgKey);            // key by key: only .defense set it after /etc
            Assert.Equal("http://etcproxy", p.Proxy);    // only /etc set it
            Assert.Equal(4, p.Files.Count);
        }

        [Fact]
        public void WindowsSkipsEtc()
        {
            Write("etc", "credentials.psc", "[default]\nurl=https://etc\ntoken=" + Secret + "/ETC\n");
            var store = Store(windows: true);
            Assert.DoesNotContain(store.GetSearchFiles(), f => f.StartsWith(Path.Combine(_root, "etc"), StringComparison.Ordinal));
            Assert.Throws<CbCredentialException>(() => store.Load());
        }

        [Fact]
        public void NamedProfileAndDefaultSection()
        {
            Write("home", "credentials.psc", "[DEFAULT]\nssl_verify=false\n[default]\nurl=https://a\ntoken=" + Secret + "/A\n[prod]\nurl=https://prod\ntoken=" + Secret + "/PROD\n");
            var p = Store().Load("prod");
            Assert.Equal("prod", p.Name);
            Assert.Equal("https://prod", p.Url);
            Assert.Equal("PROD", p.ApiId);
            Assert.False(p.SslVerify);
        }

        [Fact]
        public void MissingNamedProfileListsFilesSearched()
        {
            Write("home", "credentials.psc", "[default]\nurl=https://a\ntoken=" + Secret + "/A\n");
            var store = Store();
            var ex = Assert.Throws<CbCredentialException>(() => store.Load("nope"));
            Assert.Contains("'nope'", ex.Message);
            foreach (var f in store.GetSearchFiles()) Assert.Contains(f, ex.Message);
            Assert.DoesNotContain(Secret, ex.Message);
        }

        [Fact]
        public void NamedProfileIsNotReplacedByEnvironment()
        {
            _env["CBAPI_URL"] = "https://env";
            _env["CBAPI_TOKEN"] = Secret + "/ENV";
            Assert.Throws<CbCredentialException>(() => Store().Load("prod"));
        }

        [Fact]
        public void ExplicitFilesReplaceSearchList()
        {
            Write("home", "credentials.psc", "[default]\nurl=https://home\ntoken=" + Secret + "/HOME\n");
            var a = Path.Combine(_root, "a.ini");
            var b = Path.Combine(_root, "b.ini");
            File.WriteAllText(a, "[default]\nurl=https://a\ntoken=" + Secret + "/A\n");
            File.WriteAllText(b, "[default]\nurl=https://b\n");
            _env["CBAPI_URL"] = "https://env";
            _env["CBAPI_TOKEN"] = Secret + "/ENV";
            var store = Store();
            store.ExplicitFiles = new List<string> { a, b };
            var p = store.Load();
            Assert.Equal("https://b", p.Url);
            Assert.Equal("A", p.ApiId);
            Assert.False(p.FromEnvironment);
        }

        [Fact]
        public void ExplicitMissingFileIsAnError()
        {
            var store = Store();
            store.ExplicitFiles = new List<string> { Path.Combine(_root, "missing.ini") };
            var ex = Assert.Throws<CbCredentialException>(() => store.Load());
            Assert.Contains("missing.ini", ex.Message);
        }

        [Fact]
        public void EnvironmentVariablesIncludingOrgKey()
        {
            Write("home", "credentials.psc", "[default]\nurl=https://home\ntoken=" + Secret + "/HOME\n");
            _env["CBAPI_URL"] = "https://env.example.com";
            _env["CBAPI_TOKEN"] = Secret + "/ENVID";
            _env["CBAPI_SSL_VERIFY"] = "false";
            _env["CBAPI_ORG_KEY"] = "ENVORG";
            var p = Store().Load();
            Assert.True(p.FromEnvironment);
            Assert.Equal("https://env.example.com", p.Url);
            Assert.Equal("ENVID", p.ApiId);
            Assert.False(p.SslVerify);
            Assert.Equal("ENVORG", p.OrgKey);
        }

        [Fact]
        public void EnvironmentNeedsBothUrlAndToken()
        {
            Write("home", "credentials.psc", "[default]\nurl=https://home\ntoken=" + Secret + "/HOME\n");
            _env["CBAPI_URL"] = "https://env.example.com";
            var p = Store().Load();
            Assert.False(p.FromEnvironment);
            Assert.Equal("HOME", p.ApiId);
        }

        [Fact]
        public void EnvironmentBadTokenOrBoolNeverShowsSecret()
        {
            _env["CBAPI_URL"] = "https://env";
            _env["CBAPI_TOKEN"] = Secret;
            var ex = Assert.Throws<CbCredentialException>(() => Store().Load());
            Assert.Contains("CBAPI_TOKEN", ex.Message);
            Assert.DoesNotContain(Secret, ex.Message);
            _env["CBAPI_TOKEN"] = Secret + "/ID";
            _env["CBAPI_SSL_VERIFY"] = "sometimes";
            ex = Assert.Throws<CbCredentialException>(() => Store().Load());
            Assert.Contains("CBAPI_SSL_VERIFY", ex.Message);
        }

        [Theory]
        [InlineData("token = " + Secret, "no '/'")]
        [InlineData("token = " + Secret + "/", "empty part")]
        [InlineData("token = /" + Secret, "empty part")]
        [InlineData("token = " + Secret + "/A/B", "more than one")]
        [InlineData("token = " + Secret + " X/ID", "whitespace")]
        public void MalformedTokenNamesFileLineAndProblemNotSecret(string line, string problem)
        {
            var f = Write("home", "credentials.psc", "[default]\nurl=https://a\n" + line + "\n");
            var ex = Assert.Throws<CbCredentialException>(() => Store().Load());
            Assert.Contains(f, ex.Message);
            Assert.Contains("line 3", ex.Message);
            Assert.Contains(problem, ex.Message);
            Assert.DoesNotContain(Secret, ex.Message);
        }

        [Theory]
        [InlineData("[default]\nurl=https://a\n" + Secret + "/ID\n", 3)]
        [InlineData("token=" + Secret + "/ID\n[default]\n", 1)]
        [InlineData("[default\nurl=https://a\n", 1)]
        [InlineData("[default]\nurl=https://a\n= " + Secret + "\n", 3)]
        [InlineData("[default]\ntoken " + Secret + " = x\n", 2)]
        public void MalformedLinesNameFileAndLineNotSecret(string text, int line)
        {
            var f = Write("cwd", "credentials.defense", text);
            var ex = Assert.Throws<CbCredentialException>(() => Store().Load());
            Assert.Contains(f, ex.Message);
            Assert.Contains("line " + line, ex.Message);
            Assert.DoesNotContain(Secret, ex.Message);
        }

        [Fact]
        public void MissingUrlOrToken()
        {
            Write("home", "credentials.psc", "[default]\nurl=https://a\n");
            var ex = Assert.Throws<CbCredentialException>(() => Store().Load());
            Assert.Contains("Token and/or URL", ex.Message);
            var p = Store().Load(requireComplete: false);
            Assert.Null(p.Token);
        }

        [Fact]
        public void CrlfBomAndColonSeparator()
        {
            Write("home", "credentials.psc", "\uFEFF[default]\r\nurl: https://a:8443\r\ntoken: " + Secret + "/ID\r\n");
            var p = Store().Load();
            Assert.Equal("https://a:8443", p.Url);
            Assert.Equal("ID", p.ApiId);
        }

        [Fact]
        public void WarnsWhenReadableByOthers()
        {
            var f = Write("home", "credentials.psc", "[default]\nurl=https://a\ntoken=" + Secret + "/ID\n");
            var store = Store();
            store.IsReadableByOthers = path => path == f;
            var p = store.Load();
            Assert.Single(p.Warnings);
            Assert.Contains(f, p.Warnings[0]);
            Assert.DoesNotContain(Secret, p.Warnings[0]);
        }

        [Fact]
        public void DefaultPermissionCheckUsesUnixModeBits()
        {
            if (OperatingSystem.IsWindows()) return;
            var f = Write("home", "credentials.psc", "[default]\nurl=https://a\ntoken=" + Secret + "/ID\n");
            var store = new CredentialStore
            {
                IsWindows = false, SystemDirectory = null, HomeDirectory = Path.Combine(_root, "home"), CurrentDirectory = null,
                GetEnvironmentVariable = _ => null,
            };
            File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            Assert.Single(store.Load().Warnings);
            File.SetUnixFileMode(f, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            Assert.Empty(store.Load().Warnings);
        }

        [Fact]
        public void SessionOptionsFromProfile()
        {
            Write("home", "credentials.psc", "[default]\nurl=https://a.example.com\ntoken=" + Secret + "/ID\norg_key=O\nssl_verify=false\n" +
                  "proxy=http://user:p%40ss@proxy:3128\nignore_system_proxy=true\nssl_verify_hostname=false\n");
            var o = SessionOptions.FromProfile(Store().Load());
            Assert.Equal("https://a.example.com/", o.Uri!.AbsoluteUri);
            Assert.True(o.SkipCertificateCheck);
            Assert.False(o.VerifyHostname);
            Assert.Equal("O", o.OrgKey);
            Assert.Equal("default", o.ProfileName);
            Assert.True(o.IgnoreSystemProxy);
            Assert.Equal("http://proxy:3128/", o.Proxy!.AbsoluteUri);
            Assert.Equal("user", o.ProxyCredential!.UserName);
            Assert.Equal("p@ss", o.ProxyCredential.Password);
        }

        [Fact]
        public void ApiTokenParseAndRedaction()
        {
            var t = ApiToken.Parse(Secret + "/ID9");
            Assert.Equal("ID9", t.ApiId);
            Assert.DoesNotContain(Secret, t.ToString());
            var ex = Assert.Throws<FormatException>(() => ApiToken.Parse(Secret));
            Assert.DoesNotContain(Secret, ex.Message);
            Assert.False(ApiToken.TryParse("a/b c", out _));
            Assert.False(ApiToken.TryParse("", out _));
            Assert.Throws<ArgumentException>(() => new ApiToken("", "x"));
            Assert.Throws<ArgumentException>(() => new ApiToken("a b", "x"));
        }
    }
}
