@{
    Synopsis    = 'Gets Carbon Black Defense devices (endpoints with a sensor).'
    Description = @'
Get-CbDevice lists the devices of the org, page by page, writing each device as soon as its page arrives: the
first page is small (100 rows) so the first object comes quickly, later pages are larger (-PageSize, 1,000 by
default, up to the server's 5,000-row cap). Because it streams, "Get-CbDevice | Select-Object -First 1" sends exactly one request, and
100,000 devices are enumerated in constant memory. A progress bar shows how far a long listing has come.

Name filters follow PowerShell's convention: -HostName and -OwnerName without a wildcard mean the exact name
(case-insensitive), so "-HostName SRV-SQL-01" never also returns SRV-SQL-012; with wildcards (*, ?, [a-z]) they
are patterns ("web*", "*db*"). On a Legacy (v3) session the server only knows substring filters, so the text
before the first wildcard is sent to narrow the search and the exact name or pattern is matched here.
-HostNameExact, -OwnerNameExact and -IpAddress are sent as the v3 API documents them.

-Filter adds key:value clauses, all combined with AND. A key the API documents is sent to the server; on a Legacy
session another key that names a device field (status, deviceType, policyName, sensorVersion, ...) is matched
here, exactly (wildcards allowed), because the v3 API would silently ignore it; any other key is refused with the
list of supported keys, so a typo can never turn into "every device". When filters are applied here, every page
the server matched is read and -IncludeTotalCount reports the total as unknown (the server's count is only an
upper bound). -Status, -OS, -PolicyId and -TargetPriority work the same way on a Legacy session. -Query, -Criteria,
-Exclusions and -Sort need the current API's device search and are refused on a Legacy session.

-First, -Skip and -IncludeTotalCount page exactly (the API's start is 1-based; cbapi's off-by-one is not
reproduced). With -Id, each device is fetched by id; an unknown id writes a not-found error and the others are
still written.

Each device is a CbDefense.Device with typed properties (ids as Int64, null kept null); each time is two
properties, like a file's LastWriteTime and LastWriteTimeUtc: LastContact (local time, so it compares right with
Get-Date in any time zone) and LastContactUtc (the same instant in UTC). Lists such as AvStatus read as their
values in tables and CSV files. Every other field the server sends is kept in AdditionalProperties. Each device carries the session it came from,
so piping it to another cmdlet reaches the same server.

Requests that hit a rate limit (429) or a transient failure are retried by the session's pipeline; the waits
are reported on the verbose stream.
'@
    Parameters  = @{
        Id             = 'One or more device ids to fetch. Binds from the pipeline by value (ids) and by property name (DeviceId, so Device objects).'
        HostName       = 'Devices with this host name (case-insensitive). Without a wildcard it is the exact name; with wildcards (*, ?, [a-z]) a pattern, e.g. web* or *db*.'
        HostNameExact  = 'Devices with exactly this host name (the v3 hostNameExact filter).'
        OwnerName      = 'Devices whose owner (e-mail address, or first and last name) is this (case-insensitive). Without a wildcard it is the exact owner; with wildcards a pattern, e.g. *@example.com.'
        OwnerNameExact = 'Devices whose owner is exactly this (usually an email address; the v3 ownerNameExact filter).'
        IpAddress      = 'Devices with this internal or external IP address.'
        Status         = 'Devices with one of these statuses (REGISTERED, DEREGISTERED, BYPASS, QUARANTINE, ...). Tab completes the documented values.'
        OS             = 'Devices with one of these operating systems (WINDOWS, MAC, LINUX, ...).'
        PolicyId       = 'Devices in one of these policies (by id).'
        TargetPriority = 'Devices with one of these target priorities: LOW, MEDIUM, HIGH, MISSION_CRITICAL.'
        Query          = 'A query in the search language of the current API (devices v6), passed to the server as is, e.g. "os:WINDOWS AND name:kiosk*". Needs a Current session.'
        Exclusions     = 'Criteria of devices to leave out, as a hashtable like -Criteria (field = value or @(values)), sent as the search''s exclusions. Needs a Current session.'
        Criteria       = 'More criteria of the current API''s device search as a hashtable (field = value or @(values)), merged into the criteria sent. Needs a Current session.'
        Sort           = 'Sort order of the current API''s device search: field names, a leading - for descending (e.g. -last_contact_time). Needs a Current session.'
        Filter         = 'Other filters as key:value clauses (split at the first colon), combined with AND. Keys the API documents are sent to the server; on a Legacy session other keys that name a device field are matched here exactly (wildcards allowed); any other key is refused. The same key twice keeps the last value.'
        PageSize       = 'Rows per request after the first page (default 1,000; up to 5,000 on a Legacy session). Larger pages send fewer requests (useful against a tight rate limit) at the cost of memory.'
        Session        = 'The session to use; defaults to the default session. Device objects from the pipeline bring their own.'
        First          = 'Gets only this many devices.'
        Skip           = 'Skips this many devices first.'
        IncludeTotalCount = 'Writes the server''s total count of matching devices before the devices.'
    }
    Inputs      = @{
        'System.Int64'     = 'Device ids.'
        'CbDefense.Device' = 'Devices (their DeviceId and Session are used).'
    }
    Outputs     = @{ 'CbDefense.Device' = 'One object per device.' }
    Examples    = @(
        @{ Code = 'Get-CbDevice'; Remarks = 'Lists every device of the org.' }
        @{ Code = "Get-CbDevice -HostName 'web*' | Format-Table Name, Status, PolicyName"; Remarks = 'Devices whose host name starts with web.' }
        @{ Code = 'Get-CbDevice -First 100 -Skip 200'; Remarks = 'Devices 201 to 300.' }
        @{ Code = 'Get-CbDevice -First 1 -IncludeTotalCount'; Remarks = 'How many devices there are, with one small request.' }
        @{ Code = 'Get-CbDevice -Id 12345, 67890'; Remarks = 'Two devices by id.' }
        @{ Code = 'Get-CbDevice | Where-Object LastContact -lt (Get-Date).AddDays(-30) | Export-Csv stale-devices.csv'; Remarks = 'Devices that have not checked in for 30 days, to a CSV file.' }
        @{ Code = "Get-CbDevice -OwnerNameExact 'jdoe@example.com' -Filter 'status:REGISTERED'"; Remarks = 'Registered devices of one owner. status is not a filter of the v3 API, so on a Legacy session it is matched here, exactly: only REGISTERED devices are written.' }
        @{ Code = "Get-CbDevice -HostName SRV-SQL-01 | Set-CbDeviceQuarantine -Enabled `$true"; Remarks = 'Quarantines the one device named SRV-SQL-01 (not SRV-SQL-012: a name without wildcards is exact).' }
        @{ Code = "Get-CbDevice -OS WINDOWS -Exclusions @{ sensor_version = '3.9.1.2451' }"; Remarks = 'Windows devices on any sensor version but one (a Current session: the exclusions of the v6 search).' }
        @{ Code = "Get-CbDevice -Status DEREGISTERED | Remove-CbDevice -WhatIf"; Remarks = 'Shows which deregistered devices would be deleted.' }
    )
    Links       = @('Connect-CbDefense', 'Invoke-CbApi')
}
