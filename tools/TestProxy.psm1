# Starts and stops real HTTP proxies on loopback for the Pester tests: Debian's squid, open or asking for basic
# authentication, logging every request with its headers (log_mime_hdrs), so a test can see what crossed the proxy.
# squid is installed with apt-get when it is missing (as root), as .ci/run must on a fresh machine.
# A proxy exits by itself when the process that started it exits, so a killed run leaves nothing behind.

Set-StrictMode -Version Latest

function Get-TestProxyCommand {
    <#
    .SYNOPSIS
    The path of squid; installs Debian's package first when it is missing (needs root and apt-get).
    #>
    [CmdletBinding()]
    param()
    $found = Find-Squid
    if ($found) { return $found }
    if ($IsWindows -or -not (Get-Command apt-get -CommandType Application -ErrorAction Ignore)) {
        throw 'The proxy tests need squid, which is not installed, and apt-get is not available to install it.'
    }
    if ((& id -u) -ne '0') {
        throw 'The proxy tests need squid, which is not installed; install it as root: apt-get install -y squid'
    }
    Write-Host 'Installing squid (apt-get install squid) for the proxy tests...'
    $frontend = $env:DEBIAN_FRONTEND
    $env:DEBIAN_FRONTEND = 'noninteractive'
    try {
        $install = @('-o', 'DPkg::Lock::Timeout=120', 'install', '-y', '--no-install-recommends', 'squid')
        $out = & apt-get @install 2>&1
        if ($LASTEXITCODE -ne 0) {
            # A fresh machine has no package lists yet, or stale ones.
            $out = & apt-get -o DPkg::Lock::Timeout=120 update 2>&1
            if ($LASTEXITCODE -eq 0) { $out = & apt-get @install 2>&1 }
        }
        $exit = $LASTEXITCODE
    }
    finally { $env:DEBIAN_FRONTEND = $frontend }
    $found = Find-Squid
    if ($exit -ne 0 -or -not $found) {
        throw "Installing squid failed (exit code $exit): $(($out | Select-Object -Last 10) -join "`n")"
    }
    $found
}

function Find-Squid {
    $cmd = Get-Command squid -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    if ($cmd) { return $cmd.Source }
    foreach ($p in '/usr/sbin/squid', '/usr/local/sbin/squid') { if (Test-Path $p) { return $p } }
    $null
}

function Find-BasicAuthHelper {
    foreach ($dir in '/usr/lib/squid', '/usr/lib64/squid', '/usr/libexec/squid') {
        $p = Join-Path $dir 'basic_ncsa_auth'
        if (Test-Path $p) { return $p }
    }
    throw 'squid is installed but its basic_ncsa_auth helper was not found.'
}

function Get-FreeLoopbackPort {
    $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    try { $l.Start(); $l.LocalEndpoint.Port } finally { $l.Stop() }
}

function Test-LoopbackPort([int] $Port) {
    $tcp = [System.Net.Sockets.TcpClient]::new()
    try { $tcp.ConnectAsync('127.0.0.1', $Port).Wait(500) -and $tcp.Connected } catch { $false } finally { $tcp.Dispose() }
}

function Start-TestProxy {
    <#
    .SYNOPSIS
    Starts squid on a free loopback port; with -Credential it answers 407 until the request carries that user and
    password; with -RefuseTunnels it answers 403 to every CONNECT (a proxy whose rules do not allow the server).
    Returns an object with its Uri, Credential, LogPath and process.
    #>
    [CmdletBinding()]
    param(
        [pscredential] $Credential,
        [switch] $RefuseTunnels,
        [int] $StartTimeoutSec = 60
    )
    $squid = Get-TestProxyCommand
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) "cbtestproxy-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $dir
    # Run as root, squid drops to its own user (proxy), which must write the logs here.
    if (-not $IsWindows) { & chmod 0777 $dir }
    $access = @('http_access allow localhost')
    if ($Credential) {
        $net = $Credential.GetNetworkCredential()
        $md5 = [System.Security.Cryptography.MD5]::HashData([System.Text.Encoding]::UTF8.GetBytes($net.Password))
        $passwd = Join-Path $dir 'passwd'
        Set-Content -LiteralPath $passwd -Value "$($net.UserName):$([Convert]::ToHexString($md5).ToLowerInvariant())" -Encoding ascii
        $access = @(
            "auth_param basic program $(Find-BasicAuthHelper) $passwd"
            'auth_param basic children 2 startup=1 idle=1'
            'auth_param basic realm CbDefense test proxy'
            'acl authenticated proxy_auth REQUIRED'
            'http_access allow authenticated'
        )
    }
    if ($RefuseTunnels) { $access = @('acl tunnel method CONNECT', 'http_access deny tunnel') + $access }
    $log = Join-Path $dir 'access.log'
    # The wrapper stops squid when this process exits (as the emulator's --parent-pid does).
    $watch = '"$1" -N -f "$2" & s=$!; while kill -0 "$3" 2>/dev/null && kill -0 $s 2>/dev/null; do sleep 1; done; kill $s 2>/dev/null; wait $s'
    for ($try = 1; ; $try++) {
        $port = Get-FreeLoopbackPort
        $conf = Join-Path $dir 'squid.conf'
        @(
            "http_port 127.0.0.1:$port"
            "pid_filename $dir/squid.pid"
            "cache_log $dir/cache.log"
            "access_log stdio:$log"
            # Every request's headers in the log: what a proxy (or whoever reads its log) can see.
            'log_mime_hdrs on'
            'cache deny all'
            'cache_mem 8 MB'
            "coredump_dir $dir"
            'visible_hostname cbtestproxy'
            'shutdown_lifetime 0 seconds'
            'netdb_filename none'
            'pinger_enable off'
        ) + $access + 'http_access deny all' | Set-Content -LiteralPath $conf -Encoding ascii
        $psi = [System.Diagnostics.ProcessStartInfo]::new('sh')
        foreach ($a in '-c', $watch, 'sh', $squid, $conf, $PID) { $psi.ArgumentList.Add([string]$a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($psi)
        $null = $process.StandardOutput.ReadToEndAsync()
        $null = $process.StandardError.ReadToEndAsync()
        $deadline = [DateTime]::UtcNow.AddSeconds($StartTimeoutSec)
        while (-not $process.HasExited -and [DateTime]::UtcNow -lt $deadline -and -not (Test-LoopbackPort $port)) { Start-Sleep -Milliseconds 100 }
        if (-not $process.HasExited -and (Test-LoopbackPort $port)) { break }
        $why = if (Test-Path "$dir/cache.log") { (Get-Content "$dir/cache.log" | Select-Object -Last 5) -join "`n" } else { '' }
        Stop-ProcessTree $process
        # Another process may have taken the free port in the meantime: try another one.
        if ($try -ge 3 -or $why -notmatch 'bind') {
            Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore
            throw "squid did not start on 127.0.0.1:$port`: $why"
        }
    }
    [pscustomobject]@{
        PSTypeName = 'CbDefense.TestProxy'
        Uri        = "http://127.0.0.1:$port"
        Port       = $port
        Credential = $Credential
        Directory  = $dir
        LogPath    = $log
        Process    = $process
    }
}

function Stop-ProcessTree([System.Diagnostics.Process] $Process) {
    if ($Process -and -not $Process.HasExited) {
        try { $Process.Kill($true) } catch { }
        [void]$Process.WaitForExit(10000)
    }
}

function Stop-TestProxy {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Proxy)
    process {
        Stop-ProcessTree $Proxy.Process
        if (Test-Path -LiteralPath $Proxy.Directory) { Remove-Item -LiteralPath $Proxy.Directory -Recurse -Force }
    }
}

function Get-TestProxyLog {
    <#
    .SYNOPSIS
    The proxy's access log, one line per request with its request and reply headers; -Skip leaves out the first lines
    (those written before a test, counted with (Get-TestProxyLog $p).Count).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Proxy, [int] $Skip = 0)
    if (-not (Test-Path -LiteralPath $Proxy.LogPath)) { return @() }
    @(Get-Content -LiteralPath $Proxy.LogPath | Select-Object -Skip $Skip)
}

function Wait-TestProxyLog {
    <#
    .SYNOPSIS
    Waits until -Count lines of the proxy's log (after the first -Skip) match the regular expression -Pattern, or
    -TimeoutSec has passed, and returns the lines after -Skip. squid writes a line when a request ends: for a CONNECT
    tunnel, when the client closes it.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Proxy, [Parameter(Mandatory)] [string] $Pattern, [int] $Skip = 0, [int] $Count = 1, [int] $TimeoutSec = 15)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ($true) {
        # An array even for one line: -match on a lone string answers $true/$false, and @($false).Count is 1.
        $lines = @(Get-TestProxyLog -Proxy $Proxy -Skip $Skip)
        if (@($lines -match $Pattern).Count -ge $Count -or [DateTime]::UtcNow -gt $deadline) { return $lines }
        Start-Sleep -Milliseconds 100
    }
}

Export-ModuleMember -Function Get-TestProxyCommand, Start-TestProxy, Stop-TestProxy, Get-TestProxyLog, Wait-TestProxyLog
