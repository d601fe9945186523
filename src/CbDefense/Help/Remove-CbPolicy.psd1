@{
    Synopsis    = 'Deletes Carbon Black Defense policies.'
    Description = @'
Remove-CbPolicy sends DELETE /integrationServices/v3/policy/{id}. It asks for confirmation (ConfirmImpact
High); -Confirm:$false skips the prompt, -WhatIf shows what would be deleted and sends nothing.

System policies (SystemPolicy = True, such as Standard) cannot be deleted: they are refused here with a clear
error, before the delete is sent (with -Id the policy is read first to check). A policy that still has devices
assigned is refused by the server (409); move the devices to another policy first. An unknown id writes a
not-found error and the other ids are still processed.
'@
    Parameters  = @{
        Id          = 'Ids of the policies to delete. Binds from the pipeline by value.'
        InputObject = 'Policies to delete (from Get-CbPolicy). Binds from the pipeline.'
        Session     = 'The session to use; policies from the pipeline bring their own.'
        WhatIf      = 'Shows what would be deleted; nothing is sent.'
        Confirm     = 'Asks before each delete (the default for this command).'
    }
    Inputs      = @{
        'System.Int64'     = 'Policy ids.'
        'CbDefense.Policy' = 'Policies.'
    }
    Outputs     = @{ 'None' = 'Nothing.' }
    Examples    = @(
        @{ Code = 'Remove-CbPolicy -Id 30300'; Remarks = 'Deletes a policy after asking.' }
        @{ Code = "Get-CbPolicy -Name 'Test-*' | Remove-CbPolicy -Confirm:`$false"; Remarks = 'Deletes every policy whose name starts with Test- without asking.' }
        @{ Code = "Get-CbPolicy -Name 'Old*' | Remove-CbPolicy -WhatIf"; Remarks = 'Lists what would be deleted.' }
    )
    Links       = @('Get-CbPolicy', 'New-CbPolicy')
}
