@{
    Synopsis    = 'Saves changes to devices: their policy, or (legacy API) their target priority.'
    Description = @'
Set-CbDevice is cbapi's Device.save(). Pipe a device read with Get-CbDevice whose PolicyId, PolicyName or
TargetPriorityType you changed, or give -Id with -PolicyId, -PolicyName or -TargetPriority. Only what changed is
sent; a device with no change sends nothing.

On a Legacy session the v3 device is PATCHed with only the changed fields, unwrapped, as cbapi sends it
(policyId or policyName, targetPriorityType); the reply is checked, and a change the server did not apply is an
error, not a silent success. On a Current session the policy is changed with the UPDATE_POLICY device action (a
name is resolved to its id through the policy service); the current API has no route for the target priority,
which is then an error that says so. For many devices at once, Set-CbDevicePolicy sends one request per batch.

-WhatIf shows each change and sends nothing; -PassThru writes each device as it is afterwards.
'@
    Parameters  = @{
        InputObject    = 'A device read with Get-CbDevice and edited (PolicyId, PolicyName, TargetPriorityType). Only the fields that differ from what was read are sent.'
        Id             = 'The ids of the devices to change (with -PolicyId, -PolicyName or -TargetPriority).'
        PolicyId       = 'Moves the devices to this policy.'
        PolicyName     = 'Moves the devices to the policy with this name (exact, case-insensitive).'
        TargetPriority = 'The target priority: LOW, MEDIUM, HIGH or MISSION_CRITICAL (legacy API only).'
        PassThru       = 'Writes each device as the server has it after the change.'
        Session        = 'The session to use; defaults to the default session. Piped devices bring their own.'
    }
    Inputs      = @{ 'CbDefense.Device' = 'Devices whose changed fields are saved.' }
    Outputs     = @{ 'CbDefense.Device' = 'With -PassThru, each device after the change.' }
    Examples    = @(
        @{ Code = '$d = Get-CbDevice -Id 12345
$d.PolicyName = ''Windows_Server''
$d | Set-CbDevice -PassThru'; Remarks = 'Edits a device object and saves it, as cbapi''s device.policyName = ...; device.save().' }
        @{ Code = 'Set-CbDevice -Id 12345 -TargetPriority HIGH -WhatIf'; Remarks = 'Shows the change and sends nothing.' }
    )
    Links       = @('Get-CbDevice', 'Set-CbDevicePolicy')
}
