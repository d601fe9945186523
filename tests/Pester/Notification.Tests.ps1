BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:emu = Start-CbEmulator -Devices 20 -Events 100 -Seed 31
    $script:siem = Connect-TestEmulator -Emulator $emu -Token $emu.SiemToken
    $script:api = Connect-TestEmulator -Emulator $emu
    function script:Add-Notifications([Parameter(Mandatory)] $Emulator, [int] $Count) {
        $null = Invoke-CbEmulatorAdmin -Emulator $Emulator -Path notifications -Method POST -Body @{ count = $Count }
    }
    function script:Get-Served($Emulator) { @((Invoke-CbEmulatorAdmin -Emulator $Emulator -Path notifications/served).eventIds) }
    function script:Get-NotificationReads($Emulator) { @(Get-EmulatorRequests -Emulator $Emulator | Where-Object path -eq '/integrationServices/v3/notification') }
    function script:Read-StateIds([string] $Path) {
        for ($i = 0; $i -lt 20; $i++) {
            try { return @((Get-Content -LiteralPath $Path -Raw -ErrorAction Stop | ConvertFrom-Json).pending.eventId) }
            catch { Start-Sleep -Milliseconds 50 }
        }
        throw "Cannot read $Path"
    }
}
AfterAll {
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    Assert-CbNoSecretLeak
}

Describe 'Get-CbNotification' {
    BeforeEach { $null = Get-CbNotification -Session $siem }

    It 'maps THREAT and POLICY_ACTION notifications to typed objects and keeps other fields' {
        $threat = [ordered]@{
            type = 'THREAT'; eventTime = 1717000000123; eventId = 'PT-THREAT-1'; url = 'https://console.example/ui#incident/INC7'
            eventDescription = 'time|Ransomware behaviour|8'; ruleName = 'SOC high'; newField = 'kept'
            deviceInfo = [ordered]@{ deviceId = 4242; deviceName = 'WIN-LAB-01'; deviceType = 'WINDOWS'; groupName = 'Windows_Server'; internalIpAddress = '10.9.8.7'; targetPriorityType = 'HIGH'; targetPriorityCode = 2 }
            threatInfo = [ordered]@{ incidentId = 'INC7'; score = 8; summary = 'Ransomware behaviour'; time = 1717000000000
                indicators = @([ordered]@{ indicatorName = 'RANSOM'; applicationName = 'enc.exe'; sha256Hash = 'ee11' }) }
        }
        $policy = [ordered]@{
            type = 'POLICY_ACTION'; eventTime = 1717000000456; eventId = 'PT-PA-1'; ruleName = 'Blocked apps'
            policyAction = [ordered]@{ sha256Hash = 'ff22'; action = 'TERMINATE'; reputation = 'KNOWN_MALWARE'; applicationName = 'bad.exe' }
            deviceInfo = [ordered]@{ deviceId = 4243; deviceName = 'MacBook-lab' }
        }
        $null = Invoke-CbEmulatorAdmin -Emulator $emu -Path notifications -Method POST -Body @{ notifications = @($threat, $policy) }
        $got = Get-CbNotification -Session $siem
        $got.Count | Should -Be 2
        $t = $got | Where-Object Type -eq 'THREAT'
        $t | Should -BeOfType ([CbDefense.Notification])
        $t.EventTimeUtc | Should -Be ([DateTimeOffset]::FromUnixTimeMilliseconds(1717000000123).UtcDateTime)
        $t.EventTime | Should -Be ([DateTimeOffset]::FromUnixTimeMilliseconds(1717000000123).LocalDateTime)
        $t.ThreatInfo | Should -BeOfType ([CbDefense.ThreatInfo])
        $t.ThreatInfo.Score | Should -Be 8
        $t.ThreatInfo.Indicators[0].IndicatorName | Should -Be 'RANSOM'
        $t.DeviceInfo.DeviceId | Should -Be 4242
        $t.DeviceInfo.GroupName | Should -Be 'Windows_Server'
        $t.AdditionalProperties['newField'] | Should -Be 'kept'
        $t.PolicyAction | Should -BeNullOrEmpty
        $t.Session | Should -Be $siem
        ($t.ToJson() | ConvertFrom-Json).threatInfo.summary | Should -Be 'Ransomware behaviour'
        $p = $got | Where-Object Type -eq 'POLICY_ACTION'
        $p.PolicyAction | Should -BeOfType ([CbDefense.PolicyAction])
        $p.PolicyAction.Action | Should -Be 'TERMINATE'
        $p.ThreatInfo | Should -BeNullOrEmpty
        # Read-once: the queue is empty now.
        Get-CbNotification -Session $siem | Should -BeNullOrEmpty
    }

    It 'an API key draws an error that says a SIEM key is needed' {
        { Get-CbNotification -Session $api -ErrorAction Stop } | Should -Throw -ErrorId 'NotificationAuthenticationFailed.401,CbDefense.Commands.GetCbNotificationCommand'
        try { Get-CbNotification -Session $api -ErrorAction Stop } catch { $e = $_ }
        $e.Exception.Message | Should -Match 'needs a SIEM key'
        $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $e.Exception.Message | Should -Not -Match ($emu.ApiToken -split '/')[0]
    }
}

Describe 'Watch-CbNotification' {
    BeforeEach {
        $null = Get-CbNotification -Session $siem
        Set-EmulatorFaults -Emulator $emu
        Clear-EmulatorRequests -Emulator $emu
    }

    It 'ends with the authentication error at once for an API key (no endless retry)' {
        { Watch-CbNotification -Session $api -IntervalSec 1 -ErrorAction Stop } | Should -Throw '*needs a SIEM key*'
        (Get-NotificationReads $emu).Count | Should -Be 1
    }

    It '-Count ends the watch; -StatePath keeps the rest of the batch for the next watch' {
        Add-Notifications $emu 10
        $state = Join-Path $TestDrive 'count.state'
        $first = Watch-CbNotification -Session $siem -StatePath $state -Count 3 -IntervalSec 1
        $first.Count | Should -Be 3
        $served = Get-Served $emu
        $left = Read-StateIds $state
        $left.Count | Should -Be 7
        Clear-EmulatorRequests -Emulator $emu
        $second = Watch-CbNotification -Session $siem -StatePath $state -Count 7 -IntervalSec 1
        $second.EventId | Should -Be $left
        (Get-NotificationReads $emu).Count | Should -Be 0   # all from the state file, no read of the queue
        @($first.EventId) + @($second.EventId) | Should -Be $served[-10..-1]
        Read-StateIds $state | Should -BeNullOrEmpty
        (Get-Content -LiteralPath $state -Raw) | Should -Not -Match ($emu.SiemToken -split '/')[0]
    }

    It '-Until ends the watch' {
        $until = (Get-Date).AddSeconds(2)
        $null = Watch-CbNotification -Session $siem -IntervalSec 1 -Until $until
        (Get-Date) | Should -BeGreaterOrEqual $until
        (Get-NotificationReads $emu).Count | Should -BeGreaterThan 0
    }
}

Describe 'Watch-CbNotification under faults' {
    BeforeAll {
        # A steady stream: 240 notifications a minute, none at start.
        $script:stream = Start-CbEmulator -Devices 10 -Events 50 -Seed 32 -ExtraArguments @('--notification-rate', '240', '--notifications', '0')
        $script:streamSession = Connect-TestEmulator -Emulator $stream -Token $stream.SiemToken -Extra @{ MaximumRetryCount = 0; TimeoutSec = 1 }
    }
    AfterAll {
        if ($streamSession) { Disconnect-CbDefense -Session $streamSession }
        if ($stream) { Stop-CbEmulator $stream }
    }

    It '-Count gets every notification the server served, with a warning per failure and the watch going on' {
        # Failures that reach the client before the server touched the queue: 5xx, 429, a malformed or HTML reply, a timeout.
        $path = '/integrationServices/v3/notification'
        Set-EmulatorFaults -Emulator $stream -Faults @(
            @{ kind = 'status'; status = 503; count = 1; path = $path }
            @{ kind = 'throttle'; rate = 0.12; path = $path; retryAfter = 1 }
            @{ kind = 'malformed'; rate = 0.1; path = $path }
            @{ kind = 'html'; rate = 0.05; path = $path }
            @{ kind = 'status'; status = 502; rate = 0.1; path = $path }
            # Last, so it fires only on a request no other rule answered: that request times out on the client.
            @{ kind = 'latency'; latencyMs = 2500; count = 1; path = $path })
        $before = (Get-Served $stream).Count
        $out = Watch-CbNotification -Session $streamSession -Count 30 -IntervalSec 1 -WarningVariable warns -WarningAction SilentlyContinue
        $faults = (Invoke-CbEmulatorAdmin -Emulator $stream -Path faults).faults
        Set-EmulatorFaults -Emulator $stream
        $out.Count | Should -BeGreaterOrEqual 30
        $served = @(Get-Served $stream | Select-Object -Skip $before)
        $served | Where-Object { $_ -notin $out.EventId } | Should -BeNullOrEmpty
        ($out.EventId | Sort-Object -Unique).Count | Should -Be $out.Count
        $failed = ($faults | Where-Object kind -ne 'latency' | Measure-Object -Property fired -Sum).Sum + 1   # + the timeout
        $warns.Count | Should -Be $failed
        $warns[0] | Should -Match 'the watch goes on'
        ($warns -join " ") | Should -Match 'time'
    }

    It 'a connection reset mid-reply draws a warning and the watch goes on' {
        # The server removed what it was sending when the connection broke: that reply is lost for any client.
        Set-EmulatorFaults -Emulator $stream -Faults @(@{ kind = 'reset'; count = 1; path = '/integrationServices/v3/notification' })
        Start-Sleep -Milliseconds 600
        $out = Watch-CbNotification -Session $streamSession -Count 5 -IntervalSec 1 -WarningVariable warns -WarningAction SilentlyContinue
        Set-EmulatorFaults -Emulator $stream
        $out.Count | Should -BeGreaterOrEqual 5
        $warns.Count | Should -Be 1
        $warns[0] | Should -Match 'the watch goes on'
    }
}

Describe 'Watch-CbNotification -StatePath across a killed process' {
    It 'a watching pwsh killed mid-stream and started again emits every notification the emulator served' {
        $state = Join-Path $TestDrive 'kill.state'
        $out1 = Join-Path $TestDrive 'out1.txt'
        $out2 = Join-Path $TestDrive 'out2.txt'
        $child = Join-Path $TestDrive 'watch.ps1'
        Set-Content -LiteralPath $child -Value @'
param($ModulePath, $Uri, $Token, $State, $Out)
Import-Module $ModulePath
$secret, $id = $Token -split '/', 2
$null = Connect-CbDefense -Uri $Uri -ApiId $id -ApiSecretKey (ConvertTo-SecureString $secret -AsPlainText -Force)
# A slow consumer, so a kill lands while part of a batch is still waiting to be passed on.
Watch-CbNotification -StatePath $State -IntervalSec 1 | ForEach-Object {
    Add-Content -LiteralPath $Out -Value $_.EventId
    Start-Sleep -Milliseconds 100
}
'@
        function Start-Watcher([string] $Out) {
            $exe = (Get-Process -Id $PID).Path
            $psi = [System.Diagnostics.ProcessStartInfo]::new($exe)
            if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
            foreach ($a in '-NoProfile', '-NonInteractive', '-File', $child, $script:ModulePath, $emu.Uri, $emu.SiemToken, $state, $Out) { $psi.ArgumentList.Add([string]$a) }
            $psi.UseShellExecute = $false
            [System.Diagnostics.Process]::Start($psi)
        }
        function Read-Lines([string] $Path) { if (Test-Path -LiteralPath $Path) { @(Get-Content -LiteralPath $Path) } else { @() } }

        $null = Get-CbNotification -Session $siem
        $before = (Get-Served $emu).Count   # what other tests were served
        $p1 = Start-Watcher $out1
        $posted = 0
        $leftAtKill = @()
        try {
            $deadline = (Get-Date).AddSeconds(90)
            while ((Get-Date) -lt $deadline) {
                Add-Notifications $emu 10
                $posted += 10
                Start-Sleep -Milliseconds 400
                if ((Read-Lines $out1).Count -ge 25 -and (Test-Path -LiteralPath $state) -and (Read-StateIds $state).Count -ge 3) {
                    Stop-Process -Id $p1.Id -Force
                    $p1.WaitForExit()
                    break
                }
            }
            $p1.HasExited | Should -BeTrue -Because 'the first watcher was killed mid-stream'
            $leftAtKill = Read-StateIds $state
        }
        finally { if (-not $p1.HasExited) { Stop-Process -Id $p1.Id -Force } }
        $leftAtKill.Count | Should -BeGreaterThan 0 -Because 'the kill left read-but-undelivered notifications in the state file'

        Add-Notifications $emu 20   # arrive while nobody watches
        $posted += 20
        $p2 = Start-Watcher $out2
        try {
            $deadline = (Get-Date).AddSeconds(90)
            do {
                Start-Sleep -Milliseconds 500
                $served = @(Get-Served $emu | Select-Object -Skip $before)
                $received = @(Read-Lines $out1) + @(Read-Lines $out2)
                $missing = @($served | Where-Object { $_ -notin $received })
            } while (($served.Count -lt $posted -or $missing.Count -gt 0) -and (Get-Date) -lt $deadline)
        }
        finally { Stop-Process -Id $p2.Id -Force -ErrorAction SilentlyContinue; $p2.WaitForExit() }

        $missing | Should -BeNullOrEmpty -Because 'delivery is at least once: every served notification reaches the output'
        $served.Count | Should -Be $posted -Because 'the second watcher drained the queue'
        # What the killed watcher left behind came out of the second one, first.
        $second = Read-Lines $out2
        foreach ($id in $leftAtKill) { $second | Should -Contain $id }
        $second[0..($leftAtKill.Count - 1)] | Should -Be $leftAtKill
        (Get-Content -LiteralPath $state -Raw) | Should -Not -Match ($emu.SiemToken -split '/')[0]
    }
}
