using System;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Security;

namespace CbDefense.Commands
{
    /// <summary>Opens a session to a CB Defense server and makes it the default.</summary>
    [Cmdlet(VerbsCommunications.Connect, "CbDefense", DefaultParameterSetName = ProfileSet)]
    [OutputType(typeof(Session))]
    public sealed class ConnectCbDefenseCommand : CbCmdlet
    {
        private const string ProfileSet = "Profile";
        private const string ApiKeySet = "ApiKey";
        private const string CredentialSet = "Credential";

        [Parameter(ParameterSetName = ProfileSet, Position = 0)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(CredentialProfileCompleter))]
        public string ProfileName { get; set; } = CredentialStore.DefaultProfileName;

        [Parameter(ParameterSetName = ProfileSet)]
        [ValidateNotNullOrEmpty]
        public string[]? CredentialFile { get; set; }

        [Parameter(ParameterSetName = ProfileSet)]
        [Parameter(ParameterSetName = ApiKeySet, Mandatory = true, Position = 0)]
        [Parameter(ParameterSetName = CredentialSet, Mandatory = true, Position = 0)]
        [Alias("Url")]
        public Uri? Uri { get; set; }

        [Parameter(ParameterSetName = ApiKeySet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string? ApiId { get; set; }

        [Parameter(ParameterSetName = ApiKeySet, Mandatory = true)]
        [ValidateNotNull]
        public SecureString? ApiSecretKey { get; set; }

        [Parameter(ParameterSetName = CredentialSet, Mandatory = true)]
        [Credential]
        [ValidateNotNull]
        public PSCredential? Credential { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OrgKey { get; set; }

        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CertificateFile { get; set; }

        [Parameter]
        public Uri? Proxy { get; set; }

        [Parameter]
        [Credential]
        public PSCredential? ProxyCredential { get; set; }

        [Parameter]
        public SwitchParameter NoProxy { get; set; }

        [Parameter]
        [ValidateRange(0, 86400)]
        public int TimeoutSec { get; set; } = SessionOptions.DefaultTimeoutSec;

        [Parameter]
        [ValidateRange(0, 100)]
        public int MaximumRetryCount { get; set; } = SessionOptions.DefaultMaximumRetryCount;

        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        /// <summary>Which API generation the session speaks; Auto (default) finds out on first use.</summary>
        [Parameter]
        public ApiGeneration? ApiGeneration { get; set; }

        protected override void ProcessRecord()
        {
            if (NoProxy && Proxy != null)
                ThrowCbError(new ArgumentException("-Proxy and -NoProxy cannot be used together."), "ProxyConflict", Proxy);

            SessionOptions options;
            try
            {
                options = ParameterSetName == ProfileSet ? FromProfile() : FromParameters();
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                ThrowCbError(ex, "CredentialsNotLoaded", ProfileName);
                return;
            }

            if (OrgKey != null) options.OrgKey = OrgKey;
            if (SkipCertificateCheck) options.SkipCertificateCheck = true;
            if (CertificateFile != null) options.CertificateFile = SessionState.Path.GetUnresolvedProviderPathFromPSPath(CertificateFile);
            if (Proxy != null)
            {
                // As in a profile: host:port means http://host:port (a Uri would take the host for a scheme), and
                // http://user:password@host:port gives the credential; the password never stays in the URL. The profile's
                // proxy credential belongs to the profile's proxy, so it is not sent to this one.
                options.Proxy = SessionOptions.ParseProxy(Proxy.OriginalString, out var inUrl);
                if (options.Proxy == null)
                    ThrowCbError(new ArgumentException("-Proxy is not a URL: give http://host:port or host:port."), "ProxyInvalid", null);
                options.ProxyCredential = inUrl;
            }
            if (ProxyCredential != null) options.ProxyCredential = ProxyCredential.GetNetworkCredential();
            if (NoProxy) { options.NoProxy = true; options.Proxy = null; }
            if (ApiGeneration.HasValue) options.ApiGeneration = ApiGeneration.Value;
            options.TimeoutSec = TimeoutSec;
            options.MaximumRetryCount = MaximumRetryCount;
            options.AllowUnencryptedAuthentication = AllowUnencryptedAuthentication;
            options.UserAgentVersion = MyInvocation.MyCommand.Module?.Version?.ToString(3) ?? typeof(ConnectCbDefenseCommand).Assembly.GetName().Version?.ToString(3);

            Session session;
            try
            {
                session = Session.Create(options);
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                ThrowCbError(ex, "ConnectFailed", options.Uri);
                return;
            }
            var same = SessionRegistry.All.LastOrDefault(s => s.Identity == session.Identity);
            if (same != null && same.Fingerprint == session.Fingerprint)
            {
                // Connecting again with the same values: keep the open session (nothing piles up).
                session.Dispose();
                session = same;
                WriteVerbose($"A session to {session.Uri} as API ID {session.ApiId} with the same options is already open; it is reused.");
            }
            else if (same != null)
            {
                // Other options for the same server and key: the new session replaces the old one, and objects that still
                // carry the old one follow it to the new.
                SessionRegistry.Replace(same, session);
                WriteVerbose($"The session to {same.Uri} as API ID {same.ApiId} was replaced by one with the new options.");
            }
            if (session.ClearTextProxyWarning != null) WriteWarning(session.ClearTextProxyWarning);
            SessionRegistry.Add(session);
            WriteVerbose($"Connected to {session.Uri} as API ID {session.ApiId}; this session is now the default of this runspace.");
            WriteObject(session);
        }

        private SessionOptions FromProfile()
        {
            var store = new CredentialStore();
            if (CredentialFile != null)
            {
                var files = new string[CredentialFile.Length];
                for (int i = 0; i < files.Length; i++)
                    files[i] = SessionState.Path.GetUnresolvedProviderPathFromPSPath(CredentialFile[i]);
                store.ExplicitFiles = files;
            }
            store.CurrentDirectory = SessionState.Path.CurrentFileSystemLocation.ProviderPath;
            var profile = store.Load(ProfileName, requireComplete: Uri == null);
            foreach (var w in profile.Warnings) WriteWarning(w);
            if (profile.FromEnvironment)
                WriteVerbose("Using the credentials of the environment variables CBAPI_URL and CBAPI_TOKEN.");
            else
                WriteVerbose($"Using profile '{profile.Name}' from {string.Join(", ", profile.Files)}.");
            var options = SessionOptions.FromProfile(profile);
            if (Uri != null) options.Uri = Uri;
            return options;
        }

        private SessionOptions FromParameters()
        {
            ApiToken token;
            if (ParameterSetName == CredentialSet)
            {
                var nc = Credential!.GetNetworkCredential();
                token = new ApiToken(nc.Password, Credential.UserName);
            }
            else
            {
                token = new ApiToken(new NetworkCredential(string.Empty, ApiSecretKey).Password, ApiId!);
            }
            return new SessionOptions { Uri = Uri, ApiToken = token };
        }
    }
}
