BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:emu = Start-CbEmulator -Devices 2600 -Seed 11
    $script:session = Connect-TestEmulator -Emulator $emu
    $headers = @{ 'X-Auth-Token' = $emu.ApiToken }
    $script:raw = (Invoke-RestMethod -Uri "$($emu.Uri)/integrationServices/v3/device?rows=5000" -Headers $headers).results
    $script:actionPath = "/appservices/v6/orgs/$($emu.OrgKey)/device_actions"

    function script:Get-ActionRequests { @(Get-EmulatorRequests -Emulator $emu -Last 10000 | Where-Object path -EQ $actionPath) }
    function script:Get-AllRequests { @(Get-EmulatorRequests -Emulator $emu -Last 10000) }
    function script:Get-Raw([long] $id) { (Invoke-RestMethod -Uri "$($emu.Uri)/integrationServices/v3/device/$id" -Headers $headers).deviceInfo }
    # A device nobody else in this file touches: each test takes its own from a shared counter.
    $script:next = 0
    function script:New-TestDevice([string] $Type) {
        $pick = $raw | Where-Object { (-not $Type -or $_.deviceType -eq $Type) -and $_.status -notin 'UNINSTALLED', 'DEREGISTERED' } |
            Select-Object -Skip $script:next -First 1
        $script:next++
        Get-CbDevice -Id $pick.deviceId
    }
}
AfterAll {
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    Assert-CbNoSecretLeak
}

Describe 'Each device action: request body and effect' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu; Set-EmulatorFaults -Emulator $emu }

    It 'Set-CbDeviceQuarantine sends QUARANTINE ON/OFF and the device is (un)quarantined' {
        $d = New-TestDevice
        Set-CbDeviceQuarantine -DeviceId $d.DeviceId -Enabled $true -Confirm:$false
        (Get-ActionRequests)[0].body | Should -Be "{`"action_type`":`"QUARANTINE`",`"device_id`":[$($d.DeviceId)],`"options`":{`"toggle`":`"ON`"}}"
        $after = Get-CbDevice -Id $d.DeviceId
        $after.Quarantined | Should -BeTrue
        $after.Status | Should -Be 'QUARANTINE'

        Clear-EmulatorRequests -Emulator $emu
        Set-CbDeviceQuarantine -DeviceId $d.DeviceId -Enabled $false -Confirm:$false
        (Get-ActionRequests)[0].body | Should -Be "{`"action_type`":`"QUARANTINE`",`"device_id`":[$($d.DeviceId)],`"options`":{`"toggle`":`"OFF`"}}"
        (Get-CbDevice -Id $d.DeviceId).Quarantined | Should -BeFalse
    }

    It 'Set-CbDeviceBypass sends BYPASS and the status follows' {
        $d = New-TestDevice
        Set-CbDeviceBypass -DeviceId $d.DeviceId -Enabled $true -Confirm:$false
        (Get-ActionRequests)[0].body | Should -Be "{`"action_type`":`"BYPASS`",`"device_id`":[$($d.DeviceId)],`"options`":{`"toggle`":`"ON`"}}"
        (Get-CbDevice -Id $d.DeviceId).Status | Should -Be 'BYPASS'
        Set-CbDeviceBypass -DeviceId $d.DeviceId -Enabled $false -Confirm:$false
        (Get-CbDevice -Id $d.DeviceId).Status | Should -Not -Be 'BYPASS'
    }

    It 'Set-CbDeviceBackgroundScan sends BACKGROUND_SCAN and the scan status follows' {
        $d = New-TestDevice
        Set-CbDeviceBackgroundScan -DeviceId $d.DeviceId -Enabled $true -Confirm:$false
        (Get-ActionRequests)[0].body | Should -Be "{`"action_type`":`"BACKGROUND_SCAN`",`"device_id`":[$($d.DeviceId)],`"options`":{`"toggle`":`"ON`"}}"
        (Get-CbDevice -Id $d.DeviceId).ScanStatus | Should -Be 'IN_PROGRESS'
        Set-CbDeviceBackgroundScan -DeviceId $d.DeviceId -Enabled $false -Confirm:$false
        (Get-CbDevice -Id $d.DeviceId).ScanStatus | Should -Be 'STOPPED'
    }

    It 'Set-CbDevicePolicy -PolicyId sends UPDATE_POLICY and moves the device' {
        $d = New-TestDevice
        $target = if ($d.PolicyId -eq 30245) { 30246 } else { 30245 }
        Set-CbDevicePolicy -DeviceId $d.DeviceId -PolicyId $target -Confirm:$false
        (Get-ActionRequests)[0].body | Should -Be "{`"action_type`":`"UPDATE_POLICY`",`"device_id`":[$($d.DeviceId)],`"options`":{`"policy_id`":$target}}"
        $after = Get-CbDevice -Id $d.DeviceId
        $after.PolicyId | Should -Be $target
        $after.PolicyName | Should -Be $(if ($target -eq 30245) { 'Executives' } else { 'Developers' })
    }

    It 'Set-CbDevicePolicy -PolicyName resolves the name (exact, any case) through the policy list' {
        $d = New-TestDevice
        Set-CbDevicePolicy -DeviceId $d.DeviceId -PolicyName 'linux_SERVERS' -Confirm:$false
        $all = Get-AllRequests
        $policyGet = @($all | Where-Object { $_.method -eq 'GET' -and $_.path -eq '/integrationServices/v3/policy' })
        $policyGet.Count | Should -Be 1
        $policyGet[0].seq | Should -BeLessThan (Get-ActionRequests)[0].seq
        (Get-ActionRequests)[0].body | Should -Be "{`"action_type`":`"UPDATE_POLICY`",`"device_id`":[$($d.DeviceId)],`"options`":{`"policy_id`":30244}}"
        (Get-CbDevice -Id $d.DeviceId).PolicyName | Should -Be 'Linux_Servers'
    }

    It 'Update-CbDeviceSensor sends UPDATE_SENSOR_VERSION with upper-case OS keys and the sensor version changes' {
        $d = New-TestDevice -Type WINDOWS
        Update-CbDeviceSensor -DeviceId $d.DeviceId -SensorVersion @{ windows = '3.9.1.2451' } -Confirm:$false
        (Get-ActionRequests)[0].body | Should -Be "{`"action_type`":`"UPDATE_SENSOR_VERSION`",`"device_id`":[$($d.DeviceId)],`"options`":{`"sensor_version`":{`"WINDOWS`":`"3.9.1.2451`"}}}"
        (Get-CbDevice -Id $d.DeviceId).SensorVersion | Should -Be '3.9.1.2451'
    }

    It 'Uninstall-CbDeviceSensor sends UNINSTALL_SENSOR without options and the device is uninstalled' {
        $d = New-TestDevice
        Uninstall-CbDeviceSensor -DeviceId $d.DeviceId -Confirm:$false
        (Get-ActionRequests)[0].body | Should -Be "{`"action_type`":`"UNINSTALL_SENSOR`",`"device_id`":[$($d.DeviceId)]}"
        $after = Get-CbDevice -Id $d.DeviceId
        $after.Status | Should -Be 'UNINSTALLED'
        $after.UninstalledTime | Should -Not -BeNullOrEmpty
    }

    It 'Remove-CbDevice sends DELETE_SENSOR without options and the device is gone' {
        $d = New-TestDevice
        Remove-CbDevice -DeviceId $d.DeviceId -Confirm:$false
        (Get-ActionRequests)[0].body | Should -Be "{`"action_type`":`"DELETE_SENSOR`",`"device_id`":[$($d.DeviceId)]}"
        Get-CbDevice -Id $d.DeviceId -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It '-PassThru writes the devices as they are after the action, read again from the server' {
        $d = New-TestDevice
        Clear-EmulatorRequests -Emulator $emu
        $out = @(Set-CbDeviceQuarantine -DeviceId $d.DeviceId -Enabled $true -Confirm:$false -PassThru)
        $out.Count | Should -Be 1
        $out[0] | Should -BeOfType ([CbDefense.Device])
        $out[0].Quarantined | Should -BeTrue
        $out[0].Session | Should -Be $session
        @(Get-AllRequests | Where-Object { $_.method -eq 'GET' -and $_.path -eq "/integrationServices/v3/device/$($d.DeviceId)" }).Count | Should -Be 1
        Set-CbDeviceQuarantine -DeviceId $d.DeviceId -Enabled $false -Confirm:$false
    }

    It 'writes nothing without -PassThru' {
        $d = New-TestDevice
        Set-CbDeviceBackgroundScan -DeviceId $d.DeviceId -Enabled $true -Confirm:$false | Should -BeNullOrEmpty
    }

    It '-PassThru writes a not-found error for an id the server does not know (it ignores it in the action)' {
        $d = New-TestDevice
        $out = @(Set-CbDeviceBypass -DeviceId $d.DeviceId, 987654321 -Enabled $true -Confirm:$false -PassThru -ErrorAction SilentlyContinue -ErrorVariable err)
        $out.DeviceId | Should -Be $d.DeviceId
        $err.Count | Should -Be 1
        $err[0].TargetObject | Should -Be 987654321
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DeviceNotFound*'
        Set-CbDeviceBypass -DeviceId $d.DeviceId -Enabled $false -Confirm:$false
    }
}

Describe 'Confirmation: -WhatIf, -Confirm:$false and -Force' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu; Set-EmulatorFaults -Emulator $emu }

    It '<Command> -WhatIf changes nothing (no request but reads), even with -Force' -ForEach @(
        @{ Command = 'Set-CbDeviceQuarantine'; Extra = @{ Enabled = $true } }
        @{ Command = 'Set-CbDeviceBypass'; Extra = @{ Enabled = $true } }
        @{ Command = 'Set-CbDeviceBackgroundScan'; Extra = @{ Enabled = $true } }
        @{ Command = 'Set-CbDevicePolicy'; Extra = @{ PolicyId = 6525 } }
        @{ Command = 'Update-CbDeviceSensor'; Extra = @{ SensorVersion = @{ WINDOWS = '3.6.0.1979' } } }
        @{ Command = 'Uninstall-CbDeviceSensor'; Extra = @{} }
        @{ Command = 'Remove-CbDevice'; Extra = @{} }
    ) {
        $ids = $raw[0..4].deviceId
        $before = $ids | ForEach-Object { Get-Raw $_ } | ConvertTo-Json -Depth 5
        Clear-EmulatorRequests -Emulator $emu
        $ids | & $Command @Extra -WhatIf
        & $Command -DeviceId $ids @Extra -WhatIf -Force
        @(Get-EmulatorRequests -Emulator $emu | Where-Object method -ne 'GET') | Should -BeNullOrEmpty
        $ids | ForEach-Object { Get-Raw $_ } | ConvertTo-Json -Depth 5 | Should -Be $before
    }

    It 'Set-CbDevicePolicy -WhatIf names the policy, given by id or by name' {
        $id = $raw[0].deviceId
        $byId = Invoke-InCaptureHost -Emulator $emu -Script "Set-CbDevicePolicy -DeviceId $id -PolicyId 30242 -WhatIf"
        $byId | Should -Match "Move to policy 'Windows_Server' \(30242\)"
        $byName = Invoke-InCaptureHost -Emulator $emu -Script "Set-CbDevicePolicy -DeviceId $id -PolicyName windows_server -WhatIf"
        $byName | Should -Match "Move to policy 'Windows_Server' \(30242\)"
    }

    It 'Set-CbDevicePolicy refuses an unknown policy id before acting on any device' {
        { Set-CbDevicePolicy -DeviceId $raw[0].deviceId -PolicyId 424242 -Confirm:$false } |
            Should -Throw -ErrorId 'PolicyNotFound.404,CbDefense.Commands.SetCbDevicePolicyCommand'
        @(Get-EmulatorRequests -Emulator $emu | Where-Object method -eq 'POST') | Should -BeNullOrEmpty
    }

    It '$WhatIfPreference wins over -Force too' {
        $WhatIfPreference = $true
        try { Remove-CbDevice -DeviceId $raw[0].deviceId -Force } finally { $WhatIfPreference = $false }
        (Invoke-CbEmulatorAdmin -Emulator $emu -Path stats).totalRequests | Should -Be 0
    }

    It 'a High-impact action runs with -Force or -Confirm:$false' {
        $a = New-TestDevice; $b = New-TestDevice
        Uninstall-CbDeviceSensor -DeviceId $a.DeviceId -Force
        Uninstall-CbDeviceSensor -DeviceId $b.DeviceId -Confirm:$false
        (Get-ActionRequests).Count | Should -Be 2
        (Get-CbDevice -Id $a.DeviceId, $b.DeviceId).Status | Should -Be @('UNINSTALLED', 'UNINSTALLED')
    }

    It '-Force skips the prompt a Medium action would get under $ConfirmPreference = Medium' {
        $d = New-TestDevice
        $ConfirmPreference = 'Medium'
        try { Set-CbDeviceBackgroundScan -DeviceId $d.DeviceId -Enabled $true -Force } finally { $ConfirmPreference = 'High' }
        (Get-ActionRequests).Count | Should -Be 1
    }

    It 'declares ConfirmImpact Medium for the reversible actions and High for uninstall and delete' {
        foreach ($name in 'Set-CbDeviceQuarantine', 'Set-CbDeviceBypass', 'Set-CbDeviceBackgroundScan', 'Set-CbDevicePolicy', 'Update-CbDeviceSensor') {
            (Get-Command $name).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true)[0].ConfirmImpact | Should -Be 'Medium'
        }
        foreach ($name in 'Uninstall-CbDeviceSensor', 'Remove-CbDevice') {
            (Get-Command $name).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true)[0].ConfirmImpact | Should -Be 'High'
        }
    }

    It 'names the devices of a batch by host name, truncated with "and N more"' {
        $devices = Get-CbDevice -First 12
        $verbose = $devices | Set-CbDeviceBackgroundScan -Enabled $false -Force -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Performing the operation*' }
        @($verbose).Count | Should -Be 1
        $verbose.Message | Should -BeLike "*12 devices: $($devices[0].Name) ($($devices[0].DeviceId)), $($devices[1].Name) ($($devices[1].DeviceId)),*"
        $verbose.Message | Should -BeLike "*$($devices[9].Name) ($($devices[9].DeviceId)) and 2 more*"
        $verbose.Message | Should -Not -BeLike "*$($devices[10].Name)*"
    }
}

Describe 'Input, pipelines and batching' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu; Set-EmulatorFaults -Emulator $emu }

    It 'Get-CbDevice -HostName ... | Set-CbDeviceQuarantine sends the matching devices in one request' {
        $prefix = ($raw | Where-Object name -Like 'WIN-*' | Select-Object -First 1).name.Substring(0, 7)
        $current = (Invoke-RestMethod -Uri "$($emu.Uri)/integrationServices/v3/device?rows=5000&hostName=$prefix" -Headers $headers).results
        $expected = @($current | Where-Object name -Like "$prefix*" | Select-Object -ExpandProperty deviceId)
        $expected.Count | Should -BeGreaterThan 1
        Get-CbDevice -HostName "$prefix*" | Set-CbDeviceQuarantine -Enabled $true -Confirm:$false
        $reqs = Get-ActionRequests
        $reqs.Count | Should -Be 1
        ($reqs[0].body | ConvertFrom-Json).device_id | Should -Be $expected
        $now = (Invoke-RestMethod -Uri "$($emu.Uri)/integrationServices/v3/device?rows=5000&hostName=$prefix" -Headers $headers).results
        @($now | Where-Object { $_.deviceId -in $expected -and $_.quarantined }).Count | Should -Be $expected.Count
        $expected | Set-CbDeviceQuarantine -Enabled $false -Confirm:$false
    }

    It 'takes plain ids from the pipeline by value (and numeric strings)' {
        $ids = $raw[20..24].deviceId
        @($ids[0], $ids[1], "$($ids[2])", $ids[3], $ids[4]) | Set-CbDeviceBackgroundScan -Enabled $true -Confirm:$false
        $reqs = Get-ActionRequests
        $reqs.Count | Should -Be 1
        ($reqs[0].body | ConvertFrom-Json).device_id | Should -Be $ids
    }

    It 'takes objects with an Id property (alias) by property name' {
        $ids = $raw[25..26].deviceId
        $ids | ForEach-Object { [pscustomobject]@{ Id = $_ } } | Set-CbDeviceBackgroundScan -Enabled $true -Confirm:$false
        ((Get-ActionRequests)[0].body | ConvertFrom-Json).device_id | Should -Be $ids
    }

    It 'sends a device given twice once' {
        $id = $raw[27].deviceId
        $id, $id, $id | Set-CbDeviceBackgroundScan -Enabled $false -Confirm:$false
        ((Get-ActionRequests)[0].body | ConvertFrom-Json).device_id | Should -Be @($id)
    }

    It 'sends 2,500 ids as 3 requests of at most -BatchSize 1,000, each id exactly once' {
        $ids = $raw[0..2499].deviceId
        $ids | Set-CbDeviceBackgroundScan -Enabled $true -BatchSize 1000 -Confirm:$false
        $reqs = Get-ActionRequests
        $reqs.Count | Should -Be 3
        $sent = $reqs | ForEach-Object { , @(($_.body | ConvertFrom-Json).device_id) }
        $sent[0].Count | Should -Be 1000
        $sent[1].Count | Should -Be 1000
        $sent[2].Count | Should -Be 500
        ($sent | ForEach-Object { $_ }) | Should -Be $ids
    }

    It 'uses a batch size of 1,000 by default and honours a smaller one' {
        $raw[0..2499].deviceId | Set-CbDeviceBackgroundScan -Enabled $false -Confirm:$false
        (Get-ActionRequests).Count | Should -Be 3
        Clear-EmulatorRequests -Emulator $emu
        $raw[0..9].deviceId | Set-CbDeviceBackgroundScan -Enabled $false -BatchSize 4 -Confirm:$false
        (Get-ActionRequests | ForEach-Object { @(($_.body | ConvertFrom-Json).device_id).Count }) | Should -Be @(4, 4, 2)
    }

    It 'sends objects from different sessions to their own session' {
        $lr = Connect-TestEmulator -Emulator $emu -Token $emu.LrToken
        try {
            $fromApi = Get-CbDevice -Session $session -First 3
            $fromLr = Get-CbDevice -Session $lr -Skip 3 -First 2
            # Interleaved on purpose; the default session is now $lr, and the API ones must still go through $session.
            @($fromApi[0], $fromLr[0], $fromApi[1], $fromLr[1], $fromApi[2]) | Set-CbDeviceBackgroundScan -Enabled $true -Confirm:$false
            $reqs = Get-ActionRequests
            $reqs.Count | Should -Be 2
            $byKey = @{}
            foreach ($r in $reqs) { $byKey[$r.keyId] = @(($r.body | ConvertFrom-Json).device_id) }
            $byKey['EMUAPI0001'] | Should -Be $fromApi.DeviceId
            $byKey['EMULR00001'] | Should -Be $fromLr.DeviceId
        }
        finally {
            Disconnect-CbDefense -Session $lr
        }
    }

    It 'does not give a plain id the host name of a Device piped before it' {
        $d = Get-CbDevice -First 1
        $verbose = @($d, $raw[1].deviceId) | Set-CbDeviceBackgroundScan -Enabled $true -Force -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Performing the operation*' }
        $verbose.Message | Should -BeLike "*2 devices: $($d.Name) ($($d.DeviceId)), $($raw[1].deviceId)`"*"
    }
}

Describe 'Failures' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu; Set-EmulatorFaults -Emulator $emu }
    AfterEach { Set-EmulatorFaults -Emulator $emu }

    It 'a failing batch writes one error per id of that batch with the server''s message; the other batches go' {
        $ids = @($raw | Where-Object { $_.status -notin 'UNINSTALLED', 'DEREGISTERED' } | Select-Object -Skip 100 -First 2500 -ExpandProperty deviceId)
        $ids | Set-CbDeviceQuarantine -Enabled $false -Confirm:$false
        Clear-EmulatorRequests -Emulator $emu
        # The first batch gets a 500 (not retried: a POST is not safe to repeat); the next two go through.
        Set-EmulatorFaults -Emulator $emu -Faults @(@{ kind = 'status'; status = 500; count = 1; path = $actionPath })
        $ids | Set-CbDeviceQuarantine -Enabled $true -BatchSize 1000 -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err
        (Get-ActionRequests).Count | Should -Be 3
        $err.Count | Should -Be 1000
        ($err.TargetObject | Sort-Object) | Should -Be ($ids[0..999] | Sort-Object)
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SetCbDeviceQuarantineFailed.500*'
        $err[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $err[0].ErrorDetails.Message | Should -BeLike "Quarantine ON failed for device $($ids[0]):*"
        $states = @{}
        Get-CbDevice | ForEach-Object { $states[$_.DeviceId] = $_.Quarantined }
        $ids[0..999] | ForEach-Object { $states[$_] } | Should -Not -Contain $true
        $ids[1000..2499] | ForEach-Object { $states[$_] } | Should -Not -Contain $false
        $ids | Set-CbDeviceQuarantine -Enabled $false -Confirm:$false
    }

    It 'an error answer from the server (400) is reported per id with its message' {
        $ids = $raw[30..31].deviceId
        $actionPath = "/appservices/v6/orgs/$($emu.OrgKey)/device_actions"
        Set-EmulatorFaults -Emulator $emu -Faults @(@{ kind = 'status'; status = 400; count = 1; path = $actionPath })
        Set-CbDeviceQuarantine -DeviceId $ids -Enabled $true -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err
        $err.Count | Should -Be 2
        $err.TargetObject | Should -Be $ids
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        "$($err[0])" | Should -BeLike '*Quarantine ON failed for device*400*'
    }

    It '429 and 503 are absorbed by the throttle gate: no error and no id lost' {
        Set-EmulatorFaults -Emulator $emu -Faults @(
            @{ kind = 'throttle'; count = 1; retryAfter = 1; path = $actionPath }
            @{ kind = 'status'; status = 503; count = 1; retryAfter = 1; path = $actionPath }
        )
        $ids = $raw[40..2039].deviceId
        $ids | Set-CbDeviceBackgroundScan -Enabled $true -Confirm:$false -ErrorVariable err
        $err.Count | Should -Be 0
        $reqs = Get-ActionRequests
        $ok = @($reqs | Where-Object status -EQ 204)
        $ok.Count | Should -Be 2
        ($ok | ForEach-Object { ($_.body | ConvertFrom-Json).device_id }) | Should -Be $ids
    }
}

Describe 'Invalid input is rejected before any request' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu; Set-EmulatorFaults -Emulator $emu }

    It 'ids that are not positive are errors and never sent' {
        Set-CbDeviceQuarantine -DeviceId -5, 0 -Enabled $true -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err
        $err.Count | Should -Be 2
        $err.TargetObject | Should -Be @(-5, 0)
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidDeviceId*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Invoke-CbEmulatorAdmin -Emulator $emu -Path stats).totalRequests | Should -Be 0
    }

    It 'a policy piped by mistake is refused, never taken for a device id' {
        $policy = Get-CbPolicy | Select-Object -First 1
        Clear-EmulatorRequests -Emulator $emu
        $policy | Set-CbDeviceQuarantine -Enabled $true -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NotADevice*'
        $err[0].Exception.Message | Should -BeLike '*CbDefense.Policy*'
        Get-ActionRequests | Should -BeNullOrEmpty
        # Plain objects with a DeviceId or Id (from a CSV, say) still work.
        [pscustomobject]@{ Id = $raw[0].deviceId } | Set-CbDeviceBackgroundScan -Enabled $true -Confirm:$false
        @(Get-ActionRequests).Count | Should -Be 1
    }

    It 'an unknown OS key in -SensorVersion stops the command' {
        { Update-CbDeviceSensor -DeviceId $raw[0].deviceId -SensorVersion @{ WINDOZE = '3.6.0.1979' } -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidSensorVersion*' -ExpectedMessage '*WINDOZE*WINDOWS, MAC, LINUX*'
        (Invoke-CbEmulatorAdmin -Emulator $emu -Path stats).totalRequests | Should -Be 0
    }

    It 'a malformed version in -SensorVersion stops the command' -ForEach @(@{ V = '3.x' }, @{ V = '' }, @{ V = '3' }, @{ V = 'latest' }) {
        { Update-CbDeviceSensor -DeviceId $raw[0].deviceId -SensorVersion @{ MAC = $V } -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidSensorVersion*'
        (Invoke-CbEmulatorAdmin -Emulator $emu -Path stats).totalRequests | Should -Be 0
    }

    It 'an unknown policy name stops the command, listing the candidates, and sends no action' {
        { Set-CbDevicePolicy -DeviceId $raw[0].deviceId -PolicyName 'Windows' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'PolicyNameNotResolved*' -ExpectedMessage "*No policy is named 'Windows'*Windows_Server*Windows_Workstation*"
        (Get-ActionRequests).Count | Should -Be 0
    }

    It 'a session without an org key stops the command before any request' {
        $secret, $id = $emu.ApiToken -split '/', 2
        $noOrg = Connect-CbDefense -Uri $emu.Uri -ApiId $id -ApiSecretKey (ConvertTo-SecureString $secret -AsPlainText -Force)
        try {
            { Set-CbDeviceQuarantine -Session $noOrg -DeviceId $raw[0].deviceId -Enabled $true -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'NoOrgKey*' -ExpectedMessage '*has no org key*-OrgKey*'
        }
        finally { Disconnect-CbDefense -Session $noOrg }
        (Invoke-CbEmulatorAdmin -Emulator $emu -Path stats).totalRequests | Should -Be 0
    }

    It 'an out-of-range -BatchSize is a parameter error' {
        { Set-CbDeviceQuarantine -DeviceId 1 -Enabled $true -BatchSize 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
        { Set-CbDeviceQuarantine -DeviceId 1 -Enabled $true -BatchSize 10001 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'Objects re-imported from a file go back to their own server' {
    BeforeAll {
        $script:other = Start-CbEmulator -Devices 12 -Seed 77
        $script:otherSession = Connect-TestEmulator -Emulator $other
        $null = Connect-TestEmulator -Emulator $emu   # the default session is the first emulator again
        $script:csv = Join-Path ([IO.Path]::GetTempPath()) ("cbdev-" + [guid]::NewGuid() + '.csv')
        Get-CbDevice -Session $otherSession -First 3 | Export-Csv $csv
    }
    AfterAll {
        Remove-Item $csv -ErrorAction SilentlyContinue
        if ($other) { Stop-CbEmulator $other }
    }

    It 'Import-Csv | Set-CbDeviceQuarantine acts on the server named in the Session column, not the default' {
        Clear-EmulatorRequests -Emulator $emu
        Clear-EmulatorRequests -Emulator $other
        Import-Csv $csv | Set-CbDeviceQuarantine -Enabled $true -Confirm:$false
        @(Get-EmulatorRequests -Emulator $emu | Where-Object method -eq 'POST') | Should -BeNullOrEmpty
        $posts = @(Get-EmulatorRequests -Emulator $other | Where-Object method -eq 'POST')
        $posts.Count | Should -Be 1
        ($posts[0].body | ConvertFrom-Json).device_id | Should -Be @((Import-Csv $csv).DeviceId | ForEach-Object { [long]$_ })
    }

    It 'fails clearly, acting on nothing, when that server has no open session' {
        Disconnect-CbDefense $otherSession
        Clear-EmulatorRequests -Emulator $emu
        Import-Csv $csv | Set-CbDeviceQuarantine -Enabled $true -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 3
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError*'
        "$($err[0])" | Should -BeLike "*no session to $($other.Uri)*Connect-CbDefense*"
        @(Get-EmulatorRequests -Emulator $emu | Where-Object method -eq 'POST') | Should -BeNullOrEmpty
    }
}
