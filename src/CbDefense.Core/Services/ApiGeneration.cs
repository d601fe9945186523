namespace CbDefense
{
    /// <summary>Which generation of the Carbon Black Cloud API a session speaks.</summary>
    public enum ApiGeneration
    {
        /// <summary>Found out on first use with one probe, then fixed for the session.</summary>
        Auto,
        /// <summary>The v3 routes cbapi speaks (/integrationServices/v3/...; API, SIEM and LIVE_RESPONSE keys).</summary>
        Legacy,
        /// <summary>Devices v6, policy service v1, alerts v7, jobs, audit log v1, observations, Live Response v6; Custom keys; the org key in every path.</summary>
        Current,
    }
}
