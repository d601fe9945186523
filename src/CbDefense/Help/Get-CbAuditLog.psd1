@{
    Synopsis    = 'Reads the audit log queue, or searches the audit log (current API).'
    Description = @'
Without search parameters, Get-CbAuditLog reads the org's audit log queue: GET /integrationServices/v3/auditlogs on a
Legacy session (an API key; cbapi get_auditlogs), GET /audit_log/v1/orgs/{org_key}/logs/_queue on a Current session
(a Custom key with org.audits READ). The queue is READ-ONCE: the server removes what it returns, so each record is
handed out once (audit log v1 keeps one queue per API key: another key reads the same records again; the v3 queue is
one for the legacy keys). Store what it returns (| Export-Csv, | ConvertTo-Json) before you filter it, and do not stop
the pipeline early (Select-Object -First): the records of that read that were not written are gone.

The server hands the queue out a reply at a time (at most about 1,000 records a reply), so Get-CbAuditLog reads it
again and again, writing each reply's records as it comes, until the queue is drained: on a Current session while the
server says more are queued (num_found), on a Legacy session (whose replies say nothing of what is left) until a reply
is empty or shorter than a full one (1,000). A reply is read only once the previous one is written, so a pipeline that
stops leaves the rest queued. Records that arrive while it reads are read too; run it again later for newer ones.

-First n stops reading the queue once n records have been read: no further read is made, and what is still queued
stays there for the next call. Because a reply is removed from the queue as a whole, every record of the replies read
is written, even past n (up to one reply more): none is dropped. A warning then says how many more than -First were
written and, when the queue may still hold records, to run Get-CbAuditLog again. -First 0 reads nothing. -Skip and
-IncludeTotalCount are refused here (skipped records would be lost, and the queue has no total).

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
        First     = 'Search: gets only this many records. Queue: stops reading once this many records were read; every record read is written, even past this number (a warning says so), because the queue has already removed them.'
        Skip      = 'Skips this many records first (search only).'
        IncludeTotalCount = 'Writes the server''s count of matching records before the records (search only).'
    }
    Outputs     = @{ 'CbDefense.AuditLog' = 'One object per audit log record.' }
    Examples    = @(
        @{ Code = 'Get-CbAuditLog | Export-Csv -Append audit.csv'; Remarks = 'Reads everything the queue holds, reply after reply (read once: these records are gone from the queue), and keeps them in a file.' }
        @{ Code = 'Get-CbAuditLog -First 100 | Export-Csv -Append audit.csv'; Remarks = 'Reads the queue until at least 100 records were read: the whole last reply is written (it is gone from the queue), the rest stays queued for the next call.' }
        @{ Code = "Get-CbAuditLog -StartTime (Get-Date).AddDays(-7) -Query 'description:Logged*' | Format-Table"; Remarks = 'Searches the log-ins of the last week, newest first (Current session); nothing is removed.' }
        @{ Code = 'Get-CbAuditLog -Actor EMUCUST001 -First 20 -IncludeTotalCount'; Remarks = 'How many records an API key made, and the 20 newest.' }
        @{ Code = 'Get-CbAuditLog -Flagged -StartTime (Get-Date).AddDays(-30) | Select-Object Time, Actor, ActorIp, Description'; Remarks = 'The flagged records of the last 30 days.' }
    )
    Links       = @('Get-CbObservation', 'Get-CbNotification', 'Connect-CbDefense')
}
