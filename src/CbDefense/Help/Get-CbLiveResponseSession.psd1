@{
    Synopsis    = 'Gets the Live Response sessions this module holds open.'
    Description = @'
Get-CbLiveResponseSession lists the Live Response sessions the module holds open, like Get-PSSession: those
New-CbLiveResponseSession opened and that were not closed since. It sends no request; sessions opened by other
clients or other PowerShell processes are not listed. A session the server closed (its keepalive answered not found)
leaves the list.

Without -Session it lists the sessions of every open CbDefense session (connection), oldest first per connection.
-Id (wildcards allowed) and -DeviceId narrow the list. The sessions it writes can be piped to any Live Response
cmdlet, or to Remove-CbLiveResponseSession to close them.
'@
    Parameters  = @{
        Id       = 'Only the sessions with these ids (e.g. 1:12345). Wildcards allowed (*, ?, [a-z]); case-insensitive.'
        DeviceId = 'Only the sessions on these devices.'
        Session  = 'Only the Live Response sessions of this CbDefense session (connection); by default those of every open connection.'
    }
    Outputs     = @{ 'CbDefense.LiveResponseSession' = 'One object per open session.' }
    Examples    = @(
        @{ Code = 'Get-CbLiveResponseSession'; Remarks = 'Lists the open sessions: id, device, host name, status.' }
        @{ Code = 'Get-CbLiveResponseSession -DeviceId 12345 | Get-CbLiveResponseChildItem -Path C:\Users'; Remarks = 'Runs a directory list in the session already open on device 12345.' }
        @{ Code = 'Get-CbLiveResponseSession | Remove-CbLiveResponseSession'; Remarks = 'Closes every session the module holds.' }
    )
    Links       = @('New-CbLiveResponseSession', 'Remove-CbLiveResponseSession', 'about_CbDefense_LiveResponse')
}
