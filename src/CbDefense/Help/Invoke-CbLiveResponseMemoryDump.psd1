@{
    Synopsis    = 'Dumps the memory of devices, downloads each dump streamed to disk and deletes it on the device.'
    Description = @'
Invoke-CbLiveResponseMemoryDump takes a full memory dump on each device (cbapi's memdump), then fetches it like
Receive-CbLiveResponseFile and deletes it on the device. The dump is written on the device to -Path (by default a
temporary name, c:\windows\temp\cblr.<12 letters>.dmp or /tmp/cblr.<...>.dmp, as cbapi names it); the cmdlet waits
for it for at most -TimeoutSec seconds (default 3600), polling every 2 seconds, with a progress bar of the
percentage the sensor reports. With -Compress the sensor compresses the dump and names it <Path>.zip.

The dump is then downloaded straight to disk (constant memory, progress in bytes) to -Destination, under the same
rules as Receive-CbLiveResponseFile: a folder (the default is the current folder) takes the remote name; {DeviceId}
and {HostName} are replaced per device; the file is written under a temporary name and renamed once complete, so a
broken download never leaves a file that looks whole. An existing local file is refused unless -Force is given; note
that this is found when the download starts, after the dump was taken. Whether the download succeeds or not, the
dump is deleted on the device afterwards (a warning says so if that fails). The local file is written as a FileInfo
with DeviceId, HostName and RemotePath.

A dump is as large as the device's memory: mind the free disk space on both sides. Sessions: pipe open sessions
(New-CbLiveResponseSession) to -LiveResponseSession, or give -DeviceId and the cmdlet opens a session per device and
closes it again (a session the module already holds open for the device is used and left open). Up to -ThrottleLimit
devices (default 5) are worked on at once. A device that fails gets one error (MemoryDumpFailed..., a dump that
takes longer than -TimeoutSec: category OperationTimeout) and the others go on. It asks for confirmation per device
when $ConfirmPreference is Medium or lower; -WhatIf dumps nothing.
'@
    Parameters  = @{
        Path                = 'The remote file the sensor writes the dump to. Defaults to a temporary name in c:\windows\temp (or /tmp). It is deleted after the download.'
        Destination         = 'The local folder or file to write, as for Receive-CbLiveResponseFile: an existing folder or a path ending in a separator takes the remote name; {DeviceId} and {HostName} are replaced per device. Defaults to the current folder.'
        Compress            = 'Has the sensor compress the dump (the remote file and the local one then end in .zip).'
        TimeoutSec          = 'How long to wait for the dump to be written on the device (1 to 86,400; default 3,600). The download that follows is not counted.'
        Force               = 'Overwrites an existing local file (only once the new download is complete).'
        LiveResponseSession = 'Open Live Response sessions (New-CbLiveResponseSession, Get-CbLiveResponseSession) to run the dump in. Binds from the pipeline by value. They stay open.'
        DeviceId            = 'The devices to dump: a session the module holds open for the device is used (and left open), otherwise one is opened (waiting up to 360 s for the sensor and for a free slot under the org''s session limit), used and closed. Binds by property name (DeviceId), so Device objects from Get-CbDevice can be piped.'
        ThrottleLimit       = 'How many devices are worked on at once (1 to 100; default 5). Keep it within the org''s session limit when -DeviceId opens sessions.'
        Session             = 'With -DeviceId: the CbDefense session (connection) to open Live Response sessions through; defaults to the default session. Device objects from the pipeline bring their own.'
    }
    Inputs      = @{
        'CbDefense.LiveResponseSession' = 'Open sessions to run the dump in.'
        'CbDefense.Device'              = 'Devices (their DeviceId and Session are used, with -DeviceId).'
    }
    Outputs     = @{ 'System.IO.FileInfo' = 'The local dump file per device, with DeviceId, HostName and RemotePath.' }
    Examples    = @(
        @{ Code = 'Invoke-CbLiveResponseMemoryDump -DeviceId 12345 -Destination D:\cases\ -Compress'; Remarks = 'One shot: dumps the memory of device 12345 compressed, downloads it into D:\cases\ and deletes it on the device.' }
        @{ Code = "Get-CbDevice -HostName 'kiosk*' | Invoke-CbLiveResponseMemoryDump -Destination 'D:\cases\{HostName}.dmp' -ThrottleLimit 2 -TimeoutSec 7200"; Remarks = 'Dumps every kiosk, two at a time, into one file per host, waiting up to two hours for each dump.' }
        @{ Code = '$s | Invoke-CbLiveResponseMemoryDump -WhatIf'; Remarks = 'Says which devices would be dumped; does nothing.' }
    )
    Links       = @('Receive-CbLiveResponseFile', 'New-CbLiveResponseSession', 'about_CbDefense_LiveResponse')
}
