@{
    Synopsis    = 'Gets Carbon Black Defense devices (endpoints with a sensor).'
    Description = @'
Get-CbDevice lists the devices of the org, page by page, writing each device as soon as its page arrives: the
first page is small (100 rows) so the first object comes quickly, later pages are larger (-PageSize, 1,000 by
default, up to the server's 5,000-row cap). Because it streams, "Get-CbDevice | Select-Object -First 1" sends exactly one request, and
100,000 devices are enumerated in constant memory. A progress bar shows how far a long listing has come.

The filters -HostName, -HostNameExact, -OwnerName, -OwnerNameExact and -IpAddress are sent to the server as the
v3 API documents them; -Filter adds other key:value clauses; all are combined with AND. -HostName accepts
wildcards: the text before the first wildcard is sent to the server and the pattern is matched here, so the
result is exact whatever the server does with wildcards.

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
        HostName       = 'Devices whose host name matches. Wildcards (*, ?) are allowed.'
        HostNameExact  = 'Devices with exactly this host name.'
        OwnerName      = 'Devices whose owner (name or email) matches.'
        OwnerNameExact = 'Devices whose owner is exactly this (usually an email address).'
        IpAddress      = 'Devices with this internal or external IP address.'
        Filter         = 'Other filters as key:value clauses (split at the first colon), sent as query parameters and combined with AND. The same key twice keeps the last value.'
        PageSize       = 'Rows per request after the first page (1 to 5,000; default 1,000). Larger pages send fewer requests (useful against a tight rate limit) at the cost of memory.'
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
        @{ Code = "Get-CbDevice -OwnerNameExact 'jdoe@example.com' -Filter 'status:REGISTERED'"; Remarks = 'A filter combined with a clause of your own.' }
    )
    Links       = @('Connect-CbDefense', 'Invoke-CbApi')
}
