# Runs a script in a fresh pwsh process (the same PowerShell the caller runs in, started through dotnet as
# `dotnet pwsh` does), for tests that need a process of their own: a clean set of loaded assemblies, or another HOME.

Set-StrictMode -Version Latest

function Invoke-ChildPwsh {
    <#
    .SYNOPSIS
    Runs -File with -ArgumentList in a new pwsh and returns its exit code and output; throws on a time-out.
    .PARAMETER Environment
    Variables to set in the child; a $null value removes the variable.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $File,
        [string[]] $ArgumentList = @(),
        [hashtable] $Environment = @{},
        [string] $WorkingDirectory = (Get-Location).Path,
        [int] $TimeoutSec = 300
    )
    $exe = (Get-Process -Id $PID).Path
    $psi = [System.Diagnostics.ProcessStartInfo]::new($exe)
    if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    foreach ($a in @('-NoProfile', '-NonInteractive', '-File', $File) + $ArgumentList) { $psi.ArgumentList.Add([string]$a) }
    foreach ($name in $Environment.Keys) {
        if ($null -eq $Environment[$name]) { [void]$psi.Environment.Remove($name) } else { $psi.Environment[$name] = [string]$Environment[$name] }
    }
    $psi.WorkingDirectory = $WorkingDirectory
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $p = [System.Diagnostics.Process]::Start($psi)
    try {
        $err = $p.StandardError.ReadToEndAsync()
        $out = $p.StandardOutput.ReadToEndAsync()
        if (-not $p.WaitForExit($TimeoutSec * 1000)) {
            $p.Kill($true)
            throw "The child pwsh running $File did not finish in $TimeoutSec s: $($out.Result) $($err.Result)"
        }
        [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $out.Result; Error = $err.Result }
    }
    finally { $p.Dispose() }
}

Export-ModuleMember -Function Invoke-ChildPwsh
