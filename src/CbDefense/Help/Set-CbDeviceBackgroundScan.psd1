@{
    Synopsis    = 'Starts or stops the background scan on devices.'
    Description = @'
Set-CbDeviceBackgroundScan sends the BACKGROUND_SCAN device action: -Enabled $true starts a background scan
of the disk (scan status IN_PROGRESS), -Enabled $false stops it. ConfirmImpact is Medium.

Device ids come from -DeviceId or from the pipeline: plain ids by value, Device objects (Get-CbDevice) by
property name (DeviceId, alias Id), each with its own session, so devices read from several servers each go
back to theirs. The ids are gathered and sent in batches of -BatchSize (default 1,000): one request per
batch to POST /appservices/v6/orgs/{org_key}/device_actions, never one per device. A device given twice is
sent once. An id that is not a positive number is reported as an error and never sent.

Each batch asks for one confirmation naming its devices (host names when the input objects carry them, "and N
more" past ten). -WhatIf describes every batch and sends nothing. -Force skips the confirmation prompt (unless
-Confirm is given explicitly), but never overrides -WhatIf.

The server answers 204 and applies the action asynchronously; it reports nothing per device, and ids it does
not know are ignored. If a batch fails, one error is written per device id in that batch, with the server's
message, and the other batches are still sent. Rate limits (429) and 503s are waited out by the session's
throttle gate before a batch is reported as failed.

The session needs an org key (Connect-CbDefense -OrgKey, or org_key in the credentials profile); without one
the command stops before sending anything.
'@
    Parameters  = @{
        Query      = 'Acts on the devices a search of the current API matches, in its search language (e.g. "os:WINDOWS AND name:kiosk*"), instead of ids: one request, whatever their number. -WhatIf says how many match and sends no action. Needs a Current session; not with -DeviceId or piped devices.'
        DeviceId   = 'The ids of the devices to act on. Binds from the pipeline by value (ids) and by property name (DeviceId or Id, so Device objects from Get-CbDevice). Ids must be positive.'
        PipelineObject = 'The piped object, bound only so that objects that are not devices (a policy, a rule) are refused rather than their Id taken for a device id. Not meant to be given by hand.'
        DeviceName = 'Bound from the Name of piped Device objects; used only to name the devices in confirmation messages. Not meant to be given by hand.'
        BatchSize  = 'Device ids per request (1 to 10,000; default 1,000). Each batch is one request and one confirmation.'
        Force      = 'Sends without asking for confirmation. -WhatIf still wins: with -WhatIf nothing is sent.'
        Session    = 'The session to use; defaults to the default session. Device objects from the pipeline bring their own.'
        Enabled    = '$true starts the background scan (toggle ON); $false stops it (toggle OFF). Required.'
        PassThru   = 'Writes each device after the action, read again from the server (one GET per device). A device the server no longer knows writes a not-found error.'
    }
    Inputs      = @{
        'System.Int64'     = 'Device ids.'
        'CbDefense.Device' = 'Devices (their DeviceId, Name and Session are used).'
    }
    Outputs     = @{ 'CbDefense.Device' = 'With -PassThru, each device as it is after the action. Nothing otherwise.' }
    Examples    = @(
        @{ Code = "Set-CbDeviceBackgroundScan -Query 'os:WINDOWS AND name:kiosk*' -Enabled `$true -WhatIf"; Remarks = 'On a Current session: says how many devices the search matches and sends nothing; without -WhatIf, one request acts on all of them.' }
        @{ Code = 'Get-CbDevice -HostName ''SRV-*'' | Set-CbDeviceBackgroundScan -Enabled $true -Force'; Remarks = 'Starts a background scan on every server, without prompting.' }
        @{ Code = 'Set-CbDeviceBackgroundScan -DeviceId 12345 -Enabled $false -PassThru | Select-Object Name, ScanStatus, ScanLastActionTime'; Remarks = 'Stops the scan on one device and shows its scan status.' }
        @{ Code = '1001, 1002, 1003 | Set-CbDeviceBackgroundScan -Enabled $true -WhatIf'; Remarks = 'Shows the one request that would be sent for three ids.' }
    )
    Links       = @('Get-CbDevice', 'Set-CbDeviceQuarantine', 'Set-CbDeviceBypass', 'Set-CbDevicePolicy', 'Update-CbDeviceSensor', 'Uninstall-CbDeviceSensor', 'Remove-CbDevice', 'Connect-CbDefense')
}
