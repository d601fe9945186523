# The module keeps working next to another module that loaded other versions of common dependencies, in either
# order, and leaves those versions alone; its own dependencies sit in dependencies/ and are loaded only for it.
BeforeDiscovery {
    $script:families = 'Connect-CbDefense', 'Get-CbDevice', 'Get-CbDevice (current API)', 'Set-CbDeviceQuarantine', 'Get-CbPolicy',
        'Export-CbPolicy', 'Get-CbEvent', 'Invoke-CbApi', 'Watch-CbNotification', 'Live Response'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module (Join-Path $RepoRoot 'tools/ChildPwsh.psm1'), (Join-Path $RepoRoot 'tools/AssemblyMetadata.psm1') -Force
    $script:emu = Start-CbEmulator -Devices 12 -Events 40 -Seed 21 -ExtraArguments @('--lr-session-delay-ms', '100', '--lr-command-delay-ms', '20', '--lr-large-file-mb', '1')

    # Other versions of Microsoft.Extensions.* and Newtonsoft.Json with their own dependencies (Directory.Packages.props
    # names the versions), restored from NuGet on first use like Pester.
    [xml] $props = Get-Content (Join-Path $RepoRoot 'Directory.Packages.props')
    $group = @($props.Project.PropertyGroup | Where-Object { $_['IsolationExtensionsVersion'] })[0]
    $script:extensionsVersion = [version]$group.IsolationExtensionsVersion
    $script:jsonVersion = [version]$group.IsolationNewtonsoftJsonVersion
    $script:otherPath = Join-Path $RepoRoot 'out/isolation'
    & dotnet build (Join-Path $RepoRoot 'tools/Isolation/Isolation.Restore.csproj') -c Release -o $otherPath --nologo -v quiet -clp:ErrorsOnly | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "tools/Isolation/Isolation.Restore.csproj did not build (exit code $LASTEXITCODE)." }

    function script:Invoke-Together([string] $Order) {
        $path = Join-Path $TestDrive "$Order.json"
        $r = Invoke-ChildPwsh -File (Join-Path $PSScriptRoot 'Isolation.Child.ps1') -ArgumentList @(
            '-Order', $Order, '-ModulePath', $ModulePath, '-OtherPath', $otherPath, '-Uri', $emu.Uri, '-OrgKey', $emu.OrgKey,
            '-ApiToken', $emu.ApiToken, '-SiemToken', $emu.SiemToken, '-CustomToken', $emu.CustomToken, '-LrToken', $emu.LrToken, '-ResultPath', $path)
        if ($r.ExitCode -ne 0 -or -not (Test-Path $path)) { throw "The child pwsh ($Order) failed ($($r.ExitCode)): $($r.Output) $($r.Error)" }
        Get-Content $path -Raw | ConvertFrom-Json
    }
    $script:runs = @{ OthersFirst = Invoke-Together OthersFirst; ModuleFirst = Invoke-Together ModuleFirst }

    # What each family returns against the emulator of this file (12 devices).
    $script:expected = @{
        'Connect-CbDefense' = ($emu.ApiToken -split '/')[1]; 'Get-CbDevice' = 12; 'Get-CbDevice (current API)' = 12
        'Set-CbDeviceQuarantine' = 'True/False'; 'Get-CbPolicy' = 'Standard'; 'Export-CbPolicy' = 'Standard'; 'Get-CbEvent' = 5
        'Invoke-CbApi' = 3; 'Watch-CbNotification' = 2; 'Live Response' = $true
    }
}
AfterAll {
    if ($emu) { Stop-CbEmulator $emu }
    Assert-CbNoSecretLeak
}

Describe 'CbDefense beside other versions of its dependencies (<_>)' -ForEach 'OthersFirst', 'ModuleFirst' {
    BeforeAll { $script:run = $runs[$_] }

    It '<_> works' -ForEach $families {
        foreach ($pass in $run.Runs) {
            $family = $pass.Families.$_
            $family.Ok | Should -BeTrue -Because $family.Value
            $family.Value | Should -Be $expected[$_]
        }
    }

    It 'ran every family after the other versions were loaded too' {
        $run.Runs.Count | Should -Be ($run.Order -eq 'ModuleFirst' ? 2 : 1)
    }

    It 'leaves the other module its versions, and they work' {
        [version]$run.Others.AbstractionsVersion | Should -Be ([version]"$($extensionsVersion.Major).0.0.0")
        [version]$run.Others.HttpVersion | Should -Be ([version]"$($extensionsVersion.Major).0.0.0")
        $run.Others.HttpCallDevices | Should -Be 12
        [version]$run.Others.JsonVersion | Should -Be ([version]"$($jsonVersion.Major).0.0.0")
        $run.Others.JsonText | Should -Be '[1,2]'
    }

    It 'binds to the Json.NET 13 that pwsh holds, not the other module''s copy' {
        $run.ModuleJson.Version | Should -Be '13.0.0.0'
        $run.ModuleJson.Context | Should -Be 'Default'
        $run.ModuleJson.Location | Should -BeLike "$PSHOME*"
    }

    It 'loads nothing of its dependencies/ folder into the default context, and only its own assemblies from the module' {
        $fromModule = @($run.Loaded | Where-Object { $_.Location -and $_.Location.StartsWith($ModulePath) })
        @($fromModule | Where-Object Context -EQ 'Default').Name | Sort-Object | Should -Be @('CbDefense', 'CbDefense.Core')
        @($run.Loaded | Where-Object Name -Like 'Microsoft.Extensions.*' | Where-Object Version -NE "$($extensionsVersion.Major).0.0.0") |
            Should -BeNullOrEmpty -Because 'only the other module loaded Microsoft.Extensions.*'
    }
}

Describe 'The dependencies/ folder' {
    BeforeAll {
        $script:root = Resolve-Path $ModulePath
        $script:shipped = @{}
        foreach ($f in Get-ChildItem (Join-Path $root 'dependencies') -Filter *.dll) { $shipped[$f.BaseName] = [Reflection.AssemblyName]::GetAssemblyName($f.FullName) }
    }

    It 'holds the third-party assemblies; the module folder only the module''s own' {
        (Get-ChildItem $root -Filter *.dll).Name | Sort-Object | Should -Be @('CbDefense.Core.dll', 'CbDefense.dll')
        $shipped.Keys | Sort-Object | Should -Be @('Newtonsoft.Json', 'System.Buffers')
    }

    It 'has every assembly the module''s assemblies and the dependencies reference, at that version or higher' {
        $own = 'netstandard', 'System.Management.Automation', 'CbDefense.Core'
        $files = @(Get-ChildItem $root -Filter *.dll) + @(Get-ChildItem (Join-Path $root 'dependencies') -Filter *.dll)
        foreach ($file in $files) {
            foreach ($ref in Get-AssemblyReference $file.FullName | Where-Object Name -NotIn $own) {
                $shipped.ContainsKey($ref.Name) | Should -BeTrue -Because "$($file.Name) references $($ref.Name)"
                $shipped[$ref.Name].Version | Should -BeGreaterOrEqual $ref.Version -Because "$($file.Name) references $($ref.Name) $($ref.Version)"
            }
        }
    }
}

Describe 'The dependency resolver' {
    # pwsh already supplies every dependency the module has today (Json.NET 13, System.Buffers), so the runtime never
    # asks the resolver; this asks it directly, in a fresh pwsh, what it would answer when the process cannot.
    BeforeAll {
        $child = Join-Path $TestDrive 'resolver.ps1'
        Set-Content -Path $child -Value @'
param($ModulePath)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$resolve = [CbDefense.Commands.ModuleInitializer].Assembly.GetType('CbDefense.Commands.DependencyResolver').GetMethod('Resolve', [Reflection.BindingFlags]'NonPublic,Static')
function Ask([string] $Name, [Reflection.Assembly] $Requester) {
    $a = $resolve.Invoke($null, @([Reflection.AssemblyName]::new($Name), $Requester))
    if ($a) { [ordered]@{ Name = $a.GetName().Name; Location = $a.Location; Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($a).Name } }
}
$core = [CbDefense.Session].Assembly
$json = Ask 'Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed' $core
[ordered]@{
    CoreJson       = $json
    CoreJsonAgain  = Ask 'Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed' $core
    # A dependency the resolver loaded asks in turn (Json.NET's own references are the module's too).
    FromDependency = Ask 'System.Buffers, Version=4.0.3.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51' ([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object Location -EQ $json.Location)
    Cmdlets        = Ask 'System.Buffers' ([CbDefense.Commands.ModuleInitializer].Assembly)
    Foreign        = Ask 'Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed' ([psobject].Assembly)
    NoRequester    = Ask 'Newtonsoft.Json' $null
    NotShipped     = Ask 'Microsoft.Extensions.Http, Version=6.0.0.0' $core
    Newer          = Ask 'Newtonsoft.Json, Version=14.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed' $core
    OtherKey       = Ask 'Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=0123456789abcdef' $core
} | ConvertTo-Json -Depth 4
'@
        $r = Invoke-ChildPwsh -File $child -ArgumentList @($ModulePath)
        if ($r.ExitCode -ne 0) { throw "The resolver child failed ($($r.ExitCode)): $($r.Output) $($r.Error)" }
        $script:answers = $r.Output | ConvertFrom-Json
        $script:dependencies = Join-Path (Resolve-Path $ModulePath) 'dependencies'
    }

    It 'answers a request of the module''s own assemblies from dependencies/, in the CbDefense load context' {
        $answers.CoreJson.Location | Should -Be (Join-Path $dependencies 'Newtonsoft.Json.dll')
        $answers.CoreJson.Context | Should -Be 'CbDefense'
        $answers.Cmdlets.Location | Should -Be (Join-Path $dependencies 'System.Buffers.dll')
        $answers.FromDependency.Location | Should -Be (Join-Path $dependencies 'System.Buffers.dll')
        $answers.FromDependency.Context | Should -Be 'CbDefense'
        $answers.CoreJsonAgain.Location | Should -Be $answers.CoreJson.Location
    }

    It 'answers nobody else, nothing it does not ship, no newer version and no other publisher' {
        $answers.Foreign | Should -BeNullOrEmpty
        $answers.NoRequester | Should -BeNullOrEmpty
        $answers.NotShipped | Should -BeNullOrEmpty
        $answers.Newer | Should -BeNullOrEmpty
        $answers.OtherKey | Should -BeNullOrEmpty
    }
}
