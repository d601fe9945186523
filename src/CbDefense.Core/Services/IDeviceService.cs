using System.Threading.Tasks;
using CbDefense.Search;

namespace CbDefense.Services
{
    /// <summary>Devices: search, get by id, and the device actions. One implementation per API generation.</summary>
    internal interface IDeviceService
    {
        /// <summary>
        /// A search for the query, pages of at most <paramref name="pageSize"/> devices. Filters the generation cannot
        /// send are applied on the client or refused here (ArgumentException), before any request.
        /// </summary>
        PagedSearch<Device> Search(DeviceQuery query, long skip, long? first, int pageSize);

        /// <summary>One device; 404 → CbObjectNotFoundException naming the id.</summary>
        Task<Device> GetAsync(long id, CallContext ctx);

        /// <summary>One device action request (all its ids in one POST).</summary>
        Task<DeviceActionResult> ActAsync(DeviceActionRequest request, CallContext ctx);

        /// <summary>The largest page size the search route takes.</summary>
        int MaximumPageSize { get; }

        /// <summary>True when device actions can name their devices by a search rather than by ids (the current API).</summary>
        bool SupportsActionBySearch { get; }

        /// <summary>How many devices a search matches (one small request).</summary>
        Task<long> CountAsync(DeviceQuery query, CallContext ctx);

        /// <summary>The search part of a device action by search (criteria, query); InvalidOperationException where actions take ids only.</summary>
        System.Collections.Generic.Dictionary<string, object?> SearchBody(DeviceQuery query);
    }
}
