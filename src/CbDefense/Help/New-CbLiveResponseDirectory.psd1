@{
    Synopsis    = 'Creates a folder on devices (the create directory command).'
    Description = @'
New-CbLiveResponseDirectory creates one remote folder on each device (cbapi's create_directory). -Path is as the
device spells it (C:\Windows\Temp\ir, /tmp/ir). A folder that exists already is an error from the sensor
(NewDirectoryFailed.ERROR_ALREADY_EXISTS, category ResourceExists); a missing parent is ERROR_PATH_NOT_FOUND
(ObjectNotFound). ConfirmImpact is Low: -WhatIf says what would be created and creates nothing.

Sessions: pipe open sessions (New-CbLiveResponseSession) to -LiveResponseSession, or give -DeviceId and the cmdlet
opens a session per device, creates the folder and closes the session again (a session the module already holds open
for the device is used and left open). Up to -ThrottleLimit devices (default 5) are worked on at once. A device that
fails gets one error and the others go on.
'@
    Parameters  = @{
        Path                = 'The remote folder to create, as the device spells it.'
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
        @{ Code = 'New-CbLiveResponseDirectory -DeviceId 12345 -Path C:\Windows\Temp\ir'; Remarks = 'One shot: creates C:\Windows\Temp\ir on device 12345.' }
        @{ Code = '$s | New-CbLiveResponseDirectory -Path C:\Windows\Temp\ir; $s | Send-CbLiveResponseFile -Path .\collect.ps1 -Destination C:\Windows\Temp\ir\'; Remarks = 'Creates a working folder on every device of the sessions in $s, then sends a script into it.' }
    )
    Links       = @('Remove-CbLiveResponseItem', 'Get-CbLiveResponseChildItem', 'Send-CbLiveResponseFile', 'about_CbDefense_LiveResponse')
}
