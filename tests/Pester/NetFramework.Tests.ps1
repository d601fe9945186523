# Windows PowerShell 5.1 runs the module on .NET Framework, which this Linux machine does not have. What is checked
# here instead (the README's "Windows PowerShell 5.1" section says the same):
# - the build compiles Core and the cmdlets for net472 against .NET Framework 4.7.2's reference assemblies, so an API
#   .NET Framework lacks fails the build; this file checks that those builds exist and target 4.7.2, the version the
#   manifest asks for;
# - the APIs whose behaviour differs on .NET Framework (the HTTP handler, TLS, the certificate callback, the probes'
#   sockets, proxies, certificate chains) are the ones reviewed below: a new one fails this file until someone has
#   checked what .NET Framework 4.7.2 does with it and written it down here.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module (Join-Path $RepoRoot 'tools/AssemblyMetadata.psm1') -Force
    $configuration = if ($env:CBDEFENSE_CONFIGURATION) { $env:CBDEFENSE_CONFIGURATION } else { 'Release' }
    $script:shipped = 'CbDefense.dll', 'CbDefense.Core.dll' | ForEach-Object { Join-Path $ModulePath $_ }
    $script:netFramework = @(
        Join-Path $RepoRoot "src/CbDefense/bin/$configuration/net472/CbDefense.dll"
        Join-Path $RepoRoot "src/CbDefense.Core/bin/$configuration/net472/CbDefense.Core.dll"
    )

    # The types whose members behave differently on .NET Framework, and what .NET Framework 4.7.2 does with each member
    # the module uses.
    $script:sensitiveTypes = 'System.Net.Http.HttpClientHandler', 'System.Net.Http.HttpClient', 'System.Net.Http.HttpMessageInvoker',
        'System.Net.Http.HttpRequestMessage', 'System.Net.Http.SocketsHttpHandler', 'System.Net.Http.WinHttpHandler',
        'System.Net.ServicePointManager', 'System.Net.ServicePoint', 'System.Net.WebProxy', 'System.Net.Security.SslStream',
        'System.Net.Sockets.TcpClient', 'System.Net.Sockets.Socket', 'System.Security.Cryptography.X509Certificates.X509Chain',
        'System.Security.Cryptography.X509Certificates.X509ChainPolicy'
    $script:reviewed = [ordered]@{
        'System.Net.Http.HttpClientHandler::.ctor'                                 = 'HttpWebRequest underneath; connections per server from ServicePointManager (2 by default)'
        'System.Net.Http.HttpClientHandler::set_AllowAutoRedirect'                 = 'same as .NET'
        'System.Net.Http.HttpClientHandler::set_AutomaticDecompression'            = 'GZip and Deflate supported'
        'System.Net.Http.HttpClientHandler::set_UseCookies'                        = 'same as .NET'
        'System.Net.Http.HttpClientHandler::set_UseProxy'                          = 'false: direct; true: Proxy, else the system (IE/WinINET) proxy'
        'System.Net.Http.HttpClientHandler::set_Proxy'                             = 'a WebProxy is honoured, with its Credentials'
        'System.Net.Http.HttpClientHandler::set_DefaultProxyCredentials'           = 'since .NET Framework 4.7.1'
        'System.Net.Http.HttpClientHandler::set_SslProtocols'                      = 'since 4.7.1; left unset, ServicePointManager.SecurityProtocol decides (README)'
        'System.Net.Http.HttpClientHandler::set_ServerCertificateCustomValidationCallback' = 'since 4.7.1; gets the chain Windows built'
        'System.Net.Http.HttpClient::.ctor'                                        = 'same as .NET'
        'System.Net.Http.HttpClient::SendAsync'                                    = 'ResponseHeadersRead streams the body as on .NET'
        'System.Net.Http.HttpClient::set_Timeout'                                  = 'Infinite, the transport times each attempt with a CancellationToken'
        'System.Net.Http.HttpMessageInvoker::Dispose'                              = 'same as .NET'
        'System.Net.Http.HttpRequestMessage::.ctor'                                = 'HTTP/1.1 (the module sets no Version; .NET Framework has no HTTP/2)'
        'System.Net.Http.HttpRequestMessage::get_Headers'                          = 'same as .NET'
        'System.Net.Http.HttpRequestMessage::set_Content'                          = 'same as .NET'
        'System.Net.Http.HttpRequestMessage::get_RequestUri'                       = 'the URI sent (no automatic redirects), to resolve a relative Location; same as .NET'
        'System.Net.WebProxy::.ctor'                                               = 'same as .NET'
        'System.Net.WebProxy::set_Credentials'                                     = 'same as .NET'
        'System.Net.Security.SslStream::.ctor'                                     = 'the TLS probe of ConnectionDiagnosis; SChannel'
        'System.Net.Security.SslStream::AuthenticateAsClientAsync'                 = 'protocols from ServicePointManager.SecurityProtocol / the OS'
        'System.Net.Sockets.TcpClient::.ctor'                                      = 'same as .NET'
        'System.Net.Sockets.TcpClient::ConnectAsync'                               = '(host, port) since 4.5; no CancellationToken overload, the probe waits with a deadline'
        'System.Net.Sockets.TcpClient::GetStream'                                  = 'same as .NET'
        'System.Net.Sockets.TcpClient::Dispose'                                    = 'public since 4.6'
        'System.Security.Cryptography.X509Certificates.X509Chain::.ctor'           = 'Windows CryptoAPI chain engine'
        'System.Security.Cryptography.X509Certificates.X509Chain::Build'           = 'same rules; UntrustedRoot for a private CA, as on .NET'
        'System.Security.Cryptography.X509Certificates.X509Chain::get_ChainElements' = 'same as .NET'
        'System.Security.Cryptography.X509Certificates.X509Chain::get_ChainPolicy' = 'same as .NET'
        'System.Security.Cryptography.X509Certificates.X509Chain::get_ChainStatus' = 'same as .NET'
        'System.Security.Cryptography.X509Certificates.X509ChainPolicy::get_ExtraStore' = 'same as .NET'
        'System.Security.Cryptography.X509Certificates.X509ChainPolicy::set_RevocationMode' = 'same as .NET'
        'System.Security.Cryptography.X509Certificates.X509ChainPolicy::set_VerificationFlags' = 'AllowUnknownCertificateAuthority, then the root is compared by thumbprint'
    }
    function script:Get-SensitiveUse([string[]] $Paths) {
        $Paths | ForEach-Object { Get-MemberReference $_ } |
            Where-Object { ($_ -split '::')[0] -in $sensitiveTypes } | Sort-Object -Unique
    }
}
AfterAll { Assert-CbNoSecretLeak }

Describe 'The .NET Framework 4.7.2 compile check' {
    It 'built <_> for .NET Framework 4.7.2, the version the manifest asks for' -ForEach @('CbDefense.dll', 'CbDefense.Core.dll') {
        $name = $_
        $file = @($netFramework | Where-Object { (Split-Path $_ -Leaf) -eq $name })
        $file.Count | Should -Be 1
        Test-Path $file[0] | Should -BeTrue -Because 'the build compiles Core and the cmdlets for net472 as well'
        $context = [System.Runtime.Loader.AssemblyLoadContext]::new('netfx-check', $true)
        try {
            $assembly = $context.LoadFromAssemblyPath($file[0])
            $framework = ($assembly.GetCustomAttributesData() | Where-Object { $_.AttributeType.Name -eq 'TargetFrameworkAttribute' }).ConstructorArguments[0].Value
        }
        finally { $context.Unload() }
        $manifestVersion = (Import-PowerShellDataFile (Join-Path $ModulePath 'CbDefense.psd1')).DotNetFrameworkVersion
        $framework | Should -Be ".NETFramework,Version=v$manifestVersion"
    }
}

Describe 'The APIs that behave differently on .NET Framework' {
    It 'the shipped assemblies use only the reviewed ones' {
        $used = @(Get-SensitiveUse $shipped)
        $used.Count | Should -BeGreaterThan 0
        @($used | Where-Object { -not $reviewed.Contains($_) }) | Should -BeNullOrEmpty -Because 'a new one needs its .NET Framework 4.7.2 behaviour checked and written in this file'
        @($reviewed.Keys | Where-Object { $_ -notin $used }) | Should -BeNullOrEmpty -Because 'a member no longer used leaves the list'
    }

    It 'the .NET Framework build uses the same ones' {
        Get-SensitiveUse $netFramework | Should -Be (Get-SensitiveUse $shipped)
    }
}
