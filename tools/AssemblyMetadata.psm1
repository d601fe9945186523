# Reads what an assembly file refers to, from its metadata alone (nothing is loaded), for the tests that check the
# module's dependencies and the .NET APIs it uses.

Set-StrictMode -Version Latest

function Use-MetadataReader([string] $Path, [scriptblock] $Read) {
    $pe = [System.Reflection.PortableExecutable.PEReader]::new([IO.File]::OpenRead($Path))
    try { & $Read ([System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)) }
    finally { $pe.Dispose() }
}

function Get-AssemblyReference {
    <# .SYNOPSIS The assemblies that -Path references: Name and Version. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Path)
    Use-MetadataReader $Path {
        param($reader)
        foreach ($h in $reader.AssemblyReferences) {
            $ref = $reader.GetAssemblyReference($h)
            [pscustomobject]@{ Name = $reader.GetString($ref.Name); Version = $ref.Version }
        }
    }
}

function Get-MemberReference {
    <# .SYNOPSIS The members of other assemblies that -Path calls, as 'Namespace.Type::Member' (nested types 'Outer+Inner'). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Path)
    Use-MetadataReader $Path {
        param($reader)
        function TypeName($handle) {
            if ($handle.Kind -ne 'TypeReference') { return $null }   # generic instantiations, methods of this assembly
            $t = $reader.GetTypeReference([System.Reflection.Metadata.TypeReferenceHandle]$handle)
            $name = $reader.GetString($t.Name)
            if ($t.ResolutionScope.Kind -eq 'TypeReference') { return "$(TypeName $t.ResolutionScope)+$name" }
            "$($reader.GetString($t.Namespace)).$name"
        }
        foreach ($h in $reader.MemberReferences) {
            $m = $reader.GetMemberReference($h)
            $type = TypeName $m.Parent
            if ($type) { "${type}::$($reader.GetString($m.Name))" }
        }
    } | Sort-Object -Unique
}

Export-ModuleMember -Function Get-AssemblyReference, Get-MemberReference
