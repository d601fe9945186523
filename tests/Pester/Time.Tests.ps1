# Times: every model time is local (Xxx) with a UTC twin (XxxUtc), so Where-Object and Get-Date arithmetic are right
# in every time zone. The zone-dependent checks run in child pwsh processes started with TZ set.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:emu = Start-CbEmulator -Devices 300 -Events 50 -Seed 8
    $script:session = Connect-TestEmulator -Emulator $emu
    $headers = @{ 'X-Auth-Token' = $emu.ApiToken }
    # The ground truth: the wire timestamps (epoch ms, UTC), read without the module.
    $script:raw = @((Invoke-RestMethod -Uri "$($emu.Uri)/integrationServices/v3/device?rows=5000" -Headers $headers).results |
        Where-Object { $_.lastContact })
    $script:rawPolicies = @((Invoke-RestMethod -Uri "$($emu.Uri)/integrationServices/v3/policy" -Headers $headers).results)

    # Days N whose boundary (now - N days) has no device within 3 hours of it, with devices on both sides: the result
    # of "older than N days" is then the same whatever the seconds between this process and the child, or a DST shift.
    $nowMs = [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds()
    $day = 86400000
    $script:days = @(foreach ($n in 1, 2, 3, 5, 7, 10, 14, 21, 30, 35, 40, 45, 50, 60, 75, 90) {
            $b = $nowMs - $n * $day
            $near = @($raw | Where-Object { [math]::Abs($_.lastContact - $b) -lt 3 * 3600000 })
            $older = @($raw | Where-Object { $_.lastContact -lt $b })
            if (-not $near -and $older.Count -gt 0 -and $older.Count -lt $raw.Count) { $n }
        })

    $script:child = Join-Path ([IO.Path]::GetTempPath()) "cbtime-$([guid]::NewGuid().ToString('N')).ps1"
    Set-Content -LiteralPath $child -Encoding utf8 -Value @'
param($ModulePath, $Uri, $Token, $OrgKey, [string] $Days, $ExportPath)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$secret, $id = $Token -split '/', 2
$s = Connect-CbDefense -Uri $Uri -ApiId $id -ApiSecretKey (ConvertTo-SecureString $secret -AsPlainText -Force) -OrgKey $OrgKey
$devices = @(Get-CbDevice | Where-Object LastContact)
$filters = foreach ($n in ($Days -split ',' | ForEach-Object { [int]$_ })) {
    $x = (Get-Date).AddDays(-$n)
    [pscustomobject]@{
        Days         = $n
        ThresholdMs  = [DateTimeOffset]::new($x).ToUnixTimeMilliseconds()
        WhereObject  = @(Get-CbDevice | Where-Object LastContact -lt $x | ForEach-Object DeviceId)
        LeftOperand  = @($devices | Where-Object { $_.LastContact -lt $x } | ForEach-Object DeviceId)
        RightOperand = @($devices | Where-Object { $x -gt $_.LastContact } | ForEach-Object DeviceId)
    }
}
$ages = foreach ($d in $devices) {
    $nowUtc = [DateTime]::UtcNow
    $age = (Get-Date) - $d.LastContact
    [pscustomobject]@{ DeviceId = $d.DeviceId; AgeTicks = $age.Ticks; NowUtcTicks = $nowUtc.Ticks
        Kind = "$($d.LastContact.Kind)"; UtcKind = "$($d.LastContactUtc.Kind)"; UtcTicks = $d.LastContactUtc.Ticks }
}
# Every public time property of the objects the cmdlets write: a local value and its UTC twin, the same instant.
$objects = @($devices[0]) + @(Get-CbPolicy) + @(Get-CbEvent -First 5) + @($s)
$pairs = foreach ($o in $objects) {
    foreach ($p in $o.psobject.Properties | Where-Object { $_.Name -notmatch 'Utc$' -and ($_.TypeNameOfValue -match 'System\.DateTime' -or $_.Value -is [datetime]) }) {
        $v = $p.Value; $u = $o.($p.Name + 'Utc')
        [pscustomobject]@{ Type = $o.GetType().Name; Name = $p.Name; Null = $null -eq $v; UtcNull = $null -eq $u
            Kind = if ($null -ne $v) { "$($v.Kind)" }; UtcKind = if ($null -ne $u) { "$($u.Kind)" }
            Same = ($null -eq $v -and $null -eq $u) -or ($null -ne $v -and $null -ne $u -and $v.ToUniversalTime() -eq $u) }
    }
}
# The wire stays exact and in UTC: Export-CbPolicy writes what the server sent, and a local time set on a policy
# goes out as the right epoch milliseconds.
$policy = Get-CbPolicy | Where-Object { $_.LatestRevisionUtc } | Select-Object -First 1
Export-CbPolicy -InputObject $policy -Path $ExportPath -Confirm:$false
$edited = $policy.Clone()
$edited.LatestRevision = [datetime]'2024-01-02 03:04:05'   # Unspecified: local, as Get-Date and FileInfo take it
[pscustomobject]@{
    Zone          = [TimeZoneInfo]::Local.Id
    Filters       = @($filters)
    Ages          = @($ages)
    Pairs         = @($pairs)
    ConnectedAt   = [pscustomobject]@{ Kind = "$($s.ConnectedAt.Kind)"; UtcKind = "$($s.ConnectedAtUtc.Kind)"
        LocalOffBy = [math]::Abs(((Get-Date) - $s.ConnectedAt).TotalSeconds); UtcOffBy = [math]::Abs(([DateTime]::UtcNow - $s.ConnectedAtUtc).TotalSeconds) }
    PolicyId      = $policy.Id
    EditedMs      = $edited.ToPolicyInfo()['latestRevision']
    ExpectedMs    = [DateTimeOffset]::new([datetime]'2024-01-02 03:04:05').ToUnixTimeMilliseconds()
    Table         = ($devices[0] | Out-String -Width 120)
    LocalText     = $devices[0].LastContact.ToString('yyyy-MM-dd HH:mm:ss', [cultureinfo]::InvariantCulture)
} | ConvertTo-Json -Depth 5 -Compress
'@

    # Runs the child script in a pwsh whose local time zone is $Zone; returns its result.
    function script:Invoke-InZone([string] $Zone) {
        $export = Join-Path ([IO.Path]::GetTempPath()) "cbtime-$([guid]::NewGuid().ToString('N')).json"
        $exe = (Get-Process -Id $PID).Path
        $psi = [System.Diagnostics.ProcessStartInfo]::new($exe)
        if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $child, $script:ModulePath, $emu.Uri, $emu.ApiToken, $emu.OrgKey,
            ($days -join ','), $export) { $psi.ArgumentList.Add([string]$a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.Environment['TZ'] = $Zone
        $p = [System.Diagnostics.Process]::Start($psi)
        $err = $p.StandardError.ReadToEndAsync()
        $out = $p.StandardOutput.ReadToEnd()
        $p.WaitForExit()
        if ($p.ExitCode -ne 0) { throw "The child pwsh in $Zone failed ($($p.ExitCode)): $out $($err.Result)" }
        $r = $out | ConvertFrom-Json
        $r | Add-Member -NotePropertyName Export -NotePropertyValue (Get-Content -LiteralPath $export -Raw | ConvertFrom-Json)
        Remove-Item -LiteralPath $export -ErrorAction SilentlyContinue
        $r
    }
}
AfterAll {
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    if ($child -and (Test-Path $child)) { Remove-Item $child -Force }
    Assert-CbNoSecretLeak
}

Describe 'Times in <Zone>' -ForEach @(
    @{ Zone = 'America/New_York' }
    @{ Zone = 'Asia/Tokyo' }
    @{ Zone = 'UTC' }
) {
    BeforeAll {
        $script:r = Invoke-InZone $Zone
        $script:tz = [TimeZoneInfo]::FindSystemTimeZoneById($Zone)
    }

    It 'runs in that zone' {
        $r.Zone | Should -Be $Zone
        $days.Count | Should -BeGreaterOrEqual 2 -Because 'the seeded data must give day boundaries to test'
    }

    It 'Where-Object LastContact -lt (Get-Date).AddDays(-N) selects exactly the devices older than N days, in both operand orders' {
        foreach ($f in $r.Filters) {
            $expected = @($raw | Where-Object { $_.lastContact -lt $f.ThresholdMs } | ForEach-Object { [long]$_.deviceId } | Sort-Object)
            $expected.Count | Should -BeGreaterThan 0
            $expected.Count | Should -BeLessThan $raw.Count
            @($f.WhereObject | Sort-Object) | Should -Be $expected -Because "Where-Object LastContact -lt (Get-Date).AddDays(-$($f.Days))"
            @($f.LeftOperand | Sort-Object) | Should -Be $expected -Because "`$d.LastContact -lt `$x ($($f.Days) days)"
            @($f.RightOperand | Sort-Object) | Should -Be $expected -Because "`$x -gt `$d.LastContact ($($f.Days) days)"
        }
    }

    It '(Get-Date) - $d.LastContact is the time since the last contact, on the local clock' {
        $byId = @{}; foreach ($d in $raw) { $byId[[long]$d.deviceId] = $d }
        $r.Ages.Count | Should -Be $raw.Count
        foreach ($a in $r.Ages) {
            $a.Kind | Should -Be 'Local'
            $a.UtcKind | Should -Be 'Utc'
            $wire = [DateTimeOffset]::FromUnixTimeMilliseconds($byId[[long]$a.DeviceId].lastContact).UtcDateTime
            $a.UtcTicks | Should -Be $wire.Ticks
            # The real elapsed time, plus the change of the zone's UTC offset in between (a DST change moves local
            # clocks, and PowerShell subtracts local times as they read, as for a file's LastWriteTime).
            $now = [datetime]::new([long]$a.NowUtcTicks, 'Utc')
            $expected = ($now - $wire) + ($tz.GetUtcOffset($now) - $tz.GetUtcOffset($wire))
            [math]::Abs(([timespan][long]$a.AgeTicks - $expected).TotalSeconds) | Should -BeLessThan 5
        }
    }

    It 'gives every time property of devices, policies, events and sessions a local value and a UTC twin' {
        $r.Pairs.Count | Should -BeGreaterThan 10
        foreach ($p in $r.Pairs) {
            $p.UtcNull | Should -Be $p.Null -Because "$($p.Type).$($p.Name)Utc exists and is set with $($p.Name)"
            if (-not $p.Null) {
                $p.Kind | Should -Be 'Local' -Because "$($p.Type).$($p.Name) is local time"
                $p.UtcKind | Should -Be 'Utc' -Because "$($p.Type).$($p.Name)Utc is UTC"
            }
            $p.Same | Should -BeTrue -Because "$($p.Type).$($p.Name) and its Utc twin are the same instant"
        }
        ($r.Pairs | Where-Object Type -eq 'Session').Name | Should -Contain 'ConnectedAt'
        $r.ConnectedAt.Kind | Should -Be 'Local'
        $r.ConnectedAt.UtcKind | Should -Be 'Utc'
        $r.ConnectedAt.LocalOffBy | Should -BeLessThan 120
        $r.ConnectedAt.UtcOffBy | Should -BeLessThan 120
    }

    It 'tables show local time, and say so' {
        $r.Table | Should -Match 'LastContact \(local\)'
        $r.Table | Should -Match ([regex]::Escape($r.LocalText))
    }

    It 'keeps the wire exact and in UTC: Export-CbPolicy and ToPolicyInfo' {
        $rawPolicy = $rawPolicies | Where-Object id -eq $r.PolicyId
        $r.Export.policyInfo.latestRevision | Should -Be $rawPolicy.latestRevision
        # 2024-01-02 03:04:05 on this zone's clock, as epoch milliseconds.
        $r.EditedMs | Should -Be $r.ExpectedMs
        $local = [datetime]::SpecifyKind([datetime]'2024-01-02 03:04:05', 'Unspecified')
        $r.EditedMs | Should -Be ([DateTimeOffset]::new($local, $tz.GetUtcOffset($local)).ToUnixTimeMilliseconds())
    }
}

Describe 'The time rule of the model types' {
    It 'every public DateTime property Xxx of a CbDefense type is local time with an XxxUtc twin in UTC' {
        # The objects the cmdlets write. Query types (DeviceQuery, EventQuery) are inputs, not output: they take a time
        # of any kind. The session (no public constructor) has its ConnectedAt pair checked in the zones above.
        $types = @([CbDefense.Device].Assembly.GetExportedTypes() |
            Where-Object { $_.Namespace -eq 'CbDefense' -and $_ -ne [CbDefense.Session] -and -not $_.IsAbstract -and $_.Name -notmatch 'Query$' })
        $checked = 0
        foreach ($T in $types) {
            $times = @($T.GetProperties() | Where-Object { ($_.PropertyType -eq [datetime] -or $_.PropertyType -eq [Nullable[datetime]]) -and $_.Name -notmatch 'Utc$' })
            $ctor = $T.GetConstructor([type[]]@())
            foreach ($p in $times) {
                $what = "$($T.Name).$($p.Name)"
                $twin = $T.GetProperty($p.Name + 'Utc')
                $twin | Should -Not -BeNullOrEmpty -Because "$what needs a $($p.Name)Utc twin"
                $twin.PropertyType | Should -Be $p.PropertyType
                if ($ctor -and $p.CanWrite -and $twin.CanWrite) {
                    $o = $ctor.Invoke(@())
                    $utc = [datetime]::new(2024, 7, 1, 12, 30, 15, 250, [DateTimeKind]::Utc)
                    $twin.SetValue($o, $utc)
                    $p.GetValue($o).Kind | Should -Be 'Local' -Because "$what is local time"
                    $p.GetValue($o) | Should -Be $utc.ToLocalTime()
                    $p.SetValue($o, $utc.ToLocalTime().AddHours(1))
                    $twin.GetValue($o).Kind | Should -Be 'Utc' -Because "$($what)Utc is UTC"
                    $twin.GetValue($o) | Should -Be $utc.AddHours(1)
                    $twin.SetValue($o, $null)
                    $p.GetValue($o) | Should -BeNullOrEmpty
                }
                $checked++
            }
        }
        $checked | Should -BeGreaterThan 20
    }
}
