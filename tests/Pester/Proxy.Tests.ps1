# A real proxy between the module and the emulator: Debian's squid on loopback (tools/TestProxy.psm1 installs it when
# missing), one open and one that asks for basic authentication. Its access log keeps every request's headers, so the
# tests see what crossed the proxy: a request that is not in the log did not go through it, and a secret that is not in
# the log never reached it in clear.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module (Join-Path $RepoRoot 'tools/TestProxy.psm1') -Force
    $script:proxyUser = [pscredential]::new('cbproxy', (ConvertTo-SecureString 'Pr0xy pass@word' -AsPlainText -Force))
    $script:proxyPassword = $proxyUser.GetNetworkCredential().Password
    $script:open = Start-TestProxy
    $script:auth = Start-TestProxy -Credential $proxyUser
    $script:emu = Start-CbEmulator -Devices 20 -Seed 7
    $script:tls = Start-CbEmulator -Devices 20 -Seed 7 -Https
    $script:secret, $script:apiId = $emu.ApiToken -split '/', 2
    $script:key = ConvertTo-SecureString $secret -AsPlainText -Force
    $script:tmp = Join-Path ([IO.Path]::GetTempPath()) "cbdefense-proxy-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $tmp

    # A Legacy session to an emulator (https ones trust its certificate: verification stays on) with the given options.
    function script:Connect-Via {
        [CmdletBinding()]
        param($Emulator, [hashtable] $Extra = @{})
        $p = @{ Uri = $Emulator.Uri; ApiId = $apiId; ApiSecretKey = $key; ApiGeneration = 'Legacy'; MaximumRetryCount = 3 }
        if ($Emulator.CertificateFile) { $p.CertificateFile = $Emulator.CertificateFile }
        Connect-CbDefense @p @Extra
    }
    function script:Write-Cred([string] $Name, [string[]] $Lines) {
        $p = Join-Path $tmp $Name
        Set-Content -Path $p -Value $Lines -Encoding ascii
        if (-not $IsWindows) { & chmod 600 $p }
        $p
    }
    function script:Get-Mark($Proxy) { (Get-TestProxyLog $Proxy).Count }
    # The proxy's log lines for requests to an emulator since a mark: plain ones (GET http://127.0.0.1:port/...) and
    # tunnels (CONNECT 127.0.0.1:port); waits for -Count of them at most a few seconds.
    # The proxy's log lines for requests to the emulator; with -Match, only those that also match it, waited for (squid
    # logs a tunnel when it closes, after the 407 line of its first attempt: waiting for any line would race it).
    function script:Get-Relayed($Proxy, $Emulator, [int] $Mark, [string] $Method = 'GET', [int] $Count = 1, [string] $Match) {
        $target = if ($Method -eq 'CONNECT') { ([uri]$Emulator.Uri).Authority } else { $Emulator.Uri + '/' }
        $pattern = " $Method $([regex]::Escape($target))"
        if ($Match) { $pattern = "(?=.*$Match)(?=.*$pattern)" }
        @(Wait-TestProxyLog $Proxy -Pattern $pattern -Skip $Mark -Count $Count | Where-Object { $_ -match $pattern })
    }
    # Everything a user could see of a failure, as text.
    function script:Format-Failure($ErrorRecord) {
        ($ErrorRecord | Format-List * -Force | Out-String) + ($ErrorRecord.Exception | Format-List * -Force | Out-String) +
        $ErrorRecord.Exception.ToString() + "$($ErrorRecord.ErrorDetails)"
    }
}
AfterAll {
    Get-CbDefenseSession | Disconnect-CbDefense
    foreach ($p in 'open', 'auth') { $v = Get-Variable -Scope Script -Name $p -ValueOnly -ErrorAction Ignore; if ($v) { Stop-TestProxy $v } }
    foreach ($e in 'emu', 'tls') { $v = Get-Variable -Scope Script -Name $e -ValueOnly -ErrorAction Ignore; if ($v) { Stop-CbEmulator $v } }
    if ($tmp -and (Test-Path $tmp)) { Remove-Item $tmp -Recurse -Force }
    Assert-CbNoSecretLeak
}

Describe '-Proxy' {
    AfterEach { Get-CbDefenseSession | Disconnect-CbDefense }

    It 'sends every request of an http session through the proxy, and warns that the token crosses it in clear' {
        Clear-EmulatorRequests $emu
        $mark = Get-Mark $open
        $s = Connect-Via $emu @{ Proxy = $open.Uri } -WarningVariable warned -WarningAction SilentlyContinue
        "$($s.Proxy)" | Should -Be "$($open.Uri)/"
        @(Get-CbDevice -First 3 -Session $s).Count | Should -Be 3
        $policies = @(Get-CbPolicy -Session $s)
        $policies.Count | Should -BeGreaterThan 0
        $served = Get-EmulatorRequests $emu
        $relayed = Get-Relayed $open $emu $mark -Count $served.Count
        $served.Count | Should -BeGreaterOrEqual 2
        $relayed.Count | Should -Be $served.Count
        # What the warning is about: over http the proxy reads the token, and this one logs it.
        ($relayed -join "`n") | Should -Match ([regex]::Escape("X-Auth-Token: $secret/$apiId"))
        "$warned" | Should -BeLike "*token crosses the proxy $($open.Uri) in clear*https*"
    }

    It 'refuses http through a proxy on another host, where the token would cross the network in clear' {
        $err = { Connect-Via $emu @{ Proxy = 'http://proxy.example:3128' } -ErrorAction Stop } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*uses http*proxy*proxy.example:3128*unencrypted*-AllowUnencryptedAuthentication*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        # Allowed explicitly, it connects (no request is sent yet) and still warns.
        $s = Connect-Via $emu @{ Proxy = 'http://proxy.example:3128'; AllowUnencryptedAuthentication = $true } -WarningVariable warned -WarningAction SilentlyContinue
        "$($s.Proxy)" | Should -Be 'http://proxy.example:3128/'
        "$warned" | Should -BeLike '*in clear*'
    }

    It 'sends https through a CONNECT tunnel: the proxy relays it, never sees the secret, and the certificate is still checked' {
        Clear-EmulatorRequests $tls
        $mark = Get-Mark $open
        $s = Connect-Via $tls @{ Proxy = $open.Uri } -WarningVariable warned
        @(Get-CbDevice -First 3 -Session $s).Count | Should -Be 3
        @(Get-CbPolicy -Session $s).Count | Should -BeGreaterThan 0
        $warned | Should -BeNullOrEmpty
        # squid logs a tunnel when it closes.
        $s | Disconnect-CbDefense
        $tunnels = Get-Relayed $open $tls $mark -Method CONNECT
        $tunnels.Count | Should -BeGreaterOrEqual 1
        @($tunnels -match 'TCP_TUNNEL/200').Count | Should -Be $tunnels.Count
        (Get-EmulatorRequests $tls).Count | Should -BeGreaterOrEqual 2
        $log = (Get-TestProxyLog $open -Skip $mark) -join "`n"
        $log | Should -Not -Match ' (GET|POST) https?://'
        foreach ($form in $secret, [uri]::EscapeDataString($secret), [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("$secret/$apiId"))) {
            $log | Should -Not -Match ([regex]::Escape($form))
        }
        # The proxy only relays bytes: TLS is between the module and the server, so an untrusted certificate still fails.
        $p = @{ Uri = $tls.Uri; ApiId = $apiId; ApiSecretKey = $key; ApiGeneration = 'Legacy'; MaximumRetryCount = 0; Proxy = $open.Uri }
        $untrusted = Connect-CbDefense @p
        $err = { Get-CbDevice -First 1 -Session $untrusted -ErrorAction Stop } | Should -Throw -PassThru
        $err.Exception.Message | Should -BeLike '*certificate*'
    }

    It 'takes <Form> (no scheme) as an http proxy, as a profile''s proxy key does' -ForEach @(
        @{ Form = 'host:port'; Text = { "localhost:$($open.Port)" } }
        @{ Form = 'ip:port'; Text = { "127.0.0.1:$($open.Port)" } }
    ) {
        Clear-EmulatorRequests $emu
        $mark = Get-Mark $open
        $s = Connect-Via $emu @{ Proxy = (& $Text) } -WarningAction SilentlyContinue
        @(Get-CbDevice -First 1 -Session $s).Count | Should -Be 1
        (Get-Relayed $open $emu $mark).Count | Should -Be 1
    }

    It 'takes user:password in the URL as the proxy credential, and never shows the password' {
        $escaped = [uri]::EscapeDataString($proxyPassword)
        $mark = Get-Mark $auth
        $s = Connect-Via $tls @{ Proxy = "http://$($proxyUser.UserName):$escaped@127.0.0.1:$($auth.Port)" }
        @(Get-CbDevice -First 1 -Session $s).Count | Should -Be 1
        "$($s.Proxy)" | Should -Be "$($auth.Uri)/"
        ($s | Format-List * -Force | Out-String) + ($s | ConvertTo-Json -Depth 3) | Should -Not -Match ([regex]::Escape($escaped))
        $s | Disconnect-CbDefense
        @(Get-Relayed $auth $tls $mark -Method CONNECT -Match "TCP_TUNNEL/200 \d+ CONNECT \S+ $($proxyUser.UserName) ").Count | Should -BeGreaterOrEqual 1
    }
}

Describe '-ProxyCredential and a proxy that asks for authentication' {
    AfterEach { Get-CbDefenseSession | Disconnect-CbDefense }

    It 'authenticates to the proxy over <Scheme>' -ForEach @(
        @{ Scheme = 'http'; Target = 'emu'; Method = 'GET'; Logged = 'TCP_MISS/200' }
        @{ Scheme = 'https'; Target = 'tls'; Method = 'CONNECT'; Logged = 'TCP_TUNNEL/200' }
    ) {
        $target = Get-Variable -Scope Script -Name $Target -ValueOnly
        $mark = Get-Mark $auth
        $s = Connect-Via $target @{ Proxy = $auth.Uri; ProxyCredential = $proxyUser } -WarningAction SilentlyContinue
        @(Get-CbDevice -First 2 -Session $s).Count | Should -Be 2
        $s | Disconnect-CbDefense
        @(Get-Relayed $auth $target $mark -Method $Method -Match "$Logged \d+ $Method \S+ $($proxyUser.UserName) ").Count | Should -BeGreaterOrEqual 1
    }

    It '<Case> fails at once over <Scheme> with a 407 ErrorRecord that holds no secret' -ForEach @(
        @{ Case = 'no proxy credential'; Scheme = 'http'; Target = 'emu'; Method = 'GET'; Wrong = $false }
        @{ Case = 'a wrong proxy password'; Scheme = 'http'; Target = 'emu'; Method = 'GET'; Wrong = $true }
        @{ Case = 'no proxy credential'; Scheme = 'https'; Target = 'tls'; Method = 'CONNECT'; Wrong = $false }
        @{ Case = 'a wrong proxy password'; Scheme = 'https'; Target = 'tls'; Method = 'CONNECT'; Wrong = $true }
    ) {
        $target = Get-Variable -Scope Script -Name $Target -ValueOnly
        $wrongPassword = 'Wr0ng-pr0xy-passw0rd'
        $extra = @{ Proxy = $auth.Uri }
        if ($Wrong) { $extra.ProxyCredential = [pscredential]::new($proxyUser.UserName, (ConvertTo-SecureString $wrongPassword -AsPlainText -Force)) }
        Clear-EmulatorRequests $target
        $mark = Get-Mark $auth
        $s = Connect-Via $target $extra -WarningAction SilentlyContinue
        $verbose = $null
        $err = { Get-CbDevice -First 1 -Session $s -ErrorAction Stop -Verbose 4>&1 | Tee-Object -Variable verbose | Out-Null } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'GetDevicesFailed.407,*'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err.Exception.StatusCode | Should -Be 407
        $expected = if ($Wrong) { "*proxy $($auth.Uri) did not accept the proxy credential of user 'cbproxy'*407*" } else { "*proxy $($auth.Uri) requires authentication*407*-ProxyCredential*" }
        $err.Exception.Message | Should -BeLike $expected
        $err.ErrorDetails.RecommendedAction | Should -BeLike '*-ProxyCredential*'
        $text = Format-Failure $err
        $text | Should -Not -Match ([regex]::Escape($secret))
        $text | Should -Not -Match ([regex]::Escape($wrongPassword))
        $text | Should -Not -Match '<html'
        # One attempt (the request, then once more with the credential if there is one), never a retry.
        @($verbose | Where-Object { "$_" -like '*before retry*' }) | Should -BeNullOrEmpty
        $denied = @(Get-Relayed $auth $target $mark -Method $Method -Match 'TCP_DENIED/407')
        $denied.Count | Should -BeIn $(if ($Wrong) { 1, 2 } else { 1 })
        Get-EmulatorRequests $target | Should -BeNullOrEmpty
    }
}

Describe 'The profile''s proxy and -NoProxy' {
    AfterEach { Get-CbDefenseSession | Disconnect-CbDefense }

    It 'proxy = http://user:password@host:port authenticates over https; the session shows the proxy without the password' {
        $f = Write-Cred 'auth.psc' @('[default]', "url = $($tls.Uri)", "token = $($tls.ApiToken)", "ssl_cert_file = $($tls.CertificateFile)",
            "proxy = http://$($proxyUser.UserName):$([uri]::EscapeDataString($proxyPassword))@127.0.0.1:$($auth.Port)")
        $mark = Get-Mark $auth
        $s = Connect-CbDefense -CredentialFile $f -ApiGeneration Legacy -MaximumRetryCount 0
        "$($s.Proxy)" | Should -Be "$($auth.Uri)/"
        @(Get-CbDevice -First 2 -Session $s).Count | Should -Be 2
        $s | Disconnect-CbDefense
        @(Get-Relayed $auth $tls $mark -Method CONNECT -Match "TCP_TUNNEL/200 \d+ CONNECT \S+ $($proxyUser.UserName) ").Count | Should -BeGreaterOrEqual 1
    }

    It 'proxy = host:port (no scheme) is an http proxy; -NoProxy goes around it' {
        $f = Write-Cred 'open.psc' @('[default]', "url = $($emu.Uri)", "token = $($emu.ApiToken)", "proxy = 127.0.0.1:$($open.Port)")
        Clear-EmulatorRequests $emu
        $mark = Get-Mark $open
        $s = Connect-CbDefense -CredentialFile $f -ApiGeneration Legacy -MaximumRetryCount 0 -WarningAction SilentlyContinue
        @(Get-CbDevice -First 1 -Session $s).Count | Should -Be 1
        (Get-Relayed $open $emu $mark).Count | Should -Be 1

        $direct = Connect-CbDefense -CredentialFile $f -ApiGeneration Legacy -MaximumRetryCount 0 -NoProxy -WarningVariable warned
        $direct.Proxy | Should -BeNullOrEmpty
        $warned | Should -BeNullOrEmpty
        @(Get-CbDevice -First 1 -Session $direct).Count | Should -Be 1
        (Get-EmulatorRequests $emu).Count | Should -Be 2
        @(Get-TestProxyLog $open -Skip $mark | Where-Object { $_ -match " GET $([regex]::Escape($emu.Uri))/" }).Count | Should -Be 1
    }
}

Describe 'The system proxy (HTTP_PROXY, HTTPS_PROXY) and ignore_system_proxy' {
    # .NET reads the proxy variables once per process, so this runs in a child pwsh that has them: http through the
    # open proxy, https through the one that asks for authentication.
    BeforeAll {
        $child = Join-Path $tmp 'system-proxy.ps1'
        Set-Content -LiteralPath $child -Encoding utf8 -Value @'
param($ModulePath, $PlainProfile, $IgnoringProfile, $TlsUri, $TlsCertificate, $ApiId, $Secret, $ProxyUser, $ProxyPassword)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
function Try-Connect([hashtable] $Connect) {
    $warned = $null
    try {
        $s = Connect-CbDefense @Connect -ApiGeneration Legacy -MaximumRetryCount 0 -WarningVariable warned -WarningAction SilentlyContinue
        $n = @(Get-CbDevice -First 1 -Session $s).Count
        $s | Disconnect-CbDefense
        @{ Count = $n; Proxy = "$($s.Proxy)"; Warning = "$warned"; Error = $null }
    } catch { @{ Count = 0; Proxy = $null; Warning = "$warned"; Error = $_.Exception.Message } }
}
$key = ConvertTo-SecureString $Secret -AsPlainText -Force
[ordered]@{
    Plain      = Try-Connect @{ CredentialFile = $PlainProfile }
    Ignoring   = Try-Connect @{ CredentialFile = $IgnoringProfile }
    Credential = Try-Connect @{ Uri = $TlsUri; ApiId = $ApiId; ApiSecretKey = $key; CertificateFile = $TlsCertificate
                                ProxyCredential = [pscredential]::new($ProxyUser, (ConvertTo-SecureString $ProxyPassword -AsPlainText -Force)) }
} | ConvertTo-Json -Compress
'@
        $plain = Write-Cred 'system.psc' @('[default]', "url = $($emu.Uri)", "token = $($emu.ApiToken)")
        $ignoring = Write-Cred 'ignoring.psc' @('[default]', "url = $($emu.Uri)", "token = $($emu.ApiToken)", 'ignore_system_proxy = true')
        Clear-EmulatorRequests $emu
        $script:openMark = Get-Mark $open
        $script:authMark = Get-Mark $auth

        $exe = (Get-Process -Id $PID).Path
        $psi = [System.Diagnostics.ProcessStartInfo]::new($exe)
        if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $child, $ModulePath, $plain, $ignoring, $tls.Uri, $tls.CertificateFile,
            $apiId, $secret, $proxyUser.UserName, $proxyPassword) { $psi.ArgumentList.Add([string]$a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        foreach ($name in @($psi.Environment.Keys)) { if ($name -match '^(http|https|all|no)_proxy$') { $null = $psi.Environment.Remove($name) } }
        foreach ($name in 'http_proxy', 'HTTP_PROXY') { $psi.Environment[$name] = $open.Uri }
        foreach ($name in 'https_proxy', 'HTTPS_PROXY') { $psi.Environment[$name] = $auth.Uri }
        $p = [System.Diagnostics.Process]::Start($psi)
        $err = $p.StandardError.ReadToEndAsync()
        $out = $p.StandardOutput.ReadToEnd()
        $p.WaitForExit()
        if ($p.ExitCode -ne 0) { throw "The child pwsh failed ($($p.ExitCode)): $out $($err.Result)" }
        $script:result = $out | ConvertFrom-Json
    }

    It 'a profile without proxy goes through the system proxy, and the session says so' {
        $result.Plain.Error | Should -BeNullOrEmpty
        $result.Plain.Count | Should -Be 1
        $result.Plain.Proxy | Should -Be "$($open.Uri)/"
        $result.Plain.Warning | Should -BeLike '*in clear*'
        # One request through the proxy: the other session of the child ignored it.
        (Get-Relayed $open $emu $openMark).Count | Should -Be 1
    }

    It 'ignore_system_proxy = true connects directly' {
        $result.Ignoring.Error | Should -BeNullOrEmpty
        $result.Ignoring.Count | Should -Be 1
        $result.Ignoring.Proxy | Should -BeNullOrEmpty
        $result.Ignoring.Warning | Should -BeNullOrEmpty
        (Get-EmulatorRequests $emu).Count | Should -Be 2
        @(Get-TestProxyLog $open -Skip $openMark | Where-Object { $_ -match " GET $([regex]::Escape($emu.Uri))/" }).Count | Should -Be 1
    }

    It '-ProxyCredential without -Proxy authenticates to the system proxy (https, through CONNECT)' {
        $result.Credential.Error | Should -BeNullOrEmpty
        $result.Credential.Count | Should -Be 1
        $result.Credential.Proxy | Should -Be "$($auth.Uri)/"
        @(Get-Relayed $auth $tls $authMark -Method CONNECT -Match "TCP_TUNNEL/200 \d+ CONNECT \S+ $($proxyUser.UserName) ").Count | Should -BeGreaterOrEqual 1
    }
}

Describe 'A proxy whose rules refuse the server' {
    BeforeAll { $script:strict = Start-TestProxy -RefuseTunnels }
    AfterAll {
        Get-CbDefenseSession | Disconnect-CbDefense
        if ($strict) { Stop-TestProxy $strict }
    }

    It 'fails at once with a ConnectionError that says the proxy refused the tunnel (403), without retries' {
        $mark = Get-Mark $strict
        $s = Connect-Via $tls @{ Proxy = $strict.Uri }
        $verbose = $null
        $err = { Get-CbDevice -First 1 -Session $s -ErrorAction Stop -Verbose 4>&1 | Tee-Object -Variable verbose | Out-Null } | Should -Throw -PassThru
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.Exception.Message | Should -BeLike "*proxy $($strict.Uri) refused to open a tunnel to 127.0.0.1:$(([uri]$tls.Uri).Port) (HTTP 403*-NoProxy*"
        @($verbose | Where-Object { "$_" -like '*before retry*' }) | Should -BeNullOrEmpty
        @(Get-Relayed $strict $tls $mark -Method CONNECT -Match 'TCP_DENIED/403').Count | Should -Be 1
    }
}
