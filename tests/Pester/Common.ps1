# Dot-sourced by every test file: imports the BUILT module (never the source tree) and the emulator helpers.
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ModulePath = if ($env:CBDEFENSE_MODULE_PATH) { $env:CBDEFENSE_MODULE_PATH } else { Join-Path $script:RepoRoot 'out/CbDefense' }
if (-not (Test-Path (Join-Path $script:ModulePath 'CbDefense.psd1'))) {
    throw "The built module is missing at $script:ModulePath; run ./build.ps1 Build first."
}
Import-Module (Join-Path $script:RepoRoot 'tools/CbEmulator.psm1') -Force
Import-Module $script:ModulePath -Force

function script:Connect-TestEmulator {
    param([Parameter(Mandatory)] $Emulator, [string] $Token = $Emulator.ApiToken, [hashtable] $Extra = @{})
    $secret, $id = $Token -split '/', 2
    Connect-CbDefense -Uri $Emulator.Uri -ApiId $id -ApiSecretKey (ConvertTo-SecureString $secret -AsPlainText -Force) -OrgKey $Emulator.OrgKey @Extra
}

function script:Get-EmulatorRequests {
    param([Parameter(Mandatory)] $Emulator, [int] $Last = 1000)
    @((Invoke-CbEmulatorAdmin -Emulator $Emulator -Path "requests?last=$Last").requests)
}

function script:Clear-EmulatorRequests {
    param([Parameter(Mandatory)] $Emulator)
    $null = Invoke-CbEmulatorAdmin -Emulator $Emulator -Path requests -Method DELETE
}

function script:Set-EmulatorFaults {
    param([Parameter(Mandatory)] $Emulator, [object[]] $Faults = @())
    $null = Invoke-CbEmulatorAdmin -Emulator $Emulator -Path faults -Method PUT -Body @{ faults = @($Faults) }
}
