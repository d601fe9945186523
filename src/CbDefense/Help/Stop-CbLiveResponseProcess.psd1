@{
    Synopsis    = 'Kills processes on devices (the kill command).'
    Description = @'
Stop-CbLiveResponseProcess kills processes by id on each device (cbapi's kill_process), one kill command per
process, each allowed 30 seconds. A process that cannot be killed (it is gone: ERROR_INVALID_PARAMETER; it is
protected: ERROR_ACCESS_DENIED) gets its own error (StopProcessFailed.<Win32 error>) and the other ids of the list
are still killed.

ConfirmImpact is High, so it asks for confirmation per device, naming the process ids, by default; -Force (or
-Confirm:$false) skips the prompt, -WhatIf kills nothing.

-ProcessId binds by property name, so the processes Get-CbLiveResponseProcess writes can be piped: each carries its
DeviceId and ProcessId, and the session the module holds open for that device is used (with -DeviceId, one is opened
and closed otherwise). Up to -ThrottleLimit devices (default 5) are worked on at once; a device that fails gets one
error and the others go on.
'@
    Parameters  = @{
        ProcessId           = 'The ids of the processes to kill. Binds by property name (ProcessId), so LiveResponseProcess objects can be piped.'
        Force               = 'Kills without asking for confirmation. -WhatIf still wins.'
        LiveResponseSession = 'Open Live Response sessions (New-CbLiveResponseSession, Get-CbLiveResponseSession) to run the command in. Binds from the pipeline by value. They stay open.'
        DeviceId            = 'The devices to run the command on: a session the module holds open for the device is used (and left open), otherwise one is opened (waiting up to 360 s for the sensor and for a free slot under the org''s session limit), used and closed. Binds by property name (DeviceId), so Device objects and LiveResponseProcess objects can be piped.'
        ThrottleLimit       = 'How many devices are worked on at once (1 to 100; default 5). Keep it within the org''s session limit when -DeviceId opens sessions.'
        Session             = 'With -DeviceId: the CbDefense session (connection) to open Live Response sessions through; defaults to the default session. Device objects from the pipeline bring their own.'
    }
    Inputs      = @{
        'CbDefense.LiveResponseSession' = 'Open sessions to run the command in.'
        'CbDefense.LiveResponseProcess' = 'Processes (their DeviceId and ProcessId are used).'
    }
    Outputs     = @{ 'None' = 'This cmdlet writes nothing.' }
    Examples    = @(
        @{ Code = 'Stop-CbLiveResponseProcess -DeviceId 12345 -ProcessId 4242 -Force'; Remarks = 'One shot: kills process 4242 on device 12345 without prompting.' }
        @{ Code = @'
$s = New-CbLiveResponseSession -DeviceId 12345
$s | Get-CbLiveResponseProcess -Name 'mimikatz*.exe' | Stop-CbLiveResponseProcess -Force
$s | Remove-CbLiveResponseSession
'@; Remarks = 'Kills every process named like mimikatz on the device, in one open session.' }
        @{ Code = '$s | Stop-CbLiveResponseProcess -ProcessId 4242, 4343 -WhatIf'; Remarks = 'Says which processes would be killed on each device; kills nothing.' }
    )
    Links       = @('Get-CbLiveResponseProcess', 'Start-CbLiveResponseProcess', 'about_CbDefense_LiveResponse')
}
