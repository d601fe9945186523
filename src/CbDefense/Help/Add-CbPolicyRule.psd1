@{
    Synopsis    = 'Adds a rule to a Carbon Black Defense policy.'
    Description = @'
Add-CbPolicyRule sends POST /integrationServices/v3/policy/{id}/rule with {"ruleInfo": {...}}. Give the rule's
fields (-Operation, -ApplicationType, -ApplicationValue, -Action, -Required) or a whole rule with -Rule (a
PolicyRule, a hashtable in the API's shape or with these parameter names, or JSON text). The operation,
application type and action are checked against the documented values before anything is sent (any case is
accepted; Tab completes them, and -ApplicationValue completes reputations when -ApplicationType is REPUTATION).

Policies bind by property name, so "Get-CbPolicy -Name Standard | Add-CbPolicyRule ..." adds to that policy in
its own session. Rules from Get-CbPolicyRule bind their fields by property name too, so rules can be copied to
another policy. -PassThru writes the new rule as read back, with the id the server gave it.
'@
    Parameters  = @{
        PolicyId         = 'The policy to add the rule to. Binds from the pipeline by property name (policies).'
        Operation        = 'What the application does: RUN, NETWORK, CODE_INJECTION, MEMORY_SCRAPE, RANSOM, POL_INVOKE_NOT_TRUSTED, INVOKE_SCRIPT, INVOKE_SYSAPP, INVOKE_CMD_INTERPRETER, BYPASS_ALL, BYPASS_API, PROCESS_ISOLATION, RUN_INMEMORY_CODE or ESCALATE.'
        ApplicationType  = 'How the application is identified: NAME_PATH, SIGNED_BY or REPUTATION.'
        ApplicationValue = 'The path pattern (NAME_PATH, e.g. **\mimikatz.exe), signer (SIGNED_BY) or reputation (REPUTATION, e.g. KNOWN_MALWARE).'
        Action           = 'What the sensor does: IGNORE, ALLOW, DENY, TERMINATE_PROCESS, TERMINATE_THREAD or TERMINATE.'
        Required         = 'Marks the rule as required.'
        Rule             = 'A whole rule: a PolicyRule, a hashtable such as @{ operation = ''RUN''; application = @{ type = ''NAME_PATH''; value = ''**\x.exe'' }; action = ''DENY''; required = $false }, or JSON text.'
        PassThru         = 'Writes the new rule, with its server id.'
        Session          = 'The session to use; policies from the pipeline bring their own.'
        WhatIf           = 'Shows the rule that would be added; nothing is sent.'
        Confirm          = 'Asks before adding the rule.'
    }
    Inputs      = @{
        'CbDefense.Policy'     = 'Policies (PolicyId and Session are used).'
        'CbDefense.PolicyRule' = 'Rules (their fields are used).'
    }
    Outputs     = @{ 'CbDefense.PolicyRule' = 'With -PassThru, the new rule.' }
    Examples    = @(
        @{ Code = "Get-CbPolicy -Name Standard | Add-CbPolicyRule -Operation RUN -ApplicationType NAME_PATH -ApplicationValue '**\mimikatz.exe' -Action DENY"; Remarks = 'Denies running mimikatz on every device of the Standard policy.' }
        @{ Code = "Add-CbPolicyRule -PolicyId 30241 -Operation RANSOM -ApplicationType REPUTATION -ApplicationValue COMPANY_BLACK_LIST -Action TERMINATE -Required -PassThru"; Remarks = 'Adds a required rule and writes it with its new id.' }
        @{ Code = "Add-CbPolicyRule -PolicyId 30241 -Rule '{`"operation`":`"NETWORK`",`"application`":{`"type`":`"NAME_PATH`",`"value`":`"**\\nc.exe`"},`"action`":`"DENY`",`"required`":false}'"; Remarks = 'A rule given as JSON text.' }
        @{ Code = 'Get-CbPolicyRule -PolicyId 30241 | Add-CbPolicyRule -PolicyId 30242'; Remarks = 'Copies every rule of one policy to another.' }
    )
    Links       = @('Get-CbPolicyRule', 'Set-CbPolicyRule', 'Remove-CbPolicyRule')
}
