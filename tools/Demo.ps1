# The Demo task: a short tour of the module against the local emulator. Leaves nothing running or on disk.
param([Parameter(Mandatory)] [string] $ModulePath)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot 'CbEmulator.psm1') -Force

function Show-Step([string] $Text, [string] $Command) {
    Write-Host ''
    Write-Host "# $Text" -ForegroundColor Cyan
    Write-Host "PS> $Command" -ForegroundColor Yellow
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

    Show-Step 'Deny a tool across a policy (with -WhatIf: nothing is sent)' "Get-CbPolicy -Name Standard | Add-CbPolicyRule -Operation RUN -ApplicationType NAME_PATH -ApplicationValue '**\mimikatz.exe' -Action DENY -WhatIf"
    Get-CbPolicy -Name Standard | Add-CbPolicyRule -Operation RUN -ApplicationType NAME_PATH -ApplicationValue '**\mimikatz.exe' -Action DENY -WhatIf

    Show-Step 'Events of the last day' 'Get-CbEvent -SearchWindow 1d -First 5'
    Get-CbEvent -SearchWindow 1d -First 5 | Out-Host

    Show-Step 'Raw access to any route: find a threat among the alerts' "(Invoke-CbApi -Method POST -Path /appservices/v6/orgs/$($emulator.OrgKey)/alerts/_search -Body @{ rows = 1 }).results[0].threat_id"
    $threat = (Invoke-CbApi -Method POST -Path "/appservices/v6/orgs/$($emulator.OrgKey)/alerts/_search" -Body @{ rows = 1 }).results[0].threat_id
    Write-Host "  -> $threat"

    Show-Step 'Dismiss that threat''s alerts and wait for the server to apply it' "Invoke-CbThreatDismiss -ThreatId $threat -Remediation 'Reimaged' -Comment 'Demo' -Wait -Confirm:`$false"
    Invoke-CbThreatDismiss -ThreatId $threat -Remediation 'Reimaged' -Comment 'Demo' -Wait -Confirm:$false | Out-Host

    Show-Step 'SIEM notifications need a SIEM key: a second session side by side' "`$siem = Connect-CbDefense -Uri ... (SIEM key); Get-CbNotification -Session `$siem | Select-Object -First 4"
    $siemSecret, $siemId = $emulator.SiemToken -split '/', 2
    $siem = Connect-CbDefense -Uri $emulator.Uri -ApiId $siemId -ApiSecretKey (ConvertTo-SecureString $siemSecret -AsPlainText -Force)
    Get-CbNotification -Session $siem | Select-Object -First 4 | Out-Host
    Disconnect-CbDefense -Session $siem

    Show-Step 'Errors carry the server''s message' 'Get-CbDevice -Id 999999999'
    Get-CbDevice -Id 999999999 -ErrorAction SilentlyContinue -ErrorVariable notFound
    Write-Host ("  -> {0}: {1}" -f $notFound[0].CategoryInfo.Category, $notFound[0].Exception.Message)

    Show-Step 'Disconnect' 'Disconnect-CbDefense'
    Disconnect-CbDefense
    Write-Host ''
    Write-Host 'Demo finished.' -ForegroundColor Green
}
finally {
    if ($emulator) { Stop-CbEmulator $emulator }
    if ($credFile -and (Test-Path $credFile)) { Remove-Item $credFile -Force }
}
