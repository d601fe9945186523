using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace CbDefense.Services.LiveResponse
{
    /// <summary>How to open a session: how long to wait for it, what is known of the device, where to report progress.</summary>
    internal sealed class LrOpenOptions
    {
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(360);
        public string? HostName { get; set; }
        public string? OsType { get; set; }
        /// <summary>Called with what the open is waiting for (the sensor to check in, a free slot under the org's limit).</summary>
        public Action<string>? Progress { get; set; }
    }

    /// <summary>
    /// The Live Response sessions one CbDefense session holds open: it opens them (waiting for ACTIVE, waiting for a free
    /// slot under the org's limit, closing a pending session it gives up on before it returns, also on cancellation),
    /// reuses a device's open session, keeps them alive with the keepalive route, re-creates one the server lost, and
    /// closes them all when the CbDefense session is disposed, the module is removed or the process exits.
    /// </summary>
#pragma warning disable CA1001 // The keepalive timer is disposed by StopKeepalive, when the last session closes and in CloseAll.
    internal sealed class LiveResponseManager
#pragma warning restore CA1001
    {
        private static readonly ConcurrentDictionary<LiveResponseManager, bool> Live = new ConcurrentDictionary<LiveResponseManager, bool>();
        private static int _exitHooked;

        private readonly Session _session;
        private readonly ConcurrentDictionary<long, LiveResponseSession> _open = new ConcurrentDictionary<long, LiveResponseSession>();
        // Sessions created but not yet handed out (still PENDING): closed too if everything is shut down meanwhile.
        private readonly ConcurrentDictionary<string, bool> _pending = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        private readonly object _timerLock = new object();
        private Timer? _timer;
        private TimeSpan _interval;
        private int _keepaliveRunning;
        private volatile ILiveResponseService? _service;

        /// <summary>Overrides the keepalive period (tests); otherwise a third of the shortest session_timeout, 1 to 30 s.</summary>
        internal static TimeSpan? KeepaliveInterval { get; set; }
        /// <summary>How long opening waits between tries while the org's session limit is reached.</summary>
        internal static TimeSpan CapRetryDelay { get; set; } = TimeSpan.FromSeconds(2);
        /// <summary>How long a close at shutdown may take in all.</summary>
        internal static readonly TimeSpan ShutdownLimit = TimeSpan.FromSeconds(5);

        public LiveResponseManager(Session session)
        {
            _session = session;
            Live[this] = true;
            if (Interlocked.Exchange(ref _exitHooked, 1) == 0)
                AppDomain.CurrentDomain.ProcessExit += (_, _) => CloseEverything(TimeSpan.FromSeconds(3));
        }

        public ApiGeneration Generation => _service?.Generation ?? _session.ApiGeneration;

        /// <summary>The sessions open now, oldest first.</summary>
        public IReadOnlyList<LiveResponseSession> Sessions =>
            _open.Values.Where(s => s.Status != "CLOSED").OrderBy(s => s.CreatedAtUtc ?? DateTime.MinValue).ToList();

        internal async Task<ILiveResponseService> ServiceAsync(CallContext ctx)
        {
            var known = _service;
            if (known != null) return known;
            var services = await _session.GetServicesAsync(ctx).ConfigureAwait(false);
            return _service = services.LiveResponse;
        }

        internal ILiveResponseService Service => _service ?? throw new InvalidOperationException("No Live Response session was opened yet.");

        /// <summary>The device's open session, if the module holds one.</summary>
        public LiveResponseSession? Find(long deviceId) =>
            _open.TryGetValue(deviceId, out var s) && s.Status == "ACTIVE" ? s : null;

        /// <summary>Opens a session on the device, or returns the one the module holds open (Reused true).</summary>
        public async Task<(LiveResponseSession Session, bool Reused)> OpenAsync(long deviceId, LrOpenOptions options, CallContext ctx)
        {
            var held = Find(deviceId);
            if (held != null) return (held, true);
            var state = await OpenStateAsync(deviceId, options, ctx).ConfigureAwait(false);
            var s = new LiveResponseSession(_session, this, state, options.HostName, options.OsType);
            s.OpenTimeout = options.Timeout;
            _open[deviceId] = s;
            EnsureKeepalive(s);
            return (s, false);
        }

        /// <summary>Re-creates a session the server no longer knows (cbapi's rule on a command post answered 404 NOT_FOUND).</summary>
        internal async Task RecreateAsync(LiveResponseSession s, CallContext ctx)
        {
            ctx.Log?.Verbose("The server no longer knows Live Response session " + s.Id + " (device " + s.DeviceId + "): opening a new one.");
            var state = await OpenStateAsync(s.DeviceId, new LrOpenOptions { Timeout = s.OpenTimeout, HostName = s.KnownHostName, OsType = s.KnownOsType }, ctx)
                .ConfigureAwait(false);
            s.Update(state);
            s.Touch();
            _open[s.DeviceId] = s;
            EnsureKeepalive(s);
        }

        private async Task<LrSessionState> OpenStateAsync(long deviceId, LrOpenOptions o, CallContext ctx)
        {
            if (_session.IsDisposed) _session.ThrowIfDisposed();
            var svc = await ServiceAsync(ctx).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            var state = await CreateWithinLimitAsync(svc, deviceId, o, clock, ctx).ConfigureAwait(false);
            if (state.Id.Length == 0)
                throw new CbInvalidResponseException("The server's reply to the session create for device " + deviceId + " has no session id.");
            _pending[state.Id] = true;
            try
            {
                return await WaitActiveAsync(svc, state, o, clock, ctx).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Never leave a pending session behind to fill the org's limit (cbapi issue 64): timeout, error or Ctrl+C.
                await CloseQuietlyAsync(svc, state.Id, ctx.Log).ConfigureAwait(false);
                throw;
            }
            finally
            {
                _pending.TryRemove(state.Id, out _);
            }
        }

        private static async Task<LrSessionState> CreateWithinLimitAsync(ILiveResponseService svc, long deviceId, LrOpenOptions o, Stopwatch clock, CallContext ctx)
        {
            while (true)
            {
                try
                {
                    // A create in flight when Ctrl+C comes is given a few seconds to answer, so the session it made can be closed.
                    using (var grace = new CancellationTokenSource())
                    using (ctx.CancellationToken.Register(() => { try { grace.CancelAfter(TimeSpan.FromSeconds(5)); } catch (ObjectDisposedException) { } }))
                    {
                        var state = await svc.CreateSessionAsync(deviceId, new CallContext(grace.Token, ctx.Log, ctx.Retry)).ConfigureAwait(false);
                        return state;
                    }
                }
                catch (CbApiException ex) when (IsSessionLimit(ex))
                {
                    var left = o.Timeout - clock.Elapsed;
                    if (left <= TimeSpan.Zero)
                        throw new CbClientException(
                            "The org's Live Response session limit is reached, and no session became free within " + Secs(o.Timeout) + " s (TimeoutSec). " +
                            "Close sessions (Get-CbLiveResponseSession | Remove-CbLiveResponseSession), lower -ThrottleLimit, or wait for idle sessions to time out. " +
                            "The server said: " + (ex.ServerMessage ?? "HTTP 403") + " [" + ex.Method + " " + ex.RequestUri + "]", ex)
                        { StatusCode = ex.StatusCode, Method = ex.Method, RequestUri = ex.RequestUri, ServerMessage = ex.ServerMessage, ErrorCode = ex.ErrorCode };
                    o.Progress?.Invoke("Waiting for a free Live Response session: the org's session limit is reached");
                    ctx.Log?.Verbose("Device " + deviceId + ": the org's Live Response session limit is reached; trying again (" + Secs(clock.Elapsed) + " s of " + Secs(o.Timeout) + " s).");
                    var wait = left < CapRetryDelay ? left : CapRetryDelay;
                    await Task.Delay(wait, ctx.CancellationToken).ConfigureAwait(false);
                }
            }
        }

        private static async Task<LrSessionState> WaitActiveAsync(ILiveResponseService svc, LrSessionState state, LrOpenOptions o, Stopwatch clock, CallContext ctx)
        {
            var delay = TimeSpan.FromMilliseconds(100);
            bool detailed = false;
            while (true)
            {
                if (state.IsActive && (state.SupportedCommands != null || detailed)) return state;
                if (state.IsActive)
                {
                    // A create answered with a session already ACTIVE (the device's open one) but without its details
                    // (v6's create reply has no supported_commands, host name or drives): read them.
                    detailed = true;
                    state = await Refetch(svc, state, ctx).ConfigureAwait(false);
                    continue;
                }
                if (state.IsOver)
                    throw new CbServerException("Could not establish a Live Response session with device " + state.DeviceId + ": the session " + state.Id +
                                                " went to status " + state.Status + ". It was closed.");
                o.Progress?.Invoke("Waiting for the sensor to check in (session " + state.Id + " is " + state.Status + ")");
                var left = o.Timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero)
                    throw new CbTimeoutException("Could not establish a Live Response session with device " + state.DeviceId + " within " + Secs(o.Timeout) +
                                                 " s (TimeoutSec): session " + state.Id + " stayed " + state.Status + ", so the sensor has not checked in " +
                                                 "(is the device online?). The pending session was closed, so it does not count against the org's limit.")
                    {
                        RecommendedAction = "Check that the device is online (Get-CbDevice -Id " + state.DeviceId + " shows its LastContact), or give the sensor " +
                                            "longer to check in: New-CbLiveResponseSession -TimeoutSec (default 360).",
                    };
                await Task.Delay(delay < left ? delay : left, ctx.CancellationToken).ConfigureAwait(false);
                if (delay < TimeSpan.FromSeconds(1)) delay = TimeSpan.FromMilliseconds(Math.Min(1000, delay.TotalMilliseconds * 2));
                state = await Refetch(svc, state, ctx).ConfigureAwait(false);
                detailed = true;
            }
        }

        private static async Task<LrSessionState> Refetch(ILiveResponseService svc, LrSessionState state, CallContext ctx)
        {
            var next = await svc.GetSessionAsync(state.Id, ctx).ConfigureAwait(false);
            if (next.Id.Length == 0) next.Id = state.Id;
            if (next.DeviceId == 0) next.DeviceId = state.DeviceId;
            return next;
        }

        /// <summary>A 403 that says the org's session limit is reached (as the service and KB 291523 word it).</summary>
        internal static bool IsSessionLimit(CbApiException ex)
        {
            if (ex.StatusCode != 403 && ex.StatusCode != 429) return false;
            string m = (ex.ServerMessage ?? ex.ResponseSnippet ?? "").ToLowerInvariant();
            return m.Contains("limit") || m.Contains("too many sessions") || m.Contains("maximum number of sessions");
        }

        /// <summary>A 404 meaning the session itself is gone (cbapi: status NOT_FOUND, or a text starting with Session or Sensor).</summary>
        internal static bool IsSessionGone(CbApiException ex)
        {
            if (ex.StatusCode != 404) return false;
            if (string.Equals(ex.ServerStatus, "NOT_FOUND", StringComparison.OrdinalIgnoreCase)) return true;
            if (string.Equals(ex.ErrorCode, "NOT_FOUND", StringComparison.OrdinalIgnoreCase)) return true;
            string m = (ex.ServerMessage ?? ex.ResponseSnippet ?? "").TrimStart('"', ' ');
            return m.StartsWith("Session", StringComparison.OrdinalIgnoreCase) || m.StartsWith("Sensor", StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>Closes one session (Remove-CbLiveResponseSession). A session the server already lost counts as closed.</summary>
        public async Task CloseAsync(LiveResponseSession s, CallContext ctx)
        {
            try
            {
                if (s.Status != "CLOSED") await (await ServiceAsync(ctx).ConfigureAwait(false)).CloseSessionAsync(s.Id, ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException)
            {
                // gone already
            }
            finally
            {
                Forget(s);
            }
        }

        private void Forget(LiveResponseSession s)
        {
            s.MarkClosed();
            if (_open.TryGetValue(s.DeviceId, out var held) && ReferenceEquals(held, s)) _open.TryRemove(s.DeviceId, out _);
            if (_open.IsEmpty) StopKeepalive();
        }

        private static async Task CloseQuietlyAsync(ILiveResponseService svc, string sessionId, ICallLog? log)
        {
            try
            {
                using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
                    await svc.CloseSessionAsync(sessionId, new CallContext(cts.Token, log, RetryPolicy.Interactive(10))).ConfigureAwait(false);
                log?.Verbose("Closed the Live Response session " + sessionId + ".");
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                log?.Warning("Could not close the Live Response session " + sessionId + ": " + ex.Message +
                             " It will time out on the server (session_timeout).");
            }
        }

        /// <summary>Closes every session this manager holds or is opening, within <paramref name="limit"/>; never throws.</summary>
        public void CloseAll(TimeSpan limit)
        {
            StopKeepalive();
            var svc = _service;
            var all = _open.Values.ToList();
            var pending = _pending.Keys.ToList();
            if (svc == null || (all.Count == 0 && pending.Count == 0)) return;
            try
            {
                var tasks = all.Where(s => s.Status != "CLOSED").Select(s => s.Id).Concat(pending).Distinct(StringComparer.Ordinal)
                    .Select(id => Task.Run(() => CloseQuietlyAsync(svc, id, null))).ToArray();
                Task.WaitAll(tasks, limit);
            }
            catch (Exception)
            {
                // best effort: the sessions time out on the server
            }
            foreach (var s in all) Forget(s);
        }

        /// <summary>Closes the sessions of every CbDefense session in the process (module removal, process exit).</summary>
        public static void CloseEverything(TimeSpan limit)
        {
            var managers = Live.Keys.ToList();
            var tasks = managers.Select(m => Task.Run(() => m.CloseAll(limit))).ToArray();
            try { Task.WaitAll(tasks, limit + TimeSpan.FromSeconds(1)); } catch (Exception) { /* best effort */ }
        }

        internal void Retire() => Live.TryRemove(this, out _);

        // ---------------------------------------------------------------- keepalive

        private void EnsureKeepalive(LiveResponseSession s)
        {
            var interval = KeepaliveInterval ?? TimeSpan.FromSeconds(Math.Max(1, Math.Min(30, (s.SessionTimeoutSec ?? 900) / 3.0)));
            lock (_timerLock)
            {
                if (_timer != null && interval >= _interval) return;
                _interval = interval;
                _timer?.Dispose();
                _timer = new Timer(_ => KeepaliveTick(), null, interval, interval);
            }
        }

        private void StopKeepalive()
        {
            lock (_timerLock)
            {
                _timer?.Dispose();
                _timer = null;
            }
        }

        private void KeepaliveTick()
        {
            if (Interlocked.Exchange(ref _keepaliveRunning, 1) != 0) return;
            try
            {
                var svc = _service;
                if (svc == null || _session.IsDisposed) return;
                var due = DateTime.UtcNow - TimeSpan.FromTicks((long)(_interval.Ticks * 0.8));
                var tasks = _open.Values.Where(s => s.Status == "ACTIVE" && s.LastUsedUtc <= due).Select(async s =>
                {
                    try
                    {
                        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Max(2, _interval.TotalSeconds))))
                            await svc.KeepaliveAsync(s.Id, new CallContext(cts.Token, null, RetryPolicy.Interactive(Math.Max(2, (int)_interval.TotalSeconds))))
                                     .ConfigureAwait(false);
                        s.Touch();
                    }
                    catch (CbObjectNotFoundException)
                    {
                        Forget(s); // the server closed it (expired, or closed elsewhere)
                    }
                    catch (Exception)
                    {
                        // a missed keepalive is tried again on the next tick
                    }
                }).ToArray();
                Task.WaitAll(tasks);
            }
            catch (Exception)
            {
                // never let a timer thread throw
            }
            finally
            {
                Interlocked.Exchange(ref _keepaliveRunning, 0);
            }
        }

        private static string Secs(TimeSpan t) => Math.Round(t.TotalSeconds).ToString(CultureInfo.InvariantCulture);
    }
}
