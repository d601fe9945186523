@{
    Synopsis    = 'Deletes a file or an empty folder on devices (the delete file command).'
    Description = @'
Remove-CbLiveResponseItem deletes one remote file, or one empty folder, on each device (cbapi's delete_file). -Path
is as the device spells it; wildcards are refused, so one mistyped pattern cannot delete many files. A folder that
is not empty is refused by the sensor (ERROR_DIR_NOT_EMPTY): delete its files first.

ConfirmImpact is High, so it asks for confirmation per device by default; -Force (or -Confirm:$false) skips the
prompt, -WhatIf deletes nothing.

Sessions: pipe open sessions (New-CbLiveResponseSession) to -LiveResponseSession, or give -DeviceId and the cmdlet
opens a session per device, deletes the item and closes the session again (a session the module already holds open
for the device is used and left open). Up to -ThrottleLimit devices (default 5) are worked on at once. A device that
fails gets one error and the others go on: RemoveItemFailed.ERROR_FILE_NOT_FOUND (category ObjectNotFound),
RemoveItemFailed.ERROR_ACCESS_DENIED (PermissionDenied), RemoveItemFailed.ERROR_SHARING_VIOLATION (ResourceBusy, the
file is in use).
'@
    Parameters  = @{
        Path                = 'The remote file or empty folder to delete, as the device spells it. No wildcards.'
        Force               = 'Deletes without asking for confirmation. -WhatIf still wins.'
        LiveResponseSession = 'Open Live Response sessions (New-CbLiveResponseSession, Get-CbLiveResponseSession) to run the command in. Binds from the pipeline by value. They stay open.'
        DeviceId            = 'The devices to run the command on: a session the module holds open for the device is used (and left open), otherwise one is opened (waiting up to 360 s for the sensor and for a free slot under the org''s session limit), used and closed. Binds by property name (DeviceId), so Device objects from Get-CbDevice can be piped.'
        ThrottleLimit       = 'How many devices are worked on at once (1 to 100; default 5). Keep it within the org''s session limit when -DeviceId opens sessions.'
        Session             = 'With -DeviceId: the CbDefense session (connection) to open Live Response sessions through; defaults to the default session. Device objects from the pipeline bring their own.'
    }
    Inputs      = @{
        'CbDefense.LiveResponseSession' = 'Open sessions to run the command in.'
        'CbDefense.Device'              = 'Devices (their DeviceId and Session are used, with -DeviceId).'
    }
    Outputs     = @{ 'None' = 'This cmdlet writes nothing.' }
    Examples    = @(
        @{ Code = 'Remove-CbLiveResponseItem -DeviceId 12345 -Path C:\Users\Public\Downloads\invoice.exe'; Remarks = 'One shot: asks, then deletes the file on device 12345 and closes the session.' }
        @{ Code = 'Get-CbDevice -OS WINDOWS | Remove-CbLiveResponseItem -Path C:\Windows\Temp\dropper.dll -Force -ErrorAction SilentlyContinue -ErrorVariable failed; $failed | Where-Object { $_.CategoryInfo.Category -ne ''ObjectNotFound'' }'; Remarks = 'Deletes the file wherever it is, without prompting, and keeps only the failures other than "not there".' }
        @{ Code = '$s | Remove-CbLiveResponseItem -Path /tmp/tool.sh -WhatIf'; Remarks = 'Says what would be deleted on each device; deletes nothing.' }
    )
    Links       = @('Get-CbLiveResponseChildItem', 'New-CbLiveResponseDirectory', 'Send-CbLiveResponseFile', 'about_CbDefense_LiveResponse')
}
