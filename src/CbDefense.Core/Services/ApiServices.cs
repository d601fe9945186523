using CbDefense.Services.Current;
using CbDefense.Services.Legacy;

namespace CbDefense.Services
{
    /// <summary>The per-area services of one API generation, made once per session by <see cref="ApiServices.For"/>.</summary>
    internal sealed class ApiServices
    {
        private ApiServices(ApiGeneration generation, IDeviceService devices, IEventService? events)
        {
            Generation = generation;
            Devices = devices;
            Events = events;
        }

        public ApiGeneration Generation { get; }
        public IDeviceService Devices { get; }
        /// <summary>The v3 event search, or null on a generation without it.</summary>
        public IEventService? Events { get; }

        /// <summary>The services of <paramref name="generation"/> (Legacy or Current) over the session's client.</summary>
        public static ApiServices For(ApiGeneration generation, CbClient client) =>
            generation == ApiGeneration.Current
                ? new ApiServices(ApiGeneration.Current, new CurrentDeviceService(client), null)
                : new ApiServices(ApiGeneration.Legacy, new LegacyDeviceService(client), new LegacyEventService(client));
    }
}
