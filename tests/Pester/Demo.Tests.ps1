# The demo (build.ps1 Demo runs tools/Demo.ps1 on the built module): redirected to a file, as in
# "dotnet pwsh ./build.ps1 Demo > demo.txt", it writes plain text no wider than 120 columns.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}
AfterAll { Assert-CbNoSecretLeak }

Describe 'The demo' {
    It 'runs redirected with no ANSI escape codes and no line wider than 120 columns' {
        $exe = (Get-Process -Id $PID).Path
        $psi = [System.Diagnostics.ProcessStartInfo]::new($exe)
        if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $psi.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'tools/Demo.ps1'), '-ModulePath', $ModulePath) {
            $psi.ArgumentList.Add([string]$a)
        }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        [void]$psi.Environment.Remove('NO_COLOR')   # plain because the output is redirected, not because of NO_COLOR
        $p = [System.Diagnostics.Process]::Start($psi)
        $err = $p.StandardError.ReadToEndAsync()
        $out = $p.StandardOutput.ReadToEnd()
        if (-not $p.WaitForExit(180000)) { $p.Kill($true); throw 'The demo did not finish in 3 minutes.' }
        $text = $out + $err.Result
        $p.ExitCode | Should -Be 0 -Because $text
        $text | Should -Match 'Demo finished\.'
        $text.IndexOf([char]27) | Should -Be -1 -Because 'redirected output must carry no ANSI escape codes'
        foreach ($line in ($text -split '\r?\n')) {
            $line.Length | Should -BeLessOrEqual 120 -Because "'$line' must fit 120 columns"
        }
        # It shows the tables, not error records.
        $text | Should -Match 'DeviceId Name'
        $text | Should -Not -Match 'Exception|At line:'
    }
}
