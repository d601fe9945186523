@{
    Synopsis    = 'Gets the rules of a Carbon Black Defense policy.'
    Description = @'
Get-CbPolicyRule reads a policy and writes its rules as CbDefense.PolicyRule objects: Id, PolicyId,
PolicyName, Required, Operation, ApplicationType, ApplicationValue and Action (other fields in
AdditionalProperties). Policies bind by property name (PolicyId), so "Get-CbPolicy | Get-CbPolicyRule" lists
every rule of the org. -Id keeps only the given rule ids; an unknown rule id writes a not-found error.

Rules carry their session and their PolicyId, so they pipe into Set-CbPolicyRule and Remove-CbPolicyRule.
'@
    Parameters  = @{
        PolicyId = 'The policy whose rules to get. Binds from the pipeline by property name (policies, rules).'
        Id       = 'Only these rule ids.'
        Session  = 'The session to use; objects from the pipeline bring their own.'
    }
    Inputs      = @{ 'CbDefense.Policy' = 'Policies (their PolicyId and Session are used).' }
    Outputs     = @{ 'CbDefense.PolicyRule' = 'One object per rule.' }
    Examples    = @(
        @{ Code = 'Get-CbPolicyRule -PolicyId 6525'; Remarks = 'The rules of policy 6525.' }
        @{ Code = 'Get-CbPolicy | Get-CbPolicyRule | Where-Object Action -eq DENY'; Remarks = 'Every DENY rule of every policy.' }
        @{ Code = 'Get-CbPolicyRule -PolicyId 6525 -Id 3'; Remarks = 'One rule.' }
    )
    Links       = @('Add-CbPolicyRule', 'Set-CbPolicyRule', 'Remove-CbPolicyRule', 'Get-CbPolicy')
}
