@{
    Synopsis    = 'Lists the open CB Defense sessions.'
    Description = @'
Get-CbDefenseSession writes the sessions opened by Connect-CbDefense in this process, oldest first, or with
-Default only the default session. A session shows the server Uri, OrgKey, ApiId and profile name, never the
secret key.
'@
    Parameters  = @{
        Id      = 'Only the sessions with these ids.'
        Default = 'Only the default session (the one used when a cmdlet gets no -Session).'
    }
    Outputs     = @{ 'CbDefense.Session' = 'One per open session.' }
    Examples    = @(
        @{ Code = 'Get-CbDefenseSession'; Remarks = 'Lists every open session.' }
        @{ Code = '(Get-CbDefenseSession -Default).Uri'; Remarks = 'The URL of the server the cmdlets use by default.' }
    )
    Links       = @('Connect-CbDefense', 'Disconnect-CbDefense')
}
