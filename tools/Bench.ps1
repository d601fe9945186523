# The Bench task: enumeration of 100,000 devices from the emulator, three ways, in one run; prints ratios.
# Each scenario runs in its own pwsh process so its peak memory is its own; time is measured inside the
# process around the enumeration only. Benchmarks report; no test asserts a wall-clock time.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $Configuration = 'Release',
    [int] $Devices = 100000,
    # Runs of each fast scenario; the median is reported (the machine is shared and noisy).
    [int] $Repeat = 3
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module (Join-Path $PSScriptRoot 'CbEmulator.psm1') -Force

$pwsh = Join-Path $PSHOME 'pwsh.dll'

function Invoke-Median([string] $Name, [string] $Script, $Emulator, [hashtable] $Arguments, [int] $Times) {
    $runs = @(1..$Times | ForEach-Object { Invoke-Scenario $Name $Script $Emulator $Arguments })
    $sorted = @($runs | Sort-Object Seconds)
    $median = $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)]
    $median | Add-Member -NotePropertyName Runs -NotePropertyValue $Times -PassThru
}

function Invoke-Scenario([string] $Name, [string] $Script, $Emulator, [hashtable] $Arguments) {
    $before = (Invoke-CbEmulatorAdmin -Emulator $Emulator -Path stats).totalRequests
    $file = Join-Path ([System.IO.Path]::GetTempPath()) "cbbench-$([guid]::NewGuid().ToString('N')).ps1"
    Set-Content -Path $file -Value $Script
    try {
        $argList = @($pwsh, '-NoProfile', '-NonInteractive', '-File', $file)
        foreach ($k in $Arguments.Keys) { $argList += "-$k"; $argList += [string]$Arguments[$k] }
        $out = & dotnet @argList
        if ($LASTEXITCODE -ne 0) { throw "Scenario '$Name' failed: $out" }
    }
    finally { Remove-Item $file -ErrorAction SilentlyContinue }
    $result = ($out | Select-Object -Last 1) | ConvertFrom-Json
    $after = (Invoke-CbEmulatorAdmin -Emulator $Emulator -Path stats).totalRequests
    [pscustomobject]@{
        Scenario      = $Name
        Devices       = [int]$result.Count
        Seconds       = [math]::Round([double]$result.Seconds, 2)
        DevicesPerSec = [math]::Round([double]$result.Count / [double]$result.Seconds)
        Requests      = $after - $before
        PeakMemoryMB  = [math]::Round([double]$result.PeakBytes / 1MB, 1)
    }
}

$moduleScenario = @'
param($ModulePath, $Uri, $Token, $OrgKey, $First)
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
$secret, $id = $Token -split '/', 2
$null = Connect-CbDefense -Uri $Uri -ApiId $id -ApiSecretKey (ConvertTo-SecureString $secret -AsPlainText -Force) -OrgKey $OrgKey
[GC]::Collect()
$sw = [Diagnostics.Stopwatch]::StartNew()
$n = if ([int]$First -gt 0) { (Get-CbDevice -First $First | Measure-Object).Count } else { (Get-CbDevice | Measure-Object).Count }
$sw.Stop()
[pscustomobject]@{ Count = $n; Seconds = $sw.Elapsed.TotalSeconds; PeakBytes = [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 } | ConvertTo-Json -Compress
'@

# The baseline: a bare C# reader that fetches the same 1,000-row pages as the module and only parses the JSON (reads every token).
$readerScenario = @'
param($ModulePath, $Uri, $Token, $OrgKey, $First)
Add-Type -IgnoreWarnings -ReferencedAssemblies ([Newtonsoft.Json.JsonConvert].Assembly.Location), System.Net.Http, System.Net.Primitives, System.Runtime, System.Private.CoreLib, System.Collections, System.Linq -TypeDefinition @"
using System;
using System.IO;
using System.Net.Http;
using Newtonsoft.Json;
public static class BareReader {
    public static int Run(string uri, string token) {
        using (var http = new HttpClient()) {
            http.DefaultRequestHeaders.Add("X-Auth-Token", token);
            int start = 1, total = int.MaxValue, count = 0;
            while (start <= total) {
                using (var stream = http.GetStreamAsync(uri + "/integrationServices/v3/device?rows=1000&start=" + start).GetAwaiter().GetResult())
                using (var reader = new JsonTextReader(new StreamReader(stream))) {
                    // Only parse: read every token, count the objects of "results", note totalResults.
                    int n = 0; bool inResults = false;
                    while (reader.Read()) {
                        if (reader.Depth == 1 && reader.TokenType == JsonToken.PropertyName) {
                            string name = (string)reader.Value;
                            if (name == "totalResults") { total = reader.ReadAsInt32() ?? 0; }
                            inResults = name == "results";
                        }
                        else if (inResults && reader.Depth == 2 && reader.TokenType == JsonToken.StartObject) n++;
                    }
                    if (n == 0) break;
                    count += n; start += n;
                }
            }
            return count;
        }
    }
}
"@
[GC]::Collect()
$sw = [Diagnostics.Stopwatch]::StartNew()
$n = [BareReader]::Run($Uri, $Token)
$sw.Stop()
[pscustomobject]@{ Count = $n; Seconds = $sw.Elapsed.TotalSeconds; PeakBytes = [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 } | ConvertTo-Json -Compress
'@

# What an admin would write by hand: an Invoke-RestMethod paging loop.
$irmScenario = @'
param($ModulePath, $Uri, $Token, $OrgKey, $First)
$ProgressPreference = 'SilentlyContinue'
[GC]::Collect()
$sw = [Diagnostics.Stopwatch]::StartNew()
$headers = @{ 'X-Auth-Token' = $Token }
$start = 1; $all = [System.Collections.Generic.List[object]]::new()
do {
    $page = Invoke-RestMethod -Uri "$Uri/integrationServices/v3/device?rows=5000&start=$start" -Headers $headers
    foreach ($d in $page.results) { $all.Add($d) }
    $start += @($page.results).Count
} while (@($page.results).Count -gt 0 -and $start -le $page.totalResults)
$n = $all.Count
$sw.Stop()
[pscustomobject]@{ Count = $n; Seconds = $sw.Elapsed.TotalSeconds; PeakBytes = [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 } | ConvertTo-Json -Compress
'@

$emulator = $null
try {
    Write-Host "Starting the emulator with $Devices devices..."
    $emulator = Start-CbEmulator -Devices $Devices -Events 100 -Seed 1
    $common = @{ ModulePath = $ModulePath; Uri = $emulator.Uri; Token = $emulator.ApiToken; OrgKey = $emulator.OrgKey; First = 0 }

    Write-Host 'Warm-up (not reported)...'
    $null = Invoke-Scenario 'warm-up' $readerScenario $emulator $common

    $tenK = $common.Clone(); $tenK.First = 10000
    $rows = @(
        Invoke-Median 'Bare C# reader (baseline)' $readerScenario $emulator $common $Repeat
        Invoke-Median 'Get-CbDevice | Measure-Object' $moduleScenario $emulator $common $Repeat
        Invoke-Median 'Get-CbDevice -First 10000' $moduleScenario $emulator $tenK $Repeat
        Invoke-Median 'Invoke-RestMethod loop' $irmScenario $emulator $common 1
    )
    $rows | Format-Table -AutoSize | Out-Host
    $reader = $rows[0]; $module = $rows[1]; $small = $rows[2]; $irm = $rows[3]
    $ratios = [ordered]@{
        'module time / bare reader time (target <= 1.5)'        = [math]::Round($module.Seconds / $reader.Seconds, 2)
        'Invoke-RestMethod time / module time (target >= 3)'     = [math]::Round($irm.Seconds / $module.Seconds, 2)
        'module peak memory 100k / 10k (target <= 1.3)'          = [math]::Round($module.PeakMemoryMB / $small.PeakMemoryMB, 2)
    }
    [pscustomobject]$ratios | Format-List | Out-Host
}
finally {
    if ($emulator) { Stop-CbEmulator $emulator }
}
