@{
    Synopsis    = 'Sends a request to any route of the Carbon Black Defense API.'
    Description = @'
Invoke-CbApi is raw access to the API for everything the other cmdlets do not cover (cbapi's api_json_request,
get_object, get_raw_data, post_object, put_object, delete_object and raise_unless_json). The request goes
through the session's pipeline: the X-Auth-Token header, the throttle gate and retries, the timeout, proxy and
certificate options, verbose and debug logging with the token redacted.

The reply is parsed as JSON and written as objects (like Invoke-RestMethod); with -Raw it is written as text.
A 204 reply writes nothing. POST, PUT, PATCH and DELETE support -WhatIf and -Confirm. Errors follow the module's rules: 401, 404, 400, 5xx, a v3 reply with
"success": false, a reply with "errorMessage" and a reply that is not JSON (such as an HTML page from a proxy)
are error records carrying the server's message.
'@
    Parameters  = @{
        Method           = 'The HTTP method: GET (default), POST, PUT, PATCH, DELETE, HEAD or OPTIONS.'
        Path             = 'The path of the route, for example /integrationServices/v3/policy. The session''s URL is put in front.'
        Query            = 'Query parameters as a hashtable; array values become repeated keys. Keys are sorted and form-encoded, as cbapi does.'
        Body             = 'The request body: a hashtable or object (sent as JSON), or a string sent as it is (JSON text). POST, PUT and PATCH without a body send {}.'
        Raw              = 'Writes the reply as text instead of parsing it.'
        ExpectedResponse = 'A hashtable of keys the reply must have with these values (for example @{ success = $true }); otherwise an error names the first key that differs. The status must be 200.'
        Session          = 'The session to use; defaults to the default session.'
        WhatIf           = 'For POST, PUT, PATCH and DELETE: shows the request that would be sent, and sends nothing. Reads are always sent.'
        Confirm          = 'For POST, PUT, PATCH and DELETE: asks before sending.'
    }
    Inputs      = @{ 'System.Object' = 'A body, from the pipeline.' }
    Outputs     = @{
        'System.Management.Automation.PSObject' = 'The parsed JSON reply.'
        'System.String'                          = 'With -Raw, the reply text.'
    }
    Examples    = @(
        @{ Code = 'Invoke-CbApi -Path /integrationServices/v3/policy | Select-Object -ExpandProperty results'; Remarks = 'Lists the policies with the raw v3 route.' }
        @{ Code = "Invoke-CbApi -Path /integrationServices/v3/device -Query @{ hostNameExact = 'WIN-01'; rows = 10 }"; Remarks = 'A device query with query parameters.' }
        @{ Code = "Invoke-CbApi -Method PATCH -Path /integrationServices/v3/device/12345 -Body @{ policyName = 'Restrictive' }"; Remarks = 'Moves a device to another policy with the v3 PATCH.' }
        @{ Code = "Invoke-CbApi -Path /integrationServices/v3/auditlogs -ExpectedResponse @{ success = `$true }"; Remarks = 'Reads the audit log queue and fails unless the reply says success.' }
    )
    Links       = @('Connect-CbDefense', 'Get-CbDevice')
}
