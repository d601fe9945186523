using System.Globalization;
using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Services.LiveResponse;

namespace CbDefense.Services.Legacy
{
    /// <summary>
    /// Live Response v3, as cbapi speaks it: /integrationServices/v3/cblr with a LIVE_RESPONSE key. Session create
    /// POST /session/{device_id} {"sensor_id"}, close PUT /session {"session_id", "status": "CLOSE"}, commands under
    /// /session/{id}/command with the target in "object" and "session_id" in the body, files under /session/{id}/file.
    /// </summary>
    internal sealed class LegacyLiveResponseService : LiveResponseServiceBase
    {
        internal const string Base = "/integrationServices/v3/cblr";

        public LegacyLiveResponseService(CbClient client) : base(client) { }

        public override ApiGeneration Generation => ApiGeneration.Legacy;

        protected override string KeyAdvice =>
            "Legacy Live Response (/integrationServices/v3/cblr) needs an API key of type LIVE_RESPONSE, and this session's key was refused. " +
            "cbapi users keep that key in a profile of its own: connect a second session with it (Connect-CbDefense -Profile <its profile>) " +
            "and pass it with -Session, or on a current tenant connect with -ApiGeneration Current and a Custom key with Live Response permissions.";

        private static string SessionPath(string id) => Base + "/session/" + Seg(id);

        public override async Task<LrSessionState> CreateSessionAsync(long deviceId, CallContext ctx)
        {
            string path = Base + "/session/" + deviceId.ToString(CultureInfo.InvariantCulture);
            // Safe to repeat: the server keeps one session per device and answers a second create with it.
            var d = await CallAsync(Client.JsonRequest(HttpMethod.Post, path, null, Body(("sensor_id", deviceId))).AsIdempotent(), ctx).ConfigureAwait(false);
            return LrSessionState.Read(d);
        }

        public override async Task<LrSessionState> GetSessionAsync(string sessionId, CallContext ctx) =>
            LrSessionState.Read(await CallAsync(CbRequest.Create(HttpMethod.Get, SessionPath(sessionId)), ctx).ConfigureAwait(false));

        public override Task CloseSessionAsync(string sessionId, CallContext ctx) =>
            CallAsync(Client.JsonRequest(HttpMethod.Put, Base + "/session", null, Body(("session_id", sessionId), ("status", "CLOSE"))), ctx);

        public override Task KeepaliveAsync(string sessionId, CallContext ctx) =>
            CallAsync(CbRequest.Create(HttpMethod.Get, SessionPath(sessionId) + "/keepalive"), ctx);

        public override async Task<LrCommandState> PostCommandAsync(string sessionId, LrCommand command, CallContext ctx)
        {
            var body = Body(("session_id", sessionId), ("name", command.Name));
            if (command.Target != null) body["object"] = command.Target;
            foreach (var kv in command.Fields) body[kv.Key] = kv.Value;
            var d = await CallAsync(Client.JsonRequest(HttpMethod.Post, SessionPath(sessionId) + "/command", null, body), ctx).ConfigureAwait(false);
            return LrCommandState.Read(d);
        }

        public override async Task<LrCommandState> GetCommandAsync(string sessionId, string commandId, CallContext ctx) =>
            LrCommandState.Read(await CallAsync(CbRequest.Create(HttpMethod.Get, SessionPath(sessionId) + "/command/" + Seg(commandId)), ctx).ConfigureAwait(false));

        /// <summary>v3 has no route to cancel a command.</summary>
        public override Task<bool> CancelCommandAsync(string sessionId, string commandId, CallContext ctx) => Task.FromResult(false);

        public override Task DeleteFileAsync(string sessionId, string fileId, CallContext ctx) =>
            CallAsync(CbRequest.Create(HttpMethod.Delete, FilesPath(sessionId) + "/" + Seg(fileId)), ctx);

        protected override string FilesPath(string sessionId) => SessionPath(sessionId) + "/file";

        protected override string FileContentPath(string sessionId, string fileId) => FilesPath(sessionId) + "/" + Seg(fileId) + "/content";
    }
}
