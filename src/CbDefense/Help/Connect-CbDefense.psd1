@{
    Synopsis    = 'Opens a session to a Carbon Black Defense server and makes it the default.'
    Description = @'
Connect-CbDefense reads the API URL, key and org key from a cbapi credentials profile, from the environment, or
from its parameters, and returns a CbDefense.Session. The session becomes the default for every other cmdlet of
the module in this runspace (a Connect-CbDefense in a parallel runspace or job never changes it); any cmdlet also
takes -Session, so several servers or orgs can be used side by side, and output objects carry the session they
came from.

Credentials files follow cbapi's format: INI sections with url, token (SECRET/ID), org_key, ssl_verify,
ssl_verify_hostname, ssl_cert_file, ssl_force_tls_1_2, proxy, ignore_system_proxy and integration_name, read from
/etc/carbonblack/, ~/.carbonblack/ and ./.carbonblack/ (on Windows the user profile's .carbonblack folder), file
names credentials.defense then credentials.psc, later files winning key by key. When no -CredentialFile is given
and no other profile is named, the environment variables CBAPI_URL and CBAPI_TOKEN (with CBAPI_ORG_KEY and
CBAPI_SSL_VERIFY) are used if both are set. A profile that is named but missing is an error that lists the files
searched; it never falls back to another profile.

The secret key is never shown: not in the session object, its ToString(), verbose or debug output, or error
messages. The token is only sent over HTTPS, except to a loopback address (such as the local emulator) or when
-AllowUnencryptedAuthentication is given. A credentials file that other users can read draws a warning.

Proxies. Requests go through -Proxy, else the profile's proxy, else the system's (HTTP_PROXY and HTTPS_PROXY, or
Windows' settings) unless -NoProxy or ignore_system_proxy says otherwise; the session's Proxy property shows which.
Over https the proxy only relays an encrypted tunnel (CONNECT) and never sees the token. Over http it reads every
request, the token included: that draws a warning, and is refused when the proxy is not on loopback unless
-AllowUnencryptedAuthentication is given. A proxy that wants credentials it did not get fails the first request at
once with an error record of status 407.

API generations. Carbon Black switched the legacy v3 routes cbapi speaks (/integrationServices/v3/...) off in the
real cloud in 2024-2025, together with the API, SIEM and LIVE_RESPONSE key types. A session speaks one of two
generations behind the same cmdlets: Legacy (v3; API, SIEM and LIVE_RESPONSE keys) or Current (devices v6, policy
service v1, alerts v7, ...; keys of access level Custom, and the org key in every route). -ApiGeneration (or
api_generation in a profile; cbapi ignores that key) chooses; Auto, the default, finds out on the first call with
one small device search of the current API (a reply: Current; 401, 403 or 404: Legacy; no org key: Legacy), says
which in the verbose stream and keeps it for the session (Get-CbDefenseSession shows it as ApiGeneration). A legacy
route the server has retired answers with an error that says so and what to connect with instead.

Connecting again with the same URL, API ID, org key and options returns the open session; other options replace
it (objects that carry the old session follow it to the new one).

No request is sent by Connect-CbDefense itself; the first cmdlet that uses the session reports a wrong key.
'@
    Parameters  = @{
        ProfileName                    = 'The section of the credentials files to use. Defaults to "default".'
        CredentialFile                 = 'One or more credentials files to read instead of the search list (later files win).'
        Uri                            = 'The server URL, for example https://defense-prod05.conferdeploy.net. With a profile, overrides its url.'
        ApiId                          = 'The API ID (the part of the token after the slash).'
        ApiSecretKey                   = 'The API secret key, as a SecureString.'
        Credential                     = 'The API key as a PSCredential: user name = API ID, password = API secret key.'
        OrgKey                         = 'The org key (Settings > General in the console), needed by every route of the current API and by the v6 routes of the legacy one (device actions, threat workflow). Overrides the profile''s org_key.'
        ApiGeneration                  = 'Auto (default), Legacy or Current: the API generation the session speaks. Auto finds out on the first call with one probe. Current needs -OrgKey and a key of access level Custom. Overrides the profile''s api_generation.'
        SkipCertificateCheck           = 'Does not validate the server certificate. Use only against test servers.'
        CertificateFile                = 'A certificate file (PEM or DER) trusted as a root for the server certificate, like cbapi''s ssl_cert_file.'
        Proxy                          = 'The proxy to send requests through: http://host:port or host:port; http://user:password@host:port also gives its credentials (the session shows the proxy without them). Overrides the profile''s proxy and the system proxy.'
        ProxyCredential                = 'The user name and password for the proxy: -Proxy, the profile''s proxy, or the system proxy.'
        NoProxy                        = 'Connects directly, ignoring any proxy of the profile or the system.'
        TimeoutSec                     = 'Seconds one request attempt may take (default 100; 0 = no limit).'
        MaximumRetryCount              = 'How many times a request is retried after a 429, a 503, or (for requests safe to repeat) a connection failure, 502 or 504. Default 5; 0 turns retries off.'
        AllowUnencryptedAuthentication = 'Allows sending the token over plain HTTP to a host that is not loopback, or through a proxy that is not.'
    }
    Outputs     = @{ 'CbDefense.Session' = 'The new session (Uri, OrgKey, ApiId, ProfileName; never the secret).' }
    Examples    = @(
        @{
            Code    = 'Connect-CbDefense'
            Remarks = 'Connects with the [default] profile of the cbapi credentials files (for example ~/.carbonblack/credentials.psc), or with CBAPI_URL and CBAPI_TOKEN when they are set.'
        }
        @{
            Code    = '$key = Get-Credential -UserName ABCD1234 -Message "API secret key (a Custom key)"
Connect-CbDefense -Uri https://defense-prod05.conferdeploy.net -Credential $key -OrgKey 7DESJ9GN -ApiGeneration Current'
            Remarks = 'Connects to a real tenant today: the current API, a key of access level Custom, and the org key.'
        }
        @{
            Code    = 'Connect-CbDefense -ProfileName production -CredentialFile C:\secure\credentials.psc'
            Remarks = 'Connects with the [production] section of one given file.'
        }
        @{
            Code    = '$key = Get-Credential -UserName ABCD1234 -Message "API secret key"
Connect-CbDefense -Uri https://defense-prod05.conferdeploy.net -Credential $key -OrgKey 7DESJ9GN'
            Remarks = 'Connects with a key typed at a prompt: the user name is the API ID and the password the secret key.'
        }
        @{
            Code    = 'Connect-CbDefense -Uri https://defense-prod05.conferdeploy.net -Credential $key -OrgKey 7DESJ9GN `
    -Proxy http://proxy.corp.example:8080 -ProxyCredential (Get-Credential -Message "Proxy")'
            Remarks = 'Connects through a proxy that asks for authentication; https crosses it as an encrypted tunnel, so the proxy never sees the key.'
        }
        @{
            Code    = '$lab  = Connect-CbDefense -ProfileName lab
$prod = Connect-CbDefense -ProfileName production
Get-CbDevice -Session $lab -First 5'
            Remarks = 'Two sessions side by side; the last one connected is the default, -Session picks another.'
        }
    )
    Links       = @('Disconnect-CbDefense', 'Get-CbDefenseSession', 'Get-CbDevice')
}
