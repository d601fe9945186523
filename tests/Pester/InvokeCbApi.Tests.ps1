BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:emu = Start-CbEmulator -Devices 30 -Seed 3
    $script:session = Connect-TestEmulator -Emulator $emu
    function script:Last-Request { @(Get-EmulatorRequests -Emulator $emu -Last 1)[0] }
}
AfterAll {
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    Assert-CbNoSecretLeak
}

Describe 'Invoke-CbApi' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu; Set-EmulatorFaults -Emulator $emu }

    It 'GETs a path and returns the JSON as objects' {
        $r = Invoke-CbApi -Path /integrationServices/v3/device -Query @{ rows = 5 }
        $r.success | Should -BeTrue
        $r.totalResults | Should -Be 30
        @($r.results).Count | Should -Be 5
        $r.results[0].deviceId | Should -BeGreaterThan 0
    }

    It 'sends -Query sorted and form-encoded, list values as repeated keys' {
        $null = Invoke-CbApi -Path /integrationServices/v3/device -Query @{ rows = 2; hostName = 'a b'; zz = @('1', '2') }
        (Last-Request).query | Should -Be '?hostName=a+b&rows=2&zz=1&zz=2'
    }

    It 'returns the body as text with -Raw' {
        $t = Invoke-CbApi -Path /integrationServices/v3/device/$((Invoke-CbApi -Path /integrationServices/v3/device -Query @{rows=1}).results[0].deviceId) -Raw
        $t | Should -BeOfType ([string])
        $t | Should -Match '"deviceInfo"'
    }

    It 'sends -Body as JSON (hashtable) and returns the reply' {
        $policy = (Invoke-CbApi -Path /integrationServices/v3/policy).results[0]
        $body = @{ policyInfo = @{ name = 'Pester raw policy'; description = 'made by Invoke-CbApi'; priorityLevel = 'LOW'; version = 2; policy = $policy.policy } }
        $r = Invoke-CbApi -Method POST -Path /integrationServices/v3/policy -Body $body
        $r.policyId | Should -BeGreaterThan 0
        $req = Last-Request
        $req.method | Should -Be 'POST'
        ($req.body | ConvertFrom-Json).policyInfo.name | Should -Be 'Pester raw policy'
        (Invoke-CbApi -Path "/integrationServices/v3/policy/$($r.policyId)").policyInfo.name | Should -Be 'Pester raw policy'
        Invoke-CbApi -Method DELETE -Path "/integrationServices/v3/policy/$($r.policyId)" | Out-Null
        { Invoke-CbApi -Path "/integrationServices/v3/policy/$($r.policyId)" -ErrorAction Stop } | Should -Throw
    }

    It 'sends a -Body given as a JSON string as it is' {
        $dev = (Invoke-CbApi -Path /integrationServices/v3/device -Query @{rows=1}).results[0]
        $pol = (Invoke-CbApi -Path /integrationServices/v3/policy).results | Where-Object id -ne $dev.policyId | Select-Object -First 1
        $r = Invoke-CbApi -Method PATCH -Path "/integrationServices/v3/device/$($dev.deviceId)" -Body "{`"policyId`": $($pol.id)}"
        $r.deviceInfo.policyId | Should -Be $pol.id
        (Last-Request).body | Should -Be "{`"policyId`": $($pol.id)}"
    }

    It '-ExpectedResponse passes when the keys match and fails naming the key otherwise' {
        { Invoke-CbApi -Path /integrationServices/v3/policy -ExpectedResponse @{ success = $true } -ErrorAction Stop } | Should -Not -Throw
        { Invoke-CbApi -Path /integrationServices/v3/policy -ExpectedResponse @{ message = 'Nope' } -ErrorAction Stop } | Should -Throw '*message*'
    }

    It 'a 404 is an ObjectNotFound error with the server''s message' {
        $err = { Invoke-CbApi -Path /integrationServices/v3/device/999999999 -ErrorAction Stop } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -Match '999999999'
    }

    It 'a 400 is an InvalidArgument error with the server''s message' {
        $err = { Invoke-CbApi -Method POST -Path /integrationServices/v3/policy -Body @{ policyInfo = @{ name = 'x' } } -ErrorAction Stop } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Not -BeNullOrEmpty
    }

    It '-WhatIf sends nothing for a change, and reads are still sent' {
        $dev = (Invoke-CbApi -Path /integrationServices/v3/device -Query @{rows=1}).results[0]
        Clear-EmulatorRequests -Emulator $emu
        Invoke-CbApi -Method PATCH -Path "/integrationServices/v3/device/$($dev.deviceId)" -Body @{ policyName = 'Standard' } -WhatIf
        Invoke-CbApi -Method DELETE -Path /integrationServices/v3/policy/1 -WhatIf
        @(Get-EmulatorRequests -Emulator $emu).Count | Should -Be 0
        $null = Invoke-CbApi -Path /integrationServices/v3/policy -WhatIf
        @(Get-EmulatorRequests -Emulator $emu).Count | Should -Be 1
    }

    It 'a path that holds the secret never shows it: not in the error, its target, nor a -WhatIf' {
        $secret = ($emu.ApiToken -split '/')[0]
        Invoke-CbApi -Path "/integrationServices/v3/nothing/$secret" -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        "$($err[0].TargetObject)" | Should -Not -Match $secret
        "$($err[0].TargetObject)" | Should -Match 'REDACTED'
        ($err[0] | Format-List * -Force | Out-String) | Should -Not -Match $secret
        $whatIf = Invoke-InCaptureHost -Emulator $emu -Script "Invoke-CbApi -Method DELETE -Path '/integrationServices/v3/nothing/$secret' -WhatIf"
        $whatIf | Should -Match 'What if:.*nothing/\*\*\*REDACTED\*\*\*'
        $whatIf | Should -Not -Match $secret
    }

    It 'a 204 writes nothing' {
        $dev = (Invoke-CbApi -Path /integrationServices/v3/device -Query @{rows=1}).results[0]
        $r = Invoke-CbApi -Method POST -Path "/appservices/v6/orgs/$($emu.OrgKey)/device_actions" -Body @{ action_type = 'BACKGROUND_SCAN'; device_id = @($dev.deviceId); options = @{ toggle = 'ON' } }
        $r | Should -BeNullOrEmpty
    }
}
