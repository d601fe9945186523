@{
    Synopsis    = 'Searches observations (the current API''s successor of the v3 events).'
    Description = @'
Get-CbObservation searches observations on a Current session (a Custom key with org.search.events): it starts a
search job (POST /api/investigate/v2/orgs/{org_key}/observations/search_jobs), waits for it with a progress bar
until every searcher the job contacted has completed, then writes its observations page by page (GET
.../search_jobs/{job_id}/results?start=&rows=), newest first by device time. -First 5 asks the job for 5 rows, and
"| Select-Object -First 1" stops after the first page.

-DeviceName, -DeviceId, -ProcessName, -ProcessSha256 (sent as process_hash), -EventType (netconn, childproc,
crossproc, filemod, regmod, modload, scriptload, ...) and -AlertId are criteria: the values of one parameter are
ORed, the parameters ANDed. Names without a wildcard are exact; with wildcards (*, ?) they are patterns of the search
language. -Query adds the search language, -Criteria and -Exclusions any other criteria as the API names them
(event_id, observation_type, enriched_event_type, device_policy, ...). -StartTime and -EndTime are the job's
time_range start and end on the device timestamp (inclusive). Devices piped in (Get-CbDevice | Get-CbObservation) are
searched together, in one search.

A search job keeps at most 10,000 observations however many match (num_available is less than num_found then). When
a search matches more, Get-CbObservation splits its time range at the oldest device time the job kept and runs the
next job for the older part, again and again, skipping at each boundary what it already wrote: every matching
observation is returned, exactly once, whatever the total. Only more than 10,000 observations within one millisecond
cannot be split; a warning then says so. -TimeoutSec limits the wait for each job.

On a Legacy session Get-CbObservation is an error: the v3 API has no observations; use Get-CbEvent there.

Each observation is a CbDefense.Observation: ObservationId, Type (observation_type), Description, DeviceId,
DeviceName, DevicePolicy, ProcessName, ProcessSha256, ProcessHash, ProcessPid, ProcessCmdline, ProcessUsername,
EventType, EventId, AlertId, AlertCategory, DeviceTimestamp and BackendTimestamp in local time (DeviceTimestampUtc and
BackendTimestampUtc in UTC), every other field in AdditionalProperties; each carries the session it came from.
'@
    Parameters  = @{
        DeviceName    = 'Observations of the devices with these names (criteria device_name): without a wildcard the exact name, with wildcards a pattern.'
        DeviceId      = 'Observations of the devices with these ids (criteria device_id). Binds from the pipeline by property name, so devices can be piped in; they are searched together.'
        ProcessName   = 'Observations of these processes (criteria process_name: the path or the file name, e.g. powershell.exe); with wildcards a pattern.'
        ProcessSha256 = 'Observations of the processes with these SHA-256 hashes (criteria process_hash).'
        EventType     = 'Observations of these event types (criteria event_type): netconn, childproc, crossproc, filemod, regmod, modload, scriptload, fileless_scriptload (tab completion offers them).'
        AlertId       = 'The observations of these alerts (criteria alert_id).'
        StartTime     = 'Observations the device saw at or after this time (time_range.start, ISO-8601 UTC). Must not be later than -EndTime.'
        EndTime       = 'Observations the device saw at or before this time (time_range.end).'
        Query         = 'The search language, ANDed with the other parameters, e.g. ''process_name:powershell.exe AND event_network_remote_port:443''.'
        Criteria      = 'Other criteria as the API names them, e.g. @{ observation_type = ''CB_ANALYTICS''; event_id = ''...'' }; one value or a list per key.'
        Exclusions    = 'Criteria whose matches are left out, e.g. @{ device_policy = ''Monitored'' }.'
        PageSize      = 'Observations per results request (1 to 10,000; default 1,000).'
        TimeoutSec    = 'How long to wait for each search job to finish (default 300 seconds).'
        Session       = 'The session to use; defaults to the default session. Piped devices bring their own.'
        First         = 'Gets only this many observations.'
        Skip          = 'Skips this many observations first.'
        IncludeTotalCount = 'Writes the server''s count of matching observations before the observations.'
    }
    Inputs      = @{ 'CbDefense.Device' = 'Devices (their DeviceId) whose observations are searched.' }
    Outputs     = @{ 'CbDefense.Observation' = 'One object per observation.' }
    Examples    = @(
        @{ Code = 'Get-CbObservation -DeviceName WIN-FIN-0001 -StartTime (Get-Date).AddDays(-1)'; Remarks = 'The observations of one device in the last day.' }
        @{ Code = "Get-CbObservation -ProcessName powershell.exe -EventType netconn -StartTime '2024-05-01' -EndTime '2024-05-08' | Export-Csv ps-netconn.csv"; Remarks = 'Exports a week of PowerShell network connections, however many there are (the time range is split past 10,000).' }
        @{ Code = "Get-CbDevice -HostName 'web*' | Get-CbObservation -First 100"; Remarks = 'The 100 newest observations of the web servers, in one search.' }
        @{ Code = 'Get-CbObservation -ProcessSha256 $hash | Group-Object DeviceName | Sort-Object Count -Descending'; Remarks = 'Where a file ran, by device.' }
        @{ Code = 'Get-CbObservation -AlertId $alert.Id | Format-List *'; Remarks = 'The observations behind one alert, every property.' }
        @{ Code = 'Get-CbObservation -First 1 -IncludeTotalCount'; Remarks = 'How many observations match.' }
    )
    Links       = @('Get-CbEvent', 'Get-CbDevice', 'Get-CbAuditLog')
}
