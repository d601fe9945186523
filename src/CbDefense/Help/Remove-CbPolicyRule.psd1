@{
    Synopsis    = 'Deletes rules from a Carbon Black Defense policy.'
    Description = @'
Remove-CbPolicyRule sends DELETE /integrationServices/v3/policy/{id}/rule/{ruleId} for each rule id. Rules
from Get-CbPolicyRule bind PolicyId, Id and Session by property name, so a filtered list of rules can be piped
in. An unknown policy or rule writes a not-found error and the other rules are still processed. -WhatIf shows
what would be deleted and sends nothing.
'@
    Parameters  = @{
        PolicyId    = 'The policy of the rules (with -Id).'
        Id          = 'The rule ids to delete (with -PolicyId).'
        InputObject = 'Rules to delete, as Get-CbPolicyRule writes them (from the pipeline). Only rule objects bind: piping a policy here is an error, so a policy id is never taken for a rule id.'
        Session  = 'The session to use; rules from the pipeline bring their own.'
        WhatIf   = 'Shows what would be deleted; nothing is sent.'
        Confirm  = 'Asks before each delete.'
    }
    Inputs      = @{ 'CbDefense.PolicyRule' = 'Rules to delete.' }
    Outputs     = @{ 'None' = 'Nothing.' }
    Examples    = @(
        @{ Code = 'Remove-CbPolicyRule -PolicyId 30241 -Id 3, 4'; Remarks = 'Deletes two rules.' }
        @{ Code = 'Get-CbPolicyRule -PolicyId 6 | Where-Object Action -eq DENY | Remove-CbPolicyRule'; Remarks = 'Deletes every DENY rule of policy 6.' }
        @{ Code = 'Get-CbPolicy | Get-CbPolicyRule | Where-Object ApplicationValue -like ''*mimikatz*'' | Remove-CbPolicyRule -WhatIf'; Remarks = 'Shows the mimikatz rules that would be deleted across all policies.' }
    )
    Links       = @('Get-CbPolicyRule', 'Add-CbPolicyRule')
}
