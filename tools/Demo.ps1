# The Demo task: a short tour of the module against the local emulator. Leaves nothing running or on disk.
param([Parameter(Mandatory)] [string] $ModulePath)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot 'CbEmulator.psm1') -Force

# Output redirected to a file or a pipe (build.ps1 Demo > demo.txt), or NO_COLOR set: plain text, no ANSI escape codes.
$script:Plain = [Console]::IsOutputRedirected -or [bool]$env:NO_COLOR
if ($script:Plain -and $PSStyle) { $PSStyle.OutputRendering = 'PlainText' }
# No line of the tour is wider than this (the tables fit 80 columns by themselves).
$script:MaxWidth = 120

function Write-Line([string] $Text, [System.ConsoleColor] $Color) {
    if ($script:Plain -or -not $PSBoundParameters.ContainsKey('Color')) { Write-Host $Text }
    else { Write-Host $Text -ForegroundColor $Color }
}

# A step: what it shows, then the commands as typed, one line each. A line that ends with | or a backtick goes on
# at PowerShell's >> prompt; any other line ends its command, and the next one starts at PS>.
function Show-Step([string] $Text, [string[]] $Command) {
    Write-Host ''
    Write-Line "# $Text" Cyan
    $prompt = 'PS> '
    foreach ($line in $Command) {
        Write-Line ($prompt + $line) Yellow
        $prompt = if ($line -match '(\||`)\s*$') { '>>     ' } else { 'PS> ' }
    }
}

# Text that may be long (server messages): wrapped at spaces to the tour's width, the later lines indented.
function Write-Wrapped([string] $Text, [string] $Indent = '     ') {
    $lead = [regex]::Match($Text, '^\s*').Value
    $line = $lead
    foreach ($word in ($Text.Substring($lead.Length) -split ' ')) {
        if ($line.Trim() -and ($line.Length + 1 + $word.Length) -gt $script:MaxWidth) {
            Write-Host $line
            $line = $Indent + $word
        }
        elseif ($line.Trim()) { $line += ' ' + $word }
        else { $line += $word }
    }
    if ($line.Trim()) { Write-Host $line }
}

$emulator = $null
$credFile = $null
try {
    Write-Host 'Starting the CB Defense emulator (500 devices, seed 42)...'
    $emulator = Start-CbEmulator -Devices 500 -Events 2000 -Seed 42
    Write-Host "Emulator listening on $($emulator.Uri)"
    $credFile = New-CbCredentialFile -Emulator $emulator

    Import-Module $ModulePath -Force

    Show-Step 'Connect with a cbapi-style credentials file' "Connect-CbDefense -CredentialFile `$credFile"
    $session = Connect-CbDefense -CredentialFile $credFile
    $session | Format-Table | Out-Host

    Show-Step 'The first devices' 'Get-CbDevice -First 8'
    Get-CbDevice -First 8 | Format-Table | Out-Host

    Show-Step 'A filtered query: host names starting with web' "Get-CbDevice -HostName 'web*' | Select-Object -First 5 Name, DeviceId, OsVersion, LastInternalIpAddress"
    Get-CbDevice -HostName 'web*' | Select-Object -First 5 Name, DeviceId, OsVersion, LastInternalIpAddress | Format-Table | Out-Host

    Show-Step 'How many devices, by status' 'Get-CbDevice | Group-Object Status -NoElement | Sort-Object Count -Descending'
    Get-CbDevice | Group-Object Status -NoElement | Sort-Object Count -Descending | Format-Table | Out-Host

    Show-Step 'Count without fetching everything' 'Get-CbDevice -First 1 -IncludeTotalCount'
    Get-CbDevice -First 1 -IncludeTotalCount | Out-Host

    Show-Step 'Times are local, like Get-Date: devices silent for a week (LastContactUtc has the same instant in UTC)' @(
        'Get-CbDevice | Where-Object LastContact -lt (Get-Date).AddDays(-7) |'
        'Select-Object -First 3 Name, LastContact, LastContactUtc, AvStatus')
    Get-CbDevice | Where-Object LastContact -lt (Get-Date).AddDays(-7) |
        Select-Object -First 3 Name, LastContact, LastContactUtc, AvStatus | Format-Table | Out-Host

    $victim = Get-CbDevice -First 1
    $id = $victim.DeviceId
    Show-Step 'A device action: quarantine one device, first with -WhatIf (nothing is sent)' "Get-CbDevice -Id $id | Set-CbDeviceQuarantine -Enabled `$true -WhatIf"
    Get-CbDevice -Id $id | Set-CbDeviceQuarantine -Enabled $true -WhatIf
    Get-CbDevice -Id $id | Format-Table Name, DeviceId, Status, Quarantined | Out-Host

    Show-Step 'Then for real (one POST to device_actions per batch of 1,000 ids), and its effect' "Get-CbDevice -Id $id | Set-CbDeviceQuarantine -Enabled `$true -Confirm:`$false; Get-CbDevice -Id $id"
    Get-CbDevice -Id $id | Set-CbDeviceQuarantine -Enabled $true -Confirm:$false
    Get-CbDevice -Id $id | Format-Table Name, DeviceId, Status, Quarantined | Out-Host

    Show-Step 'Release it again' "Set-CbDeviceQuarantine -DeviceId $id -Enabled `$false -Confirm:`$false; Get-CbDevice -Id $id"
    Set-CbDeviceQuarantine -DeviceId $id -Enabled $false -Confirm:$false
    Get-CbDevice -Id $id | Format-Table Name, DeviceId, Status, Quarantined | Out-Host

    Show-Step 'Policies' 'Get-CbPolicy'
    Get-CbPolicy | Out-Host

    Show-Step 'Deny a tool across a policy; -PassThru returns the rule with its server id' @(
        'Get-CbPolicy -Name Standard |'
        "Add-CbPolicyRule -Operation RUN -ApplicationType NAME_PATH -ApplicationValue '**\mimikatz.exe' ``"
        '-Action DENY -PassThru')
    Get-CbPolicy -Name Standard |
        Add-CbPolicyRule -Operation RUN -ApplicationType NAME_PATH -ApplicationValue '**\mimikatz.exe' -Action DENY -PassThru | Out-Host

    Show-Step 'Which DENY rules would go (with -WhatIf: nothing is sent)' 'Get-CbPolicyRule -PolicyId 6525 | Where-Object Action -eq DENY | Remove-CbPolicyRule -WhatIf'
    Get-CbPolicyRule -PolicyId 6525 | Where-Object Action -eq DENY | Remove-CbPolicyRule -WhatIf

    Show-Step 'Events of the last day' 'Get-CbEvent -SearchWindow 1d -First 5'
    Get-CbEvent -SearchWindow 1d -First 5 | Out-Host

    Show-Step 'Raw access to any route: find a threat among the alerts' @(
        "`$alerts = Invoke-CbApi -Method POST -Path /appservices/v6/orgs/$($emulator.OrgKey)/alerts/_search -Body @{ rows = 1 }"
        '$alerts.results[0].threat_id')
    $threat = (Invoke-CbApi -Method POST -Path "/appservices/v6/orgs/$($emulator.OrgKey)/alerts/_search" -Body @{ rows = 1 }).results[0].threat_id
    Write-Host "  -> $threat"

    Show-Step 'Dismiss that threat''s alerts and wait for the server to apply it' @(
        "Invoke-CbThreatDismiss -ThreatId $threat ``"
        "-Remediation 'Reimaged' -Comment 'Demo' -Wait -Confirm:`$false")
    Invoke-CbThreatDismiss -ThreatId $threat -Remediation 'Reimaged' -Comment 'Demo' -Wait -Confirm:$false | Out-Host

    Show-Step 'SIEM notifications need a SIEM key: a second session side by side' @(
        '$siem = Connect-CbDefense -Uri ... (SIEM key)'
        'Get-CbNotification -Session $siem | Select-Object -First 4')
    $siemSecret, $siemId = $emulator.SiemToken -split '/', 2
    $siem = Connect-CbDefense -Uri $emulator.Uri -ApiId $siemId -ApiSecretKey (ConvertTo-SecureString $siemSecret -AsPlainText -Force)
    Get-CbNotification -Session $siem | Select-Object -First 4 | Out-Host
    Disconnect-CbDefense -Session $siem

    Show-Step 'Errors carry the server''s message' 'Get-CbDevice -Id 999999999'
    Get-CbDevice -Id 999999999 -ErrorAction SilentlyContinue -ErrorVariable notFound
    Write-Wrapped ("  -> {0}: {1}" -f $notFound[0].CategoryInfo.Category, $notFound[0].Exception.Message)

    # ------------------------------------------------------------------ the current API generation
    Show-Step 'A real tenant today speaks the current API: a Custom key, the org key; Auto finds out on the first call' @(
        '$current = Connect-CbDefense -Uri ... -ApiId EMUCUST001 -ApiSecretKey ... -OrgKey EMUORG01'
        'Get-CbDevice -Session $current -First 3; Get-CbDefenseSession')
    $cSecret, $cId = $emulator.CustomToken -split '/', 2
    $current = Connect-CbDefense -Uri $emulator.Uri -ApiId $cId -ApiSecretKey (ConvertTo-SecureString $cSecret -AsPlainText -Force) -OrgKey $emulator.OrgKey
    Get-CbDevice -Session $current -First 3 | Format-Table | Out-Host
    Get-CbDefenseSession | Format-Table | Out-Host

    Show-Step 'The same command on both generations, over the same devices' @(
        "Get-CbDevice -HostName 'web*' -Session `$session | Measure-Object"
        "Get-CbDevice -HostName 'web*' -Session `$current | Measure-Object")
    Write-Host ("  -> Legacy: {0} devices, Current: {1} devices" -f
        @(Get-CbDevice -HostName 'web*' -Session $session).Count, @(Get-CbDevice -HostName 'web*' -Session $current).Count)

    Show-Step 'The current API''s search language, criteria and sort' @(
        "Get-CbDevice -Session `$current -Query 'os:MAC' -Status REGISTERED -Sort '-last_contact_time' -First 3")
    Get-CbDevice -Session $current -Query 'os:MAC' -Status REGISTERED -Sort '-last_contact_time' -First 3 | Format-Table | Out-Host

    Show-Step 'A device action by search: -WhatIf counts the devices, one request acts on all of them' @(
        "Set-CbDeviceBackgroundScan -Session `$current -Query 'os:LINUX' -Enabled `$true -WhatIf")
    Set-CbDeviceBackgroundScan -Session $current -Query 'os:LINUX' -Enabled $true -WhatIf

    $migration = Join-Path ([System.IO.Path]::GetTempPath()) "cbdemo-policy-$PID.json"
    Show-Step 'Migrate a policy from the v3 API to the policy service (the fields are mapped)' @(
        "Export-CbPolicy -Session `$session -Id 30245 -Path policy.json"
        "Import-CbPolicy -Session `$current -Path policy.json -Name 'Executives (v1)'")
    Export-CbPolicy -Session $session -Id 30245 -Path $migration
    Import-CbPolicy -Session $current -Path $migration -Name 'Executives (v1)' -WarningAction SilentlyContinue | Out-Host
    Remove-Item $migration -ErrorAction SilentlyContinue
    Disconnect-CbDefense -Session $current

    Show-Step 'Where Carbon Black has retired the v3 routes, a Legacy session says what to do' @(
        '# an emulator that answers as the real cloud does now (--api current)'
        "Get-CbDevice -Session `$legacy -First 1")
    $retired = Start-CbEmulator -Devices 5 -ExtraArguments @('--api', 'current')
    try {
        $aSecret, $aId = $retired.ApiToken -split '/', 2
        $legacy = Connect-CbDefense -Uri $retired.Uri -ApiId $aId -ApiSecretKey (ConvertTo-SecureString $aSecret -AsPlainText -Force) `
            -OrgKey $retired.OrgKey -ApiGeneration Legacy
        try { Get-CbDevice -Session $legacy -First 1 }
        catch { Write-Wrapped ("  -> {0}: {1}" -f $_.CategoryInfo.Category, $_.Exception.Message) }
        Disconnect-CbDefense -Session $legacy
    }
    finally { Stop-CbEmulator $retired }

    Show-Step 'Disconnect' 'Disconnect-CbDefense'
    Disconnect-CbDefense
    Write-Host ''
    Write-Line 'Demo finished.' Green
}
finally {
    if ($emulator) { Stop-CbEmulator $emulator }
    if ($credFile -and (Test-Path $credFile)) { Remove-Item $credFile -Force }
}
