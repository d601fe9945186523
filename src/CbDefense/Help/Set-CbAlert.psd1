@{
    Synopsis    = 'Changes the workflow of alerts: status, closure reason, determination and a note (alerts v7).'
    Description = @'
Set-CbAlert sends the v7 alert workflow (POST /api/alerts/v7/orgs/{org_key}/alerts/workflow) with the alert ids as
criteria: one request per batch of -BatchSize ids (default 1,000), one confirmation per batch. The server answers
with a request id, a job of the jobs API (GET /jobs/v1/orgs/{org_key}/jobs/{id}): the command writes its status
(QUEUED, IN_PROGRESS, FINISHED; NumHits and NumSuccess from the job's progress). With -Wait it follows the job with
a progress bar until it is done or -TimeoutSec; a job the server reports FAILED is an error after its status.

Alerts come by -Id, or from the pipeline (Get-CbAlert output, each going back to the session it was read through).
The change applies when the job runs: an alert read before shows its old status until it is read again.

The legacy generation has no alert workflow by id (its v6 routes were retired): there the command says so and
names Invoke-CbThreatDismiss, which dismisses every alert of a threat, or a Current session.

It supports -WhatIf (nothing is sent) and -Confirm.
'@
    Parameters  = @{
        Id            = 'Alert ids.'
        InputObject   = 'Alerts from the pipeline (Get-CbAlert).'
        Status        = 'The new workflow status: OPEN, IN_PROGRESS or CLOSED.'
        ClosureReason = 'Why the alerts are closed: NO_REASON, RESOLVED, RESOLVED_BENIGN_KNOWN_GOOD, DUPLICATE_CLEANUP or OTHER.'
        Determination = 'The determination: TRUE_POSITIVE, FALSE_POSITIVE or NONE (left as it is when not given).'
        Note          = 'A note recorded with the change.'
        BatchSize     = 'Alert ids per request (1 to 10,000; default 1,000). Each batch is one request, one job and one confirmation.'
        Wait          = 'Follows each job until it is done (or -TimeoutSec) and writes the final status.'
        TimeoutSec    = 'How long -Wait waits, in seconds (default 300).'
        Session       = 'The session to use for -Id; piped alerts bring their own.'
    }
    Inputs      = @{ 'CbDefense.Alert' = 'Alerts (their Id and Session are used).' }
    Outputs     = @{ 'CbDefense.WorkflowStatus' = 'The status of each batch''s job.' }
    Examples    = @(
        @{ Code = "Get-CbAlert -Range '-7d' -DeviceName 'WIN-LAB-*' -Status OPEN | Set-CbAlert -Status CLOSED -ClosureReason RESOLVED_BENIGN_KNOWN_GOOD -Note 'Lab noise' -Wait"; Remarks = 'Closes the week''s open alerts of the lab machines and waits for the jobs.' }
        @{ Code = "Set-CbAlert -Id 'e5d6f1a8-...' -Status IN_PROGRESS -Determination TRUE_POSITIVE -WhatIf"; Remarks = 'Shows what would be sent; sends nothing.' }
    )
    Links       = @('Get-CbAlert', 'Get-CbWorkflowStatus', 'Invoke-CbThreatDismiss')
}
