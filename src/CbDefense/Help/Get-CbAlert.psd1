@{
    Synopsis    = 'Searches alerts page by page (alerts v7 on the current API, v6 on the legacy generation), or gets alerts by id.'
    Description = @'
Get-CbAlert sends the alert search: on a Current session POST /api/alerts/v7/orgs/{org_key}/alerts/_search with a
top-level time_range, criteria from the parameters, -Query, -Criteria, -Exclusions and a sort; on a Legacy session
the v6 search (POST /appservices/v6/orgs/{org_key}/alerts/_search), whose fields are mapped to the v7 names so
scripts read one shape (create_time is BackendTimestamp, DISMISSED is CLOSED, policy_name is DevicePolicy, ...).
A parameter the v6 search cannot express (-Status IN_PROGRESS, -Determination) is refused there, never dropped.

The time range is -StartTime/-EndTime (local times, or UTC DateTimes) or -Range ('-7d', '-12h', units s m h d w y,
or 'all'). The API searches at most 180 days at a time: a longer range is refused before anything is sent.
Without a time range the server's default applies.

Alerts stream page by page (-PageSize rows per request, default 1,000) with a progress bar from the second page on.
-First, -Skip and -IncludeTotalCount page exactly. The API returns at most the first 10,000 hits of a search; past
them Get-CbAlert orders the search by backend_timestamp (ascending, then id) and moves its time window on: each
window starts at the last time written, and the alerts already written at that time are dropped, so every alert
comes exactly once however many match. With -Sort the server's order is kept and a search past 10,000 hits is
refused with what to do (narrow it, or sort with Sort-Object).

-Id gets alerts by id (GET .../alerts/{id}), a few at a time, in the order given; an unknown id is a not-found error
and the others are still written.
'@
    Parameters  = @{
        Id             = 'Alert ids to get one by one. Binds from the pipeline by property name (Id of Alert objects).'
        StartTime      = 'The start of the time range (backend_timestamp). Local time unless the DateTime is UTC.'
        EndTime        = 'The end of the time range; with -StartTime alone, now.'
        Range          = 'A range relative to now instead of -StartTime/-EndTime: -<number><unit> (units s, m, h, d, w, y), e.g. -7d, or all. At most 180 days.'
        Type           = 'Alert types (any of them): CB_ANALYTICS, WATCHLIST, DEVICE_CONTROL, CONTAINER_RUNTIME, HOST_BASED_FIREWALL, INTRUSION_DETECTION_SYSTEM.'
        MinimumSeverity = 'Only alerts of this severity or higher (1 to 10).'
        DeviceId       = 'Device ids (any of them).'
        DeviceName     = 'Device names (any of them), as the server matches them.'
        ThreatId       = 'Threat ids (any of them).'
        Status         = 'Workflow statuses (any of them): OPEN, IN_PROGRESS, CLOSED. On a Legacy session OPEN and CLOSED (DISMISSED) only.'
        Determination  = 'Determinations (any of them): TRUE_POSITIVE, FALSE_POSITIVE, NONE. Needs a Current session.'
        ProcessName    = 'Process names (any of them).'
        ProcessSha256  = 'Process SHA-256 hashes (any of them).'
        PolicyName     = 'Names of the policies the devices had (any of them).'
        Query          = 'A query in the search language of the alert API, passed as is (e.g. "device_os:WINDOWS AND severity:[7 TO *]").'
        Criteria       = 'More criteria as a hashtable (field = value or @(values), or a range object), merged into the criteria sent.'
        Exclusions     = 'Criteria of alerts to leave out, as a hashtable like -Criteria.'
        Sort           = 'Sort fields, a leading - for descending (e.g. -severity). A sorted search returns at most 10,000 alerts.'
        PageSize       = 'Rows per request (1 to 10,000; default 1,000).'
        First          = 'Gets only this many alerts.'
        Skip           = 'Skips this many alerts first.'
        IncludeTotalCount = 'Writes the server''s total count of matching alerts (num_found) before the alerts.'
        Session        = 'The session to use; defaults to the default session.'
    }
    Inputs      = @{ 'CbDefense.Alert' = 'Alerts (their Id), with -Id.' }
    Outputs     = @{ 'CbDefense.Alert' = 'One per alert.' }
    Examples    = @(
        @{ Code = "Get-CbAlert -Range '-1d' -MinimumSeverity 7 -Status OPEN | Format-Table"; Remarks = 'Open alerts of the last day with a severity of 7 or more.' }
        @{ Code = "Get-CbAlert -StartTime (Get-Date).AddDays(-30) -Type CB_ANALYTICS -DeviceName 'WIN-FIN-0001'"; Remarks = 'A device''s CB Analytics alerts of the last 30 days, every one of them even past 10,000.' }
        @{ Code = "Get-CbAlert -Range '-7d' -Query 'process_name:powershell.exe' -Exclusions @{ device_os = 'MAC' } -First 50"; Remarks = 'The first 50 alerts of the week about powershell.exe, Macs left out.' }
        @{ Code = "Get-CbAlert -Range '-1d' -First 1 -IncludeTotalCount"; Remarks = 'How many alerts the last day has, with one small request.' }
        @{ Code = "Get-CbAlert -Id 'e5d6f1a8-...'"; Remarks = 'One alert by id.' }
    )
    Links       = @('Set-CbAlert', 'Watch-CbAlert', 'Invoke-CbThreatDismiss', 'Get-CbAlertSearchSuggestion', 'Connect-CbDefense')
}
