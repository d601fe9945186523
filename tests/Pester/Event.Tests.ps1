BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Add-Type -AssemblyName System.Web
    $script:emu = Start-CbEmulator -Devices 40 -Events 1500 -Seed 11
    $script:session = Connect-TestEmulator -Emulator $emu
    $script:headers = @{ 'X-Auth-Token' = $emu.ApiToken }
    # The ground truth, read straight from the API without the module (newest first).
    $script:raw = (Invoke-RestMethod -Uri "$($emu.Uri)/integrationServices/v3/event?rows=10000" -Headers $headers).results
    function script:Get-EventRequests { @(Get-EmulatorRequests -Emulator $emu | Where-Object { $_.path -like '/integrationServices/v3/event*' }) }
    function script:Get-QueryValue($request, $name) { [System.Web.HttpUtility]::ParseQueryString($request.query)[$name] }
}
AfterAll {
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    Assert-CbNoSecretLeak
}

Describe 'Get-CbEvent' {
    BeforeEach { Clear-EmulatorRequests -Emulator $emu; Set-EmulatorFaults -Emulator $emu }

    It 'returns every event once, newest first, as typed objects with typed details' {
        $all = Get-CbEvent
        $all.Count | Should -Be $raw.Count
        $all.EventId | Should -Be $raw.eventId
        $e = $all[0]
        $e | Should -BeOfType ([CbDefense.Event])
        $e.EventTime | Should -BeOfType ([datetime])
        $e.EventTime.Kind | Should -Be 'Local'
        $e.EventTimeUtc.Kind | Should -Be 'Utc'
        $e.EventTimeUtc | Should -Be ([DateTimeOffset]::FromUnixTimeMilliseconds($raw[0].eventTime).UtcDateTime)
        $e.DeviceDetails | Should -BeOfType ([CbDefense.EventDeviceDetails])
        $e.DeviceDetails.DeviceName | Should -Be $raw[0].deviceDetails.deviceName
        $e.ProcessDetails | Should -BeOfType ([CbDefense.EventProcessDetails])
        $e.SelectedApp | Should -BeOfType ([CbDefense.EventApplication])
        $e.SelectedApp.Sha256Hash | Should -Be $raw[0].selectedApp.sha256Hash
        $e.NetFlow | Should -BeOfType ([CbDefense.EventNetFlow])
        $e.Session | Should -Be $session
    }

    It 'sends each filter as the documented query parameter' -TestCases @(
        @{ Params = @{ HostName = 'WIN' }; Key = 'hostName'; Value = 'WIN' }
        @{ Params = @{ HostNameExact = 'WIN-FIN-0001' }; Key = 'hostNameExact'; Value = 'WIN-FIN-0001' }
        @{ Params = @{ OwnerName = 'smith' }; Key = 'ownerName'; Value = 'smith' }
        @{ Params = @{ OwnerNameExact = 'a@b.example' }; Key = 'ownerNameExact'; Value = 'a@b.example' }
        @{ Params = @{ IpAddress = '10.0.0.1' }; Key = 'ipAddress'; Value = '10.0.0.1' }
        @{ Params = @{ Sha256Hash = 'ab' * 32 }; Key = 'sha256Hash'; Value = 'ab' * 32 }
        @{ Params = @{ ApplicationName = 'powershell.exe' }; Key = 'applicationName'; Value = 'powershell.exe' }
        @{ Params = @{ EventType = 'NETWORK' }; Key = 'eventType'; Value = 'NETWORK' }
        @{ Params = @{ SearchWindow = '1d' }; Key = 'searchWindow'; Value = '1d' }
        @{ Params = @{ StartTime = [datetime]::new(2024, 5, 1, 8, 30, 0, 250, [DateTimeKind]::Utc) }; Key = 'startTime'; Value = '2024-05-01T08:30:00.250Z' }
        @{ Params = @{ EndTime = [datetime]::new(2024, 5, 2, 0, 0, 0, [DateTimeKind]::Utc) }; Key = 'endTime'; Value = '2024-05-02T00:00:00.000Z' }
        @{ Params = @{ Filter = 'eventType:FILE_CREATE' }; Key = 'eventType'; Value = 'FILE_CREATE' }
    ) {
        param($Params, $Key, $Value)
        $null = Get-CbEvent @Params -First 1
        $req = (Get-EventRequests)[0]
        Get-QueryValue $req $Key | Should -BeExactly $Value
        Get-QueryValue $req 'start' | Should -Be '1'
    }

    It 'returns what the server matches for a filter' {
        $type = $raw[0].eventType
        $expected = @($raw | Where-Object eventType -eq $type)
        $got = Get-CbEvent -EventType $type
        $got.EventId | Should -Be $expected.eventId
        $host1 = $raw[0].deviceDetails.deviceName
        (Get-CbEvent -HostNameExact $host1).DeviceDetails.DeviceName | Sort-Object -Unique | Should -Be $host1
    }

    It 'keeps the time range inclusive at both ends' {
        $t = [DateTimeOffset]::FromUnixTimeMilliseconds($raw[10].eventTime).UtcDateTime
        $got = @(Get-CbEvent -StartTime $t -EndTime $t)
        $got.EventId | Should -Contain $raw[10].eventId
        $got | ForEach-Object { $_.EventTimeUtc | Should -Be $t }
    }

    It 'an end before the start is a parameter error and sends nothing' {
        { Get-CbEvent -StartTime (Get-Date) -EndTime (Get-Date).AddDays(-1) -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvertedTimeRange,CbDefense.Commands.GetCbEventCommand'
        { Get-CbEvent -Filter 'startTime:2024-05-02T00:00:00Z', 'endTime:2024-05-01T00:00:00Z' -ErrorAction Stop } | Should -Throw '*inverted*'
        Get-EventRequests | Should -BeNullOrEmpty
    }

    It '-First 5 asks the server for 5 rows' {
        $got = Get-CbEvent -First 5
        $got.Count | Should -Be 5
        $r = @(Get-EventRequests)
        $r.Count | Should -Be 1
        $r[0].query | Should -BeLike '*rows=5&*'
    }

    It '-HostName without a wildcard is the exact device name; a pattern matches on the client' {
        $name = $raw[0].deviceDetails.deviceName
        $cut = $name.Substring(0, $name.Length - 1)
        $expected = @($raw | Where-Object { $_.deviceDetails.deviceName -eq $name })
        @(Get-CbEvent -HostName $name).EventId | Should -Be $expected.eventId
        @(Get-CbEvent -HostName $cut) | Where-Object { $_.DeviceDetails.DeviceName -ne $cut } | Should -BeNullOrEmpty
        @(Get-CbEvent -HostName "$cut*").Count | Should -Be @($raw | Where-Object { $_.deviceDetails.deviceName -like "$cut*" }).Count
    }

    It 'matches a -Filter key that names an event field on the client, and refuses an unknown key' {
        $policy = $raw[0].deviceDetails.policyName
        $expected = @($raw | Where-Object { $_.deviceDetails.policyName -eq $policy })
        @(Get-CbEvent -Filter "deviceDetails.policyName:$policy").EventId | Should -Be $expected.eventId
        Clear-EmulatorRequests -Emulator $emu
        { Get-CbEvent -Filter 'policyNam:Standard' -ErrorAction Stop } | Should -Throw '*policyNam*sha256Hash*'
        Get-EventRequests | Should -BeNullOrEmpty
    }

    It 'refuses an undocumented search window' {
        { Get-CbEvent -SearchWindow 5d } | Should -Throw -ErrorId 'ParameterArgumentValidationError,CbDefense.Commands.GetCbEventCommand'
    }

    It '-First and -Skip give exactly the rows asked for, and -IncludeTotalCount the server total' {
        $page = Get-CbEvent -Skip 37 -First 50 -PageSize 20
        $page.EventId | Should -Be $raw[37..86].eventId
        $out = Get-CbEvent -First 1 -IncludeTotalCount
        [double]($out | Where-Object { $_ -isnot [CbDefense.Event] }).psobject.BaseObject | Should -Be $raw.Count
    }

    It 'Get-CbEvent | Select-Object -First 1 sends exactly one request' {
        $null = Get-CbEvent | Select-Object -First 1
        (Get-EventRequests).Count | Should -Be 1
    }

    It 'gets events by id, from the pipeline, with a not-found error for an unknown id' {
        $ids = $raw[3, 4].eventId
        $got = $ids | Get-CbEvent
        $got.EventId | Should -Be $ids
        $got[0].DeviceDetails.DeviceId | Should -Be $raw[3].deviceDetails.deviceId
        $null = Get-CbEvent -Id ('0' * 32) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'EventNotFound.404*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'gets every event under injected 503s and 429s' {
        Set-EmulatorFaults -Emulator $emu -Faults @(
            @{ kind = 'status'; status = 503; rate = 0.3; path = '/integrationServices/v3/event'; retryAfter = 0 }
            @{ kind = 'throttle'; rate = 0.2; path = '/integrationServices/v3/event'; retryAfter = 0 })
        $all = Get-CbEvent -PageSize 200
        Set-EmulatorFaults -Emulator $emu
        $all.EventId | Should -Be $raw.eventId
    }
}

Describe 'Get-CbEvent past the 10,000-row cap' {
    BeforeAll {
        $script:big = Start-CbEmulator -Devices 20 -Events 25000 -Seed 12
        $script:bigSession = Connect-TestEmulator -Emulator $big
    }
    AfterAll {
        if ($bigSession) { Disconnect-CbDefense -Session $bigSession }
        if ($big) { Stop-CbEmulator $big }
    }

    It 'a query matching 25,000 events returns all 25,000 exactly once' {
        $events = Get-CbEvent -Session $bigSession
        $events.Count | Should -Be 25000
        ($events.EventId | Sort-Object -Unique).Count | Should -Be 25000
        (Invoke-CbEmulatorAdmin -Emulator $big -Path info).events | Should -Be 25000
        # No single query asked the server for rows past its 10,000-row window.
        $reqs = @(Get-EmulatorRequests -Emulator $big -Last 5000 | Where-Object path -eq '/integrationServices/v3/event')
        foreach ($r in $reqs) {
            $q = [System.Web.HttpUtility]::ParseQueryString($r.query)
            ([int]$q['start'] + [int]$q['rows'] - 1) | Should -BeLessOrEqual 10000
        }
        ($reqs | Where-Object { $_.query -match 'startTime' }).Count | Should -BeGreaterThan 0
    }

    It 'says in its progress how often the time range was split' {
        $h = [CbTest.CaptureHost]::new()
        $rs = [runspacefactory]::CreateRunspace($h); $rs.Open()
        $ps = [powershell]::Create(); $ps.Runspace = $rs
        try {
            $secret, $id = $big.ApiToken -split '/', 2
            $null = $ps.AddScript("`$ProgressPreference = 'Continue'; Import-Module '$script:ModulePath'; `$s = Connect-CbDefense -Uri '$($big.Uri)' -ApiId '$id' -ApiSecretKey (ConvertTo-SecureString '$secret' -AsPlainText -Force) -OrgKey '$($big.OrgKey)' -ApiGeneration Legacy; Get-CbEvent -Session `$s -First 3000 -PageSize 1000")
            $out = @($ps.Invoke())
            $out.Count | Should -Be 3000
            # The cmdlet updates one record, so the stream holds it as it was last written (completed).
            $bars = @($ps.Streams.Progress | Where-Object Activity -EQ 'Get-CbEvent')
            $bars.Count | Should -BeGreaterThan 1
            $bars[-1].RecordType | Should -Be 'Completed'
            $bars[-1].StatusDescription | Should -Match '^\S+ of \S+ events \(time range split [1-9]\d* times\)$'
        }
        finally { $ps.Dispose(); $rs.Dispose() }
    }

    It 'splits a user''s time range too and stays inside it' {
        $start = (Get-Date).ToUniversalTime().AddDays(-10)
        $end = (Get-Date).ToUniversalTime().AddDays(-1)
        $headers = @{ 'X-Auth-Token' = $big.ApiToken }
        $q = "startTime=$($start.ToString('yyyy-MM-ddTHH:mm:ss.fffZ'))&endTime=$($end.ToString('yyyy-MM-ddTHH:mm:ss.fffZ'))"
        $total = (Invoke-RestMethod -Uri "$($big.Uri)/integrationServices/v3/event?rows=1&$q" -Headers $headers).totalResults
        $total | Should -BeGreaterThan 10000
        $events = Get-CbEvent -Session $bigSession -StartTime $start -EndTime $end
        $events.Count | Should -Be $total
        ($events.EventId | Sort-Object -Unique).Count | Should -Be $total
    }
}
