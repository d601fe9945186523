@{
    Synopsis    = 'Gets the status of a threat workflow request, optionally waiting for it to finish.'
    Description = @'
Get-CbWorkflowStatus reads GET /appservices/v6/orgs/{org_key}/workflow/status/{request_id}: the status (QUEUED,
IN_PROGRESS or FINISHED), the number of alerts hit and changed, failed ids, errors, and the workflow applied (state,
remediation, comment, changed by, last update time). The session needs the org key.

With -Wait it polls (after half a second, then less and less often, at most every 5 seconds) with a progress bar and
a verbose line for each status change, until FINISHED or -TimeoutSec; it then writes the final status. On timeout
the latest status is written and followed by a non-terminating error. An unknown request id writes a not-found
error and the other ids go on.

On a Current session a request id is first looked up as a job (GET /jobs/v1/orgs/{org_key}/jobs/{id}, what
Set-CbAlert and the threat cmdlets start there): CREATED is shown as QUEUED, IN_PROGRESS with its progress
(num_completed of num_total), COMPLETED as FINISHED, and FAILED as FINISHED followed by an error with the job's
message. An id the jobs API does not know is read from the v6 workflow status route above.
'@
    Parameters  = @{
        RequestId  = 'One or more request ids. Binds from the pipeline by value and by property name (RequestId, so the output of Invoke-CbThreatDismiss, or request_id).'
        Wait       = 'Waits until the request is FINISHED (or -TimeoutSec) and writes the final status.'
        TimeoutSec = 'How long -Wait waits, in seconds (default 300).'
        Session    = 'The session to use; defaults to the default session. Workflow status objects from the pipeline bring their own.'
    }
    Inputs      = @{
        'System.String' = 'Request ids.'
        'CbDefense.WorkflowStatus' = 'Workflow statuses (their RequestId and Session are used).'
    }
    Outputs     = @{ 'CbDefense.WorkflowStatus' = 'One status per request id.' }
    Examples    = @(
        @{ Code = "Get-CbWorkflowStatus -RequestId '497ABX'"; Remarks = 'The current status of a request.' }
        @{ Code = "Invoke-CbThreatDismiss -ThreatId 'B0RG' | Get-CbWorkflowStatus -Wait -TimeoutSec 120 -Verbose"; Remarks = 'Waits for a dismissal to finish, showing each status change.' }
        @{ Code = "(Get-CbWorkflowStatus '497ABX').Workflow | Format-List"; Remarks = 'Who changed what, and when.' }
    )
    Links       = @('Invoke-CbThreatDismiss', 'Invoke-CbThreatUpdate')
}
