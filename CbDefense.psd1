@{
    RootModule           = 'CbDefense.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f3f7e-8d0a-4c55-9a53-2f1f0d2c6a41'
    Author               = 'CbDefense contributors'
    CompanyName          = 'CbDefense'
    Copyright            = '(c) CbDefense contributors. MIT License.'
    Description          = 'The Carbon Black Defense (Endpoint Standard) API as PowerShell cmdlets: sessions, devices, device actions, policies, events, threats and notifications, with streaming, throttling, -WhatIf and help.'
    CompatiblePSEditions = @('Desktop', 'Core')
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('CbDefense.format.ps1xml')
    TypesToProcess       = @('CbDefense.types.ps1xml')
    CmdletsToExport      = @(
        'Connect-CbDefense'
        'Disconnect-CbDefense'
        'Get-CbDefenseSession'
        'Get-CbDevice'
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
        'Get-CbAlertSearchSuggestion'
        'Get-CbEvent'
        'Get-CbNotification'
        'Get-CbWorkflowStatus'
        'Invoke-CbThreatDismiss'
        'Invoke-CbThreatUpdate'
        'Watch-CbNotification'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('CarbonBlack', 'CbDefense', 'EndpointStandard', 'Security', 'EDR', 'API', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ReleaseNotes = 'First version: sessions, the HTTP pipeline, Get-CbDevice and Invoke-CbApi, against a local emulator of the CB Defense server.'
        }
    }
}
