@{
    Synopsis    = 'Deletes a registry key that has no sub keys on Windows devices (the reg delete key command).'
    Description = @'
Remove-CbLiveResponseRegistryKey deletes one registry key, with its values, on each device (cbapi's
delete_registry_key). A key that still has sub keys is refused, as Windows' RegDeleteKey refuses it
(RemoveRegistryKeyFailed.ERROR_ACCESS_DENIED): delete the sub keys first (Get-CbLiveResponseRegistryKey lists them).
A key that is not there is RemoveRegistryKeyFailed.ERROR_FILE_NOT_FOUND (category ObjectNotFound).

ConfirmImpact is High, so it asks for confirmation per device by default; -Force (or -Confirm:$false) skips the
prompt, -WhatIf deletes nothing.

Registry commands need a Windows sensor: a session on another device is an error and nothing is sent to it. Key
paths name the hive first, abbreviated (HKLM\SOFTWARE\Microsoft, HKU\<sid>\Software) or in full
(HKEY_LOCAL_MACHINE\...). The sensor runs as SYSTEM, so HKCU is the SYSTEM account's hive: reach a user's keys
through HKU\<their sid>.

Sessions: pipe open sessions (New-CbLiveResponseSession) to -LiveResponseSession, or give -DeviceId and the cmdlet
opens a session per device, runs the command and closes the session again (a session the module already holds open
for the device is used and left open). Up to -ThrottleLimit devices (default 5) are worked on at once. A device that
fails gets one error and the others go on.
'@
    Parameters  = @{
        Path                = 'The registry key to delete, e.g. HKLM\SOFTWARE\Contoso\Agent. It must have no sub keys.'
        Force               = 'Deletes without asking for confirmation. -WhatIf still wins.'
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
        @{ Code = 'Remove-CbLiveResponseRegistryKey -DeviceId 12345 -Path HKLM\SOFTWARE\Contoso\Agent -Force'; Remarks = 'One shot: deletes the key on device 12345 without prompting.' }
        @{ Code = '$s | Remove-CbLiveResponseRegistryKey -Path HKLM\SOFTWARE\Contoso\Agent -WhatIf'; Remarks = 'Says on which devices the key would be deleted; deletes nothing.' }
    )
    Links       = @('New-CbLiveResponseRegistryKey', 'Get-CbLiveResponseRegistryKey', 'Remove-CbLiveResponseRegistryValue', 'about_CbDefense_LiveResponse')
}
