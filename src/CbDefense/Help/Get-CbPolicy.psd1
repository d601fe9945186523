@{
    Synopsis    = 'Gets Carbon Black Defense policies: all of them, by name (wildcards) or by id.'
    Description = @'
Get-CbPolicy reads the policies of the org (GET /integrationServices/v3/policy) and writes each as a
CbDefense.Policy. -Name matches policy names with wildcards, ignoring case; a name without wildcards that
matches nothing writes a not-found error. Policy names complete with Tab from the session's server (the list is
cached for a minute). -Id reads each policy by id; an unknown id writes a not-found error and the others are
still written. Device objects bind their PolicyId to -Id, so "Get-CbDevice -Id 5 | Get-CbPolicy" gives a
device's policy.

A policy has typed properties (Id, Name, Description, PriorityLevel, SystemPolicy, LatestRevision in local time
and LatestRevisionUtc in UTC, Version) and its settings: Rules (CbDefense.PolicyRule objects), SensorSettings, AvSettings,
DirectoryActionRules and KnownBadHashAutoDeleteDelayMs. Nothing the server sends is lost: Settings holds the
whole policy settings object and AdditionalProperties any other field, so Set-CbPolicy and Export-CbPolicy send
back exactly what was read, plus your edits. Each policy carries its session and exposes PolicyId (the same as
Id), so it pipes straight into Get-CbPolicyRule and Add-CbPolicyRule.
'@
    Parameters  = @{
        Name    = 'Names of the policies to get. Wildcards are allowed; matching ignores case. Completes with Tab from the server.'
        Id      = 'Ids of the policies to get. Binds from the pipeline by value and by property name (Id, PolicyId: policies and devices).'
        Session = 'The session to use; defaults to the default session.'
    }
    Inputs      = @{
        'System.Int64'     = 'Policy ids.'
        'CbDefense.Device' = 'Devices (their PolicyId is used).'
    }
    Outputs     = @{ 'CbDefense.Policy' = 'One object per policy.' }
    Examples    = @(
        @{ Code = 'Get-CbPolicy'; Remarks = 'Lists every policy with its priority, rule count and whether it is a system policy.' }
        @{ Code = "Get-CbPolicy -Name 'Windows*'"; Remarks = 'The policies whose name starts with Windows.' }
        @{ Code = 'Get-CbPolicy -Id 6525 | Select-Object -ExpandProperty Rules'; Remarks = 'The rules of policy 6525.' }
        @{ Code = "(Get-CbPolicy -Name Standard).SensorSettings | Where-Object Name -eq 'SHOW_UI'"; Remarks = 'One sensor setting of the Standard policy.' }
        @{ Code = 'Get-CbDevice -HostNameExact WIN-FIN-0001 | Get-CbPolicy'; Remarks = 'The policy of a device.' }
    )
    Links       = @('New-CbPolicy', 'Set-CbPolicy', 'Get-CbPolicyRule', 'Export-CbPolicy')
}
