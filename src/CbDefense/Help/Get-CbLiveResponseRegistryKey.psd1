@{
    Synopsis    = 'Reads a registry key of Windows devices: its sub keys and values (the reg enum key command).'
    Description = @'
Get-CbLiveResponseRegistryKey reads one registry key on each device (cbapi's list_registry_keys_and_values) and
writes a LiveResponseRegistryKey: Path, Name, SubKeys (the names of the keys below it) and Values
(LiveResponseRegistryValue objects: Name, Type, Data; the default value has the name ""). Data is typed: REG_SZ and
REG_EXPAND_SZ as text (not expanded), REG_DWORD and REG_QWORD as numbers, REG_MULTI_SZ as a text array, REG_BINARY
as bytes. To read a whole tree, call it again for each of SubKeys.

Registry commands need a Windows sensor: a session on another device is an error and nothing is sent to it. Key
paths name the hive first, abbreviated (HKLM\SOFTWARE\Microsoft, HKU\<sid>\Software) or in full
(HKEY_LOCAL_MACHINE\...). The sensor runs as SYSTEM, so HKCU is the SYSTEM account's hive: reach a user's keys
through HKU\<their sid>.

Sessions: pipe open sessions (New-CbLiveResponseSession) to -LiveResponseSession, or give -DeviceId and the cmdlet
opens a session per device, runs the command and closes the session again (a session the module already holds open
for the device is used and left open). Up to -ThrottleLimit devices (default 5) are worked on at once. A device that
fails gets one error and the others go on. A key that is not there is GetRegistryKeyFailed.ERROR_FILE_NOT_FOUND
(category ObjectNotFound).
'@
    Parameters  = @{
        Path                = 'The registry key to read, e.g. HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run.'
        LiveResponseSession = 'Open Live Response sessions (New-CbLiveResponseSession, Get-CbLiveResponseSession) to run the command in. Binds from the pipeline by value. They stay open.'
        DeviceId            = 'The devices to run the command on: a session the module holds open for the device is used (and left open), otherwise one is opened (waiting up to 360 s for the sensor and for a free slot under the org''s session limit), used and closed. Binds by property name (DeviceId), so Device objects from Get-CbDevice can be piped.'
        ThrottleLimit       = 'How many devices are worked on at once (1 to 100; default 5). Keep it within the org''s session limit when -DeviceId opens sessions.'
        Session             = 'With -DeviceId: the CbDefense session (connection) to open Live Response sessions through; defaults to the default session. Device objects from the pipeline bring their own.'
    }
    Inputs      = @{
        'CbDefense.LiveResponseSession' = 'Open sessions to run the command in.'
        'CbDefense.Device'              = 'Devices (their DeviceId and Session are used, with -DeviceId).'
    }
    Outputs     = @{ 'CbDefense.LiveResponseRegistryKey' = 'One object per device: Path, Name, SubKeys, Values, DeviceId, HostName.' }
    Examples    = @(
        @{ Code = 'Get-CbLiveResponseRegistryKey -DeviceId 12345 -Path HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run | Select-Object -ExpandProperty Values'; Remarks = 'One shot: the programs device 12345 starts at logon.' }
        @{ Code = '$s | Get-CbLiveResponseRegistryKey -Path HKLM\SYSTEM\CurrentControlSet\Services | Select-Object HostName, @{ n = ''Services''; e = { $_.SubKeys.Count } }'; Remarks = 'How many services are registered on each device of the open sessions in $s.' }
    )
    Links       = @('Get-CbLiveResponseRegistryValue', 'Set-CbLiveResponseRegistryValue', 'New-CbLiveResponseRegistryKey', 'Remove-CbLiveResponseRegistryKey', 'about_CbDefense_LiveResponse')
}
