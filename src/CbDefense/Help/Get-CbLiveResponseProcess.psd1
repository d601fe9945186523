@{
    Synopsis    = 'Lists the processes running on devices (the process list command).'
    Description = @'
Get-CbLiveResponseProcess lists the processes of each device (cbapi's list_processes), like Get-Process: one
LiveResponseProcess per process, with ProcessId, Name (the file name of its path), Path, CommandLine, UserName, Sid,
ParentProcessId, ProcessGuid, ParentGuid and CreateTime (local time; CreateTimeUtc in UTC). The v3 and v6 field
names (pid/process_pid, path/process_path, ...) are mapped to the same properties.

-Name (wildcards allowed, case-insensitive) keeps the processes whose name or full path matches; -ProcessId keeps
those ids. Both filter here: the sensor always sends the whole list, one command per device.

Sessions: pipe open sessions (New-CbLiveResponseSession) to -LiveResponseSession, or give -DeviceId and the cmdlet
opens a session per device, lists the processes and closes the session again (a session the module already holds
open for the device is used and left open). Up to -ThrottleLimit devices (default 5) are worked on at once;
processes come as each device answers and carry DeviceId and HostName, so they can be piped to
Stop-CbLiveResponseProcess. A device that fails gets one error (GetProcessFailed...) and the others go on.
'@
    Parameters  = @{
        Name                = 'Only processes whose name (e.g. powershell.exe) or full path matches one of these. Wildcards allowed (*, ?, [a-z]); case-insensitive.'
        ProcessId           = 'Only the processes with these ids.'
        LiveResponseSession = 'Open Live Response sessions (New-CbLiveResponseSession, Get-CbLiveResponseSession) to run the command in. Binds from the pipeline by value. They stay open.'
        DeviceId            = 'The devices to run the command on: a session the module holds open for the device is used (and left open), otherwise one is opened (waiting up to 360 s for the sensor and for a free slot under the org''s session limit), used and closed. Binds by property name (DeviceId), so Device objects from Get-CbDevice can be piped.'
        ThrottleLimit       = 'How many devices are worked on at once (1 to 100; default 5). Keep it within the org''s session limit when -DeviceId opens sessions.'
        Session             = 'With -DeviceId: the CbDefense session (connection) to open Live Response sessions through; defaults to the default session. Device objects from the pipeline bring their own.'
    }
    Inputs      = @{
        'CbDefense.LiveResponseSession' = 'Open sessions to run the command in.'
        'CbDefense.Device'              = 'Devices (their DeviceId and Session are used, with -DeviceId).'
    }
    Outputs     = @{ 'CbDefense.LiveResponseProcess' = 'One object per process, with DeviceId and HostName.' }
    Examples    = @(
        @{ Code = 'Get-CbLiveResponseProcess -DeviceId 12345'; Remarks = 'One shot: the processes of device 12345.' }
        @{ Code = "Get-CbDevice -OS WINDOWS | Get-CbLiveResponseProcess -Name 'powershell*.exe', 'pwsh.exe' -ThrottleLimit 10 | Format-Table HostName, ProcessId, UserName, CommandLine"; Remarks = 'Every PowerShell process on every Windows device, ten devices at a time.' }
        @{ Code = "`$s | Get-CbLiveResponseProcess -Name '*\AppData\*' | Export-Csv appdata-processes.csv"; Remarks = 'Processes started from a user''s AppData folder (the pattern matches the full path), on the devices of the open sessions in $s.' }
    )
    Links       = @('Stop-CbLiveResponseProcess', 'Start-CbLiveResponseProcess', 'New-CbLiveResponseSession', 'about_CbDefense_LiveResponse')
}
