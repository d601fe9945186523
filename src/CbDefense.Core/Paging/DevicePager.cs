using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace CbDefense
{
    /// <summary>
    /// Enumerates a device search page by page: a <see cref="PagePlanner"/> plus <see cref="CbClient.GetDevicePageAsync"/>.
    /// Call <see cref="NextPageAsync"/> until it returns null; stop calling at any time (e.g. Select-Object -First 1).
    /// </summary>
    public sealed class DevicePager
    {
        private readonly CbClient _client;
        private readonly DeviceQuery _query;

        public DevicePager(CbClient client, DeviceQuery? query, long skip = 0, long? first = null,
                           int pageSize = PagePlanner.DefaultPageSize, int? firstPageSize = null)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _query = query ?? new DeviceQuery();
            _query.ToQueryParameters(); // validate the filters now
            Planner = new PagePlanner(skip, first, pageSize, firstPageSize);
        }

        public PagePlanner Planner { get; }
        /// <summary>The server's total (all matches) once the first page arrived.</summary>
        public long? TotalResults => Planner.TotalResults;
        public long Consumed => Planner.Consumed;
        public int RequestCount { get; private set; }
        public bool IsComplete => Planner.IsComplete;

        /// <summary>The next page (devices trimmed to what was asked), or null when the enumeration is complete.</summary>
        public async Task<DevicePage?> NextPageAsync(CallContext ctx)
        {
            while (Planner.TryGetNext(out var req))
            {
                RequestCount++;
                var page = await _client.GetDevicePageAsync(_query, req.Start, req.Rows, ctx).ConfigureAwait(false);
                int use = Planner.Record(page.Devices.Count == 0 ? 0 : page.Devices.Count, page.TotalResults);
                IReadOnlyList<Device> devices = page.Devices;
                if (use < devices.Count)
                {
                    var l = new List<Device>(use);
                    for (int i = 0; i < use; i++) l.Add(devices[i]);
                    devices = l;
                }
                if (devices.Count == 0 && Planner.IsComplete) return null;
                return new DevicePage(page.TotalResults, devices, req.Start, req.Rows);
            }
            return null;
        }
    }
}
