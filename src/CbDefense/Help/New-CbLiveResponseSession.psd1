@{
    Synopsis    = 'Opens Live Response sessions on devices and waits until each one is ACTIVE.'
    Description = @'
New-CbLiveResponseSession opens a Live Response session on each device (cbapi's Device.lr_session()) and writes it
once the sensor has checked in and the session is ACTIVE. Like a PSSession, the session stays open until you close
it: pipe it to the Live Response cmdlets (Get-CbLiveResponseChildItem, Receive-CbLiveResponseFile,
Start-CbLiveResponseProcess, ...) to run any number of commands in it, and close it with
Remove-CbLiveResponseSession. Sessions the module holds are also closed by Disconnect-CbDefense, Remove-Module
CbDefense and the end of the PowerShell process, and while they are open the module keeps them alive (the keepalive
route, every third of the session's session_timeout, between 1 and 30 seconds), so an idle session is not closed by
the server.

The session is created (Legacy: POST /integrationServices/v3/cblr/session/{device_id}; Current: POST
/appservices/v6/orgs/{org_key}/liveresponse/sessions) and polled until ACTIVE, for at most -TimeoutSec seconds
(default 360, as cbapi). A progress bar says how many are active and what each is waiting for. A session that does
not become ACTIVE in time, fails, or is being opened when Ctrl+C is pressed is closed before the cmdlet returns, so
it never counts against the org's session limit (cbapi issue 64); a timeout is an error with the id
LiveResponseSessionTimeout (category OperationTimeout), other failures NewLiveResponseSessionFailed.

The org has a limit on open Live Response sessions. When the server refuses a session because the limit is reached
(403 "Session limit reached"), the cmdlet waits and tries again every 2 seconds, up to -TimeoutSec in all, and says
so in the progress bar and the verbose stream; after that the error tells you to close sessions, lower
-ThrottleLimit or wait.

If the CbDefense session already holds an ACTIVE Live Response session for a device, that session is written again
(and the verbose stream says it is reused) instead of opening a second one. Up to -ThrottleLimit devices (default 5)
are opened at once; sessions are written as they become ACTIVE, and one device that fails gets one error while the
others go on.

Keys: a Legacy session needs an API key of type LIVE_RESPONSE (cbapi users keep it in a credentials profile of its
own: connect a second session with that profile and pass it with -Session); a Current session needs a Custom key
whose role grants Live Response. A refused key is an error that says which key is needed.
'@
    Parameters  = @{
        DeviceId      = 'The devices to open sessions on. Binds from the pipeline by value (ids) and by property name (DeviceId, so Device objects from Get-CbDevice). Ids must be positive.'
        TimeoutSec    = 'How long to wait, per device, for the session to become ACTIVE, including any wait for a free slot under the org''s session limit (1 to 86,400; default 360). A session still pending then is closed.'
        ThrottleLimit = 'How many sessions are opened at once (1 to 100; default 5). Keep it within the org''s Live Response session limit.'
        Session       = 'The CbDefense session (connection) to open the Live Response sessions through; defaults to the default session. Device objects from the pipeline bring their own.'
    }
    Inputs      = @{
        'System.Int64'     = 'Device ids.'
        'CbDefense.Device' = 'Devices (their DeviceId and Session are used).'
    }
    Outputs     = @{ 'CbDefense.LiveResponseSession' = 'One open (ACTIVE) session per device: Id, DeviceId, HostName, OsType, Status, CurrentDirectory, Drives, SupportedCommands, ApiGeneration, ...' }
    Examples    = @(
        @{ Code = '$s = New-CbLiveResponseSession -DeviceId 12345'; Remarks = 'Opens a session on device 12345 and keeps it in $s for the commands that follow.' }
        @{ Code = @'
$s = Get-CbDevice -HostName 'web*' | New-CbLiveResponseSession -ThrottleLimit 10
$s | Get-CbLiveResponseProcess -Name 'w3wp.exe'
$s | Remove-CbLiveResponseSession
'@; Remarks = 'Opens sessions on every web server, ten at a time, lists their w3wp.exe processes and closes the sessions.' }
        @{ Code = 'New-CbLiveResponseSession -DeviceId 12345 -TimeoutSec 60 -Verbose'; Remarks = 'Gives up after a minute if the sensor does not check in (the pending session is closed); the verbose stream shows the waits.' }
        @{ Code = '$lr = Connect-CbDefense -ProfileName liveresponse; Get-CbDevice -Id 12345 -Session $lr | New-CbLiveResponseSession'; Remarks = 'On a Legacy server: opens the session through a second connection whose credentials profile holds the LIVE_RESPONSE key.' }
    )
    Links       = @('Get-CbLiveResponseSession', 'Remove-CbLiveResponseSession', 'Get-CbDevice', 'Start-CbLiveResponseProcess', 'about_CbDefense_LiveResponse')
}
