BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    # --workflow-seconds 6: QUEUED for 3 s, then IN_PROGRESS, FINISHED after 6 s (wide enough for -Wait's polls to see each).
    $script:emu = Start-CbEmulator -Devices 20 -Events 400 -Seed 21 -ExtraArguments @('--workflow-seconds', '6')
    $script:session = Connect-TestEmulator -Emulator $emu
    $script:headers = @{ 'X-Auth-Token' = $emu.ApiToken }
    $script:v6 = "$($emu.Uri)/appservices/v6/orgs/$($emu.OrgKey)"
    function script:Get-Alerts([string[]] $ThreatId) {
        $body = @{ criteria = @{ threat_id = @($ThreatId) }; rows = 100 } | ConvertTo-Json -Depth 5
        (Invoke-RestMethod -Method Post -Uri "$v6/alerts/_search" -Headers $headers -Body $body -ContentType 'application/json').results
    }
    $all = (Invoke-RestMethod -Method Post -Uri "$v6/alerts/_search" -Headers $headers -Body '{"rows":100}' -ContentType 'application/json').results
    $script:threats = @($all.threat_id | Sort-Object -Unique)
    function script:Get-WorkflowPosts { @(Get-EmulatorRequests -Emulator $emu | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/threat/workflow/_criteria' }) }
}
AfterAll {
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    Assert-CbNoSecretLeak
}

Describe 'Invoke-CbThreatDismiss and Invoke-CbThreatUpdate' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu }

    It 'dismiss sends the documented body and outputs the workflow status' {
        $status = Invoke-CbThreatDismiss -ThreatId $threats[0], $threats[1] -Remediation 'Reimaged' -Comment 'Known test tool' -Confirm:$false
        $status | Should -BeOfType ([CbDefense.WorkflowStatus])
        $status.RequestId | Should -Not -BeNullOrEmpty
        $status.Status | Should -BeIn 'QUEUED', 'IN_PROGRESS', 'FINISHED'
        $status.Session | Should -Be $session
        $post = Get-WorkflowPosts
        $post.Count | Should -Be 1
        $post[0].path | Should -Be "/appservices/v6/orgs/$($emu.OrgKey)/threat/workflow/_criteria"
        $body = $post[0].body | ConvertFrom-Json
        $body.threat_id | Should -Be @($threats[0], $threats[1])
        $body.state | Should -BeExactly 'DISMISSED'
        $body.remediation_state | Should -BeExactly 'Reimaged'
        $body.comment | Should -BeExactly 'Known test tool'
    }

    It 'update sends state OPEN and leaves out what was not given' {
        $null = Invoke-CbThreatUpdate -ThreatId $threats[2] -Comment 'Escalated'
        $body = (Get-WorkflowPosts)[0].body | ConvertFrom-Json
        $body.state | Should -BeExactly 'OPEN'
        $body.comment | Should -BeExactly 'Escalated'
        $body.psobject.Properties.Name | Should -Not -Contain 'remediation_state'
    }

    It 'collects ids from the pipeline (by value and from alerts by threat_id) into one request' {
        $alerts = Get-Alerts -ThreatId $threats[3], $threats[4]
        $null = $alerts | Invoke-CbThreatUpdate -Comment 'bulk'
        $posts = Get-WorkflowPosts
        $posts.Count | Should -Be 1
        ($posts[0].body | ConvertFrom-Json).threat_id | Sort-Object | Should -Be (@($threats[3], $threats[4]) | Sort-Object)
    }

    It '-WhatIf sends nothing' {
        $out = $threats[0..2] | Invoke-CbThreatDismiss -Comment x -WhatIf
        $out | Should -BeNullOrEmpty
        Get-EmulatorRequests -Emulator $emu | Should -BeNullOrEmpty
    }

    It '-Wait goes through QUEUED, IN_PROGRESS and FINISHED, and the alerts are changed' {
        $target = $threats[5]
        $verbose = Invoke-CbThreatDismiss -ThreatId $target -Remediation 'Wiped' -Comment 'Closed by test' -Wait -Confirm:$false -Verbose 4>&1
        $status = $verbose | Where-Object { $_ -is [CbDefense.WorkflowStatus] }
        $lines = ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
        $lines | Should -Match 'QUEUED'
        $lines | Should -Match 'IN_PROGRESS'
        $lines | Should -Match 'FINISHED'
        $status.Status | Should -Be 'FINISHED'
        $status.NumHits | Should -BeGreaterThan 0
        $status.NumSuccess | Should -Be $status.NumHits
        $status.Workflow.State | Should -Be 'DISMISSED'
        $status.Workflow.Remediation | Should -Be 'Wiped'
        $alerts = Get-Alerts -ThreatId $target
        $alerts.Count | Should -Be $status.NumHits
        foreach ($a in $alerts) {
            $a.workflow.state | Should -Be 'DISMISSED'
            $a.workflow.comment | Should -Be 'Closed by test'
        }
        $reopened = Invoke-CbThreatUpdate -ThreatId $target -Comment 'Reopened' -Wait
        $reopened.Status | Should -Be 'FINISHED'
        (Get-Alerts -ThreatId $target).workflow.state | Sort-Object -Unique | Should -Be 'OPEN'
    }

    It '-TimeoutSec ends the wait with the latest status and an error' {
        $out = Invoke-CbThreatDismiss -ThreatId $threats[6] -Wait -TimeoutSec 1 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $out.Status | Should -Not -Be 'FINISHED'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'WorkflowWaitTimeout*'
        $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        # And it can be waited for later.
        ($out | Get-CbWorkflowStatus -Wait).Status | Should -Be 'FINISHED'
    }

    It 'an interrupted -Wait tells the host the request id to follow up with' {
        $h = [CbTest.CaptureHost]::new()
        $rs = [runspacefactory]::CreateRunspace($h)
        $rs.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $rs
        try {
            $null = $ps.AddScript("Import-Module '$ModulePath'; `$s = Connect-CbDefense -Uri '$($emu.Uri)' -ApiId '$(($emu.ApiToken -split '/')[1])' -ApiSecretKey (ConvertTo-SecureString '$(($emu.ApiToken -split '/')[0])' -AsPlainText -Force) -OrgKey '$($emu.OrgKey)'; Invoke-CbThreatDismiss -ThreatId '$($threats[5])' -Wait -Confirm:`$false")
            $async = $ps.BeginInvoke()
            $deadline = (Get-Date).AddSeconds(20)
            while ((Get-Date) -lt $deadline -and -not (Get-EmulatorRequests -Emulator $emu | Where-Object { $_.path -like '*/workflow/status/*' })) { Start-Sleep -Milliseconds 100 }
            $ps.Stop()
            $requestId = (@(Get-EmulatorRequests -Emulator $emu | Where-Object { $_.path -like '*/workflow/status/*' })[0].path -split '/')[-1]
            $requestId | Should -Not -BeNullOrEmpty
            $h.Sink.Warnings | Should -HaveCount 1
            $h.Sink.Warnings[0] | Should -BeLike "*Get-CbWorkflowStatus -RequestId $requestId*"
        }
        finally { $ps.Dispose(); $rs.Dispose() }
    }

    It 'fails before sending anything when the session has no org key' {
        $noOrg = Connect-CbDefense -Uri $emu.Uri -ApiId ($emu.ApiToken -split '/')[1] -ApiSecretKey (ConvertTo-SecureString ($emu.ApiToken -split '/')[0] -AsPlainText -Force)
        try {
            $null = Invoke-CbThreatDismiss -ThreatId $threats[0] -Session $noOrg -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].Exception.Message | Should -Match 'org key'
            { Get-CbWorkflowStatus -RequestId X -Session $noOrg -ErrorAction Stop } | Should -Throw '*org key*'
            Get-EmulatorRequests -Emulator $emu | Should -BeNullOrEmpty
        }
        finally { Disconnect-CbDefense -Session $noOrg }
    }
}

Describe 'Get-CbWorkflowStatus' {
    It 'reads a request by id, from the pipeline, and reports an unknown id as not found' {
        $s = Invoke-CbThreatDismiss -ThreatId $threats[7] -Confirm:$false
        $again = $s.RequestId | Get-CbWorkflowStatus
        $again.RequestId | Should -Be $s.RequestId
        $again.Workflow | Should -BeOfType ([CbDefense.Workflow])
        $null = Get-CbWorkflowStatus -RequestId 'NOSUCHREQ', $s.RequestId -ErrorVariable err -ErrorAction SilentlyContinue -OutVariable got
        $got.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'WorkflowRequestNotFound.404*'
        $err[0].TargetObject | Should -Be 'NOSUCHREQ'
    }
}

Describe 'Get-CbAlertSearchSuggestion' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu }

    It 'returns typed suggestions for the query' {
        $s = Get-CbAlertSearchSuggestion -Query device
        $s.Count | Should -BeGreaterThan 0
        $s[0] | Should -BeOfType ([CbDefense.AlertSearchSuggestion])
        $s | ForEach-Object { $_.Term | Should -Match 'device' }
        $s[0].Weight | Should -BeOfType ([long])
        $s[0].RequiredSkusSome | Should -Contain 'defense'
        $req = (Get-EmulatorRequests -Emulator $emu)[0]
        $req.path | Should -Be "/appservices/v6/orgs/$($emu.OrgKey)/alerts/search_suggestions"
        $req.query | Should -Be '?suggest.q=device'
    }

    It 'an empty query lists every suggestion' {
        $all = Get-CbAlertSearchSuggestion -Query ''
        $all.Count | Should -BeGreaterThan (Get-CbAlertSearchSuggestion device).Count
        (Get-EmulatorRequests -Emulator $emu)[0].query | Should -Be '?suggest.q='
    }
}
