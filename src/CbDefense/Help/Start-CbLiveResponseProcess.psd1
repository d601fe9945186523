@{
    Synopsis    = 'Starts a process on devices (the create process command); with -Wait returns its exit code and output.'
    Description = @'
Start-CbLiveResponseProcess runs a command line on each device (cbapi's create_process) and writes one
LiveResponseProcessResult per device: DeviceId, HostName, CommandLine, ProcessId, and with -Wait ExitCode and
Output. The command line is run as given, not through a shell: use "cmd.exe /c ..." on Windows or "/bin/sh -c ..."
on Unix for shell built-ins, pipes and redirection.

Without -Wait the command returns once the process has started. With -Wait it waits for the process to exit, for at
most -TimeoutSec seconds (default 120); the output (stdout and stderr) goes to a temporary file on the device
(c:\windows\temp\cblr.<12 letters>.tmp, or /tmp/cblr.<...>.tmp, as cbapi names it), which is fetched, decoded
(UTF-8, or UTF-16 and UTF-8 with a byte order mark; Latin-1 when it is not valid UTF-8) into Output, and deleted.
Output larger than 8 MiB is not read: it stays in its remote file, named in OutputFile, with a warning
(Receive-CbLiveResponseFile fetches it). A process that does not exit in time is an error (category
OperationTimeout); the command is cancelled on the server, but the process may still run.

-OutputFile names the remote file the output goes to instead; that file is kept on the device (with -Wait it is also
read into Output). -WorkingDirectory is the folder the process starts in.

Sessions: pipe open sessions (New-CbLiveResponseSession) to -LiveResponseSession, or give -DeviceId and the cmdlet
opens a session per device, runs the command and closes the session again (a session the module already holds open
for the device is used and left open). Up to -ThrottleLimit devices (default 5) are worked on at once; results come
as each device finishes, so slow devices do not hold up the others. A device that fails gets one error
(StartProcessFailed.<Win32 error>, e.g. ERROR_FILE_NOT_FOUND when the program is not there) and the others go on. It
asks for confirmation per device when $ConfirmPreference is Medium or lower; -WhatIf runs nothing.
'@
    Parameters  = @{
        CommandLine         = 'The command line to run, e.g. ''ipconfig /all'' or ''cmd.exe /c dir C:\Users''. Not run through a shell.'
        WorkingDirectory    = 'The remote folder the process starts in.'
        Wait                = 'Waits for the process to exit and returns its exit code and output (Output, ExitCode).'
        TimeoutSec          = 'With -Wait: how long to wait for the process to exit (1 to 86,400; default 120).'
        OutputFile          = 'The remote file the process''s output goes to; it is kept on the device. Without it, -Wait uses a temporary file that is deleted.'
        LiveResponseSession = 'Open Live Response sessions (New-CbLiveResponseSession, Get-CbLiveResponseSession) to run the process in. Binds from the pipeline by value. They stay open.'
        DeviceId            = 'The devices to run the process on: a session the module holds open for the device is used (and left open), otherwise one is opened (waiting up to 360 s for the sensor and for a free slot under the org''s session limit), used and closed. Binds by property name (DeviceId), so Device objects from Get-CbDevice can be piped.'
        ThrottleLimit       = 'How many devices are worked on at once (1 to 100; default 5). Keep it within the org''s session limit when -DeviceId opens sessions.'
        Session             = 'With -DeviceId: the CbDefense session (connection) to open Live Response sessions through; defaults to the default session. Device objects from the pipeline bring their own.'
    }
    Inputs      = @{
        'CbDefense.LiveResponseSession' = 'Open sessions to run the process in.'
        'CbDefense.Device'              = 'Devices (their DeviceId and Session are used, with -DeviceId).'
    }
    Outputs     = @{ 'CbDefense.LiveResponseProcessResult' = 'One object per device: DeviceId, HostName, CommandLine, ProcessId; with -Wait also ExitCode and Output; OutputFile when the output stays on the device.' }
    Examples    = @(
        @{ Code = 'Get-CbDevice -OS WINDOWS | New-CbLiveResponseSession -ThrottleLimit 10 | Start-CbLiveResponseProcess -CommandLine ''ipconfig /all'' -Wait -ThrottleLimit 10 | Export-Csv ipconfig.csv'; Remarks = 'Fan-out: opens sessions on every Windows device, ten at a time, runs ipconfig /all on each as soon as its session is active, and writes one row per device (DeviceId, HostName, ExitCode, Output) to ipconfig.csv as they finish. The sessions stay open (Get-CbLiveResponseSession | Remove-CbLiveResponseSession closes them).' }
        @{ Code = '(Start-CbLiveResponseProcess -DeviceId 12345 -CommandLine ''cmd.exe /c netstat -ano'' -Wait).Output'; Remarks = 'One shot: opens a session on device 12345, runs netstat through cmd.exe, shows its output and closes the session.' }
        @{ Code = '$s | Start-CbLiveResponseProcess -CommandLine ''powershell.exe -NoProfile -File C:\Windows\Temp\ir\collect.ps1'' -WorkingDirectory C:\Windows\Temp\ir -Wait -TimeoutSec 900 | Where-Object ExitCode -ne 0'; Remarks = 'Runs a script sent earlier (Send-CbLiveResponseFile) on every device of the sessions in $s, waiting up to 15 minutes, and shows the devices where it failed.' }
        @{ Code = '$s | Start-CbLiveResponseProcess -CommandLine ''/bin/sh -c "tar czf /tmp/logs.tgz /var/log"'''; Remarks = 'Starts an archive of the logs on Linux devices and returns at once; fetch /tmp/logs.tgz later with Receive-CbLiveResponseFile.' }
    )
    Links       = @('Get-CbLiveResponseProcess', 'Stop-CbLiveResponseProcess', 'Send-CbLiveResponseFile', 'Receive-CbLiveResponseFile', 'New-CbLiveResponseSession', 'about_CbDefense_LiveResponse')
}
