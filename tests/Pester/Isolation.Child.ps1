# Run by Isolation.Tests.ps1 in a fresh pwsh: another module's versions of common dependencies and CbDefense in one
# process, in the given order, then both used. Writes what happened as JSON to -ResultPath.
param(
    [Parameter(Mandatory)] [ValidateSet('OthersFirst', 'ModuleFirst')] [string] $Order,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OtherPath,
    [Parameter(Mandatory)] [string] $Uri,
    [Parameter(Mandatory)] [string] $OrgKey,
    [Parameter(Mandatory)] [string] $ApiToken,
    [Parameter(Mandatory)] [string] $SiemToken,
    [Parameter(Mandatory)] [string] $CustomToken,
    [Parameter(Mandatory)] [string] $LrToken,
    [Parameter(Mandatory)] [string] $ResultPath
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$result = [ordered]@{ Order = $Order; Runs = @(); Others = $null }

# Another module's dependencies. Microsoft.Extensions.* go into the default load context, as a module that ships them
# flat gets them. pwsh itself already holds Newtonsoft.Json 13 there (Add-Type -Path of another version just returns
# that copy), so another version can only live in a load context of its own, as an isolated module keeps it.
function Import-Others {
    foreach ($name in 'Microsoft.Extensions.Primitives', 'Microsoft.Extensions.DependencyInjection.Abstractions',
        'Microsoft.Extensions.DependencyInjection', 'Microsoft.Extensions.Logging.Abstractions', 'Microsoft.Extensions.Logging',
        'Microsoft.Extensions.Options', 'Microsoft.Extensions.Http') {
        Add-Type -Path (Join-Path $OtherPath "$name.dll")
    }
    $context = [System.Runtime.Loader.AssemblyLoadContext]::new('OtherModule', $false)
    $script:otherJson = $context.LoadFromAssemblyPath((Join-Path $OtherPath 'Newtonsoft.Json.dll'))
}

# Uses them: a DI container with an IHttpClientFactory whose client calls the emulator, and the other Json.NET.
function Invoke-Others {
    $services = [Microsoft.Extensions.DependencyInjection.ServiceCollection]::new()
    $null = [Microsoft.Extensions.DependencyInjection.HttpClientFactoryServiceCollectionExtensions]::AddHttpClient($services)
    $provider = [Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions]::BuildServiceProvider($services)
    $client = $provider.GetService([System.Net.Http.IHttpClientFactory]).CreateClient('other')
    $info = $client.GetStringAsync("$Uri/_emulator/info").GetAwaiter().GetResult() | ConvertFrom-Json
    $convert = $script:otherJson.GetType('Newtonsoft.Json.JsonConvert')
    $serialize = $convert.GetMethod('SerializeObject', [type[]]@([object]))
    $result.Others = [ordered]@{
        AbstractionsVersion = [Microsoft.Extensions.DependencyInjection.ServiceDescriptor].Assembly.GetName().Version.ToString()
        HttpVersion         = [Microsoft.Extensions.DependencyInjection.HttpClientFactoryServiceCollectionExtensions].Assembly.GetName().Version.ToString()
        HttpCallDevices     = [int]$info.devices
        JsonVersion         = $script:otherJson.GetName().Version.ToString()
        JsonText            = $serialize.Invoke($null, @(, [object]@(1, 2)))
    }
}

function Connect-Emulator([string] $Token, [string] $Generation) {
    $secret, $id = $Token -split '/', 2
    Connect-CbDefense -Uri $Uri -ApiId $id -ApiSecretKey (ConvertTo-SecureString $secret -AsPlainText -Force) -OrgKey $OrgKey `
        -ApiGeneration $Generation
}

# Each family records what a user would look at, or the error it met (one failure does not hide the others).
function Invoke-Family([string] $Name, [scriptblock] $Script) {
    $families[$Name] = try { [ordered]@{ Ok = $true; Value = & $Script } }
    catch { [ordered]@{ Ok = $false; Value = "$($_.Exception.GetType().FullName): $($_.Exception.Message)" } }
}

# Every cmdlet family against the emulator; adds one run to the result.
function Invoke-Module {
    Import-Module $ModulePath
    $families = [ordered]@{}
    Invoke-Family 'Connect-CbDefense' { (Connect-Emulator $ApiToken Legacy).ApiId }
    Invoke-Family 'Get-CbDevice' { @(Get-CbDevice).Count }
    Invoke-Family 'Get-CbDevice (current API)' {
        $current = Connect-Emulator $CustomToken Current
        try { @(Get-CbDevice -Session $current).Count } finally { Disconnect-CbDefense -Session $current }
    }
    Invoke-Family 'Set-CbDeviceQuarantine' {
        $id = (Get-CbDevice -First 1).DeviceId
        $on = (Set-CbDeviceQuarantine -DeviceId $id -Enabled $true -PassThru -Confirm:$false).Quarantined
        Set-CbDeviceQuarantine -DeviceId $id -Enabled $false -Confirm:$false
        "$on/$((Get-CbDevice -Id $id).Quarantined)"
    }
    Invoke-Family 'Get-CbPolicy' { (Get-CbPolicy -Name Standard).Name }
    Invoke-Family 'Export-CbPolicy' {
        $file = Join-Path ([IO.Path]::GetTempPath()) "cbisolation-$([guid]::NewGuid().ToString('N')).json"
        try { Get-CbPolicy -Name Standard | Export-CbPolicy -Path $file; (Get-Content $file -Raw | ConvertFrom-Json).policyInfo.name }
        finally { Remove-Item $file -ErrorAction SilentlyContinue }
    }
    Invoke-Family 'Get-CbEvent' { @(Get-CbEvent -First 5).Count }
    Invoke-Family 'Invoke-CbApi' { @((Invoke-CbApi -Path /integrationServices/v3/device -Query @{ rows = 3 }).results).Count }
    Invoke-Family 'Watch-CbNotification' {
        $siem = Connect-Emulator $SiemToken Legacy
        # An empty queue, then two new notifications: the watch writes exactly those.
        $null = Get-CbNotification -Session $siem
        $null = Invoke-RestMethod -Method Post -Uri "$Uri/_emulator/notifications" -Body '{"count":2}' -ContentType application/json
        try { @(Watch-CbNotification -Session $siem -Count 2 -IntervalSec 1 -Until (Get-Date).AddSeconds(30)).Count }
        finally { Disconnect-CbDefense -Session $siem }
    }
    Invoke-Family 'Live Response' {
        $device = Get-CbDevice | Where-Object { $_.Status -eq 'REGISTERED' -and $_.DeviceType -eq 'WINDOWS' } | Select-Object -First 1
        $lr = Connect-Emulator $LrToken Legacy
        try {
            $remote = New-CbLiveResponseSession -Session $lr -DeviceId $device.DeviceId
            try { @($remote | Get-CbLiveResponseChildItem -Path 'C:\TEMP').Name -contains 'large.bin' }
            finally { $remote | Remove-CbLiveResponseSession }
        }
        finally { Disconnect-CbDefense -Session $lr }
    }
    # The Json.NET the module's code is bound to (the type a Core method returns or takes says which copy).
    $jsonType = [CbDefense.Session].Assembly.GetTypes() |
        ForEach-Object { $_.GetMethods([Reflection.BindingFlags]'Public,NonPublic,Static,Instance,DeclaredOnly') } |
        ForEach-Object { $_.ReturnType; $_.GetParameters().ParameterType } |
        Where-Object { $_ -and $_.Assembly.GetName().Name -eq 'Newtonsoft.Json' } | Select-Object -First 1
    $result.Runs += [ordered]@{ Families = $families }
    $result.ModuleJson = [ordered]@{
        Version  = $jsonType.Assembly.GetName().Version.ToString()
        Location = $jsonType.Assembly.Location
        Context  = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($jsonType.Assembly).Name
    }
}

if ($Order -eq 'OthersFirst') { Import-Others; Invoke-Module; Invoke-Others }
else { Invoke-Module; Import-Others; Invoke-Others; Invoke-Module }

# Where every loaded copy of these assemblies came from.
$result.Loaded = @([AppDomain]::CurrentDomain.GetAssemblies() |
    Where-Object { $_.GetName().Name -match '^(Newtonsoft\.Json|System\.Buffers|Microsoft\.Extensions\..*|CbDefense.*)$' } |
    ForEach-Object {
        [ordered]@{
            Name     = $_.GetName().Name
            Version  = $_.GetName().Version.ToString()
            Location = $_.Location
            Context  = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name
        }
    })
$result | ConvertTo-Json -Depth 6 | Set-Content -Path $ResultPath
