# What people read and export: the table views at 80 and 120 columns, Format-List, Export-Csv and ConvertTo-Json.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:emu = Start-CbEmulator -Devices 40 -Events 200 -Seed 11
    $script:siem = Connect-TestEmulator -Emulator $emu -Token $emu.SiemToken
    $script:session = Connect-TestEmulator -Emulator $emu
    $script:current = Connect-TestEmulator -Emulator $emu -Generation Current
    # Audit records with a long actor and description, to see what the audit log view does with them.
    $null = Invoke-CbEmulatorAdmin -Emulator $emu -Path auditlogs -Method POST -Body @{ count = 2; actor = 'a.long.login.name@finance.example.com'
        actorIp = '203.0.113.254'; description = 'Updated connector Splunk-forwarder-production with a new API key and permissions' }

    $headers = @{ 'X-Auth-Token' = $emu.ApiToken }
    $v6 = "$($emu.Uri)/appservices/v6/orgs/$($emu.OrgKey)"
    $alerts = (Invoke-RestMethod -Method Post -Uri "$v6/alerts/_search" -Headers $headers -Body '{"rows":10}' -ContentType 'application/json').results
    $script:threatId = @($alerts.threat_id)[0]

    # A rule with a long NAME_PATH target and a policy with a long name: the key columns must show them whole at
    # 120 columns (the values fit the room those columns get there).
    $script:longTarget = 'C:\Program Files\Contoso\Agent\bin\contoso.exe'                  # 'NAME_PATH: ' + this = 57 <= 64
    $script:rule = Get-CbPolicy -Name Standard | Add-CbPolicyRule -Operation INVOKE_CMD_INTERPRETER -ApplicationType NAME_PATH `
        -ApplicationValue $longTarget -Action TERMINATE_PROCESS -PassThru
    $script:longPolicyName = 'Windows servers of the finance DMZ'                            # 34 <= 40
    $null = Get-CbPolicy -Name Standard | New-CbPolicy -Name $longPolicyName -Confirm:$false

    # Live Response: a session on a Windows device with a long folder, process and registry names.
    $script:lrSession = Connect-TestEmulator -Emulator $emu -Token $emu.LrToken
    $win = (Invoke-RestMethod -Uri "$($emu.Uri)/integrationServices/v3/device?rows=100" -Headers $headers).results |
        Where-Object { $_.deviceType -eq 'WINDOWS' -and $_.status -eq 'REGISTERED' } | Select-Object -First 1
    $script:lr = New-CbLiveResponseSession -Session $lrSession -DeviceId $win.deviceId

    # One sample of every type that has a view, as the cmdlets write them.
    $script:samples = [ordered]@{
        LiveResponseSession   = @($lr)
        LiveResponseItem      = @($lr | Get-CbLiveResponseChildItem -Path 'C:\TEMP') + @($lr | Get-CbLiveResponseChildItem -Path 'C:\Users')
        LiveResponseProcess   = @($lr | Get-CbLiveResponseProcess)
        LiveResponseProcessResult = @($lr | Start-CbLiveResponseProcess -CommandLine 'ipconfig /all' -Wait -Confirm:$false)
        LiveResponseRegistryKey = @($lr | Get-CbLiveResponseRegistryKey -Path 'HKLM\SYSTEM\CurrentControlSet\Services\ACPI')
        LiveResponseRegistryValue = @($lr | Get-CbLiveResponseRegistryValue -Path 'HKCU\Software\Emulator\Types')
        Session               = @(Get-CbDefenseSession)
        Device                = @(Get-CbDevice -First 15)
        Policy                = @(Get-CbPolicy)
        PolicyRule            = @(Get-CbPolicy -Name Standard, Advanced | Get-CbPolicyRule)
        Event                 = @(Get-CbEvent -First 15)
        WorkflowStatus        = @(Invoke-CbThreatDismiss -ThreatId $threatId -Remediation 'Reimaged after the incident' -Comment 'test' -Confirm:$false)
        AlertSearchSuggestion = @(Get-CbAlertSearchSuggestion -Query 'device')
        Notification          = @(Get-CbNotification -Session $siem)
        AuditLog              = @(Get-CbAuditLog -Session $current)
        Observation           = @(Get-CbObservation -Session $current -First 15)
        Alert                 = @(Get-CbAlert -Session $current -Range all -First 5)
    }

    # Every table of $Text: lines no wider than $Width, each header on one line (the line above it is blank), and
    # every label of the view present (no column dropped).
    function script:Assert-Table([string] $Text, [int] $Width, [string[]] $Labels) {
        $lines = $Text -split '\r?\n'
        foreach ($line in $lines) { $line.Length | Should -BeLessOrEqual $Width -Because "'$line' must fit $Width columns" }
        $dashes = @(for ($i = 0; $i -lt $lines.Count; $i++) { if ($lines[$i] -match '^[ -]*-[ -]*$') { $i } })
        $dashes.Count | Should -BeGreaterThan 0 -Because 'a table is rendered'
        foreach ($i in $dashes) {
            $header = $lines[$i - 1]
            ($i -lt 2 -or $lines[$i - 2].Trim() -eq '') | Should -BeTrue -Because "the header '$header' must stay on one line (above it: '$($lines[$i - 2])')"
            $pattern = '^\s*' + (($Labels | ForEach-Object { [regex]::Escape($_) }) -join '\s+') + '\s*$'
            $header | Should -Match $pattern -Because "every column ($($Labels -join ', ')) is shown"
            # Dashes under each label, as long as the label: the label was not cut.
            foreach ($label in $Labels) { $lines[$i] | Should -Match ('(^|\s)' + ('-' * $label.Length) + '(\s|$)') }
        }
    }
    function script:Get-Labels([string] $TypeName) {
        @((Get-FormatData -TypeName $TypeName).FormatViewDefinition[0].Control.Headers.Label)
    }
}
AfterAll {
    Get-CbLiveResponseSession | Remove-CbLiveResponseSession
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    Assert-CbNoSecretLeak
}

Describe 'Table views at 80 and 120 columns' {
    It 'has a sample of every type with a view' {
        foreach ($k in $samples.Keys) { $samples[$k].Count | Should -BeGreaterThan 0 -Because "$k objects are needed" }
        $viewed = (Get-FormatData -TypeName 'CbDefense.*').TypeNames | ForEach-Object { $_ -replace '^CbDefense\.', '' }
        $viewed | Sort-Object | Should -Be ($samples.Keys | Sort-Object)
    }

    It 'the <Type> view fits <Width> columns, keeps every column and one-line headers' -ForEach @(
        foreach ($t in 'Session', 'Device', 'Policy', 'PolicyRule', 'Event', 'WorkflowStatus', 'AlertSearchSuggestion', 'Alert', 'Notification',
                       'LiveResponseSession', 'LiveResponseItem', 'LiveResponseProcess', 'LiveResponseProcessResult', 'LiveResponseRegistryKey',
                       'LiveResponseRegistryValue', 'AuditLog', 'Observation') {
            foreach ($w in 80, 120) { @{ Type = $t; Width = $w } }
        }
    ) {
        $text = $samples[$Type] | Out-String -Width $Width
        Assert-Table -Text $text -Width $Width -Labels (Get-Labels "CbDefense.$Type")
    }

    It 'the rule view keeps Required, and the event view the whole EventId, at 80 columns' {
        $rules = $samples.PolicyRule | Out-String -Width 80
        $rules | Should -Match '\sRequired\s*(\r?\n)'
        $rules | Should -Match '\sTrue\s*(\r?\n)'
        $events = $samples.Event | Out-String -Width 80
        foreach ($e in $samples.Event) { $events | Should -Match ([regex]::Escape($e.EventId)) }
    }

    It 'the notification view shows a readable summary at 80 columns' {
        $text = $samples.Notification | Out-String -Width 80
        $threat = $samples.Notification | Where-Object { $_.ThreatInfo.Summary } | Select-Object -First 1
        $threat | Should -Not -BeNullOrEmpty
        # At least the first 25 characters of the threat summary (the column has 30).
        $text | Should -Match ([regex]::Escape($threat.ThreatInfo.Summary.Substring(0, 25)))
    }

    It 'gives the key columns the room at 120 columns: <What>' -ForEach @(
        @{ What = 'rule targets'; Type = 'PolicyRule'; Values = { @($samples.PolicyRule | ForEach-Object { "$($_.ApplicationType): $($_.ApplicationValue)" }) + "NAME_PATH: $longTarget" } }
        @{ What = 'policy names'; Type = 'Policy'; Values = { @($samples.Policy.Name) + $longPolicyName } }
        @{ What = 'device and policy names'; Type = 'Device'; Values = { @($samples.Device.Name) + @($samples.Device.PolicyName) } }
        @{ What = 'server URLs'; Type = 'Session'; Values = { @($samples.Session | ForEach-Object { "$($_.Uri)" }) } }
        @{ What = 'device names of events'; Type = 'Event'; Values = { @($samples.Event.DeviceDetails.DeviceName) } }
        @{ What = 'notification summaries'; Type = 'Notification'; Values = { @($samples.Notification.ThreatInfo.Summary | Where-Object { $_ }) } }
        @{ What = 'suggested terms'; Type = 'AlertSearchSuggestion'; Values = { @($samples.AlertSearchSuggestion.Term) } }
        @{ What = 'workflow remediation'; Type = 'WorkflowStatus'; Values = { @($samples.WorkflowStatus.RequestId) + 'Reimaged after the incident' } }
        @{ What = 'audit actor addresses and descriptions'; Type = 'AuditLog'; Values = { @($samples.AuditLog.ActorIp) + @($samples.AuditLog.Description | Where-Object Length -le 60) } }
        @{ What = 'observation device names and process file names'; Type = 'Observation'; Values = { @($samples.Observation.DeviceName) + @($samples.Observation.ProcessName | ForEach-Object { ($_ -split '[\\/]')[-1] }) } }
    ) {
        $objects = if ($Type -eq 'PolicyRule') { @($samples.PolicyRule) + $rule } elseif ($Type -eq 'Policy') { Get-CbPolicy } else { $samples[$Type] }
        $text = $objects | Out-String -Width 120
        foreach ($v in (& $Values | Where-Object { $_ } | Sort-Object -Unique)) {
            $text | Should -Match ([regex]::Escape($v)) -Because "'$v' fits its column at 120 columns"
        }
    }

    It 'a long value never pushes other columns off: a <Width>-column device table with a 60-character name' -ForEach @(
        @{ Width = 80 }, @{ Width = 120 }
    ) {
        $d = [CbDefense.Device]@{ DeviceId = 123456789; Name = 'a-very-long-host-name-of-sixty-characters.corp.example.org.x'
            Status = 'DEREGISTERED'; PolicyName = 'A policy with a rather long and descriptive name'; LastContact = Get-Date }
        Assert-Table -Text ($d | Out-String -Width $Width) -Width $Width -Labels (Get-Labels CbDefense.Device)
    }

    It 'says which time zone the tables show' {
        foreach ($type in 'Device', 'Event', 'Notification', 'AuditLog', 'Observation') {
            (Get-Labels "CbDefense.$type") -match '\(local\)$' | Should -Not -BeNullOrEmpty -Because "the $type view shows local times"
        }
        $d = $samples.Device | Where-Object LastContact | Select-Object -First 1
        ($d | Out-String -Width 120) | Should -Match ([regex]::Escape($d.LastContact.ToString('yyyy-MM-dd HH:mm:ss', [cultureinfo]::InvariantCulture)))
    }
}

Describe 'Format-List' {
    It 'shows nested policy settings and dictionaries as their values, not .NET type names' {
        $p = Get-CbPolicy -Name Standard
        $text = $p | Format-List * | Out-String -Width 200
        $text | Should -Not -Match 'System\.Collections\.Generic|System\.Object\[\]|System\.String\[\]|CbDefense\.\w+\[\]'
        $text | Should -Match 'AvSettings\s+: \{\[features, \[\{"'
        $text | Should -Match 'Settings\s+: \{\[avSettings, \{"'
        # The values are the data: JSON that reads back to what the policy holds.
        $p.AvSettings['apc'].ToString() | ConvertFrom-Json | ForEach-Object enabled | Should -Be $p.AvSettings['apc']['enabled']
    }

    It 'shows device lists and extra fields as their values' {
        $d = Get-CbDevice -First 5 | Where-Object { $_.AdditionalProperties.Count } | Select-Object -First 1
        $d.AdditionalProperties.ToString() | Should -Match '^\{"'      # JSON, e.g. in a CSV cell
        $text = $d | Format-List * | Out-String -Width 200
        $text | Should -Not -Match 'System\.Collections\.Generic|System\.Object\[\]|System\.String\[\]'
        $text | Should -Match ('AvStatus\s+: \{' + [regex]::Escape($d.AvStatus[0]))
    }

    It 'event descriptions have a plain-text form; the raw text stays' {
        $e = Get-CbEvent -First 50 | Where-Object ShortDescription -Match '<share>' | Select-Object -First 1
        $e | Should -Not -BeNullOrEmpty
        $e.ShortDescription | Should -Match '<share><link hash="[0-9a-f]+">'
        $e.ShortDescriptionText | Should -Not -Match '<|>'
        $e.LongDescriptionText | Should -Not -Match '<share>|<link|<accent>|</'
        $app = [regex]::Match($e.ShortDescription, '<link hash="[0-9a-f]+">([^<]*)</link>').Groups[1].Value
        $e.ShortDescriptionText | Should -Match ([regex]::Escape("""$app"""))
        ($e | Format-List ShortDescriptionText | Out-String) | Should -Not -Match '<link'
    }

    It 'strips only the console markup and decodes entities' {
        $e = [CbDefense.Event]::new()
        $e.ShortDescription = 'The application "<share><link hash="ab12">C:\a &amp; b\x.exe</link></share>" was <accent>blocked</accent> (<unknown> parent)'
        $e.ShortDescriptionText | Should -BeExactly 'The application "C:\a & b\x.exe" was blocked (<unknown> parent)'
        $e.LongDescription = $null
        $e.LongDescriptionText | Should -BeNullOrEmpty
    }
}

Describe 'Export-Csv' {
    It 'writes readable cells for <Type>: lists joined, no .NET type names' -ForEach @(
        @{ Type = 'devices'; Get = { Get-CbDevice -First 20 } }
        @{ Type = 'policies'; Get = { Get-CbPolicy } }
        @{ Type = 'events'; Get = { Get-CbEvent -First 20 } }
        @{ Type = 'notifications'; Get = { Invoke-CbEmulatorAdmin -Emulator $emu -Path notifications -Method POST -Body @{ count = 6 } | Out-Null; Get-CbNotification -Session $siem } }
        @{ Type = 'policy rules'; Get = { Get-CbPolicy -Name Standard | Get-CbPolicyRule } }
        @{ Type = 'alerts'; Get = { Get-CbAlert -Session $current -Range all -First 20 } }
        @{ Type = 'workflow statuses'; Get = { Get-CbWorkflowStatus -RequestId $samples.WorkflowStatus[0].RequestId } }
    ) {
        $objects = @(& $Get)
        $objects.Count | Should -BeGreaterThan 0
        $csv = Join-Path ([IO.Path]::GetTempPath()) "cbout-$([guid]::NewGuid().ToString('N')).csv"
        try {
            $objects | Export-Csv -Path $csv
            $rows = @(Import-Csv -Path $csv)
            $rows.Count | Should -Be $objects.Count
            foreach ($row in $rows) {
                foreach ($p in $row.psobject.Properties) {
                    $p.Value | Should -Not -Match '^System\.|Collections\.Generic|\[\]$' -Because "the $($p.Name) cell must be readable"
                }
            }
            # The session column is the session's text, which -Session can be given back.
            $rows[0].Session | Should -BeExactly $objects[0].Session.ToString()
        }
        finally { Remove-Item $csv -ErrorAction SilentlyContinue }
    }

    It 'joins arrays such as AvStatus and SensorStates, and keeps times exact in the Utc columns' {
        $devices = @(Get-CbDevice -First 20 | Where-Object { $_.AvStatus.Count -gt 1 })
        $devices.Count | Should -BeGreaterThan 0
        $rows = @($devices | ConvertTo-Csv | ConvertFrom-Csv)
        for ($i = 0; $i -lt $devices.Count; $i++) {
            $rows[$i].AvStatus | Should -BeExactly ($devices[$i].AvStatus -join ', ')
            $rows[$i].SensorStates | Should -BeExactly ($devices[$i].SensorStates -join ', ')
            [datetime]::Parse($rows[$i].LastContactUtc) |
                Should -Be ([datetime]::new($devices[$i].LastContactUtc.Ticks - $devices[$i].LastContactUtc.Ticks % [timespan]::TicksPerSecond))
        }
    }
}

Describe 'ConvertTo-Json' {
    It 'does not repeat the session in every rule of a policy' {
        $policies = @(Get-CbPolicy)
        $json = $policies | ConvertTo-Json -Depth 6 -WarningAction SilentlyContinue
        # At most once per policy (the top-level object's own Session property), never in the rules.
        ([regex]::Matches($json, '"ApiId"')).Count | Should -BeLessOrEqual $policies.Count
        $parsed = $json | ConvertFrom-Json
        foreach ($p in $parsed) {
            foreach ($r in $p.Rules) { $r.psobject.Properties.Name | Should -Not -Contain 'Session' }
        }
        # The rules keep their data.
        $parsed[0].Rules[0].Action | Should -Be $policies[0].Rules[0].Action
        $parsed[0].Rules[0].ApplicationValue | Should -Be $policies[0].Rules[0].ApplicationValue
        ($policies.Rules | Measure-Object).Count | Should -BeGreaterThan $policies.Count -Because 'the rules would have repeated it'
    }

    It 'leaves the session out of objects nested in a .NET object, and keeps it once at the top' {
        $rule = (Get-CbPolicy -Name Standard).Rules[0]
        $json = $rule | ConvertTo-Json -WarningAction SilentlyContinue
        # A top-level object still lists its own Session property (PowerShell adds the adapted properties back),
        # as the short, secret-free public data of the session.
        ([regex]::Matches($json, '"ApiId"')).Count | Should -BeLessOrEqual 1
        $json | Should -Not -Match ([regex]::Escape(($emu.ApiToken -split '/')[0]))
        $policyJson = Get-CbPolicy -Name Standard | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue
        ([regex]::Matches($policyJson, '"ApiId"')).Count | Should -Be 1
    }

    It 'keeps Session a real, bindable property: a piped object goes back to its own server' {
        $other = Start-CbEmulator -Devices 5 -Seed 99
        try {
            $mine = Get-CbDevice -First 1 -Session $session
            $otherSession = Connect-TestEmulator -Emulator $other   # now the default session
            try {
                $mine.Session | Should -BeOfType ([CbDefense.Session])
                $mine.Session | Should -Be $session
                $mine | Set-CbDeviceQuarantine -Enabled $true -Confirm:$false
                (Get-CbDevice -Id $mine.DeviceId -Session $session).Quarantined | Should -BeTrue
                (Get-EmulatorRequests -Emulator $other | Where-Object path -like '*device_actions*') | Should -BeNullOrEmpty
                Set-CbDeviceQuarantine -DeviceId $mine.DeviceId -Enabled $false -Session $session -Confirm:$false
            }
            finally { Disconnect-CbDefense -Session $otherSession }
        }
        finally { Stop-CbEmulator $other }
    }
}
