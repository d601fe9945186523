@{
    Synopsis    = 'Creates a Carbon Black Defense policy from settings, or as a copy of another policy.'
    Description = @'
New-CbPolicy sends POST /integrationServices/v3/policy with {"policyInfo": {...}} and writes the new policy as
read back from the server (with its server id). The API requires name, description, priorityLevel, version 2
and the policy settings object; version 2 is always sent, -Description defaults to an empty string, and a
missing -PriorityLevel or settings object is reported before anything is sent. -PriorityLevel is checked
against LOW, MEDIUM, HIGH and MISSION_CRITICAL (Tab completes them), and every rule in the settings is checked
against the documented operations, application types and actions.

-Policy takes the settings as a policy object (its settings are used), a hashtable or PSCustomObject, or JSON
text. -FromPolicy clones a policy: every field and setting of the source is copied except its id, revision and
system flag; -Description, -PriorityLevel and -Policy override the copied values. Piping a policy into
New-CbPolicy clones it in the policy's own session; pass -Session to create the copy on another server.
'@
    Parameters  = @{
        Name          = 'The name of the new policy. Names must be unique in the org (the server answers 409 otherwise).'
        Description   = 'The description (default: empty, or the source''s with -FromPolicy).'
        PriorityLevel = 'LOW, MEDIUM, HIGH or MISSION_CRITICAL (any case). Required unless -FromPolicy gives it.'
        Policy        = 'The policy settings (the policyInfo.policy object: rules, sensorSettings, avSettings, ...): a policy object, a hashtable, a PSCustomObject or JSON text.'
        FromPolicy    = 'A policy to copy (from Get-CbPolicy). Binds from the pipeline.'
        Session       = 'The session to create the policy in; defaults to the default session (or, from the pipeline, the source policy''s session).'
        WhatIf        = 'Shows what would be created; nothing is sent.'
        Confirm       = 'Asks before creating the policy.'
    }
    Inputs      = @{ 'CbDefense.Policy' = 'A policy to clone.' }
    Outputs     = @{ 'CbDefense.Policy' = 'The created policy, as read back from the server.' }
    Examples    = @(
        @{ Code = "Get-CbPolicy -Name Standard | New-CbPolicy -Name 'Standard - pilot' -Description 'Pilot group'"; Remarks = 'Clones the Standard policy under a new name.' }
        @{ Code = "New-CbPolicy -Name Kiosks -PriorityLevel HIGH -Policy @{ sensorSettings = @(@{ name = 'SHOW_UI'; value = 'False' }); rules = @() }"; Remarks = 'A new policy from a hashtable of settings.' }
        @{ Code = "New-CbPolicy -Name Lab -PriorityLevel LOW -Policy (Get-Content ./lab-settings.json -Raw)"; Remarks = 'Settings given as JSON text.' }
        @{ Code = "New-CbPolicy -Name Copy -FromPolicy (Get-CbPolicy -Id 30241) -PriorityLevel MEDIUM -WhatIf"; Remarks = 'Shows what would be created, sending nothing.' }
    )
    Links       = @('Get-CbPolicy', 'Set-CbPolicy', 'Import-CbPolicy')
}
