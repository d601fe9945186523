# The Bench task: enumeration of 100,000 devices from the emulator, three ways, and a bulk device action
# (quarantine 10,000 devices) against one request per device, Live Response (a 256 MiB download, a command on 100
# devices) and Get-CbAlert of 50,000 alerts against an Invoke-RestMethod loop, in one run; prints ratios.
# Each scenario runs in its own pwsh process so its peak memory is its own; time is measured inside the
# process around the enumeration only. Benchmarks report; no test asserts a wall-clock time. The module and its bare
# C# reader baseline take turns (-Turns, 5) and the median of the turns' ratios is reported: on a shared machine the
# speed drifts over minutes, and a turn compares two runs made seconds apart.
# The soak section (last; alone with -Only Soak) makes 10,000 cmdlet calls in one process and reports the growth of
# its handles and memory after the first 1,000: a leak per call shows as growth that keeps going.
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [string] $Configuration = 'Release',
    [int] $Devices = 100000,
    # Runs of each fast scenario; the median is reported (the machine is shared and noisy).
    [int] $Repeat = 3,
    # Turns of each module / bare reader comparison (baseline and module alternate; the median ratio is reported).
    [int] $Turns = 5,
    # Runs only this section (the others take many minutes).
    # Devices: the two enumeration sections only (both generations).
    [ValidateSet('Soak', 'Devices')] [string] $Only,
    # Cmdlet calls of the soak section, and how many of them are the warm-up its growth is measured from.
    [int] $SoakCalls = 10000,
    [int] $SoakWarmUp = 1000
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
    # The spread of the runs (fastest-slowest), so a reader sees how far one median can be trusted on a noisy machine.
    $median | Add-Member -NotePropertyName Spread -NotePropertyValue ('{0}-{1}' -f $sorted[0].Seconds, $sorted[-1].Seconds)
    $median | Add-Member -NotePropertyName Runs -NotePropertyValue $Times -PassThru
}

# A baseline and the module in turns (baseline, module, baseline, module, ...), so drift of a noisy machine over the
# minutes a section takes falls on both alike. Returns the two median rows and the median of the per-turn ratios
# (module / baseline), which is what the ratio lines report.
function Invoke-Paired([string] $BaseName, [string] $BaseScript, [hashtable] $BaseArguments,
                       [string] $Name, [string] $Script, [hashtable] $Arguments, $Emulator, [int] $Times) {
    $base = @(); $runs = @(); $ratios = @()
    for ($i = 0; $i -lt $Times; $i++) {
        $b = Invoke-Scenario $BaseName $BaseScript $Emulator $BaseArguments
        $m = Invoke-Scenario $Name $Script $Emulator $Arguments
        $base += $b; $runs += $m
        $ratios += $m.Seconds / $b.Seconds
    }
    $pick = {
        param($list)
        $sorted = @($list | Sort-Object Seconds)
        $median = $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)]
        $median | Add-Member -NotePropertyName Spread -NotePropertyValue ('{0}-{1}' -f $sorted[0].Seconds, $sorted[-1].Seconds)
        $median | Add-Member -NotePropertyName Runs -NotePropertyValue $list.Count -PassThru
    }
    $sortedRatios = @($ratios | Sort-Object)
    [pscustomobject]@{
        Baseline = & $pick $base
        Module   = & $pick $runs
        Ratio    = [math]::Round($sortedRatios[[int][math]::Floor(($sortedRatios.Count - 1) / 2)], 2)
        Ratios   = ($ratios | ForEach-Object { [math]::Round($_, 2) }) -join ' '
    }
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
        BeforeMemoryMB = if ($result.PSObject.Properties['BeforeBytes']) { [math]::Round([double]$result.BeforeBytes / 1MB, 1) } else { $null }
    }
}

$moduleScenario = @'
param($ModulePath, $Uri, $Token, $OrgKey, $First, $Generation = 'Legacy', $Warm = 0)
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
$secret, $id = $Token -split '/', 2
$null = Connect-CbDefense -Uri $Uri -ApiId $id -ApiSecretKey (ConvertTo-SecureString $secret -AsPlainText -Force) -OrgKey $OrgKey -ApiGeneration $Generation
# Warm: the same enumeration once before the timed one, in the same process (the code is compiled and tiered up).
if ([int]$Warm) { $null = Get-CbDevice | Measure-Object }
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

# The current-API baseline: a bare C# reader of the same pages as the module (one 100-row _search, then _scroll with
# 1,000 rows and search_after until the cursor is empty), only parsing the JSON.
$currentReaderScenario = @'
param($ModulePath, $Uri, $Token, $OrgKey, $First, $Warm = 0)
Add-Type -IgnoreWarnings -ReferencedAssemblies ([Newtonsoft.Json.JsonConvert].Assembly.Location), System.Net.Http, System.Net.Primitives, System.Runtime, System.Private.CoreLib, System.Collections, System.Linq -TypeDefinition @"
using System;
using System.IO;
using System.Net.Http;
using System.Text;
using Newtonsoft.Json;
public static class BareCurrentReader {
    static int Page(HttpClient http, string url, string body, ref string after) {
        var content = new StringContent(body, Encoding.UTF8, "application/json");
        using (var resp = http.PostAsync(url, content, default).GetAwaiter().GetResult())
        using (var stream = resp.Content.ReadAsStreamAsync().GetAwaiter().GetResult())
        using (var reader = new JsonTextReader(new StreamReader(stream))) {
            int n = 0; bool inResults = false; after = null;
            while (reader.Read()) {
                if (reader.Depth == 1 && reader.TokenType == JsonToken.PropertyName) {
                    string name = (string)reader.Value;
                    if (name == "search_after") { after = reader.ReadAsString(); }
                    inResults = name == "results";
                }
                else if (inResults && reader.Depth == 2 && reader.TokenType == JsonToken.StartObject) n++;
            }
            return n;
        }
    }
    public static int Run(string uri, string token, string org) {
        using (var http = new HttpClient()) {
            http.DefaultRequestHeaders.Add("X-Auth-Token", token);
            string after = null;
            int count = Page(http, uri + "/appservices/v6/orgs/" + org + "/devices/_search", "{\"rows\":100,\"start\":1}", ref after);
            after = null;
            while (true) {
                string body = after == null ? "{\"rows\":1000}" : "{\"rows\":1000,\"search_after\":\"" + after + "\"}";
                int n = Page(http, uri + "/appservices/v6/orgs/" + org + "/devices/_scroll", body, ref after);
                count += n;
                if (n == 0 || string.IsNullOrEmpty(after)) break;
            }
            return count - 100;
        }
    }
}
"@
if ([int]$Warm) { $null = [BareCurrentReader]::Run($Uri, $Token, $OrgKey) }
[GC]::Collect()
$sw = [Diagnostics.Stopwatch]::StartNew()
$n = [BareCurrentReader]::Run($Uri, $Token, $OrgKey)
$sw.Stop()
[pscustomobject]@{ Count = $n; Seconds = $sw.Elapsed.TotalSeconds; PeakBytes = [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 } | ConvertTo-Json -Compress
'@

# By hand on the current API: _scroll with Invoke-RestMethod, 10,000 rows a page (the most it takes).
$currentIrmScenario = @'
param($ModulePath, $Uri, $Token, $OrgKey, $First)
$ProgressPreference = 'SilentlyContinue'
[GC]::Collect()
$sw = [Diagnostics.Stopwatch]::StartNew()
$headers = @{ 'X-Auth-Token' = $Token }
$all = [System.Collections.Generic.List[object]]::new()
$body = @{ rows = 10000 }
do {
    $page = Invoke-RestMethod -Method Post -Uri "$Uri/appservices/v6/orgs/$OrgKey/devices/_scroll" -Headers $headers -Body ($body | ConvertTo-Json) -ContentType 'application/json'
    foreach ($d in $page.results) { $all.Add($d) }
    $body = @{ rows = 10000; search_after = $page.search_after }
} while (@($page.results).Count -gt 0 -and $page.search_after)
$n = $all.Count
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

# Bulk device actions: the requests the scenario sent (all, and device_actions POSTs) and its time.
function Invoke-ActionScenario([string] $Name, [string] $Script, $Emulator, [hashtable] $Arguments) {
    $route = 'POST /appservices/v6/orgs/{org_key}/device_actions'
    $before = Invoke-CbEmulatorAdmin -Emulator $Emulator -Path stats
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
    $after = Invoke-CbEmulatorAdmin -Emulator $Emulator -Path stats
    $actions = { param($stats) $v = $stats.routes.PSObject.Properties[$route]; if ($v) { [long]$v.Value } else { 0L } }
    [pscustomobject]@{
        Scenario       = $Name
        Devices        = [int]$result.Count
        Seconds        = [math]::Round([double]$result.Seconds, 2)
        DevicesPerSec  = [math]::Round([double]$result.Count / [double]$result.Seconds)
        Requests       = $after.totalRequests - $before.totalRequests
        ActionRequests = (& $actions $after) - (& $actions $before)
    }
}

# Quarantine N devices piped from Get-CbDevice: batches of 1,000 ids per request (the default -BatchSize).
$quarantineScenario = @'
param($ModulePath, $Uri, $Token, $OrgKey, $First)
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
$secret, $id = $Token -split '/', 2
$null = Connect-CbDefense -Uri $Uri -ApiId $id -ApiSecretKey (ConvertTo-SecureString $secret -AsPlainText -Force) -OrgKey $OrgKey
$sw = [Diagnostics.Stopwatch]::StartNew()
Get-CbDevice -First $First | Set-CbDeviceQuarantine -Enabled $true -Force -ErrorVariable failed
$sw.Stop()
if ($failed.Count) { throw "$($failed.Count) errors" }
[pscustomobject]@{ Count = [int]$First; Seconds = $sw.Elapsed.TotalSeconds } | ConvertTo-Json -Compress
'@

# The baseline: the same devices listed with Invoke-RestMethod, then one device_actions POST per device
# (every one of the N devices, not a sample), releasing them again.
$perDeviceScenario = @'
param($ModulePath, $Uri, $Token, $OrgKey, $First)
$ProgressPreference = 'SilentlyContinue'
$headers = @{ 'X-Auth-Token' = $Token }
$sw = [Diagnostics.Stopwatch]::StartNew()
$ids = [System.Collections.Generic.List[long]]::new()
$start = 1
while ($ids.Count -lt [int]$First) {
    $rows = [math]::Min(5000, [int]$First - $ids.Count)
    $page = Invoke-RestMethod -Uri "$Uri/integrationServices/v3/device?rows=$rows&start=$start" -Headers $headers
    if (@($page.results).Count -eq 0) { break }
    foreach ($d in $page.results) { $ids.Add([long]$d.deviceId) }
    $start += @($page.results).Count
}
foreach ($id in $ids) {
    $body = @{ action_type = 'QUARANTINE'; device_id = @($id); options = @{ toggle = 'OFF' } } | ConvertTo-Json -Compress
    $null = Invoke-RestMethod -Method Post -Uri "$Uri/appservices/v6/orgs/$OrgKey/device_actions" -Headers $headers -Body $body -ContentType 'application/json'
}
$sw.Stop()
[pscustomobject]@{ Count = $ids.Count; Seconds = $sw.Elapsed.TotalSeconds } | ConvertTo-Json -Compress
'@

# Soak: one process makes $SoakCalls cmdlet calls, a loop of Get-CbDevice -First 1, a quarantine on and off and a
# policy read; handles, working set and managed memory (after a full GC) are sampled every $SoakWarmUp calls.
$soakScenario = @'
param($ModulePath, $Uri, $Token, $OrgKey, $Calls, $Every)
$ProgressPreference = 'SilentlyContinue'
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$secret, $id = $Token -split '/', 2
$null = Connect-CbDefense -Uri $Uri -ApiId $id -ApiSecretKey (ConvertTo-SecureString $secret -AsPlainText -Force) -OrgKey $OrgKey
$deviceId = (Get-CbDevice -First 1).DeviceId
$policyId = @(Get-CbPolicy)[0].Id
$p = [Diagnostics.Process]::GetCurrentProcess()
$samples = [System.Collections.Generic.List[object]]::new()
function Sample([int] $Calls) {
    [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
    $p.Refresh()
    $samples.Add([pscustomobject]@{ Calls = $Calls; Handles = $p.HandleCount; WorkingSet = $p.WorkingSet64; Managed = [GC]::GetTotalMemory($true) })
}
$sw = [Diagnostics.Stopwatch]::StartNew()
$n = 0
while ($n -lt [int]$Calls) {
    switch ($n % 4) {
        0 { $null = Get-CbDevice -First 1 }
        1 { Set-CbDeviceQuarantine -DeviceId $deviceId -Enabled $true -Confirm:$false }
        2 { Set-CbDeviceQuarantine -DeviceId $deviceId -Enabled $false -Confirm:$false }
        3 { $null = Get-CbPolicy -Id $policyId }
    }
    $n++
    if ($n % [int]$Every -eq 0) { Sample $n }
}
$sw.Stop()
[pscustomobject]@{ Count = $n; Seconds = $sw.Elapsed.TotalSeconds; Samples = $samples } | ConvertTo-Json -Compress -Depth 3
'@

function Invoke-SoakSection {
    Write-Host "Soak: $SoakCalls cmdlet calls in one process (Get-CbDevice -First 1, quarantine on/off, Get-CbPolicy -Id)..."
    $soakEmulator = Start-CbEmulator -Devices 1000 -Events 10 -Seed 7
    try {
        $file = Join-Path ([System.IO.Path]::GetTempPath()) "cbbench-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content -Path $file -Value $soakScenario
        $before = (Invoke-CbEmulatorAdmin -Emulator $soakEmulator -Path stats).totalRequests
        try {
            $out = & dotnet $pwsh -NoProfile -NonInteractive -File $file -ModulePath $ModulePath -Uri $soakEmulator.Uri `
                -Token $soakEmulator.ApiToken -OrgKey $soakEmulator.OrgKey -Calls $SoakCalls -Every $SoakWarmUp
            if ($LASTEXITCODE -ne 0) { throw "Scenario 'soak' failed: $out" }
        }
        finally { Remove-Item $file -ErrorAction SilentlyContinue }
        $requests = (Invoke-CbEmulatorAdmin -Emulator $soakEmulator -Path stats).totalRequests - $before
    }
    finally { Stop-CbEmulator $soakEmulator }
    $result = ($out | Select-Object -Last 1) | ConvertFrom-Json
    $samples = @($result.Samples)
    $samples | Format-Table -AutoSize -Property Calls, Handles,
        @{ n = 'WorkingSetMB'; e = { [math]::Round($_.WorkingSet / 1MB, 1) } },
        @{ n = 'ManagedMB'; e = { [math]::Round($_.Managed / 1MB, 2) } } | Out-String -Width 200 | Write-Host
    $warm = $samples[0]; $end = $samples[-1]; $mid = $samples[[int][math]::Floor(($samples.Count - 1) / 2)]
    $ratio = { param($a, $b) if ([double]$b -gt 0) { [math]::Round([double]$a / [double]$b, 3) } else { $null } }
    [pscustomobject][ordered]@{
        'soak: calls, requests, seconds'                 = "$($result.Count), $requests, $([math]::Round($result.Seconds, 1))"
        "soak: handle growth after $($warm.Calls) calls"      = $end.Handles - $warm.Handles
        'soak: handles end / after warm-up (target ~1)'   = & $ratio $end.Handles $warm.Handles
        'soak: working set growth, MB'                   = [math]::Round(($end.WorkingSet - $warm.WorkingSet) / 1MB, 1)
        'soak: working set end / after warm-up (~1)'     = & $ratio $end.WorkingSet $warm.WorkingSet
        'soak: managed memory growth, MB'                = [math]::Round(($end.Managed - $warm.Managed) / 1MB, 2)
        'soak: managed end / after warm-up (target ~1)'   = & $ratio $end.Managed $warm.Managed
        # A leak grows as much in the second half as in the first; warm-up effects do not.
        "soak: last $($end.Calls - $mid.Calls) calls: handles, WS, managed MB" = "$($end.Handles - $mid.Handles), $([math]::Round(($end.WorkingSet - $mid.WorkingSet) / 1MB, 1)), $([math]::Round(($end.Managed - $mid.Managed) / 1MB, 2))"
    } | Format-List | Out-String -Width 200 | Write-Host
}

if ($Only -eq 'Soak') { Invoke-SoakSection; return }

$emulator = $null
try {
    Write-Host "Starting the emulator with $Devices devices..."
    $emulator = Start-CbEmulator -Devices $Devices -Events 100 -Seed 1
    $common = @{ ModulePath = $ModulePath; Uri = $emulator.Uri; Token = $emulator.ApiToken; OrgKey = $emulator.OrgKey; First = 0 }

    Write-Host 'Warm-up (not reported)...'
    $null = Invoke-Scenario 'warm-up' $readerScenario $emulator $common

    $tenK = $common.Clone(); $tenK.First = 10000
    $legacyPair = Invoke-Paired 'Bare C# reader (baseline)' $readerScenario $common 'Get-CbDevice | Measure-Object' $moduleScenario $common $emulator $Turns
    $rows = @(
        $legacyPair.Baseline
        $legacyPair.Module
        Invoke-Median 'Get-CbDevice -First 10000' $moduleScenario $emulator $tenK $Repeat
        Invoke-Median 'Invoke-RestMethod loop' $irmScenario $emulator $common 1
    )
    $rows | Format-Table -AutoSize -Property Scenario, Devices, Seconds, Spread, Requests, PeakMemoryMB | Out-String -Width 200 | Write-Host
    $module = $rows[1]; $small = $rows[2]; $irm = $rows[3]
    $ratios = [ordered]@{
        'module time / bare reader time, median of turns (target <= 1.5)' = $legacyPair.Ratio
        'module / bare reader, each turn'                        = $legacyPair.Ratios
        'Invoke-RestMethod time / module time (target >= 3)'     = [math]::Round($irm.Seconds / $module.Seconds, 2)
        'module peak memory 100k / 10k (target <= 1.3)'          = [math]::Round($module.PeakMemoryMB / $small.PeakMemoryMB, 2)
    }
    [pscustomobject]$ratios | Format-List | Out-String -Width 200 | Write-Host

    Write-Host "The current API (devices v6: one _search, then _scroll), $Devices devices, a Custom key..."
    $current = $common.Clone(); $current.Token = $emulator.CustomToken; $current.Generation = 'Current'
    $currentTenK = $current.Clone(); $currentTenK.First = 10000
    $currentReaderArgs = $current.Clone(); $currentReaderArgs.Remove('Generation')
    # The emulator's v6 routes compile on their first use: once untimed, so the first baseline turn does not pay for it.
    $null = Invoke-Scenario 'warm-up (v6)' $currentReaderScenario $emulator $currentReaderArgs
    $currentPair = Invoke-Paired 'Bare C# reader, v6 (baseline)' $currentReaderScenario $currentReaderArgs 'Get-CbDevice | Measure-Object (Current)' $moduleScenario $current $emulator $Turns
    $currentRows = @(
        $currentPair.Baseline
        $currentPair.Module
        Invoke-Median 'Get-CbDevice -First 10000 (Current)' $moduleScenario $emulator $currentTenK $Repeat
        Invoke-Median 'Invoke-RestMethod _scroll loop' $currentIrmScenario $emulator $currentReaderArgs 1
    )
    $currentRows | Format-Table -AutoSize -Property Scenario, Devices, Seconds, Spread, Requests, PeakMemoryMB | Out-String -Width 200 | Write-Host
    $cModule = $currentRows[1]; $cSmall = $currentRows[2]; $cIrm = $currentRows[3]
    [pscustomobject][ordered]@{
        'Current: module time / bare reader time, median of turns (target <= 1.3)' = $currentPair.Ratio
        'Current: module / bare reader, each turn'                    = $currentPair.Ratios
        'Current: Invoke-RestMethod time / module time (target >= 5)' = [math]::Round($cIrm.Seconds / $cModule.Seconds, 2)
        'Current: module peak memory 100k / 10k (target <= 1.3)'     = [math]::Round($cModule.PeakMemoryMB / $cSmall.PeakMemoryMB, 2)
    } | Format-List | Out-String -Width 200 | Write-Host

    # The same two in a warm process (each enumerates once untimed first): what is left when the first run's
    # compilation is paid, i.e. the cost per device of the module against the bare reader.
    $warmReaderArgs = $currentReaderArgs.Clone(); $warmReaderArgs.Warm = 1
    $warmModuleArgs = $current.Clone(); $warmModuleArgs.Warm = 1
    $warmPair = Invoke-Paired 'Bare C# reader, v6, warm process' $currentReaderScenario $warmReaderArgs 'Get-CbDevice (Current), warm process' $moduleScenario $warmModuleArgs $emulator $Turns
    @($warmPair.Baseline, $warmPair.Module) | Format-Table -AutoSize -Property Scenario, Devices, Seconds, Spread, Requests | Out-String -Width 200 | Write-Host
    [pscustomobject][ordered]@{
        'Current, warm process: module time / bare reader time, median of turns' = $warmPair.Ratio
        'Current, warm process: each turn'                        = $warmPair.Ratios
    } | Format-List | Out-String -Width 200 | Write-Host
    if ($Only -eq 'Devices') { return }

    # What Import-Module adds to PowerShell's start-up: median of 5 cold starts with and without it.
    $startup = {
        param([string] $Command)
        $times = foreach ($i in 1..5) {
            $sw = [Diagnostics.Stopwatch]::StartNew()
            & dotnet $pwsh -NoProfile -NonInteractive -Command $Command | Out-Null
            $sw.Elapsed.TotalSeconds
        }
        ($times | Sort-Object)[2]
    }
    $bare = & $startup '$null = 1'
    $withModule = & $startup "Import-Module '$ModulePath'"
    [pscustomobject]@{
        'pwsh start (s)'                      = [math]::Round($bare, 2)
        'pwsh start + Import-Module (s)'      = [math]::Round($withModule, 2)
        'Import-Module adds (s)'              = [math]::Round($withModule - $bare, 2)
    } | Format-List | Out-String -Width 200 | Write-Host

    Write-Host 'Bulk action: quarantine 10,000 devices piped from Get-CbDevice, against one request per device...'
    $actionArgs = $common.Clone(); $actionArgs.First = [math]::Min(10000, $Devices)
    $actionRows = @(
        Invoke-ActionScenario 'Get-CbDevice | Set-CbDeviceQuarantine' $quarantineScenario $emulator $actionArgs
        Invoke-ActionScenario 'IRM, one POST per device (baseline)' $perDeviceScenario $emulator $actionArgs
    )
    $actionRows | Format-Table -AutoSize -Property Scenario, Devices, Seconds, Requests, ActionRequests | Out-String -Width 200 | Write-Host
    $bulk = $actionRows[0]; $single = $actionRows[1]
    [pscustomobject][ordered]@{
        'per-device action requests / module action requests'  = [math]::Round($single.ActionRequests / [math]::Max(1, $bulk.ActionRequests), 1)
        'per-device time / module time (target > 1)'          = [math]::Round($single.Seconds / $bulk.Seconds, 2)
    } | Format-List | Out-String -Width 200 | Write-Host

    Stop-CbEmulator $emulator
    $emulator = $null

    # Live Response: a 256 MiB download against curl on the same content route, and a command on 100 devices at
    # -ThrottleLimit 10 against -ThrottleLimit 1.
    Write-Host 'Live Response: starting an emulator with a 256 MiB C:\TEMP\large.bin and 300 devices...'
    $emulator = Start-CbEmulator -Devices 300 -Events 10 -Seed 3 -ExtraArguments @(
        '--lr-large-file-mb', '256', '--lr-session-delay-ms', '100', '--lr-command-delay-ms', '50', '--lr-session-cap', '100')
    $lrToken = $emulator.LrToken
    $headers = @{ 'X-Auth-Token' = $emulator.ApiToken }
    $windows = @((Invoke-RestMethod -Uri "$($emulator.Uri)/integrationServices/v3/device?rows=5000" -Headers $headers).results |
        Where-Object { $_.deviceType -eq 'WINDOWS' -and $_.status -eq 'REGISTERED' })
    $device = $windows[0].deviceId

    $receiveScenario = @'
param($ModulePath, $Uri, $Token, $OrgKey, $First, $Device, $Target)
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
$secret, $id = $Token -split '/', 2
$null = Connect-CbDefense -Uri $Uri -ApiId $id -ApiSecretKey (ConvertTo-SecureString $secret -AsPlainText -Force) -OrgKey $OrgKey -ApiGeneration Legacy
$lr = New-CbLiveResponseSession -DeviceId $Device
$null = $lr | Receive-CbLiveResponseFile -Path 'C:\TEMP\test.txt' -Destination "$Target.warm" -Force
[GC]::Collect()
$p = [Diagnostics.Process]::GetCurrentProcess(); $p.Refresh()
$before = $p.WorkingSet64
$sw = [Diagnostics.Stopwatch]::StartNew()
$f = $lr | Receive-CbLiveResponseFile -Path 'C:\TEMP\large.bin' -Destination $Target -Force -PassThru
$sw.Stop()
$p.Refresh()
$lr | Remove-CbLiveResponseSession
[pscustomobject]@{ Count = $f.Length; Seconds = $sw.Elapsed.TotalSeconds; PeakBytes = $p.PeakWorkingSet64; BeforeBytes = $before } | ConvertTo-Json -Compress
'@

    $fanScenario = @'
param($ModulePath, $Uri, $Token, $OrgKey, $First, $Devices, $Throttle)
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
$secret, $id = $Token -split '/', 2
$null = Connect-CbDefense -Uri $Uri -ApiId $id -ApiSecretKey (ConvertTo-SecureString $secret -AsPlainText -Force) -OrgKey $OrgKey -ApiGeneration Legacy
$ids = [long[]]($Devices -split ',')
$sw = [Diagnostics.Stopwatch]::StartNew()
$r = @($ids | ForEach-Object { [pscustomobject]@{ DeviceId = $_ } } |
    Start-CbLiveResponseProcess -CommandLine 'cmd.exe /c echo hello' -Wait -ThrottleLimit ([int]$Throttle) -Confirm:$false -ErrorVariable failed)
$sw.Stop()
if ($failed.Count) { throw "$($failed.Count) errors: $($failed[0])" }
[pscustomobject]@{ Count = @($r | Where-Object { $_.Output -match 'hello' }).Count; Seconds = $sw.Elapsed.TotalSeconds; PeakBytes = 0 } | ConvertTo-Json -Compress
'@

    $target = Join-Path ([System.IO.Path]::GetTempPath()) "cbbench-large-$([guid]::NewGuid().ToString('N')).bin"
    try {
        $lrArgs = @{ ModulePath = $ModulePath; Uri = $emulator.Uri; Token = $lrToken; OrgKey = $emulator.OrgKey; First = 0; Device = $device; Target = $target }
        $receive = @(1..$Repeat | ForEach-Object { Invoke-Scenario 'Receive-CbLiveResponseFile 256 MiB' $receiveScenario $emulator $lrArgs } | Sort-Object Seconds)[[int][math]::Floor(($Repeat - 1) / 2)]
        $file = "$target.curl"
        # The same content route with curl: a session, a get file command, then the bytes to a file.
        $h = @{ 'X-Auth-Token' = $lrToken }
        $base = "$($emulator.Uri)/integrationServices/v3/cblr"
        $sess = Invoke-RestMethod -Method Post -Uri "$base/session/$device" -Headers $h -Body (@{ sensor_id = $device } | ConvertTo-Json) -ContentType 'application/json'
        while ((Invoke-RestMethod -Uri "$base/session/$($sess.id)" -Headers $h).status -ne 'ACTIVE') { Start-Sleep -Milliseconds 50 }
        $curlTimes = foreach ($i in 1..$Repeat) {
            $cmd = Invoke-RestMethod -Method Post -Uri "$base/session/$($sess.id)/command" -Headers $h -ContentType 'application/json' `
                -Body (@{ session_id = $sess.id; name = 'get file'; object = 'C:\TEMP\large.bin' } | ConvertTo-Json)
            while ((Invoke-RestMethod -Uri "$base/session/$($sess.id)/command/$($cmd.id)" -Headers $h).status -ne 'complete') { Start-Sleep -Milliseconds 20 }
            $sw = [Diagnostics.Stopwatch]::StartNew()
            & curl -s -f -o $file -H "X-Auth-Token: $lrToken" "$base/session/$($sess.id)/file/$($cmd.file_id)/content"
            if ($LASTEXITCODE -ne 0) { throw "curl failed ($LASTEXITCODE)" }
            $sw.Elapsed.TotalSeconds
        }
        $null = Invoke-RestMethod -Method Put -Uri "$base/session" -Headers $h -ContentType 'application/json' -Body (@{ session_id = $sess.id; status = 'CLOSE' } | ConvertTo-Json)
        $curlSeconds = @($curlTimes | Sort-Object)[[int][math]::Floor(($Repeat - 1) / 2)]
        $mb = 256
        $ids = (@($windows | Select-Object -First 100).deviceId) -join ','
        $fan10 = Invoke-Scenario 'Start-CbLiveResponseProcess -Wait, 100 devices, -ThrottleLimit 10' $fanScenario $emulator @{ ModulePath = $ModulePath; Uri = $emulator.Uri; Token = $lrToken; OrgKey = $emulator.OrgKey; First = 0; Devices = $ids; Throttle = 10 }
        $fan1 = Invoke-Scenario 'Start-CbLiveResponseProcess -Wait, 100 devices, -ThrottleLimit 1' $fanScenario $emulator @{ ModulePath = $ModulePath; Uri = $emulator.Uri; Token = $lrToken; OrgKey = $emulator.OrgKey; First = 0; Devices = $ids; Throttle = 1 }
        @($fan10, $fan1) | Format-Table -AutoSize -Property Scenario, Devices, Seconds, Requests | Out-String -Width 200 | Write-Host
        [pscustomobject][ordered]@{
            'Receive-CbLiveResponseFile MB/s'                              = [math]::Round($mb / $receive.Seconds, 1)
            'curl MB/s (same content route)'                               = [math]::Round($mb / $curlSeconds, 1)
            'module throughput / curl throughput (target >= 0.8)'          = [math]::Round($curlSeconds / $receive.Seconds, 2)
            'module peak memory growth during the download, MB (target <= 32)' = [math]::Round([double]$receive.PeakMemoryMB - [double]$receive.BeforeMemoryMB, 1)
            'fan-out: time at -ThrottleLimit 1 / time at 10 (target >= 5)'  = [math]::Round($fan1.Seconds / $fan10.Seconds, 2)
        } | Format-List | Out-String -Width 200 | Write-Host
    }
    finally {
        Remove-Item $target, "$target.warm", "$target.curl" -ErrorAction SilentlyContinue
    }

    Stop-CbEmulator $emulator
    $emulator = $null

    # Alerts v7: Get-CbAlert of 50,000 alerts in one time range (past the 10,000-hit window, so the window moves on
    # backend_timestamp) against a hand-written Invoke-RestMethod loop doing the same on the same route, and the
    # module's peak memory for 50,000 against 5,000 alerts.
    $alertCount = 50000
    Write-Host "Alerts: starting an emulator with $alertCount alerts..."
    $emulator = Start-CbEmulator -Devices 100 -Events 10 -Seed 5 -ExtraArguments @('--alerts', "$alertCount")
    $alertScenario = @'
param($ModulePath, $Uri, $Token, $OrgKey, $First)
$ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
$secret, $id = $Token -split '/', 2
$null = Connect-CbDefense -Uri $Uri -ApiId $id -ApiSecretKey (ConvertTo-SecureString $secret -AsPlainText -Force) -OrgKey $OrgKey -ApiGeneration Current
[GC]::Collect()
$sw = [Diagnostics.Stopwatch]::StartNew()
$n = if ([int]$First -gt 0) { (Get-CbAlert -Range all -First $First | Measure-Object).Count } else { (Get-CbAlert -Range all | Measure-Object).Count }
$sw.Stop()
[pscustomobject]@{ Count = $n; Seconds = $sw.Elapsed.TotalSeconds; PeakBytes = [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 } | ConvertTo-Json -Compress
'@
    # By hand: the v7 search sorted by backend_timestamp, 1,000 rows a page (the module's page), and past 10,000 hits
    # the same window moved on from the last timestamp with the boundary's ids dropped.
    $alertIrmScenario = @'
param($ModulePath, $Uri, $Token, $OrgKey, $First)
$headers = @{ 'X-Auth-Token' = $Token }
$url = "$Uri/api/alerts/v7/orgs/$OrgKey/alerts/_search"
$sw = [Diagnostics.Stopwatch]::StartNew()
$seen = [System.Collections.Generic.HashSet[string]]::new()
$from = $null; $n = 0
while ($true) {
    $start = 1; $last = $null; $got = 0
    while ($start -le 10000) {
        $body = @{ time_range = @{ range = 'all' }; rows = 1000; start = $start; sort = @(@{ field = 'backend_timestamp'; order = 'ASC' }, @{ field = 'id'; order = 'ASC' }) }
        if ($from) { $body.criteria = @{ backend_timestamp = @{ start = $from; end = (Get-Date).ToUniversalTime().AddMinutes(1).ToString('o') } } }
        $page = Invoke-RestMethod -Method Post -Uri $url -Headers $headers -ContentType 'application/json' -Body ($body | ConvertTo-Json -Depth 5)
        foreach ($a in $page.results) { if ($seen.Add($a.id)) { $n++; $got++ }; $last = $a.backend_timestamp }
        if (@($page.results).Count -lt 1000) { break }
        $start += 1000
    }
    if ($start -le 10000 -or $got -eq 0) { break }
    $from = $last
}
$sw.Stop()
[pscustomobject]@{ Count = $n; Seconds = $sw.Elapsed.TotalSeconds; PeakBytes = [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 } | ConvertTo-Json -Compress
'@
    $alertArgs = @{ ModulePath = $ModulePath; Uri = $emulator.Uri; Token = $emulator.CustomToken; OrgKey = $emulator.OrgKey; First = 0 }
    $alertSmall = $alertArgs.Clone(); $alertSmall.First = 5000
    $alertRows = @(
        Invoke-Median "Get-CbAlert -Range all ($alertCount)" $alertScenario $emulator $alertArgs $Repeat
        Invoke-Median 'Get-CbAlert -Range all -First 5000' $alertScenario $emulator $alertSmall $Repeat
        Invoke-Median 'Invoke-RestMethod v7 _search loop' $alertIrmScenario $emulator $alertArgs 1
    )
    $alertRows | Format-Table -AutoSize -Property Scenario, Devices, Seconds, Spread, Requests, PeakMemoryMB | Out-String -Width 200 | Write-Host
    [pscustomobject][ordered]@{
        'alerts: Invoke-RestMethod time / Get-CbAlert time (target >= 5)' = [math]::Round($alertRows[2].Seconds / $alertRows[0].Seconds, 2)
        'alerts: module peak memory 50k / 5k (target <= 1.3)'             = [math]::Round($alertRows[0].PeakMemoryMB / $alertRows[1].PeakMemoryMB, 2)
        'alerts: every alert read (module, loop)'                          = "$($alertRows[0].Devices), $($alertRows[2].Devices) of $alertCount"
    } | Format-List | Out-String -Width 200 | Write-Host
}
finally {
    if ($emulator) { Stop-CbEmulator $emulator }
}

Invoke-SoakSection
