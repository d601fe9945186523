# Get-CbAuditLog against the emulator: the read-once queue on a Legacy (v3 auditlogs) and a Current session (audit log
# v1 _queue, one queue per API key), read reply after reply (the emulator serves at most 1,000 a reply), with -First,
# and the audit log v1 search on a Current session. The ground truth is the
# emulator's admin API and the v1 _search route read without the module.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:emu = Start-CbEmulator -Devices 10 -Events 50 -Seed 31
    $script:c = Connect-TestEmulator -Emulator $emu -Generation Current
    $script:l = Connect-TestEmulator -Emulator $emu -Generation Legacy
    $script:custom = @{ 'X-Auth-Token' = $emu.CustomToken }
    $script:customId = ($emu.CustomToken -split '/', 2)[1]
    $script:logs = "$($emu.Uri)/audit_log/v1/orgs/$($emu.OrgKey)/logs"
    function script:Reset-Emulator([hashtable] $Body = @{}) { $null = Invoke-CbEmulatorAdmin -Emulator $emu -Path reset -Method POST -Body $Body }
    function script:Add-Audit([hashtable] $Body) { (Invoke-CbEmulatorAdmin -Emulator $emu -Path auditlogs -Method POST -Body $Body).added }
    function script:Get-AuditState { Invoke-CbEmulatorAdmin -Emulator $emu -Path auditlogs }
    function script:Get-Unread { @((Get-AuditState).v1Queues | Where-Object keyId -eq $customId)[0].unread }
    function script:Get-AuditRequests { @(Get-EmulatorRequests -Emulator $emu -Last 5000 | Where-Object { $_.path -like '/audit_log/*' -or $_.path -like '*/v3/auditlogs' }) }
    function script:Get-Searches { @(Get-AuditRequests | Where-Object path -like '*/logs/_search') }
    # Every record a v1 search matches, read without the module (search_after until it is empty).
    function script:Search-Raw([hashtable] $Body = @{}) {
        $all = [System.Collections.Generic.List[object]]::new()
        $b = $Body.Clone(); $b.rows = 10000
        while ($true) {
            $r = Invoke-RestMethod -Method Post -Uri "$logs/_search" -Headers $custom -ContentType 'application/json' -Body ($b | ConvertTo-Json -Depth 6)
            foreach ($x in $r.results) { $all.Add($x) }
            if (-not $r.search_after) { break }
            $b.search_after = $r.search_after
        }
        , $all.ToArray()
    }
    function script:Iso([datetime] $t) { $t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'") }
}
AfterAll {
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    Assert-CbNoSecretLeak
}

Describe 'Get-CbAuditLog: the read-once queue' {
    BeforeEach { Reset-Emulator; Clear-EmulatorRequests -Emulator $emu; Set-EmulatorFaults -Emulator $emu }

    It 'on a Legacy session reads the v3 queue as typed records carrying the session; a second read gets only the new ones' {
        $queued = (Get-AuditState).v3Queued
        $queued | Should -BeGreaterThan 0
        $first = @(Get-CbAuditLog -Session $l)
        $first.Count | Should -Be $queued
        (Get-AuditState).v3Queued | Should -Be 0 -Because 'what is read is gone from the queue'
        $r = $first[0]
        $r | Should -BeOfType ([CbDefense.AuditLog])
        $r.Session | Should -Be $l
        $r.Time.Kind | Should -Be 'Local'
        $r.TimeUtc.Kind | Should -Be 'Utc'
        $r.Actor | Should -Be 'admin@emulator.example.com'
        $r.ActorIp | Should -Match '^\d+\.\d+\.\d+\.\d+$'
        $r.Description | Should -Not -BeNullOrEmpty
        $r.EventId | Should -Match '^[0-9a-f]{32}$'
        $r.AdditionalProperties['orgName'] | Should -Not -BeNullOrEmpty
        ($first.EventId | Sort-Object -Unique).Count | Should -Be $first.Count

        $t0 = [datetime]::new(2026, 3, 1, 10, 0, 0, [DateTimeKind]::Utc)
        Add-Audit @{ count = 3; description = 'second batch'; actor = 'ops@example.com'; actorIp = '198.51.100.7'; requestUrl = 'https://x.example/api'; createTime = (Iso $t0); spacingMs = 1000 } | Should -Be 3
        $second = @(Get-CbAuditLog -Session $l)
        $second.Count | Should -Be 3
        $second.Description | Sort-Object -Unique | Should -Be 'second batch'
        # (the emulator's v3 view names the org's admin as loginName and never has a requestUrl)
        $second.Actor | Sort-Object -Unique | Should -Be 'admin@emulator.example.com'
        $second | ForEach-Object { $_.ActorIp | Should -Match '^\d+\.\d+\.\d+\.\d+$'; $_.RequestUrl | Should -BeNullOrEmpty; $_.Session | Should -Be $l }
        ($second.TimeUtc | Sort-Object) | Should -Be @($t0, $t0.AddSeconds(1), $t0.AddSeconds(2))
        $second.EventId | Should -Not -BeIn $first.EventId
        @(Get-CbAuditLog -Session $l).Count | Should -Be 0
        @(Get-AuditRequests).Count | Should -Be 3 -Because 'each call reads until a reply is short: here its first'
        Get-AuditRequests | ForEach-Object { $_.path | Should -Be '/integrationServices/v3/auditlogs' }
    }

    It 'on a Current session reads this key''s v1 queue with every field (OrgKey too); a second read gets only the new ones' {
        $unread = Get-Unread
        $first = @(Get-CbAuditLog -Session $c)
        $first.Count | Should -Be $unread
        Get-Unread | Should -Be 0
        (Get-AuditState).v3Queued | Should -BeGreaterThan 0 -Because 'reading the v1 queue leaves the v3 queue alone'
        $first | ForEach-Object { $_ | Should -BeOfType ([CbDefense.AuditLog]); $_.Session | Should -Be $c; $_.OrgKey | Should -Be $emu.OrgKey }
        # The same records as the search holds (oldest first in the queue).
        $truth = Search-Raw
        ($first.Description | Sort-Object) | Should -Be ($truth.description | Sort-Object)
        ($first.TimeUtc | Sort-Object) | Should -Be $first.TimeUtc -Because 'the queue hands out the oldest first'

        $t0 = [datetime]::new(2026, 3, 2, 8, 0, 0, 250, [DateTimeKind]::Utc)
        $null = Add-Audit @{ count = 2; description = 'new one'; actor = 'EMUCUST009'; actorIp = '203.0.113.9'; requestUrl = 'https://y.example/z'; flagged = $true; verbose = $true; createTime = (Iso $t0) }
        $second = @(Get-CbAuditLog -Session $c)
        $second.Count | Should -Be 2
        $n = $second[0]
        $n.Description | Should -Be 'new one'
        $n.Actor | Should -Be 'EMUCUST009'
        $n.ActorIp | Should -Be '203.0.113.9'
        $n.RequestUrl | Should -Be 'https://y.example/z'
        $n.OrgKey | Should -Be $emu.OrgKey
        $n.Flagged | Should -BeTrue
        $n.Verbose | Should -BeTrue
        $n.TimeUtc | Should -Be $t0
        $n.Time | Should -Be $t0.ToLocalTime()
        @(Get-CbAuditLog -Session $c).Count | Should -Be 0
        $reads = @(Get-AuditRequests | Where-Object method -eq 'GET')
        $reads.Count | Should -Be 3
        $reads | ForEach-Object { $_.path | Should -Be "/audit_log/v1/orgs/$($emu.OrgKey)/logs/_queue"; $_.keyId | Should -Be $customId }
    }

    It 'on a Current session reads again while the server says more are queued, and writes every record once' {
        $null = @(Get-CbAuditLog -Session $c)
        $null = Add-Audit @{ count = 2500; description = 'bulk' }
        Clear-EmulatorRequests -Emulator $emu
        $got = @(Get-CbAuditLog -Session $c)
        $got.Count | Should -Be 2500
        Get-Unread | Should -Be 0
        @(Get-AuditRequests).Count | Should -Be 3 -Because '1,000 per read'
        # Each record once: the times were spaced 1 ms apart.
        ($got.TimeUtc | Sort-Object -Unique).Count | Should -Be 2500
    }

    It 'on a Legacy session reads the v3 queue reply after reply until a reply is short or empty, and writes every record once' {
        $null = @(Get-CbAuditLog -Session $l)
        foreach ($case in @(@{ Count = 2500; Reads = 3; Why = '1,000 + 1,000 + a short 500' }, @{ Count = 2000; Reads = 3; Why = '1,000 + 1,000 + an empty reply' })) {
            $null = Add-Audit @{ count = $case.Count; description = 'bulk v3' }
            Clear-EmulatorRequests -Emulator $emu
            $got = [System.Collections.Generic.List[object]]::new()
            Get-CbAuditLog -Session $l | ForEach-Object { $got.Add($_) }
            $got.Count | Should -Be $case.Count
            ($got.EventId | Sort-Object -Unique).Count | Should -Be $case.Count -Because 'each record once'
            $got | ForEach-Object { $_ | Should -BeOfType ([CbDefense.AuditLog]); $_.Session | Should -Be $l }
            (Get-AuditState).v3Queued | Should -Be 0
            $reads = @(Get-AuditRequests)
            $reads.Count | Should -Be $case.Reads -Because $case.Why
            $reads | ForEach-Object { $_.path | Should -Be '/integrationServices/v3/auditlogs'; $_.method | Should -Be 'GET' }
            @(Get-CbAuditLog -Session $l).Count | Should -Be 0
        }
    }

    It '-First stops reading the queue once that many were read, writes the whole last reply, warns, and leaves the rest queued (<Generation>)' -ForEach @(
        @{ Generation = 'Legacy'; Left = 'may hold more' }
        @{ Generation = 'Current'; Left = 'still holds 1?500 record(s)' }
    ) {
        $s = if ($Generation -eq 'Legacy') { $l } else { $c }
        function Get-Queued { if ($Generation -eq 'Legacy') { (Get-AuditState).v3Queued } else { Get-Unread } }
        $null = @(Get-CbAuditLog -Session $s)
        $null = Add-Audit @{ count = 2500; description = 'bulk first' }
        Clear-EmulatorRequests -Emulator $emu
        $w = $null
        $first = @(Get-CbAuditLog -Session $s -First 10 -WarningVariable w -WarningAction SilentlyContinue)
        $first.Count | Should -Be 1000 -Because 'the whole reply was taken from the read-once queue, so none of it is dropped'
        @(Get-AuditRequests).Count | Should -Be 1 -Because '-First 10 was reached by the first reply'
        Get-Queued | Should -Be 1500
        @($w).Count | Should -Be 1
        "$w" | Should -BeLike '*-First 10: wrote all 1?000 records*990 more than -First*none was dropped*' -Because 'numbers in the culture''s format'
        "$w" | Should -BeLike "*Stopped reading the queue at -First 10; it $Left*run Get-CbAuditLog again*"

        $rest = @(Get-CbAuditLog -Session $s -First 5000 -WarningVariable w2)
        $rest.Count | Should -Be 1500
        $w2 | Should -BeNullOrEmpty -Because 'the queue drained before -First was reached'
        Get-Queued | Should -Be 0
        $all = @($first) + @($rest)
        $key = if ($Generation -eq 'Legacy') { 'EventId' } else { 'TimeUtc' }
        ($all.$key | Sort-Object -Unique).Count | Should -Be 2500 -Because 'every record once across the two calls'

        $null = Add-Audit @{ count = 5; description = 'not read' }
        Clear-EmulatorRequests -Emulator $emu
        @(Get-CbAuditLog -Session $s -First 0).Count | Should -Be 0
        Get-AuditRequests | Should -BeNullOrEmpty -Because '-First 0 reads nothing'
        Get-Queued | Should -Be 5
    }

    It 'refuses -Skip and -IncludeTotalCount on the queue before reading (records would be lost)' {
        { Get-CbAuditLog -Session $c -Skip 1 -ErrorAction Stop } | Should -Throw -ErrorId 'QueuePagingNotSupported,CbDefense.Commands.GetCbAuditLogCommand'
        { Get-CbAuditLog -Session $l -Skip 1 -ErrorAction Stop } | Should -Throw '*-StartTime*'
        { Get-CbAuditLog -Session $c -IncludeTotalCount -ErrorAction Stop } | Should -Throw '*queue*'
        { Get-CbAuditLog -Session $l -First 1 -IncludeTotalCount -ErrorAction Stop } | Should -Throw -ErrorId 'QueuePagingNotSupported,CbDefense.Commands.GetCbAuditLogCommand'
        Get-AuditRequests | Should -BeNullOrEmpty
    }

    It 'a server error is an error record with the server''s message, and the queue is left as it was' {
        Set-EmulatorFaults -Emulator $emu -Faults @(@{ kind = 'status'; status = 403; path = '/audit_log/' })
        $unread = Get-Unread
        $e = $null
        try { $null = Get-CbAuditLog -Session $c -ErrorAction Stop } catch { $e = $_ }
        $e | Should -BeOfType ([System.Management.Automation.ErrorRecord])
        $e.FullyQualifiedErrorId | Should -BeLike 'GetAuditLogFailed*'
        $e.Exception.Message | Should -BeLike '*Emulated fault: 403*'
        $e.TargetObject | Should -Be $c
        Get-Unread | Should -Be $unread
    }
}

Describe 'Get-CbAuditLog: the search' {
    BeforeAll {
        Reset-Emulator
        # 40 records an hour apart, from 2026-02-01: 10 flagged, 20 by one actor.
        $script:t0 = [datetime]::new(2026, 2, 1, 0, 0, 0, [DateTimeKind]::Utc)
        $null = Add-Audit @{ count = 20; description = 'Logged in successfully'; actor = 'ann@example.com'; actorIp = '192.0.2.50'; createTime = (Iso $t0); spacingMs = 7200000 }
        $null = Add-Audit @{ count = 10; description = 'Updated connector Splunk'; actor = 'bob@example.com'; actorIp = '192.0.2.60'; createTime = (Iso $t0.AddHours(1)); spacingMs = 7200000 }
        $null = Add-Audit @{ count = 10; description = 'Deleted API key'; actor = 'bob@example.com'; actorIp = '192.0.2.60'; flagged = $true; createTime = (Iso $t0.AddHours(21)); spacingMs = 7200000 }
    }
    BeforeEach { Clear-EmulatorRequests -Emulator $emu; Set-EmulatorFaults -Emulator $emu }

    It 'with a time range returns what the server matches, newest first, typed, and removes nothing from the queue' {
        $unread = Get-Unread
        $start = $t0.AddHours(5); $end = $t0.AddHours(30)
        $got = @(Get-CbAuditLog -Session $c -StartTime $start -EndTime $end)
        $truth = Search-Raw @{ criteria = @{ create_time = @{ start = (Iso $start); end = (Iso $end) } } }
        $truth.Count | Should -Be 26 -Because 'hours 5 to 30, inclusive'
        $got.Count | Should -Be $truth.Count
        $got.Description | Should -Be $truth.description
        $got.Actor | Should -Be $truth.actor
        $times = $got.TimeUtc
        ($times | Sort-Object -Descending) | Should -Be $times
        $times[0] | Should -Be $end
        $times[-1] | Should -Be $start
        $got | ForEach-Object { $_ | Should -BeOfType ([CbDefense.AuditLog]); $_.Session | Should -Be $c; $_.OrgKey | Should -Be $emu.OrgKey }
        Get-Unread | Should -Be $unread
        $raw = (Get-Searches)[0].body
        $raw | Should -Match ('"create_time":{{"start":"{0}","end":"{1}"}}' -f (Iso $start), (Iso $end))
        ($raw | ConvertFrom-Json).sort[0].field | Should -Be 'create_time'
        ($raw | ConvertFrom-Json).sort[0].order | Should -Be 'DESC'
    }

    It 'a start alone searches up to now; local times are sent as UTC' {
        $start = $t0.AddHours(39).ToLocalTime()
        $got = @(Get-CbAuditLog -Session $c -StartTime $start)
        $got.Count | Should -BeGreaterOrEqual 1
        $got.TimeUtc | ForEach-Object { $_ | Should -BeGreaterOrEqual $t0.AddHours(39) }
        $b = (Get-Searches)[0].body
        $b | Should -Match ('"start":"{0}"' -f (Iso $start))
        $b | Should -Match '"end":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"'
    }

    It 'sends -Query, -Actor, -ActorIp, -Flagged and -Criteria as the API names them and returns the matches' {
        $got = @(Get-CbAuditLog -Session $c -Query 'description:Updated*' -Actor 'bob@example.com' -ActorIp '192.0.2.60')
        $got.Count | Should -Be 10
        $got.Description | Sort-Object -Unique | Should -Be 'Updated connector Splunk'
        $b = (Get-Searches)[0].body | ConvertFrom-Json
        $b.query | Should -Be 'description:Updated*'
        $b.criteria.actor | Should -Be @('bob@example.com')
        $b.criteria.actor_ip | Should -Be @('192.0.2.60')

        Clear-EmulatorRequests -Emulator $emu
        $flagged = @(Get-CbAuditLog -Session $c -Flagged -StartTime $t0 -EndTime $t0.AddDays(3))
        $flagged.Count | Should -Be 10
        $flagged | ForEach-Object { $_.Flagged | Should -BeTrue; $_.Description | Should -Be 'Deleted API key' }
        ((Get-Searches)[0].body | ConvertFrom-Json).criteria.flagged | Should -BeTrue
        @(Get-CbAuditLog -Session $c -Flagged:$false -Actor 'bob@example.com').Count | Should -Be 10

        Clear-EmulatorRequests -Emulator $emu
        @(Get-CbAuditLog -Session $c -Criteria @{ description = 'Deleted API key'; verbose = $false }).Count | Should -Be 10
        $b = (Get-Searches)[0].body | ConvertFrom-Json
        $b.criteria.description | Should -Be @('Deleted API key')
        $b.criteria.verbose | Should -BeFalse
    }

    It 'pages exactly with -First, -Skip and -IncludeTotalCount' {
        $all = @(Get-CbAuditLog -Session $c -StartTime $t0 -EndTime $t0.AddDays(3))
        $all.Count | Should -Be 40
        @(Get-CbAuditLog -Session $c -StartTime $t0 -EndTime $t0.AddDays(3) -Skip 7 -First 5).TimeUtc | Should -Be $all[7..11].TimeUtc
        Clear-EmulatorRequests -Emulator $emu
        $out = @(Get-CbAuditLog -Session $c -StartTime $t0 -EndTime $t0.AddDays(3) -First 2 -IncludeTotalCount)
        $records = @($out | Where-Object { $_ -is [CbDefense.AuditLog] })
        $records.TimeUtc | Should -Be $all[0..1].TimeUtc
        [double]($out | Where-Object { $_ -isnot [CbDefense.AuditLog] }).psobject.BaseObject | Should -Be 40
        $s = @(Get-Searches)
        $s.Count | Should -Be 1
        ($s[0].body | ConvertFrom-Json).rows | Should -Be 2 -Because '-First 2 asks for 2 rows'
        Clear-EmulatorRequests -Emulator $emu
        $null = Get-CbAuditLog -Session $c -StartTime $t0 -PageSize 5 | Select-Object -First 1
        @(Get-Searches).Count | Should -Be 1
    }

    It 'pages past the page size with search_after, every record once' {
        $all = @(Get-CbAuditLog -Session $c -StartTime $t0 -EndTime $t0.AddDays(3) -PageSize 15)
        $all.Count | Should -Be 40
        ($all.TimeUtc | Sort-Object -Unique).Count | Should -Be 40
        $s = @(Get-Searches)
        $s.Count | Should -Be 3
        ($s[0].body | ConvertFrom-Json).psobject.Properties.Name | Should -Not -Contain 'search_after'
        ($s[1].body | ConvertFrom-Json).search_after | Should -Not -BeNullOrEmpty
        ($s[2].body | ConvertFrom-Json).search_after | Should -Not -BeNullOrEmpty
        $s | ForEach-Object { ($_.body | ConvertFrom-Json).rows | Should -BeLessOrEqual 15 }
    }

    It 'refuses an inverted time range, and on a Legacy session the search, before sending' {
        { Get-CbAuditLog -Session $c -StartTime (Get-Date) -EndTime (Get-Date).AddDays(-1) -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvertedTimeRange,CbDefense.Commands.GetCbAuditLogCommand'
        { Get-CbAuditLog -Session $c -StartTime $t0 -Criteria @{ create_time = @{ range = '-1d' } } -ErrorAction Stop } | Should -Throw '*not both*'
        { Get-CbAuditLog -Session $l -StartTime $t0 -ErrorAction Stop } | Should -Throw -ErrorId 'AuditLogSearchNeedsCurrentApi,CbDefense.Commands.GetCbAuditLogCommand'
        { Get-CbAuditLog -Session $l -Query 'description:x' -ErrorAction Stop } | Should -Throw '*-ApiGeneration Current*'
        Get-AuditRequests | Should -BeNullOrEmpty
    }

    It 'a server error is an error record with the server''s message' {
        $e = $null
        try { $null = Get-CbAuditLog -Session $c -Criteria @{ nosuchkey = 'x' } -ErrorAction Stop } catch { $e = $_ }
        $e | Should -BeOfType ([System.Management.Automation.ErrorRecord])
        $e.FullyQualifiedErrorId | Should -BeLike 'GetAuditLogsFailed*'
        $e.Exception.Message | Should -BeLike '*criteria.nosuchkey is not a supported key*'
        Set-EmulatorFaults -Emulator $emu -Faults @(@{ kind = 'status'; status = 500; path = '/audit_log/'; method = 'POST' })
        $e = $null
        try { $null = Get-CbAuditLog -Session $c -StartTime $t0 -ErrorAction Stop } catch { $e = $_ }
        $e.FullyQualifiedErrorId | Should -BeLike 'GetAuditLogsFailed*'
        $e.Exception.Message | Should -BeLike '*Emulated fault: 500*'
    }
}

Describe 'Get-CbAuditLog: past the 10,000-record search window' {
    BeforeAll {
        Reset-Emulator
        $null = Add-Audit @{ count = 12000; description = 'bulk' }
    }
    AfterAll { Reset-Emulator }

    It 'reads 12,006 records exactly once with search_after, never asking past the window' {
        Clear-EmulatorRequests -Emulator $emu
        $got = [System.Collections.Generic.List[datetime]]::new()
        Get-CbAuditLog -Session $c -StartTime ([datetime]'2000-01-01') -PageSize 5000 | ForEach-Object { $got.Add($_.TimeUtc) }
        $expected = (Get-AuditState).records
        $expected | Should -Be 12006
        $got.Count | Should -Be $expected
        # The bulk records are 1 ms apart and the seeded ones earlier: every time is distinct.
        [System.Collections.Generic.HashSet[datetime]]::new([datetime[]] $got.ToArray()).Count | Should -Be $expected
        $s = @(Get-Searches)
        $s.Count | Should -Be 3
        foreach ($r in $s) {
            $b = $r.body | ConvertFrom-Json
            ([int]$b.start + [int]$b.rows) | Should -BeLessOrEqual 10000
        }
    }
}
