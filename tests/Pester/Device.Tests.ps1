BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:emu = Start-CbEmulator -Devices 260 -Seed 5
    $script:session = Connect-TestEmulator -Emulator $emu
    # The ground truth, read straight from the API without the module.
    $headers = @{ 'X-Auth-Token' = $emu.ApiToken }
    $script:raw = (Invoke-RestMethod -Uri "$($emu.Uri)/integrationServices/v3/device?rows=5000" -Headers $headers).results
    function script:Get-DeviceRequests { @(Get-EmulatorRequests -Emulator $emu | Where-Object { $_.path -like '/integrationServices/v3/device*' }) }
    function script:Get-QueryValue($request, $name) {
        $q = [System.Web.HttpUtility]::ParseQueryString($request.query)
        $q[$name]
    }
    Add-Type -AssemblyName System.Web
}
AfterAll {
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    Assert-CbNoSecretLeak
}

Describe 'Get-CbDevice listing' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu; Set-EmulatorFaults -Emulator $emu }

    It 'returns every device exactly once, as typed objects' {
        $all = Get-CbDevice
        $all.Count | Should -Be $raw.Count
        ($all.DeviceId | Sort-Object -Unique).Count | Should -Be $raw.Count
        $all[0] | Should -BeOfType ([CbDefense.Device])
        $all[0].DeviceId | Should -BeOfType ([long])
    }

    It 'sends 1-based start values with a small first page and larger pages after' {
        $null = Get-CbDevice -PageSize 100
        $reqs = Get-DeviceRequests
        $starts = $reqs | ForEach-Object { [int](Get-QueryValue $_ 'start') }
        $rows = $reqs | ForEach-Object { [int](Get-QueryValue $_ 'rows') }
        $starts[0] | Should -Be 1
        $rows[0] | Should -BeLessOrEqual 100
        for ($i = 1; $i -lt $reqs.Count; $i++) { $starts[$i] | Should -Be ($starts[$i - 1] + $rows[$i - 1]) }
    }

    It '-First and -Skip give exactly the rows asked for (no off-by-one)' {
        $page = Get-CbDevice -Skip 37 -First 50 -PageSize 20
        $page.Count | Should -Be 50
        $page.DeviceId | Should -Be ($raw[37..86].deviceId)
        $reqs = Get-DeviceRequests
        [int](Get-QueryValue $reqs[0] 'start') | Should -Be 38
    }

    It '-Skip past the end returns nothing' {
        Get-CbDevice -Skip 100000 | Should -BeNullOrEmpty
    }

    It '-IncludeTotalCount reports the server''s total' {
        $out = Get-CbDevice -First 1 -IncludeTotalCount
        $total = $out | Where-Object { $_ -isnot [CbDefense.Device] }
        [double]$total.psobject.BaseObject | Should -Be $raw.Count
        ($out | Where-Object { $_ -is [CbDefense.Device] }).Count | Should -Be 1
    }

    It 'Get-CbDevice | Select-Object -First 1 sends exactly one request' {
        $one = Get-CbDevice | Select-Object -First 1
        $one.DeviceId | Should -Be $raw[0].deviceId
        (Get-DeviceRequests).Count | Should -Be 1
    }

    It 'sends each filter parameter to the server as documented' -ForEach @(
        @{ Param = 'HostName'; Key = 'hostName'; Value = 'web' }
        @{ Param = 'HostNameExact'; Key = 'hostNameExact'; Value = 'x' }
        @{ Param = 'OwnerName'; Key = 'ownerName'; Value = 'smith' }
        @{ Param = 'OwnerNameExact'; Key = 'ownerNameExact'; Value = 'a@b.com' }
        @{ Param = 'IpAddress'; Key = 'ipAddress'; Value = '10.0.0.1' }
    ) {
        $p = @{ $Param = $Value }
        $null = Get-CbDevice @p
        Get-QueryValue (Get-DeviceRequests)[0] $Key | Should -Be $Value
    }

    It 'filters by exact host name' {
        $name = $raw[5].name
        $d = Get-CbDevice -HostNameExact $name
        $d.Name | Should -Be $name
    }

    It 'matches -HostName wildcards on the client, whatever the server does with them' {
        $prefix = $raw[3].name.Substring(0, 3)
        $expected = @($raw | Where-Object { $_.name -like "$prefix*" }).Count
        $got = @(Get-CbDevice -HostName "$prefix*")
        $got.Count | Should -Be $expected
        $got | ForEach-Object { $_.Name | Should -BeLike "$prefix*" }
        Get-QueryValue (Get-DeviceRequests)[0] 'hostName' | Should -Be $prefix
    }

    It 'ANDs -Filter clauses, splitting at the first colon, and sends only the keys the v3 API documents' {
        $null = Get-CbDevice -Filter 'ownerName:smith', 'ipAddress:10.0.0.1' -HostName 'web*'
        $r = (Get-DeviceRequests)[0]
        Get-QueryValue $r 'ownerName' | Should -Be 'smith'
        Get-QueryValue $r 'ipAddress' | Should -Be '10.0.0.1'
        Get-QueryValue $r 'hostName' | Should -Be 'web'
    }

    It 'applies a -Filter key that names a device field on the client, exactly (the server would ignore it)' {
        $status = ($raw | Group-Object status | Sort-Object Count | Select-Object -First 1).Name
        $expected = @($raw | Where-Object status -eq $status)
        $expected.Count | Should -BeLessThan $raw.Count
        $got = @(Get-CbDevice -Filter "status:$status" -PageSize 100)
        $got.DeviceId | Should -Be $expected.deviceId
        Get-QueryValue (Get-DeviceRequests)[0] 'status' | Should -BeNullOrEmpty
        $lower = @(Get-CbDevice -Filter "status:$($status.ToLower())")
        $lower.Count | Should -Be $expected.Count
        @(Get-CbDevice -Status $status).DeviceId | Should -Be $expected.deviceId
    }

    It 'reports the total as unknown when filters are applied on the client' {
        $status = $raw[0].status
        $out = @(Get-CbDevice -Filter "status:$status" -First 2 -IncludeTotalCount)
        $total = $out | Where-Object { $_ -isnot [CbDefense.Device] }
        $total.psobject.BaseObject.Accuracy | Should -Be 0
        @($out | Where-Object { $_ -is [CbDefense.Device] }).Count | Should -Be 2
    }

    It 'refuses a -Filter key that is neither a documented filter nor a device field, naming the supported keys, and sends nothing' {
        { Get-CbDevice -Filter 'stauts:DEREGISTERED' -ErrorAction Stop } | Should -Throw '*stauts*hostNameExact*'
        Get-DeviceRequests | Should -BeNullOrEmpty
    }

    It '-HostName without a wildcard is the exact name (case-insensitive), never a substring' {
        # A name less its last character that several devices' names start with (WIN-FIN-000 for WIN-FIN-0001...).
        $cut = $raw.name | ForEach-Object { $_.Substring(0, $_.Length - 1) } | Group-Object |
            Where-Object Count -gt 1 | Select-Object -First 1 -ExpandProperty Name
        $name = ($raw.name | Where-Object { $_ -like "$cut*" })[0]
        $substringMatches = @($raw | Where-Object { $_.name -like "$cut*" })
        $substringMatches.Count | Should -BeGreaterThan 1
        @(Get-CbDevice -HostName $cut | Where-Object Name -ne $cut) | Should -BeNullOrEmpty
        $one = @(Get-CbDevice -HostName $name.ToLower())
        $one.Name | Should -Be @($raw.name | Where-Object { $_ -eq $name })
        @(Get-CbDevice -HostName "$cut*").Count | Should -Be $substringMatches.Count
    }

    It '-OwnerName without a wildcard is the exact owner' {
        $email = ($raw | Where-Object email | Select-Object -First 1).email
        $expected = @($raw | Where-Object email -eq $email)
        @(Get-CbDevice -OwnerName $email).DeviceId | Should -Be $expected.deviceId
        $part = $email.Substring(0, $email.IndexOf('@'))
        @(Get-CbDevice -OwnerName $part) | Where-Object Email -ne $part | Should -BeNullOrEmpty
        @(Get-CbDevice -OwnerName "$part*").Count | Should -BeGreaterOrEqual $expected.Count
    }

    It 'refuses -Query, -Criteria and -Sort on a Legacy session before sending anything' {
        { Get-CbDevice -Query 'os:WINDOWS' -ErrorAction Stop } | Should -Throw '*-Query*current API*'
        { Get-CbDevice -Sort name -ErrorAction Stop } | Should -Throw '*-Sort*'
        Get-DeviceRequests | Should -BeNullOrEmpty
    }

    It 'Select-Object -First 150 sends no request for a page it will not write' {
        $got = Get-CbDevice | Select-Object -First 150
        $got.Count | Should -Be 150
        (Get-DeviceRequests).Count | Should -Be 2
    }

    It 'rejects a -Filter clause without a colon before sending anything' {
        { Get-CbDevice -Filter 'nocolon' -ErrorAction Stop } | Should -Throw '*key:value*'
        Get-DeviceRequests | Should -BeNullOrEmpty
    }

    It 'shows a progress bar with a percentage when the result spans several pages' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$ModulePath'; `$s = Connect-CbDefense -Uri '$($emu.Uri)' -ApiId '$(($emu.ApiToken -split '/')[1])' -ApiSecretKey (ConvertTo-SecureString '$(($emu.ApiToken -split '/')[0])' -AsPlainText -Force); Get-CbDevice -PageSize 50 | Measure-Object")
            $null = $ps.Invoke()
            $progress = @($ps.Streams.Progress | Where-Object { $_.PercentComplete -gt 0 })
            $progress.Count | Should -BeGreaterThan 1
            $progress[-1].PercentComplete | Should -BeLessOrEqual 100
        }
        finally { $ps.Dispose() }
    }
}

Describe 'Get-CbDevice -Id' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu; Set-EmulatorFaults -Emulator $emu }

    It 'fetches many ids at the same time and writes them in the order given' {
        $ids = $raw[20..27].deviceId
        [array]::Reverse($ids)
        Clear-EmulatorRequests -Emulator $emu
        Set-EmulatorFaults -Emulator $emu -Faults @(@{ kind = 'latency'; latencyMs = 1000; path = '/integrationServices/v3/device/' })
        $got = Get-CbDevice -Id $ids
        Set-EmulatorFaults -Emulator $emu
        $got.DeviceId | Should -Be $ids
        $times = @(Get-DeviceRequests | ForEach-Object { [datetime]::Parse($_.time).ToUniversalTime() } | Sort-Object)
        $times.Count | Should -Be 8
        # One at a time, the eighth request would start at least 7 s after the first.
        ($times[-1] - $times[0]).TotalMilliseconds | Should -BeLessThan 1000
    }

    It 'fetches each id' {
        $ids = $raw[0..2].deviceId
        $got = Get-CbDevice -Id $ids
        $got.DeviceId | Should -Be $ids
        (Get-DeviceRequests).Count | Should -Be 3
    }

    It 'writes a not-found error for an unknown id and still writes the others' {
        $ids = @($raw[0].deviceId, 999999999, $raw[1].deviceId)
        $got = Get-CbDevice -Id $ids -ErrorVariable errs -ErrorAction SilentlyContinue
        $got.DeviceId | Should -Be @($raw[0].deviceId, $raw[1].deviceId)
        $errs.Count | Should -Be 1
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].TargetObject | Should -Be 999999999
        $errs[0].FullyQualifiedErrorId | Should -Match '^DeviceNotFound'
        $errs[0].Exception.Message | Should -Match '999999999'
    }

    It 'takes ids from the pipeline by value' {
        ($raw[0..3].deviceId | Get-CbDevice).DeviceId | Should -Be $raw[0..3].deviceId
    }

    It 'takes Device objects from the pipeline by property name (DeviceId, Session)' {
        (Get-CbDevice -First 4 | Get-CbDevice).DeviceId | Should -Be $raw[0..3].deviceId
    }

    It 'rejects ids that are not positive' {
        { Get-CbDevice -Id -5 -ErrorAction Stop } | Should -Throw
        Get-DeviceRequests | Should -BeNullOrEmpty
    }
}

Describe 'The Device object' {
    BeforeAll { $script:d = Get-CbDevice -Id $raw[0].deviceId -Session $session; $script:r = $raw[0] }

    It 'maps the fields with PascalCase names and types' {
        $d.DeviceId | Should -Be $r.deviceId
        $d.Name | Should -Be $r.name
        $d.Email | Should -Be $r.email
        $d.DeviceType | Should -Be $r.deviceType
        $d.OsVersion | Should -Be $r.osVersion
        $d.Status | Should -Be $r.status
        $d.PolicyId | Should -Be $r.policyId
        $d.PolicyName | Should -Be $r.policyName
        $d.Quarantined | Should -Be $r.quarantined
        $d.SensorVersion | Should -Be $r.sensorVersion
        @($d.SensorStates) | Should -Be @($r.sensorStates)
    }

    It 'turns epoch milliseconds into date-times (local, and UTC in the Utc twin) and keeps null as null' {
        $d.LastContactUtc | Should -BeOfType ([datetime])
        $d.LastContactUtc.Kind | Should -Be 'Utc'
        $d.LastContactUtc | Should -Be ([DateTimeOffset]::FromUnixTimeMilliseconds($r.lastContact).UtcDateTime)
        $d.LastContact.Kind | Should -Be 'Local'
        $d.LastContact | Should -Be ([DateTimeOffset]::FromUnixTimeMilliseconds($r.lastContact).LocalDateTime)
        $nullField = $r.psobject.Properties | Where-Object { $_.Name -eq 'deregisteredTime' -and $null -eq $_.Value }
        if ($nullField) { $d.DeregisteredTime | Should -BeNullOrEmpty }
    }

    It 'keeps every other field the server sends' {
        $known = (Get-CbDevice -Id $r.deviceId).psobject.Properties.Name
        foreach ($p in $r.psobject.Properties) {
            $pascal = $p.Name.Substring(0, 1).ToUpperInvariant() + $p.Name.Substring(1)
            ($pascal -in $known) -or $d.AdditionalProperties.ContainsKey($p.Name) | Should -BeTrue -Because "$($p.Name) must not be lost"
        }
        ($d | ConvertTo-Json -Depth 4) | Should -Match 'vmName|deploymentType|adGroupId'
    }

    It 'carries its session' {
        $d.Session.Id | Should -Be $session.Id
    }

    It 'has a table view with the id and the name first' {
        # The first column has a fixed width (DeviceId): a first column without one makes PowerShell size every column
        # from the data, and a long host name then pushes the other columns off (tests/Pester/Output.Tests.ps1).
        $text = Get-CbDevice -First 3 | Format-Table | Out-String
        ($text -split "`n" | Where-Object { $_.Trim() })[0] | Should -Match '^\s*DeviceId\s+Name\s'
    }

    It 'works with Where-Object on dates and Export-Csv' {
        $csv = Join-Path ([IO.Path]::GetTempPath()) "cbdev-$([guid]::NewGuid().ToString('N')).csv"
        try {
            Get-CbDevice | Where-Object LastContact -lt (Get-Date).AddDays(-1) | Export-Csv $csv
            $rows = Import-Csv $csv
            $expected = @($raw | Where-Object { $_.lastContact -and [DateTimeOffset]::FromUnixTimeMilliseconds($_.lastContact).UtcDateTime -lt (Get-Date).ToUniversalTime().AddDays(-1) }).Count
            [math]::Abs(@($rows).Count - $expected) | Should -BeLessOrEqual 1
        }
        finally { Remove-Item $csv -ErrorAction SilentlyContinue }
    }
}

Describe 'Get-CbDevice under faults and errors' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu }
    AfterEach { Set-EmulatorFaults -Emulator $emu }

    It 'returns every device exactly once under a 429 storm, a share of 503s and resets' {
        Set-EmulatorFaults -Emulator $emu -Faults @(
            @{ kind = 'throttle'; rate = 0.3; retryAfter = 1 }
            @{ kind = 'status'; status = 503; rate = 0.2 }
            @{ kind = 'reset'; rate = 0.15 }
        )
        $all = Get-CbDevice -PageSize 40
        $all.Count | Should -Be $raw.Count
        ($all.DeviceId | Sort-Object -Unique).Count | Should -Be $raw.Count
    }

    It 'a 500 on a page mid-listing is retried: every device comes back once' {
        # The second and later pages fail once each with 500 (a GET is safe to repeat).
        Set-EmulatorFaults -Emulator $emu -Faults @(@{ kind = 'status'; status = 500; rate = 0.5; path = '/integrationServices/v3/device' })
        $all = Get-CbDevice -PageSize 40
        $all.Count | Should -Be $raw.Count
        ($all.DeviceId | Sort-Object -Unique).Count | Should -Be $raw.Count
        @(Get-DeviceRequests | Where-Object status -eq 500).Count | Should -BeGreaterThan 0
    }

    It 'recovers from truncated and malformed bodies' {
        Set-EmulatorFaults -Emulator $emu -Faults @(
            @{ kind = 'truncated'; count = 1 }
            @{ kind = 'malformed'; count = 1 }
        )
        (Get-CbDevice -PageSize 100).Count | Should -Be $raw.Count
    }

    It 'reports an HTML error page with its status and its title, not its markup' {
        Set-EmulatorFaults -Emulator $emu -Faults @(@{ kind = 'html' })
        $err = { Get-CbDevice -First 1 -ErrorAction Stop } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match '502'
        $err.Exception.Message | Should -Match 'an HTML page, not the API''s JSON .*"502 Bad Gateway"'
        $err.Exception.Message | Should -Not -Match '<'
        $err.Exception.ResponseSnippet | Should -Match '<html>'
    }

    It 'reports a wrong key as PermissionDenied with the server''s message' {
        $bad = Connect-CbDefense -Uri $emu.Uri -ApiId WRONG -ApiSecretKey (ConvertTo-SecureString NOPE -AsPlainText -Force)
        try {
            $err = { Get-CbDevice -First 1 -Session $bad -ErrorAction Stop } | Should -Throw -PassThru
            $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $err.Exception.Message | Should -Match 'not authenticated'
        }
        finally { Disconnect-CbDefense $bad }
    }

    It 'a SIEM key on the device route is refused (401)' {
        $siem = Connect-TestEmulator -Emulator $emu -Token $emu.SiemToken
        try {
            { Get-CbDevice -First 1 -Session $siem -ErrorAction Stop } | Should -Throw
        }
        finally { Disconnect-CbDefense $siem }
    }

    It 'Ctrl+C (Stop) cancels an in-flight request at once' {
        Set-EmulatorFaults -Emulator $emu -Faults @(@{ kind = 'latency'; latencyMs = 60000 })
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$ModulePath'; `$s = Connect-CbDefense -Uri '$($emu.Uri)' -ApiId '$(($emu.ApiToken -split '/')[1])' -ApiSecretKey (ConvertTo-SecureString '$(($emu.ApiToken -split '/')[0])' -AsPlainText -Force) -TimeoutSec 0; Get-CbDevice")
            $async = $ps.BeginInvoke()
            $deadline = (Get-Date).AddSeconds(30)
            while (@(Get-EmulatorRequests -Emulator $emu | Where-Object path -like '/integrationServices/v3/device*').Count -eq 0 -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $sw.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            # The request was held for 60 s by the server: stopping must not wait for it.
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 30
        }
        finally { $ps.Dispose() }
    }

    It 'writes one verbose line per request with method, path, status and milliseconds' {
        $v = Get-CbDevice -First 2 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($v.Message -join "`n") | Should -Match 'GET /integrationServices/v3/device\?.*200.*ms'
    }
}
