@{
    Synopsis    = 'Sends a local file to devices (upload, then the put file command).'
    Description = @'
Send-CbLiveResponseFile copies one local file to each device (cbapi's put_file): it is uploaded to the session's
file store in the cloud, streamed from disk (constant memory, a progress bar in bytes per device), then the put file
command writes it on the device at -Destination, and the uploaded copy is deleted from the cloud. -Destination is
the remote path as the device spells it; one that ends in \ or / is a folder and the local file's name is added.

An existing remote file is not replaced unless -Force is given: the sensor refuses with ERROR_FILE_EXISTS or
ERROR_ALREADY_EXISTS (error id SendFileFailed.ERROR_FILE_EXISTS, category ResourceExists). -Path must be an existing
local file (not a folder); otherwise the cmdlet stops before anything is sent.

Sessions: pipe open sessions (New-CbLiveResponseSession) to -LiveResponseSession, or give -DeviceId and the cmdlet
opens a session per device, sends the file and closes the session again (a session the module already holds open for
the device is used and left open). Up to -ThrottleLimit devices (default 5) are worked on at once. A device that
fails gets one error (SendFileFailed.<Win32 error>, e.g. ERROR_PATH_NOT_FOUND when the remote folder is missing,
ERROR_ACCESS_DENIED) and the others go on. It asks for confirmation per device when $ConfirmPreference is Medium or
lower; -WhatIf sends nothing.
'@
    Parameters  = @{
        Path                = 'The local file to send (relative to the current location; PowerShell drives work). Must exist.'
        Destination         = 'The remote path to write, as the device spells it. Ending in \ or / it is a folder and the local file''s name is added.'
        Force               = 'Overwrites an existing remote file. (It does not skip confirmation.)'
        LiveResponseSession = 'Open Live Response sessions (New-CbLiveResponseSession, Get-CbLiveResponseSession) to send the file through. Binds from the pipeline by value. They stay open.'
        DeviceId            = 'The devices to send the file to: a session the module holds open for the device is used (and left open), otherwise one is opened (waiting up to 360 s for the sensor and for a free slot under the org''s session limit), used and closed. Binds by property name (DeviceId), so Device objects from Get-CbDevice can be piped.'
        ThrottleLimit       = 'How many devices are worked on at once (1 to 100; default 5). Keep it within the org''s session limit when -DeviceId opens sessions.'
        Session             = 'With -DeviceId: the CbDefense session (connection) to open Live Response sessions through; defaults to the default session. Device objects from the pipeline bring their own.'
    }
    Inputs      = @{
        'CbDefense.LiveResponseSession' = 'Open sessions to send the file through.'
        'CbDefense.Device'              = 'Devices (their DeviceId and Session are used, with -DeviceId).'
    }
    Outputs     = @{ 'None' = 'This cmdlet writes nothing.' }
    Examples    = @(
        @{ Code = 'Send-CbLiveResponseFile -DeviceId 12345 -Path .\collect.ps1 -Destination C:\Windows\Temp\'; Remarks = 'One shot: opens a session, writes C:\Windows\Temp\collect.ps1 on device 12345 and closes the session.' }
        @{ Code = "Get-CbDevice -OS WINDOWS | Send-CbLiveResponseFile -Path .\hosts -Destination C:\Windows\System32\drivers\etc\hosts -Force -ThrottleLimit 10"; Remarks = 'Replaces the hosts file on every Windows device, ten at a time.' }
        @{ Code = '$s | Send-CbLiveResponseFile -Path ./tool.sh -Destination /tmp/tool.sh -WhatIf'; Remarks = 'Says which devices the file would go to; sends nothing.' }
    )
    Links       = @('Receive-CbLiveResponseFile', 'Start-CbLiveResponseProcess', 'Remove-CbLiveResponseItem', 'New-CbLiveResponseSession', 'about_CbDefense_LiveResponse')
}
