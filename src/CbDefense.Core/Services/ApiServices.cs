using CbDefense.Services.Current;
using CbDefense.Services.Legacy;

namespace CbDefense.Services
{
    /// <summary>The per-area services of one API generation, made once per session by <see cref="ApiServices.For"/>.</summary>
    internal sealed class ApiServices
    {
        private ApiServices(ApiGeneration generation, IDeviceService devices, IPolicyService policies, IEventService? events,
                            LiveResponse.ILiveResponseService liveResponse, IAlertService alerts, IAuditLogService auditLogs,
                            IObservationService? observations)
        {
            Alerts = alerts;
            Generation = generation;
            Devices = devices;
            Policies = policies;
            Events = events;
            LiveResponse = liveResponse;
            AuditLogs = auditLogs;
            Observations = observations;
        }

        public ApiGeneration Generation { get; }
        public IDeviceService Devices { get; }
        public IPolicyService Policies { get; }
        /// <summary>The v3 event search, or null on a generation without it.</summary>
        public IEventService? Events { get; }
        /// <summary>Alerts and the threat workflow: v6 (Legacy) or v7 with jobs (Current).</summary>
        public IAlertService Alerts { get; }
        /// <summary>Live Response: v3 cblr (Legacy) or v6 liveresponse (Current).</summary>
        public LiveResponse.ILiveResponseService LiveResponse { get; }
        /// <summary>Audit logs: the v3 queue (Legacy) or audit log v1's queue and search (Current).</summary>
        public IAuditLogService AuditLogs { get; }
        /// <summary>The observation search jobs, or null on a generation without them (Legacy has the v3 events).</summary>
        public IObservationService? Observations { get; }

        /// <summary>The services of <paramref name="generation"/> (Legacy or Current) over the session's client.</summary>
        public static ApiServices For(ApiGeneration generation, CbClient client) =>
            generation == ApiGeneration.Current
                ? new ApiServices(ApiGeneration.Current, new CurrentDeviceService(client), new CurrentPolicyService(client), null,
                                  new CurrentLiveResponseService(client), new CurrentAlertService(client), new CurrentAuditLogService(client),
                                  new CurrentObservationService(client))
                : new ApiServices(ApiGeneration.Legacy, new LegacyDeviceService(client), new LegacyPolicyService(client), new LegacyEventService(client),
                                  new LegacyLiveResponseService(client), new LegacyAlertService(client), new LegacyAuditLogService(client), null);
    }
}
