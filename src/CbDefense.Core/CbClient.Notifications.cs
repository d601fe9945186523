using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Http;

namespace CbDefense
{
    // The v3 SIEM notification queue.
    public sealed partial class CbClient
    {
        public const string NotificationPath = "/integrationServices/v3/notification";

        /// <summary>
        /// GET /integrationServices/v3/notification (cbapi get_notifications): one read of the queue. The server removes
        /// what it returns, so the caller owns these notifications from now on. No notifications key → empty; a 204 →
        /// empty. Needs a SIEM key (401 otherwise; see <see cref="ExplainNotificationAuthFailureAsync"/>).
        /// </summary>
        public Task<IReadOnlyList<Notification>> GetNotificationsAsync(CallContext? ctx)
        {
            return SendAsync(CbRequest.Create(HttpMethod.Get, NotificationPath), async (info, body, ct) =>
            {
                if (info.Status == 204) return (IReadOnlyList<Notification>)Array.Empty<Notification>();
                var (items, _) = await ReadListAsync(info, body, "notifications", d => Notification.Read(d, _session)).ConfigureAwait(false);
                return (IReadOnlyList<Notification>)((IReadOnlyList<Notification>?)items ?? Array.Empty<Notification>());
            }, ctx);
        }

        /// <summary>
        /// After a 401 from the notification queue, tells whether the key type is the cause: the same key is tried on the
        /// v3 device list (which API keys may read). Accepted there → the key is valid but not a SIEM key. Returns an
        /// exception whose message says what to do; never contains the secret.
        /// </summary>
        public async Task<CbUnauthorizedException> ExplainNotificationAuthFailureAsync(CbUnauthorizedException failure, CallContext? ctx)
        {
            if (failure == null) throw new ArgumentNullException(nameof(failure));
            bool otherApiWorks;
            try
            {
                var q = new Dictionary<string, object?> { ["rows"] = 1, ["start"] = 1 };
                await SendAsync(HttpMethod.Get, Services.Legacy.LegacyDeviceService.DevicePath, q, null, ctx).ConfigureAwait(false);
                otherApiWorks = true;
            }
            catch (CbApiException)
            {
                otherApiWorks = false;
            }
            string message = otherApiWorks
                ? "The notification queue needs a SIEM key: the server accepts this session's key (API ID " + _session.ApiId +
                  ") for the device API but refused it for notifications (HTTP 401). Create an API key with the access level SIEM " +
                  "in the console and connect with it (Connect-CbDefense -ApiId ... -ApiSecretKey ...)."
                : "The server refused the session's key (API ID " + _session.ApiId + ") for the notification queue (HTTP 401). " +
                  "Check the API ID and secret key; the notification queue needs a key with the access level SIEM.";
            return new CbUnauthorizedException(message, failure)
            {
                StatusCode = failure.StatusCode, Method = failure.Method, RequestUri = failure.RequestUri,
                ServerMessage = failure.ServerMessage, ErrorCode = failure.ErrorCode, ResponseSnippet = failure.ResponseSnippet,
            };
        }
    }
}
