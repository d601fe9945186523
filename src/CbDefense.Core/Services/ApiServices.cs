using CbDefense.Services.Current;
using CbDefense.Services.Legacy;

namespace CbDefense.Services
{
    /// <summary>The per-area services of one API generation, made once per session by <see cref="ApiServices.For"/>.</summary>
    internal sealed class ApiServices
    {
        private ApiServices(ApiGeneration generation, IDeviceService devices, IPolicyService policies, IEventService? events,
                            LiveResponse.ILiveResponseService liveResponse)
        {
            Generation = generation;
            Devices = devices;
            Policies = policies;
            Events = events;
            LiveResponse = liveResponse;
        }

        public ApiGeneration Generation { get; }
        public IDeviceService Devices { get; }
        public IPolicyService Policies { get; }
        /// <summary>The v3 event search, or null on a generation without it.</summary>
        public IEventService? Events { get; }
        /// <summary>Live Response: v3 cblr (Legacy) or v6 liveresponse (Current).</summary>
        public LiveResponse.ILiveResponseService LiveResponse { get; }

        /// <summary>The services of <paramref name="generation"/> (Legacy or Current) over the session's client.</summary>
        public static ApiServices For(ApiGeneration generation, CbClient client) =>
            generation == ApiGeneration.Current
                ? new ApiServices(ApiGeneration.Current, new CurrentDeviceService(client), new CurrentPolicyService(client), null,
                                  new CurrentLiveResponseService(client))
                : new ApiServices(ApiGeneration.Legacy, new LegacyDeviceService(client), new LegacyPolicyService(client), new LegacyEventService(client),
                                  new LegacyLiveResponseService(client));
    }
}
