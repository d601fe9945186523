using System;
using System.Net;
using System.Net.Http;

namespace CbDefense
{
    /// <summary>Everything needed to open a <see cref="Session"/>.</summary>
    public sealed class SessionOptions
    {
        public const int DefaultTimeoutSec = 100;
        public const int DefaultMaximumRetryCount = 5;

        /// <summary>Server base URL, e.g. https://defense-prod05.conferdeploy.net.</summary>
        public Uri? Uri { get; set; }
        public ApiToken? ApiToken { get; set; }
        public string? OrgKey { get; set; }
        /// <summary>Which API generation the session speaks; Auto (the default) finds out on first use with one probe.</summary>
        public ApiGeneration ApiGeneration { get; set; } = ApiGeneration.Auto;
        public string? ProfileName { get; set; }
        public bool SkipCertificateCheck { get; set; }
        /// <summary>When false, the certificate chain is still checked but not the host name (ssl_verify_hostname).</summary>
        public bool VerifyHostname { get; set; } = true;
        /// <summary>A certificate file (PEM or DER) trusted as an extra root.</summary>
        public string? CertificateFile { get; set; }
        /// <summary>Only TLS 1.2 (ssl_force_tls_1_2).</summary>
        public bool ForceTls12 { get; set; }
        public Uri? Proxy { get; set; }
        public NetworkCredential? ProxyCredential { get; set; }
        /// <summary>Connect directly, without any proxy.</summary>
        public bool NoProxy { get; set; }
        /// <summary>Ignore the system/environment proxy (direct unless <see cref="Proxy"/> is set).</summary>
        public bool IgnoreSystemProxy { get; set; }
        /// <summary>Seconds per request attempt; 0 = no timeout.</summary>
        public int TimeoutSec { get; set; } = DefaultTimeoutSec;
        public int MaximumRetryCount { get; set; } = DefaultMaximumRetryCount;
        /// <summary>Total time the retries of one call may take (waits included).</summary>
        public TimeSpan RetryBudget { get; set; } = TimeSpan.FromMinutes(5);
        /// <summary>First backoff delay (doubled each retry, jittered, capped at <see cref="MaximumBackoff"/>).</summary>
        public TimeSpan BaseBackoff { get; set; } = TimeSpan.FromMilliseconds(500);
        public TimeSpan MaximumBackoff { get; set; } = TimeSpan.FromSeconds(30);
        /// <summary>Wait after a 429 without Retry-After.</summary>
        public TimeSpan DefaultRetryAfter { get; set; } = TimeSpan.FromSeconds(1);
        /// <summary>Allow the token over plain http to a host that is not loopback.</summary>
        public bool AllowUnencryptedAuthentication { get; set; }
        /// <summary>Module version for the User-Agent (CbDefense-PowerShell/&lt;version&gt;).</summary>
        public string? UserAgentVersion { get; set; }
        /// <summary>Appended to the User-Agent (cbapi's integration_name).</summary>
        public string? IntegrationName { get; set; }
        /// <summary>For tests: builds the primary handler instead of an HttpClientHandler (proxy/TLS options then do not apply).</summary>
        public Func<HttpMessageHandler>? PrimaryHandlerFactory { get; set; }

        /// <summary>Options from a credentials profile (url, token, org_key, ssl_*, proxy, ignore_system_proxy, integration_name).</summary>
        public static SessionOptions FromProfile(CredentialProfile profile)
        {
            if (profile == null) throw new ArgumentNullException(nameof(profile));
            var o = new SessionOptions
            {
                ApiToken = profile.Token,
                OrgKey = profile.OrgKey,
                ProfileName = profile.FromEnvironment ? null : profile.Name,
                SkipCertificateCheck = !profile.SslVerify,
                VerifyHostname = profile.SslVerifyHostname,
                CertificateFile = profile.SslVerify ? profile.SslCertFile : null,
                ForceTls12 = profile.SslForceTls12,
                IgnoreSystemProxy = profile.IgnoreSystemProxy,
                IntegrationName = profile.IntegrationName,
                ApiGeneration = profile.ApiGeneration ?? ApiGeneration.Auto,
            };
            if (!string.IsNullOrEmpty(profile.Url))
            {
                if (!System.Uri.TryCreate(profile.Url!.Trim(), UriKind.Absolute, out var u))
                    throw new CbCredentialException("The url of profile '" + profile.Name + "' is not an absolute URL: '" + profile.Url + "'.");
                o.Uri = u;
            }
            if (!string.IsNullOrEmpty(profile.Proxy))
            {
                o.Proxy = ParseProxy(profile.Proxy!, out var credential) ??
                          throw new CbCredentialException("The proxy of profile '" + profile.Name + "' is not a URL.");
                o.ProxyCredential = credential;
            }
            return o;
        }

        /// <summary>
        /// A proxy as a profile or -Proxy gives it: a URL, or host:port meaning http://host:port; user:password in it becomes
        /// <paramref name="credential"/>. Null when the text is not a URL.
        /// </summary>
        internal static Uri? ParseProxy(string text, out NetworkCredential? credential)
        {
            credential = null;
            string px = text.Trim();
            if (px.IndexOf("://", StringComparison.Ordinal) < 0) px = "http://" + px;
            return System.Uri.TryCreate(px, UriKind.Absolute, out var pu) ? WithoutUserInfo(pu, out credential) : null;
        }

        /// <summary>
        /// A proxy URL without the user name and password it may carry (http://user:password@host:port); those become
        /// <paramref name="credential"/> (null when there are none), so the password is never shown with the URL.
        /// </summary>
        internal static Uri WithoutUserInfo(Uri proxy, out NetworkCredential? credential)
        {
            credential = null;
            if (!proxy.IsAbsoluteUri || string.IsNullOrEmpty(proxy.UserInfo)) return proxy;
            string[] parts = proxy.UserInfo.Split(new[] { ':' }, 2);
            credential = new NetworkCredential(
                System.Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? System.Uri.UnescapeDataString(parts[1]) : "");
            return new UriBuilder(proxy) { UserName = "", Password = "" }.Uri;
        }
    }
}
