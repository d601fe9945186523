using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace CbDefense
{
    /// <summary>
    /// The polling logic behind Watch-CbNotification, without the waiting (the caller waits, so it can be cancelled):
    /// what a previous process left in the state file, one read of the queue made durable before it is handed out,
    /// delivery bookkeeping, which failures are transient, and the backoff after them.
    /// </summary>
    public sealed class NotificationWatcher : IDisposable
    {
        private readonly CbClient _client;
        private readonly NotificationSpool? _spool;
        private readonly TimeSpan _interval;
        private bool _recoveredTaken;

        public NotificationWatcher(CbClient client, string? statePath, TimeSpan interval)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _interval = interval <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : interval;
            if (!string.IsNullOrEmpty(statePath)) _spool = NotificationSpool.Open(statePath!, client.Session);
        }

        /// <summary>The spool (null without a state file).</summary>
        public NotificationSpool? Spool => _spool;

        /// <summary>Consecutive failed reads (0 after a good one).</summary>
        public int ConsecutiveFailures { get; private set; }

        /// <summary>What a previous process read but did not deliver (once; empty without a state file).</summary>
        public IReadOnlyList<Notification> TakeRecovered()
        {
            if (_recoveredTaken || _spool == null) return Array.Empty<Notification>();
            _recoveredTaken = true;
            return new List<Notification>(_spool.Pending);
        }

        /// <summary>One read of the queue; with a state file, the batch is on disk before this returns.</summary>
        public async Task<IReadOnlyList<Notification>> PollAsync(CallContext ctx)
        {
            IReadOnlyList<Notification> batch;
            try
            {
                batch = await _client.GetNotificationsAsync(ctx).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                ConsecutiveFailures++;
                throw;
            }
            ConsecutiveFailures = 0;
            _spool?.Add(batch);
            return batch;
        }

        /// <summary>Call after a notification was passed on; with a state file it leaves the file.</summary>
        public void Delivered(Notification notification) => _spool?.Delivered(notification);

        public void Flush() => _spool?.Flush();

        /// <summary>
        /// Failures worth waiting out: timeouts, connection failures (resets, refused), 5xx, 429, and invalid replies
        /// (a proxy's HTML page, a truncated body). Authentication, permission and request errors are not.
        /// </summary>
        public static bool IsTransient(Exception ex)
        {
            switch (ex)
            {
                case CbTimeoutException _:
                case CbConnectionException _:
                case CbInvalidResponseException _:
                    return true;
                case CbUnauthorizedException _:
                    return false;
                case CbApiException api:
                    return api.StatusCode == 429 || api.StatusCode == 408 || (api.StatusCode >= 500 && api.StatusCode <= 599);
                default:
                    return false;
            }
        }

        /// <summary>The wait after the latest failure: the interval doubled per consecutive failure, at most 5 minutes (or the interval if longer).</summary>
        public TimeSpan NextBackoff() => Backoff(_interval, ConsecutiveFailures);

        /// <summary>The interval doubled per consecutive failure, at most 5 minutes (or the interval if longer).</summary>
        internal static TimeSpan Backoff(TimeSpan interval, int failures)
        {
            int n = Math.Max(1, failures);
            double cap = Math.Max(interval.TotalSeconds, 300);
            double secs = Math.Min(cap, interval.TotalSeconds * Math.Pow(2, Math.Min(n - 1, 20)));
            return TimeSpan.FromSeconds(secs);
        }

        /// <summary>See <see cref="CbClient.ExplainNotificationAuthFailureAsync"/>.</summary>
        public Task<CbUnauthorizedException> ExplainAuthFailureAsync(CbUnauthorizedException failure, CallContext ctx) =>
            _client.ExplainNotificationAuthFailureAsync(failure, ctx);

        public void Dispose() => _spool?.Dispose();
    }
}
