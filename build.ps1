#requires -Version 7.2
<#
.SYNOPSIS
Builds, tests, demonstrates and benchmarks the CbDefense module.

.DESCRIPTION
Tasks:
  Build     Builds the solution (Core and the cmdlets also for net472: a compile check for Windows PowerShell 5.1)
            and lays out the module in out/CbDefense (psd1, format and types files, dlls, dependencies/, help).
  Package   Builds, then writes out/CbDefense.<version>.nupkg, which Install-PSResource installs from a repository.
  Test      Builds, packages, runs the xunit projects and Pester against the built module, prints "Tests: N passed, N failed".
  Emulator  Runs the local CB Defense emulator in the foreground; arguments after the task go to the emulator.
  Demo      Starts the emulator, connects with a temporary credentials file, tours the cmdlets, stops everything.
  Bench     Benchmarks against the emulator (100,000 devices, Live Response, 50,000 alerts, a 10,000-call soak) and
            prints ratios; `tools/Bench.ps1 -Only Soak` runs the soak alone.

.EXAMPLE
dotnet tool restore && dotnet pwsh ./build.ps1 Test

.EXAMPLE
dotnet pwsh ./build.ps1 Emulator --devices 1000 --port 5080
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Package', 'Test', 'Emulator', 'Demo', 'Bench')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Runs only the Pester tests (after a build; the package is written again); handy while writing cmdlets.
    [switch] $PesterOnly,

    # Arguments passed through to the emulator (Emulator task).
    [Parameter(ValueFromRemainingArguments)]
    [string[]] $EmulatorArguments = @()
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$Root = $PSScriptRoot
$OutDir = Join-Path $Root 'out'
$ModuleOut = Join-Path $OutDir 'CbDefense'
# `dotnet pwsh` finds the local tool manifest from the current folder.
Set-Location $Root
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

function Invoke-Native {
    param([Parameter(Mandatory)] [string] $Command, [string[]] $Arguments = @())
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Command $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Get-PesterModulePath {
    [xml] $props = Get-Content (Join-Path $Root 'Directory.Packages.props')
    $version = @($props.Project.PropertyGroup | ForEach-Object { $_.PesterVersion } | Where-Object { $_ })[0]
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $psd1 = Join-Path $packages "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $psd1)) {
        Invoke-Native dotnet @('restore', (Join-Path $Root 'tools/Pester.Restore.csproj'), '--nologo', '-v', 'quiet')
    }
    if (-not (Test-Path $psd1)) { throw "Pester $version was restored but $psd1 is missing." }
    $psd1
}

# The module's version: <Version> in Directory.Build.props, the one place it is written. The assemblies get it from
# MSBuild; the build stamps it into the laid-out manifest.
function Get-ModuleVersion {
    [xml] $props = Get-Content (Join-Path $Root 'Directory.Build.props')
    $version = @($props.Project.PropertyGroup | ForEach-Object { $_.Version } | Where-Object { $_ })[0]
    if ($version -notmatch '^\d+\.\d+\.\d+$') { throw "Directory.Build.props: <Version> '$version' must be Major.Minor.Patch (a module version)." }
    $version
}

function Invoke-Build {
    Write-Host "==> Build ($Configuration)"
    Invoke-Native dotnet @('build', (Join-Path $Root 'CbDefense.sln'), '-c', $Configuration, '--nologo', '-v', 'minimal', '-clp:ErrorsOnly;Summary')

    # Lay out the module: one folder that Import-Module loads.
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ModuleOut
    # The module's own assemblies at the top (PowerShell loads them into its default context, so their types are
    # PowerShell types), third-party ones in dependencies/, loaded only for the module (src/CbDefense/ModuleInitializer.cs).
    $bin = Join-Path $Root "src/CbDefense/bin/$Configuration/netstandard2.0"
    $dependencies = Join-Path $ModuleOut 'dependencies'
    $null = New-Item -ItemType Directory -Path $dependencies
    foreach ($dll in Get-ChildItem $bin -Filter '*.dll' | Where-Object Name -NE 'System.Management.Automation.dll') {
        $to = if ($dll.Name -in 'CbDefense.dll', 'CbDefense.Core.dll') { $ModuleOut } else { $dependencies }
        Copy-Item $dll.FullName -Destination $to
    }
    Copy-Item (Join-Path $Root 'CbDefense.psd1'), (Join-Path $Root 'CbDefense.format.ps1xml') -Destination $ModuleOut
    $manifest = Join-Path $ModuleOut 'CbDefense.psd1'
    $version = Get-ModuleVersion
    $text = [IO.File]::ReadAllText($manifest) -replace "(?m)^(\s*ModuleVersion\s*=\s*)'[^']*'", "`${1}'$version'"
    [IO.File]::WriteAllText($manifest, $text)
    if ((Import-PowerShellDataFile $manifest).ModuleVersion -ne $version) { throw "Could not stamp version $version into $manifest." }

    # MAML help, generated from the cmdlets' own metadata and the help sources in src/CbDefense/Help.
    $helpOut = Join-Path $ModuleOut 'en-US'
    $null = New-Item -ItemType Directory -Path $helpOut
    # The conceptual topics (Get-Help about_CbDefense, about_CbDefense_LiveResponse, ...).
    Copy-Item (Join-Path $Root 'src/CbDefense/Help/about_*.help.txt') -Destination $helpOut
    Invoke-Native dotnet @('pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'tools/Build-Help.ps1'),
        '-ModulePath', $ModuleOut, '-SourcePath', (Join-Path $Root 'src/CbDefense/Help'),
        '-OutputPath', (Join-Path $helpOut 'CbDefense.dll-Help.xml'))
    Write-Host "Module laid out in $ModuleOut"
}

# The package a repository serves: the laid-out module folder (manifest, format file, help, dependencies/) as a
# .nupkg, made by PSResourceGet's Compress-PSResource, which validates the manifest and writes the nuspec from it.
function Invoke-Package {
    $version = (Import-PowerShellDataFile (Join-Path $ModuleOut 'CbDefense.psd1')).ModuleVersion
    $package = Join-Path $OutDir "CbDefense.$version.nupkg"
    Write-Host "==> Package $package"
    Get-ChildItem $OutDir -Filter 'CbDefense.*.nupkg' | Remove-Item -Force
    Compress-PSResource -Path $ModuleOut -DestinationPath $OutDir
    if (-not (Test-Path $package)) { throw "Compress-PSResource did not write $package." }
}

function Get-TrxCounts([string] $Path) {
    [xml] $trx = Get-Content $Path
    $c = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted }
}

function Invoke-Test {
    if (-not $PesterOnly) { Invoke-Build }
    Invoke-Package   # tests/Pester/Package.Tests.ps1 installs it
    $results = Join-Path $OutDir 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $results
    $env:CBDEFENSE_EMULATOR_DLL = Join-Path $Root "src/CbDefense.Emulator/bin/$Configuration/net10.0/CbDefense.Emulator.dll"
    $env:CBDEFENSE_MODULE_PATH = $ModuleOut
    $env:CBDEFENSE_CONFIGURATION = $Configuration

    $passed = 0; $failed = 0; $broken = @()
    if (-not $PesterOnly) {
        foreach ($project in 'CbDefense.Core.Tests', 'CbDefense.Emulator.Tests') {
            Write-Host "==> xunit: $project"
            $trx = "$project.trx"
            & dotnet test (Join-Path $Root "tests/$project/$project.csproj") -c $Configuration --no-build --nologo `
                --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal' --results-directory $results
            $exit = $LASTEXITCODE
            $file = Join-Path $results $trx
            if (Test-Path $file) {
                $counts = Get-TrxCounts $file
                $passed += $counts.Passed; $failed += $counts.Failed
                Write-Host "    $project`: $($counts.Passed) passed, $($counts.Failed) failed"
                if ($exit -ne 0 -and $counts.Failed -eq 0) { $broken += $project }
            }
            elseif ($exit -ne 0) { $broken += $project }
        }
    }

    Write-Host '==> Pester (built module against the emulator)'
    $pester = Get-PesterModulePath
    $summary = Join-Path $results 'pester-summary.json'
    $runner = Join-Path $Root 'tools/Invoke-PesterRun.ps1'
    & dotnet pwsh -NoProfile -NonInteractive -File $runner -PesterPath $pester -TestPath (Join-Path $Root 'tests/Pester') `
        -SummaryPath $summary -ResultPath (Join-Path $results 'pester.xml')
    $pesterExit = $LASTEXITCODE
    if (Test-Path $summary) {
        $p = Get-Content $summary | ConvertFrom-Json
        $passed += $p.Passed; $failed += $p.Failed
        if ($pesterExit -ne 0 -and $p.Failed -eq 0) { $broken += 'Pester' }
    }
    else { $broken += 'Pester' }

    if ($broken) { Write-Host "Runs that did not complete: $($broken -join ', ')" -ForegroundColor Red }
    Write-Host "Tests: $passed passed, $failed failed"
    if ($failed -gt 0 -or $broken) { exit 1 }
}

function Invoke-Emulator {
    Invoke-Native dotnet @('build', (Join-Path $Root 'src/CbDefense.Emulator/CbDefense.Emulator.csproj'), '-c', $Configuration, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')
    $dll = Join-Path $Root "src/CbDefense.Emulator/bin/$Configuration/net10.0/CbDefense.Emulator.dll"
    & dotnet $dll @EmulatorArguments
    exit $LASTEXITCODE
}

function Invoke-Demo {
    Invoke-Build
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tools/Demo.ps1') -ModulePath $ModuleOut
    if ($LASTEXITCODE -ne 0) { throw "The demo failed (exit code $LASTEXITCODE)." }
}

function Invoke-Bench {
    Invoke-Build
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tools/Bench.ps1') -ModulePath $ModuleOut -Configuration $Configuration
    if ($LASTEXITCODE -ne 0) { throw "The benchmark failed (exit code $LASTEXITCODE)." }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Package' { Invoke-Build; Invoke-Package }
    'Test' { Invoke-Test }
    'Emulator' { Invoke-Emulator }
    'Demo' { Invoke-Demo }
    'Bench' { Invoke-Bench }
}
