@{
    Synopsis    = 'Saves changes to a Carbon Black Defense policy.'
    Description = @'
Set-CbPolicy sends PUT /integrationServices/v3/policy/{id} with the whole policyInfo, as the API requires. Pipe
a policy you modified (its properties, SensorSettings, Rules, AvSettings or Settings): every field read from
the server is sent back unchanged except what you edited. Or give -Id and the fields to change; the policy is
read first and sent back with those changes. -Name, -Description, -PriorityLevel and -Policy (the whole
settings object) apply in both forms.

The priority level and every rule are checked before anything is sent. The server's messages (a duplicate
name is a 409, an invalid field a 400) are reported as errors. -PassThru writes the policy as saved.
'@
    Parameters  = @{
        InputObject   = 'A policy (from Get-CbPolicy), possibly modified. Binds from the pipeline.'
        Id            = 'The id of the policy to change.'
        Name          = 'A new name.'
        Description   = 'A new description.'
        PriorityLevel = 'A new priority level: LOW, MEDIUM, HIGH or MISSION_CRITICAL.'
        Policy        = 'New settings for the whole policy settings object: a policy object, a hashtable, a PSCustomObject or JSON text.'
        PassThru      = 'Writes the saved policy.'
        Session       = 'The session to use; policies from the pipeline bring their own.'
        WhatIf        = 'Shows what would be saved; nothing is sent.'
        Confirm       = 'Asks before saving.'
    }
    Inputs      = @{ 'CbDefense.Policy' = 'Policies to save.' }
    Outputs     = @{ 'CbDefense.Policy' = 'With -PassThru, the saved policy.' }
    Examples    = @(
        @{ Code = "Set-CbPolicy -Id 30241 -Description 'Finance workstations' -PriorityLevel HIGH"; Remarks = 'Changes two fields of a policy.' }
        @{ Code = @'
$p = Get-CbPolicy -Name Windows_Workstation
($p.SensorSettings | Where-Object Name -eq 'SHOW_UI').Value = 'False'
$p | Set-CbPolicy -PassThru
'@; Remarks = 'Hides the sensor UI: edits one sensor setting and saves; everything else is sent back as read.' }
        @{ Code = 'Get-CbPolicy -Name Lab* | Set-CbPolicy -PriorityLevel LOW -WhatIf'; Remarks = 'Shows which policies would change.' }
    )
    Links       = @('Get-CbPolicy', 'New-CbPolicy', 'Set-CbPolicyRule')
}
