# The secret guard, dot-sourced by Common.ps1 (so by every test file): while a file runs, every CbDefense cmdlet
# runs with -Verbose and the debug preference Continue under Start-Transcript, its output objects and errors are kept, and the file's
# AfterAll calls Assert-CbNoSecretLeak, which fails the file if the secret of any key the file used appears, plain,
# URL-encoded or base64, in: the transcript (every stream the host showed), $Error and the kept ErrorRecords
# (Format-List * -Force, the exception chain, TargetObject), the kept objects (ToString(), ConvertTo-Json -Depth 5),
# and the files written while the file ran (temporary files and folders, TestDrive).
# The secrets: the emulator's keys (tools/CbEmulator.psm1) and whatever a test registers with Register-CbTestSecret.

$script:CbGuard = $null

function script:Get-CbSecretForms([string] $Secret) {
    # The forms a careless client could write: as is, URL-encoded (in a query or path), base64 (a basic auth header,
    # a dump of bytes), each of the secret and of the whole SECRET/ID token.
    $forms = [ordered]@{ plain = $Secret }
    $escaped = [uri]::EscapeDataString($Secret)
    if ($escaped -ne $Secret) { $forms['url-encoded'] = $escaped }
    $forms['base64'] = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Secret))
    $forms
}

# The leaks of $Secrets in $Text: one line per (secret, form) found, naming where, the secret masked.
function script:Find-CbSecret {
    param([string] $Text, [string[]] $Secrets, [string] $Where)
    if (-not $Text) { return }
    foreach ($s in $Secrets) {
        if (-not $s -or $s.Length -lt 8) { continue }
        $forms = Get-CbSecretForms $s
        foreach ($name in $forms.Keys) {
            $i = $Text.IndexOf($forms[$name], [StringComparison]::OrdinalIgnoreCase)
            if ($i -ge 0) {
                $from = [math]::Max(0, $i - 40)
                $context = $Text.Substring($from, [math]::Min($Text.Length - $from, $forms[$name].Length + 80)).Replace($forms[$name], '<SECRET>')
                "$Where`: the secret $($s.Substring(0, 4))... ($name) in: $($context -replace '\s+', ' ')"
            }
        }
    }
}

function script:Register-CbTestSecret([Parameter(ValueFromPipeline)] [string[]] $Secret) {
    process { if ($script:CbGuard) { foreach ($s in $Secret) { if ($s) { $script:CbGuard.Secrets.Add(($s -split '/', 2)[0]) } } } }
}

function script:Start-CbSecretGuard {
    if ($script:CbGuard) { return }
    $root = [IO.Path]::GetTempPath()
    $transcript = Join-Path $root "cbguard-$([guid]::NewGuid().ToString('N')).txt"
    $secrets = [Collections.Generic.HashSet[string]]::new()
    foreach ($k in (Get-CbEmulatorDefaultKeys).Values) { $null = $secrets.Add(($k -split '/', 2)[0]) }
    $global:CbGuardOutput = [Collections.Generic.List[object]]::new()
    $global:CbGuardErrors = [Collections.Generic.List[object]]::new()
    # The module's own cmdlets only (not the emulator helpers, whose output holds the keys on purpose).
    # (-Debug as a parameter would prompt here, so the debug preference is set instead; little else writes debug.)
    $defaults = [ordered]@{ Verbose = $true; OutVariable = '+global:CbGuardOutput'; ErrorVariable = '+global:CbGuardErrors' }
    $saved = @{}
    foreach ($c in @(Get-Command -Module CbDefense -CommandType Cmdlet)) {
        foreach ($p in $defaults.Keys) {
            $k = "$($c.Name):$p"
            if ($global:PSDefaultParameterValues.Contains($k)) { $saved[$k] = $global:PSDefaultParameterValues[$k] }
            $global:PSDefaultParameterValues[$k] = $defaults[$p]
        }
    }
    # Files already there are not the file's (a log of this very run, other programs' files).
    $existing = [Collections.Generic.HashSet[string]]::new([string[]]@(
        Get-ChildItem -LiteralPath $root -File -Recurse -Depth 3 -Force -ErrorAction SilentlyContinue | ForEach-Object FullName))
    # Invoke-RestMethod's debug lines show the request headers the tests send by hand: not the module's output.
    foreach ($c in 'Invoke-RestMethod', 'Invoke-WebRequest') {
        $k = "$c`:Debug"
        if ($global:PSDefaultParameterValues.Contains($k)) { $saved[$k] = $global:PSDefaultParameterValues[$k] }
        $global:PSDefaultParameterValues[$k] = $false
    }
    $debugWas = $global:DebugPreference
    $global:DebugPreference = 'Continue'
    $null = Start-Transcript -Path $transcript -Force
    $script:CbGuard = [pscustomobject]@{
        DebugWas   = $debugWas
        Existing   = $existing
        Transcript = $transcript
        Started    = [DateTime]::UtcNow.AddSeconds(-1)
        Secrets    = $secrets
        Saved      = $saved
        Keys       = @($saved.Keys) + @('Invoke-RestMethod:Debug', 'Invoke-WebRequest:Debug') + @(foreach ($c in @(Get-Command -Module CbDefense -CommandType Cmdlet)) { foreach ($p in $defaults.Keys) { "$($c.Name):$p" } })
        Roots      = @($root)
    }
}

function script:Stop-CbSecretGuard {
    if (-not $script:CbGuard) { return }
    try { $null = Stop-Transcript } catch { }
    $global:DebugPreference = $script:CbGuard.DebugWas
    foreach ($k in @($script:CbGuard.Keys | Select-Object -Unique)) {
        if ($script:CbGuard.Saved.ContainsKey($k)) { $global:PSDefaultParameterValues[$k] = $script:CbGuard.Saved[$k] }
        else { $global:PSDefaultParameterValues.Remove($k) }
    }
}

# Files written while the file ran: new files in the temporary folder (three levels down) and TestDrive,
# below 16 MB, leaving out what tests write on purpose with a key in it (scripts run in child processes, credentials
# files, which hold the key by design) and what other programs keep there.
function script:Get-CbGuardFiles($Guard) {
    $since = $Guard.Started
    $roots = @($Guard.Roots)
    $testDrive = Get-Variable -Name TestDrive -ValueOnly -Scope Global -ErrorAction SilentlyContinue
    if ($testDrive -and (Test-Path $testDrive)) { $roots += $testDrive }
    $skip = '\.(ps1|psm1|psd1|psc|defense|dll|pdb|so|nupkg|cer|pfx|pem|key)$|credentials|\.carbonblack|cbguard-|CoreFxPipe|clr-debug|dotnet-diagnostic|NuGet|msbuild|VBCSCompiler|\.lock$'
    foreach ($root in $roots) {
        Get-ChildItem -LiteralPath $root -File -Recurse -Depth 3 -Force -ErrorAction SilentlyContinue |
            Where-Object { $_.LastWriteTimeUtc -ge $since -and -not $Guard.Existing.Contains($_.FullName) -and $_.Length -lt 16MB -and $_.FullName -notmatch $skip }
    }
}

function script:Assert-CbNoSecretLeak {
    if (-not $script:CbGuard) { return }
    Stop-CbSecretGuard
    $g = $script:CbGuard
    $script:CbGuard = $null
    $secrets = @($g.Secrets)
    $found = [Collections.Generic.List[string]]::new()
    try {
        $text = if (Test-Path $g.Transcript) { [IO.File]::ReadAllText($g.Transcript) } else { '' }
        foreach ($l in @(Find-CbSecret -Text $text -Secrets $secrets -Where 'transcript (output, verbose, debug, warnings, errors)')) { $found.Add($l) }

        $records = @($global:Error) + @($global:CbGuardErrors)
        foreach ($r in $records) {
            if ($null -eq $r) { continue }
            $parts = [Collections.Generic.List[string]]::new()
            $parts.Add(($r | Format-List * -Force | Out-String -Width 400))
            $e = if ($r -is [Management.Automation.ErrorRecord]) { $r.Exception } elseif ($r -is [Exception]) { $r } else { $null }
            while ($e) { $parts.Add($e.GetType().FullName + ': ' + $e.Message); $e = $e.InnerException }
            if ($r -is [Management.Automation.ErrorRecord]) {
                if ($null -ne $r.TargetObject) { $parts.Add([string]$r.TargetObject) }
                if ($r.ErrorDetails) { $parts.Add($r.ErrorDetails.Message); $parts.Add($r.ErrorDetails.RecommendedAction) }
            }
            foreach ($l in @(Find-CbSecret -Text ($parts -join "`n") -Secrets $secrets -Where 'an error record')) { $found.Add($l) }
        }

        # Every object's text; its JSON for up to 100 objects of each type (30,000 alerts would take minutes).
        $jsonPerType = @{}
        foreach ($o in $global:CbGuardOutput) {
            if ($null -eq $o) { continue }
            $t = $o.GetType().FullName
            foreach ($l in @(Find-CbSecret -Text ([string]$o) -Secrets $secrets -Where "$t ToString()")) { $found.Add($l) }
            if ($jsonPerType[$t] -lt 100) {
                $jsonPerType[$t] = 1 + $jsonPerType[$t]
                $json = try { $o | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue } catch { '' }
                foreach ($l in @(Find-CbSecret -Text $json -Secrets $secrets -Where "$t ConvertTo-Json")) { $found.Add($l) }
            }
        }

        foreach ($f in @(Get-CbGuardFiles $g)) {
            $content = try { [IO.File]::ReadAllText($f.FullName) } catch { '' }
            foreach ($l in @(Find-CbSecret -Text $content -Secrets $secrets -Where "file $($f.FullName)")) { $found.Add($l) }
        }
    }
    finally {
        Remove-Item -LiteralPath $g.Transcript -ErrorAction SilentlyContinue
        $global:CbGuardOutput = $null
        $global:CbGuardErrors = $null
    }
    if ($found.Count -gt 0) {
        throw "A secret was written where a user could see it ($($found.Count)):`n" + (($found | Select-Object -Unique -First 20) -join "`n")
    }
}
