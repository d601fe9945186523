<#
.SYNOPSIS
Generates the module's MAML help (CbDefense.dll-Help.xml) from the built cmdlets and the help sources.

.DESCRIPTION
Syntax, parameter types, positions, pipeline input, wildcard support ([SupportsWildcards()]) and output types come
from the cmdlets themselves (Get-Command on the built module), so they never drift from the code. The words come from one data file per
cmdlet in src/CbDefense/Help/<Cmdlet-Name>.psd1:

    @{
        Synopsis    = 'One line.'
        Description = 'Paragraphs, separated by blank lines.'
        Parameters  = @{ Id = 'What it is.'; HostName = '...' }
        Inputs      = @{ 'System.Int64' = 'Device ids.' }      # optional
        Outputs     = @{ 'CbDefense.Device' = 'One per device.' } # optional (defaults to [OutputType])
        Notes       = 'Optional paragraphs.'
        Examples    = @(
            @{ Code = 'Get-CbDevice -HostName web*'; Remarks = 'What it does.' }
        )
        Links       = @('Connect-CbDefense')
    }

A cmdlet without a help file, a parameter without a description, or a help file without an example fails the build.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SourcePath,
    [Parameter(Mandatory)] [string] $OutputPath
)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$module = Import-Module $ModulePath -PassThru -Force
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}
$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$w = [System.Xml.XmlWriter]::Create($OutputPath, $settings)

function Write-Paras([string] $text) {
    $w.WriteStartElement('maml', 'description', $ns.maml)
    foreach ($para in ($text -split '(\r?\n){2,}' | Where-Object { $_.Trim() })) {
        $w.WriteElementString('maml', 'para', $ns.maml, ($para.Trim() -replace '\s*\r?\n\s*', ' '))
    }
    $w.WriteEndElement()
}

function Get-TypeName([type] $t) {
    if ($t -eq [System.Management.Automation.SwitchParameter]) { return 'SwitchParameter' }
    $t.FullName -replace '^System\.', ''
}

function Write-Parameter($param, $set, [string] $description, [bool] $inSyntax) {
    $attr = $set
    $pipe = @()
    if ($attr.ValueFromPipeline) { $pipe += 'ByValue' }
    if ($attr.ValueFromPipelineByPropertyName) { $pipe += 'ByPropertyName' }
    $pipeText = if ($pipe) { "True ($($pipe -join ', '))" } else { 'False' }
    $position = if ($attr.Position -ge 0) { [string]($attr.Position + 1) } else { 'named' }
    $w.WriteStartElement('command', 'parameter', $ns.command)
    $w.WriteAttributeString('required', ([string]$attr.IsMandatory).ToLowerInvariant())
    $w.WriteAttributeString('variableLength', ([string]$param.ParameterType.IsArray).ToLowerInvariant())
    # "Accept wildcard characters?" comes from the parameter's [SupportsWildcards()] attribute.
    $globbing = [bool]($param.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    $w.WriteAttributeString('globbing', ([string]$globbing).ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', $pipeText)
    $w.WriteAttributeString('position', $position)
    $w.WriteAttributeString('aliases', $(if ($param.Aliases.Count) { $param.Aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('maml', 'name', $ns.maml, $param.Name)
    Write-Paras $description
    $isSwitch = $param.ParameterType -eq [System.Management.Automation.SwitchParameter]
    if (-not $isSwitch -or -not $inSyntax) {
        $w.WriteStartElement('command', 'parameterValue', $ns.command)
        $w.WriteAttributeString('required', ([string](-not $isSwitch)).ToLowerInvariant())
        $w.WriteAttributeString('variableLength', ([string]$param.ParameterType.IsArray).ToLowerInvariant())
        $w.WriteString((Get-TypeName $param.ParameterType))
        $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $ns.dev)
    $w.WriteElementString('maml', 'name', $ns.maml, $param.ParameterType.FullName)
    $w.WriteEndElement()
    $w.WriteEndElement()
}

$problems = [System.Collections.Generic.List[string]]::new()
$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh')
$w.WriteAttributeString('schema', 'maml')

foreach ($cmd in (Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name)) {
    $file = Join-Path $SourcePath "$($cmd.Name).psd1"
    if (-not (Test-Path $file)) { $problems.Add("$($cmd.Name): no help file $file"); continue }
    $help = Import-PowerShellDataFile $file
    $paramHelp = if ($help.ContainsKey('Parameters')) { $help.Parameters } else { @{} }
    $params = $cmd.Parameters.Values | Where-Object { $_.Name -notin $common }
    foreach ($p in $params) {
        if (-not $paramHelp.ContainsKey($p.Name)) { $problems.Add("$($cmd.Name): parameter -$($p.Name) has no description") }
    }
    if (-not $help.ContainsKey('Examples') -or @($help.Examples).Count -eq 0) { $problems.Add("$($cmd.Name): no example") }
    if (-not $help.ContainsKey('Synopsis')) { $problems.Add("$($cmd.Name): no synopsis") }

    $w.WriteStartElement('command', 'command', $ns.command)
    $w.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
    $w.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)
    $w.WriteStartElement('command', 'details', $ns.command)
    $w.WriteElementString('command', 'name', $ns.command, $cmd.Name)
    $w.WriteElementString('command', 'verb', $ns.command, $cmd.Verb)
    $w.WriteElementString('command', 'noun', $ns.command, $cmd.Noun)
    Write-Paras ([string]$help['Synopsis'])
    $w.WriteEndElement()
    Write-Paras ([string]$(if ($help.ContainsKey('Description')) { $help.Description } else { $help['Synopsis'] }))

    # Syntax: one item per parameter set, parameters in position order then by name.
    $w.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in $cmd.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $ns.command)
        $w.WriteElementString('maml', 'name', $ns.maml, $cmd.Name)
        $setParams = $set.Parameters | Where-Object { $_.Name -notin $common } |
            Sort-Object @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } } }, @{ Expression = { -not $_.IsMandatory } }, Name
        foreach ($sp in $setParams) {
            Write-Parameter $cmd.Parameters[$sp.Name] $sp ([string]$paramHelp[$sp.Name]) $true
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    # Parameters: each once, described with its attributes from the first set that has it.
    $w.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($p in ($params | Sort-Object Name)) {
        $sp = $cmd.ParameterSets | ForEach-Object { $_.Parameters } | Where-Object Name -EQ $p.Name | Select-Object -First 1
        Write-Parameter $p $sp ([string]$paramHelp[$p.Name]) $false
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'inputTypes', $ns.command)
    $inputs = if ($help.ContainsKey('Inputs')) { $help.Inputs } else { @{ 'None' = 'This cmdlet takes no pipeline input.' } }
    foreach ($k in $inputs.Keys) {
        $w.WriteStartElement('command', 'inputType', $ns.command)
        $w.WriteStartElement('dev', 'type', $ns.dev); $w.WriteElementString('maml', 'name', $ns.maml, $k); $w.WriteEndElement()
        Write-Paras ([string]$inputs[$k])
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'returnValues', $ns.command)
    $outputs = if ($help.ContainsKey('Outputs')) { $help.Outputs } else {
        $o = [ordered]@{}; foreach ($t in $cmd.OutputType) { $o[$t.Name] = '' }; $o
    }
    foreach ($k in $outputs.Keys) {
        $w.WriteStartElement('command', 'returnValue', $ns.command)
        $w.WriteStartElement('dev', 'type', $ns.dev); $w.WriteElementString('maml', 'name', $ns.maml, $k); $w.WriteEndElement()
        Write-Paras ([string]$outputs[$k])
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    if ($help.ContainsKey('Notes')) {
        $w.WriteStartElement('maml', 'alertSet', $ns.maml)
        $w.WriteStartElement('maml', 'alert', $ns.maml)
        foreach ($para in ($help.Notes -split '(\r?\n){2,}' | Where-Object { $_.Trim() })) {
            $w.WriteElementString('maml', 'para', $ns.maml, ($para.Trim() -replace '\s*\r?\n\s*', ' '))
        }
        $w.WriteEndElement(); $w.WriteEndElement()
    }

    $w.WriteStartElement('command', 'examples', $ns.command)
    $i = 0
    foreach ($ex in @($help['Examples'])) {
        $i++
        $w.WriteStartElement('command', 'example', $ns.command)
        $title = if ($ex.ContainsKey('Title')) { $ex.Title } else { "Example $i" }
        $w.WriteElementString('maml', 'title', $ns.maml, "-------------------------- $title --------------------------")
        $w.WriteElementString('dev', 'code', $ns.dev, $ex.Code.Trim())
        $w.WriteStartElement('dev', 'remarks', $ns.dev)
        foreach ($para in ([string]$ex.Remarks -split '(\r?\n){2,}' | Where-Object { $_.Trim() })) {
            $w.WriteElementString('maml', 'para', $ns.maml, ($para.Trim() -replace '\s*\r?\n\s*', ' '))
        }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $ns.command)
    foreach ($link in @(if ($help.ContainsKey('Links')) { $help.Links })) {
        $w.WriteStartElement('maml', 'navigationLink', $ns.maml)
        $w.WriteElementString('maml', 'linkText', $ns.maml, $link)
        $w.WriteElementString('maml', 'uri', $ns.maml, '')
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteEndElement() # command:command
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Flush(); $w.Dispose()

if ($problems.Count) {
    $problems | ForEach-Object { Write-Host "help: $_" -ForegroundColor Red }
    Remove-Item $OutputPath -ErrorAction SilentlyContinue
    exit 1
}
Write-Host "Help for $((Get-Command -Module $module.Name -CommandType Cmdlet).Count) cmdlets written to $OutputPath"
exit 0
