@{
    Synopsis    = 'Reads registry values of Windows devices: one by -Name (reg query value), or every value of a key.'
    Description = @'
Get-CbLiveResponseRegistryValue reads registry values on each device and writes one LiveResponseRegistryValue per
value: KeyPath, Name, Type (REG_SZ, REG_DWORD, ...) and Data. With -Name it reads that one value (the reg query
value command; -Name '' is the key's default value); without it, every value of the key (reg enum key). Data is
typed: REG_SZ and REG_EXPAND_SZ as text (not expanded), REG_DWORD and REG_QWORD as numbers, REG_MULTI_SZ as a text
array, REG_BINARY as bytes.

Registry commands need a Windows sensor: a session on another device is an error and nothing is sent to it. Key
paths name the hive first, abbreviated (HKLM\SOFTWARE\Microsoft, HKU\<sid>\Software) or in full
(HKEY_LOCAL_MACHINE\...). The sensor runs as SYSTEM, so HKCU is the SYSTEM account's hive: reach a user's keys
through HKU\<their sid>.

Sessions: pipe open sessions (New-CbLiveResponseSession) to -LiveResponseSession, or give -DeviceId and the cmdlet
opens a session per device, runs the command and closes the session again (a session the module already holds open
for the device is used and left open). Up to -ThrottleLimit devices (default 5) are worked on at once. A device that
fails gets one error and the others go on. A value or key that is not there is
GetRegistryValueFailed.ERROR_FILE_NOT_FOUND (category ObjectNotFound).
'@
    Parameters  = @{
        Path                = 'The registry key that holds the values, e.g. HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion.'
        Name                = 'The value to read (case-insensitive, no wildcards; '''' for the default value). Without it, every value of the key is written.'
        LiveResponseSession = 'Open Live Response sessions (New-CbLiveResponseSession, Get-CbLiveResponseSession) to run the command in. Binds from the pipeline by value. They stay open.'
        DeviceId            = 'The devices to run the command on: a session the module holds open for the device is used (and left open), otherwise one is opened (waiting up to 360 s for the sensor and for a free slot under the org''s session limit), used and closed. Binds by property name (DeviceId), so Device objects from Get-CbDevice can be piped.'
        ThrottleLimit       = 'How many devices are worked on at once (1 to 100; default 5). Keep it within the org''s session limit when -DeviceId opens sessions.'
        Session             = 'With -DeviceId: the CbDefense session (connection) to open Live Response sessions through; defaults to the default session. Device objects from the pipeline bring their own.'
    }
    Inputs      = @{
        'CbDefense.LiveResponseSession' = 'Open sessions to run the command in.'
        'CbDefense.Device'              = 'Devices (their DeviceId and Session are used, with -DeviceId).'
    }
    Outputs     = @{ 'CbDefense.LiveResponseRegistryValue' = 'One object per value: KeyPath, Name, Type, Data, DeviceId, HostName.' }
    Examples    = @(
        @{ Code = "Get-CbLiveResponseRegistryValue -DeviceId 12345 -Path 'HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion' -Name ProductName"; Remarks = 'One shot: the Windows edition of device 12345.' }
        @{ Code = "Get-CbDevice -OS WINDOWS | Get-CbLiveResponseRegistryValue -Path HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate -Name WUServer -ThrottleLimit 10 | Select-Object HostName, Data"; Remarks = 'The update server each Windows device is configured for, ten devices at a time; devices without the value get an ObjectNotFound error each.' }
        @{ Code = '$s | Get-CbLiveResponseRegistryValue -Path HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run'; Remarks = 'Every Run value of the devices of the open sessions in $s.' }
    )
    Links       = @('Get-CbLiveResponseRegistryKey', 'Set-CbLiveResponseRegistryValue', 'Remove-CbLiveResponseRegistryValue', 'about_CbDefense_LiveResponse')
}
