@{
    Synopsis    = 'Closes a CB Defense session.'
    Description = @'
Disconnect-CbDefense closes the default session, or the one given, and releases its connections. When the
default session is closed, the most recently opened other session (if any) becomes the default.
'@
    Parameters  = @{
        Session = 'The session to close. Defaults to the default session.'
    }
    Inputs      = @{ 'CbDefense.Session' = 'Sessions to close.' }
    Outputs     = @{ 'None' = 'This cmdlet writes nothing.' }
    Examples    = @(
        @{ Code = 'Disconnect-CbDefense'; Remarks = 'Closes the default session.' }
        @{ Code = 'Get-CbDefenseSession | Disconnect-CbDefense'; Remarks = 'Closes every open session.' }
    )
    Links       = @('Connect-CbDefense', 'Get-CbDefenseSession')
}
