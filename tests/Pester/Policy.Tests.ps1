BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:emu = Start-CbEmulator -Devices 30 -Seed 11
    $script:session = Connect-TestEmulator -Emulator $emu
    $script:headers = @{ 'X-Auth-Token' = $emu.ApiToken }
    # Ground truth straight from the API, without the module.
    function script:Get-RawPolicy([long] $Id, $Emulator = $emu) {
        (Invoke-RestMethod -Uri "$($Emulator.Uri)/integrationServices/v3/policy/$Id" -Headers @{ 'X-Auth-Token' = $Emulator.ApiToken }).policyInfo
    }
    function script:Get-PolicyRequests([switch] $WritesOnly) {
        @(Get-EmulatorRequests -Emulator $emu | Where-Object {
                $_.path -like '/integrationServices/v3/policy*' -and (-not $WritesOnly -or $_.method -ne 'GET')
            })
    }
    function script:New-TestPolicy([string] $Name) {
        Get-CbPolicy -Name Windows_Workstation | New-CbPolicy -Name $Name -Description "test $Name"
    }
    $script:tmp = Join-Path ([System.IO.Path]::GetTempPath()) ("cbpol-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $tmp
}
AfterAll {
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    if ($tmp -and (Test-Path $tmp)) { Remove-Item -Recurse -Force $tmp }
    Assert-CbNoSecretLeak
}

Describe 'Get-CbPolicy' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu }

    It 'lists every policy as typed objects carrying the session' {
        $raw = (Invoke-RestMethod -Uri "$($emu.Uri)/integrationServices/v3/policy?rows=5000" -Headers $headers).results
        $all = Get-CbPolicy
        $all.Count | Should -Be $raw.Count
        $all[0] | Should -BeOfType ([CbDefense.Policy])
        $all[0].Session | Should -Be $session
        $ww = $all | Where-Object Name -eq 'Windows_Workstation'
        $rw = $raw | Where-Object name -eq 'Windows_Workstation'
        $ww.Id | Should -Be $rw.id
        $ww.PolicyId | Should -Be $rw.id
        $ww.Rules.Count | Should -Be @($rw.policy.rules).Count
        $ww.Rules[0] | Should -BeOfType ([CbDefense.PolicyRule])
        $ww.LatestRevision | Should -BeOfType ([datetime])
        $ww.LatestRevision.Kind | Should -Be 'Local'
        $ww.LatestRevisionUtc.Kind | Should -Be 'Utc'
        $ww.SensorSettings.Name | Should -Be @($rw.policy.sensorSettings.name)
    }

    It 'matches names with wildcards, ignoring case' {
        $w = Get-CbPolicy -Name 'windows*'
        $w.Name | Sort-Object | Should -Be @('Windows_Server', 'Windows_Workstation')
        (Get-CbPolicy -Name STANDARD).Id | Should -Be 6525
    }

    It 'writes a not-found error for an exact name that matches nothing, and still writes the others' {
        $out = Get-CbPolicy -Name 'Standard', 'No such policy' -ErrorVariable err -ErrorAction SilentlyContinue
        $out.Name | Should -Be 'Standard'
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PolicyNotFound*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].Exception.Message | Should -Match 'No such policy'
    }

    It 'gets policies by id from the pipeline and reports unknown ids' {
        $out = 6525, 999999, 30241 | Get-CbPolicy -ErrorVariable err -ErrorAction SilentlyContinue
        $out.Id | Should -Be @(6525, 30241)
        $err[0].FullyQualifiedErrorId | Should -Be 'PolicyNotFound.404,CbDefense.Commands.GetCbPolicyCommand'
        $err[0].TargetObject | Should -Be 999999
        $err[0].Exception.Message | Should -Match 'Policy 999999 was not found'
    }

    It 'gets the policy of a device through the pipeline' {
        $device = Get-CbDevice -First 1
        ($device | Get-CbPolicy).Id | Should -Be $device.PolicyId
    }

    It 'uses the documented list route with 1-based paging' {
        $null = Get-CbPolicy
        $r = Get-PolicyRequests
        $r.Count | Should -Be 1
        $r[0].path | Should -Be '/integrationServices/v3/policy'
        $r[0].query | Should -Match 'start=1'
    }
}

Describe 'New-CbPolicy' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu }

    It 'creates a policy from a hashtable: policyInfo without id, version 2, then reads it back' {
        $p = New-CbPolicy -Name 'Kiosks' -PriorityLevel high -Policy @{
            sensorSettings = @(@{ name = 'SHOW_UI'; value = 'False' })
            rules          = @(@{ operation = 'RUN'; application = @{ type = 'NAME_PATH'; value = '**\kiosk.exe' }; action = 'ALLOW'; required = $false })
        }
        $p | Should -BeOfType ([CbDefense.Policy])
        $p.Name | Should -Be 'Kiosks'
        $p.PriorityLevel | Should -Be 'HIGH'
        $p.Id | Should -BeGreaterThan 0
        $post = Get-PolicyRequests -WritesOnly
        $post.Count | Should -Be 1
        $post[0].method | Should -Be 'POST'
        $post[0].path | Should -Be '/integrationServices/v3/policy'
        $body = ($post[0].body | ConvertFrom-Json).policyInfo
        $body.PSObject.Properties.Name | Should -Not -Contain 'id'
        $body.version | Should -Be 2
        $body.description | Should -Be ''
        $body.priorityLevel | Should -Be 'HIGH'
        $body.policy.rules[0].application.value | Should -Be '**\kiosk.exe'
        $raw = Get-RawPolicy $p.Id
        $raw.name | Should -Be 'Kiosks'
        $raw.policy.sensorSettings[0].value | Should -Be 'False'
        $raw.policy.rules[0].action | Should -Be 'ALLOW'
    }

    It 'clones a policy from the pipeline, keeping every setting and rule' {
        $src = Get-CbPolicy -Name Executives
        $copy = $src | New-CbPolicy -Name 'Executives - copy'
        $copy.Id | Should -Not -Be $src.Id
        $copy.Description | Should -Be $src.Description
        $copy.PriorityLevel | Should -Be $src.PriorityLevel
        ($copy.Rules | ForEach-Object ToString) | Should -Be ($src.Rules | ForEach-Object ToString)
        $raw = Get-RawPolicy $copy.Id
        $rawSrc = Get-RawPolicy $src.Id
        ($raw.policy.avSettings | ConvertTo-Json -Depth 20) | Should -Be ($rawSrc.policy.avSettings | ConvertTo-Json -Depth 20)
        ($raw.policy.sensorSettings | ConvertTo-Json -Depth 20) | Should -Be ($rawSrc.policy.sensorSettings | ConvertTo-Json -Depth 20)
    }

    It 'clones with -FromPolicy and overrides the settings and priority given' {
        $p = New-CbPolicy -Name 'CloneOverride' -FromPolicy (Get-CbPolicy -Name Developers) -PriorityLevel HIGH -Policy @{ rules = @() }
        $p.PriorityLevel | Should -Be 'HIGH'
        $p.Rules | Should -BeNullOrEmpty
        $p.Description | Should -Be (Get-CbPolicy -Name Developers).Description
    }

    It 'takes the settings as JSON text' {
        $json = '{"sensorSettings":[{"name":"SHOW_UI","value":"True"}],"rules":[],"knownBadHashAutoDeleteDelayMs":120000}'
        $p = New-CbPolicy -Name 'FromJson' -PriorityLevel LOW -Policy $json
        $p.KnownBadHashAutoDeleteDelayMs | Should -Be 120000
    }

    It 'with only a name, creates a policy with the settings of the org''s Standard policy, and says so' {
        $verbose = $null
        $p = New-CbPolicy -Name 'OnlyAName' -Verbose 4>&1 | Tee-Object -Variable verbose | Where-Object { $_ -is [CbDefense.Policy] }
        $p.Name | Should -Be 'OnlyAName'
        $p.Id | Should -BeGreaterThan 0
        $standard = Get-CbPolicy -Name Standard
        $p.SensorSettings.Count | Should -Be $standard.SensorSettings.Count
        ($p.AvSettings | ConvertTo-Json -Depth 8) | Should -Be ($standard.AvSettings | ConvertTo-Json -Depth 8)
        $p.SystemPolicy | Should -Not -BeTrue
        @($verbose | Where-Object { "$_" -like "*starts from the settings of the org's Standard policy*" }).Count | Should -Be 1
    }

    It 'rejects an invalid priority level or rule before sending, naming the allowed values' {
        New-CbPolicy -Name 'Bad' -PriorityLevel URGENT -Policy @{} -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].Exception.Message | Should -Match 'URGENT.*LOW, MEDIUM, HIGH, MISSION_CRITICAL'
        New-CbPolicy -Name 'Bad' -PriorityLevel LOW -Policy @{ rules = @(@{ operation = 'FLY'; application = @{ type = 'NAME_PATH'; value = 'x' }; action = 'DENY' }) } -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].Exception.Message | Should -Match 'rules\[0\].*FLY.*RUN'
        Get-PolicyRequests | Should -BeNullOrEmpty
    }

    It 'surfaces the server''s message: a duplicate name is a 409' {
        New-CbPolicy -Name 'Standard' -PriorityLevel LOW -Policy @{} -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NewPolicyFailed.409*'
        $err[0].Exception.Message | Should -Match "already exists"
    }

    It '-WhatIf sends nothing' {
        Get-CbPolicy -Name Standard | New-CbPolicy -Name 'WhatIfCopy' -WhatIf
        Get-PolicyRequests -WritesOnly | Should -BeNullOrEmpty
        Get-CbPolicy -Name 'WhatIfCopy' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Set-CbPolicy' {
    BeforeAll { $script:target = New-TestPolicy 'SetTarget' }
    BeforeEach { Clear-EmulatorRequests -Emulator $emu }

    It 'saves a modified policy object with a PUT of the whole policyInfo' {
        $p = Get-CbPolicy -Id $target.Id
        $before = Get-RawPolicy $target.Id
        $p.Description = 'edited'
        ($p.SensorSettings | Where-Object Name -eq 'SHOW_UI').Value = 'False'
        $saved = $p | Set-CbPolicy -PassThru
        $saved.Description | Should -Be 'edited'
        $put = @(Get-PolicyRequests -WritesOnly)
        $put.Count | Should -Be 1
        $put[0].method | Should -Be 'PUT'
        $put[0].path | Should -Be "/integrationServices/v3/policy/$($target.Id)"
        $body = ($put[0].body | ConvertFrom-Json).policyInfo
        $body.id | Should -Be $target.Id
        $body.name | Should -Be 'SetTarget'
        $body.version | Should -Be 2
        ($body.policy.avSettings | ConvertTo-Json -Depth 20) | Should -Be ($before.policy.avSettings | ConvertTo-Json -Depth 20)
        @($body.policy.rules).Count | Should -Be @($before.policy.rules).Count
        $after = Get-RawPolicy $target.Id
        $after.description | Should -Be 'edited'
        ($after.policy.sensorSettings | Where-Object name -eq 'SHOW_UI').value | Should -Be 'False'
    }

    It 'changes fields by -Id and keeps the rest' {
        Set-CbPolicy -Id $target.Id -PriorityLevel mission_critical -Name 'SetTarget2'
        $after = Get-RawPolicy $target.Id
        $after.priorityLevel | Should -Be 'MISSION_CRITICAL'
        $after.name | Should -Be 'SetTarget2'
        $after.description | Should -Be 'edited'
        (Get-PolicyRequests -WritesOnly).Count | Should -Be 1
    }

    It 'reports an unknown id and sends no PUT' {
        Set-CbPolicy -Id 999999 -Description x -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PolicyNotFound.404*'
        Get-PolicyRequests -WritesOnly | Should -BeNullOrEmpty
    }

    It 'rejects an invalid priority level before sending and -WhatIf sends nothing' {
        Set-CbPolicy -Id $target.Id -PriorityLevel EXTREME -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].Exception.Message | Should -Match 'EXTREME.*MISSION_CRITICAL'
        Get-CbPolicy -Id $target.Id | Set-CbPolicy -Description 'never' -WhatIf
        Set-CbPolicy -Id $target.Id -Description 'never' -WhatIf
        Get-PolicyRequests -WritesOnly | Should -BeNullOrEmpty
        (Get-RawPolicy $target.Id).description | Should -Be 'edited'
    }

    It 'surfaces a server 400 (a rule the server refuses)' {
        $p = Get-CbPolicy -Id $target.Id
        $p.Settings['rules'] = @(@{ operation = 'RUN'; required = 'maybe'; action = 'DENY'; application = @{ type = 'NAME_PATH'; value = 'x' } })
        $p | Set-CbPolicy -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SetPolicyFailed.400*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -Match 'required'
    }
}

Describe 'Remove-CbPolicy' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu }

    It 'has ConfirmImpact High' {
        $meta = [System.Management.Automation.CommandMetadata]::new((Get-Command Remove-CbPolicy))
        $meta.ConfirmImpact | Should -Be 'High'
    }

    It 'deletes a policy from the pipeline' {
        $p = New-TestPolicy 'ToDelete'
        Clear-EmulatorRequests -Emulator $emu
        $p | Remove-CbPolicy -Confirm:$false
        $del = Get-PolicyRequests -WritesOnly
        $del.Count | Should -Be 1
        $del[0].method | Should -Be 'DELETE'
        $del[0].path | Should -Be "/integrationServices/v3/policy/$($p.Id)"
        Get-CbPolicy -Id $p.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses system policies with a clear error and sends no DELETE' {
        Get-CbPolicy -Name Standard | Remove-CbPolicy -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        Remove-CbPolicy -Id 6526 -Confirm:$false -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SystemPolicyNotRemovable*'
        $err[0].Exception.Message | Should -Match "system policy"
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'SystemPolicyNotRemovable*'
        Get-PolicyRequests -WritesOnly | Should -BeNullOrEmpty
        Get-CbPolicy -Id 6525, 6526 | Should -HaveCount 2
    }

    It 'surfaces the server''s 409 for a policy that still has devices' {
        $device = Get-CbDevice -First 1
        Remove-CbPolicy -Id $device.PolicyId -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        if ((Get-CbPolicy -Id $device.PolicyId).SystemPolicy) {
            $err[0].FullyQualifiedErrorId | Should -BeLike 'SystemPolicyNotRemovable*'
        }
        else {
            $err[0].FullyQualifiedErrorId | Should -BeLike 'RemovePolicyFailed.409*'
            $err[0].Exception.Message | Should -Match 'device'
        }
        Get-CbPolicy -Id $device.PolicyId | Should -Not -BeNullOrEmpty
    }

    It 'reports unknown ids and goes on with the others; -WhatIf sends nothing' {
        $p = New-TestPolicy 'ToDelete2'
        Clear-EmulatorRequests -Emulator $emu
        $p | Remove-CbPolicy -WhatIf
        Remove-CbPolicy -Id $p.Id -WhatIf
        Get-PolicyRequests | Should -BeNullOrEmpty
        Remove-CbPolicy -Id 999999, $p.Id -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PolicyNotFound.404*'
        Get-CbPolicy -Id $p.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Policy rules' {
    BeforeAll { $script:rp = New-TestPolicy 'RuleTarget' }
    BeforeEach { Clear-EmulatorRequests -Emulator $emu }

    It 'Get-CbPolicyRule returns the rules of a piped policy, with policy id, name and session' {
        $rules = Get-CbPolicy -Id $rp.Id | Get-CbPolicyRule
        $raw = Get-RawPolicy $rp.Id
        $rules.Count | Should -Be @($raw.policy.rules).Count
        $rules[0].PolicyId | Should -Be $rp.Id
        $rules[0].PolicyName | Should -Be 'RuleTarget'
        $rules[0].Session | Should -Be $session
        $rules.Id | Should -Be @($raw.policy.rules.id)
        (Get-CbPolicyRule -PolicyId $rp.Id -Id $rules[1].Id).Action | Should -Be $raw.policy.rules[1].action
        Get-CbPolicyRule -PolicyId $rp.Id -Id 4242 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PolicyRuleNotFound*'
    }

    It 'Get-CbPolicy -Name ... | Add-CbPolicyRule adds the rule (the contract pipeline) and -PassThru returns it with its id' {
        $before = @((Get-RawPolicy $rp.Id).policy.rules)
        $new = Get-CbPolicy -Name RuleTarget | Add-CbPolicyRule -Operation RUN -ApplicationType NAME_PATH -ApplicationValue '**\mimikatz.exe' -Action DENY -PassThru
        $new | Should -BeOfType ([CbDefense.PolicyRule])
        $new.Id | Should -Be (($before.id | Measure-Object -Maximum).Maximum + 1)
        $new.ApplicationValue | Should -Be '**\mimikatz.exe'
        $new.PolicyId | Should -Be $rp.Id
        $post = @(Get-PolicyRequests -WritesOnly)
        $post.Count | Should -Be 1
        $post[0].path | Should -Be "/integrationServices/v3/policy/$($rp.Id)/rule"
        $body = ($post[0].body | ConvertFrom-Json).ruleInfo
        $body.operation | Should -Be 'RUN'
        $body.action | Should -Be 'DENY'
        $body.required | Should -BeFalse
        $body.application.type | Should -Be 'NAME_PATH'
        $body.application.value | Should -Be '**\mimikatz.exe'
        $body.PSObject.Properties.Name | Should -Not -Contain 'id'
        @((Get-RawPolicy $rp.Id).policy.rules).Count | Should -Be ($before.Count + 1)
    }

    It 'normalizes the case of values and takes -Rule as a hashtable or JSON' {
        $a = Add-CbPolicyRule -PolicyId $rp.Id -Operation network -ApplicationType signed_by -ApplicationValue 'Contoso Ltd' -Action allow -Required -PassThru
        $a.Operation | Should -Be 'NETWORK'
        $a.Required | Should -BeTrue
        $b = Add-CbPolicyRule -PolicyId $rp.Id -Rule @{ operation = 'RANSOM'; application = @{ type = 'REPUTATION'; value = 'PUP' }; action = 'TERMINATE'; required = $false } -PassThru
        $b.ApplicationValue | Should -Be 'PUP'
        $c = Add-CbPolicyRule -PolicyId $rp.Id -Rule '{"operation":"RUN","application":{"type":"NAME_PATH","value":"**\\nc.exe"},"action":"DENY","required":false}' -PassThru
        $c.ApplicationValue | Should -Be '**\nc.exe'
    }

    It 'rejects invalid operation, application type and action before sending, naming the allowed values' -ForEach @(
        @{ P = @{ Operation = 'FLY'; ApplicationType = 'NAME_PATH'; Action = 'DENY' }; Match = "'FLY' is not a valid operation.*RUN, NETWORK" }
        @{ P = @{ Operation = 'RUN'; ApplicationType = 'HASH'; Action = 'DENY' }; Match = "'HASH' is not a valid application type.*NAME_PATH, SIGNED_BY, REPUTATION" }
        @{ P = @{ Operation = 'RUN'; ApplicationType = 'NAME_PATH'; Action = 'BLOCK' }; Match = "'BLOCK' is not a valid action.*IGNORE, ALLOW, DENY" }
        @{ P = @{ Operation = 'RUN'; ApplicationType = 'REPUTATION'; ApplicationValue = 'EVIL'; Action = 'DENY' }; Match = "'EVIL' is not a reputation.*KNOWN_MALWARE.*SUSPECT_MALWARE" }
    ) {
        $p = $P
        if (-not $p.ContainsKey('ApplicationValue')) { $p.ApplicationValue = 'x' }
        Add-CbPolicyRule -PolicyId $rp.Id @p -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidPolicyRule*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -Match $Match
        Get-PolicyRequests | Should -BeNullOrEmpty
    }

    It 'Add-CbPolicyRule reports an unknown policy id (404) and -WhatIf sends nothing' {
        Add-CbPolicyRule -PolicyId 999999 -Operation RUN -ApplicationType NAME_PATH -ApplicationValue x -Action DENY -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PolicyNotFound.404*'
        Clear-EmulatorRequests -Emulator $emu
        Get-CbPolicy -Id $rp.Id | Add-CbPolicyRule -Operation RUN -ApplicationType NAME_PATH -ApplicationValue x -Action DENY -WhatIf
        Get-PolicyRequests -WritesOnly | Should -BeNullOrEmpty
    }

    It 'copies rules to another policy by piping them' {
        $other = New-CbPolicy -Name 'RuleCopyTarget' -PriorityLevel LOW -Policy @{ rules = @() }
        Get-CbPolicyRule -PolicyId 30245 | Add-CbPolicyRule -PolicyId $other.Id
        $src = Get-CbPolicyRule -PolicyId 30245
        $dst = Get-CbPolicyRule -PolicyId $other.Id
        ($dst | ForEach-Object ToString) | Should -Be ($src | ForEach-Object ToString)
        ($dst | ForEach-Object Required) | Should -Be ($src | ForEach-Object Required)
    }

    It 'Set-CbPolicyRule changes only the given fields (PUT ruleInfo) and reports unknown rules' {
        $rule = Get-CbPolicyRule -PolicyId $rp.Id | Select-Object -First 1
        Clear-EmulatorRequests -Emulator $emu
        $saved = Set-CbPolicyRule -PolicyId $rp.Id -Id $rule.Id -Action TERMINATE -PassThru
        $saved.Action | Should -Be 'TERMINATE'
        $saved.Operation | Should -Be $rule.Operation
        $saved.ApplicationValue | Should -Be $rule.ApplicationValue
        $put = @(Get-PolicyRequests -WritesOnly)
        $put.Count | Should -Be 1
        $put[0].method | Should -Be 'PUT'
        $put[0].path | Should -Be "/integrationServices/v3/policy/$($rp.Id)/rule/$($rule.Id)"
        ($put[0].body | ConvertFrom-Json).ruleInfo.action | Should -Be 'TERMINATE'
        Set-CbPolicyRule -PolicyId $rp.Id -Id 4242 -Action DENY -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PolicyRuleNotFound*'
        $err[0].Exception.Message | Should -Match 'Rule 4242'
    }

    It 'Set-CbPolicyRule takes piped (modified) rules, rejects bad values and honours -WhatIf' {
        $rule = Get-CbPolicyRule -PolicyId $rp.Id | Select-Object -Last 1
        $rule.ApplicationValue = '**\changed.exe'
        $rule | Set-CbPolicyRule -Required
        $raw = (Get-RawPolicy $rp.Id).policy.rules | Where-Object id -eq $rule.Id
        $raw.application.value | Should -Be '**\changed.exe'
        $raw.required | Should -BeTrue
        Clear-EmulatorRequests -Emulator $emu
        $rule | Set-CbPolicyRule -Action NUKE -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].Exception.Message | Should -Match "'NUKE' is not a valid action"
        Get-CbPolicyRule -PolicyId $rp.Id | Set-CbPolicyRule -Action IGNORE -WhatIf
        Set-CbPolicyRule -PolicyId $rp.Id -Id $rule.Id -Action IGNORE -WhatIf
        Get-PolicyRequests -WritesOnly | Should -BeNullOrEmpty
    }

    It 'Remove-CbPolicyRule deletes rules and reports unknown ones; -WhatIf sends nothing' {
        $rules = Get-CbPolicyRule -PolicyId $rp.Id
        Clear-EmulatorRequests -Emulator $emu
        $rules | Remove-CbPolicyRule -WhatIf
        Get-PolicyRequests | Should -BeNullOrEmpty
        Remove-CbPolicyRule -PolicyId $rp.Id -Id $rules[0].Id, 4242 -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PolicyRuleNotFound.404*'
        (Get-PolicyRequests -WritesOnly).path | Should -Contain "/integrationServices/v3/policy/$($rp.Id)/rule/$($rules[0].Id)"
        (Get-RawPolicy $rp.Id).policy.rules.id | Should -Not -Contain $rules[0].Id
    }

    It 'piping a policy (not its rules) into Remove-CbPolicyRule or Set-CbPolicyRule changes nothing' {
        $before = @((Get-RawPolicy $rp.Id).policy.rules)
        Clear-EmulatorRequests -Emulator $emu
        { Get-CbPolicy -Id $rp.Id | Remove-CbPolicyRule -Confirm:$false -ErrorAction Stop } | Should -Throw
        { Get-CbPolicy -Id $rp.Id | Set-CbPolicyRule -Action ALLOW -Confirm:$false -ErrorAction Stop } | Should -Throw
        Get-PolicyRequests -WritesOnly | Should -BeNullOrEmpty
        @((Get-RawPolicy $rp.Id).policy.rules).Count | Should -Be $before.Count
    }
}

Describe 'Export-CbPolicy and Import-CbPolicy' {
    BeforeAll {
        $script:emu2 = Start-CbEmulator -Devices 5 -Seed 99 -OrgKey 'EMUORG02'
        $script:session2 = Connect-TestEmulator -Emulator $emu2
        $null = Connect-TestEmulator -Emulator $emu   # keep the first org the default
    }
    AfterAll { if ($emu2) { Stop-CbEmulator $emu2 } }
    BeforeEach { Clear-EmulatorRequests -Emulator $emu; Clear-EmulatorRequests -Emulator $emu2 }

    It 'writes a UTF-8 JSON file that keeps every field, and no secret' {
        $file = Join-Path $tmp 'ww.json'
        $out = Get-CbPolicy -Name Windows_Workstation | Export-CbPolicy -Path $file -PassThru
        $out | Should -BeOfType ([System.IO.FileInfo])
        $bytes = [System.IO.File]::ReadAllBytes($file)
        $bytes[0] | Should -Be ([byte][char]'{')   # no byte order mark
        $doc = Get-Content $file -Raw | ConvertFrom-Json
        $doc.cbDefensePolicyExport | Should -Be 1
        $doc.source.orgKey | Should -Be $emu.OrgKey
        $raw = Get-RawPolicy 30241
        ($doc.policyInfo | ConvertTo-Json -Depth 30) | Should -Be ($raw | ConvertTo-Json -Depth 30)
        Get-Content $file -Raw | Should -Not -Match ([regex]::Escape(($emu.ApiToken -split '/')[0]))
    }

    It 'writes one file per policy into a folder, honours -NoClobber and -WhatIf' {
        $dir = Join-Path $tmp 'all'
        $null = New-Item -ItemType Directory -Path $dir
        Get-CbPolicy -Name 'Windows*' | Export-CbPolicy -Path $dir
        (Get-ChildItem $dir).Name | Sort-Object | Should -Be @('Windows_Server.30242.json', 'Windows_Workstation.30241.json')
        Export-CbPolicy -Id 30241 -Path (Join-Path $dir 'Windows_Workstation.30241.json') -NoClobber -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ExportPolicyPathInvalid*'
        Export-CbPolicy -Id 30241 -Path (Join-Path $tmp 'whatif.json') -WhatIf
        Test-Path (Join-Path $tmp 'whatif.json') | Should -BeFalse
    }

    It 'surfaces the server''s 409 when the name already exists in the target org' {
        $src = Get-CbPolicy -Name Executives
        $src.SensorSettings[0].Value = 'Edited before export'
        $f1 = Join-Path $tmp 'exec-1.json'
        $src | Export-CbPolicy -Path $f1
        Import-CbPolicy -Path $f1 -Session $session2 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ImportPolicyFailed.409*'
        $err[0].Exception.Message | Should -Match "named 'Executives' already exists"
    }

    It 'imports into another org under a new name, and a second export matches the first (ids aside)' {
        $f1 = Join-Path $tmp 'exec-1.json'
        $imported = Import-CbPolicy -Path $f1 -Session $session2 -Name 'Executives (from lab)'
        $imported.Name | Should -Be 'Executives (from lab)'
        $imported.Session | Should -Be $session2
        $post = @(Get-EmulatorRequests -Emulator $emu2 | Where-Object method -eq 'POST')
        $post.Count | Should -Be 1
        $sent = ($post[0].body | ConvertFrom-Json).policyInfo
        $sent.PSObject.Properties.Name | Should -Not -Contain 'id'
        $sent.PSObject.Properties.Name | Should -Not -Contain 'latestRevision'
        Get-EmulatorRequests -Emulator $emu | Where-Object method -ne 'GET' | Should -BeNullOrEmpty

        $f2 = Join-Path $tmp 'exec-2.json'
        $imported | Export-CbPolicy -Path $f2
        $d1 = (Get-Content $f1 -Raw | ConvertFrom-Json).policyInfo
        $d2 = (Get-Content $f2 -Raw | ConvertFrom-Json).policyInfo
        $d2.source | Should -BeNullOrEmpty
        ($d2.policy.sensorSettings | ConvertTo-Json -Depth 20) | Should -Be ($d1.policy.sensorSettings | ConvertTo-Json -Depth 20)
        $d2.policy.sensorSettings[0].value | Should -Be 'Edited before export'
        ($d2.policy.avSettings | ConvertTo-Json -Depth 20) | Should -Be ($d1.policy.avSettings | ConvertTo-Json -Depth 20)
        ($d2.policy.directoryActionRules | ConvertTo-Json -Depth 20) | Should -Be ($d1.policy.directoryActionRules | ConvertTo-Json -Depth 20)
        $d2.policy.knownBadHashAutoDeleteDelayMs | Should -Be $d1.policy.knownBadHashAutoDeleteDelayMs
        $strip = { $_ | Select-Object required, operation, action, @{ n = 'type'; e = { $_.application.type } }, @{ n = 'value'; e = { $_.application.value } } }
        ($d2.policy.rules | ForEach-Object $strip | ConvertTo-Json) | Should -Be ($d1.policy.rules | ForEach-Object $strip | ConvertTo-Json)
        $d2.description | Should -Be $d1.description
        $d2.priorityLevel | Should -Be $d1.priorityLevel
        (Get-Content $f2 -Raw | ConvertFrom-Json).source.orgKey | Should -Be 'EMUORG02'
    }

    It '-Update -Id replaces an existing policy in the other org, keeping its id' {
        $f1 = Join-Path $tmp 'exec-1.json'
        $target = Get-CbPolicy -Name Developers -Session $session2
        Clear-EmulatorRequests -Emulator $emu2
        Import-CbPolicy -Path $f1 -Update -Id $target.Id -Session $session2 -WhatIf
        Get-EmulatorRequests -Emulator $emu2 | Should -BeNullOrEmpty
        $replaced = Import-CbPolicy -Path $f1 -Update -Id $target.Id -Session $session2 -Name 'Developers'
        $replaced.Id | Should -Be $target.Id
        $replaced.Name | Should -Be 'Developers'
        $replaced.PriorityLevel | Should -Be 'MISSION_CRITICAL'
        ($replaced.Rules | ForEach-Object ToString) | Should -Be ((Get-CbPolicy -Name Executives).Rules | ForEach-Object ToString)
        $put = @(Get-EmulatorRequests -Emulator $emu2 | Where-Object method -eq 'PUT')
        $put[0].path | Should -Be "/integrationServices/v3/policy/$($target.Id)"
        ($put[0].body | ConvertFrom-Json).policyInfo.id | Should -Be $target.Id
    }

    It 'rejects a file that is not a policy, or lacks required fields, sending nothing' {
        $bad = Join-Path $tmp 'bad.json'
        Set-Content -Path $bad -Value '{"hello": "world"}'
        Import-CbPolicy -Path $bad -Session $session2 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidPolicyFile*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $noPrio = Join-Path $tmp 'noprio.json'
        Set-Content -Path $noPrio -Value '{"policyInfo": {"name": "x", "description": "", "version": 2, "policy": {}}}'
        Import-CbPolicy -Path $noPrio -Session $session2 -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].Exception.Message | Should -Match 'priorityLevel'
        Import-CbPolicy -Path (Join-Path $tmp 'missing.json') -Session $session2 -ErrorVariable err3 -ErrorAction SilentlyContinue
        $err3[0].FullyQualifiedErrorId | Should -BeLike 'PolicyFileNotFound*'
        Get-EmulatorRequests -Emulator $emu2 | Should -BeNullOrEmpty
    }

    It 'refuses a file far larger than any policy before reading it whole, sending nothing' {
        $huge = Join-Path $tmp 'huge.json'
        $fs = [System.IO.File]::Create($huge)
        try { $fs.SetLength(6MB) } finally { $fs.Dispose() }
        Import-CbPolicy -Path $huge -Session $session2 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidPolicyFile*'
        $err[0].Exception.Message | Should -Match '6\.0 MB'
        Get-EmulatorRequests -Emulator $emu2 | Should -BeNullOrEmpty
    }

    It 'policy names complete from the -Session given on the command line' {
        $null = New-CbPolicy -Name 'OnlyInOrg2' -PriorityLevel LOW -Policy @{} -Session $session2
        $global:cbSession2 = $session2
        $line = 'Get-CbPolicy -Session $global:cbSession2 -Name OnlyIn'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'OnlyInOrg2'
        Remove-Variable -Name cbSession2 -Scope Global
    }

    It '-Update with an unknown id reports it and creates nothing' {
        Import-CbPolicy -Path (Join-Path $tmp 'exec-1.json') -Update -Id 999999 -Session $session2 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PolicyNotFound.404*'
        Get-EmulatorRequests -Emulator $emu2 | Where-Object method -ne 'GET' | Should -BeNullOrEmpty
    }
}

Describe 'Tab completion' {
    It 'completes <Param> of <Command> from the documented values' -ForEach @(
        @{ Command = 'Add-CbPolicyRule'; Param = 'Action'; Word = 'TE'; Expected = @('TERMINATE_PROCESS', 'TERMINATE_THREAD', 'TERMINATE') }
        @{ Command = 'Add-CbPolicyRule'; Param = 'ApplicationType'; Word = 're'; Expected = @('REPUTATION') }
        @{ Command = 'Set-CbPolicyRule'; Param = 'Operation'; Word = 'BYPASS'; Expected = @('BYPASS_ALL', 'BYPASS_API') }
        @{ Command = 'New-CbPolicy'; Param = 'PriorityLevel'; Word = 'M'; Expected = @('MEDIUM', 'MISSION_CRITICAL') }
    ) {
        $line = "$Command -$Param $Word"
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be $Expected
    }

    It 'offers reputations for -ApplicationValue when the type is REPUTATION' {
        $line = 'Add-CbPolicyRule -ApplicationType REPUTATION -ApplicationValue KNOWN'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'KNOWN_MALWARE'
    }

    It 'completes policy names from the session, quoting names with spaces, and caches them briefly' {
        Clear-EmulatorRequests -Emulator $emu
        $line = 'Get-CbPolicy -Name Win'
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be @('Windows_Server', 'Windows_Workstation')
        $line2 = 'Get-CbPolicy -Name Exe'
        $r2 = TabExpansion2 -inputScript $line2 -cursorColumn $line2.Length
        $r2.CompletionMatches.CompletionText | Should -Contain 'Executives'
        $r2.CompletionMatches.CompletionText | Should -Contain "'Executives - copy'"
        @(Get-PolicyRequests).Count | Should -Be 1 -Because 'the second completion uses the cached list'
    }
}

Describe 'Tab completion of policies and profiles' {
    BeforeAll {
        $cacheType = [CbDefense.Commands.PolicyNameCompleter].Assembly.GetType('CbDefense.Commands.PolicyCompletionCache')
        $script:flags = [Reflection.BindingFlags]'Static,NonPublic,Public'
        $script:lifetime = $cacheType.GetProperty('CacheLifetime', $flags)
        $script:invalidate = $cacheType.GetMethod('Invalidate', $flags)
        function script:Complete([string] $Line) { @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches) }
    }
    AfterEach {
        $lifetime.SetValue($null, [timespan]::FromSeconds(60))
        Set-EmulatorFaults -Emulator $emu
    }

    It 'Set-CbDevicePolicy -PolicyName and -PolicyId, and Get-CbPolicyRule -PolicyId complete from the server' {
        $null = $invalidate.Invoke($null, [object[]]@($session.psobject.BaseObject))
        (Complete 'Set-CbDevicePolicy -DeviceId 1 -PolicyName Windows_Se').CompletionText | Should -Be 'Windows_Server'
        $server = Get-CbPolicy -Name Windows_Server
        $byId = Complete "Set-CbDevicePolicy -DeviceId 1 -PolicyId $($server.Id)"
        $byId.CompletionText | Should -Contain "$($server.Id)"
        ($byId | Where-Object CompletionText -eq "$($server.Id)").ListItemText | Should -Be "$($server.Id) (Windows_Server)"
        (Complete 'Get-CbPolicyRule -PolicyId Windows_Se').CompletionText | Should -Be "$($server.Id)"
    }

    It 'Connect-CbDefense -ProfileName completes the profiles of the credentials files that would be read' {
        $f = Join-Path ([IO.Path]::GetTempPath()) ("cbprof-" + [guid]::NewGuid() + '.psc')
        Set-Content -Path $f -Value @('[default]', 'url = https://a.example', '[prod-eu]', 'url = https://b.example', '[prod-us]', 'url = https://c.example')
        try {
            (Complete "Connect-CbDefense -CredentialFile '$f' -ProfileName prod").CompletionText | Should -Be @('prod-eu', 'prod-us')
            (Complete "Connect-CbDefense -CredentialFile '$f' -ProfileName ").CompletionText | Should -Be @('default', 'prod-eu', 'prod-us')
        }
        finally { Remove-Item $f }
    }

    It 'never waits on a slow server: one attempt, no retry, and the last list fetched is offered' {
        $null = $invalidate.Invoke($null, [object[]]@($session.psobject.BaseObject))
        (Complete 'Get-CbPolicy -Name Win').Count | Should -Be 2
        $lifetime.SetValue($null, [timespan]::Zero)
        Set-EmulatorFaults -Emulator $emu -Faults @(@{ kind = 'latency'; latencyMs = 8000; path = '/integrationServices/v3/policy' })
        Clear-EmulatorRequests -Emulator $emu
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $r = Complete 'Get-CbPolicy -Name Win'
        $sw.Stop()
        $r.CompletionText | Should -Be @('Windows_Server', 'Windows_Workstation') -Because 'the cached list is offered while the server is slow'
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 4 -Because 'the server takes 8 s; the completer gives up after about 1.5 s'
        @(Get-PolicyRequests).Count | Should -Be 1 -Because 'a completer sends one attempt and no retry'
    }

    It 'a server that is down completes nothing, at once' {
        $down = Connect-CbDefense -Uri http://127.0.0.1:9 -ApiId X -ApiSecretKey (ConvertTo-SecureString Y -AsPlainText -Force)
        try {
            $global:cbDown = $down
            @(Complete 'Get-CbPolicy -Session $global:cbDown -Name W') | Should -BeNullOrEmpty
        }
        finally { Disconnect-CbDefense $down; Remove-Variable cbDown -Scope Global }
    }
}

Describe 'The contract pipeline: Get-CbPolicy | Get-CbPolicyRule | Where-Object Action -eq DENY | Remove-CbPolicyRule' {
    It 'removes exactly the DENY rules of every policy' {
        $before = Get-CbPolicy | Get-CbPolicyRule
        $deny = @($before | Where-Object Action -eq DENY)
        $deny.Count | Should -BeGreaterThan 0
        Clear-EmulatorRequests -Emulator $emu
        Get-CbPolicy | Get-CbPolicyRule | Where-Object Action -eq DENY | Remove-CbPolicyRule
        $deletes = @(Get-PolicyRequests -WritesOnly)
        $deletes.Count | Should -Be $deny.Count
        ($deletes | ForEach-Object method | Sort-Object -Unique) | Should -Be 'DELETE'
        $after = Get-CbPolicy | Get-CbPolicyRule
        $after | Where-Object Action -eq DENY | Should -BeNullOrEmpty
        $after.Count | Should -Be ($before.Count - $deny.Count)
    }
}
