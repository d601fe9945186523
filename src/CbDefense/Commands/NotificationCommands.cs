using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Threading.Tasks;

namespace CbDefense.Commands
{
    /// <summary>Reads the SIEM notification queue once (cbapi get_notifications).</summary>
    [Cmdlet(VerbsCommon.Get, "CbNotification")]
    [OutputType(typeof(Notification))]
    public sealed class GetCbNotificationCommand : CbSessionCmdlet
    {
        protected override void ProcessRecord()
        {
            var session = GetSession();
            NotificationAuth.RefuseCurrent(this, session, "Get-CbAlert -Range '-1d' (or Watch-CbAlert)");
            IReadOnlyList<Notification> batch;
            try
            {
                batch = Run(ctx => session.GetClient().GetNotificationsAsync(ctx));
            }
            catch (CbUnauthorizedException ex)
            {
                var explained = NotificationAuth.Explain(this, session, ex);
                ThrowCbError(explained, "NotificationAuthenticationFailed", session);
                return;
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                ThrowCbError(ex, "GetNotificationFailed", session);
                return;
            }
            WriteVerbose($"Read {batch.Count} notification(s) from the queue.");
            foreach (var n in batch) WriteObject(n);
        }

        internal T RunCall<T>(Func<CallContext, Task<T>> call) => Run(call);
    }


    /// <summary>
    /// What the watchers share: -IntervalSec, -Count, -Until and -StatePath, and a wait that Ctrl+C and -Until end.
    /// Watch-CbAlert declares the same four itself, as its base holds the alert filters it shares with Get-CbAlert.
    /// </summary>
    public abstract class CbWatchCmdlet : CbSessionCmdlet
    {
        [Parameter]
        [ValidateRange(1, 86400)]
        public int IntervalSec { get; set; } = 60;

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? StatePath { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; }

        [Parameter]
        public DateTime Until { get; set; }

        protected bool HasCount => MyInvocation.BoundParameters.ContainsKey(nameof(Count));
        protected bool HasUntil => MyInvocation.BoundParameters.ContainsKey(nameof(Until));
        protected DateTime UntilUtc => ToUtc(Until);

        /// <summary>Waits (Ctrl+C stops at once); false when -Until is reached first.</summary>
        protected bool Sleep(TimeSpan wait) => SleepUntil(wait, HasUntil ? UntilUtc : (DateTime?)null);

        /// <summary>-Until in UTC (a time without a kind is local, as PowerShell reads one).</summary>
        internal static DateTime ToUtc(DateTime until) => until.Kind == DateTimeKind.Utc ? until : until.ToUniversalTime();
    }

    internal static class NotificationAuth
    {
        /// <summary>The notification queue was retired on the current API: a terminating error naming what replaces it.</summary>
        public static void RefuseCurrent(CbSessionCmdlet cmdlet, Session session, string replacement)
        {
            if (cmdlet.SessionGeneration(session) != ApiGeneration.Current) return;
            cmdlet.ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(
                "The SIEM notification queue (/integrationServices/v3/notification) was retired in October 2024 and the current API has no such route. " +
                "Alerts replace it: " + replacement + " writes every new alert once and can resume where it stopped."),
                "NotificationsRetired", ErrorCategory.NotImplemented, session));
        }

        /// <summary>Says whether a SIEM key is what is missing (one probe request); the original error if the probe itself fails.</summary>
        public static CbUnauthorizedException Explain(CbCmdlet cmdlet, Session session, CbUnauthorizedException ex)
        {
            try
            {
                return cmdlet switch
                {
                    GetCbNotificationCommand g => g.RunCall(ctx => session.GetClient().ExplainNotificationAuthFailureAsync(ex, ctx)),
                    WatchCbNotificationCommand w => w.RunCall(ctx => session.GetClient().ExplainNotificationAuthFailureAsync(ex, ctx)),
                    _ => ex,
                };
            }
            catch (Exception e) when (!(e is PipelineStoppedException))
            {
                return ex;
            }
        }
    }

    /// <summary>
    /// Polls the SIEM notification queue and writes each notification as it arrives, until Ctrl+C, -Count or -Until.
    /// Transient failures draw a warning and a backoff; an authentication failure ends the watch. With -StatePath
    /// every batch is on disk before it is written to the pipeline, so nothing is lost when the process is killed.
    /// </summary>
    [Cmdlet(VerbsCommon.Watch, "CbNotification")]
    [OutputType(typeof(Notification))]
    public sealed class WatchCbNotificationCommand : CbWatchCmdlet
    {
        private long _written;
        private const int FullBatch = 1000;

        internal T RunCall<T>(Func<CallContext, Task<T>> call) => Run(call);

        protected override void EndProcessing()
        {
            var session = GetSession();
            NotificationAuth.RefuseCurrent(this, session, "Watch-CbAlert" + (StatePath != null ? " -StatePath '" + StatePath + "'" : "") +
                                                           (MyInvocation.BoundParameters.ContainsKey(nameof(IntervalSec)) ? " -IntervalSec " + IntervalSec : ""));
            string? path = null;
            if (StatePath != null)
                path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(StatePath);

            NotificationWatcher watcher;
            try
            {
                watcher = new NotificationWatcher(session.GetClient(), path, TimeSpan.FromSeconds(IntervalSec));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException)
            {
                ThrowTerminatingError(new ErrorRecord(ex, ex is InvalidDataException ? "InvalidStateFile" : "StateFileUnavailable",
                    ex is UnauthorizedAccessException ? ErrorCategory.PermissionDenied : ErrorCategory.ResourceUnavailable, StatePath));
                return;
            }
            using (watcher)
            {
                var recovered = watcher.TakeRecovered();
                if (recovered.Count > 0)
                    WriteVerbose($"Writing {recovered.Count} notification(s) that an earlier watch read but did not deliver ({path}).");
                if (Deliver(watcher, recovered)) return;

                while (true)
                {
                    if (HasUntil && DateTime.UtcNow >= UntilUtc) return;
                    IReadOnlyList<Notification> batch;
                    try
                    {
                        batch = Run(ctx => watcher.PollAsync(ctx));
                    }
                    catch (CbUnauthorizedException ex)
                    {
                        ThrowCbError(NotificationAuth.Explain(this, session, ex), "NotificationAuthenticationFailed", session);
                        return;
                    }
                    catch (Exception ex) when (NotificationWatcher.IsTransient(ex))
                    {
                        var backoff = watcher.NextBackoff();
                        WriteWarning($"Reading the notification queue failed ({watcher.ConsecutiveFailures} in a row): {ex.Message} " +
                                     $"Trying again in {backoff.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s; the watch goes on.");
                        if (!Sleep(backoff)) return;
                        continue;
                    }
                    catch (Exception ex) when (IsReportable(ex))
                    {
                        ThrowCbError(ex, "WatchNotificationFailed", session);
                        return;
                    }
                    WriteVerbose($"Read {batch.Count} notification(s) from the queue.");
                    if (Deliver(watcher, batch)) return;
                    watcher.Flush();
                    if (batch.Count >= FullBatch) continue; // the queue may hold more: read again at once
                    if (!Sleep(TimeSpan.FromSeconds(IntervalSec))) return;
                }
            }
        }

        /// <summary>Writes the notifications, recording each delivery. True when -Count is reached.</summary>
        private bool Deliver(NotificationWatcher watcher, IReadOnlyList<Notification> batch)
        {
            bool reached = false;
            foreach (var n in batch)
            {
                if (reached && watcher.Spool != null) break; // the rest stays in the state file for the next watch
                WriteObject(n);
                watcher.Delivered(n);
                _written++;
                if (HasCount && _written >= Count) reached = true;
            }
            if (reached) watcher.Flush();
            return reached;
        }
    }
}
