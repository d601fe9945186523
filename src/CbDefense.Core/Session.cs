using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using CbDefense.Http;
using Newtonsoft.Json;

namespace CbDefense
{
    /// <summary>
    /// A connection to one CB Defense server with one API key. Thread-safe; holds one transport (one HttpClient and
    /// its connection pool). Never exposes the secret. Serialized inside another object (a device's Session), it is a
    /// short reference: Id, Uri, ApiId and OrgKey.
    /// </summary>
    public sealed class Session : IDisposable
    {
        private static int s_lastId;

        private int _disposed;

        private Session(SessionOptions options, ApiToken token, Uri? proxy, string baseUrl)
        {
            Id = Interlocked.Increment(ref s_lastId);
            ConnectedAtUtc = DateTime.UtcNow;
            Uri = new SessionUri(baseUrl);
            BaseUrl = baseUrl;
            OrgKey = string.IsNullOrEmpty(options.OrgKey) ? null : options.OrgKey;
            ApiId = token.ApiId;
            ProfileName = options.ProfileName;
            TimeoutSec = options.TimeoutSec;
            MaximumRetryCount = options.MaximumRetryCount;
            SkipCertificateCheck = options.SkipCertificateCheck;
            Proxy = proxy;
            if (proxy != null && IsPlainHttp(options.Uri!))
                ClearTextProxyWarning = "The API token crosses the proxy " + proxy.GetLeftPart(UriPartial.Authority) + " in clear: the server URL " +
                                        "uses http, so the proxy reads every request, the X-Auth-Token header included, and may log it. " +
                                        "Use https: the proxy then only relays an encrypted tunnel (CONNECT).";
            Redactor = new Redactor(token.Secret, token.ApiId);
            RequestedApiGeneration = options.ApiGeneration;
            Fingerprint = ComputeFingerprint(options, token, baseUrl);

            X509Certificate2Collection? roots = null;
            if (!options.SkipCertificateCheck && !string.IsNullOrEmpty(options.CertificateFile))
                roots = LoadCertificates(options.CertificateFile!);

            string userAgent = "CbDefense-PowerShell/" + (string.IsNullOrEmpty(options.UserAgentVersion) ? "0.0.0" : options.UserAgentVersion);
            if (!string.IsNullOrEmpty(options.IntegrationName)) userAgent += " " + options.IntegrationName;

            Gate = new ThrottleGate();
            var primary = options.PrimaryHandlerFactory?.Invoke() ?? CreatePrimaryHandler(options, roots);
            Transport = new Transport(primary, options, baseUrl, Uri, token, userAgent, Redactor, Gate, () => IsDisposed);
            Client = new CbClient(this, Transport);
        }

        /// <summary>Opens a session (no request is sent). Validates the URL, the token and the options.</summary>
        public static Session Create(SessionOptions options)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (options.Uri == null) throw new ArgumentException("A server URL is required (Uri).", nameof(options));
            if (options.ApiToken == null) throw new ArgumentException("An API token (API secret key and API ID) is required.", nameof(options));
            if (options.TimeoutSec < 0) throw new ArgumentOutOfRangeException(nameof(options), "TimeoutSec must be 0 (no timeout) or more.");
            if (options.MaximumRetryCount < 0) throw new ArgumentOutOfRangeException(nameof(options), "MaximumRetryCount must be 0 or more.");
            if (options.ApiGeneration == ApiGeneration.Current && string.IsNullOrWhiteSpace(options.OrgKey))
                throw new ArgumentException("The current API (devices v6, policy service, alerts v7, ...) puts the org key in every route, and none was given: " +
                                            "connect with -OrgKey (org_key in a credentials profile). The org key is on the console's Settings > General page.", nameof(options));
            string baseUrl = ValidateUri(options.Uri, options.AllowUnencryptedAuthentication);
            var proxy = ProxyFor(options, options.Uri);
            if (proxy != null && IsPlainHttp(options.Uri) && !options.AllowUnencryptedAuthentication && !IsLoopback(proxy))
                throw new ArgumentException(
                    "The server URL '" + options.Uri.GetLeftPart(UriPartial.Authority) + "' uses http and the requests go through the proxy '" +
                    proxy.GetLeftPart(UriPartial.Authority) + "': the API token would travel unencrypted to the proxy, which can read and log it. " +
                    "Use https (the proxy then only relays an encrypted tunnel), or pass -AllowUnencryptedAuthentication to allow it.");
            return new Session(options, options.ApiToken, proxy, baseUrl);
        }

        /// <summary>
        /// The proxy that requests to <paramref name="server"/> go through: -Proxy or the profile's proxy; else the system's
        /// (the environment's HTTP_PROXY/HTTPS_PROXY, or Windows' settings) unless it is ignored (-NoProxy,
        /// ignore_system_proxy) or bypassed for that server; else null (direct). Never holds a user name or password.
        /// </summary>
        internal static Uri? ProxyFor(SessionOptions o, Uri server)
        {
            if (o.NoProxy || o.PrimaryHandlerFactory != null) return null;
            if (o.Proxy != null) return o.Proxy;
            if (o.IgnoreSystemProxy) return null;
            try
            {
                var system = WebRequest.DefaultWebProxy;
                if (system == null || system.IsBypassed(server)) return null;
                var p = system.GetProxy(server);
                return p == null || p == server ? null : SessionOptions.WithoutUserInfo(p, out _);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                return null; // an unreadable system setting: the handler meets the same, and reports it on the first request
            }
        }

        private static bool IsPlainHttp(Uri uri) => string.Equals(uri.Scheme, "http", StringComparison.OrdinalIgnoreCase);

        internal static string ValidateUri(Uri uri, bool allowUnencrypted)
        {
            if (!uri.IsAbsoluteUri)
                throw new ArgumentException("The server URL must be absolute, e.g. https://defense-prod05.conferdeploy.net.");
            string scheme = uri.Scheme.ToLowerInvariant();
            if (scheme != "https" && scheme != "http")
                throw new ArgumentException("The server URL must start with https:// (got '" + uri.Scheme + "').");
            if (!string.IsNullOrEmpty(uri.UserInfo))
                throw new ArgumentException("The server URL must not contain a user name or password.");
            if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
                throw new ArgumentException("The server URL must not contain a query or fragment.");
            if (scheme == "http" && !allowUnencrypted && !IsLoopback(uri))
                throw new ArgumentException(
                    "The server URL '" + uri.GetLeftPart(UriPartial.Authority) + "' uses http: the API token would be sent unencrypted. " +
                    "Use https, or pass -AllowUnencryptedAuthentication to allow it (only loopback hosts are allowed over http by default).");
            string left = uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
            return left;
        }

        internal static bool IsLoopback(Uri uri)
        {
            string host = uri.Host.Trim('[', ']');
            if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
            return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
        }

        /// <summary>Session number, increasing within the process.</summary>
        public int Id { get; }
        /// <summary>Server base URL; its string form has no trailing slash.</summary>
        public Uri Uri { get; }
        public string? OrgKey { get; }
        public string ApiId { get; }
        [JsonIgnore]
        public string? ProfileName { get; }
        [JsonIgnore]
        public int TimeoutSec { get; }
        [JsonIgnore]
        public int MaximumRetryCount { get; }
        [JsonIgnore]
        public bool SkipCertificateCheck { get; }
        /// <summary>
        /// The proxy the session's requests go through (-Proxy, the profile's proxy, or the system's for this server),
        /// without its user name and password; null when they go directly.
        /// </summary>
        [JsonIgnore]
        public Uri? Proxy { get; }

        /// <summary>Set when the token travels in clear through a proxy (an http URL): the warning Connect-CbDefense writes.</summary>
        internal string? ClearTextProxyWarning { get; }
        /// <summary>
        /// True when this is the default session of the caller (for the PowerShell module: the calling runspace's default,
        /// the one commands use without -Session).
        /// </summary>
        [JsonIgnore]
        public bool IsDefault => DefaultResolver?.Invoke(this) ?? false;

        /// <summary>Tells whether a session is the caller's default (set by the host of the library, e.g. the PowerShell module).</summary>
        internal static Func<Session, bool>? DefaultResolver { get; set; }

        /// <summary>When the session was opened, in local time (compare it with Get-Date).</summary>
        [JsonIgnore]
        public DateTime ConnectedAt => ConnectedAtUtc.ToLocalTime();
        /// <summary>When the session was opened, in UTC.</summary>
        [JsonIgnore]
        public DateTime ConnectedAtUtc { get; }
        [JsonIgnore]
        public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

        internal string BaseUrl { get; }

        /// <summary>The server, API ID and org key: two sessions with the same identity act for the same principal.</summary>
        internal string Identity => BaseUrl.ToLowerInvariant() + "|" + ApiId + "|" + (OrgKey ?? "").ToUpperInvariant();

        /// <summary>A one-way digest of every option and the secret: equal when connecting again changes nothing. Never shown.</summary>
        internal string Fingerprint { get; }

        /// <summary>The session that replaced this one (connected again with other options); objects still holding this one follow it.</summary>
        internal Session? ReplacedBy { get; set; }

        private static string ComputeFingerprint(SessionOptions o, ApiToken token, string baseUrl)
        {
            string text = string.Join("\n", baseUrl, token.ApiId, token.Secret, o.OrgKey, o.SkipCertificateCheck, o.VerifyHostname, o.CertificateFile,
                                      o.ForceTls12, o.Proxy, o.ProxyCredential?.UserName, o.ProxyCredential?.Password, o.NoProxy, o.IgnoreSystemProxy,
                                      o.TimeoutSec, o.MaximumRetryCount, o.AllowUnencryptedAuthentication, o.IntegrationName, o.ProfileName,
                                      o.PrimaryHandlerFactory != null, o.ApiGeneration);
            using (var sha = System.Security.Cryptography.SHA256.Create())
                return Convert.ToBase64String(sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(text)));
        }
        internal Redactor Redactor { get; }
        internal ThrottleGate Gate { get; }
        internal Transport Transport { get; }
        internal CbClient Client { get; }

        private volatile Services.ApiServices? _services;
        private readonly System.Threading.SemaphoreSlim _probeGate = new System.Threading.SemaphoreSlim(1, 1);

        /// <summary>The generation the session was asked to speak (Auto, Legacy or Current).</summary>
        [JsonIgnore]
        public ApiGeneration RequestedApiGeneration { get; }

        /// <summary>
        /// The generation the session speaks: Legacy or Current once known; Auto until an Auto session has made its first
        /// call (which finds out, with one probe).
        /// </summary>
        public ApiGeneration ApiGeneration => _services?.Generation ?? RequestedApiGeneration;

        /// <summary>
        /// The per-area services of the session's API generation. For an Auto session the first call finds the generation
        /// out with one probe (<see cref="CbDefense.Services.GenerationProbe"/>) and keeps the answer for the session.
        /// </summary>
        internal async Task<Services.ApiServices> GetServicesAsync(CallContext? ctx)
        {
            ThrowIfDisposed();
            var known = _services;
            if (known != null) return known;
            if (RequestedApiGeneration != ApiGeneration.Auto)
                return _services = CbDefense.Services.ApiServices.For(RequestedApiGeneration, Client);
            var c = ctx ?? CallContext.None;
            await _probeGate.WaitAsync(c.CancellationToken).ConfigureAwait(false);
            try
            {
                if (_services != null) return _services;
                var generation = await CbDefense.Services.GenerationProbe.FindAsync(Client, c).ConfigureAwait(false);
                return _services = CbDefense.Services.ApiServices.For(generation, Client);
            }
            finally
            {
                _probeGate.Release();
            }
        }

        /// <summary>The API client of this session (a method, so serializers do not walk into it).</summary>
        public CbClient GetClient()
        {
            ThrowIfDisposed();
            return Client;
        }

        internal void ThrowIfDisposed()
        {
            if (IsDisposed) throw new ObjectDisposedException(nameof(Session), "The session " + ToString() + " was disconnected.");
        }

        public override string ToString() =>
            BaseUrl + " (API ID " + ApiId + (OrgKey != null ? ", org " + OrgKey : "") + ")";

        public void Dispose()
        {
            if (Volatile.Read(ref _disposed) != 0) return;
            var lr = _liveResponse;
            if (lr != null)
            {
                // Best effort and bounded, while the transport still works: no Live Response session is left open.
                lr.CloseAll(Services.LiveResponse.LiveResponseManager.ShutdownLimit);
                lr.Retire();
            }
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            Transport.Dispose();
        }

        private Services.LiveResponse.LiveResponseManager? _liveResponse;

        /// <summary>The Live Response sessions this session holds open (made on first use).</summary>
        internal Services.LiveResponse.LiveResponseManager LiveResponse
        {
            get
            {
                ThrowIfDisposed();
                var m = _liveResponse;
                if (m != null) return m;
                var made = new Services.LiveResponse.LiveResponseManager(this);
                var won = Interlocked.CompareExchange(ref _liveResponse, made, null);
                if (won != null) { made.Retire(); return won; }
                return made;
            }
        }

        /// <summary>The Live Response sessions open on this session now (oldest first).</summary>
        public IReadOnlyList<LiveResponseSession> GetLiveResponseSessions() =>
            _liveResponse?.Sessions ?? (IReadOnlyList<LiveResponseSession>)Array.Empty<LiveResponseSession>();

        private static HttpMessageHandler CreatePrimaryHandler(SessionOptions o, X509Certificate2Collection? roots)
        {
            var h = new HttpClientHandler
            {
                AllowAutoRedirect = false, // a redirect must never carry X-Auth-Token to another host
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
                UseCookies = false,
            };
            if (o.NoProxy)
            {
                h.UseProxy = false;
            }
            else if (o.Proxy != null)
            {
                h.UseProxy = true;
                h.Proxy = new WebProxy(o.Proxy) { Credentials = o.ProxyCredential };
            }
            else if (o.IgnoreSystemProxy)
            {
                h.UseProxy = false;
            }
            else if (o.ProxyCredential != null)
            {
                h.DefaultProxyCredentials = o.ProxyCredential;
            }
            if (o.ForceTls12) h.SslProtocols = SslProtocols.Tls12;
            if (o.SkipCertificateCheck)
            {
                h.ServerCertificateCustomValidationCallback = (_, _, _, _) => true;
            }
            else if (roots != null || !o.VerifyHostname)
            {
                bool verifyHost = o.VerifyHostname;
                h.ServerCertificateCustomValidationCallback = (_, cert, chain, errors) =>
                    ValidateCertificate(cert, errors, roots, verifyHost);
            }
            return h;
        }

        internal static bool ValidateCertificate(X509Certificate2? cert, SslPolicyErrors errors, X509Certificate2Collection? roots, bool verifyHost)
        {
            if (cert == null) return false;
            if (!verifyHost) errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
            if (errors == SslPolicyErrors.None) return true;
            if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
            if (roots == null || roots.Count == 0) return false;
            // The chain failed against the system store: try again with the file's certificates as extra roots.
            foreach (var r in roots)
                if (string.Equals(r.Thumbprint, cert.Thumbprint, StringComparison.OrdinalIgnoreCase)) return true; // pinned
            using (var chain = new X509Chain())
            {
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
                chain.ChainPolicy.ExtraStore.AddRange(roots);
                if (!chain.Build(cert))
                {
                    foreach (var st in chain.ChainStatus)
                        if (st.Status != X509ChainStatusFlags.UntrustedRoot && st.Status != X509ChainStatusFlags.NoError) return false;
                }
                if (chain.ChainElements.Count == 0) return false;
                var top = chain.ChainElements[chain.ChainElements.Count - 1].Certificate;
                return roots.Cast<X509Certificate2>().Any(r => string.Equals(r.Thumbprint, top.Thumbprint, StringComparison.OrdinalIgnoreCase));
            }
        }

        internal static X509Certificate2Collection LoadCertificates(string path)
        {
            try
            {
                var c = new X509Certificate2Collection();
                string text = System.IO.File.ReadAllText(path);
                const string begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----";
                int i = text.IndexOf(begin, StringComparison.Ordinal);
                if (i < 0)
                {
                    c.Add(new X509Certificate2(System.IO.File.ReadAllBytes(path)));
                    return c;
                }
                while (i >= 0)
                {
                    int j = text.IndexOf(end, i, StringComparison.Ordinal);
                    if (j < 0) break;
                    string b64 = text.Substring(i + begin.Length, j - i - begin.Length);
                    c.Add(new X509Certificate2(Convert.FromBase64String(new string(b64.Where(ch => !char.IsWhiteSpace(ch)).ToArray()))));
                    i = text.IndexOf(begin, j, StringComparison.Ordinal);
                }
                if (c.Count == 0) throw new FormatException("no certificate found");
                return c;
            }
            catch (Exception ex) when (!(ex is ArgumentException))
            {
                throw new ArgumentException("Cannot read the certificate file '" + path + "': " + ex.Message, ex);
            }
        }

        /// <summary>A Uri whose string form has no trailing slash.</summary>
        private sealed class SessionUri : Uri
        {
            private readonly string _text;
            public SessionUri(string text) : base(text) { _text = text; }
            public override string ToString() => _text;
        }
    }
}
