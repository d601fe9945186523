using System;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace CbDefense.Commands
{
    /// <summary>
    /// Lets -Session take what a session became on its way through a file: the text Export-Csv wrote
    /// ("https://host (API ID ABC, org XYZ)", or a bare URL) or an object Import-Clixml read back. It resolves to the
    /// open session of that server (and API ID and org key, when named); when none is open the binding fails with an
    /// error that says so, so objects re-imported from a file never act on the default session by accident.
    /// </summary>
    public sealed class SessionTransformationAttribute : ArgumentTransformationAttribute
    {
        private static readonly Regex Text = new Regex(@"^\s*(?<url>\S+?)/?(?:\s+\(API ID (?<id>[^,)\s]+)(?:, org (?<org>[^)\s]+))?\))?\s*$", RegexOptions.CultureInvariant);

        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? v = inputData is PSObject pso ? pso.BaseObject : inputData;
            switch (v)
            {
                case null:
                    return null;
                case Session s:
                    return s;
                case string text when text.Trim().Length == 0:
                    return null;
                case string text:
                {
                    var m = Text.Match(text);
                    if (!m.Success || !Uri.TryCreate(m.Groups["url"].Value, UriKind.Absolute, out _))
                        throw new ArgumentTransformationMetadataException("'" + text + "' does not name a session; pass a session (Connect-CbDefense, Get-CbDefenseSession) or its text \"<url> (API ID <id>, org <key>)\".");
                    return Resolve(m.Groups["url"].Value, Group(m, "id"), Group(m, "org"), text);
                }
                case PSObject deserialized when (deserialized.Properties["Uri"]?.Value) != null:
                    return Resolve(deserialized.Properties["Uri"].Value.ToString()!, deserialized.Properties["ApiId"]?.Value?.ToString(),
                                   deserialized.Properties["OrgKey"]?.Value?.ToString(), deserialized.ToString());
                default:
                    return inputData;
            }
        }

        private static string? Group(Match m, string name) => m.Groups[name].Success ? m.Groups[name].Value : null;

        private static Session Resolve(string url, string? apiId, string? org, string shown)
        {
            var session = SessionRegistry.Find(url, apiId, org);
            if (session != null) return session;
            throw new ArgumentTransformationMetadataException(
                "The object comes from the session '" + shown + "', and no session to " + url.TrimEnd('/') + (apiId != null ? " with API ID " + apiId : "") +
                " is open, so it is not sent to another server. Connect to it first (Connect-CbDefense -Uri " + url.TrimEnd('/') + " ...), or pass -Session.");
        }
    }
}
