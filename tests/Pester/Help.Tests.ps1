# Help: wildcard parameters say so, the about_CbDefense topic, and release notes that describe this version.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:manifest = Import-PowerShellDataFile (Join-Path $ModulePath 'CbDefense.psd1')
    $script:common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
}
AfterAll { Assert-CbNoSecretLeak }

Describe 'Wildcard parameters in help' {
    It '-HostName of Get-CbDevice and -Name of Get-CbPolicy say they accept wildcards' {
        (Get-Help Get-CbDevice -Parameter HostName).globbing | Should -Be 'true'
        (Get-Help Get-CbPolicy -Parameter Name).globbing | Should -Be 'true'
        (Get-Help Get-CbDevice -Parameter HostName | Out-String) | Should -Match 'Accept wildcard characters\??\s+true'
        (Get-Help Get-CbDevice -Parameter HostNameExact).globbing | Should -Be 'false'
    }

    It 'every parameter''s "Accept wildcard characters" matches its [SupportsWildcards()] attribute' {
        $wildcards = 0
        foreach ($cmd in Get-Command -Module CbDefense -CommandType Cmdlet) {
            foreach ($p in $cmd.Parameters.Values | Where-Object { $_.Name -notin $common }) {
                $supports = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
                if ($supports) { $wildcards++ }
                (Get-Help $cmd.Name -Parameter $p.Name).globbing | Should -Be ([string]$supports).ToLowerInvariant() -Because "$($cmd.Name) -$($p.Name)"
            }
        }
        $wildcards | Should -BeGreaterOrEqual 2
    }
}

Describe 'about_CbDefense' {
    BeforeAll {
        # A fresh pwsh that only imports the built module, as a user would.
        $exe = (Get-Process -Id $PID).Path
        $cmd = "Import-Module '$ModulePath'; Get-Help about_CbDefense | Out-String -Width 200"
        [string[]] $arguments = @('-NoProfile', '-NonInteractive', '-Command', $cmd)
        if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments = @((Join-Path $PSHOME 'pwsh.dll')) + $arguments }
        $script:about = (& $exe $arguments) -join "`n"
    }

    It 'is laid out with the module and shown by Get-Help about_CbDefense' {
        Test-Path (Join-Path $ModulePath 'en-US/about_CbDefense.help.txt') | Should -BeTrue
        $about | Should -Match 'about_CbDefense'
        (Get-Help about_CbDefense | Out-String) | Should -Match 'SESSIONS AND PROFILES'
    }

    It 'has the section <_>' -ForEach 'SESSIONS AND PROFILES', 'API GENERATIONS', 'THROTTLING AND RETRIES', 'THE EMULATOR', 'PIPELINES' {
        $about | Should -Match ([regex]::Escape($_))
    }

    It 'tells what is true of this version: <What>' -ForEach @(
        @{ What = 'credentials files and environment variables'; Pattern = 'credentials\.psc.*CBAPI_URL' }
        @{ What = 'several sessions and the default session'; Pattern = '(?s)default session.*-Session' }
        @{ What = 'both generations, and what a real tenant needs today'; Pattern = '(?s)speaks both behind the same cmdlets.*a real tenant today needs a Current session.*-ApiGeneration Current' }
        @{ What = 'how Auto finds the generation'; Pattern = '(?s)Auto \(the default\) finds out on the first call' }
        @{ What = 'the 429 gate'; Pattern = '(?s)429.*no request of that session' }
        @{ What = 'POST is never sent twice'; Pattern = 'POST or PATCH is never sent twice' }
        @{ What = 'the emulator keys'; Pattern = 'EMUAPISECRETKEY0000000001/EMUAPI0001' }
        @{ What = 'the Export-Csv/Import-Csv round trip'; Pattern = '(?s)Export-Csv.*Import-Csv .*Set-CbDeviceQuarantine' }
        @{ What = '-WhatIf'; Pattern = '-WhatIf sends nothing' }
    ) {
        $about -replace '\s+', ' ' | Should -Match ($Pattern -replace '\\s\+|\s', '\s+')
    }

    It 'gives the retry and timeout defaults the sessions use' {
        $about -replace '\s+', ' ' | Should -Match "-MaximumRetryCount \(Connect-CbDefense, default $([CbDefense.SessionOptions]::DefaultMaximumRetryCount)\)"
        $about -replace '\s+', ' ' | Should -Match "-TimeoutSec \(default $([CbDefense.SessionOptions]::DefaultTimeoutSec)\)"
    }
}

Describe 'about_CbDefense_LiveResponse' {
    BeforeAll {
        $exe = (Get-Process -Id $PID).Path
        $cmd = "Import-Module '$ModulePath'; Get-Help about_CbDefense_LiveResponse | Out-String -Width 200"
        [string[]] $arguments = @('-NoProfile', '-NonInteractive', '-Command', $cmd)
        if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments = @((Join-Path $PSHOME 'pwsh.dll')) + $arguments }
        $script:lrAbout = (& $exe $arguments) -join "`n"
    }

    It 'is laid out with the module and shown by Get-Help' {
        Test-Path (Join-Path $ModulePath 'en-US/about_CbDefense_LiveResponse.help.txt') | Should -BeTrue
        $lrAbout | Should -Match 'about_CbDefense_LiveResponse'
    }

    It 'has the section <_>' -ForEach 'SESSIONS', 'KEYS AND API GENERATIONS', 'FAN-OUT AND -THROTTLELIMIT', 'KEEPALIVE AND CLEANUP', 'FILE TRANSFERS', 'ERRORS' {
        $lrAbout | Should -Match ([regex]::Escape($_))
    }

    It 'names the key each generation needs and the cmdlets it covers' {
        $text = $lrAbout -replace '\s+', ' '
        $text | Should -Match 'LIVE_RESPONSE'
        $text | Should -Match 'Custom'
        foreach ($c in (Get-Command -Module CbDefense -Name '*LiveResponse*').Name) { $text | Should -Match ([regex]::Escape(($c -split '-', 2)[1])) }
    }
}

Describe 'The manifest''s release notes' {
    It 'start with this version, so a new version needs new notes' {
        $manifest.PrivateData.PSData.ReleaseNotes | Should -Match "^$([regex]::Escape($manifest.ModuleVersion)): "
    }

    It 'describe this version' {
        $notes = $manifest.PrivateData.PSData.ReleaseNotes
        $notes | Should -Not -Match 'First version: sessions, the HTTP pipeline, Get-CbDevice and Invoke-CbApi'
        $notes | Should -Match "$($manifest.CmdletsToExport.Count) cmdlets"
        $notes | Should -Match 'legacy API generation'
        $notes | Should -Match 'current one \(devices v6'
        $notes | Should -Match 'Set-CbDevice'
        $notes | Should -Match 'Live Response on both generations'
        foreach ($word in 'Get-CbDevice', 'Get-CbEvent', 'Watch-CbNotification', 'Invoke-CbApi', 'about_CbDefense', 'Install-PSResource', 'dependencies/') {
            $notes | Should -Match ([regex]::Escape($word))
        }
    }
}
