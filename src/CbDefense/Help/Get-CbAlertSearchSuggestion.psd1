@{
    Synopsis    = 'Gets the alert search field suggestions for a partial query.'
    Description = @'
Get-CbAlertSearchSuggestion calls GET /appservices/v6/orgs/{org_key}/alerts/search_suggestions?suggest.q=<query>
(cbapi alert_search_suggestions) and writes each suggestion as a CbDefense.AlertSearchSuggestion: the term, its
weight, and the SKUs it requires (RequiredSkusAll, RequiredSkusSome) as the API gives them. An empty query lists every
suggestion. The session needs the org key.

On a Current session the command calls the alerts v7 route, GET
/api/alerts/v7/orgs/{org_key}/alerts/search_suggestions?suggest.q=<query>, whose terms are the v7 field names
(the ones Get-CbAlert -Query and -Criteria take); the output type is the same.
'@
    Parameters  = @{
        Query   = 'The partial query to complete (suggest.q); empty lists every suggestion.'
        Session = 'The session to use; defaults to the default session.'
    }
    Inputs      = @{ 'System.String' = 'Queries.' }
    Outputs     = @{ 'CbDefense.AlertSearchSuggestion' = 'One object per suggestion.' }
    Examples    = @(
        @{ Code = 'Get-CbAlertSearchSuggestion -Query device'; Remarks = 'The fields whose name contains device, best first.' }
        @{ Code = "Get-CbAlertSearchSuggestion '' | Sort-Object Weight -Descending | Select-Object -First 10 Term"; Remarks = 'The ten most used fields.' }
    )
    Links       = @('Invoke-CbThreatDismiss')
}
