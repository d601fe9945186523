@{
    Synopsis    = 'Creates or replaces a Carbon Black Defense policy from an Export-CbPolicy file.'
    Description = @'
Import-CbPolicy reads a file written by Export-CbPolicy (a bare policyInfo object, or a saved GET reply, is
accepted too) and creates the policy in the session's org with every field and setting of the file (POST
/integrationServices/v3/policy); the fields that belong to the source server (id, latestRevision,
systemPolicy, orgId) are not sent. -Name gives the new policy another name.

With -Update -Id, the existing policy with that id is replaced (PUT) by the file's settings, rules and fields;
it keeps its id and its server-managed fields. The file is checked (required fields, priority level, rules)
before anything is sent; an invalid file writes an error and sends nothing. The created or replaced policy is
written, as read back from the server.
'@
    Parameters  = @{
        Path    = 'The export file(s) to read. Binds from the pipeline (file names, or FileInfo objects by FullName).'
        Name    = 'A name for the policy instead of the one in the file.'
        Update  = 'Replaces the existing policy given by -Id instead of creating a new one.'
        Id      = 'With -Update, the id of the policy to replace.'
        Session = 'The session (org) to import into; defaults to the default session.'
        WhatIf  = 'Shows what would be created or replaced; nothing is sent.'
        Confirm = 'Asks before creating or replacing each policy.'
    }
    Inputs      = @{
        'System.String'      = 'File paths.'
        'System.IO.FileInfo' = 'Files (by FullName).'
    }
    Outputs     = @{ 'CbDefense.Policy' = 'The created or replaced policy.' }
    Examples    = @(
        @{ Code = 'Import-CbPolicy -Path ./Windows_Workstation.json -Session $prod'; Remarks = 'Creates the exported policy in another org.' }
        @{ Code = "Import-CbPolicy -Path ./Windows_Workstation.json -Name 'Windows_Workstation v2'"; Remarks = 'Creates it under another name.' }
        @{ Code = 'Import-CbPolicy -Path ./Windows_Workstation.json -Update -Id 30241 -WhatIf'; Remarks = 'Shows which policy the file would replace.' }
        @{ Code = 'Get-ChildItem ./policies/*.json | Import-CbPolicy -Session $dr'; Remarks = 'Restores a folder of exported policies into a recovery org.' }
    )
    Links       = @('Export-CbPolicy', 'New-CbPolicy', 'Set-CbPolicy')
}
