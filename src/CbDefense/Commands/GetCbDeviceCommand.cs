using System;
using System.Management.Automation;
using System.Threading.Tasks;

namespace CbDefense.Commands
{
    /// <summary>Lists devices page by page (streaming), or fetches devices by id.</summary>
    [Cmdlet(VerbsCommon.Get, "CbDevice", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Device))]
    public sealed class GetCbDeviceCommand : CbSessionCmdlet
    {
        private const string ListSet = "List";
        private const string IdSet = "Id";
        private const int ProgressId = 0x0CBDE;

        [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("DeviceId")]
        [ValidateRange(1L, long.MaxValue)]
        public long[]? Id { get; set; }

        [Parameter(ParameterSetName = ListSet, Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string? HostName { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? HostNameExact { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? OwnerName { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? OwnerNameExact { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? IpAddress { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? Filter { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(1, PagePlanner.MaximumDevicePageSize)]
        public int PageSize { get; set; } = PagePlanner.DefaultPageSize;

        protected override void ProcessRecord()
        {
            if (ParameterSetName == IdSet) GetById();
            else List();
        }

        private void GetById()
        {
            var session = GetSession();
            foreach (long id in Id!)
            {
                if (TryRun(ctx => session.GetClient().GetDeviceAsync(id, ctx), id, "DeviceNotFound", "GetDeviceFailed", out Device device))
                    WriteObject(device);
            }
        }

        private void List()
        {
            var session = GetSession();
            var query = new DeviceQuery
            {
                HostNameExact = HostNameExact,
                OwnerName = OwnerName,
                OwnerNameExact = OwnerNameExact,
                IpAddress = IpAddress,
            };
            foreach (var clause in Filter ?? new string[0]) query.Filters.Add(clause);
            WildcardPattern? pattern = null;
            if (HostName != null)
            {
                if (WildcardPattern.ContainsWildcardCharacters(HostName))
                {
                    // The v3 hostName filter is a plain match on the server; narrow it with the text before the
                    // first wildcard and match the pattern here, so results are right whatever the server does.
                    pattern = new WildcardPattern(HostName, WildcardOptions.IgnoreCase);
                    string prefix = LiteralPrefix(HostName);
                    if (prefix.Length > 0) query.HostName = prefix;
                }
                else
                {
                    query.HostName = HostName;
                }
            }

            // With a client-side pattern the server pages everything it matched; -Skip/-First apply after matching.
            ulong skip = PagingParameters.Skip;
            ulong first = PagingParameters.First;
            DevicePager pager;
            try
            {
                pager = pattern == null
                    ? session.GetClient().CreateDevicePager(query, (long)Math.Min(skip, long.MaxValue), first == ulong.MaxValue ? (long?)null : (long)Math.Min(first, long.MaxValue), PageSize)
                    : session.GetClient().CreateDevicePager(query, 0, null, PageSize);
            }
            catch (ArgumentException ex)
            {
                ThrowCbError(ex, "InvalidFilter", Filter);
                return;
            }

            ulong written = 0, matched = 0;
            long read = 0, expected = 0;
            bool firstPage = true;
            var progress = new ProgressRecord(ProgressId, "Get-CbDevice", "Reading devices from " + session.Uri);
            bool progressShown = false;

            // From the second page on, the next page is fetched while this one is written, so the server and the
            // parser work at the same time. Nothing is prefetched past the first page, so
            // "Get-CbDevice | Select-Object -First 1" still sends exactly one request.
            Task<DevicePage?>? next = null;
            try
            {
                while (true)
                {
                    DevicePage? page;
                    try
                    {
                        var pending = next;
                        next = null;
                        page = pending != null ? Await(pending) : Run(ctx => pager.NextPageAsync(ctx));
                    }
                    catch (Exception ex) when (IsReportable(ex))
                    {
                        if (progressShown) CompleteProgress(progress);
                        ThrowCbError(ex, "GetDevicesFailed", query);
                        return;
                    }
                    if (page == null) break;
                    read += page.Devices.Count;
                    bool more = !pager.IsComplete;
                    if (more && !firstPage) next = Start(ctx => pager.NextPageAsync(ctx));

                    if (firstPage)
                    {
                        firstPage = false;
                        if (PagingParameters.IncludeTotalCount)
                            WriteObject(PagingParameters.NewTotalCount((ulong)Math.Max(0, page.TotalResults), pattern == null ? 1.0 : 0.0));
                        long available = Math.Max(0, page.TotalResults - (pattern == null ? (long)Math.Min(skip, long.MaxValue) : 0));
                        expected = pattern == null && first != ulong.MaxValue ? Math.Min(available, (long)Math.Min(first, long.MaxValue)) : available;
                    }

                    foreach (var device in page.Devices)
                    {
                        if (pattern != null)
                        {
                            if (!pattern.IsMatch(device.Name ?? string.Empty)) continue;
                            matched++;
                            if (matched <= skip) continue;
                            if (written >= first) break;
                        }
                        WriteObject(device);
                        written++;
                    }
                    if (pattern != null && written >= first) break;

                    if (progressShown || (more && expected > read))
                    {
                        progressShown = true;
                        progress.PercentComplete = expected > 0 ? (int)Math.Min(100, read * 100 / expected) : 0;
                        progress.StatusDescription = pattern == null
                            ? $"{read:N0} of {expected:N0} devices"
                            : $"{read:N0} of {expected:N0} devices read, {written:N0} matched";
                        WriteProgress(progress);
                    }
                }
            }
            finally
            {
                // The pipeline stopped (Select-Object -First, Ctrl+C), failed, or has all it wants, while a page
                // was being prefetched: cancel it and observe its outcome.
                if (next != null)
                {
                    CancelPending();
                    next.ContinueWith(t => { _ = t.Exception; }, TaskScheduler.Default);
                }
            }
            if (progressShown) CompleteProgress(progress);
        }

        private void CompleteProgress(ProgressRecord progress)
        {
            progress.RecordType = ProgressRecordType.Completed;
            progress.PercentComplete = 100;
            WriteProgress(progress);
        }

        private static string LiteralPrefix(string pattern)
        {
            int i = pattern.IndexOfAny(new[] { '*', '?', '[', '`' });
            return i < 0 ? pattern : pattern.Substring(0, i);
        }
    }
}
