using System;
using System.Collections;
using System.Management.Automation;
using CbDefense.Search;

namespace CbDefense.Commands
{
    /// <summary>Lists devices page by page (streaming), or fetches devices by id.</summary>
    [Cmdlet(VerbsCommon.Get, "CbDevice", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(Device))]
    public sealed class GetCbDeviceCommand : PagedSearchCmdlet<Device>
    {
        private const string ListSet = "List";
        private const string IdSet = "Id";
        private const int ProgressId = 0x0CBDE;
        /// <summary>Devices fetched by id at the same time.</summary>
        internal const int IdConcurrency = 8;

        private OrderedCalls<long, Device>? _byId;

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
        [SupportsWildcards]
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
        [ArgumentCompleter(typeof(DeviceValueCompleter))]
        public string[]? Status { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(DeviceValueCompleter))]
        public string[]? OS { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(1L, long.MaxValue)]
        [ArgumentCompleter(typeof(PolicyIdCompleter))]
        public long[]? PolicyId { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateSet("LOW", "MEDIUM", "HIGH", "MISSION_CRITICAL")]
        public string[]? TargetPriority { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string? Query { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNull]
        public Hashtable? Criteria { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNull]
        public Hashtable? Exclusions { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? Sort { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateNotNullOrEmpty]
        public string[]? Filter { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ValidateRange(1, 10000)]
        public int PageSize { get; set; } = PagePlanner.DefaultPageSize;

        protected override void ProcessRecord()
        {
            if (ParameterSetName == IdSet) GetById();
            else List();
        }

        protected override void EndProcessing() => _byId?.WriteReady(true, (_, d) => WriteObject(d), WriteIdError);

        private void GetById()
        {
            var session = GetSession();
            var devices = Services(session).Devices;
            _byId ??= new OrderedCalls<long, Device>(this, IdConcurrency, (id, ctx) => devices.GetAsync(id, ctx));
            foreach (long id in Id!) _byId.Add(id);
            _byId.WriteReady(false, (_, d) => WriteObject(d), WriteIdError);
        }

        private void WriteIdError(long id, Exception ex) =>
            WriteCbError(ex, ex is CbObjectNotFoundException ? "DeviceNotFound" : "GetDeviceFailed", id);

        private DeviceQuery BuildQuery()
        {
            var q = new DeviceQuery
            {
                HostName = HostName, HostNameExact = HostNameExact, OwnerName = OwnerName, OwnerNameExact = OwnerNameExact,
                IpAddress = IpAddress, Query = Query,
            };
            foreach (var s in Status ?? Array.Empty<string>()) q.Status.Add(s);
            foreach (var s in OS ?? Array.Empty<string>()) q.OS.Add(s);
            foreach (var p in PolicyId ?? Array.Empty<long>()) q.PolicyId.Add(p);
            foreach (var t in TargetPriority ?? Array.Empty<string>()) q.TargetPriority.Add(t);
            foreach (var s in Sort ?? Array.Empty<string>()) q.Sort.Add(s);
            foreach (var f in Filter ?? Array.Empty<string>()) q.Filters.Add(f);
            PSObjectConverter.CopyCriteria(Criteria, q.Criteria);
            PSObjectConverter.CopyCriteria(Exclusions, q.Exclusions);
            return q;
        }

        private void List()
        {
            var session = GetSession();
            var query = BuildQuery();
            PagedSearch<Device> search;
            try
            {
                var devices = Services(session).Devices;
                if (PageSize > devices.MaximumPageSize)
                    throw new ArgumentException("-PageSize " + PageSize + " is more than the device search takes (" + devices.MaximumPageSize + " rows).");
                search = devices.Search(query, PagingSkip, PagingFirst, PageSize);
            }
            catch (ArgumentException ex)
            {
                ThrowCbError(ex, "InvalidFilter", query);
                return;
            }
            var progress = new PagedProgress<Device>(this, ProgressId, "Get-CbDevice", "Reading devices from " + session.Uri, "devices");
            WriteSearch(search, progress, "devices", "GetDevicesFailed", query);
        }
    }

    /// <summary>
    /// A progress bar for a paged search: shown once a second page is needed, with a percentage of what the search
    /// expects to read (and, with filters applied on the client, how many matched).
    /// </summary>
    internal sealed class PagedProgress<T> where T : class
    {
        private readonly CbCmdlet _cmdlet;
        private readonly ProgressRecord _record;
        private readonly string _noun;
        private bool _shown;

        public PagedProgress(CbCmdlet cmdlet, int id, string activity, string status, string noun)
        {
            _cmdlet = cmdlet;
            _record = new ProgressRecord(id, activity, status);
            _noun = noun;
        }

        /// <summary>Shows what the search has read so far, with its <see cref="PagedSearch{T}.ProgressNote"/> in parentheses.</summary>
        public void Update(PagedSearch<T> search)
        {
            long expected = search.ExpectedReads ?? 0;
            long read = search.TotalIsExact ? search.Written : search.Read;
            if (!_shown && (search.IsComplete || expected <= read)) return;
            _shown = true;
            _record.PercentComplete = expected > 0 ? (int)Math.Min(100, read * 100 / expected) : 0;
            _record.StatusDescription = search.TotalIsExact
                ? $"{read:N0} of {expected:N0} {_noun}"
                : $"{read:N0} of {expected:N0} {_noun} read, {search.Written:N0} matched";
            string? note = search.ProgressNote;
            if (note != null) _record.StatusDescription += " (" + note + ")";
            _cmdlet.WriteProgressRecord(_record);
        }

        public void Complete()
        {
            if (!_shown) return;
            _shown = false;
            _record.RecordType = ProgressRecordType.Completed;
            _record.PercentComplete = 100;
            _cmdlet.WriteProgressRecord(_record);
        }
    }
}
