@{
    Synopsis    = 'Sets a registry value on Windows devices (the reg set value command).'
    Description = @'
Set-CbLiveResponseRegistryValue creates a registry value on each device (cbapi's set_registry_value); with -Force it
also replaces a value that exists. Without -Force an existing value is left alone and the sensor refuses
(SetRegistryValueFailed.ERROR_ALREADY_EXISTS, category ResourceExists). The key must exist
(New-CbLiveResponseRegistryKey creates it); otherwise the error is ERROR_FILE_NOT_FOUND.

The type follows the value unless -Type is given: a byte[] is REG_BINARY; an [int] (and a [long] that fits 32 bits)
is REG_DWORD, a larger [long] REG_QWORD; a string is REG_SZ; an array of strings REG_MULTI_SZ. With -Type, REG_DWORD
and REG_QWORD take a number or its text, also in hex ('0x1F'); REG_BINARY takes bytes, hex text ('de ad be ef',
'0xdeadbeef') or a list of numbers 0 to 255; REG_MULTI_SZ takes a string or a list. A value that does not fit its
type (text for a REG_DWORD, a number over 32 bits for a REG_DWORD) stops the cmdlet before anything is sent.

Registry commands need a Windows sensor: a session on another device is an error and nothing is sent to it. Key
paths name the hive first, abbreviated (HKLM\SOFTWARE\Microsoft, HKU\<sid>\Software) or in full
(HKEY_LOCAL_MACHINE\...). The sensor runs as SYSTEM, so HKCU is the SYSTEM account's hive: reach a user's keys
through HKU\<their sid>.

Sessions: pipe open sessions (New-CbLiveResponseSession) to -LiveResponseSession, or give -DeviceId and the cmdlet
opens a session per device, runs the command and closes the session again (a session the module already holds open
for the device is used and left open). Up to -ThrottleLimit devices (default 5) are worked on at once. A device that
fails gets one error and the others go on. It asks for confirmation per device when $ConfirmPreference is Medium or
lower; -WhatIf sets nothing.
'@
    Parameters  = @{
        Path                = 'The registry key that holds the value, e.g. HKLM\SOFTWARE\Contoso. It must exist.'
        Name                = 'The name of the value ('''' for the key''s default value).'
        Value               = 'The data. Its .NET type picks the registry type unless -Type is given (see the description).'
        Type                = 'The registry type: REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ, REG_DWORD, REG_QWORD or REG_BINARY. Tab completes them.'
        Force               = 'Replaces the value if it exists (without it, an existing value is an error). It does not skip confirmation.'
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
        @{ Code = 'Set-CbLiveResponseRegistryValue -DeviceId 12345 -Path HKLM\SYSTEM\CurrentControlSet\Control\Lsa -Name RunAsPPL -Value 1 -Force'; Remarks = 'One shot: sets the REG_DWORD RunAsPPL to 1 on device 12345, replacing the value if it exists.' }
        @{ Code = "`$s | Set-CbLiveResponseRegistryValue -Path HKLM\SOFTWARE\Contoso -Name Servers -Value 'a.contoso.com', 'b.contoso.com'"; Remarks = 'Creates a REG_MULTI_SZ value on every device of the open sessions in $s (an error on devices where it exists).' }
        @{ Code = "Set-CbLiveResponseRegistryValue -DeviceId 12345 -Path HKLM\SOFTWARE\Contoso -Name Flags -Value '0x00ff' -Type REG_BINARY -WhatIf"; Remarks = 'Says what would be set (two bytes, 00 ff); sends nothing.' }
    )
    Links       = @('Get-CbLiveResponseRegistryValue', 'Remove-CbLiveResponseRegistryValue', 'New-CbLiveResponseRegistryKey', 'about_CbDefense_LiveResponse')
}
