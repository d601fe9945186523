BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:manifest = Import-PowerShellDataFile (Join-Path $ModulePath 'CbDefense.psd1')
    $script:module = Get-Module CbDefense
}
AfterAll { Assert-CbNoSecretLeak }

Describe 'The built module' {
    It 'is imported from the build output, not the source tree' {
        $module.ModuleBase | Should -Be (Resolve-Path $ModulePath).Path
        Test-Path (Join-Path $module.ModuleBase 'CbDefense.dll') | Should -BeTrue
        Test-Path (Join-Path $module.ModuleBase 'CbDefense.Core.dll') | Should -BeTrue
        Test-Path (Join-Path $module.ModuleBase 'System.Management.Automation.dll') | Should -BeFalse
    }

    It 'has the manifest version, GUID and both editions' {
        $module.Version | Should -Be ([version]$manifest.ModuleVersion)
        $module.Guid | Should -Be ([guid]$manifest.GUID)
        $manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $manifest.PowerShellVersion | Should -Be '5.1'
    }

    It 'has the one version of Directory.Build.props in the manifest and the assemblies' {
        [xml] $props = Get-Content (Join-Path $RepoRoot 'Directory.Build.props')
        $version = @($props.Project.PropertyGroup.Version | Where-Object { $_ })[0]
        $manifest.ModuleVersion | Should -Be $version
        foreach ($assembly in [CbDefense.Commands.ModuleInitializer].Assembly, [CbDefense.Session].Assembly) {
            $assembly.GetName().Version.ToString(3) | Should -Be $version
        }
        (Get-Content (Join-Path $RepoRoot 'CbDefense.psd1') -Raw) | Should -Not -Match ([regex]::Escape("'$version'")) -Because 'the source manifest leaves the version to the build'
    }

    It 'exports exactly the cmdlets the manifest lists, and the manifest lists every cmdlet the DLL defines' {
        $exported = (Get-Command -Module CbDefense).Name | Sort-Object
        $exported | Should -Be ($manifest.CmdletsToExport | Sort-Object)
        (Get-Command -Module CbDefense -CommandType Function, Alias) | Should -BeNullOrEmpty
        $defined = [CbDefense.Commands.ModuleInitializer].Assembly.GetExportedTypes() |
            Where-Object { -not $_.IsAbstract -and $_.IsSubclassOf([System.Management.Automation.Cmdlet]) } |
            ForEach-Object { $a = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]; if ($a) { "$($a.VerbName)-$($a.NounName)" } }
        @($defined).Count | Should -BeGreaterThan 0
        $defined | Sort-Object | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'exports the session and device cmdlets of the contract' {
        foreach ($name in 'Connect-CbDefense', 'Disconnect-CbDefense', 'Get-CbDefenseSession', 'Get-CbDevice', 'Invoke-CbApi',
                          'Set-CbDeviceQuarantine', 'Set-CbDeviceBypass', 'Set-CbDeviceBackgroundScan', 'Set-CbDevicePolicy',
                          'Update-CbDeviceSensor', 'Uninstall-CbDeviceSensor', 'Remove-CbDevice') {
            Get-Command $name -Module CbDefense | Should -Not -BeNullOrEmpty
        }
    }

    It 'exports the policy cmdlets of the contract' {
        foreach ($name in 'Get-CbPolicy', 'New-CbPolicy', 'Set-CbPolicy', 'Remove-CbPolicy', 'Get-CbPolicyRule', 'Add-CbPolicyRule',
            'Set-CbPolicyRule', 'Remove-CbPolicyRule', 'Export-CbPolicy', 'Import-CbPolicy') {
            Get-Command $name -Module CbDefense | Should -Not -BeNullOrEmpty
        }
    }

    It 'exports the event, threat and notification cmdlets of the contract' {
        foreach ($name in 'Get-CbEvent', 'Invoke-CbThreatDismiss', 'Invoke-CbThreatUpdate', 'Get-CbWorkflowStatus',
            'Get-CbAlertSearchSuggestion', 'Get-CbNotification', 'Watch-CbNotification') {
            Get-Command $name -Module CbDefense | Should -Not -BeNullOrEmpty
        }
    }

    It 'loads the event, workflow and notification views' {
        foreach ($type in 'CbDefense.Event', 'CbDefense.WorkflowStatus', 'CbDefense.AlertSearchSuggestion', 'CbDefense.Notification') {
            (Get-FormatData -TypeName $type) | Should -Not -BeNullOrEmpty
        }
    }

    It 'loads its format views' {
        $module.ExportedFormatFiles | Should -Not -BeNullOrEmpty
        (Get-FormatData -TypeName CbDefense.Device) | Should -Not -BeNullOrEmpty
        (Get-FormatData -TypeName CbDefense.Session) | Should -Not -BeNullOrEmpty
        (Get-FormatData -TypeName CbDefense.Policy) | Should -Not -BeNullOrEmpty
        (Get-FormatData -TypeName CbDefense.PolicyRule) | Should -Not -BeNullOrEmpty
    }
}

Describe 'Help of <_>' -ForEach @((Import-PowerShellDataFile (Join-Path ($env:CBDEFENSE_MODULE_PATH ?? (Join-Path $PSScriptRoot '../../out/CbDefense')) 'CbDefense.psd1')).CmdletsToExport) {
    BeforeAll { $script:help = Get-Help $_ -Full; $script:cmd = Get-Command $_ }

    It 'has a synopsis and a description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match '^\s*\S+-\S+\s*\['   # not the auto-generated syntax stub
        ($help.description | Out-String).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example, shown by Get-Help -Examples' {
        @($help.examples.example).Count | Should -BeGreaterThan 0
        (Get-Help $cmd.Name -Examples | Out-String) | Should -Match ([regex]::Escape($cmd.Name))
    }

    It 'describes every parameter' {
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        foreach ($p in $cmd.Parameters.Keys | Where-Object { $_ -notin $common }) {
            (Get-Help $cmd.Name -Parameter $p).description | Out-String | Should -Not -BeNullOrEmpty -Because "-$p needs a description"
        }
    }

    It 'declares its output type' {
        $cmd.OutputType | Should -Not -BeNullOrEmpty
    }
}

Describe 'The documented command lines' {
    It 'every "build.ps1 Emulator" line of the README and docs/emulator.md starts the emulator' {
        $lines = foreach ($doc in 'README.md', 'docs/emulator.md') {
            Get-Content (Join-Path $RepoRoot $doc) | Where-Object { $_ -match '^\s*dotnet pwsh \./build\.ps1 Emulator\b' }
        }
        $lines = @($lines | ForEach-Object { $_.Trim() } | Sort-Object -Unique)
        $lines.Count | Should -BeGreaterThan 0
        foreach ($line in $lines) {
            # The same arguments, on a free port, exiting with this test run.
            $arguments = ($line -replace '^dotnet pwsh \./build\.ps1 ', '') -replace '--port \d+', '--port 0'
            $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
            $psi.WorkingDirectory = $RepoRoot
            foreach ($a in @('pwsh', '-NoProfile', '-File', './build.ps1') + ($arguments -split ' ') + @('--parent-pid', "$PID", '--quiet')) { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            $p = [Diagnostics.Process]::Start($psi)
            try {
                $listening = $null
                $deadline = (Get-Date).AddSeconds(120)
                $task = $p.StandardOutput.ReadLineAsync()
                while ((Get-Date) -lt $deadline) {
                    if (-not $task.Wait(1000)) { if ($p.HasExited) { break } else { continue } }
                    if ($null -eq $task.Result) { break }
                    if ($task.Result -match 'Now listening on: (http\S+)') { $listening = $Matches[1]; break }
                    $task = $p.StandardOutput.ReadLineAsync()
                }
                if (-not $listening) {
                    if (-not $p.HasExited) { $p.Kill($true) }
                    throw "'$line' did not start the emulator: $($p.StandardError.ReadToEnd())"
                }
                $info = Invoke-RestMethod "$listening/_emulator/info"
                if ($line -match '--devices (\d+)') { $info.devices | Should -Be ([int]$Matches[1]) }
            }
            finally {
                if (-not $p.HasExited) { $p.Kill($true) }
                $p.Dispose()
            }
        }
    }
}
