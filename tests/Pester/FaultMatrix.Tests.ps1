# The fault matrix (issue 13 §1): every cmdlet family × every emulator fault × both API generations, each cell checked
# against the emulator's ground truth (its admin API and request log), never against the module's own view.
#
# What each cell expects follows the transport's documented retry policy (src/CbDefense.Core/Http/Transport.cs,
# docs/architecture.md): 429 and 503 are retried for every request; 500, 502, 504, connection failures, resets and
# replies cut short are retried only for requests safe to repeat (GET, PUT, DELETE, searches); a timeout fails at once.
# So a transient fault (one firing, `count = 1`) must be invisible on a read and on a 429/503, and must fail a change
# (a POST) clearly, without sending it again; the HTML page and the latency past -TimeoutSec are persistent and must
# fail clearly everywhere.
#   Ok      every object exactly once / the change applied exactly once, no error
#   Fail    an ErrorRecord (a warning for the watchers, which go on) with the server's message or a clear text; the
#           change not applied, or - when the server may have acted (a reply lost after the handler ran) - applied at
#           most once and the error saying it may have been applied
#   Either  (a change under a reply lost after the handler ran) Ok, or Fail as above
BeforeDiscovery {
    $script:faultNames = @('429', '500', '502', '503', '504', 'reset-before', 'reset-mid-body', 'truncated', 'html', 'latency')
    $families = [ordered]@{
        'device list'    = 'Legacy', 'Current'
        'device actions' = 'Legacy', 'Current'
        'policy changes' = 'Legacy', 'Current'
        'events'         = 'Legacy', 'Current'
        'alerts'         = 'Legacy', 'Current'
        'threat workflow' = 'Legacy', 'Current'
        'watch'          = 'Legacy', 'Current'
        'LR commands'    = 'Legacy', 'Current'
        'LR transfer'    = 'Legacy', 'Current'
    }
    $script:cells = foreach ($f in $families.Keys) {
        foreach ($g in $families[$f]) { foreach ($k in $faultNames) { @{ Family = $f; Generation = $g; Fault = $k } } }
    }
    # To run some cells only (while debugging one): CB_FAULTMATRIX_CELLS='watch|Legacy|*' (family|generation|fault, wildcards).
    if ($env:CB_FAULTMATRIX_CELLS) { $script:cells = @($cells | Where-Object { "$($_.Family)|$($_.Generation)|$($_.Fault)" -like $env:CB_FAULTMATRIX_CELLS }) }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:clock = [Diagnostics.Stopwatch]::StartNew()
    $script:emu = Start-CbEmulator -Devices 8 -Events 40 -Seed 13 -ExtraArguments @(
        '--alerts', '6', '--job-seconds', '0', '--workflow-seconds', '0', '--observation-job-ms', '100',
        '--lr-session-delay-ms', '50', '--lr-command-delay-ms', '10', '--lr-large-file-mb', '1')
    $script:org = $emu.OrgKey
    $script:Results = @{}
    $script:Notes = [System.Collections.Generic.List[string]]::new()
    # Two retries are enough for one firing; a persistent fault then gives up within about a second.
    $common = @{ MaximumRetryCount = 2 }
    $script:sessions = @{
        Legacy  = Connect-TestEmulator -Emulator $emu -Generation Legacy -Extra (@{ TimeoutSec = 20 } + $common)
        Current = Connect-TestEmulator -Emulator $emu -Generation Current -Extra (@{ TimeoutSec = 20 } + $common)
        LegacySiem = Connect-TestEmulator -Emulator $emu -Token $emu.SiemToken -Extra (@{ TimeoutSec = 20 } + $common)
        LegacyLr = Connect-TestEmulator -Emulator $emu -Token $emu.LrToken -Extra (@{ TimeoutSec = 20 } + $common)
    }
    # The latency column: sessions with a small -TimeoutSec, and a delay well past it.
    $script:quick = @{
        Legacy  = Connect-TestEmulator -Emulator $emu -Generation Legacy -Extra (@{ TimeoutSec = 1 } + $common)
        Current = Connect-TestEmulator -Emulator $emu -Generation Current -Extra (@{ TimeoutSec = 1 } + $common)
        LegacySiem = Connect-TestEmulator -Emulator $emu -Token $emu.SiemToken -Extra (@{ TimeoutSec = 1 } + $common)
        LegacyLr = Connect-TestEmulator -Emulator $emu -Token $emu.LrToken -Extra (@{ TimeoutSec = 1 } + $common)
    }
    $script:api = @{ 'X-Auth-Token' = $emu.ApiToken }
    $script:custom = @{ 'X-Auth-Token' = $emu.CustomToken }
    $script:tmp = Join-Path ([IO.Path]::GetTempPath()) "cbfaults-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory $tmp

    # --- the ground truth, straight from the API (no faults in force) or the admin API ---
    function script:Raw([string] $Path, [string] $Method = 'GET', $Body, $Headers = $api) {
        $p = @{ Uri = "$($emu.Uri)$Path"; Method = $Method; Headers = $Headers }
        if ($null -ne $Body) { $p.Body = ($Body | ConvertTo-Json -Depth 8 -Compress); $p.ContentType = 'application/json' }
        Invoke-RestMethod @p
    }
    function script:Get-Requests { @(Get-EmulatorRequests -Emulator $emu -Last 5000) }
    function script:Get-Lr([string] $Path) { Invoke-CbEmulatorAdmin -Emulator $emu -Path "lr/$Path" }
    function script:Raw-Observations {
        $job = Raw "/api/investigate/v2/orgs/$org/observations/search_jobs" POST @{ query = ''; rows = 10000 } $custom
        $deadline = (Get-Date).AddSeconds(20)
        do {
            Start-Sleep -Milliseconds 100
            $r = Raw "/api/investigate/v2/orgs/$org/observations/search_jobs/$($job.job_id)/results?start=0&rows=10000" -Headers $custom
        } while (($r.contacted -eq 0 -or $r.completed -lt $r.contacted) -and (Get-Date) -lt $deadline)
        @($r.results.observation_id)
    }
    function script:Raw-AlertIds([string] $Generation) {
        if ($Generation -eq 'Current') { @((Raw "/api/alerts/v7/orgs/$org/alerts/_search" POST @{ time_range = @{ range = 'all' }; rows = 10000 } $custom).results.id) }
        else { @((Raw "/appservices/v6/orgs/$org/alerts/_search" POST @{ rows = 10000 }).results.id) }
    }
    # Exactly once: the same multiset as the truth.
    function script:Test-ExactlyOnce($Got, $Truth) {
        $g = @($Got | ForEach-Object { "$_" } | Sort-Object)
        $t = @($Truth | ForEach-Object { "$_" } | Sort-Object)
        ($g -join ',') -eq ($t -join ',')
    }
    function script:Test-NoDuplicate($Got) { $a = @($Got | ForEach-Object { "$_" }); @($a | Sort-Object -Unique).Count -eq $a.Count }

    $lrRoot = @{ Legacy = '/integrationServices/v3/cblr'; Current = "/appservices/v6/orgs/$org/liveresponse" }
    function script:Open-Lr($s, [string] $Generation, [long] $DeviceId) {
        $lr = New-CbLiveResponseSession -Session $s -DeviceId $DeviceId -Confirm:$false
        $path = if ($Generation -eq 'Legacy') { "$($lrRoot.Legacy)/session/$($lr.Id)" } else { "$($lrRoot.Current)/sessions/$($lr.Id)" }
        @{ Lr = $lr; Path = $path }
    }

    # --- the families: Rules (where the fault goes), Write (a change that is not safe to repeat), Setup, Act, Verify ---
    # Setup runs with no fault in force and returns the cell's context; Act runs the cmdlet under the fault and
    # returns its output; Verify (no fault in force again) returns @{ Complete; Unchanged; Duplicate; Note }.
    $script:Families = @{
        'device list' = @{
            Write = $false
            Rules = @{ Legacy = @(@{ path = '/integrationServices/v3/device' }); Current = @(@{ path = "/appservices/v6/orgs/$org/devices/_search" }) }
            Setup = { param($s, $gen) @{ Truth = @((Raw '/integrationServices/v3/device?rows=5000').results.deviceId) } }
            Act = { param($s, $gen, $c) Get-CbDevice -Session $s -PageSize 3 -ErrorAction Continue }
            Verify = { param($gen, $c, $out) @{ Complete = (Test-ExactlyOnce $out.DeviceId $c.Truth); Unchanged = $true; Duplicate = -not (Test-NoDuplicate $out.DeviceId) } }
        }
        'device actions' = @{
            Write = $true
            Rules = @{ Legacy = @(@{ path = "/appservices/v6/orgs/$org/device_actions" }); Current = @(@{ path = "/appservices/v6/orgs/$org/device_actions" }) }
            Setup = { param($s, $gen)
                $ids = @((Raw '/integrationServices/v3/device?rows=5000').results | Where-Object { $_.status -notin 'UNINSTALLED', 'DEREGISTERED' -and -not $_.quarantined } | Select-Object -First 3 -ExpandProperty deviceId)
                @{ Ids = $ids; Devices = @(Get-CbDevice -Session $s -Id $ids) } }
            Act = { param($s, $gen, $c) $c.Devices | Set-CbDeviceQuarantine -Enabled $true -Confirm:$false -ErrorAction Continue }
            Verify = { param($gen, $c, $out, $err)
                $q = @($c.Ids | ForEach-Object { (Raw "/integrationServices/v3/device/$_").deviceInfo.quarantined })
                $posts = @(Get-Requests | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/device_actions' })
                $handled = @($posts | Where-Object { $_.status -lt 400 })
                # Every id is either done or named by an error: none lost.
                $named = @($err | ForEach-Object TargetObject | ForEach-Object { if ($_ -is [CbDefense.Device]) { $_.DeviceId } else { $_ } })
                $lost = @($c.Ids | Where-Object { -not $q[[array]::IndexOf($c.Ids, $_)] -and $_ -notin $named })
                @{ Complete = -not ($q -contains $false); Unchanged = -not ($q -contains $true); Duplicate = $handled.Count -gt 1; Lost = $lost.Count -gt 0 } }
        }
        'policy changes' = @{
            Write = $true
            # Set-CbPolicy is a PUT (safe to repeat), Add-CbPolicyRule a POST: each gets the fault once.
            Rules = @{
                Legacy  = @(@{ path = '/integrationServices/v3/policy'; method = 'PUT' }, @{ path = '/integrationServices/v3/policy'; method = 'POST' })
                Current = @(@{ path = "/policyservice/v1/orgs/$org/policies"; method = 'PUT' }, @{ path = "/policyservice/v1/orgs/$org/policies"; method = 'POST' })
            }
            Setup = { param($s, $gen)
                $p = Get-CbPolicy -Session $s -Name Developers
                $p.Description = "fault matrix $([guid]::NewGuid().ToString('N').Substring(0, 8))"
                @{ Policy = $p; Id = $p.Id; Rules = @((Raw "/integrationServices/v3/policy/$($p.Id)").policyInfo.policy.rules).Count; Old = (Raw "/integrationServices/v3/policy/$($p.Id)").policyInfo.description } }
            Act = { param($s, $gen, $c)
                $c.Policy | Set-CbPolicy -ErrorAction Continue
                Add-CbPolicyRule -Session $s -PolicyId $c.Id -Operation RUN -ApplicationType NAME_PATH -ApplicationValue '**\faultmatrix.exe' -Action DENY -ErrorAction Continue }
            Verify = { param($gen, $c, $out, $err)
                $info = (Raw "/integrationServices/v3/policy/$($c.Id)").policyInfo
                $added = @($info.policy.rules | Where-Object { $_.application.value -eq '**\faultmatrix.exe' }).Count
                $desc = $info.description -eq $c.Policy.Description
                # The PUT is safe to repeat: it must have gone through under every transient fault.
                $putOk = $desc -or $c.Fault -in 'html', 'latency'
                @{ Complete = $desc -and $added -eq 1; Unchanged = $added -eq 0 -and $putOk; Duplicate = $added -gt 1 } }
        }
        'events' = @{
            Write = $false
            Rules = @{ Legacy = @(@{ path = '/integrationServices/v3/event' }); Current = @(@{ path = "/api/investigate/v2/orgs/$org/observations" }) }
            Setup = { param($s, $gen)
                if ($gen -eq 'Legacy') { @{ Truth = @((Raw '/integrationServices/v3/event?rows=10000').results.eventId) } }
                else { @{ Truth = Raw-Observations } } }
            Act = { param($s, $gen, $c)
                if ($gen -eq 'Legacy') { Get-CbEvent -Session $s -PageSize 15 -ErrorAction Continue }
                else { Get-CbObservation -Session $s -PageSize 15 -ErrorAction Continue } }
            Verify = { param($gen, $c, $out)
                $ids = if ($gen -eq 'Legacy') { $out.EventId } else { $out.ObservationId }
                @{ Complete = (Test-ExactlyOnce $ids $c.Truth); Unchanged = $true; Duplicate = -not (Test-NoDuplicate $ids) } }
        }
        'alerts' = @{
            Write = $false
            Rules = @{ Legacy = @(@{ path = "/appservices/v6/orgs/$org/alerts/_search" }); Current = @(@{ path = "/api/alerts/v7/orgs/$org/alerts/_search" }) }
            Setup = { param($s, $gen) @{ Truth = Raw-AlertIds $gen } }
            Act = { param($s, $gen, $c)
                if ($gen -eq 'Legacy') { Get-CbAlert -Session $s -PageSize 4 -ErrorAction Continue } else { Get-CbAlert -Session $s -Range all -PageSize 4 -ErrorAction Continue } }
            Verify = { param($gen, $c, $out) @{ Complete = (Test-ExactlyOnce $out.Id $c.Truth); Unchanged = $true; Duplicate = -not (Test-NoDuplicate $out.Id) } }
        }
        'threat workflow' = @{
            Write = $true
            Rules = @{ Legacy = @(@{ path = "/appservices/v6/orgs/$org/threat/workflow/_criteria" }); Current = @(@{ path = "/api/alerts/v7/orgs/$org/alerts/workflow" }) }
            Setup = { param($s, $gen)
                $a = @((Raw "/appservices/v6/orgs/$org/alerts/_search" POST @{ rows = 100 }).results | Where-Object { $_.workflow.state -ne 'DISMISSED' })[0]
                @{ Threat = $a.threat_id } }
            Act = { param($s, $gen, $c) Invoke-CbThreatDismiss -Session $s -ThreatId $c.Threat -Comment 'fault matrix' -Confirm:$false -ErrorAction Continue }
            Verify = { param($gen, $c, $out, $err)
                $path = if ($gen -eq 'Legacy') { '*/threat/workflow/_criteria' } else { '*/alerts/workflow' }
                $handled = @(Get-Requests | Where-Object { $_.method -eq 'POST' -and $_.path -like $path -and $_.status -lt 400 })
                if ($gen -eq 'Legacy') {
                    $alerts = @((Raw "/appservices/v6/orgs/$org/alerts/_search" POST @{ criteria = @{ threat_id = @($c.Threat) }; rows = 100 }).results)
                    $closed = @($alerts | Where-Object { $_.workflow.state -eq 'DISMISSED' }).Count
                }
                else {
                    # On Current the dismissal is the v7 workflow of the threat's alerts (the faulted request); the v6
                    # threat rule for later alerts is a second request.
                    $alerts = @((Raw "/api/alerts/v7/orgs/$org/alerts/_search" POST @{ time_range = @{ range = 'all' }; criteria = @{ threat_id = @($c.Threat) }; rows = 100 } $custom).results)
                    $closed = @($alerts | Where-Object { $_.workflow.status -eq 'CLOSED' }).Count
                }
                @{ Complete = $closed -eq $alerts.Count -and $alerts.Count -gt 0; Unchanged = $closed -eq 0; Duplicate = $handled.Count -gt 1 } }
        }
        'watch' = @{
            Write = $false
            Rules = @{ Legacy = @(@{ path = '/integrationServices/v3/notification' }); Current = @(@{ path = "/api/alerts/v7/orgs/$org/alerts/_search" }) }
            Setup = { param($s, $gen)
                $state = Join-Path $tmp "watch-$([guid]::NewGuid().ToString('N')).state"
                if ($gen -eq 'Legacy') {
                    # Drain what the emulator seeded, then queue four: the watch must deliver exactly those.
                    $null = Raw '/integrationServices/v3/notification' -Headers @{ 'X-Auth-Token' = $emu.SiemToken }
                    $before = @((Invoke-CbEmulatorAdmin -Emulator $emu -Path notifications/served).eventIds).Count
                    $null = Invoke-CbEmulatorAdmin -Emulator $emu -Path notifications -Method POST -Body @{ count = 4 }
                    @{ State = $state; Count = 4; Before = $before }
                }
                else {
                    $from = (Get-Date).AddDays(-60)
                    $truth = @(Raw-AlertIds Current)
                    @{ State = $state; Count = $truth.Count; Truth = $truth; From = $from }
                } }
            Act = { param($s, $gen, $c)
                $until = (Get-Date).AddSeconds(3)
                if ($gen -eq 'Legacy') { Watch-CbNotification -Session $s -StatePath $c.State -IntervalSec 1 -Count $c.Count -Until $until }
                else { Watch-CbAlert -Session $s -StatePath $c.State -StartTime $c.From -LagSec 0 -IntervalSec 1 -Count $c.Count -Until $until } }
            Verify = { param($gen, $c, $out)
                if ($gen -eq 'Legacy') {
                    $served = @((Invoke-CbEmulatorAdmin -Emulator $emu -Path notifications/served).eventIds | Select-Object -Skip $c.Before)
                    $ids = @($out | ForEach-Object EventId)
                    # A read-once queue: what the server served in a reply that was cut is gone on the server (no client
                    # can read it again); everything else must come exactly once.
                    $lost = @($served | Where-Object { $_ -notin $ids })
                    $reads = @(Get-Requests | Where-Object { $_.path -eq '/integrationServices/v3/notification' })
                    $serverLoss = ($c.Fault -in @('reset-mid-body', 'truncated')) -and $reads.Count -gt 1 -and $lost.Count -le $c.Count -and
                                  @($ids | Where-Object { $_ -notin $served }).Count -eq 0
                    $note = if ($serverLoss -and $lost.Count) { "read-once queue: the server dropped the $($lost.Count) notification(s) it served in the cut reply (no client can read them again); none delivered twice" }
                    @{ Complete = $lost.Count -eq 0 -and $served.Count -eq $c.Count; Unchanged = $true; Duplicate = -not (Test-NoDuplicate $ids); Note = $note; ServerLoss = $serverLoss }
                }
                else { @{ Complete = (Test-ExactlyOnce $out.Id $c.Truth); Unchanged = $true; Duplicate = -not (Test-NoDuplicate $out.Id) } }
            }
        }
        'LR commands' = @{
            Write = $true # each command is a POST that is not repeated
            Rules = @{ Legacy = @(@{ method = 'POST'; path = '{session}/command' }); Current = @(@{ method = 'POST'; path = '{session}/commands' }) }
            Setup = { param($s, $gen)
                $dev = @((Raw '/integrationServices/v3/device?rows=5000').results | Where-Object { $_.deviceType -eq 'WINDOWS' -and $_.status -eq 'REGISTERED' })[0].deviceId
                $o = Open-Lr $s $gen $dev
                $o.Device = $dev
                $o.Pids = @((Get-Lr "devices/$dev/processes").processes.pid)
                $o.Files = @((Get-Lr "devices/$dev/files?path=$([uri]::EscapeDataString('C:\TEMP'))&hash=false").files.path | ForEach-Object { Split-Path $_ -Leaf })
                $o }
            Act = { param($s, $gen, $c)
                $script:cellProcesses = @(Get-CbLiveResponseProcess -LiveResponseSession $c.Lr -ErrorAction Continue)
                $script:cellItems = @(Get-CbLiveResponseChildItem -LiveResponseSession $c.Lr -Path 'C:\TEMP' -ErrorAction Continue)
                $script:cellProcesses + $script:cellItems }
            Verify = { param($gen, $c, $out)
                $posts = @(Get-Requests | Where-Object { $_.method -eq 'POST' -and $_.path -like "$($c.Path)/command*" -and $_.status -lt 400 })
                $pOk = Test-ExactlyOnce $script:cellProcesses.ProcessId $c.Pids
                $fOk = Test-ExactlyOnce $script:cellItems.Name $c.Files
                @{ Complete = $pOk -and $fOk; Unchanged = $true; Duplicate = $posts.Count -gt 2 -or -not (Test-NoDuplicate $script:cellProcesses.ProcessId) } }
        }
        'LR transfer' = @{
            Write = $false # the download (the get file command is a POST before it, not faulted here)
            Rules = @{ Legacy = @(@{ method = 'GET'; path = '{session}/file' }); Current = @(@{ method = 'GET'; path = '/_storage/lr/' }) }
            Setup = { param($s, $gen)
                $dev = @((Raw '/integrationServices/v3/device?rows=5000').results | Where-Object { $_.deviceType -eq 'WINDOWS' -and $_.status -eq 'REGISTERED' })[0].deviceId
                $o = Open-Lr $s $gen $dev
                $o.Remote = 'C:\TEMP\large.bin'
                $o.Sha = (Get-Lr "devices/$dev/file?path=$([uri]::EscapeDataString($o.Remote))").sha256
                $o.Local = Join-Path $tmp "recv-$([guid]::NewGuid().ToString('N')).bin"
                $o }
            Act = { param($s, $gen, $c) $c.Lr | Receive-CbLiveResponseFile -Path $c.Remote -Destination $c.Local -ErrorAction Continue }
            Verify = { param($gen, $c, $out)
                $there = Test-Path -LiteralPath $c.Local
                $ok = $there -and (Get-FileHash -LiteralPath $c.Local -Algorithm SHA256).Hash -eq $c.Sha
                $partial = @(Get-ChildItem -LiteralPath $tmp -Filter "$(Split-Path $c.Local -Leaf)*" | Where-Object Name -ne (Split-Path $c.Local -Leaf))
                # Unchanged: no file (whole or partial) left at the destination when the download failed.
                @{ Complete = $ok; Unchanged = -not $there -and $partial.Count -eq 0; Duplicate = $there -and -not $ok } }
        }
    }

    # The fault rule of each column (the family's Rules add path and method). Transient faults fire once.
    $script:FaultRules = @{
        '429'            = @{ kind = 'throttle'; window = $true; retryAfter = 1; count = 1 }
        '500'            = @{ kind = 'status'; status = 500; count = 1 }
        '502'            = @{ kind = 'status'; status = 502; count = 1 }
        '503'            = @{ kind = 'status'; status = 503; retryAfter = 1; count = 1 }
        '504'            = @{ kind = 'status'; status = 504; count = 1 }
        'reset-before'   = @{ kind = 'drop'; count = 1 }
        'reset-mid-body' = @{ kind = 'reset'; count = 1 }
        'truncated'      = @{ kind = 'truncated'; count = 1 }
        'html'           = @{ kind = 'html' }
        'latency'        = @{ kind = 'latency'; latencyMs = 2500 }
    }
    # What the cell must show: Ok, Fail or Either (see the top of the file).
    function script:Get-Expected([string] $Family, [string] $Fault) {
        # A download cut short whose Content-Length says the short length looks complete: neither v3 nor v6 names the
        # file's size before the download, so the module cannot tell (see the note the cell writes).
        if ($Family -eq 'LR transfer' -and $Fault -eq 'truncated') { return 'Known' }
        if ($Fault -in 'html', 'latency') { return 'Fail' }
        if ($Fault -in '429', '503') { return 'Ok' }
        if (-not $Families[$Family].Write) { return 'Ok' }
        if ($Fault -in 'reset-mid-body', 'truncated') { return 'Either' } # the handler ran; only the reply was lost
        'Fail'
    }
    # A clear message for the fault: the server's message, a timeout naming -TimeoutSec, no HTML markup.
    function script:Test-ClearMessage([string] $Fault, [string] $Text) {
        if ($Text -match '<\s*(html|head|body|center|hr|!DOCTYPE)') { return $false }
        switch ($Fault) {
            { $_ -in '500', '502', '503', '504' } { return $Text -match "Emulated fault: $_" }
            'html' { return $Text -match '502' -and $Text -match 'Bad Gateway' }
            'latency' { return $Text -match 'timed out' -and $Text -match 'TimeoutSec' }
            '429' { return $Text -match '429' }
            default { return $Text -match 'connection|reply|response|JSON' }
        }
    }
    function script:Test-MayHaveApplied([string] $Text) { $Text -match 'may have (been )?applied|may or may not have' }

    function script:Reset-Emulator {
        $null = Invoke-CbEmulatorAdmin -Emulator $emu -Path reset -Method POST -Body @{}
    }
}

AfterAll {
    if ($Results) {
        $faultNames = @('429', '500', '502', '503', '504', 'reset-before', 'reset-mid-body', 'truncated', 'html', 'latency')
        $rows = foreach ($f in @('device list', 'device actions', 'policy changes', 'events', 'alerts', 'threat workflow', 'watch', 'LR commands', 'LR transfer')) {
            $row = [ordered]@{ Family = $f }
            foreach ($k in $faultNames) {
                $l = $Results["$f|Legacy|$k"]; $c = $Results["$f|Current|$k"]
                $e = @($l, $c | Where-Object { $_ } | ForEach-Object { $_.Expected })[0]
                $row[$k] = '{0} {1}/{2}' -f $e, $(if ($l) { $l.Result } else { '-' }), $(if ($c) { $c.Result } else { '-' })
            }
            [pscustomobject]$row
        }
        Write-Host "`nThe fault matrix: each cell is what it expects, then Legacy/Current (pass, FAIL, known = a known limit, - = not run)."
        Write-Host "  R = recovers (every object once, the change applied once, no error); F = fails clearly (the server's message or a"
        Write-Host "  clear text; nothing applied, or the error says it may have been); E = either of the two (the reply was lost after"
        Write-Host "  the server acted); K = a known limit (see the notes)."
        # -Property names every column: Format-Table shows only the first ten otherwise.
        Write-Host ($rows | Format-Table -Property (@('Family') + $faultNames) -AutoSize | Out-String -Width 400)
        if ($Notes.Count) { Write-Host ("Notes:`n  " + ($Notes -join "`n  ")) }
        Write-Host ("Fault matrix run time: {0:n1} s" -f $clock.Elapsed.TotalSeconds)
    }
    Get-CbLiveResponseSession -ErrorAction SilentlyContinue | Remove-CbLiveResponseSession -Confirm:$false -ErrorAction SilentlyContinue
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    if ($tmp -and (Test-Path $tmp)) { Remove-Item -Recurse -Force $tmp }
    Assert-CbNoSecretLeak
}

Describe 'The fault matrix' {
    It '<Family> on <Generation> under <Fault>' -ForEach $cells {
        $def = $Families[$Family]
        $expected = Get-Expected $Family $Fault
        $key = if ($Family -eq 'watch' -and $Generation -eq 'Legacy') { 'LegacySiem' } elseif ($Family -like 'LR*' -and $Generation -eq 'Legacy') { 'LegacyLr' } else { $Generation }
        $s = if ($Fault -eq 'latency') { $quick[$key] } else { $sessions[$key] }
        $letter = @{ Ok = 'R'; Fail = 'F'; Either = 'E'; Known = 'K' }[$expected]
        $Results["$Family|$Generation|$Fault"] = @{ Expected = $letter; Result = 'FAIL' }
        Reset-Emulator
        $ctx = & $def.Setup $s $Generation
        $ctx.Fault = $Fault
        $rules = foreach ($r in $def.Rules[$Generation]) {
            $rule = $FaultRules[$Fault].Clone()
            foreach ($k in $r.Keys) { $rule[$k] = if ($k -eq 'path') { $r.path.Replace('{session}', $ctx.Path) } else { $r[$k] } }
            $rule
        }
        Clear-EmulatorRequests -Emulator $emu
        Set-EmulatorFaults -Emulator $emu -Faults @($rules)
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $all = @()
        try { $all = @(& $def.Act $s $Generation $ctx 2>&1 3>&1) }
        catch { $all = @($_) } # a terminating error
        finally { Set-EmulatorFaults -Emulator $emu }
        $sw.Stop()
        $errors = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $warnings = @($all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
        $out = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] -and $_ -isnot [System.Management.Automation.WarningRecord] })
        $texts = @($errors | ForEach-Object { "$_" }) + @($warnings | ForEach-Object { $_.Message })
        $v = & $def.Verify $Generation $ctx $out $errors
        if ($v.Note) { $Notes.Add("$Family/$Generation/${Fault}: $($v.Note)") }
        if ($Family -like 'LR*') { $ctx.Lr | Remove-CbLiveResponseSession -Confirm:$false -ErrorAction SilentlyContinue }

        if ($expected -eq 'Known') {
            $Notes.Add("$Family/$Generation/${Fault}: KNOWN LIMIT - a body cut short with a matching Content-Length is taken as the whole file (wrote $((Get-Item -LiteralPath $ctx.Local -ErrorAction SilentlyContinue).Length) bytes, sha256 match: $($v.Complete))")
            $Results["$Family|$Generation|$Fault"].Result = 'known'
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 20
            return
        }
        # Never: an object twice, a change applied twice, an id lost, a hang.
        $v.Duplicate | Should -BeFalse -Because 'no object comes twice and no change is applied twice'
        $v.Lost | Should -Not -BeTrue -Because 'every id is either acted on or named by an error'
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 20 -Because 'a fault never makes a cmdlet hang'
        $failed = $texts.Count -gt 0
        switch ($expected) {
            'Ok' {
                if ($v.ServerLoss) { } # the queue's own loss (the note says so); nothing was delivered twice (checked above)
                else {
                    $texts | Should -BeNullOrEmpty -Because "a $Fault is retried for this request"
                    $v.Complete | Should -BeTrue -Because 'every object comes exactly once / the change is applied once'
                }
            }
            'Fail' {
                $failed | Should -BeTrue -Because "a $Fault is not retried here: the user must be told"
                foreach ($t in $texts) { Test-ClearMessage $Fault $t | Should -BeTrue -Because "the error must be clear: $t" }
                if (-not $v.Unchanged) {
                    # The server acted before the reply was lost: only acceptable if the error says so.
                    $texts | ForEach-Object { Test-MayHaveApplied $_ | Should -BeTrue -Because "the change was applied; the error must say it may have been: $_" }
                }
            }
            'Either' {
                if ($failed) {
                    if (-not $v.Unchanged) { $texts | ForEach-Object { Test-MayHaveApplied $_ | Should -BeTrue -Because "the change was applied; the error must say it may have been: $_" } }
                }
                else { $v.Complete | Should -BeTrue -Because 'no error: the change is applied exactly once' }
            }
        }
        $Results["$Family|$Generation|$Fault"].Result = 'pass'
    }
}
