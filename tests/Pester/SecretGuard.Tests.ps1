# The secret guard itself (SecretGuard.ps1): it finds each form of a secret, it fails a test file that leaks one, and
# every test file runs under it.
BeforeDiscovery { $secret = 'GUARDTESTSECRET000000042' }   # (the -ForEach data is made at discovery)
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:secret = 'GUARDTESTSECRET000000042'
}
AfterAll { Assert-CbNoSecretLeak }

Describe 'Find-CbSecret' {
    It 'finds the secret <Form>, and says where with the secret masked' -ForEach @(
        @{ Form = 'plain'; Make = { param($s) "Authorization failed for $s/ID01" } }
        @{ Form = 'url-encoded'; Make = { param($s) 'GET /x?token=' + [uri]::EscapeDataString("$s+/") } }
        @{ Form = 'base64'; Make = { param($s) 'Basic ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s)) } }
    ) {
        $s = if ($Form -eq 'url-encoded') { "$secret+/" } else { $secret }
        $hits = @(Find-CbSecret -Text (& $Make $secret) -Secrets @($s) -Where 'here')
        $hits.Count | Should -BeGreaterThan 0
        $hits[0] | Should -Match "^here: .*\($Form\)"
        $hits -join "`n" | Should -Not -Match ([regex]::Escape($secret)) -Because 'the report never repeats the secret'
    }

    It 'finds nothing in text without the secret' {
        @(Find-CbSecret -Text 'VERBOSE: POST https://x/appservices/v6/orgs/ORG/device_actions (X-Auth-Token: ********/ID01)' -Secrets @($secret) -Where 'here') |
            Should -BeNullOrEmpty
    }
}

Describe 'A test file that leaks a secret' {
    It 'fails, through its AfterAll, when the secret reaches <Where>' -ForEach @(
        @{ Where = 'the host output'; Leak = "Write-Host 'the key is $secret'" }
        @{ Where = 'the verbose stream'; Leak = "Write-Verbose 'key $secret' -Verbose" }
        @{ Where = 'an error record'; Leak = "`$null = `$Error.Insert(0, [System.Management.Automation.ErrorRecord]::new([Exception]::new('bad'), 'x', 'NotSpecified', '$secret'))" }
        @{ Where = 'a file'; Leak = "Set-Content -Path (Join-Path ([IO.Path]::GetTempPath()) 'cbguardtest-$([guid]::NewGuid().ToString('N')).json') -Value '{""token"":""$secret""}'" }
    ) {
        $dir = Join-Path ([IO.Path]::GetTempPath()) "cbguard-test-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $dir
        try {
            $file = Join-Path $dir 'Leak.Tests.ps1'
            Set-Content -Path $file -Value @"
BeforeAll { . '$(Join-Path $PSScriptRoot 'Common.ps1')'; Register-CbTestSecret '$secret' }
AfterAll { Assert-CbNoSecretLeak }
Describe 'leak' { It 'writes the secret' { $Leak } }
"@
            $pester = (Get-Module Pester).Path
            $out = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command "Import-Module '$pester'; `$r = Invoke-Pester -Path '$file' -PassThru -Output None; 'FAILED=' + (`$r.FailedCount + `$r.FailedBlocksCount + `$r.FailedContainersCount); 'MESSAGE=' + ((`$r.Containers[0].ErrorRecord | ForEach-Object { `$_.Exception.Message }) -join ' ')" 2>&1
            $text = $out -join "`n"
            $text | Should -Match 'FAILED=[1-9]' -Because "a leak to $Where fails the file"
            $message = ($text -split 'MESSAGE=', 2)[1]
            $message | Should -Match 'A secret was written where a user could see it'
            $message | Should -Not -Match ([regex]::Escape($secret)) -Because 'the failure never repeats the secret'
        }
        finally { Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue; Get-ChildItem ([IO.Path]::GetTempPath()) -Filter 'cbguardtest-*' | Remove-Item -ErrorAction SilentlyContinue }
    }
}

Describe 'Every test file' {
    It '<Name> ends its AfterAll with Assert-CbNoSecretLeak' -ForEach @(
        Get-ChildItem $PSScriptRoot -Filter '*.Tests.ps1' | ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } }
    ) {
        $text = Get-Content -Raw $Path
        $text | Should -Match 'Common\.ps1' -Because 'Common.ps1 starts the guard'
        $text | Should -Match '(?s)AfterAll \{.*Assert-CbNoSecretLeak'
    }
}
