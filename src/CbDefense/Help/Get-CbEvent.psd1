@{
    Synopsis    = 'Searches Carbon Black Defense events, or gets events by id.'
    Description = @'
Get-CbEvent searches the v3 event API and writes each event as its page arrives (newest first), so
"Get-CbEvent | Select-Object -First 1" stops after one small request, and "-First 5" asks for 5 rows. The filters
-HostNameExact, -OwnerNameExact, -IpAddress, -Sha256Hash, -ApplicationName, -EventType, -SearchWindow, -StartTime
and -EndTime are sent as the v3 API documents them; all are combined with AND.

-HostName and -OwnerName follow PowerShell's convention: without a wildcard they mean the exact name (case-
insensitive), with wildcards (*, ?, [a-z]) a pattern. The text before the first wildcard is sent to the server
(which matches substrings) and the exact name or pattern is matched here, on the event's device name and owner
e-mail. -Filter adds key:value clauses: documented keys are sent; other keys that name an event field (attackStage,
alertScore, deviceDetails.policyName, selectedApp.sha256Hash, ...) are matched here exactly, because the v3 API
would ignore them; any other key is refused. A time range whose start is later than its end is a parameter error.

The event API returns at most 10,000 rows for one query. When a search matches more, Get-CbEvent splits its time
range (startTime/endTime, ISO-8601 UTC with milliseconds, inclusive on the event time) into disjoint ranges,
recursively, until each one fits, and pages each range: every matching event is returned, exactly once, whatever
the total. Open ends are covered too (a search without -StartTime also reads what is older than the usual two
weeks). Only more than 10,000 events within a single millisecond cannot be split; a warning then says so.

-SearchWindow takes the documented values 1h, 3h, 1d, 1w and 2w (the span before now). -StartTime and -EndTime take
any date-time (local times are converted to UTC). -First, -Skip and -IncludeTotalCount page exactly.

Each event is a CbDefense.Event with typed properties: EventTime and CreateTime in local time (EventTimeUtc and
CreateTimeUtc in UTC); ShortDescription and LongDescription as sent, with the console's markup, and
ShortDescriptionText and LongDescriptionText as plain text; DeviceDetails,
ProcessDetails, SelectedApp, ParentApp, TargetApp and NetFlow as typed objects; every other field in
AdditionalProperties (on the event and on each nested object). Each event carries the session it came from.
'@
    Parameters  = @{
        Id              = 'One or more event ids (32 hex characters) to fetch. Binds from the pipeline by value and by property name (EventId).'
        HostName        = 'Events of the device with this host name (case-insensitive): without a wildcard the exact name, with wildcards (*, ?) a pattern.'
        HostNameExact   = 'Events of the device with exactly this host name (hostNameExact).'
        OwnerName       = 'Events of devices whose owner (e-mail address) is this: without a wildcard the exact owner, with wildcards a pattern.'
        OwnerNameExact  = 'Events of devices whose owner is exactly this, usually an email address (ownerNameExact).'
        IpAddress       = 'Events of the device with this IP address (ipAddress).'
        Sha256Hash      = 'Events involving an application with this SHA-256 hash (sha256Hash).'
        ApplicationName = 'Events of this application, for example powershell.exe (applicationName).'
        EventType       = 'Events of this type: NETWORK, FILE_CREATE, REGISTRY_ACCESS, SYSTEM_API_CALL, CREATE_PROCESS, DATA_ACCESS, INJECT_CODE, POLICY_ACTION (tab completion offers them).'
        SearchWindow    = 'Events of the last 1h, 3h, 1d, 1w or 2w (searchWindow).'
        StartTime       = 'Events at or after this time (startTime, sent as ISO-8601 UTC with milliseconds). Must not be later than -EndTime.'
        EndTime         = 'Events at or before this time (endTime).'
        Filter          = 'Other filters as key:value clauses (split at the first colon), combined with AND. Keys the v3 API documents are sent; other keys that name an event field are matched here; any other key is refused.'
        PageSize        = 'Rows per request (1 to 10,000; default 5,000).'
        Session         = 'The session to use; defaults to the default session.'
        First           = 'Gets only this many events.'
        Skip            = 'Skips this many events first.'
        IncludeTotalCount = 'Writes the server''s total count of matching events before the events.'
    }
    Inputs      = @{ 'System.String' = 'Event ids.' }
    Outputs     = @{ 'CbDefense.Event' = 'One object per event.' }
    Examples    = @(
        @{ Code = 'Get-CbEvent -HostNameExact WIN-FIN-0001 -SearchWindow 1d'; Remarks = 'The events of one device in the last day.' }
        @{ Code = "Get-CbEvent -EventType NETWORK -StartTime (Get-Date).AddDays(-7) | Select-Object EventTime, @{ n = 'Peer'; e = { `$_.NetFlow.PeerFqdn } }"; Remarks = 'Network events of the last week with the peer name.' }
        @{ Code = "Get-CbEvent -ApplicationName powershell.exe -StartTime '2024-05-01' -EndTime '2024-05-08' | Export-Csv ps-events.csv"; Remarks = 'Exports a week of PowerShell events, however many there are (the time range is split past 10,000).' }
        @{ Code = 'Get-CbEvent -Sha256Hash $hash | Group-Object { $_.DeviceDetails.DeviceName } | Sort-Object Count -Descending'; Remarks = 'Where a file was seen, by device.' }
        @{ Code = 'Get-CbEvent -First 1 -IncludeTotalCount'; Remarks = 'How many events match, with one small request.' }
        @{ Code = "Get-CbEvent -Id 'a1e12604d67b11ea920d3d9192a785d1' | Format-List *"; Remarks = 'One event by id, every property.' }
    )
    Links       = @('Get-CbDevice', 'Invoke-CbApi')
}
