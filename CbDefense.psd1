@{
    RootModule           = 'CbDefense.dll'
    # The version is <Version> in Directory.Build.props: build.ps1 writes it here in the laid-out module (out/CbDefense).
    ModuleVersion        = '0.0.0'
    GUID                 = '5b0f3f7e-8d0a-4c55-9a53-2f1f0d2c6a41'
    Author               = 'CbDefense contributors'
    CompanyName          = 'CbDefense'
    Copyright            = '(c) CbDefense contributors. MIT License.'
    Description          = 'The Carbon Black Defense (Endpoint Standard) API as PowerShell cmdlets: sessions, devices, device actions, policies, alerts, threats, events and observations, audit logs, notifications and Live Response, on the legacy and the current API, with streaming, throttling, -WhatIf and help.'
    CompatiblePSEditions = @('Desktop', 'Core')
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('CbDefense.format.ps1xml')
    CmdletsToExport      = @(
        'Connect-CbDefense'
        'Disconnect-CbDefense'
        'Get-CbDefenseSession'
        'Get-CbDevice'
        'Set-CbDevice'
        'Invoke-CbApi'
        # Device actions
        'Remove-CbDevice'
        'Set-CbDeviceBackgroundScan'
        'Set-CbDeviceBypass'
        'Set-CbDevicePolicy'
        'Set-CbDeviceQuarantine'
        'Uninstall-CbDeviceSensor'
        'Update-CbDeviceSensor'
        # Policies and policy rules
        'Add-CbPolicyRule'
        'Export-CbPolicy'
        'Get-CbPolicy'
        'Get-CbPolicyRule'
        'Import-CbPolicy'
        'New-CbPolicy'
        'Remove-CbPolicy'
        'Remove-CbPolicyRule'
        'Set-CbPolicy'
        'Set-CbPolicyRule'
        # Events, threats, alerts and notifications
        'Get-CbAlert'
        'Set-CbAlert'
        'Watch-CbAlert'
        'Get-CbAlertSearchSuggestion'
        'Get-CbEvent'
        'Get-CbNotification'
        'Get-CbWorkflowStatus'
        'Invoke-CbThreatDismiss'
        'Invoke-CbThreatUpdate'
        'Watch-CbNotification'
        # Audit logs and observations
        'Get-CbAuditLog'
        'Get-CbObservation'
        # Live Response
        'New-CbLiveResponseSession'
        'Get-CbLiveResponseSession'
        'Remove-CbLiveResponseSession'
        'Get-CbLiveResponseChildItem'
        'Receive-CbLiveResponseFile'
        'Send-CbLiveResponseFile'
        'Remove-CbLiveResponseItem'
        'New-CbLiveResponseDirectory'
        'Get-CbLiveResponseProcess'
        'Start-CbLiveResponseProcess'
        'Stop-CbLiveResponseProcess'
        'Get-CbLiveResponseRegistryKey'
        'Get-CbLiveResponseRegistryValue'
        'Set-CbLiveResponseRegistryValue'
        'New-CbLiveResponseRegistryKey'
        'Remove-CbLiveResponseRegistryKey'
        'Remove-CbLiveResponseRegistryValue'
        'Invoke-CbLiveResponseMemoryDump'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('CarbonBlack', 'CbDefense', 'EndpointStandard', 'Security', 'EDR', 'API', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ReleaseNotes = @'
0.1.0: the CB Defense API of cbapi's CbDefenseAPI as 53 cmdlets, on both API generations behind the same cmdlets:
the legacy API generation (the v3 integrationServices routes cbapi speaks, with the v6 routes that generation uses
for device actions, the threat workflow and alert search suggestions) and the current one (devices v6 with
_search and _scroll, policy service v1, alerts v7 and jobs, audit log v1, observations, Live Response v6, Custom
keys, the org key in every route), which a real tenant needs since
Carbon Black switched the v3 routes off in 2024-2025. Connect-CbDefense -ApiGeneration Auto|Legacy|Current (Auto
probes once); a retired legacy route is an error that says what to connect with.
- Sessions: Connect-CbDefense from cbapi credentials profiles, CBAPI_* environment variables or explicit values;
  several sessions side by side; output objects carry their session. Get-CbDefenseSession, Disconnect-CbDefense.
- Devices: Get-CbDevice streams page by page (writing each device as it is parsed) with exact names (wildcards
  make patterns), -Status/-OS/-PolicyId/-TargetPriority, key:value filters the server would ignore applied on the
  client or refused, -Query/-Criteria/-Sort on the current API, exact -First/-Skip/-IncludeTotalCount; -Id a few at
  a time; Set-CbDevice (cbapi's Device.save()); quarantine, bypass, background scan, policy, sensor update,
  uninstall and delete in batches of 1,000 ids, or on the current API by -Query in one request.
- Policies: get, create (with only a name: the Standard policy's settings), clone, save, remove, export to and
  import from JSON files without losing a field, across generations with the documented field mapping; rules
  added, replaced and removed with server ids.
- Events (Get-CbEvent, past the API's 10,000 rows per query), threat dismissal and update with -Wait, workflow
  status, alert search suggestions, SIEM notifications (Get-CbNotification; Watch-CbNotification with a crash-safe
  -StatePath), and Invoke-CbApi for any other route.
- Alerts: Get-CbAlert (alerts v7 on the current API, v6 on the legacy one) with criteria, -Query, -Exclusions,
  -Sort and a time range of at most 180 days, streamed past the 10,000-hit window so every alert comes once;
  Set-CbAlert closes or reopens alerts in batches and follows the jobs; Watch-CbAlert polls new alerts behind a
  lag, with a crash-safe -StatePath (none lost, none twice). On the current API the threat cmdlets use the v7
  workflow by threat id plus the v6 threat route, and the notification cmdlets name Watch-CbAlert.
- Audit logs and observations: Get-CbAuditLog reads the read-once audit log queue (v3 auditlogs, audit log v1
  _queue) to its end, reply by reply (-First stops between replies, never dropping a record taken) and, on the current API, searches the audit log (-StartTime, -EndTime, -Query, -Actor; paged past 10,000
  with search_after); Get-CbObservation runs observation search jobs (the successor of the v3 events) with progress,
  splitting the time range past a job's 10,000 rows so every observation comes once. Get-CbEvent on a current
  session gives the equivalent Get-CbObservation command line.
- Live Response on both generations (v3 cblr with a LIVE_RESPONSE key, v6 liveresponse with a Custom key):
  New-/Get-/Remove-CbLiveResponseSession (sessions like PSSessions: waited for with progress, reused per device,
  kept alive, closed on timeout, Ctrl+C, Disconnect-CbDefense, Remove-Module and exit), files (Get-CbLiveResponse-
  ChildItem, Receive-/Send-CbLiveResponseFile streamed with progress, never a half file), processes (Get-, Start-
  with -Wait and the output, Stop-CbLiveResponseProcess), the registry, memory dumps; every command on many devices
  at once with -ThrottleLimit, within the org's session limit; failures with the Win32 error decoded
  (about_CbDefense_LiveResponse).
- A session-wide throttle gate for 429 and retries with backoff; -WhatIf/-Confirm on every change; help with
  examples for every cmdlet and the about_CbDefense and about_CbDefense_LiveResponse topics.
- Output: table views that fit 80 columns; times in local time with a *Utc twin (LastContact, LastContactUtc);
  readable lists and values in Format-List and Export-Csv; the session kept out of nested ConvertTo-Json output.
- Installs from a repository: Install-PSResource CbDefense (build.ps1 Package writes the .nupkg). Its third-party
  assemblies sit in a dependencies/ folder and load only for the module, in a load context of its own on PowerShell
  7, so a module with other versions of them (Az, Microsoft.Graph) and CbDefense never break each other.
- Windows PowerShell 5.1: Core and the cmdlets are compile-checked against .NET Framework 4.7.2; the tests run on
  PowerShell 7 (the README says what is run where).
- A local emulator of the CB Defense server for trying scripts safely (see the project's README).
'@
        }
    }
}
