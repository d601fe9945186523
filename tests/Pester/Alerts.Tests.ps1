# Alerts: Get-CbAlert, Set-CbAlert, the threat workflow and Watch-CbAlert on a Current session (alerts v7, jobs v1)
# and what the legacy generation offers instead, against the emulator; the ground truth is its admin API.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:emu = Start-CbEmulator -Devices 30 -Events 300 -Seed 21 -ExtraArguments @('--job-seconds', '1', '--workflow-seconds', '1')
    $script:c = Connect-TestEmulator -Emulator $emu -Generation Current
    $script:l = Connect-TestEmulator -Emulator $emu -Generation Legacy
    $script:v7 = "$($emu.Uri)/api/alerts/v7/orgs/$($emu.OrgKey)/alerts"
    $script:custom = @{ 'X-Auth-Token' = $emu.CustomToken }
    function script:Search-Raw([hashtable] $Body) {
        Invoke-RestMethod -Method Post -Uri "$v7/_search" -Headers $custom -ContentType 'application/json' -Body ($Body | ConvertTo-Json -Depth 6)
    }
    function script:Get-Searches { @(Get-EmulatorRequests -Emulator $emu | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/alerts/_search' }) }
    function script:Get-Workflows { @(Get-EmulatorRequests -Emulator $emu | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/alerts/workflow' }) }
    function script:Reset-Emulator([hashtable] $Body = @{}) { $null = Invoke-CbEmulatorAdmin -Emulator $emu -Path reset -Method POST -Body $Body }
}
AfterAll {
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    Assert-CbNoSecretLeak
}

Describe 'Get-CbAlert on a Current session' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu }

    It 'returns every alert the v7 search matches, as typed alerts that carry their session' {
        $truth = Search-Raw @{ time_range = @{ range = 'all' }; rows = 10000 }
        $all = @(Get-CbAlert -Session $c -Range all)
        $all.Count | Should -Be $truth.num_found
        ($all.Id | Sort-Object) | Should -Be ($truth.results.id | Sort-Object)
        $a = $all[0]
        $a | Should -BeOfType ([CbDefense.Alert])
        $a.Session | Should -Be $c
        $a.ApiGeneration | Should -Be 'Current'
        $a.BackendTimestamp.Kind | Should -Be 'Local'
        $raw = $truth.results | Where-Object id -eq $a.Id
        $a.Severity | Should -Be $raw.severity
        $a.Status | Should -Be $raw.workflow.status
        $a.DeviceName | Should -Be $raw.device_name
        $a.ThreatId | Should -Be $raw.threat_id
        # Oldest first: the order that lets the search move its window on past 10,000 hits.
        $times = $all.BackendTimestampUtc
        ($times | Sort-Object) | Should -Be $times
    }

    It 'sends the parameters as criteria, the time range at the top, the query and the exclusions as given' {
        $start = (Get-Date).AddDays(-20); $end = (Get-Date).AddDays(-1)
        $got = @(Get-CbAlert -Session $c -StartTime $start -EndTime $end -Type CB_ANALYTICS, watchlist -MinimumSeverity 3 -Status OPEN `
                    -Query 'device_os:WINDOWS OR device_os:LINUX' -Exclusions @{ device_os = 'MAC' } -Criteria @{ device_os = @('WINDOWS', 'LINUX') })
        $raw = (Get-Searches)[0].body
        $b = $raw | ConvertFrom-Json
        # (ConvertFrom-Json turns ISO strings into dates: read the time range as sent)
        $raw | Should -Match ('"start":"{0}"' -f $start.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"))
        $raw | Should -Match ('"end":"{0}"' -f $end.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"))
        $b.criteria.type | Should -Be @('CB_ANALYTICS', 'WATCHLIST')
        $b.criteria.minimum_severity | Should -Be 3
        $b.criteria.workflow_status | Should -Be @('OPEN')
        $b.criteria.device_os | Should -Be @('WINDOWS', 'LINUX')
        $b.exclusions.device_os | Should -Be @('MAC')
        $b.query | Should -Be 'device_os:WINDOWS OR device_os:LINUX'
        $b.start | Should -Be 1
        foreach ($a in $got) {
            $a.Severity | Should -BeGreaterOrEqual 3
            $a.Type | Should -BeIn @('CB_ANALYTICS', 'WATCHLIST')
            $a.DeviceOs | Should -Not -Be 'MAC'
            $a.BackendTimestamp | Should -BeGreaterOrEqual $start.AddMilliseconds(-1)
            $a.BackendTimestamp | Should -BeLessOrEqual $end.AddMilliseconds(1)
        }
        (Get-CbAlert -Session $c -Range '-7d' -First 1 | Out-Null)
        ((Get-Searches)[-1].body | ConvertFrom-Json).time_range.range | Should -Be '-7d'
    }

    It 'refuses a range past the 180 days the API searches, an inverted range and a malformed -Range, before sending' {
        { Get-CbAlert -Session $c -Range '-200d' -ErrorAction Stop } | Should -Throw '*180 days*'
        { Get-CbAlert -Session $c -StartTime (Get-Date).AddDays(-181) -ErrorAction Stop } | Should -Throw '*180 days*'
        { Get-CbAlert -Session $c -StartTime (Get-Date) -EndTime (Get-Date).AddDays(-1) -ErrorAction Stop } | Should -Throw '*before -StartTime*'
        { Get-CbAlert -Session $c -Range 'last week' -ErrorAction Stop } | Should -Throw '*-<number><unit>*'
        Get-Searches | Should -BeNullOrEmpty
    }

    It 'pages exactly with -First, -Skip and -IncludeTotalCount' {
        $all = @(Get-CbAlert -Session $c -Range all)
        @(Get-CbAlert -Session $c -Range all -Skip 3 -First 4).Id | Should -Be $all[3..6].Id
        $withTotal = @(Get-CbAlert -Session $c -Range all -First 2 -IncludeTotalCount)
        $withTotal[0].ToString() | Should -Match "$($all.Count)"
        Clear-EmulatorRequests -Emulator $emu
        $null = Get-CbAlert -Session $c -Range all | Select-Object -First 1
        (Get-Searches).Count | Should -Be 1
    }

    It '-Id gets alerts by id and reports an unknown one as not found' {
        $ids = @(Get-CbAlert -Session $c -Range all -First 2).Id
        $got = @(Get-CbAlert -Session $c -Id ($ids + 'no-such-alert') -ErrorVariable err -ErrorAction SilentlyContinue)
        $got.Id | Should -Be $ids
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'search suggestions come from the v7 route' {
        @(Get-CbAlertSearchSuggestion -Session $c -Query 'dev').Term | Should -Contain 'device_name'
        @(Get-EmulatorRequests -Emulator $emu | Where-Object path -like '/api/alerts/v7/*/search_suggestions').Count | Should -Be 1
    }
}

Describe 'Past the 10,000-hit window' {
    BeforeAll {
        Reset-Emulator @{ alerts = 30000 }
        $script:truth = (Invoke-CbEmulatorAdmin -Emulator $emu -Path 'alerts').alerts
    }
    AfterAll { Reset-Emulator }

    It 'reads 30,000 alerts of one time range exactly once, moving the window on backend_timestamp' {
        Clear-EmulatorRequests -Emulator $emu
        $ids = [System.Collections.Generic.List[string]]::new()
        Get-CbAlert -Session $c -Range all -PageSize 2500 | ForEach-Object { $ids.Add($_.Id) }
        $ids.Count | Should -Be $truth.Count
        # (a HashSet: Select-Object -Unique is quadratic on 30,000 strings)
        [System.Collections.Generic.HashSet[string]]::new([string[]] $ids.ToArray()).Count | Should -Be $ids.Count
        $searches = Get-Searches
        @($searches | Where-Object { ($_.body | ConvertFrom-Json).criteria.backend_timestamp }).Count | Should -BeGreaterThan 1 -Because 'the window moved on at least twice'
        foreach ($s in $searches) {
            $b = $s.body | ConvertFrom-Json
            ($b.start + $b.rows - 1) | Should -BeLessOrEqual 10000
        }
    }

    It 'a sorted search past the window is refused with what to do' {
        { Get-CbAlert -Session $c -Range all -Sort '-severity' -PageSize 5000 -ErrorAction Stop | Out-Null } | Should -Throw '*drop -Sort*'
    }
}

Describe 'Set-CbAlert and the threat workflow on a Current session' {
    BeforeEach { Reset-Emulator; Clear-EmulatorRequests -Emulator $emu }

    It 'closes piped alerts in one request per batch and follows the jobs' {
        Reset-Emulator @{ alerts = 2600 }
        Clear-EmulatorRequests -Emulator $emu
        $alerts = @(Get-CbAlert -Session $c -Range all -Status OPEN -First 2500)
        $alerts.Count | Should -Be 2500
        $statuses = @($alerts | Set-CbAlert -Status CLOSED -ClosureReason RESOLVED -Determination FALSE_POSITIVE -Note 'bulk' -Wait -Confirm:$false)
        $posts = Get-Workflows
        $posts.Count | Should -Be 3 -Because '2,500 ids in batches of 1,000'
        ($posts | ForEach-Object { @(($_.body | ConvertFrom-Json).criteria.id).Count } | Measure-Object -Sum).Sum | Should -Be 2500
        $b = $posts[0].body | ConvertFrom-Json
        $b.status | Should -Be 'CLOSED'
        $b.closure_reason | Should -Be 'RESOLVED'
        $b.determination | Should -Be 'FALSE_POSITIVE'
        $b.note | Should -Be 'bulk'
        $statuses.Count | Should -Be 3
        $statuses | ForEach-Object { $_.IsFinished | Should -BeTrue; $_.IsJob | Should -BeTrue }
        ($statuses | Measure-Object NumSuccess -Sum).Sum | Should -Be 2500
        $after = Get-CbAlert -Session $c -Id $alerts[0].Id, $alerts[-1].Id
        $after.Status | Should -Be @('CLOSED', 'CLOSED')
        $after.ClosureReason | Should -Be @('RESOLVED', 'RESOLVED')
        $after.Determination | Should -Be @('FALSE_POSITIVE', 'FALSE_POSITIVE')
    }

    It '-WhatIf sends nothing, -BatchSize sets the batches' {
        $ids = @(Get-CbAlert -Session $c -Range all -First 10).Id
        Set-CbAlert -Session $c -Id $ids -Status IN_PROGRESS -WhatIf
        Get-Workflows | Should -BeNullOrEmpty
        $null = Set-CbAlert -Session $c -Id $ids -Status IN_PROGRESS -BatchSize 4 -Confirm:$false
        (Get-Workflows).Count | Should -Be 3
    }

    It 'dismisses a threat: v7 for its alerts so far, the v6 route for later ones; remediation text kept in the note' {
        $alert = @(Get-CbAlert -Session $c -Range all -First 1)[0]
        $st = Invoke-CbThreatDismiss -Session $c -ThreatId $alert.ThreatId -Remediation 'Reimaged the host' -Comment 'False positive' -Wait -Confirm:$false
        $st.IsFinished | Should -BeTrue
        $st | Should -BeOfType ([CbDefense.WorkflowStatus])
        $v7 = (Get-Workflows)[0].body | ConvertFrom-Json
        $v7.criteria.threat_id | Should -Be @($alert.ThreatId)
        $v7.status | Should -Be 'CLOSED'
        $v7.closure_reason | Should -Be 'OTHER'
        $v7.note | Should -Be 'False positive Remediation: Reimaged the host'
        $v6 = @(Get-EmulatorRequests -Emulator $emu | Where-Object path -like '*/threat/workflow/_criteria')
        $v6.Count | Should -Be 1
        ($v6[0].body | ConvertFrom-Json).state | Should -Be 'DISMISSED'
        (Get-CbAlert -Session $c -Id $alert.Id).Status | Should -Be 'CLOSED'
        # A later alert of the threat arrives closed: the v6 threat rule.
        $new = (Invoke-CbEmulatorAdmin -Emulator $emu -Path alerts -Method POST -Body @{ count = 1; threatId = $alert.ThreatId; delayMs = 0 }).alerts[0]
        (Get-CbAlert -Session $c -Id $new.id).Status | Should -Be 'CLOSED'
        # Get-CbWorkflowStatus follows the job by its id.
        (Get-CbWorkflowStatus -Session $c -RequestId $st.RequestId).IsFinished | Should -BeTrue
    }

    It 'a job the server fails is an error after its status' {
        $ids = @(Get-CbAlert -Session $c -Range all -First 2).Id
        $st = Set-CbAlert -Session $c -Id $ids -Status CLOSED -Confirm:$false
        $null = Invoke-CbEmulatorAdmin -Emulator $emu -Path "jobs/$($st.RequestId)/fail" -Method POST -Body @{ message = 'Storage unavailable' }
        $final = Get-CbWorkflowStatus -Session $c -RequestId $st.RequestId -Wait -ErrorVariable err -ErrorAction SilentlyContinue
        $final.Failed | Should -BeTrue
        "$($err[0])" | Should -Match 'failed on the server'
    }
}

Describe 'The notification queue on a Current session' {
    It '<Command> says the queue was retired and gives the Watch-CbAlert command line' -ForEach @(
        @{ Command = 'Get-CbNotification'; Line = { Get-CbNotification -Session $c -ErrorAction Stop }; Expect = '*Get-CbAlert*' }
        @{ Command = 'Watch-CbNotification'; Line = { Watch-CbNotification -Session $c -StatePath ./n.state -IntervalSec 30 -ErrorAction Stop }; Expect = "*Watch-CbAlert -StatePath './n.state' -IntervalSec 30*" }
    ) {
        Clear-EmulatorRequests -Emulator $emu
        { & $Line } | Should -Throw $Expect
        @(Get-EmulatorRequests -Emulator $emu | Where-Object path -like '*notification*') | Should -BeNullOrEmpty
    }
}

Describe 'Watch-CbAlert' {
    BeforeEach { Reset-Emulator }

    It 'writes the alerts of its window once, oldest first, and stops at -Count' {
        $from = (Get-Date).AddDays(-30)
        $expected = @(Get-CbAlert -Session $c -StartTime $from -EndTime (Get-Date).AddSeconds(-5)).Id
        $got = @(Watch-CbAlert -Session $c -StartTime $from -LagSec 5 -IntervalSec 1 -Count $expected.Count)
        $got.Id | Should -Be $expected
    }

    It 'goes on through transient failures with a warning' {
        $from = (Get-Date).AddDays(-30)
        Set-EmulatorFaults -Emulator $emu -Faults @(@{ kind = 'status'; status = 503; path = '/api/alerts/v7/'; count = 6; retryAfter = 0 })
        try {
            $got = @(Watch-CbAlert -Session $c -StartTime $from -LagSec 5 -IntervalSec 1 -Count 3 -WarningVariable warn -WarningAction SilentlyContinue)
            $got.Count | Should -Be 3
        }
        finally { Set-EmulatorFaults -Emulator $emu }
    }

    It 'killed mid-stream and started again with the same state file, writes every alert once, late-indexed ones too' {
        Reset-Emulator @{ alerts = 10; alertRate = 240; alertIndexDelayMs = 1500; alertLateShare = 0.3 }
        $state = Join-Path ([IO.Path]::GetTempPath()) "cbalerts-$([guid]::NewGuid().ToString('N')).state"
        $out = "$state.ids"
        $begin = (Get-Date).ToUniversalTime()
        $secret, $id = $emu.CustomToken -split '/', 2
        $runner = "$state.ps1"
        # One script file for every run: a filter (the last run's) keeps only the alerts indexed before it began.
        Set-Content -Path $runner -Value (@(
            'param([string] $Before)'
            "Import-Module '$ModulePath'"
            "`$null = Connect-CbDefense -Uri '$($emu.Uri)' -ApiId '$id' -ApiSecretKey (ConvertTo-SecureString '$secret' -AsPlainText -Force) -OrgKey '$($emu.OrgKey)' -ApiGeneration Current"
            "Watch-CbAlert -StatePath '$state' -StartTime ([datetime]'$($begin.ToString('o'))') -LagSec 3 -IntervalSec 1 |"
            '    Where-Object { -not $Before -or $_.BackendTimestampUtc -le [datetime]::Parse($Before, [cultureinfo]::InvariantCulture, ''RoundtripKind'') } |'
            "    ForEach-Object { Add-Content -Path '$out' -Value `$_.Id }"
        ) -join [Environment]::NewLine)
        $pwsh = Join-Path $PSHOME 'pwsh'
        try {
            foreach ($run in 1..3) {
                $p = Start-Process -FilePath $pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-File', $runner -PassThru
                Start-Sleep -Milliseconds (2500 + 700 * $run)
                $p.Kill()
                $p.WaitForExit()
            }
            # The last run lets the watch catch up past every alert made so far.
            $stopAt = (Get-Date).ToUniversalTime()
            Start-Sleep -Seconds 1
            $p = Start-Process -FilePath $pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-File', $runner, '-Before', $stopAt.ToString('o') -PassThru
            Start-Sleep -Seconds 7
            $p.Kill()
            $p.WaitForExit()
            $written = @(Get-Content $out)
            $served = @((Invoke-CbEmulatorAdmin -Emulator $emu -Path 'alerts?generated=true').alerts |
                Where-Object { ([datetime]$_.backendTimestamp).ToUniversalTime() -ge $begin -and ([datetime]$_.backendTimestamp).ToUniversalTime() -le $stopAt })
            $served.Count | Should -BeGreaterThan 10
            @($served | Where-Object late).Count | Should -BeGreaterThan 0 -Because 'some alerts were indexed late'
            @($written | Group-Object | Where-Object Count -gt 1) | Should -BeNullOrEmpty -Because 'no alert is written twice'
            $missing = @($served.id | Where-Object { $_ -notin $written })
            $missing | Should -BeNullOrEmpty -Because 'no alert is lost'
            $state | Should -Exist
            (Get-Content $state -Raw) | Should -Not -Match ([regex]::Escape($secret))
        }
        finally { Remove-Item $state, $out, $runner, "$state.lock" -ErrorAction SilentlyContinue }
    }
}

Describe 'Alerts on a Legacy session' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu }

    It 'searches the v6 alerts and maps them to the same shape' {
        $all = @(Get-CbAlert -Session $l -Range all)
        $all.Count | Should -BeGreaterThan 0
        $all[0].ApiGeneration | Should -Be 'Legacy'
        $all[0].BackendTimestamp | Should -Not -BeNullOrEmpty
        $all[0].Status | Should -BeIn @('OPEN', 'CLOSED')
        @(Get-Searches | Where-Object path -like '/appservices/v6/*').Count | Should -BeGreaterThan 0
    }

    It 'refuses what v6 cannot express, and Set-CbAlert names its replacement, before sending' {
        { Get-CbAlert -Session $l -Status IN_PROGRESS -ErrorAction Stop } | Should -Throw '*-ApiGeneration Current*'
        { Get-CbAlert -Session $l -Determination TRUE_POSITIVE -ErrorAction Stop } | Should -Throw '*-ApiGeneration Current*'
        Set-CbAlert -Session $l -Id 'x' -Status CLOSED -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -Match 'Invoke-CbThreatDismiss'
        Get-Searches | Should -BeNullOrEmpty
        Get-Workflows | Should -BeNullOrEmpty
    }
}
