@{
    Synopsis    = 'Fetches a file from devices to a local file, streamed to disk.'
    Description = @'
Receive-CbLiveResponseFile fetches one remote file from each device (cbapi's get_file): the sensor uploads it to the
cloud (the get file command, allowed up to 10 minutes), then the module downloads it straight to disk in 80 KiB
pieces, so a file of any size takes constant memory, with a progress bar in bytes per device. The copy in the cloud
is deleted afterwards. -Path names one file, as the device spells it (C:\Windows\System32\drivers\etc\hosts,
/var/log/syslog); wildcards are refused (Get-CbLiveResponseChildItem lists files).

-Destination is a local folder or file, relative to the current location (PowerShell drives work). An existing
folder, or a path ending in \ or /, takes the file under its remote name (a folder given with a trailing separator
is created when missing); without -Destination the file goes into the current folder. Any other path is the file
itself, and its folder must exist. {DeviceId} and {HostName} in -Destination are replaced per device (the device id
stands in for a host name the session does not know), so several devices can send a file of the same name:
-Destination '.\{HostName}\' or '.\hosts-{HostName}.txt'. Characters a local file name cannot hold are replaced by
_.

An existing local file is refused before anything is fetched, unless -Force is given. The download is written under
a temporary name beside the target (.<name>.<random>.partial) and renamed only once it is complete, so an
interrupted or failed download (a broken connection, a stalled body, Ctrl+C) never leaves a file that looks whole:
the temporary file is deleted.

On a Current session the content route answers with a redirect (302) to a pre-signed storage URL; that URL is
fetched without the API key, and only over https (or on the API's own host). A Legacy session downloads from
/integrationServices/v3/cblr/session/{id}/file/{file_id}/content.

Sessions: pipe open sessions (New-CbLiveResponseSession) to -LiveResponseSession, or give -DeviceId and the cmdlet
opens a session per device, fetches the file and closes the session again (a session the module already holds open
for the device is used and left open). Up to -ThrottleLimit devices (default 5) are worked on at once. A device that
fails gets one error and the others go on: ReceiveFileFailed.ERROR_FILE_NOT_FOUND (category ObjectNotFound) when the
file is not there, ReceiveFileFailed.ERROR_SHARING_VIOLATION (ResourceBusy) when it is locked, ...; a local file in
the way is ReceiveFileFailed with category WriteError.
'@
    Parameters  = @{
        Path                = 'The remote file to fetch, as the device spells it. One file: no wildcards.'
        Destination         = 'The local folder or file to write (see the description): an existing folder or a path ending in a separator takes the remote name. {DeviceId} and {HostName} are replaced per device. Defaults to the current folder.'
        Force               = 'Overwrites an existing local file (only once the new download is complete).'
        PassThru            = 'Writes the local file (a FileInfo) for each device, with DeviceId, HostName and RemotePath added. Otherwise nothing is written.'
        LiveResponseSession = 'Open Live Response sessions (New-CbLiveResponseSession, Get-CbLiveResponseSession) to fetch the file through. Binds from the pipeline by value. They stay open.'
        DeviceId            = 'The devices to fetch the file from: a session the module holds open for the device is used (and left open), otherwise one is opened (waiting up to 360 s for the sensor and for a free slot under the org''s session limit), used and closed. Binds by property name (DeviceId), so Device objects from Get-CbDevice can be piped.'
        ThrottleLimit       = 'How many devices are worked on at once (1 to 100; default 5). Keep it within the org''s session limit when -DeviceId opens sessions.'
        Session             = 'With -DeviceId: the CbDefense session (connection) to open Live Response sessions through; defaults to the default session. Device objects from the pipeline bring their own.'
    }
    Inputs      = @{
        'CbDefense.LiveResponseSession' = 'Open sessions to fetch the file through.'
        'CbDefense.Device'              = 'Devices (their DeviceId and Session are used, with -DeviceId).'
    }
    Outputs     = @{
        'None'              = 'Nothing by default.'
        'System.IO.FileInfo' = 'With -PassThru: the local file per device, with DeviceId, HostName and RemotePath.'
    }
    Examples    = @(
        @{ Code = 'Receive-CbLiveResponseFile -DeviceId 12345 -Path C:\Windows\System32\drivers\etc\hosts -Destination .\hosts.txt'; Remarks = 'One shot: opens a session on device 12345, fetches its hosts file to .\hosts.txt and closes the session.' }
        @{ Code = "Get-CbDevice -HostName 'web*' | Receive-CbLiveResponseFile -Path 'C:\inetpub\logs\LogFiles\W3SVC1\u_ex240101.log' -Destination 'D:\cases\{HostName}\' -PassThru"; Remarks = 'Fetches the same log from every web server into a folder per host (D:\cases\WEB01\u_ex240101.log, ...) and lists the files written.' }
        @{ Code = '$s | Receive-CbLiveResponseFile -Path /var/log/auth.log -Destination ./auth-{DeviceId}.log -Force'; Remarks = 'From the Linux devices of the open sessions in $s: one file per device, overwriting older copies.' }
        @{ Code = "Receive-CbLiveResponseFile -DeviceId 12345 -Path C:\pagefile.sys -ErrorVariable e; `$e.FullyQualifiedErrorId"; Remarks = 'A file the system holds open: the error id begins with ReceiveFileFailed.ERROR_SHARING_VIOLATION (category ResourceBusy) and no local file is left behind.' }
    )
    Links       = @('Send-CbLiveResponseFile', 'Get-CbLiveResponseChildItem', 'Invoke-CbLiveResponseMemoryDump', 'New-CbLiveResponseSession', 'about_CbDefense_LiveResponse')
}
