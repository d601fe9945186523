# The alert filters Get-CbAlert and Watch-CbAlert share: the same names, types, aliases, validation, completers and
# binding in both, so a filter written for one works with the other. Also the watch parameters the two watchers share.
# No emulator: this reads the cmdlets' metadata only.
BeforeDiscovery {
    $script:sharedFilters = 'Type', 'MinimumSeverity', 'DeviceId', 'DeviceName', 'ThreatId', 'Status', 'Determination',
        'ProcessName', 'ProcessSha256', 'PolicyName', 'Query', 'Criteria', 'Exclusions'
    $script:watchParameters = 'IntervalSec', 'StatePath', 'Count', 'Until'
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

    # What a user can see of a parameter, as one string: its type, aliases, attributes (validation with its values,
    # completer, wildcards) and how it binds in the given parameter set (position, mandatory, pipeline).
    function script:Get-ParameterShape([string] $Command, [string] $Name, [string] $Set) {
        $p = (Get-Command $Command).Parameters[$Name]
        if (-not $p) { return "$Command has no -$Name" }
        $attributes = foreach ($a in $p.Attributes) {
            switch ($a) {
                { $_ -is [System.Management.Automation.ParameterAttribute] } { break }
                { $_ -is [System.Management.Automation.AliasAttribute] } { break }
                { $_ -is [System.Management.Automation.ValidateSetAttribute] } { "ValidateSet($($_.ValidValues -join ', '); IgnoreCase=$($_.IgnoreCase))"; break }
                { $_ -is [System.Management.Automation.ValidateRangeAttribute] } {
                    "ValidateRange([$($_.MinRange.GetType().Name)] $($_.MinRange), [$($_.MaxRange.GetType().Name)] $($_.MaxRange))"; break
                }
                { $_ -is [System.Management.Automation.ArgumentCompleterAttribute] } { "ArgumentCompleter($($_.Type.FullName))"; break }
                default { $_.GetType().Name }
            }
        }
        # A parameter in every set is listed under __AllParameterSets.
        $binding = if ($p.ParameterSets.ContainsKey($Set)) { $p.ParameterSets[$Set] } else { $p.ParameterSets['__AllParameterSets'] }
        if (-not $binding) { return "$Command -$Name is not in the parameter set $Set" }
        @(
            "type=$($p.ParameterType.ToString())"
            "aliases=$(@($p.Aliases | Sort-Object) -join ',')"
            "attributes=$(@($attributes | Sort-Object) -join '; ')"
            "position=$($binding.Position) mandatory=$($binding.IsMandatory) byValue=$($binding.ValueFromPipeline)"
            "byPropertyName=$($binding.ValueFromPipelineByPropertyName) remaining=$($binding.ValueFromRemainingArguments)"
        ) -join ' | '
    }

    function script:Get-OnlySet([string] $Command) {
        $sets = @((Get-Command $Command).ParameterSets)
        $sets.Count | Should -Be 1 -Because "$Command takes all its parameters together"
        if ($sets[0].Name -eq '__AllParameterSets') { '__AllParameterSets' } else { $sets[0].Name }
    }
}
AfterAll { Assert-CbNoSecretLeak }

Describe 'The alert filters of Get-CbAlert and Watch-CbAlert' {
    It 'both take -<_>, with the same type, aliases, validation, completer and binding' -ForEach $sharedFilters {
        $get = Get-ParameterShape Get-CbAlert $_ 'List'
        $watch = Get-ParameterShape Watch-CbAlert $_ (Get-OnlySet Watch-CbAlert)
        $get | Should -Not -BeLike '*has no*'
        $get | Should -Not -BeLike '*is not in*'
        $watch | Should -BeExactly $get
    }

    It 'keep the validation users rely on: <Name>' -ForEach @(
        @{ Name = 'Status'; Shape = '*ValidateSet(OPEN, IN_PROGRESS, CLOSED; IgnoreCase=True)*' }
        @{ Name = 'Determination'; Shape = '*ValidateSet(TRUE_POSITIVE, FALSE_POSITIVE, NONE; IgnoreCase=True)*' }
        @{ Name = 'MinimumSeverity'; Shape = 'type=System.Nullable``1`[System.Int32`] |*ValidateRange(`[Int32`] 1, `[Int32`] 10)*' }
        @{ Name = 'DeviceId'; Shape = 'type=System.Int64`[`]*ValidateRange(`[Int64`] 1, `[Int64`] 9223372036854775807)*' }
        @{ Name = 'Type'; Shape = 'type=System.String`[`]*ArgumentCompleter(CbDefense.Commands.AlertTypeCompleter)*ValidateNotNullOrEmptyAttribute*' }
        @{ Name = 'Criteria'; Shape = 'type=System.Collections.Hashtable*ValidateNotNullAttribute*' }
        @{ Name = 'Query'; Shape = 'type=System.String |*ValidateNotNullOrEmptyAttribute*position=-2147483648 mandatory=False*' }
    ) {
        Get-ParameterShape Get-CbAlert $Name 'List' | Should -BeLike $Shape
        Get-ParameterShape Watch-CbAlert $Name (Get-OnlySet Watch-CbAlert) | Should -BeLike $Shape
    }

    It 'are the parameters the two have in common, besides -StartTime and -Session' -TestCases @{ Filters = $sharedFilters } {
        $get = (Get-Command Get-CbAlert).Parameters.Keys | Where-Object { $_ -notin $common }
        $watch = (Get-Command Watch-CbAlert).Parameters.Keys | Where-Object { $_ -notin $common }
        $both = @($get | Where-Object { $_ -in $watch } | Sort-Object)
        $both | Should -Be @($Filters + 'StartTime', 'Session' | Sort-Object)
    }

    It 'Get-CbAlert takes them only when it searches, not with -Id' -TestCases @{ Filters = $sharedFilters } {
        $idSet = (Get-Command Get-CbAlert).ParameterSets | Where-Object Name -EQ 'Id'
        $idSet.Parameters.Name | Where-Object { $_ -in $Filters } | Should -BeNullOrEmpty
        { Get-CbAlert -Id 'a1' -Status OPEN -ErrorAction Stop } | Should -Throw -ErrorId 'AmbiguousParameterSet,CbDefense.Commands.GetCbAlertCommand'
    }
}

Describe 'The watch parameters of Watch-CbAlert and Watch-CbNotification' {
    It 'both take -<_>, with the same type, validation and binding' -ForEach $watchParameters {
        $alert = Get-ParameterShape Watch-CbAlert $_ (Get-OnlySet Watch-CbAlert)
        $notification = Get-ParameterShape Watch-CbNotification $_ (Get-OnlySet Watch-CbNotification)
        $notification | Should -Not -BeLike '*has no*'
        $alert | Should -BeExactly $notification
    }
}
