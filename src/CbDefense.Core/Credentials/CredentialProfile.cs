using System;
using System.Collections.Generic;

namespace CbDefense
{
    /// <summary>A credentials profile as read from a cbapi-style INI file or the environment.</summary>
    public sealed class CredentialProfile
    {
        /// <summary>The profile (section) name; "default" unless named.</summary>
        public string Name { get; internal set; } = "default";
        public string? Url { get; internal set; }
        /// <summary>The token; its secret is not public.</summary>
        public ApiToken? Token { get; internal set; }
        public string? ApiId => Token?.ApiId;
        public string? OrgKey { get; internal set; }
        public bool SslVerify { get; internal set; } = true;
        public bool SslVerifyHostname { get; internal set; } = true;
        public string? SslCertFile { get; internal set; }
        public bool SslForceTls12 { get; internal set; }
        public string? Proxy { get; internal set; }
        public bool IgnoreSystemProxy { get; internal set; }
        public string? IntegrationName { get; internal set; }
        /// <summary>The api_generation key (Auto, Legacy or Current); null when the profile does not say. cbapi ignores it.</summary>
        public ApiGeneration? ApiGeneration { get; internal set; }

        /// <summary>True when the profile came from the CBAPI_* environment variables.</summary>
        public bool FromEnvironment { get; internal set; }
        /// <summary>The files that were read (existing ones), in order.</summary>
        public IReadOnlyList<string> Files { get; internal set; } = Array.Empty<string>();
        /// <summary>The files that were searched (existing or not), in order.</summary>
        public IReadOnlyList<string> SearchedFiles { get; internal set; } = Array.Empty<string>();
        /// <summary>Warnings, e.g. a credentials file readable by other users.</summary>
        public IReadOnlyList<string> Warnings { get; internal set; } = Array.Empty<string>();

        /// <summary>Throws <see cref="CbCredentialException"/> unless both url and token are present.</summary>
        public void EnsureComplete()
        {
            if (string.IsNullOrEmpty(Url) || Token == null)
            {
                string where = FromEnvironment ? "the environment variables" : "the files " + string.Join(", ", Files);
                throw new CbCredentialException(
                    "Token and/or URL not available for profile '" + Name + "' (read from " + where + ").");
            }
        }

        public override string ToString() =>
            "CredentialProfile " + Name + " (" + (Url ?? "no url") + ", API ID " + (ApiId ?? "none") + ")";
    }
}
