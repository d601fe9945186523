@{
    Synopsis    = 'Lists files and folders on devices (the Live Response directory list command).'
    Description = @'
Get-CbLiveResponseChildItem lists a folder on each device, like Get-ChildItem: one LiveResponseItem per file or
folder (name, full path, size, attributes, creation, access and write times), without "." and "..". -Path is a
folder (its contents are listed), a file (that file is listed), or a pattern with * and ? that the sensor matches
against the names in one folder (C:\Windows\Temp\*.log). Without -Path the session's current folder is listed (C:\
or / when the sensor reports none). Paths are as the device spells them: C:\Users on Windows, /var/log on Linux and
macOS.

-Recurse lists the folders below too, every level; -Depth N lists N levels below (-Depth 0: only the folder itself;
-Depth wins over -Recurse). The folders below a pattern's matches are listed whole. Each folder is one directory
list command, so a deep tree takes many round trips. -File and -Directory write only files or only folders (the
folders are still walked with -Recurse).

Sessions: pipe open sessions (New-CbLiveResponseSession) to -LiveResponseSession, or give -DeviceId and the cmdlet
opens a session per device, runs the command and closes the session again (a session the module already holds open
for the device is used and left open). Up to -ThrottleLimit devices (default 5) are worked on at once; items come as
each device answers and carry DeviceId and HostName. A device that fails gets one error and the others go on.

Errors carry the Win32 error the sensor reported: the id is GetChildItemFailed.<name>, for example
GetChildItemFailed.ERROR_PATH_NOT_FOUND (category ObjectNotFound) or GetChildItemFailed.ERROR_ACCESS_DENIED
(PermissionDenied). A sensor that does not offer the command is an error before anything is sent.
'@
    Parameters  = @{
        Path                = 'The remote folder, file or pattern to list (wildcards * and ? in the last part). Defaults to the session''s current folder.'
        Recurse             = 'Lists the folders below too, every level.'
        Depth               = 'How many levels of folders below -Path to list (0 to 1,000; 0 lists only -Path). Takes precedence over -Recurse.'
        File                = 'Writes only files. Not with -Directory.'
        Directory           = 'Writes only folders. Not with -File.'
        LiveResponseSession = 'Open Live Response sessions (New-CbLiveResponseSession, Get-CbLiveResponseSession) to run the command in. Binds from the pipeline by value. They stay open.'
        DeviceId            = 'The devices to run the command on: a session the module holds open for the device is used (and left open), otherwise one is opened (waiting up to 360 s for the sensor and for a free slot under the org''s session limit), used and closed. Binds by property name (DeviceId), so Device objects from Get-CbDevice can be piped.'
        ThrottleLimit       = 'How many devices are worked on at once (1 to 100; default 5). Keep it within the org''s session limit when -DeviceId opens sessions.'
        Session             = 'With -DeviceId: the CbDefense session (connection) to open Live Response sessions through; defaults to the default session. Device objects from the pipeline bring their own.'
    }
    Inputs      = @{
        'CbDefense.LiveResponseSession' = 'Open sessions to run the command in.'
        'CbDefense.Device'              = 'Devices (their DeviceId and Session are used, with -DeviceId).'
    }
    Outputs     = @{ 'CbDefense.LiveResponseItem' = 'One object per file or folder, with DeviceId and HostName.' }
    Examples    = @(
        @{ Code = 'Get-CbLiveResponseChildItem -DeviceId 12345 -Path C:\Users'; Remarks = 'One shot: opens a session on device 12345, lists C:\Users and closes the session.' }
        @{ Code = '$s | Get-CbLiveResponseChildItem -Path C:\Windows\Temp -Recurse -File | Where-Object Length -gt 100MB'; Remarks = 'Files over 100 MB anywhere below C:\Windows\Temp, on every device of the sessions in $s.' }
        @{ Code = "Get-CbDevice -OS WINDOWS | Get-CbLiveResponseChildItem -Path C:\Users -Depth 2 -File -ThrottleLimit 10 | Where-Object { `$_.DirectoryName -like '*\Downloads' -and `$_.Name -like '*.exe' } | Select-Object HostName, FullName, Length"; Remarks = 'Programs in any user''s Downloads folder on every Windows device, ten devices at a time (a pattern matches names in one folder only, so the tree is walked and filtered here).' }
        @{ Code = "Get-CbLiveResponseChildItem -DeviceId 12345 -Path 'C:\Windows\Temp\*.log' | Sort-Object LastWriteTime"; Remarks = 'The .log files of one folder, oldest first.' }
    )
    Links       = @('Receive-CbLiveResponseFile', 'Remove-CbLiveResponseItem', 'New-CbLiveResponseDirectory', 'New-CbLiveResponseSession', 'about_CbDefense_LiveResponse')
}
