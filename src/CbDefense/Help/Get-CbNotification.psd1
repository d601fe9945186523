@{
    Synopsis    = 'Reads the SIEM notification queue once.'
    Description = @'
Get-CbNotification reads GET /integrationServices/v3/notification once (cbapi get_notifications) and writes what
was queued since the previous read. The queue is read-once: the server removes what it returns, so the
notifications are gone from the server as soon as this command has read them. To forward notifications reliably,
use Watch-CbNotification -StatePath, which keeps what it read in a file until it has been passed on.

Each notification is a CbDefense.Notification: Type (THREAT or POLICY_ACTION), EventId, EventTime (local time;
EventTimeUtc in UTC),
EventDescription, RuleName, Url, DeviceInfo, and ThreatInfo (THREAT, with indicators and threat cause) or
PolicyAction (POLICY_ACTION); other fields (such as threatHunterInfo) are kept in AdditionalProperties. ToJson()
gives the notification exactly as the server sent it.

The notification queue needs an API key with the access level SIEM. When the server refuses the key, the error says
whether the key is valid but of another type (a SIEM key is needed) or not accepted at all.

On a Current session the command fails at once with an error that the notification API was retired (October
2024), and gives the equivalent Watch-CbAlert command line: alerts v7, polled by backend_timestamp behind a lag,
with its own durable -StatePath. Nothing is sent.
'@
    Parameters  = @{
        Session = 'The session to use (connected with a SIEM key); defaults to the default session.'
    }
    Outputs     = @{ 'CbDefense.Notification' = 'One object per notification.' }
    Examples    = @(
        @{ Code = 'Get-CbNotification | Where-Object Type -eq THREAT | Format-Table EventTime, @{ n = ''Score''; e = { $_.ThreatInfo.Score } }, EventDescription'; Remarks = 'Reads the queue and lists the threats with their score.' }
        @{ Code = '$siem = Connect-CbDefense -ProfileName siem; Get-CbNotification -Session $siem'; Remarks = 'Uses a profile that holds a SIEM key, next to another session.' }
        @{ Code = 'Get-CbNotification | ForEach-Object { $_.ToJson() } | Add-Content notifications.jsonl'; Remarks = 'Appends the raw notifications to a JSON lines file.' }
    )
    Links       = @('Watch-CbNotification', 'Watch-CbAlert', 'Connect-CbDefense')
}
