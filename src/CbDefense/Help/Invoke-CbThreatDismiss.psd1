@{
    Synopsis    = 'Dismisses every past and future alert of one or more threats.'
    Description = @'
Invoke-CbThreatDismiss sets the workflow state DISMISSED on every alert of the given threat ids, including alerts
the threats raise later (cbapi bulk_threat_dismiss; POST /appservices/v6/orgs/{org_key}/threat/workflow/_criteria).
The ids from the pipeline are collected and sent in one request per session. The session needs the org key
(Connect-CbDefense -OrgKey); without it the command fails before sending anything.

The server works asynchronously: the command writes the workflow status of the request (QUEUED, IN_PROGRESS or
FINISHED). With -Wait it polls the status, with a progress bar, until FINISHED or -TimeoutSec, then writes the
final status; on timeout the status is written and followed by an error naming the request id, so you can check it
later with Get-CbWorkflowStatus. Ctrl+C during -Wait leaves a warning naming the request id.

On a Current session (alerts v7) the command does two things, as the console and Carbon Black's SDK do: the v7
alert workflow (POST /api/alerts/v7/orgs/{org_key}/alerts/workflow with the threat ids as threat_id criteria) for
the alerts the threats raised so far, and the v6 threat workflow route above so that alerts the threats raise later
arrive dismissed (closed) too. v7 has no remediation field: a -Remediation that is a v7 closure reason (NO_REASON, RESOLVED,
RESOLVED_BENIGN_KNOWN_GOOD, DUPLICATE_CLEANUP, OTHER) is sent as closure_reason; any other text is kept in the note
("Remediation: ...") beside -Comment, never dropped. The status written is the job's (GET
/jobs/v1/orgs/{org_key}/jobs/{id}: progress from num_completed of num_total), FINISHED only when the v6 threat
request has finished too; its RequestId is the job id, which Get-CbWorkflowStatus follows. The output type is the
same on both generations.

It supports -WhatIf (nothing is sent) and -Confirm.
'@
    Parameters  = @{
        ThreatId    = 'One or more threat ids (strings). Binds from the pipeline by value and by property name (ThreatId or threat_id, as alerts have).'
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
        @{ Code = "Invoke-CbThreatDismiss -ThreatId 'B0RG', 'F3R3NG1' -Remediation 'Reimaged' -Comment 'False positive after review' -Wait"; Remarks = 'Dismisses two threats and waits until the server has applied it.' }
        @{ Code = "Get-Content threats.txt | Invoke-CbThreatDismiss -Comment 'Known test tool' -WhatIf"; Remarks = 'Shows what would be dismissed, sending nothing.' }
        @{ Code = "(Invoke-CbApi -Method POST -Path /appservices/v6/orgs/MYORG/alerts/_search -Body @{ criteria = @{ category = @('MONITORED') } }).results | Invoke-CbThreatDismiss -Confirm:`$false"; Remarks = 'Dismisses the threats of alerts found with the raw alert search (alerts carry threat_id).' }
        @{ Code = "Get-CbAlert -Range '-7d' -Type CB_ANALYTICS -ProcessName 'psexec.exe' | Invoke-CbThreatDismiss -Remediation RESOLVED_BENIGN_KNOWN_GOOD -Comment 'Admin tool' -Wait"; Remarks = 'Dismisses the threats of the alerts a search found (alerts carry ThreatId); on a Current session RESOLVED_BENIGN_KNOWN_GOOD is sent as the v7 closure reason.' }
        @{ Code = "`$s = Invoke-CbThreatDismiss -ThreatId 'B0RG'; `$s | Get-CbWorkflowStatus -Wait -TimeoutSec 60"; Remarks = 'Starts the dismissal, then waits for it separately.' }
    )
    Links       = @('Invoke-CbThreatUpdate', 'Get-CbWorkflowStatus', 'Get-CbAlert', 'Set-CbAlert')
}
