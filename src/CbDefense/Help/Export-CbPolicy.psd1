@{
    Synopsis    = 'Writes Carbon Black Defense policies to JSON files that keep every field.'
    Description = @'
Export-CbPolicy writes a policy to a UTF-8 JSON file: the whole policyInfo exactly as the server sent it
(every field, every setting and rule, including fields this module does not know), with any edits made to the
policy object, plus where it came from (server, org key, policy id) and when. Import-CbPolicy reads the file
to create the policy in another org or to replace an existing policy, e.g. to promote a policy tested in a lab
org to production; exporting the imported policy gives the same settings and rules.

-Path is a file; if it is an existing folder, each policy is written to "<name>.<id>.json" in it. An existing
file is overwritten unless -NoClobber is given. No API secret is ever written. -PassThru writes the files.
'@
    Parameters  = @{
        InputObject = 'Policies to export (from Get-CbPolicy). Binds from the pipeline.'
        Id          = 'Ids of policies to read and export.'
        Path        = 'The file to write, or an existing folder to write one file per policy into.'
        NoClobber   = 'Does not overwrite an existing file (writes an error instead).'
        PassThru    = 'Writes a FileInfo for each file written.'
        Session     = 'The session to read -Id from; defaults to the default session.'
        WhatIf      = 'Shows which files would be written; nothing is written.'
        Confirm     = 'Asks before writing each file.'
    }
    Inputs      = @{ 'CbDefense.Policy' = 'Policies to export.' }
    Outputs     = @{ 'System.IO.FileInfo' = 'With -PassThru, the files written.' }
    Examples    = @(
        @{ Code = "Get-CbPolicy -Name Windows_Workstation | Export-CbPolicy -Path ./Windows_Workstation.json"; Remarks = 'Exports one policy.' }
        @{ Code = "New-Item -ItemType Directory ./policies; Get-CbPolicy | Export-CbPolicy -Path ./policies -PassThru"; Remarks = 'Backs up every policy, one file each.' }
        @{ Code = @'
$lab  = Connect-CbDefense -ProfileName lab
$prod = Connect-CbDefense -ProfileName production
Export-CbPolicy -Id 30241 -Session $lab -Path ./promote.json
Import-CbPolicy -Path ./promote.json -Session $prod
'@; Remarks = 'Promotes a policy from a lab org to production.' }
    )
    Links       = @('Import-CbPolicy', 'Get-CbPolicy')
}
