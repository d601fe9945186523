@{
    Synopsis    = 'Creates a registry key on Windows devices (the reg create key command).'
    Description = @'
New-CbLiveResponseRegistryKey creates a registry key on each device (cbapi's create_registry_key). Like
RegCreateKeyEx, which the sensor uses, missing parent keys are created too and a key that exists already is not an
error.

Registry commands need a Windows sensor: a session on another device is an error and nothing is sent to it. Key
paths name the hive first, abbreviated (HKLM\SOFTWARE\Microsoft, HKU\<sid>\Software) or in full
(HKEY_LOCAL_MACHINE\...). The sensor runs as SYSTEM, so HKCU is the SYSTEM account's hive: reach a user's keys
through HKU\<their sid>.

Sessions: pipe open sessions (New-CbLiveResponseSession) to -LiveResponseSession, or give -DeviceId and the cmdlet
opens a session per device, runs the command and closes the session again (a session the module already holds open
for the device is used and left open). Up to -ThrottleLimit devices (default 5) are worked on at once. A device that
fails gets one error and the others go on. It asks for confirmation per device when $ConfirmPreference is Medium or
lower; -WhatIf creates nothing.
'@
    Parameters  = @{
        Path                = 'The registry key to create, e.g. HKLM\SOFTWARE\Contoso\Agent.'
        LiveResponseSession = 'Open Live Response sessions (New-CbLiveResponseSession, Get-CbLiveResponseSession) to run the command in. Binds from the pipeline by value. They stay open.'
        DeviceId            = 'The devices to run the command on: a session the module holds open for the device is used (and left open), otherwise one is opened (waiting up to 360 s for the sensor and for a free slot under the org''s session limit), used and closed. Binds by property name (DeviceId), so Device objects from Get-CbDevice can be piped.'
        ThrottleLimit       = 'How many devices are worked on at once (1 to 100; default 5). Keep it within the org''s session limit when -DeviceId opens sessions.'
        Session             = 'With -DeviceId: the CbDefense session (connection) to open Live Response sessions through; defaults to the default session. Device objects from the pipeline bring their own.'
    }
    Inputs      = @{
        'CbDefense.LiveResponseSession' = 'Open sessions to run the command in.'
        'CbDefense.Device'              = 'Devices (their DeviceId and Session are used, with -DeviceId).'
    }
    Outputs     = @{ 'None' = 'This cmdlet writes nothing.' }
    Examples    = @(
        @{ Code = 'New-CbLiveResponseRegistryKey -DeviceId 12345 -Path HKLM\SOFTWARE\Contoso\Agent'; Remarks = 'One shot: creates the key on device 12345.' }
        @{ Code = '$s | New-CbLiveResponseRegistryKey -Path HKLM\SOFTWARE\Contoso; $s | Set-CbLiveResponseRegistryValue -Path HKLM\SOFTWARE\Contoso -Name Enabled -Value 1 -Force'; Remarks = 'Creates a key on every device of the open sessions in $s, then sets a value in it.' }
    )
    Links       = @('Remove-CbLiveResponseRegistryKey', 'Get-CbLiveResponseRegistryKey', 'Set-CbLiveResponseRegistryValue', 'about_CbDefense_LiveResponse')
}
