@{
    Synopsis    = 'Writes every new alert once, as it becomes searchable: the successor of the notification queue.'
    Description = @'
Watch-CbAlert polls the alert search every -IntervalSec seconds for the alerts whose backend_timestamp lies between
its watermark and now minus -LagSec (alerts are indexed late, so the window's end stays behind now, as the alerts
migration guide advises), oldest first, with the filters of Get-CbAlert. Each alert is written once; after each one
the watermark (its time, and the ids written at that time) moves on. It runs until Ctrl+C, -Count alerts or -Until.

With -StatePath the watermark is kept in a file, written as Watch-CbNotification's state is: after every alert,
atomically (a temporary file flushed to disk, then renamed), holding times and alert ids only (no key, no session),
and locked while the watch runs so two watches cannot share it. A watch killed at any moment and started again with
the same file goes on where it stopped: no alert is lost and none is written twice (a kill in the millisecond between
writing an alert and recording it repeats that one alert). Without a state file, or on the first run, the watch
starts at -StartTime, by default now minus -LagSec.

Transient failures (timeouts, resets, 5xx, 429, invalid replies) draw a warning and a backoff (the interval doubled
per failure, at most 5 minutes) and the watch goes on; other errors end it. It works on both generations (alerts v7
on a Current session, v6 on a Legacy one).
'@
    Parameters  = @{
        StatePath       = 'The state file that keeps the watermark between runs (created on the first alert).'
        StartTime       = 'Where a watch without state begins (a time in the past replays from there). Default: now minus -LagSec.'
        LagSec          = 'How far the window''s end stays behind now, in seconds (default 60): alerts indexed later than this after their backend_timestamp would be missed, so keep it above the server''s indexing delay.'
        IntervalSec     = 'Seconds between polls (default 60).'
        Count           = 'Stops after writing this many alerts.'
        Until           = 'Stops at this time.'
        Type            = 'Alert types (any of them), as Get-CbAlert -Type.'
        MinimumSeverity = 'Only alerts of this severity or higher (1 to 10).'
        DeviceId        = 'Device ids (any of them).'
        DeviceName      = 'Device names (any of them).'
        ThreatId        = 'Threat ids (any of them).'
        Status          = 'Workflow statuses (any of them): OPEN, IN_PROGRESS, CLOSED.'
        Determination   = 'Determinations (any of them): TRUE_POSITIVE, FALSE_POSITIVE, NONE.'
        ProcessName     = 'Process names (any of them).'
        ProcessSha256   = 'Process SHA-256 hashes (any of them).'
        PolicyName      = 'Policy names (any of them).'
        Query           = 'A query in the alert search language, passed as is.'
        Criteria        = 'More criteria as a hashtable, as Get-CbAlert -Criteria.'
        Exclusions      = 'Criteria of alerts to leave out, as Get-CbAlert -Exclusions.'
        Session         = 'The session to use; defaults to the default session.'
    }
    Outputs     = @{ 'CbDefense.Alert' = 'Each new alert, once.' }
    Examples    = @(
        @{ Code = "Watch-CbAlert -StatePath ./alerts.state -MinimumSeverity 5 | ForEach-Object { `$_ | ConvertTo-Json -Compress } | Add-Content alerts.jsonl"; Remarks = 'Forwards every alert of severity 5 or more to a file, resuming where it stopped after a restart (what Watch-CbNotification did with the retired notification queue).' }
        @{ Code = "Watch-CbAlert -StartTime (Get-Date).AddHours(-1) -Count 10 -IntervalSec 10"; Remarks = 'The alerts of the last hour, then new ones as they come, until ten have been written.' }
    )
    Links       = @('Get-CbAlert', 'Watch-CbNotification', 'Set-CbAlert')
}
