# The package build.ps1 Package writes (out/CbDefense.<version>.nupkg): what it holds, and that a user can install it
# from a repository with PSResourceGet and import it by name. The install runs in fresh pwsh processes with a
# temporary HOME, so the user's own modules, repositories and settings are never read or changed.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module (Join-Path $RepoRoot 'tools/ChildPwsh.psm1') -Force
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $script:version = (Import-PowerShellDataFile (Join-Path $ModulePath 'CbDefense.psd1')).ModuleVersion
    $script:package = Join-Path (Split-Path $ModulePath -Parent) "CbDefense.$version.nupkg"
    if (-not (Test-Path $package)) { throw "The package is missing at $package; run ./build.ps1 Package (build.ps1 Test writes it too)." }
}
AfterAll { Assert-CbNoSecretLeak }

Describe 'The package' {
    BeforeAll {
        $zip = [System.IO.Compression.ZipFile]::OpenRead($package)
        try {
            $script:entries = @($zip.Entries | ForEach-Object FullName)
            $reader = [IO.StreamReader]::new($zip.GetEntry('CbDefense.nuspec').Open())
            try { [xml] $script:nuspec = $reader.ReadToEnd() } finally { $reader.Dispose() }
        }
        finally { $zip.Dispose() }
        $script:manifest = Import-PowerShellDataFile (Join-Path $ModulePath 'CbDefense.psd1')
    }

    It 'is named and versioned after the manifest' {
        $nuspec.package.metadata.id | Should -Be 'CbDefense'
        $nuspec.package.metadata.version | Should -Be $version
        $nuspec.package.metadata.releaseNotes | Should -Be $manifest.PrivateData.PSData.ReleaseNotes.Trim()
    }

    It 'holds the manifest, the format file, the help, the assemblies and dependencies/' {
        foreach ($file in 'CbDefense.psd1', 'CbDefense.format.ps1xml', 'en-US/CbDefense.dll-Help.xml', 'en-US/about_CbDefense.help.txt',
            'CbDefense.dll', 'CbDefense.Core.dll', 'dependencies/Newtonsoft.Json.dll', 'dependencies/System.Buffers.dll') {
            $entries | Should -Contain $file
        }
    }

    It 'holds every file of the built module, and no file the module does not have' {
        $root = (Resolve-Path $ModulePath).Path
        $built = Get-ChildItem $root -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($root, $_.FullName).Replace('\', '/') }
        $packed = $entries | Where-Object { $_ -notmatch '^(_rels/|package/|\[Content_Types\]\.xml$|CbDefense\.nuspec$)' }
        $packed | Sort-Object | Should -Be ($built | Sort-Object)
    }
}

Describe 'Install-PSResource from a local repository' -Skip:$IsWindows {
    # (On Windows, CurrentUser modules go to the Documents folder, which no environment variable moves.)
    BeforeAll {
        $script:emu = Start-CbEmulator -Devices 7 -Seed 41
        $script:userHome = Join-Path $TestDrive 'home'
        $script:repository = Join-Path $TestDrive 'repository'
        $null = New-Item -ItemType Directory -Path $userHome, $repository
        Copy-Item $package -Destination $repository
        $script:repositoryName = "CbDefenseTest$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        # Everything pwsh and PSResourceGet keep per user lives under HOME (or XDG_*); PSModulePath is left for pwsh to
        # make from them, so only the new HOME's module folder is searched for user modules.
        # (.NET names a per-user folder only once it exists, hence the folders made here.)
        $script:environment = @{
            HOME = $userHome; XDG_DATA_HOME = "$userHome/.local/share"; XDG_CONFIG_HOME = "$userHome/.config"; XDG_CACHE_HOME = "$userHome/.cache"
            PSModulePath = $null
        }
        $null = New-Item -ItemType Directory -Path $environment.XDG_DATA_HOME, $environment.XDG_CONFIG_HOME, $environment.XDG_CACHE_HOME
        function script:Invoke-AsUser([string] $Name, [string] $Script, [string[]] $Arguments = @()) {
            $file = Join-Path $TestDrive "$Name.ps1"
            Set-Content -Path $file -Value $Script
            $r = Invoke-ChildPwsh -File $file -ArgumentList $Arguments -Environment $environment -WorkingDirectory $userHome
            if ($r.ExitCode -ne 0) { throw "The child pwsh ($Name) failed ($($r.ExitCode)): $($r.Output) $($r.Error)" }
            $r.Output | ConvertFrom-Json
        }

        $script:install = Invoke-AsUser install @'
param($Repository, $Name)
$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'
$before = @(Get-Module -ListAvailable CbDefense).Count
Register-PSResourceRepository -Name $Name -Uri $Repository -Trusted
Install-PSResource CbDefense -Repository $Name -Scope CurrentUser -TrustRepository
$installed = Get-InstalledPSResource CbDefense
[ordered]@{ Before = $before; Version = $installed.Version.ToString(); Path = $installed.InstalledLocation
            Available = @(Get-Module -ListAvailable CbDefense | ForEach-Object ModuleBase) } | ConvertTo-Json
'@ -Arguments $repository, $repositoryName

        $secret, $id = $emu.ApiToken -split '/', 2
        $script:use = Invoke-AsUser use @'
param($Uri, $Id, $Secret, $OrgKey)
$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'
Import-Module CbDefense
$module = Get-Module CbDefense
$session = Connect-CbDefense -Uri $Uri -ApiId $Id -ApiSecretKey (ConvertTo-SecureString $Secret -AsPlainText -Force) -OrgKey $OrgKey
$devices = @(Get-CbDevice)
[ordered]@{
    ModuleBase = $module.ModuleBase; Version = $module.Version.ToString(); Session = $session.ApiId
    Devices = $devices.Count; Shown = ($devices | Format-Table | Out-String -Width 200)
    Synopsis = (Get-Help Get-CbDevice).Synopsis
} | ConvertTo-Json
'@ -Arguments $emu.Uri, $id, $secret, $emu.OrgKey
    }
    AfterAll {
        if ($emu) { Stop-CbEmulator $emu }
    }

    It 'installs into the empty user module path of the new HOME' {
        $install.Before | Should -Be 0
        $install.Version | Should -Be $version
        $install.Path | Should -BeLike "$userHome/*"
        @($install.Available).Count | Should -Be 1
        $install.Available | Should -BeLike "$userHome/*/CbDefense/$version"
        Test-Path (Join-Path $install.Available 'dependencies/Newtonsoft.Json.dll') | Should -BeTrue
    }

    It 'imports by name in a fresh pwsh, connects and lists the devices with their view and help' {
        $use.ModuleBase | Should -Be $install.Available
        $use.Version | Should -Be $version
        $use.Session | Should -Be (($emu.ApiToken -split '/')[1])
        $use.Devices | Should -Be 7
        $use.Shown | Should -Match 'DeviceId\s+Name'
        $use.Synopsis | Should -Not -BeNullOrEmpty
    }

    It 'leaves the user''s own repositories alone' {
        $own = Join-Path ([Environment]::GetFolderPath('LocalApplicationData')) 'PSResourceGet/PSResourceRepository.xml'
        if (Test-Path $own) { Get-Content $own -Raw | Should -Not -Match $repositoryName }
        Test-Path (Join-Path $userHome '.local/share/PSResourceGet/PSResourceRepository.xml') | Should -BeTrue
    }
}
