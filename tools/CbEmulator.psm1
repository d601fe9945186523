# Starts and stops the local CB Defense emulator for build.ps1 (Demo, Bench) and the Pester tests.
# The emulator exits by itself when the process that started it exits (--parent-pid), so a killed run leaves nothing.

Set-StrictMode -Version Latest

$script:RepoRoot = Split-Path -Parent $PSScriptRoot

# The documented default keys of the emulator (docs/emulator.md).
$script:DefaultKeys = [ordered]@{
    API           = 'EMUAPISECRETKEY0000000001/EMUAPI0001'
    SIEM          = 'EMUSIEMSECRETKEY00000001/EMUSIEM001'
    LIVE_RESPONSE = 'EMULRSECRETKEY0000000001/EMULR00001'
    CUSTOM        = 'EMUCUSTOMSECRETKEY0000001/EMUCUST001'
}

function Get-CbEmulatorPath {
    [CmdletBinding()]
    param([string] $Configuration = 'Release')
    if ($env:CBDEFENSE_EMULATOR_DLL -and (Test-Path $env:CBDEFENSE_EMULATOR_DLL)) { return $env:CBDEFENSE_EMULATOR_DLL }
    $dll = Join-Path $script:RepoRoot "src/CbDefense.Emulator/bin/$Configuration/net10.0/CbDefense.Emulator.dll"
    if (-not (Test-Path $dll)) { throw "The emulator is not built: $dll is missing. Run ./build.ps1 Build first." }
    $dll
}

function Start-CbEmulator {
    <#
    .SYNOPSIS
    Starts the emulator on a free loopback port and returns an object with its Uri, OrgKey, keys and process.
    #>
    [CmdletBinding()]
    param(
        [int] $Devices = 50,
        [int] $Events = 500,
        [int] $Seed = 1,
        [string] $OrgKey = 'EMUORG01',
        [string[]] $ExtraArguments = @(),
        # Serve HTTPS with a self-signed certificate; its PEM file is in the result's CertificateFile.
        [switch] $Https,
        [int] $StartTimeoutSec = 60
    )
    $dll = Get-CbEmulatorPath
    $certificateFile = $null
    if ($Https) {
        $certificateFile = Join-Path ([System.IO.Path]::GetTempPath()) "cbemulator-$([guid]::NewGuid().ToString('N')).pem"
        $ExtraArguments = @('--https', '--certificate-out', $certificateFile) + $ExtraArguments
    }
    $argList = @($dll, '--port', '0', '--devices', $Devices, '--events', $Events, '--seed', $Seed,
        '--org-key', $OrgKey, '--quiet', '--parent-pid', $PID) + $ExtraArguments
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in $argList) { $psi.ArgumentList.Add([string]$a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    $deadline = [DateTime]::UtcNow.AddSeconds($StartTimeoutSec)
    $uri = $null
    $seen = [System.Text.StringBuilder]::new()
    while (-not $uri) {
        $read = $process.StandardOutput.ReadLineAsync()
        while (-not $read.Wait(200)) {
            if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) { break }
        }
        if (-not $read.IsCompleted) {
            $err = if ($process.HasExited) { $process.StandardError.ReadToEnd() } else { '' }
            try { if (-not $process.HasExited) { $process.Kill($true) } } catch { }
            throw "The emulator did not start: $seen $err"
        }
        $line = $read.Result
        if ($null -eq $line) {
            $err = $process.StandardError.ReadToEnd()
            throw "The emulator exited before listening: $seen $err"
        }
        [void]$seen.AppendLine($line)
        if ($line -match 'Now listening on:\s*(\S+)') { $uri = $Matches[1].TrimEnd('/') }
    }
    # Keep draining both pipes so the emulator never blocks on a full pipe.
    $null = $process.StandardOutput.ReadToEndAsync()
    $null = $process.StandardError.ReadToEndAsync()
    [pscustomobject]@{
        PSTypeName = 'CbDefense.EmulatorInstance'
        Uri        = $uri
        OrgKey     = $OrgKey
        ApiToken   = $script:DefaultKeys.API
        SiemToken  = $script:DefaultKeys.SIEM
        LrToken    = $script:DefaultKeys.LIVE_RESPONSE
        CustomToken = $script:DefaultKeys.CUSTOM
        CertificateFile = $certificateFile
        Process    = $process
    }
}

function Stop-CbEmulator {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Emulator)
    process {
        $p = $Emulator.Process
        if ($p -and -not $p.HasExited) {
            try { $p.Kill($true) } catch { }
            [void]$p.WaitForExit(10000)
        }
        if ($Emulator.CertificateFile -and (Test-Path $Emulator.CertificateFile)) { Remove-Item $Emulator.CertificateFile -Force }
    }
}

function Invoke-CbEmulatorAdmin {
    <#
    .SYNOPSIS
    Calls the emulator's admin API (/_emulator/...), which needs no key.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Emulator,
        [Parameter(Mandatory)] [string] $Path,
        [string] $Method = 'GET',
        $Body
    )
    $params = @{ Uri = "$($Emulator.Uri)/_emulator/$($Path.TrimStart('/'))"; Method = $Method }
    if ($Emulator.Uri -like 'https:*') { $params.SkipCertificateCheck = $true }
    if ($PSBoundParameters.ContainsKey('Body')) {
        $params.Body = ($Body | ConvertTo-Json -Depth 10 -Compress)
        $params.ContentType = 'application/json'
    }
    Invoke-RestMethod @params
}

function New-CbCredentialFile {
    <#
    .SYNOPSIS
    Writes a cbapi-style credentials file for the emulator and returns its path.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Emulator,
        [string] $Path = (Join-Path ([System.IO.Path]::GetTempPath()) "cbdefense-$([guid]::NewGuid().ToString('N')).psc"),
        [string] $Profile = 'default',
        [string] $Token = $Emulator.ApiToken
    )
    @(
        "[$Profile]"
        "url = $($Emulator.Uri)"
        "token = $Token"
        "org_key = $($Emulator.OrgKey)"
    ) | Set-Content -Path $Path -Encoding ascii
    if (-not $IsWindows) { & chmod 600 $Path }
    $Path
}

# The emulator's default keys (TYPE = SECRET/ID), for the tests' secret guard.
function Get-CbEmulatorDefaultKeys { [ordered]@{} + $script:DefaultKeys }

Export-ModuleMember -Function Get-CbEmulatorDefaultKeys, Get-CbEmulatorPath, Start-CbEmulator, Stop-CbEmulator, Invoke-CbEmulatorAdmin, New-CbCredentialFile
