@{
    Synopsis    = 'Replaces a rule of a Carbon Black Defense policy.'
    Description = @'
Set-CbPolicyRule sends PUT /integrationServices/v3/policy/{id}/rule/{ruleId} with {"ruleInfo": {...}}. With
-PolicyId and -Id, the fields you give change and the others keep their current values (the rule is read
first). A rule piped from Get-CbPolicyRule is sent with the fields you give changed, so you can also modify a
rule object and pipe it. -Rule replaces the rule as a whole. Values are checked before anything is sent.
-PassThru writes the rule as saved.
'@
    Parameters  = @{
        PolicyId         = 'The policy of the rule (with -Id). Rule objects from the pipeline bind to -InputObject instead.'
        Id               = 'The rule id (with -PolicyId).'
        InputObject      = 'A rule from Get-CbPolicyRule (possibly modified). Binds from the pipeline.'
        Operation        = 'A new operation (see Add-CbPolicyRule for the values).'
        ApplicationType  = 'A new application type: NAME_PATH, SIGNED_BY or REPUTATION.'
        ApplicationValue = 'A new application value.'
        Action           = 'A new action: IGNORE, ALLOW, DENY, TERMINATE_PROCESS, TERMINATE_THREAD or TERMINATE.'
        Required         = 'Sets whether the rule is required (-Required or -Required:$false).'
        Rule             = 'The whole replacement rule: a PolicyRule, a hashtable or JSON text.'
        PassThru         = 'Writes the saved rule.'
        Session          = 'The session to use; rules from the pipeline bring their own.'
        WhatIf           = 'Shows what would be replaced; nothing is sent.'
        Confirm          = 'Asks before replacing the rule.'
    }
    Inputs      = @{ 'CbDefense.PolicyRule' = 'Rules to replace.' }
    Outputs     = @{ 'CbDefense.PolicyRule' = 'With -PassThru, the saved rule.' }
    Examples    = @(
        @{ Code = 'Set-CbPolicyRule -PolicyId 30241 -Id 3 -Action TERMINATE'; Remarks = 'Changes the action of one rule.' }
        @{ Code = "Get-CbPolicyRule -PolicyId 30241 | Where-Object Action -eq IGNORE | Set-CbPolicyRule -Action DENY -WhatIf"; Remarks = 'Shows which IGNORE rules would become DENY.' }
        @{ Code = "Set-CbPolicyRule -PolicyId 30241 -Id 3 -Rule @{ operation = 'RUN'; application = @{ type = 'SIGNED_BY'; value = 'Contoso Ltd' }; action = 'ALLOW'; required = `$false }"; Remarks = 'Replaces a rule as a whole.' }
    )
    Links       = @('Get-CbPolicyRule', 'Add-CbPolicyRule', 'Remove-CbPolicyRule')
}
