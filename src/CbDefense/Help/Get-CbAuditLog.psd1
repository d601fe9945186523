@{
    Synopsis    = 'Reads the audit log queue, or searches the audit log (current API).'
    Description = @'
Without search parameters, Get-CbAuditLog reads the org's audit log queue: GET /integrationServices/v3/auditlogs on a
Legacy session (an API key; cbapi get_auditlogs), GET /audit_log/v1/orgs/{org_key}/logs/_queue on a Current session
(a Custom key with org.audits READ). The queue is READ-ONCE: the server removes what it returns, so each record is
handed out once (audit log v1 keeps one queue per API key: another key reads the same records again). Store what it
returns (| Export-Csv, | ConvertTo-Json) before you filter it, and do not stop the pipeline early
(Select-Object -First): the records of that read that were not written are gone. On a Current session the queue is
read again while the server says more are queued (a read returns a batch, e.g. 1,000). -First, -Skip and
-IncludeTotalCount are refused here, because they would drop records the server has already removed.

With -StartTime, -EndTime, -Query, -Actor, -ActorIp, -Flagged or -Criteria, Get-CbAuditLog searches the audit log
instead (POST /audit_log/v1/orgs/{org_key}/logs/_search, Current sessions only): nothing is removed, the same search
can be run again, and the results are written newest first, page by page, with -First, -Skip and -IncludeTotalCount.
-StartTime and -EndTime are the criteria create_time (inclusive; the API needs both ends, so a missing start is the
beginning of time and a missing end is now). Past the first 10,000 matches the search goes on with search_after, so
every match is returned. On a Legacy session these parameters are an error that names the Current alternative: the
v3 API has only the queue.

Each record is a CbDefense.AuditLog: Time (local time; TimeUtc in UTC), Actor (a login name or an API key id), ActorIp,
Description, RequestUrl, OrgKey (v1), Flagged, Verbose, EventId (v3), and every other field in AdditionalProperties.
Both generations' records have the same properties. Get-CbAuditLog only reads: it has no -WhatIf.
'@
    Parameters  = @{
        StartTime = 'Searches the records at or after this time (criteria create_time.start, ISO-8601 UTC). Current sessions only.'
        EndTime   = 'Searches the records at or before this time (create_time.end; default now). Current sessions only.'
        Query     = 'Searches with the search language, e.g. ''description:Logged*'' or ''actor:EMUCUST001''. Current sessions only.'
        Actor     = 'Searches the records of these actors (login names or API key ids; criteria actor). Current sessions only.'
        ActorIp   = 'Searches the records from these addresses (criteria actor_ip). Current sessions only.'
        Flagged   = 'Searches only flagged records (-Flagged:$false: only records that are not flagged). Current sessions only.'
        Criteria  = 'Other criteria of the audit log search, as the API names them, e.g. @{ description = ''Logged in successfully''; verbose = $false }. Current sessions only.'
        PageSize  = 'Records per search request (1 to 10,000; default 1,000).'
        Session   = 'The session to use; defaults to the default session.'
        First     = 'Gets only this many records (search only).'
        Skip      = 'Skips this many records first (search only).'
        IncludeTotalCount = 'Writes the server''s count of matching records before the records (search only).'
    }
    Outputs     = @{ 'CbDefense.AuditLog' = 'One object per audit log record.' }
    Examples    = @(
        @{ Code = 'Get-CbAuditLog | Export-Csv -Append audit.csv'; Remarks = 'Reads what the queue holds (read once: these records are gone from the queue) and keeps them in a file.' }
        @{ Code = "Get-CbAuditLog -StartTime (Get-Date).AddDays(-7) -Query 'description:Logged*' | Format-Table"; Remarks = 'Searches the log-ins of the last week, newest first (Current session); nothing is removed.' }
        @{ Code = 'Get-CbAuditLog -Actor EMUCUST001 -First 20 -IncludeTotalCount'; Remarks = 'How many records an API key made, and the 20 newest.' }
        @{ Code = 'Get-CbAuditLog -Flagged -StartTime (Get-Date).AddDays(-30) | Select-Object Time, Actor, ActorIp, Description'; Remarks = 'The flagged records of the last 30 days.' }
    )
    Links       = @('Get-CbObservation', 'Get-CbNotification', 'Connect-CbDefense')
}
