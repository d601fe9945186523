# The device and policy cmdlets on both API generations: the same cases against a Legacy session (v3 routes, an API
# key) and a Current session (devices v6 and policy service v1, a Custom key), over the one state of an emulator that
# serves both. Then what only one generation has, Auto against each emulator mode, and the retired-route error.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:emu = Start-CbEmulator -Devices 240 -Seed 31
    $script:sessions = @{
        Legacy  = Connect-TestEmulator -Emulator $emu -Generation Legacy
        Current = Connect-TestEmulator -Emulator $emu -Generation Current
    }
    # The ground truth, read straight from the v3 API without the module.
    $script:raw = (Invoke-RestMethod -Uri "$($emu.Uri)/integrationServices/v3/device?rows=5000" -Headers @{ 'X-Auth-Token' = $emu.ApiToken }).results
    function script:Get-Raw([long] $Id) {
        (Invoke-RestMethod -Uri "$($emu.Uri)/integrationServices/v3/device/$Id" -Headers @{ 'X-Auth-Token' = $emu.ApiToken }).deviceInfo
    }
    # JSON with keys sorted and the AV features sorted by name: the same settings compare equal whatever the order.
    function script:Get-Canonical($Value) {
        function Sort-Plain($v) {
            if ($v -is [System.Collections.IDictionary]) {
                $o = [ordered]@{}
                foreach ($k in @($v.Keys | Sort-Object)) { $o[$k] = Sort-Plain $v[$k] }
                return $o
            }
            if ($v -is [System.Collections.IList]) {
                $items = @($v | ForEach-Object { Sort-Plain $_ })
                if ($items.Count -gt 0 -and $items[0] -is [System.Collections.IDictionary] -and $items[0].Contains('name')) { $items = @($items | Sort-Object { $_['name'] }) }
                return ,$items
            }
            return $v
        }
        Sort-Plain $Value | ConvertTo-Json -Depth 10 -Compress
    }
    function script:Get-Writes { @(Get-EmulatorRequests -Emulator $emu | Where-Object method -ne 'GET' | Where-Object { $_.path -notlike '*/devices/_search' -and $_.path -notlike '*/devices/_scroll' }) }
    function script:Get-DeviceReads { @(Get-EmulatorRequests -Emulator $emu | Where-Object { $_.path -like '/integrationServices/v3/device*' -or $_.path -like '*/devices/_search' -or $_.path -like '*/devices/_scroll' -or $_.path -match '/devices/\d+$' }) }
}
AfterAll {
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    Assert-CbNoSecretLeak
}

Describe 'Devices on a <_> session' -ForEach 'Legacy', 'Current' {
    BeforeAll { $script:s = $sessions[$_] }
    BeforeEach { Clear-EmulatorRequests -Emulator $emu; Set-EmulatorFaults -Emulator $emu }

    It 'the session speaks the generation asked for' {
        $s.ApiGeneration | Should -Be $_
    }

    It 'lists every device exactly once, as typed objects that carry the session' {
        $all = Get-CbDevice -Session $s -PageSize 50
        $all.Count | Should -Be $raw.Count
        ($all.DeviceId | Sort-Object -Unique).Count | Should -Be $raw.Count
        $all[0] | Should -BeOfType ([CbDefense.Device])
        $all[0].Session | Should -Be $s
        $byId = @{}; $raw | ForEach-Object { $byId[[long]$_.deviceId] = $_ }
        foreach ($d in $all[0..9]) {
            $d.Name | Should -Be $byId[$d.DeviceId].name
            $d.Os | Should -Be $byId[$d.DeviceId].deviceType
            $d.PolicyName | Should -Be $byId[$d.DeviceId].policyName
            $d.LastContactUtc | Should -Be ([DateTimeOffset]::FromUnixTimeMilliseconds($byId[$d.DeviceId].lastContact).UtcDateTime)
        }
    }

    It '-Skip and -First page exactly, and Select-Object -First 1 sends one request' {
        $head = Get-CbDevice -Session $s -First 87
        $page = Get-CbDevice -Session $s -Skip 37 -First 50 -PageSize 20
        $page.DeviceId | Should -Be $head[37..86].DeviceId
        Clear-EmulatorRequests -Emulator $emu
        $one = Get-CbDevice -Session $s | Select-Object -First 1
        $one.DeviceId | Should -Be $head[0].DeviceId
        (Get-DeviceReads).Count | Should -Be 1
    }

    It '-IncludeTotalCount reports the server''s total' {
        $out = Get-CbDevice -Session $s -First 1 -IncludeTotalCount
        [double]($out | Where-Object { $_ -isnot [CbDefense.Device] }).psobject.BaseObject | Should -Be $raw.Count
    }

    It '-HostName without a wildcard is the exact name; with one, a pattern' {
        $cut = $raw.name | ForEach-Object { $_.Substring(0, $_.Length - 1) } | Group-Object | Where-Object Count -gt 1 | Select-Object -First 1 -ExpandProperty Name
        @(Get-CbDevice -Session $s -HostName $cut) | Where-Object Name -ne $cut | Should -BeNullOrEmpty
        $name = ($raw.name | Where-Object { $_ -like "$cut*" })[0]
        @(Get-CbDevice -Session $s -HostName $name.ToLower()).Name | Should -Be @($raw.name | Where-Object { $_ -eq $name })
        @(Get-CbDevice -Session $s -HostName "$cut*").Count | Should -Be @($raw | Where-Object { $_.name -like "$cut*" }).Count
    }

    It '-Status and -OS select exactly the devices with those values' {
        $status = ($raw | Group-Object status | Sort-Object Count | Select-Object -First 1).Name
        @(Get-CbDevice -Session $s -Status $status).DeviceId | Sort-Object | Should -Be (@($raw | Where-Object status -eq $status).deviceId | Sort-Object)
        @(Get-CbDevice -Session $s -OS MAC).DeviceId | Sort-Object | Should -Be (@($raw | Where-Object deviceType -eq 'MAC').deviceId | Sort-Object)
    }

    It 'a -Filter key that is neither a filter of the API nor a device field is refused, and nothing is sent' {
        { Get-CbDevice -Session $s -Filter 'stauts:REGISTERED' -ErrorAction Stop } | Should -Throw '*stauts*'
        Get-DeviceReads | Should -BeNullOrEmpty
    }

    It '-Id fetches each device and reports an unknown id as not found' {
        $ids = $raw[3..5].deviceId
        Get-CbDevice -Session $s -Id ($ids + 987654321) -ErrorVariable err -ErrorAction SilentlyContinue | ForEach-Object DeviceId | Should -Be $ids
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DeviceNotFound*'
        "$($err[0])" | Should -Match '987654321'
    }

    It 'quarantines and releases piped devices, one request each way, the change seen by the other generation too' {
        $ids = $raw[10..12].deviceId
        Get-CbDevice -Session $s -Id $ids | Set-CbDeviceQuarantine -Enabled $true -Confirm:$false
        $ids | ForEach-Object { (Get-Raw $_).quarantined | Should -BeTrue }
        $other = $sessions[($sessions.Keys | Where-Object { $_ -ne $s.ApiGeneration.ToString() })]
        (Get-CbDevice -Session $other -Id $ids).Quarantined | Should -Be @($true, $true, $true)
        Set-CbDeviceQuarantine -Session $s -DeviceId $ids -Enabled $false -Confirm:$false
        @(Get-Writes | Where-Object path -like '*/device_actions').Count | Should -Be 2
        $ids | ForEach-Object { (Get-Raw $_).quarantined | Should -BeFalse }
    }

    It 'Set-CbDevicePolicy -PolicyName resolves the name and -WhatIf changes nothing' {
        $id = $raw[20].deviceId
        Set-CbDevicePolicy -Session $s -DeviceId $id -PolicyName 'windows_server' -WhatIf
        Get-Writes | Should -BeNullOrEmpty
        Set-CbDevicePolicy -Session $s -DeviceId $id -PolicyName 'windows_server' -Confirm:$false
        (Get-Raw $id).policyName | Should -Be 'Windows_Server'
        Set-CbDevicePolicy -Session $s -DeviceId $id -PolicyId 30241 -Confirm:$false
        (Get-Raw $id).policyName | Should -Be 'Windows_Workstation'
    }

    It 'Set-CbDevice saves a device whose policy was edited' {
        $d = Get-CbDevice -Session $s -Id $raw[21].deviceId
        $d.PolicyName = 'Developers'
        ($d | Set-CbDevice -PassThru).PolicyName | Should -Be 'Developers'
        (Get-Raw $d.DeviceId).policyName | Should -Be 'Developers'
        $d | Set-CbDevice -Verbose 4>&1 | Out-String | Should -Match 'nothing changed'
    }
}

Describe 'Policies on a <_> session' -ForEach 'Legacy', 'Current' {
    BeforeAll {
        $script:s = $sessions[$_]
        $script:gen = $_
        $script:other = $sessions[$(if ($_ -eq 'Legacy') { 'Current' } else { 'Legacy' })]
        $script:tmp = Join-Path ([IO.Path]::GetTempPath()) ("cbgen-" + [guid]::NewGuid())
        $null = New-Item -ItemType Directory -Path $tmp
    }
    AfterAll { Remove-Item $tmp -Recurse -Force -ErrorAction SilentlyContinue }
    BeforeEach { Clear-EmulatorRequests -Emulator $emu }

    It 'reads policies by name (wildcards) and id, with their rules and settings' {
        $std = Get-CbPolicy -Session $s -Name Standard
        $std.Id | Should -Be 6525
        $std.SystemPolicy | Should -BeTrue
        $std.ApiGeneration | Should -Be $gen
        @(Get-CbPolicy -Session $s -Name 'Windows*').Name | Sort-Object | Should -Be @('Windows_Server', 'Windows_Workstation')
        $byId = Get-CbPolicy -Session $s -Id 30242
        $byId.Name | Should -Be 'Windows_Server'
        $byId.Rules.Count | Should -Be (Get-CbPolicy -Session $other -Id 30242).Rules.Count
        $byId.SensorSettings.Count | Should -BeGreaterThan 0
    }

    It 'creates, edits, adds and removes rules, and deletes a policy; the other generation sees each step' {
        $name = "Gen-$gen-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        $p = New-CbPolicy -Session $s -Name $name -PriorityLevel LOW -Policy (Get-CbPolicy -Session $s -Name Standard).Settings
        $p.Id | Should -BeGreaterThan 0
        (Get-CbPolicy -Session $other -Id $p.Id).Name | Should -Be $name
        $p.Description = 'edited'
        ($p | Set-CbPolicy -PassThru).Description | Should -Be 'edited'
        (Get-CbPolicy -Session $other -Id $p.Id).Description | Should -Be 'edited'
        $rule = Add-CbPolicyRule -Session $s -PolicyId $p.Id -Operation RUN -ApplicationType NAME_PATH -ApplicationValue '**\gen.exe' -Action DENY -PassThru
        $rule.Id | Should -BeGreaterThan 0
        (Get-CbPolicyRule -Session $other -PolicyId $p.Id -Id $rule.Id).ApplicationValue | Should -Be '**\gen.exe'
        Set-CbPolicyRule -Session $s -PolicyId $p.Id -Id $rule.Id -Action TERMINATE
        (Get-CbPolicyRule -Session $other -PolicyId $p.Id -Id $rule.Id).Action | Should -Be 'TERMINATE'
        $rule | Remove-CbPolicyRule -Session $s
        Get-CbPolicyRule -Session $other -PolicyId $p.Id | Where-Object Id -eq $rule.Id | Should -BeNullOrEmpty
        Remove-CbPolicy -Session $s -Id $p.Id -Confirm:$false
        Get-CbPolicy -Session $other -Id $p.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses to remove a system policy before sending anything' {
        Remove-CbPolicy -Session $s -Id 6525 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SystemPolicyNotRemovable*'
        Get-EmulatorRequests -Emulator $emu | Where-Object method -eq 'DELETE' | Should -BeNullOrEmpty
    }

    It 'New-CbPolicy with only a name starts from the Standard policy''s settings' {
        $p = New-CbPolicy -Session $s -Name "Defaults-$gen"
        $p.SensorSettings.Count | Should -Be (Get-CbPolicy -Session $s -Name Standard).SensorSettings.Count
        Remove-CbPolicy -Session $s -Id $p.Id -Confirm:$false
    }

    It 'an export of this generation imports into the other, and back, keeping the settings' {
        $src = Get-CbPolicy -Session $s -Name Executives
        Export-CbPolicy -Session $s -Id $src.Id -Path (Join-Path $tmp 'exec.json')
        $doc = Get-Content (Join-Path $tmp 'exec.json') -Raw | ConvertFrom-Json
        $doc.apiGeneration | Should -Be $gen
        $warnings = $null
        $imported = Import-CbPolicy -Session $other -Path (Join-Path $tmp 'exec.json') -Name "Executives from $gen" -WarningVariable warnings
        $imported.ApiGeneration | Should -Not -Be $gen
        # What has no place on the other side is named, never dropped silently (the v1-only rule configs, for one).
        if ($gen -eq 'Current') { "$warnings" | Should -Match 'rule_configs' }
        $imported.Rules.Count | Should -Be $src.Rules.Count
        ($imported.Rules | ForEach-Object { "$($_.Operation) $($_.ApplicationType) $($_.ApplicationValue) $($_.Action)" }) |
            Should -Be ($src.Rules | ForEach-Object { "$($_.Operation) $($_.ApplicationType) $($_.ApplicationValue) $($_.Action)" })
        $imported.SensorSettings.Count | Should -Be $src.SensorSettings.Count
        $imported.DirectoryActionRules.Count | Should -Be $src.DirectoryActionRules.Count
        $imported.PriorityLevel | Should -Be $src.PriorityLevel
        # And back: the round trip gives the same settings as the source.
        Export-CbPolicy -Session $other -Id $imported.Id -Path (Join-Path $tmp 'back.json')
        $back = Import-CbPolicy -Session $s -Path (Join-Path $tmp 'back.json') -Name "Executives round trip $gen"
        ($back.Rules | ForEach-Object { "$($_.Operation) $($_.ApplicationValue) $($_.Action)" }) | Should -Be ($src.Rules | ForEach-Object { "$($_.Operation) $($_.ApplicationValue) $($_.Action)" })
        $back.KnownBadHashAutoDeleteDelayMs | Should -Be $src.KnownBadHashAutoDeleteDelayMs
        (Get-Canonical $back.AvSettings) | Should -Be (Get-Canonical $src.AvSettings)
        Remove-CbPolicy -Session $other -Id $imported.Id -Confirm:$false
        Remove-CbPolicy -Session $s -Id $back.Id -Confirm:$false
    }
}

Describe 'Only the current generation' {
    BeforeAll { $script:c = $sessions.Current }
    BeforeEach { Clear-EmulatorRequests -Emulator $emu }

    It 'sends criteria, a query and a sort to the devices v6 search, with a 1-based start' {
        $null = Get-CbDevice -Session $c -HostName 'WIN-*' -Status REGISTERED -Sort '-last_contact_time' -First 5
        $r = @(Get-EmulatorRequests -Emulator $emu | Where-Object path -like '*/devices/_search')[0]
        $b = $r.body | ConvertFrom-Json
        $b.criteria.status | Should -Be @('REGISTERED')
        $b.query | Should -Be 'name:WIN\-*'
        $b.sort[0].field | Should -Be 'last_contact_time'
        $b.sort[0].order | Should -Be 'DESC'
        $b.start | Should -Be 1
        $b.rows | Should -Be 5
    }

    It '-Query goes to the server as it is' {
        $macs = @(Get-CbDevice -Session $c -Query 'os:MAC')
        $macs.Count | Should -Be @($raw | Where-Object deviceType -eq 'MAC').Count
        (@(Get-EmulatorRequests -Emulator $emu | Where-Object path -like '*/devices/_search')[0].body | ConvertFrom-Json).query | Should -Be '(os:MAC)'
    }

    It '-Exclusions leaves out the devices they match, on the server' {
        $version = ($raw | Where-Object deviceType -eq 'WINDOWS' | Group-Object sensorVersion | Sort-Object Count -Descending | Select-Object -First 1).Name
        $expected = @($raw | Where-Object { $_.deviceType -eq 'WINDOWS' -and $_.sensorVersion -ne $version }).deviceId | Sort-Object
        $got = @(Get-CbDevice -Session $c -OS WINDOWS -Exclusions @{ sensor_version = $version })
        @($got.DeviceId | Sort-Object) | Should -Be $expected
        $got.SensorVersion | Should -Not -Contain $version
        $b = @(Get-EmulatorRequests -Emulator $emu | Where-Object path -like '*/devices/_search')[0].body | ConvertFrom-Json
        $b.exclusions.sensor_version | Should -Be @($version)
        { Get-CbDevice -Session $sessions.Legacy -Exclusions @{ sensor_version = $version } -ErrorAction Stop } | Should -Throw '*-Exclusions needs the current API*'
    }

    It 'a device action by -Query counts the matches for -WhatIf, then acts on all of them in one request' {
        $expected = @($raw | Where-Object deviceType -eq 'MAC').deviceId
        Set-CbDeviceBackgroundScan -Session $c -Query 'os:MAC' -Enabled $true -WhatIf
        Get-Writes | Should -BeNullOrEmpty
        Set-CbDeviceBackgroundScan -Session $c -Query 'os:MAC' -Enabled $true -Confirm:$false
        $posts = @(Get-Writes | Where-Object path -like '*/device_actions')
        $posts.Count | Should -Be 1
        ($posts[0].body | ConvertFrom-Json).search.query | Should -Be '(os:MAC)'
        $expected | ForEach-Object { (Get-Raw $_).scanStatus | Should -Not -BeNullOrEmpty }
    }

    It 'Set-CbDevice refuses the target priority, which the current API cannot change' {
        Set-CbDevice -Session $c -Id $raw[0].deviceId -TargetPriority HIGH -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -Match 'no route that changes a device''s target priority'
        Get-Writes | Should -BeNullOrEmpty
    }

    It 'a Legacy session refuses -Query, -Sort and actions by query, naming what to do' {
        { Get-CbDevice -Session $sessions.Legacy -Sort name -ErrorAction Stop } | Should -Throw '*-ApiGeneration Current*'
        { Set-CbDeviceQuarantine -Session $sessions.Legacy -Query 'os:MAC' -Enabled $true -Confirm:$false -ErrorAction Stop } | Should -Throw '*Pipe the devices instead*'
        Get-Writes | Should -BeNullOrEmpty
    }

    It 'Get-CbEvent on a Current session names Get-CbObservation' {
        { Get-CbEvent -Session $c -First 1 -ErrorAction Stop } | Should -Throw '*Get-CbObservation*'
    }
}

Describe 'Past the 10,000-row search window' {
    BeforeAll {
        $script:big = Start-CbEmulator -Devices 12500 -Seed 7
        $script:bigSession = Connect-TestEmulator -Emulator $big -Generation Current
    }
    AfterAll { if ($big) { Stop-CbEmulator $big } }

    It 'every device comes back exactly once, through _search then _scroll' {
        $all = Get-CbDevice -Session $bigSession -PageSize 5000
        $all.Count | Should -Be 12500
        ($all.DeviceId | Sort-Object -Unique).Count | Should -Be 12500
        $reqs = Get-EmulatorRequests -Emulator $big
        @($reqs | Where-Object path -like '*/devices/_scroll').Count | Should -BeGreaterThan 0
        foreach ($r in @($reqs | Where-Object path -like '*/devices/_search')) {
            $b = $r.body | ConvertFrom-Json
            ($b.start + $b.rows - 1) | Should -BeLessOrEqual 10000
        }
    }
}

Describe 'Auto finds the generation with one probe' {
    It 'against an emulator serving <Api> with the <Key> key it is <Expected>' -ForEach @(
        @{ Api = 'both'; Key = 'API'; Expected = 'Legacy' }
        @{ Api = 'both'; Key = 'CUSTOM'; Expected = 'Current' }
        @{ Api = 'legacy'; Key = 'API'; Expected = 'Legacy' }
        @{ Api = 'current'; Key = 'CUSTOM'; Expected = 'Current' }
    ) {
        $e = Start-CbEmulator -Devices 5 -ExtraArguments @('--api', $Api)
        try {
            $token = if ($Key -eq 'CUSTOM') { $e.CustomToken } else { $e.ApiToken }
            $a = Connect-TestEmulator -Emulator $e -Token $token -Generation Auto
            $a.ApiGeneration | Should -Be 'Auto'
            $verbose = $null
            @(Get-CbDevice -Session $a -First 2 -Verbose 4>&1 | Tee-Object -Variable verbose | Where-Object { $_ -is [CbDefense.Device] }).Count | Should -Be 2
            $a.ApiGeneration | Should -Be $Expected
            @($verbose | Where-Object { "$_" -like "*API generation*$Expected*" }).Count | Should -Be 1
            $null = Get-CbDevice -Session $a -First 1
            @(Get-EmulatorRequests -Emulator $e | Where-Object { $_.path -like '*/devices/_search' -and $_.body -eq '{"rows":1}' }).Count | Should -BeLessOrEqual 1
            (Get-CbDefenseSession | Where-Object Id -eq $a.Id | Format-Table | Out-String) | Should -Match $Expected
            Disconnect-CbDefense $a
        }
        finally { Stop-CbEmulator $e }
    }

    It 'an api_generation key in a credentials profile chooses it (and cbapi ignores it)' {
        $f = Join-Path ([IO.Path]::GetTempPath()) ("cbgen-" + [guid]::NewGuid() + '.psc')
        Set-Content -Path $f -Value @('[cur]', "url = $($emu.Uri)", "token = $($emu.CustomToken)", "org_key = $($emu.OrgKey)", 'api_generation = Current')
        try { (Connect-CbDefense -ProfileName cur -CredentialFile $f).ApiGeneration | Should -Be 'Current' }
        finally { Remove-Item $f }
    }

    It 'Current without an org key is refused at connect, naming -OrgKey' {
        $secret, $id = $emu.CustomToken -split '/', 2
        { Connect-CbDefense -Uri $emu.Uri -ApiId $id -ApiSecretKey (ConvertTo-SecureString $secret -AsPlainText -Force) -ApiGeneration Current -ErrorAction Stop } |
            Should -Throw '*-OrgKey*'
    }
}

Describe 'A legacy route the server has retired' {
    It 'answers <Status> and the error says so and what to connect with' -ForEach @(
        @{ Status = 410; Extra = @() }
        @{ Status = 404; Extra = @('--gone-status', '404') }
    ) {
        $e = Start-CbEmulator -Devices 5 -ExtraArguments (@('--api', 'current') + $Extra)
        try {
            $l = Connect-TestEmulator -Emulator $e -Generation Legacy
            $err = { Get-CbDevice -Session $l -First 1 -ErrorAction Stop } | Should -Throw -PassThru
            $err.Exception | Should -BeOfType ([CbDefense.CbRetiredApiException])
            $err.Exception.Message | Should -Match 'retired'
            $err.Exception.Message | Should -Match '-ApiGeneration Current'
            $err.Exception.Message | Should -Match 'Custom'
            $err.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            { Get-CbPolicy -Session $l -ErrorAction Stop } | Should -Throw '*retired*'
        }
        finally { Stop-CbEmulator $e }
    }
}
