# Live Response on both generations: a Legacy session (v3 cblr, the LIVE_RESPONSE key) and a Current session
# (v6 liveresponse, the Custom key), against one emulator whose simulated machines are the ground truth (its admin
# API: files with SHA-256, processes, registry, open sessions).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:emu = Start-CbEmulator -Devices 40 -Seed 7 -ExtraArguments @(
        '--lr-session-delay-ms', '100', '--lr-command-delay-ms', '20', '--lr-memdump-ms', '300', '--lr-memdump-mb', '2',
        '--lr-large-file-mb', '8', '--lr-session-cap', '30')
    $script:sessions = @{
        Legacy  = Connect-TestEmulator -Emulator $emu -Generation Legacy -Token $emu.LrToken
        Current = Connect-TestEmulator -Emulator $emu -Generation Current
    }
    $script:raw = (Invoke-RestMethod -Uri "$($emu.Uri)/integrationServices/v3/device?rows=5000" -Headers @{ 'X-Auth-Token' = $emu.ApiToken }).results
    $online = { param($os) @($raw | Where-Object { $_.deviceType -eq $os -and $_.status -eq 'REGISTERED' }) }
    $script:windows = & $online 'WINDOWS'
    $script:linux = & $online 'LINUX'
    $script:offline = @($raw | Where-Object status -eq 'INACTIVE')
    function script:Get-Lr([string] $Path) { Invoke-CbEmulatorAdmin -Emulator $emu -Path "lr/$Path" }
    function script:Get-OpenSessions { @((Get-Lr 'sessions?open=true').sessions) }
    function script:Get-RemoteFile([long] $Device, [string] $Path) {
        Get-Lr "devices/$Device/file?path=$([uri]::EscapeDataString($Path))"
    }
    function script:Get-Commands { @(Get-EmulatorRequests -Emulator $emu | Where-Object { $_.method -eq 'POST' -and $_.path -match '/commands?$' }) }
    function script:New-LocalFile([long] $Bytes) {
        $f = Join-Path ([IO.Path]::GetTempPath()) "cblr-test-$([guid]::NewGuid().ToString('N')).bin"
        $buffer = [byte[]]::new(1MB)
        $rng = [Random]::new(42)
        $fs = [IO.File]::Create($f)
        try {
            for ($left = $Bytes; $left -gt 0; $left -= $buffer.Length) {
                $rng.NextBytes($buffer)
                $fs.Write($buffer, 0, [math]::Min($buffer.Length, $left))
            }
        }
        finally { $fs.Dispose() }
        $f
    }
    $script:work = Join-Path ([IO.Path]::GetTempPath()) "cblr-pester-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory $work
}
AfterAll {
    Get-CbLiveResponseSession | Remove-CbLiveResponseSession
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    if ($work) { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
    Assert-CbNoSecretLeak
}

Describe 'Live Response sessions on a <_> session' -ForEach 'Legacy', 'Current' {
    BeforeAll {
        $script:s = $sessions[$_]
        $script:gen = $_
        $script:lr = New-CbLiveResponseSession -Session $s -DeviceId $windows[0].deviceId, $linux[0].deviceId
        $script:win = $lr | Where-Object DeviceId -eq $windows[0].deviceId
        $script:lin = $lr | Where-Object DeviceId -eq $linux[0].deviceId
    }
    AfterAll { $lr | Remove-CbLiveResponseSession }
    BeforeEach { Clear-EmulatorRequests -Emulator $emu }

    It 'opens ACTIVE sessions that say what the sensor offers, through the <_> routes' {
        $lr.Count | Should -Be 2
        $win.Status | Should -Be 'ACTIVE'
        $win.OsType | Should -Be 'WINDOWS'
        $win.HostName | Should -Be $windows[0].name
        $win.SupportedCommands | Should -Contain 'reg enum key'
        $win.Drives | Should -Contain 'C:\'
        $win.ApiGeneration | Should -Be $gen
        $lin.OsType | Should -Be 'LINUX'
        $lin.SupportedCommands | Should -Not -Contain 'reg enum key'
        $win.CreatedAt.Kind | Should -Be 'Local'
        $open = Get-OpenSessions
        $open.id | Should -Contain $win.Id
        $open.id | Should -Contain $lin.Id
    }

    It 'reuses the open session of a device instead of opening another' {
        $again = New-CbLiveResponseSession -Session $s -DeviceId $windows[0].deviceId
        $again.Id | Should -Be $win.Id
        @(Get-EmulatorRequests -Emulator $emu | Where-Object method -eq 'POST') | Should -BeNullOrEmpty
        @(Get-CbLiveResponseSession -DeviceId $windows[0].deviceId).Id | Should -Be $win.Id
        @(Get-CbLiveResponseSession -Id $lin.Id).DeviceId | Should -Be $linux[0].deviceId
    }

    It 'lists a folder as the device has it, and -File, -Directory, -Recurse -Depth select' {
        $truth = @((Get-Lr "devices/$($win.DeviceId)/files?path=$([uri]::EscapeDataString('C:\TEMP'))&hash=false").files)
        $items = @($win | Get-CbLiveResponseChildItem -Path 'C:\TEMP')
        ($items.Name | Sort-Object) | Should -Be ($truth | ForEach-Object { Split-Path -Leaf ($_.path -replace '\\', '/') } | Sort-Object)
        $big = $items | Where-Object Name -eq 'large.bin'
        $big.Length | Should -Be 8MB
        $big.FullName | Should -Be 'C:\TEMP\large.bin'
        $big.DeviceId | Should -Be $win.DeviceId
        $big.HostName | Should -Be $win.HostName
        $big.LastWriteTime.Kind | Should -Be 'Local'
        @($win | Get-CbLiveResponseChildItem -Path 'C:\Users' -Directory).IsDirectory | Should -Not -Contain $false
        @($win | Get-CbLiveResponseChildItem -Path 'C:\TEMP' -File).IsDirectory | Should -Not -Contain $true
        $deep = @($win | Get-CbLiveResponseChildItem -Path 'C:\Users' -Depth 1)
        $deep.FullName | Should -Contain 'C:\Users\Public\Documents'
        @($win | Get-CbLiveResponseChildItem -Path 'C:\TEMP\*.log').Name | Sort-Object | Should -Be @('install.log', 'setup.log')
        @($lin | Get-CbLiveResponseChildItem -Path '/tmp').FullName | Should -Contain '/tmp/test.txt'
        # A file's path lists the file itself, like Get-ChildItem.
        $one = @($win | Get-CbLiveResponseChildItem -Path 'C:\TEMP\test.txt')
        $one.Count | Should -Be 1
        $one[0].Length | Should -Be 1234
    }

    It 'sends and receives a 64 MiB file byte for byte, streamed' {
        $local = New-LocalFile 64MB
        try {
            $remote = "C:\TEMP\round-$gen.bin"
            $win | Send-CbLiveResponseFile -Path $local -Destination $remote -Confirm:$false
            (Get-RemoteFile $win.DeviceId $remote).sha256 | Should -Be (Get-FileHash $local -Algorithm SHA256).Hash.ToLowerInvariant()
            $back = $win | Receive-CbLiveResponseFile -Path $remote -Destination (Join-Path $work "back-$gen.bin") -PassThru
            $back.Length | Should -Be 64MB
            $back.DeviceId | Should -Be $win.DeviceId
            (Get-FileHash $back.FullName -Algorithm SHA256).Hash | Should -Be (Get-FileHash $local -Algorithm SHA256).Hash
            @(Get-ChildItem $work -Force -Filter '*.partial') | Should -BeNullOrEmpty
        }
        finally { Remove-Item $local -ErrorAction SilentlyContinue }
    }

    It 'refuses to overwrite a file on either side without -Force, and overwrites with it' {
        $dest = Join-Path $work "exists-$gen.txt"
        Set-Content $dest 'local'
        $win | Receive-CbLiveResponseFile -Path 'C:\TEMP\test.txt' -Destination $dest -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -Match '-Force'
        Get-Content $dest | Should -Be 'local'
        @(Get-Commands) | Should -BeNullOrEmpty -Because 'nothing is sent when the local file is in the way'
        $win | Receive-CbLiveResponseFile -Path 'C:\TEMP\test.txt' -Destination $dest -Force
        (Get-Item $dest).Length | Should -Be 1234

        $remote = "C:\TEMP\exists-$gen.txt"
        Set-Content $dest 'first'
        $win | Send-CbLiveResponseFile -Path $dest -Destination $remote -Confirm:$false
        $firstSize = (Get-RemoteFile $win.DeviceId $remote).size
        Set-Content $dest 'the second, longer content'
        $win | Send-CbLiveResponseFile -Path $dest -Destination $remote -Confirm:$false -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'SendFileFailed.ERROR_FILE_EXISTS*'
        (Get-RemoteFile $win.DeviceId $remote).size | Should -Be $firstSize
        $win | Send-CbLiveResponseFile -Path $dest -Destination $remote -Force -Confirm:$false
        (Get-RemoteFile $win.DeviceId $remote).size | Should -Be (Get-Item $dest).Length
    }

    It 'a file the device cannot give is an error with the decoded Win32 name, and leaves no local file' {
        $dest = Join-Path $work "missing-$gen"
        $win | Receive-CbLiveResponseFile -Path 'C:\TEMP\no-such-file.txt' -Destination "$dest/" -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ReceiveFileFailed.ERROR_FILE_NOT_FOUND*'
        "$($err[0])" | Should -Match 'ERROR_FILE_NOT_FOUND \(0x80070002\)'
        "$($err[0])" | Should -Match ([regex]::Escape($win.HostName))
        $err[0].Exception.DeviceId | Should -Be $win.DeviceId
        @(Get-ChildItem $dest -Force -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty
        $win | Receive-CbLiveResponseFile -Path 'C:\pagefile.sys' -Destination "$dest/" -ErrorVariable locked -ErrorAction SilentlyContinue
        $locked[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
    }

    It 'a reset in the middle of a download is retried; one that keeps happening is an error and leaves no file' {
        $contentPath = if ($gen -eq 'Legacy') { '/integrationServices/v3/cblr/session/' } else { '/_storage/lr/' }
        Set-EmulatorFaults -Emulator $emu -Faults @(@{ kind = 'reset'; path = $contentPath; method = 'GET'; count = 1 })
        try {
            $ok = $win | Receive-CbLiveResponseFile -Path 'C:\TEMP\large.bin' -Destination (Join-Path $work "retried-$gen.bin") -PassThru
            (Get-FileHash $ok.FullName -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be (Get-RemoteFile $win.DeviceId 'C:\TEMP\large.bin').sha256
            Set-EmulatorFaults -Emulator $emu -Faults @(@{ kind = 'reset'; path = $contentPath; method = 'GET' })
            $dest = Join-Path $work "broken-$gen.bin"
            $win | Receive-CbLiveResponseFile -Path 'C:\TEMP\large.bin' -Destination $dest -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -Not -BeNullOrEmpty
            Test-Path $dest | Should -BeFalse
            @(Get-ChildItem $work -Force -Filter '*.partial') | Should -BeNullOrEmpty
        }
        finally { Set-EmulatorFaults -Emulator $emu }
    }

    It 'creates and removes folders and files; -WhatIf changes nothing' {
        $dir = "C:\TEMP\made-by-$gen"
        $win | New-CbLiveResponseDirectory -Path $dir -Confirm:$false
        (Get-RemoteFile $win.DeviceId $dir).directory | Should -BeTrue
        $win | Remove-CbLiveResponseItem -Path $dir -WhatIf
        @(Get-Commands | Where-Object body -match 'delete file') | Should -BeNullOrEmpty
        (Get-RemoteFile $win.DeviceId $dir).directory | Should -BeTrue
        $win | Remove-CbLiveResponseItem -Path $dir -Force
        { Get-RemoteFile $win.DeviceId $dir } | Should -Throw
    }

    It 'lists processes with one shape on both generations, starts one that keeps running and kills it' {
        $truth = @((Get-Lr "devices/$($win.DeviceId)/processes").processes)
        $procs = @($win | Get-CbLiveResponseProcess)
        ($procs.ProcessId | Sort-Object) | Should -Be ($truth.pid | Sort-Object)
        $lsass = $procs | Where-Object Name -eq 'lsass.exe'
        $lsass.UserName | Should -Be 'NT AUTHORITY\SYSTEM'
        $lsass.Path | Should -BeLike '*\lsass.exe'
        $lsass.ParentProcessId | Should -BeGreaterThan 0
        $started = $win | Start-CbLiveResponseProcess -CommandLine 'notepad.exe' -Confirm:$false
        $started.ProcessId | Should -BeGreaterThan 0
        $running = @($win | Get-CbLiveResponseProcess -ProcessId $started.ProcessId)
        $running.Name | Should -Be 'notepad.exe'
        $running | Stop-CbLiveResponseProcess -Force
        @((Get-Lr "devices/$($win.DeviceId)/processes").processes.pid) | Should -Not -Contain $started.ProcessId
    }

    It 'refuses to kill a protected process with PermissionDenied, and kills the others of the list' {
        $a = $win | Start-CbLiveResponseProcess -CommandLine 'notepad.exe' -Confirm:$false
        $win | Stop-CbLiveResponseProcess -ProcessId 4, $a.ProcessId -Force -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        "$($err[0])" | Should -Match 'ERROR_ACCESS_DENIED'
        @((Get-Lr "devices/$($win.DeviceId)/processes").processes.pid) | Should -Not -Contain $a.ProcessId
        @((Get-Lr "devices/$($win.DeviceId)/processes").processes.pid) | Should -Contain 4
    }

    It 'Start-CbLiveResponseProcess -Wait returns the exit code and the output, and deletes the remote output file' {
        $r = $win | Start-CbLiveResponseProcess -CommandLine 'cmd.exe /c hostname' -Wait -Confirm:$false
        $r.ExitCode | Should -Be 0
        $r.Output | Should -Match ([regex]::Escape($win.HostName))
        $r.HostName | Should -Be $win.HostName
        $r.OutputFile | Should -BeNullOrEmpty
        $get = @(Get-Commands | Where-Object body -match '"get file"')
        $get.Count | Should -Be 1
        $out = ($get[0].body | ConvertFrom-Json)
        $tmp = if ($gen -eq 'Legacy') { $out.object } else { $out.path }
        $tmp | Should -Match '^c:\\windows\\temp\\cblr\.[A-Za-z0-9]{12}\.tmp$'
        { Get-RemoteFile $win.DeviceId $tmp } | Should -Throw -Because 'the output file is deleted after it is read'
        $u = $lin | Start-CbLiveResponseProcess -CommandLine 'sh -c "echo one; uname -s"' -Wait -Confirm:$false
        $u.Output | Should -Match 'one'
        $u.Output | Should -Match 'Linux'
        $fail = $win | Start-CbLiveResponseProcess -CommandLine 'cmd.exe /c nosuchcommand' -Wait -Confirm:$false
        $fail.ExitCode | Should -Be 1
        $fail.Output | Should -Match 'not recognized'
    }

    It 'reads a registry key and every type of value, and writes them back' {
        $key = 'HKCU\Software\Emulator\Types'
        $k = $win | Get-CbLiveResponseRegistryKey -Path $key
        $truth = Get-Lr "devices/$($win.DeviceId)/registry?key=$([uri]::EscapeDataString($key))"
        ($k.Values.Name | Sort-Object) | Should -Be ($truth.values.name | Sort-Object)
        $v = @{}; foreach ($x in ($win | Get-CbLiveResponseRegistryValue -Path $key)) { $v[$x.Name] = $x }
        $v.Dword.Data | Should -BeOfType [long]
        $v.Multi.Data.GetType().IsArray | Should -BeTrue
        $v.Binary.Data | Should -BeOfType [byte]
        $v.Binary.Type | Should -Be 'REG_BINARY'
        $one = $win | Get-CbLiveResponseRegistryValue -Path $key -Name Qword
        $one.Data | Should -Be $v.Qword.Data
        $cases = @(
            @{ Name = "s-$gen"; Value = 'text'; Type = 'REG_SZ' }
            @{ Name = "d-$gen"; Value = 7; Type = 'REG_DWORD' }
            @{ Name = "q-$gen"; Value = 5000000000; Type = 'REG_QWORD' }
            @{ Name = "m-$gen"; Value = @('a', 'b'); Type = 'REG_MULTI_SZ' }
            @{ Name = "b-$gen"; Value = [byte[]](1, 2, 255); Type = 'REG_BINARY' }
        )
        foreach ($c in $cases) {
            $win | Set-CbLiveResponseRegistryValue -Path $key -Name $c.Name -Value $c.Value -Confirm:$false
            $back = $win | Get-CbLiveResponseRegistryValue -Path $key -Name $c.Name
            $back.Type | Should -Be $c.Type -Because "$($c.Value) implies $($c.Type)"
            "$($back.Data)" | Should -Be "$($c.Value)"
        }
        $win | Set-CbLiveResponseRegistryValue -Path $key -Name "s-$gen" -Value 'again' -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $win | Set-CbLiveResponseRegistryValue -Path $key -Name "s-$gen" -Value 'again' -Force -Confirm:$false
        ($win | Get-CbLiveResponseRegistryValue -Path $key -Name "s-$gen").Data | Should -Be 'again'
        $win | Set-CbLiveResponseRegistryValue -Path $key -Name "x-$gen" -Value '0x10' -Type REG_DWORD -Confirm:$false
        ($win | Get-CbLiveResponseRegistryValue -Path $key -Name "x-$gen").Data | Should -Be 16
    }

    It 'creates and deletes registry keys and values' {
        $key = "HKCU\Software\CbDefenseTest$gen"
        $win | New-CbLiveResponseRegistryKey -Path $key -Confirm:$false
        $win | Set-CbLiveResponseRegistryValue -Path $key -Name v -Value 1 -Confirm:$false
        (Get-Lr "devices/$($win.DeviceId)/registry?key=$([uri]::EscapeDataString($key))").values.name | Should -Be 'v'
        $win | Remove-CbLiveResponseRegistryValue -Path $key -Name v -Force
        @((Get-Lr "devices/$($win.DeviceId)/registry?key=$([uri]::EscapeDataString($key))").values) | Should -BeNullOrEmpty
        $win | Remove-CbLiveResponseRegistryKey -Path $key -WhatIf
        $null = Get-Lr "devices/$($win.DeviceId)/registry?key=$([uri]::EscapeDataString($key))"
        $win | Remove-CbLiveResponseRegistryKey -Path $key -Force
        { Get-Lr "devices/$($win.DeviceId)/registry?key=$([uri]::EscapeDataString($key))" } | Should -Throw
    }

    It 'refuses registry commands on a Linux sensor before sending anything' {
        $lin | Get-CbLiveResponseRegistryKey -Path 'HKLM\SOFTWARE' -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -Match 'Windows sensor'
        @(Get-Commands) | Should -BeNullOrEmpty
    }

    It 'dumps the memory, downloads the dump and deletes it on the device' {
        $dumps = @(
            $win | Invoke-CbLiveResponseMemoryDump -Destination "$work/dump-$gen/" -Confirm:$false
            $win | Invoke-CbLiveResponseMemoryDump -Path 'C:\TEMP\mem.dmp' -Compress -Destination "$work/dumpz-$gen/" -Confirm:$false
        )
        $dumps[0].Length | Should -Be 2MB
        [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($dumps[0].FullName), 0, 8) | Should -Be 'PAGEDU64'
        $dumps[1].Name | Should -Be 'mem.dmp.zip'
        { Get-RemoteFile $win.DeviceId 'C:\TEMP\mem.dmp.zip' } | Should -Throw -Because 'the dump is deleted once downloaded'
    }

    It '-DeviceId opens a session for the command and closes it after' {
        $device = $windows[1].deviceId
        $procs = @(Get-CbLiveResponseProcess -Session $s -DeviceId $device -Name 'lsass.exe')
        $procs.Name | Should -Be 'lsass.exe'
        (Get-OpenSessions).deviceId | Should -Not -Contain $device
        Get-CbLiveResponseSession -DeviceId $device | Should -BeNullOrEmpty
    }

    It 're-creates a session the server lost and goes on (cbapi''s rule), with a new id on the same object' {
        $one = New-CbLiveResponseSession -Session $s -DeviceId $windows[2].deviceId
        $old = $one.Id
        $null = Invoke-CbEmulatorAdmin -Emulator $emu -Path "lr/sessions/$old/error" -Method POST
        @($one | Get-CbLiveResponseProcess -Name 'lsass.exe').Name | Should -Be 'lsass.exe'
        $one.Id | Should -Not -Be $old
        $one.Status | Should -Be 'ACTIVE'
        (Get-OpenSessions).id | Should -Contain $one.Id
        $one | Remove-CbLiveResponseSession
        (Get-OpenSessions).id | Should -Not -Contain $one.Id
    }
}

Describe 'Fan-out, limits and clean-up' {
    BeforeAll { $script:c = $sessions.Current }
    AfterEach {
        Get-CbLiveResponseSession | Remove-CbLiveResponseSession
        $null = Invoke-CbEmulatorAdmin -Emulator $emu -Path reset -Method POST -Body @{ liveResponse = @{ sessionCap = 30 } }
    }

    It 'runs a command on many devices at once, each result tagged, one error per failing device' {
        $devices = @($windows | Select-Object -First 6)
        $results = @($devices | ForEach-Object { [pscustomobject]@{ DeviceId = [long]$_.deviceId } } |
            Start-CbLiveResponseProcess -Session $c -CommandLine 'hostname' -Wait -ThrottleLimit 3 -Confirm:$false)
        $results.Count | Should -Be 6
        foreach ($r in $results) { $r.Output.Trim() | Should -Be ($devices | Where-Object deviceId -eq $r.DeviceId).name }
        (Get-OpenSessions).deviceId | Where-Object { $_ -in $devices.deviceId } | Should -BeNullOrEmpty -Because '-DeviceId closes the sessions it opened'

        $lr = New-CbLiveResponseSession -Session $c -DeviceId ($devices.deviceId + $linux[0].deviceId) -ThrottleLimit 4
        $lr | Get-CbLiveResponseRegistryKey -Path 'HKLM\SYSTEM\Select' -ThrottleLimit 4 -ErrorVariable err -ErrorAction SilentlyContinue |
            Should -HaveCount 6
        $err.Count | Should -Be 1
        $err[0].TargetObject | Should -Be (($lr | Where-Object DeviceId -eq $linux[0].deviceId).HostName) -Because 'the error names the failing device'
        "$($err[0])" | Should -Match ([regex]::Escape(($lr | Where-Object DeviceId -eq $linux[0].deviceId).HostName))
    }

    It 'a device that never checks in times out, and its pending session is closed before the cmdlet returns' {
        $off = $offline[0].deviceId
        $good = $windows[0].deviceId
        $got = @(New-CbLiveResponseSession -Session $c -DeviceId $off, $good -TimeoutSec 2 -ErrorVariable err -ErrorAction SilentlyContinue)
        $got.DeviceId | Should -Be $good
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        "$($err[0])" | Should -Match 'pending session was closed'
        (Get-OpenSessions).deviceId | Should -Not -Contain $off
    }

    It 'waits for a free slot under the org''s session limit, and fails clearly past -TimeoutSec' {
        $null = Invoke-CbEmulatorAdmin -Emulator $emu -Path reset -Method POST -Body @{ liveResponse = @{ sessionCap = 2 } }
        $devices = @($windows | Select-Object -First 5)
        $results = @($devices | ForEach-Object { [pscustomobject]@{ DeviceId = [long]$_.deviceId } } |
            Get-CbLiveResponseProcess -Session $c -Name 'lsass.exe' -ThrottleLimit 5)
        ($results.DeviceId | Sort-Object) | Should -Be ($devices.deviceId | Sort-Object) -Because 'each device waited for a free slot'
        $held = New-CbLiveResponseSession -Session $c -DeviceId $devices[0].deviceId, $devices[1].deviceId
        New-CbLiveResponseSession -Session $c -DeviceId $devices[2].deviceId -TimeoutSec 2 -ErrorVariable err -ErrorAction SilentlyContinue
        "$($err[0])" | Should -Match 'session limit'
        "$($err[0])" | Should -Match 'Remove-CbLiveResponseSession'
        @(Get-OpenSessions).Count | Should -Be 2
    }

    It 'keeps an idle session alive past the server''s session timeout' {
        $null = Invoke-CbEmulatorAdmin -Emulator $emu -Path reset -Method POST -Body @{ liveResponse = @{ sessionTimeoutSec = 3 } }
        $lr = New-CbLiveResponseSession -Session $c -DeviceId $windows[0].deviceId
        Start-Sleep -Seconds 7
        $state = (Get-Lr 'sessions').sessions | Where-Object id -eq $lr.Id
        $state.status | Should -Be 'ACTIVE' -Because 'the module sent keepalives'
        $state.lastKeepalive | Should -Not -BeNullOrEmpty
        @($lr | Get-CbLiveResponseProcess -Name lsass.exe).Name | Should -Be 'lsass.exe'
        $lr.Id | Should -Be $state.id -Because 'the session never had to be re-created'
    }

    It 'Ctrl+C while a session is pending, and while a command waits, leaves no open session' {
        $ps = [powershell]::Create()
        try {
            $secret, $id = $emu.CustomToken -split '/', 2
            $null = $ps.AddScript("Import-Module '$ModulePath'; `$null = Connect-CbDefense -Uri '$($emu.Uri)' -ApiId '$id' -ApiSecretKey (ConvertTo-SecureString '$secret' -AsPlainText -Force) -OrgKey '$($emu.OrgKey)' -ApiGeneration Current; New-CbLiveResponseSession -DeviceId $($offline[0].deviceId) -TimeoutSec 120")
            $async = $ps.BeginInvoke()
            $deadline = (Get-Date).AddSeconds(20)
            while (-not ((Get-OpenSessions).deviceId -contains $offline[0].deviceId) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
            (Get-OpenSessions).deviceId | Should -Contain $offline[0].deviceId
            $ps.Stop()
            (Get-OpenSessions).deviceId | Should -Not -Contain $offline[0].deviceId
        }
        finally { $ps.Dispose() }

        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$ModulePath'; `$null = Connect-CbDefense -Uri '$($emu.Uri)' -ApiId '$id' -ApiSecretKey (ConvertTo-SecureString '$secret' -AsPlainText -Force) -OrgKey '$($emu.OrgKey)' -ApiGeneration Current; Start-CbLiveResponseProcess -DeviceId $($windows[3].deviceId) -CommandLine 'timeout /t 60' -Wait -TimeoutSec 120 -Confirm:`$false")
            $async = $ps.BeginInvoke()
            $deadline = (Get-Date).AddSeconds(20)
            while (-not ((Get-OpenSessions | Where-Object { $_.deviceId -eq $windows[3].deviceId -and $_.commands -gt 0 })) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Start-Sleep -Milliseconds 300
            $ps.Stop()
            (Get-OpenSessions).deviceId | Should -Not -Contain $windows[3].deviceId
        }
        finally { $ps.Dispose() }
    }

    It 'Disconnect-CbDefense, Remove-Module and process exit close every session the module opened' {
        $secret, $id = $emu.CustomToken -split '/', 2
        $connect = "Import-Module '$ModulePath'; `$s = Connect-CbDefense -Uri '$($emu.Uri)' -ApiId '$id' -ApiSecretKey (ConvertTo-SecureString '$secret' -AsPlainText -Force) -OrgKey '$($emu.OrgKey)' -ApiGeneration Current"
        foreach ($case in @(
            @{ Device = $windows[0].deviceId; Then = '$s | Disconnect-CbDefense; Start-Sleep 60' }
            @{ Device = $windows[1].deviceId; Then = 'Remove-Module CbDefense; Start-Sleep 60' }
            @{ Device = $windows[2].deviceId; Then = 'exit 0' }
        )) {
            $script = "$connect; `$null = New-CbLiveResponseSession -DeviceId $($case.Device); 'open'; $($case.Then)"
            $p = Start-Process -FilePath (Join-Path $PSHOME 'pwsh') -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script -PassThru -RedirectStandardOutput (Join-Path $work "out-$($case.Device).txt")
            $deadline = (Get-Date).AddSeconds(60)
            $sawOpen = $false
            while ((Get-Date) -lt $deadline) {
                $open = (Get-OpenSessions).deviceId -contains $case.Device
                if ($open) { $sawOpen = $true }
                if ($sawOpen -and -not $open) { break }
                Start-Sleep -Milliseconds 200
            }
            try { if (-not $p.HasExited) { $p.Kill() } } catch { }
            $sawOpen | Should -BeTrue -Because "the child opened a session on $($case.Device)"
            (Get-OpenSessions).deviceId | Should -Not -Contain $case.Device -Because "'$($case.Then)' closes it"
        }
    }

    It 'a shared session works from ForEach-Object -Parallel' {
        $lr = New-CbLiveResponseSession -Session $c -DeviceId $windows[0].deviceId
        $names = 1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {
            Import-Module $using:ModulePath
            ($using:lr | Get-CbLiveResponseProcess -Name 'lsass.exe').Name
        }
        $names | Should -Be @('lsass.exe', 'lsass.exe', 'lsass.exe', 'lsass.exe')
    }

    It 'answers v6 statuses in any case' {
        $null = Invoke-CbEmulatorAdmin -Emulator $emu -Path reset -Method POST -Body @{ liveResponse = @{ v6StatusCase = 'lower' } }
        @(Get-CbLiveResponseChildItem -Session $c -DeviceId $windows[0].deviceId -Path 'C:\TEMP' -File).Count | Should -BeGreaterThan 3
    }
}

Describe 'Keys and generations' {
    It 'a Legacy session with a key of another type gets an error naming the LIVE_RESPONSE key' {
        $api = Connect-TestEmulator -Emulator $emu -Generation Legacy
        New-CbLiveResponseSession -Session $api -DeviceId $windows[0].deviceId -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        "$($err[0])" | Should -Match 'LIVE_RESPONSE'
        # The documented way: devices read with the API key, the Live Response session given with -Session.
        $lr = Get-CbDevice -Session $api -Id $windows[4].deviceId | New-CbLiveResponseSession -Session $sessions.Legacy
        $lr.DeviceId | Should -Be $windows[4].deviceId
        $lr.Session | Should -Be $sessions.Legacy
        $lr | Remove-CbLiveResponseSession
        $api | Disconnect-CbDefense
    }

    It 'the v6 download goes to the storage URL without the API key' {
        Clear-EmulatorRequests -Emulator $emu
        $f = Receive-CbLiveResponseFile -Session $sessions.Current -DeviceId $windows[0].deviceId -Path 'C:\TEMP\test.txt' -Destination "$work/storage/" -PassThru
        $f.Length | Should -Be 1234
        $storage = @(Get-EmulatorRequests -Emulator $emu | Where-Object path -like '/_storage/lr/*')
        $storage.Count | Should -Be 1
        $storage[0].keyId | Should -BeNullOrEmpty
        $storage[0].status | Should -Be 200
    }
}
