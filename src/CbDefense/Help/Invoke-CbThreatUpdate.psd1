@{
    Synopsis    = 'Updates the workflow of one or more threats and leaves (or puts) their alerts OPEN.'
    Description = @'
Invoke-CbThreatUpdate sets the workflow state OPEN, with a remediation and comment, on every past and future alert of
the given threat ids (cbapi bulk_threat_update; POST /appservices/v6/orgs/{org_key}/threat/workflow/_criteria).
Dismissed alerts of those threats are opened again. The ids from the pipeline are collected and sent in one request
per session. The session needs the org key (Connect-CbDefense -OrgKey).

The command writes the workflow status of the request; with -Wait it polls, with a progress bar, until FINISHED or
-TimeoutSec, then writes the final status (on timeout, followed by an error naming the request id).

It supports -WhatIf (nothing is sent) and -Confirm.
'@
    Parameters  = @{
        ThreatId    = 'One or more threat ids (strings). Binds from the pipeline by value and by property name (ThreatId or threat_id).'
        Remediation = 'The remediation text recorded on the workflow (remediation_state).'
        Comment     = 'The comment recorded on the workflow.'
        Wait        = 'Waits until the request is FINISHED (or -TimeoutSec) and writes the final status.'
        TimeoutSec  = 'How long -Wait waits, in seconds (default 300).'
        Session     = 'The session to use; defaults to the default session.'
    }
    Inputs      = @{
        'System.String' = 'Threat ids.'
        'System.Management.Automation.PSObject' = 'Objects with a ThreatId or threat_id property (alerts).'
    }
    Outputs     = @{ 'CbDefense.WorkflowStatus' = 'The status of the workflow request.' }
    Examples    = @(
        @{ Code = "Invoke-CbThreatUpdate -ThreatId 'B0RG' -Comment 'Escalated to IR, ticket 4711' -Wait"; Remarks = 'Records a comment on a threat, keeping its alerts open, and waits for it.' }
        @{ Code = "Invoke-CbThreatUpdate -ThreatId 'B0RG' -Remediation 'Under investigation' -WhatIf"; Remarks = 'Shows what would change without sending anything.' }
        @{ Code = "'B0RG', 'F3R3NG1' | Invoke-CbThreatUpdate -Comment 'Reopened: seen again'"; Remarks = 'Reopens two dismissed threats with one request.' }
    )
    Links       = @('Invoke-CbThreatDismiss', 'Get-CbWorkflowStatus')
}
