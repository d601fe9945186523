@{
    Synopsis    = 'Updates the workflow of one or more threats and leaves (or puts) their alerts OPEN.'
    Description = @'
Invoke-CbThreatUpdate sets the workflow state OPEN, with a remediation and comment, on every past and future alert of
the given threat ids (cbapi bulk_threat_update; POST /appservices/v6/orgs/{org_key}/threat/workflow/_criteria).
Dismissed alerts of those threats are opened again. The ids from the pipeline are collected and sent in one request
per session. The session needs the org key (Connect-CbDefense -OrgKey).

The command writes the workflow status of the request; with -Wait it polls, with a progress bar, until FINISHED or
-TimeoutSec, then writes the final status (on timeout, followed by an error naming the request id).

On a Current session (alerts v7) the command does two things, as the console and Carbon Black's SDK do: the v7
alert workflow (POST /api/alerts/v7/orgs/{org_key}/alerts/workflow with the threat ids as threat_id criteria) for
the alerts the threats raised so far, and the v6 threat workflow route above so that alerts the threats raise later
arrive open too. v7 has no remediation field: a -Remediation that is a v7 closure reason (NO_REASON, RESOLVED,
RESOLVED_BENIGN_KNOWN_GOOD, DUPLICATE_CLEANUP, OTHER) is sent as closure_reason; any other text is kept in the note
("Remediation: ...") beside -Comment, never dropped. The status written is the job's (GET
/jobs/v1/orgs/{org_key}/jobs/{id}: progress from num_completed of num_total), FINISHED only when the v6 threat
request has finished too; its RequestId is the job id, which Get-CbWorkflowStatus follows. The output type is the
same on both generations.

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
