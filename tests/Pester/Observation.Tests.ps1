# Get-CbObservation against the emulator's observation search jobs (Current sessions), what a Legacy session says
# instead, and the Get-CbEvent line a Current session is given. The ground truth is the search jobs read without the
# module.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:emu = Start-CbEmulator -Devices 20 -Events 400 -Seed 41 -ExtraArguments @('--observation-job-ms', '300')
    $script:c = Connect-TestEmulator -Emulator $emu -Generation Current
    $script:l = Connect-TestEmulator -Emulator $emu -Generation Legacy
    $script:custom = @{ 'X-Auth-Token' = $emu.CustomToken }
    function script:Reset-Emulator([hashtable] $Body = @{}) { $null = Invoke-CbEmulatorAdmin -Emulator $emu -Path reset -Method POST -Body $Body }
    function script:Get-ObsRequests { @(Get-EmulatorRequests -Emulator $emu -Last 5000 | Where-Object path -like '/api/investigate/*') }
    function script:Get-Jobs { @(Get-ObsRequests | Where-Object method -eq 'POST') }
    # One search job read without the module: its reply once done, with every row it kept.
    function script:Search-Raw([hashtable] $Body = @{}, $Emulator = $emu) {
        $jobs = "$($Emulator.Uri)/api/investigate/v2/orgs/$($Emulator.OrgKey)/observations/search_jobs"
        $b = $Body.Clone(); if (-not $b.ContainsKey('rows')) { $b.rows = 10000 }
        $id = (Invoke-RestMethod -Method Post -Uri $jobs -Headers $custom -ContentType 'application/json' -Body ($b | ConvertTo-Json -Depth 6)).job_id
        do {
            Start-Sleep -Milliseconds 100
            $r = Invoke-RestMethod -Uri "$jobs/$id/results?rows=0" -Headers $custom
        } until ($r.contacted -gt 0 -and $r.completed -eq $r.contacted)
        Invoke-RestMethod -Uri "$jobs/$id/results?rows=10000" -Headers $custom
    }
    $script:truth = Search-Raw
    $script:raw = @($truth.results)
    function script:Iso([datetime] $t) { $t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'") }
    function script:Ms($t) { [DateTimeOffset]::new($t.ToUniversalTime()).ToUnixTimeMilliseconds() }
}
AfterAll {
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    Assert-CbNoSecretLeak
}

Describe 'Get-CbObservation on a Current session' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu; Set-EmulatorFaults -Emulator $emu }

    It 'returns every observation the job matches once, newest first, typed, carrying the session' {
        $raw.Count | Should -Be $truth.num_found
        $all = @(Get-CbObservation -Session $c)
        $all.Count | Should -Be $truth.num_found
        $all.ObservationId | Should -Be $raw.observation_id
        $o = $all[0]; $r = $raw[0]
        $o | Should -BeOfType ([CbDefense.Observation])
        $o.Session | Should -Be $c
        $o.Type | Should -Be $r.observation_type
        $o.Description | Should -Be $r.observation_description
        $o.DeviceId | Should -Be $r.device_id
        $o.DeviceName | Should -Be $r.device_name
        $o.DevicePolicy | Should -Be $r.device_policy
        $o.DevicePolicyId | Should -Be $r.device_policy_id
        $o.ProcessName | Should -Be $r.process_name
        $o.ProcessHash | Should -Be $r.process_hash
        $o.ProcessSha256 | Should -Be ($r.process_hash | Where-Object Length -eq 64)
        $o.ProcessPid | Should -Be $r.process_pid
        $o.ProcessUsername | Should -Be $r.process_username
        $o.ProcessGuid | Should -Be $r.process_guid
        $o.ParentPid | Should -Be $r.parent_pid
        $o.ParentGuid | Should -Be $r.parent_guid
        $o.EventType | Should -Be $r.event_type
        $o.EventId | Should -Be $r.event_id
        $o.EventDescription | Should -Be $r.event_description
        $o.AlertCategory | Should -Be $r.alert_category
        $o.DeviceTimestamp.Kind | Should -Be 'Local'
        $o.DeviceTimestampUtc.Kind | Should -Be 'Utc'
        $o.DeviceTimestampUtc | Should -Be ([datetime]$r.device_timestamp).ToUniversalTime()
        $o.BackendTimestampUtc | Should -Be ([datetime]$r.backend_timestamp).ToUniversalTime()
        $o.AdditionalProperties['ingress_time'] | Should -Be $r.ingress_time
        # An observation of an alert: AlertId is the alert's id.
        $withAlert = $all | Where-Object AlertId | Select-Object -First 1
        $withAlert | Should -Not -BeNullOrEmpty
        $withAlert.AlertId | Should -Be ($raw | Where-Object observation_id -eq $withAlert.ObservationId).alert_id
        ($all.DeviceTimestampUtc | Sort-Object -Descending) | Should -Be $all.DeviceTimestampUtc
    }

    It 'starts one job, polls it until completed equals contacted, and pages its results by -PageSize' {
        $all = @(Get-CbObservation -Session $c -PageSize 100)
        $all.Count | Should -Be $raw.Count
        $reqs = Get-ObsRequests
        $jobs = @($reqs | Where-Object method -eq 'POST')
        $jobs.Count | Should -Be 1
        $jobs[0].path | Should -Be "/api/investigate/v2/orgs/$($emu.OrgKey)/observations/search_jobs"
        $b = $jobs[0].body | ConvertFrom-Json
        $b.rows | Should -Be 10000
        $b.sort[0].field | Should -Be 'device_timestamp'
        $b.sort[0].order | Should -Be 'DESC'
        $b.fields | Should -Be @('*')
        $b.query | Should -Be ''
        $gets = @($reqs | Where-Object method -eq 'GET')
        $polls = @($gets | Where-Object { $_.query -notmatch 'start=' })
        $pages = @($gets | Where-Object { $_.query -match 'start=' })
        $polls.Count | Should -BeGreaterThan 1 -Because 'the job takes 300 ms'
        $pages.Count | Should -Be ([math]::Ceiling($raw.Count / 100))
        $pages | ForEach-Object { $_.path | Should -BeLike '*/search_jobs/*/results' }
        $pages[0].query | Should -Match '^(?=.*[?&]start=0(&|$))(?=.*[?&]rows=100(&|$))'
        $pages[1].query | Should -Match '^(?=.*[?&]start=100(&|$))(?=.*[?&]rows=100(&|$))'
    }

    It 'shows the job''s progress (searchers completed of contacted) while it waits' {
        $h = [CbTest.CaptureHost]::new()
        $rs = [runspacefactory]::CreateRunspace($h); $rs.Open()
        $ps = [powershell]::Create(); $ps.Runspace = $rs
        try {
            $secret, $id = $emu.CustomToken -split '/', 2
            $null = $ps.AddScript("`$ProgressPreference = 'Continue'; Import-Module '$script:ModulePath'; `$s = Connect-CbDefense -Uri '$($emu.Uri)' -ApiId '$id' -ApiSecretKey (ConvertTo-SecureString '$secret' -AsPlainText -Force) -OrgKey '$($emu.OrgKey)' -ApiGeneration Current; Get-CbObservation -Session `$s -First 5")
            $out = @($ps.Invoke())
            $out.Count | Should -Be 5
            $job = @($ps.Streams.Progress | Where-Object { $_.Activity -eq 'Get-CbObservation' -and $_.StatusDescription -like 'Search job*' })
            $job.Count | Should -BeGreaterThan 0
            @($job | Where-Object StatusDescription -match 'Search job 1: \d+ of 8 searchers completed').Count | Should -BeGreaterThan 0
            $job | ForEach-Object { $_.PercentComplete | Should -BeLessOrEqual 100 }
            @($ps.Streams.Progress | Where-Object { $_.RecordType -eq 'Completed' }).Count | Should -BeGreaterThan 0
        }
        finally { $ps.Dispose(); $rs.Dispose() }
    }

    It 'sends the filters as criteria, patterns as the query, and returns what the server matches: <What>' -ForEach @(
        @{ What = 'device name'; Params = { @{ DeviceName = $raw[0].device_name } }; Key = 'device_name'; Value = { , @($raw[0].device_name) }
           Match = { param($o) $o.device_name -eq $raw[0].device_name } }
        @{ What = 'device id'; Params = { @{ DeviceId = [long]$raw[1].device_id } }; Key = 'device_id'; Value = { , @([long]$raw[1].device_id) }
           Match = { param($o) $o.device_id -eq $raw[1].device_id } }
        @{ What = 'process name'; Params = { @{ ProcessName = ($raw[2].process_name -split '[\\/]')[-1] } }; Key = 'process_name'; Value = { , @(($raw[2].process_name -split '[\\/]')[-1]) }
           Match = { param($o) ($o.process_name -split '[\\/]')[-1] -eq ($raw[2].process_name -split '[\\/]')[-1] } }
        @{ What = 'process SHA-256 (lower case)'; Params = { @{ ProcessSha256 = ($raw[3].process_hash | Where-Object Length -eq 64).ToUpper() } }; Key = 'process_hash'
           Value = { , @($raw[3].process_hash | Where-Object Length -eq 64) }; Match = { param($o) $o.process_hash -contains ($raw[3].process_hash | Where-Object Length -eq 64) } }
        @{ What = 'event type'; Params = { @{ EventType = 'NETCONN' } }; Key = 'event_type'; Value = { , @('netconn') }; Match = { param($o) $o.event_type -contains 'netconn' } }
        @{ What = 'alert id'; Params = { @{ AlertId = @($raw | Where-Object alert_id)[0].alert_id[0] } }; Key = 'alert_id'; Value = { , @(@($raw | Where-Object alert_id)[0].alert_id[0]) }
           Match = { param($o) $o.alert_id -contains @($raw | Where-Object alert_id)[0].alert_id[0] } }
    ) {
        $p = & $Params
        $got = @(Get-CbObservation -Session $c @p)
        $b = (Get-Jobs)[0].body | ConvertFrom-Json
        $b.criteria.$Key | Should -Be (& $Value)
        $expected = @($raw | Where-Object { & $Match $_ })
        $expected.Count | Should -BeGreaterThan 0
        ($got.ObservationId | Sort-Object) | Should -Be ($expected.observation_id | Sort-Object)
    }

    It 'a device name with a wildcard is a query term; -Query, -Criteria and -Exclusions are sent as given' {
        $name = $raw[0].device_name
        $prefix = $name.Substring(0, $name.Length - 2)
        $got = @(Get-CbObservation -Session $c -DeviceName "$prefix*" -Query 'event_type:netconn OR event_type:childproc' `
                    -Criteria @{ observation_type = 'CONTEXTUAL_ACTIVITY', 'CB_ANALYTICS' } -Exclusions @{ device_policy = 'Mac_Laptops' })
        $b = (Get-Jobs)[0].body | ConvertFrom-Json
        # (the search language's special characters in the name are escaped, the wildcard is kept)
        $b.query | Should -Be "(event_type:netconn OR event_type:childproc) AND device_name:$($prefix -replace '([-+&|!(){}\[\]^"~?:\\/ ])', '\$1')*"
        $b.criteria.observation_type | Should -Be @('CONTEXTUAL_ACTIVITY', 'CB_ANALYTICS')
        $b.exclusions.device_policy | Should -Be @('Mac_Laptops')
        $expected = @($raw | Where-Object { $_.device_name -like "$prefix*" -and ($_.event_type -contains 'netconn' -or $_.event_type -contains 'childproc') -and
                                            $_.observation_type -in 'CONTEXTUAL_ACTIVITY', 'CB_ANALYTICS' -and $_.device_policy -ne 'Mac_Laptops' })
        ($got.ObservationId | Sort-Object) | Should -Be ($expected.observation_id | Sort-Object)
    }

    It 'sends the time range on device_timestamp, inclusive at both ends' {
        $t = ([datetime]$raw[10].device_timestamp).ToUniversalTime()
        $got = @(Get-CbObservation -Session $c -StartTime $t -EndTime $t)
        $got.ObservationId | Should -Contain $raw[10].observation_id
        $got | ForEach-Object { $_.DeviceTimestampUtc | Should -Be $t }
        $b = (Get-Jobs)[0].body
        $b | Should -Match ('"time_range":{{"start":"{0}","end":"{0}"}}' -f (Iso $t))
        $start = ([datetime]$raw[40].device_timestamp).ToUniversalTime(); $end = ([datetime]$raw[5].device_timestamp).ToUniversalTime()
        $range = @(Get-CbObservation -Session $c -StartTime $start.ToLocalTime() -EndTime $end)
        $expected = @($raw | Where-Object { $d = ([datetime]$_.device_timestamp).ToUniversalTime(); $d -ge $start -and $d -le $end })
        $range.ObservationId | Should -Be $expected.observation_id
    }

    It 'pages exactly with -First, -Skip and -IncludeTotalCount' {
        @(Get-CbObservation -Session $c -Skip 13 -First 7 -PageSize 5).ObservationId | Should -Be $raw[13..19].observation_id
        Clear-EmulatorRequests -Emulator $emu
        $out = @(Get-CbObservation -Session $c -First 3 -IncludeTotalCount)
        @($out | Where-Object { $_ -is [CbDefense.Observation] }).ObservationId | Should -Be $raw[0..2].observation_id
        [double]($out | Where-Object { $_ -isnot [CbDefense.Observation] }).psobject.BaseObject | Should -Be $raw.Count
        ((Get-Jobs)[0].body | ConvertFrom-Json).rows | Should -Be 3 -Because 'the job keeps only the rows asked for'
        Clear-EmulatorRequests -Emulator $emu
        $null = Get-CbObservation -Session $c -PageSize 10 | Select-Object -First 1
        @(Get-ObsRequests | Where-Object { $_.query -match 'start=' }).Count | Should -Be 1
    }

    It 'searches piped devices together in one job' {
        $devices = @(Get-CbDevice -Session $c -First 3)
        $got = @($devices | Get-CbObservation -Session $c)
        $jobs = Get-Jobs
        $jobs.Count | Should -Be 1
        (($jobs[0].body | ConvertFrom-Json).criteria.device_id | Sort-Object) | Should -Be ($devices.DeviceId | Sort-Object)
        $expected = @($raw | Where-Object { $_.device_id -in $devices.DeviceId })
        ($got.ObservationId | Sort-Object) | Should -Be ($expected.observation_id | Sort-Object)
    }

    It 'refuses an inverted time range before sending' {
        { Get-CbObservation -Session $c -StartTime (Get-Date) -EndTime (Get-Date).AddDays(-1) -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvertedTimeRange,CbDefense.Commands.GetCbObservationCommand'
        Get-ObsRequests | Should -BeNullOrEmpty
    }

    It 'a server error is an error record with the server''s message' {
        $e = $null
        try { $null = Get-CbObservation -Session $c -Criteria @{ nosuchfield = 'x' } -ErrorAction Stop } catch { $e = $_ }
        $e | Should -BeOfType ([System.Management.Automation.ErrorRecord])
        $e.FullyQualifiedErrorId | Should -BeLike 'GetObservationsFailed*'
        $e.Exception.Message | Should -BeLike '*nosuchfield*'
        Set-EmulatorFaults -Emulator $emu -Faults @(@{ kind = 'status'; status = 403; path = '/api/investigate/'; method = 'GET' })
        $e = $null
        try { $null = Get-CbObservation -Session $c -ErrorAction Stop } catch { $e = $_ }
        $e.FullyQualifiedErrorId | Should -BeLike 'GetObservationsFailed*'
        $e.Exception.Message | Should -BeLike '*Emulated fault: 403*'
    }

    It 'a job that does not finish within -TimeoutSec is a timeout error naming -TimeoutSec' {
        Reset-Emulator @{ observationJobMs = 60000 }
        try {
            $e = $null
            $sw = [Diagnostics.Stopwatch]::StartNew()
            try { $null = Get-CbObservation -Session $c -TimeoutSec 1 -ErrorAction Stop } catch { $e = $_ }
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
            $e.Exception.Message | Should -BeLike '*-TimeoutSec*'
        }
        finally { Reset-Emulator }
    }
}

Describe 'Past the 10,000 rows a job keeps' {
    BeforeAll {
        $script:big = Start-CbEmulator -Devices 20 -Events 12500 -Seed 42 -ExtraArguments @('--observation-job-ms', '0')
        $script:bigC = Connect-TestEmulator -Emulator $big -Generation Current
        # Every observation: the 10,000 newest and the 10,000 oldest of one job each cover all of at most 20,000.
        $desc = Search-Raw @{} $big
        $asc = Search-Raw @{ sort = @(@{ field = 'device_timestamp'; order = 'ASC' }) } $big
        $script:bigTotal = $desc.num_found
        $script:bigIds = [System.Collections.Generic.HashSet[string]]::new([string[]] (@($desc.results.observation_id) + @($asc.results.observation_id)))
    }
    AfterAll {
        if ($bigC) { Disconnect-CbDefense -Session $bigC }
        if ($big) { Stop-CbEmulator $big }
    }

    It 'splits the time range so that every one of more than 10,000 observations comes once' {
        $bigTotal | Should -BeGreaterThan 10000
        $bigIds.Count | Should -Be $bigTotal
        Clear-EmulatorRequests -Emulator $big
        $ids = [System.Collections.Generic.List[string]]::new()
        Get-CbObservation -Session $bigC -PageSize 5000 | ForEach-Object { $ids.Add($_.ObservationId) }
        $ids.Count | Should -Be $bigTotal
        $got = [System.Collections.Generic.HashSet[string]]::new([string[]] $ids.ToArray())
        $got.Count | Should -Be $bigTotal -Because 'none comes twice'
        $got.SetEquals($bigIds) | Should -BeTrue
        $jobs = @(Get-EmulatorRequests -Emulator $big -Last 5000 | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/search_jobs' })
        $jobs.Count | Should -Be 2
        $second = $jobs[1].body | ConvertFrom-Json
        $jobs[1].body | Should -Match '"time_range":{"end":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"}'
        foreach ($j in $jobs) { ($j.body | ConvertFrom-Json).rows | Should -BeLessOrEqual 10000 }
    }

    It 'splits within the user''s time range and stays inside it' {
        $all = Search-Raw @{} $big
        $end = ([datetime]$all.results[100].device_timestamp).ToUniversalTime()
        $start = $end.AddDays(-3000)
        $n = (Search-Raw @{ rows = 0; time_range = @{ start = (Iso $start); end = (Iso $end) } } $big).num_found
        $n | Should -BeGreaterThan 10000
        $got = @(Get-CbObservation -Session $bigC -StartTime $start -EndTime $end -PageSize 10000)
        $got.Count | Should -Be $n
        ($got.ObservationId | Sort-Object -Unique).Count | Should -Be $n
        $got | Where-Object { $_.DeviceTimestampUtc -gt $end -or $_.DeviceTimestampUtc -lt $start } | Should -BeNullOrEmpty
    }
}

Describe 'Generations: observations and events' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu }

    It 'Get-CbObservation on a Legacy session is an error naming Get-CbEvent, and sends nothing' {
        { Get-CbObservation -Session $l -ErrorAction Stop } | Should -Throw -ErrorId 'ObservationsNeedCurrentApi,CbDefense.Commands.GetCbObservationCommand'
        { Get-CbObservation -Session $l -ErrorAction Stop } | Should -Throw '*Get-CbEvent*'
        Get-EmulatorRequests -Emulator $emu | Should -BeNullOrEmpty
    }

    It 'Get-CbEvent on a Current session is an error with the equivalent Get-CbObservation command line, and sends nothing' {
        $e = $null
        try { Get-CbEvent -Session $c -HostNameExact 'WIN-FIN-0001' -ApplicationName 'powershell.exe' -SearchWindow 1d -First 5 -ErrorAction Stop } catch { $e = $_ }
        $e.FullyQualifiedErrorId | Should -Be 'EventsRetired,CbDefense.Commands.GetCbEventCommand'
        $line = "Get-CbObservation -DeviceName 'WIN-FIN-0001' -ProcessName 'powershell.exe' -StartTime (Get-Date).AddDays(-1) -First 5"
        $e.Exception.Message | Should -BeLike "*$([WildcardPattern]::Escape($line))*"
        Get-EmulatorRequests -Emulator $emu | Should -BeNullOrEmpty
        # The line it gives runs, and finds what the same search asks.
        $run = $e.Exception.Message.Substring($e.Exception.Message.IndexOf('Get-CbObservation -'))
        { Invoke-Expression ($run + ' -Session $c') } | Should -Not -Throw
    }
}
