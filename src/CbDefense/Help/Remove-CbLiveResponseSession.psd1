@{
    Synopsis    = 'Closes Live Response sessions.'
    Description = @'
Remove-CbLiveResponseSession closes Live Response sessions the module holds, like Remove-PSSession: on a Legacy
session with PUT /integrationServices/v3/cblr/session {"session_id", "status": "CLOSE"}, on a Current one with
DELETE /appservices/v6/orgs/{org_key}/liveresponse/sessions/{id}. The keepalive stops for it, its Status becomes
CLOSED and it leaves Get-CbLiveResponseSession. A session the server had already closed or lost counts as closed (no
error).

Sessions come from the pipeline (New-CbLiveResponseSession, Get-CbLiveResponseSession) or by -Id; an id the module
does not hold is an error (LiveResponseSessionNotFound, category ObjectNotFound) and the other ids are still closed.
A close that fails is an error (RemoveLiveResponseSessionFailed) with the server's message; the session then times
out on the server.

Sessions are also closed without this cmdlet by Disconnect-CbDefense (that connection's), Remove-Module CbDefense
and the end of the process (all of them). -WhatIf says which sessions would be closed and closes none.
'@
    Parameters  = @{
        LiveResponseSession = 'The sessions to close. Binds from the pipeline by value.'
        Id                  = 'The ids of the sessions to close (as Get-CbLiveResponseSession shows them, e.g. 1:12345; case-insensitive, no wildcards).'
    }
    Inputs      = @{ 'CbDefense.LiveResponseSession' = 'Sessions to close.' }
    Outputs     = @{ 'None' = 'This cmdlet writes nothing.' }
    Examples    = @(
        @{ Code = '$s | Remove-CbLiveResponseSession'; Remarks = 'Closes the sessions kept in $s.' }
        @{ Code = 'Get-CbLiveResponseSession | Remove-CbLiveResponseSession'; Remarks = 'Closes every session the module holds, on every connection.' }
        @{ Code = "Remove-CbLiveResponseSession -Id '1:12345'"; Remarks = 'Closes one session by its id.' }
    )
    Links       = @('New-CbLiveResponseSession', 'Get-CbLiveResponseSession', 'Disconnect-CbDefense', 'about_CbDefense_LiveResponse')
}
