BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:emu = Start-CbEmulator -Devices 120 -Seed 11
    $script:secret = ($emu.ApiToken -split '/')[0]
    $script:apiId = ($emu.ApiToken -split '/')[1]
    $script:tmp = Join-Path ([IO.Path]::GetTempPath()) "cbdefense-pester-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $tmp
    function script:Write-Cred([string] $Name, [string[]] $Lines) {
        $p = Join-Path $tmp $Name
        Set-Content -Path $p -Value $Lines -Encoding ascii
        if (-not $IsWindows) { & chmod 600 $p }
        $p
    }
}
AfterAll {
    Get-CbDefenseSession | Disconnect-CbDefense
    if ($emu) { Stop-CbEmulator $emu }
    if ($tmp -and (Test-Path $tmp)) { Remove-Item $tmp -Recurse -Force }
    Assert-CbNoSecretLeak
}

Describe 'Connect-CbDefense' {
    AfterEach { Get-CbDefenseSession | Disconnect-CbDefense }

    It 'connects with -Uri, -ApiId and -ApiSecretKey, returns the session and makes it the default' {
        $s = Connect-TestEmulator -Emulator $emu
        $s | Should -BeOfType ([CbDefense.Session])
        $s.Uri.ToString().TrimEnd('/') | Should -Be $emu.Uri
        $s.ApiId | Should -Be $apiId
        $s.OrgKey | Should -Be $emu.OrgKey
        (Get-CbDefenseSession -Default).Id | Should -Be $s.Id
        Get-CbDevice -First 1 | Should -Not -BeNullOrEmpty
    }

    It 'connects with -Credential (user = API ID, password = secret key)' {
        $cred = [pscredential]::new($apiId, (ConvertTo-SecureString $secret -AsPlainText -Force))
        $s = Connect-CbDefense -Uri $emu.Uri -Credential $cred -OrgKey $emu.OrgKey
        $s.ApiId | Should -Be $apiId
        (Get-CbDevice -First 2).Count | Should -Be 2
    }

    It 'reads a cbapi credentials file with -CredentialFile' {
        $f = Write-Cred 'one.psc' @('[default]', "url = $($emu.Uri)", "token = $($emu.ApiToken)", "org_key = $($emu.OrgKey)")
        $s = Connect-CbDefense -CredentialFile $f
        $s.ProfileName | Should -Be 'default'
        $s.OrgKey | Should -Be $emu.OrgKey
        (Get-CbDevice -First 1).DeviceId | Should -BeGreaterThan 0
    }

    It 'picks the named profile, and later files override earlier ones key by key' {
        $a = Write-Cred 'a.psc' @('[lab]', 'url = https://example.invalid', "token = $($emu.ApiToken)", 'org_key = FIRST', '', '[other]', 'url = https://other.invalid', 'token = X/Y')
        $b = Write-Cred 'b.psc' @('[lab]', "url = $($emu.Uri)")
        $s = Connect-CbDefense -ProfileName lab -CredentialFile $a, $b
        $s.ProfileName | Should -Be 'lab'
        $s.Uri.ToString().TrimEnd('/') | Should -Be $emu.Uri
        $s.OrgKey | Should -Be 'FIRST'
    }

    It 'accepts the boolean spellings and the other profile keys' {
        $f = Write-Cred 'bools.psc' @('[default]', "url = $($emu.Uri)", "token = $($emu.ApiToken)", 'ssl_verify = Off', 'ignore_system_proxy = YES', 'ssl_verify_hostname = 0', 'integration_name = pester')
        $s = Connect-CbDefense -CredentialFile $f
        $s.SkipCertificateCheck | Should -BeTrue
    }

    It 'lets -OrgKey and -Uri override the profile' {
        $f = Write-Cred 'override.psc' @('[default]', 'url = https://example.invalid', "token = $($emu.ApiToken)", 'org_key = FROMFILE')
        $s = Connect-CbDefense -CredentialFile $f -Uri $emu.Uri -OrgKey OVERRIDE
        $s.OrgKey | Should -Be 'OVERRIDE'
        $s.Uri.ToString().TrimEnd('/') | Should -Be $emu.Uri
    }

    It 'fails on a named profile that is missing, listing the files searched' {
        $f = Write-Cred 'nolab.psc' @('[default]', "url = $($emu.Uri)", "token = $($emu.ApiToken)")
        $err = { Connect-CbDefense -ProfileName nosuch -CredentialFile $f -ErrorAction Stop } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match 'nosuch'
        $err.Exception.Message | Should -Match ([regex]::Escape($f))
        $err.FullyQualifiedErrorId | Should -Match '^CredentialsNotLoaded'
        Get-CbDefenseSession | Should -BeNullOrEmpty
    }

    It 'names the file and the line of a malformed token, never the secret' {
        $f = Write-Cred 'badtoken.psc' @('[default]', "url = $($emu.Uri)", "token = $secret")
        $err = { Connect-CbDefense -CredentialFile $f -ErrorAction Stop } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match ([regex]::Escape($f))
        $err.Exception.Message | Should -Match 'line 3'
        ($err | Out-String) | Should -Not -Match $secret
    }

    It 'names the file and the line of a malformed line' {
        $f = Write-Cred 'badline.psc' @('[default]', "url = $($emu.Uri)", 'this line is not a key', "token = $($emu.ApiToken)")
        $err = { Connect-CbDefense -CredentialFile $f -ErrorAction Stop } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match 'line 3'
    }

    It 'rejects a bad boolean with the file and line' {
        $f = Write-Cred 'badbool.psc' @('[default]', "url = $($emu.Uri)", "token = $($emu.ApiToken)", 'ssl_verify = maybe')
        $err = { Connect-CbDefense -CredentialFile $f -ErrorAction Stop } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match 'line 4'
        $err.Exception.Message | Should -Match 'ssl_verify'
    }

    It 'warns when the credentials file is readable by other users' -Skip:$IsWindows {
        $f = Write-Cred 'open.psc' @('[default]', "url = $($emu.Uri)", "token = $($emu.ApiToken)")
        & chmod 644 $f
        $null = Connect-CbDefense -CredentialFile $f -WarningVariable w -WarningAction SilentlyContinue
        ($w -join "`n") | Should -Match 'readable by other users'
    }

    It 'uses CBAPI_URL, CBAPI_TOKEN and CBAPI_ORG_KEY when no file is named' {
        $saved = @{ U = $env:CBAPI_URL; T = $env:CBAPI_TOKEN; O = $env:CBAPI_ORG_KEY }
        try {
            $env:CBAPI_URL = $emu.Uri; $env:CBAPI_TOKEN = $emu.ApiToken; $env:CBAPI_ORG_KEY = 'ENVORG'
            $s = Connect-CbDefense
            $s.OrgKey | Should -Be 'ENVORG'
            $s.ApiId | Should -Be $apiId
            (Get-CbDevice -First 1) | Should -Not -BeNullOrEmpty
        }
        finally { $env:CBAPI_URL = $saved.U; $env:CBAPI_TOKEN = $saved.T; $env:CBAPI_ORG_KEY = $saved.O }
    }

    It 'refuses plain http to a host that is not loopback' {
        $err = { Connect-CbDefense -Uri http://cb.example.com -ApiId ID -ApiSecretKey (ConvertTo-SecureString S -AsPlainText -Force) -ErrorAction Stop } | Should -Throw -PassThru
        $err.Exception.Message | Should -Match 'AllowUnencryptedAuthentication'
    }

    It 'allows plain http to another host with -AllowUnencryptedAuthentication' {
        $s = Connect-CbDefense -Uri http://cb.example.com -ApiId ID -ApiSecretKey (ConvertTo-SecureString S -AsPlainText -Force) -AllowUnencryptedAuthentication
        $s.Uri.Host | Should -Be 'cb.example.com'
    }

    It 'refuses -Proxy together with -NoProxy' {
        { Connect-TestEmulator -Emulator $emu -Extra @{ Proxy = 'http://127.0.0.1:9'; NoProxy = $true } -ErrorAction Stop } | Should -Throw '*NoProxy*'
    }

    It 'keeps -TimeoutSec and -MaximumRetryCount on the session' {
        $s = Connect-TestEmulator -Emulator $emu -Extra @{ TimeoutSec = 7; MaximumRetryCount = 2 }
        $s.TimeoutSec | Should -Be 7
        $s.MaximumRetryCount | Should -Be 2
    }
}

Describe 'Sessions' {
    BeforeAll { $script:siemToken = 'EMUSIEMSECRETKEY00000001/EMUSIEM001' }
    AfterEach { Get-CbDefenseSession | Disconnect-CbDefense }

    It 'connecting twice with the same values reuses the session instead of piling up identical ones' {
        $a = Connect-TestEmulator -Emulator $emu
        $b = Connect-TestEmulator -Emulator $emu
        $b.Id | Should -Be $a.Id
        @(Get-CbDefenseSession).Count | Should -Be 1
        $a.IsDisposed | Should -BeFalse
    }

    It 'connecting again with other options replaces the session, and objects holding the old one follow it' {
        $a = Connect-TestEmulator -Emulator $emu
        $d = Get-CbDevice -First 1
        $b = Connect-TestEmulator -Emulator $emu -Extra @{ TimeoutSec = 42 }
        $b.Id | Should -Not -Be $a.Id
        @(Get-CbDefenseSession).Id | Should -Be @($b.Id)
        $a.IsDisposed | Should -BeTrue
        Clear-EmulatorRequests -Emulator $emu
        ($d | Get-CbDevice).DeviceId | Should -Be $d.DeviceId
        (Get-CbDevice -Session $a -First 1) | Should -Not -BeNullOrEmpty
    }

    It 'Get-CbDefenseSession marks the default session' {
        $a = Connect-TestEmulator -Emulator $emu
        $b = Connect-TestEmulator -Emulator $emu -Token $siemToken
        $list = Get-CbDefenseSession
        ($list | Where-Object IsDefault).Id | Should -Be $b.Id
        ($list | Where-Object { -not $_.IsDefault }).Id | Should -Be $a.Id
        $table = @($list | Format-Table | Out-String -Stream | Where-Object { $_ -match '^\s*\*?\s+\d+ ' })
        $table.Count | Should -Be 2
        @($table | Where-Object { $_ -match '^\s*\*\s+' + $b.Id + ' ' }).Count | Should -Be 1
        @($table | Where-Object { $_ -match '^\s*\*' }).Count | Should -Be 1
    }

    It 'lists sessions, finds one by id, and reports an unknown id' {
        $a = Connect-TestEmulator -Emulator $emu
        $b = Connect-TestEmulator -Emulator $emu -Token $siemToken
        (Get-CbDefenseSession).Id | Should -Be @($a.Id, $b.Id)
        (Get-CbDefenseSession -Id $a.Id).Id | Should -Be $a.Id
        (Get-CbDefenseSession -Default).Id | Should -Be $b.Id
        Get-CbDefenseSession -Id 987654 -ErrorVariable e -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $e[0].FullyQualifiedErrorId | Should -Match '^SessionNotFound'
    }

    It 'Disconnect-CbDefense closes the default and the previous session becomes the default' {
        $a = Connect-TestEmulator -Emulator $emu
        $b = Connect-TestEmulator -Emulator $emu -Token $siemToken
        Disconnect-CbDefense
        (Get-CbDefenseSession -Default).Id | Should -Be $a.Id
        $b.IsDisposed | Should -BeTrue
        { Get-CbDevice -Session $b -First 1 -ErrorAction Stop } | Should -Throw '*disconnected*'
    }

    It 'a Connect-CbDefense in another runspace does not change this runspace''s default' {
        $mine = Connect-TestEmulator -Emulator $emu
        $other = 1 | ForEach-Object -Parallel {
            Import-Module $using:ModulePath
            $e = $using:emu
            $sec, $id = $using:siemToken -split '/', 2
            (Connect-CbDefense -Uri $e.Uri -ApiId $id -ApiSecretKey (ConvertTo-SecureString $sec -AsPlainText -Force)).Id
        }
        $other | Should -Not -Be $mine.Id
        (Get-CbDefenseSession -Default).Id | Should -Be $mine.Id
        (Get-CbDefenseSession).Id | Should -Contain $other
    }

    It 'a cmdlet without any session says to connect first' {
        { Get-CbDevice -First 1 -ErrorAction Stop } | Should -Throw '*Connect-CbDefense*'
    }

    It 'is usable from several runspaces at once (ForEach-Object -Parallel)' {
        $s = Connect-TestEmulator -Emulator $emu
        $counts = 1..6 | ForEach-Object -ThrottleLimit 6 -Parallel {
            Import-Module $using:ModulePath
            (Get-CbDevice -Session $using:s -First 25 -Skip ($_ * 5) | Measure-Object).Count
        }
        $counts | Should -Be @(25, 25, 25, 25, 25, 25)
    }
}

Describe 'Proxy and TLS options' {
    BeforeAll {
        $script:tls = Start-CbEmulator -Devices 15 -Seed 4 -Https
        $script:tlsSecret = ConvertTo-SecureString (($tls.ApiToken -split '/')[0]) -AsPlainText -Force
        $script:tlsId = ($tls.ApiToken -split '/')[1]
    }
    AfterAll {
        Get-CbDefenseSession | Disconnect-CbDefense
        if ($tls) { Stop-CbEmulator $tls }
    }

    It 'verifies the server certificate by default: a self-signed server is refused' {
        $s = Connect-CbDefense -Uri $tls.Uri -ApiId $tlsId -ApiSecretKey $tlsSecret -MaximumRetryCount 0
        $err = { Get-CbDevice -First 1 -Session $s -ErrorAction Stop } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
    }

    It 'fails at once, without retries, with a hint for failures that retrying cannot fix' -ForEach @(
        @{ Case = 'an untrusted certificate'; Uri = { $tls.Uri }; Hint = '*certificate*-CertificateFile*-SkipCertificateCheck*' }
        @{ Case = 'https to a plain-HTTP server'; Uri = { 'https://127.0.0.1:' + ([uri]$emu.Uri).Port }; Hint = '*speaks plain HTTP*http://127.0.0.1*' }
        @{ Case = 'http to an HTTPS server'; Uri = { 'http://127.0.0.1:' + ([uri]$tls.Uri).Port }; Hint = '*speaks HTTPS*https://127.0.0.1*' }
        @{ Case = 'a refused port'; Uri = { 'http://127.0.0.1:9' }; Hint = '*Nothing listens on 127.0.0.1:9*' }
    ) {
        $s = Connect-CbDefense -Uri (& $Uri) -ApiId $tlsId -ApiSecretKey $tlsSecret -MaximumRetryCount 5
        $verbose = $null
        $err = { Get-CbDevice -First 1 -Session $s -ErrorAction Stop -Verbose 4>&1 | Tee-Object -Variable verbose | Out-Null } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike $Hint
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        @($verbose | Where-Object { "$_" -like '*before retry*' }) | Should -BeNullOrEmpty
    }

    It '-SkipCertificateCheck connects to it' {
        $s = Connect-CbDefense -Uri $tls.Uri -ApiId $tlsId -ApiSecretKey $tlsSecret -SkipCertificateCheck
        (Get-CbDevice -First 2 -Session $s).Count | Should -Be 2
    }

    It '-CertificateFile trusts the server''s certificate and nothing else is needed' {
        $s = Connect-CbDefense -Uri $tls.Uri -ApiId $tlsId -ApiSecretKey $tlsSecret -CertificateFile $tls.CertificateFile
        (Get-CbDevice -First 2 -Session $s).Count | Should -Be 2
    }

    It 'the profile keys ssl_cert_file and ssl_verify do the same' {
        $f = Write-Cred 'tls.psc' @('[pinned]', "url = $($tls.Uri)", "token = $($tls.ApiToken)", "ssl_cert_file = $($tls.CertificateFile)",
            '', '[insecure]', "url = $($tls.Uri)", "token = $($tls.ApiToken)", 'ssl_verify = false')
        (Get-CbDevice -First 1 -Session (Connect-CbDefense -ProfileName pinned -CredentialFile $f)).Count | Should -Be 1
        (Get-CbDevice -First 1 -Session (Connect-CbDefense -ProfileName insecure -CredentialFile $f)).Count | Should -Be 1
    }

    It '-Proxy sends the requests through the proxy' {
        # The emulator answers proxy-style (absolute-form) requests, so it can stand in for a proxy: the target
        # host does not exist, so the devices can only come back through the proxy.
        $s = Connect-CbDefense -Uri http://cb-defense.invalid -ApiId ($emu.ApiToken -split '/')[1] `
            -ApiSecretKey (ConvertTo-SecureString $secret -AsPlainText -Force) -Proxy $emu.Uri -AllowUnencryptedAuthentication -MaximumRetryCount 0
        (Get-CbDevice -First 3 -Session $s).Count | Should -Be 3
    }

    It 'the profile''s proxy key does the same, and -NoProxy overrides it' {
        $f = Write-Cred 'proxy.psc' @('[default]', 'url = http://cb-defense.invalid', "token = $($emu.ApiToken)", "proxy = $($emu.Uri)")
        $s = Connect-CbDefense -CredentialFile $f -AllowUnencryptedAuthentication -MaximumRetryCount 0
        (Get-CbDevice -First 1 -Session $s).Count | Should -Be 1
        $direct = Connect-CbDefense -CredentialFile $f -AllowUnencryptedAuthentication -NoProxy -MaximumRetryCount 0 -TimeoutSec 10
        { Get-CbDevice -First 1 -Session $direct -ErrorAction Stop } | Should -Throw
    }
}

Describe 'The secret never appears' {
    It 'in the session object, its serializations, and every stream of a run with verbose and debug on' {
        $f = Write-Cred 'leak.psc' @('[default]', "url = $($emu.Uri)", "token = $($emu.ApiToken)", "org_key = $($emu.OrgKey)")
        $clixml = Join-Path $tmp 'session.xml'
        $DebugPreference = 'Continue'
        $VerbosePreference = 'Continue'
        $all = & {
            $s = Connect-CbDefense -CredentialFile $f
            $s | Format-List * | Out-String
            $s.ToString()
            $s | ConvertTo-Json -Depth 4
            $s | Export-Clixml -Path $clixml -Depth 4
            Get-CbDevice -First 3 | ConvertTo-Json -Depth 3
            Get-CbDevice -Id 999999999 -ErrorAction Continue
            Invoke-CbApi -Path /integrationServices/v3/device -Query @{ rows = 2 }
            try { Connect-CbDefense -CredentialFile (Write-Cred 'leak2.psc' @('[default]', "url = $($emu.Uri)", "token = $secret")) } catch { $_ | Format-List * -Force | Out-String }
            Write-Information 'done' -InformationAction Continue
        } *>&1 | Out-String
        $DebugPreference = 'SilentlyContinue'
        $VerbosePreference = 'SilentlyContinue'
        $all | Should -Match 'X-Auth-Token|GET'   # the streams really were captured
        $all | Should -Not -Match $secret
        (Get-Content $clixml -Raw) | Should -Not -Match $secret
        Get-CbDefenseSession | Disconnect-CbDefense
    }
}
