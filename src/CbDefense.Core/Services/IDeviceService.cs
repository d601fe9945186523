using System.Threading.Tasks;
using CbDefense.Search;

namespace CbDefense
{
    /// <summary>The fields of a device that Set-CbDevice changes (null: unchanged).</summary>
    public sealed class DeviceChanges
    {
        public long? PolicyId { get; set; }
        public string? PolicyName { get; set; }
        /// <summary>LOW, MEDIUM, HIGH or MISSION_CRITICAL.</summary>
        public string? TargetPriority { get; set; }

        public bool IsEmpty => PolicyId == null && PolicyName == null && TargetPriority == null;

        public override string ToString()
        {
            var parts = new System.Collections.Generic.List<string>();
            if (PolicyId.HasValue) parts.Add("policy id " + PolicyId.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (PolicyName != null) parts.Add("policy '" + PolicyName + "'");
            if (TargetPriority != null) parts.Add("target priority " + TargetPriority);
            return string.Join(", ", parts);
        }
    }
}

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

        /// <summary>
        /// Changes fields of one device (cbapi's Device.save()): Legacy PATCHes /integrationServices/v3/device/{id} with only
        /// the changed fields; Current moves it with a device action and refuses fields the current API cannot change.
        /// Returns the device as the server has it afterwards (Legacy: the PATCH reply, checked for the change).
        /// </summary>
        Task<Device> UpdateAsync(long id, DeviceChanges changes, CallContext ctx);

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
