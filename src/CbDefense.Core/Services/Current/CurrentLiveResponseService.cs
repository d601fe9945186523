using System;
using System.IO;
using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Services.LiveResponse;

namespace CbDefense.Services.Current
{
    /// <summary>
    /// Live Response v6: /appservices/v6/orgs/{org_key}/liveresponse with a Custom key. Sessions POST /sessions
    /// {"device_id"}, close DELETE /sessions/{id}; commands under /sessions/{id}/commands with the target in "path"
    /// ("pid" for kill); files under /sessions/{id}/files, whose content answers 302 to a pre-signed storage URL that
    /// is fetched without the API key.
    /// </summary>
    internal sealed class CurrentLiveResponseService : LiveResponseServiceBase
    {
        internal const string What = "Live Response (v6)";

        public CurrentLiveResponseService(CbClient client) : base(client) { }

        public override ApiGeneration Generation => ApiGeneration.Current;

        protected override string KeyAdvice =>
            "Live Response on the current API (/appservices/v6/orgs/{org_key}/liveresponse) needs an API key of access level Custom " +
            "whose role grants Live Response (org.liveresponse.session: Create, Read, Delete; and the file and process permissions the " +
            "commands use), and this session's key was refused.";

        private string Root => Client.OrgPath("/appservices/v6", "liveresponse", What);
        private string SessionPath(string id) => Root + "/sessions/" + Seg(id);

        public override async Task<LrSessionState> CreateSessionAsync(long deviceId, CallContext ctx)
        {
            // Safe to repeat: the server keeps one session per device and answers a second create with it.
            var d = await CallAsync(Client.JsonRequest(HttpMethod.Post, Root + "/sessions", null, Body(("device_id", deviceId))).AsIdempotent(), ctx).ConfigureAwait(false);
            return LrSessionState.Read(d);
        }

        public override async Task<LrSessionState> GetSessionAsync(string sessionId, CallContext ctx) =>
            LrSessionState.Read(await CallAsync(CbRequest.Create(HttpMethod.Get, SessionPath(sessionId)), ctx).ConfigureAwait(false));

        public override Task CloseSessionAsync(string sessionId, CallContext ctx) =>
            CallAsync(CbRequest.Create(HttpMethod.Delete, SessionPath(sessionId)), ctx);

        public override Task KeepaliveAsync(string sessionId, CallContext ctx) =>
            CallAsync(CbRequest.Create(HttpMethod.Get, SessionPath(sessionId) + "/keepalive"), ctx);

        public override async Task<LrCommandState> PostCommandAsync(string sessionId, LrCommand command, CallContext ctx)
        {
            var body = Body(("session_id", sessionId), ("name", command.Name));
            if (command.Target != null) body[command.Name == "kill" ? "pid" : "path"] = command.Target;
            foreach (var kv in command.Fields) body[kv.Key] = kv.Value;
            var d = await CallAsync(Client.JsonRequest(HttpMethod.Post, SessionPath(sessionId) + "/commands", null, body), ctx).ConfigureAwait(false);
            return LrCommandState.Read(d);
        }

        public override async Task<LrCommandState> GetCommandAsync(string sessionId, string commandId, CallContext ctx) =>
            LrCommandState.Read(await CallAsync(CbRequest.Create(HttpMethod.Get, SessionPath(sessionId) + "/commands/" + Seg(commandId)), ctx).ConfigureAwait(false));

        public override async Task<bool> CancelCommandAsync(string sessionId, string commandId, CallContext ctx)
        {
            await CallAsync(CbRequest.Create(HttpMethod.Delete, SessionPath(sessionId) + "/commands/" + Seg(commandId)), ctx).ConfigureAwait(false);
            return true;
        }

        public override Task DeleteFileAsync(string sessionId, string fileId, CallContext ctx) =>
            CallAsync(CbRequest.Create(HttpMethod.Delete, FilesPath(sessionId) + "/" + Seg(fileId)), ctx);

        protected override string FilesPath(string sessionId) => SessionPath(sessionId) + "/files";

        protected override string FileContentPath(string sessionId, string fileId) => FilesPath(sessionId) + "/" + Seg(fileId) + "/content";

        /// <summary>
        /// GET .../files/{id}/content: a 302 names the storage URL, fetched without the API key (only over https, or on the
        /// API's own host); a server that answers 200 with the bytes is read as is.
        /// </summary>
        public override async Task<long> DownloadFileAsync(string sessionId, string fileId, Stream destination, Action<long, long?>? progress, CallContext ctx)
        {
            string path = FileContentPath(sessionId, fileId);
            Uri? location = null;
            long direct = await Client.SendAsync(CbRequest.Create(HttpMethod.Get, path).AsTransfer().WithAccept("application/octet-stream, */*"), async (info, body, ct) =>
            {
                if (info.Status >= 300 && info.Status < 400)
                {
                    location = info.Location ?? throw new CbInvalidResponseException("The server redirected the download (HTTP " + info.Status + ") without a Location. [GET " + info.Path + "]")
                    { StatusCode = info.Status, Method = info.Method, RequestUri = info.Path };
                    return -1L;
                }
                return await CopyAsync(info, body, destination, progress, ct).ConfigureAwait(false);
            }, ctx).ConfigureAwait(false);
            if (location == null) return direct;
            var api = Client.Session.Uri;
            bool sameHost = string.Equals(location.Host, api.Host, StringComparison.OrdinalIgnoreCase);
            if (location.Scheme != Uri.UriSchemeHttps && !sameHost)
                throw new CbInvalidResponseException("The server redirected the download to " + location.GetLeftPart(UriPartial.Authority) +
                                                     " over plain http; the file was not fetched. [GET " + path + "]") { Method = "GET", RequestUri = path };
            return await Client.SendAsync(CbRequest.ExternalGet(location).AsTransfer().WithAccept("application/octet-stream, */*"),
                                          (info, body, ct) => CopyAsync(info, body, destination, progress, ct), ctx).ConfigureAwait(false);
        }
    }
}
