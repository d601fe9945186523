# Dot-sourced by every test file: imports the BUILT module (never the source tree) and the emulator helpers.
$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ModulePath = if ($env:CBDEFENSE_MODULE_PATH) { $env:CBDEFENSE_MODULE_PATH } else { Join-Path $script:RepoRoot 'out/CbDefense' }
if (-not (Test-Path (Join-Path $script:ModulePath 'CbDefense.psd1'))) {
    throw "The built module is missing at $script:ModulePath; run ./build.ps1 Build first."
}
Import-Module (Join-Path $script:RepoRoot 'tools/CbEmulator.psm1') -Force
Import-Module $script:ModulePath -Force
# Every file runs under the secret guard; its AfterAll ends with Assert-CbNoSecretLeak.
. (Join-Path $PSScriptRoot 'SecretGuard.ps1')
Start-CbSecretGuard

# Generation: Legacy (the API key, v3 routes), Current (the Custom key, the current API) or Auto (the API key, probing).
function script:Connect-TestEmulator {
    param([Parameter(Mandatory)] $Emulator, [string] $Token, [hashtable] $Extra = @{},
          [ValidateSet('Legacy', 'Current', 'Auto')] [string] $Generation = 'Legacy')
    if (-not $Token) { $Token = if ($Generation -eq 'Current') { $Emulator.CustomToken } else { $Emulator.ApiToken } }
    if (-not $Extra.ContainsKey('ApiGeneration')) { $Extra = $Extra.Clone(); $Extra.ApiGeneration = $Generation }
    $secret, $id = $Token -split '/', 2
    Connect-CbDefense -Uri $Emulator.Uri -ApiId $id -ApiSecretKey (ConvertTo-SecureString $secret -AsPlainText -Force) -OrgKey $Emulator.OrgKey @Extra
}

function script:Get-EmulatorRequests {
    param([Parameter(Mandatory)] $Emulator, [int] $Last = 1000)
    @((Invoke-CbEmulatorAdmin -Emulator $Emulator -Path "requests?last=$Last").requests)
}

function script:Clear-EmulatorRequests {
    param([Parameter(Mandatory)] $Emulator)
    $null = Invoke-CbEmulatorAdmin -Emulator $Emulator -Path requests -Method DELETE
}

function script:Set-EmulatorFaults {
    param([Parameter(Mandatory)] $Emulator, [object[]] $Faults = @())
    $null = Invoke-CbEmulatorAdmin -Emulator $Emulator -Path faults -Method PUT -Body @{ faults = @($Faults) }
}

# A PowerShell host that keeps what commands write to it directly (What if: lines, warnings written through the host
# while a pipeline stops), for tests that check those texts.
if (-not ('CbTest.CaptureHost' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
namespace CbTest {
    public sealed class CaptureUI : PSHostUserInterface {
        public readonly List<string> Warnings = new List<string>();
        public readonly List<string> Lines = new List<string>();
        public override PSHostRawUserInterface RawUI => null;
        public override void WriteWarningLine(string message) { lock (Warnings) Warnings.Add(message); }
        public override Dictionary<string, PSObject> Prompt(string c, string m, System.Collections.ObjectModel.Collection<FieldDescription> d) => throw new NotSupportedException();
        public override int PromptForChoice(string c, string m, System.Collections.ObjectModel.Collection<ChoiceDescription> ch, int d) => throw new NotSupportedException();
        public override PSCredential PromptForCredential(string c, string m, string u, string t) => throw new NotSupportedException();
        public override PSCredential PromptForCredential(string c, string m, string u, string t, PSCredentialTypes a, PSCredentialUIOptions o) => throw new NotSupportedException();
        public override string ReadLine() => "";
        public override System.Security.SecureString ReadLineAsSecureString() => new System.Security.SecureString();
        public override void Write(string v) { lock (Lines) Lines.Add(v); }
        public override void Write(ConsoleColor f, ConsoleColor b, string v) { lock (Lines) Lines.Add(v); }
        public override void WriteDebugLine(string m) { }
        public override void WriteErrorLine(string v) { }
        public override void WriteLine(string v) { lock (Lines) Lines.Add(v); }
        public override void WriteProgress(long s, ProgressRecord r) { }
        public override void WriteVerboseLine(string m) { }
    }
    public sealed class CaptureHost : PSHost {
        private readonly Guid _id = Guid.NewGuid();
        public readonly CaptureUI Sink = new CaptureUI();
        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
        public override Guid InstanceId => _id;
        public override string Name => "CbTestHost";
        public override PSHostUserInterface UI => Sink;
        public override Version Version => new Version(1, 0);
        public override void EnterNestedPrompt() { }
        public override void ExitNestedPrompt() { }
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
        public override void SetShouldExit(int exitCode) { }
    }
}
'@
}

# Runs a script in a new runspace whose host is a CaptureHost (the built module and a session to the emulator
# imported first); returns the host's lines as one string.
function script:Invoke-InCaptureHost {
    param([Parameter(Mandatory)] $Emulator, [Parameter(Mandatory)] [string] $Script)
    $h = [CbTest.CaptureHost]::new()
    $rs = [runspacefactory]::CreateRunspace($h)
    $rs.Open()
    $ps = [powershell]::Create()
    $ps.Runspace = $rs
    try {
        $secret, $id = $Emulator.ApiToken -split '/', 2
        $null = $ps.AddScript("Import-Module '$script:ModulePath'; `$null = Connect-CbDefense -Uri '$($Emulator.Uri)' -ApiId '$id' -ApiSecretKey (ConvertTo-SecureString '$secret' -AsPlainText -Force) -OrgKey '$($Emulator.OrgKey)'; $Script")
        $null = $ps.Invoke()
        ($h.Sink.Lines -join '') + ($ps.Streams.Error | Out-String)
    }
    finally { $ps.Dispose(); $rs.Dispose() }
}
