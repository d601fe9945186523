using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace CbDefense.Commands
{
    /// <summary>
    /// Base of every CbDefense cmdlet: cancellation (Ctrl+C cancels in-flight requests and waits at once),
    /// running Core's async calls while writing their verbose/debug/warning messages on the pipeline thread,
    /// and turning Core's exceptions into ErrorRecords.
    /// </summary>
    public abstract class CbCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _cts = new CancellationTokenSource();
        private PipelineLog? _log;

        protected CancellationToken CancellationToken => _cts.Token;

        protected override void StopProcessing() => _cts.Cancel();

        public void Dispose()
        {
            _cts.Dispose();
            _log?.Signal.Dispose();
            GC.SuppressFinalize(this);
        }

        private PipelineLog Log
        {
            get
            {
                if (_log == null)
                {
                    bool debug = MyInvocation.BoundParameters.ContainsKey("Debug")
                        || !Equals(GetVariableValue("DebugPreference"), ActionPreference.SilentlyContinue);
                    _log = new PipelineLog(debug);
                }
                return _log;
            }
        }

        /// <summary>Runs a Core call to completion on the pipeline thread, writing its messages as they come.</summary>
        protected T Run<T>(Func<CallContext, Task<T>> call) => Await(Start(call));

        /// <summary>
        /// Waits on the pipeline thread (Ctrl+C stops at once); false when <paramref name="untilUtc"/> comes first, once it
        /// has really passed. The watchers' wait between polls, -Until ending it.
        /// </summary>
        protected bool SleepUntil(TimeSpan wait, DateTime? untilUtc)
        {
            if (untilUtc.HasValue)
            {
                var left = untilUtc.Value - DateTime.UtcNow;
                if (left <= TimeSpan.Zero) return false;
                if (left < wait)
                {
                    // Timers may fire a few milliseconds early: wait until -Until has really passed.
                    while ((left = untilUtc.Value - DateTime.UtcNow) > TimeSpan.Zero)
                    {
                        var remaining = left;
                        Run(ctx => Task.Delay(remaining + TimeSpan.FromMilliseconds(1), ctx.CancellationToken));
                    }
                    return false;
                }
            }
            Run(ctx => Task.Delay(wait, ctx.CancellationToken));
            return true;
        }

        /// <summary>
        /// Starts a Core call without waiting for it (e.g. to fetch the next page while this one is written);
        /// finish it with <see cref="Await{T}"/>. Ctrl+C cancels it like any other call.
        /// </summary>
        protected Task<T> Start<T>(Func<CallContext, Task<T>> call)
        {
            var log = Log;
            try
            {
                return call(new CallContext(_cts.Token, log));
            }
            finally
            {
                Drain(log);
            }
        }

        /// <summary>Waits for a started call on the pipeline thread, writing its messages as they come.</summary>
        protected T Await<T>(Task<T> task)
        {
            var log = Log;
            var handles = new WaitHandle[] { ((IAsyncResult)task).AsyncWaitHandle, log.Signal };
            while (!task.IsCompleted)
            {
                WaitHandle.WaitAny(handles);
                Drain(log);
            }
            Drain(log);
            if (task.IsCanceled || (task.IsFaulted && task.Exception!.InnerException is OperationCanceledException && _cts.IsCancellationRequested))
                throw new PipelineStoppedException();
            return task.GetAwaiter().GetResult();
        }

        /// <summary>Cancels the calls this cmdlet still has in flight (a prefetch the pipeline no longer wants).</summary>
        protected void CancelPending() => _cts.Cancel();

        /// <summary>
        /// Runs a Core call that hands out items as it goes (a search page being parsed) and writes each item with
        /// <paramref name="write"/> on the pipeline thread as soon as it arrives, while the call is still running. When the
        /// pipeline stops (Select-Object -First, Ctrl+C) the call is cancelled and awaited, so nothing runs on.
        /// </summary>
        protected TResult RunStreaming<TItem, TResult>(Func<CallContext, Action<TItem>, Task<TResult>> call, Action<TItem> write)
        {
            var log = Log;
            var handOff = new HandOff<TItem>(log.Signal);
            Task<TResult> task;
            try
            {
                task = call(new CallContext(_cts.Token, log), handOff.Add);
            }
            finally
            {
                Drain(log);
            }
            var handles = new WaitHandle[] { ((IAsyncResult)task).AsyncWaitHandle, log.Signal };
            bool finished = false;
            try
            {
                while (true)
                {
                    bool done = task.IsCompleted;
                    Drain(log);
                    handOff.WriteAll(write);
                    if (done) break;
                    if (handOff.StartWaiting() && !task.IsCompleted) WaitHandle.WaitAny(handles, HandOff<TItem>.LatencyMs);
                    handOff.StopWaiting();
                }
                finished = true;
            }
            finally
            {
                if (!finished && !task.IsCompleted)
                {
                    _cts.Cancel();
                    try { task.Wait(); } catch (Exception) { /* cancelled: its outcome no longer matters */ }
                }
            }
            if (task.IsCanceled || (task.IsFaulted && task.Exception!.InnerException is OperationCanceledException && _cts.IsCancellationRequested))
                throw new PipelineStoppedException();
            return task.GetAwaiter().GetResult();
        }

        /// <summary>
        /// Items a Core call hands out (on a thread-pool thread) on their way to the pipeline thread. Waking the pipeline
        /// thread for every item costs more than writing it (a signal and a context switch per device, a third of the time of
        /// a 100,000-device listing), so the caller is woken when a batch is waiting, and otherwise finds what arrived within
        /// <see cref="LatencyMs"/> (or when the call ends): a result never waits longer than that to be written.
        /// </summary>
        private sealed class HandOff<TItem>
        {
            internal const int Batch = 64;
            internal const int LatencyMs = 10;
            private readonly ConcurrentQueue<TItem> _items = new ConcurrentQueue<TItem>();
            private readonly AutoResetEvent _signal;
            private int _pending;
            private int _waiting;

            public HandOff(AutoResetEvent signal) { _signal = signal; }

            /// <summary>Producer side: queues the item; wakes the waiting pipeline thread once a batch is queued.</summary>
            public void Add(TItem item)
            {
                _items.Enqueue(item);
                if (Interlocked.Increment(ref _pending) >= Batch && Interlocked.CompareExchange(ref _waiting, 0, 1) == 1) _signal.Set();
            }

            /// <summary>Pipeline side: writes everything queued so far, in order.</summary>
            public void WriteAll(Action<TItem> write)
            {
                int n = 0;
                try
                {
                    while (_items.TryDequeue(out var item))
                    {
                        n++;
                        write(item);
                    }
                }
                finally
                {
                    if (n > 0) Interlocked.Add(ref _pending, -n);
                }
            }

            /// <summary>Announces the pipeline thread is about to wait; false when a batch is already queued (no wait).</summary>
            public bool StartWaiting()
            {
                Interlocked.Exchange(ref _waiting, 1);
                return Volatile.Read(ref _pending) < Batch;
            }

            public void StopWaiting() => Interlocked.Exchange(ref _waiting, 0);
        }

        protected void Run(Func<CallContext, Task> call) => Run(async ctx => { await call(ctx).ConfigureAwait(false); return true; });

        /// <summary>The log for a synchronous Core call made on the pipeline thread; <see cref="FlushLog"/> writes what it got.</summary>
        protected ICallLog CallLog => Log;

        /// <summary>Writes the messages a synchronous Core call queued (verbose, debug, warnings).</summary>
        protected void FlushLog() => Drain(Log);

        private void Drain(PipelineLog log)
        {
            while (log.TryDequeue(out var item))
            {
                switch (item.Kind)
                {
                    case PipelineLog.Kind.Verbose: WriteVerbose(item.Text); break;
                    case PipelineLog.Kind.Debug: WriteDebug(item.Text); break;
                    case PipelineLog.Kind.Warning: WriteWarning(item.Text); break;
                }
            }
        }

        /// <summary>
        /// Runs a call for one item of several. On failure writes one error for that item (<paramref name="notFoundErrorId"/>
        /// for a 404, <paramref name="failedErrorId"/> otherwise) and returns false, so the other items go on.
        /// </summary>
        protected bool TryRun<T>(Func<CallContext, Task<T>> call, object? target, string notFoundErrorId, string failedErrorId, out T result)
        {
            try
            {
                result = Run(call);
                return true;
            }
            catch (CbObjectNotFoundException ex)
            {
                WriteCbError(ex, notFoundErrorId, target);
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                WriteCbError(ex, failedErrorId, target);
            }
            result = default!;
            return false;
        }

        /// <summary>A non-terminating error for one item: the other items go on.</summary>
        protected void WriteCbError(Exception ex, string errorId, object? target) => WriteError(ErrorMapper.ToRecord(ex, errorId, target));

        /// <summary>A terminating error: the command cannot go on at all.</summary>
        protected void ThrowCbError(Exception ex, string errorId, object? target) => ThrowTerminatingError(ErrorMapper.ToRecord(ex, errorId, target));

        internal void WriteProgressRecord(ProgressRecord record)
        {
            try { WriteProgress(record); }
            catch (PipelineStoppedException) { /* the pipeline is stopping: nothing more to show */ }
        }

        /// <summary>
        /// -WhatIf always wins (nothing is done); <paramref name="force"/> (-Force) skips the prompt unless -Confirm is given
        /// explicitly; otherwise ShouldProcess (which prompts by ConfirmImpact and $ConfirmPreference).
        /// </summary>
        protected bool ShouldProcessOrForce(string target, string action, bool force)
        {
            if (force && !IsWhatIf() && !IsSwitchBound("Confirm"))
            {
                WriteVerbose("Performing the operation \"" + action + "\" on target \"" + target + "\" (-Force).");
                return true;
            }
            return ShouldProcess(target, action);
        }

        private bool IsWhatIf()
        {
            if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w)) return LanguagePrimitives.IsTrue(w);
            return LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
        }

        private bool IsSwitchBound(string name) =>
            MyInvocation.BoundParameters.TryGetValue(name, out var v) && LanguagePrimitives.IsTrue(v);

        /// <summary>A context for a call made off the pipeline thread (Ctrl+C cancels it; its messages are written by <see cref="DrainMessages"/>).</summary>
        internal CallContext NewCallContext() => new CallContext(_cts.Token, Log);
        /// <summary>Set whenever a message or an output of a background call is queued: the pipeline thread wakes up.</summary>
        internal WaitHandle MessageSignal => Log.Signal;
        internal void Wake() => Log.Signal.Set();
        internal void DrainMessages() => Drain(Log);
        internal bool IsStopping => _cts.IsCancellationRequested;

        internal Task<T> StartCall<T>(Func<CallContext, Task<T>> call) => Start(call);
        internal T AwaitCall<T>(Task<T> task) => Await(task);
        internal static bool IsReportableError(Exception ex) => IsReportable(ex);

        /// <summary>True for the failures of Core a cmdlet reports as an ErrorRecord (never pipeline stops).</summary>
        protected static bool IsReportable(Exception ex) =>
            ex is CbApiException || ex is ArgumentException || ex is FormatException || ex is InvalidOperationException;
    }

    /// <summary>
    /// Calls for many items run a few at a time, their results written in the order the items came: each call starts
    /// as soon as it is added (up to the limit), and <see cref="WriteReady"/> writes the finished ones at the head.
    /// </summary>
    internal sealed class OrderedCalls<TKey, TResult>
    {
        private readonly CbCmdlet _cmdlet;
        private readonly int _limit;
        private readonly Func<TKey, CallContext, Task<TResult>> _call;
        private readonly Queue<TKey> _waiting = new Queue<TKey>();
        private readonly Queue<(TKey Key, Task<TResult> Task)> _running = new Queue<(TKey, Task<TResult>)>();

        public OrderedCalls(CbCmdlet cmdlet, int limit, Func<TKey, CallContext, Task<TResult>> call)
        {
            _cmdlet = cmdlet;
            _limit = Math.Max(1, limit);
            _call = call;
        }

        public void Add(TKey key)
        {
            _waiting.Enqueue(key);
            Pump();
        }

        private void Pump()
        {
            while (_running.Count < _limit && _waiting.Count > 0)
            {
                var key = _waiting.Dequeue();
                _running.Enqueue((key, _cmdlet.StartCall(ctx => _call(key, ctx))));
            }
        }

        /// <summary>
        /// Writes, in order, the results at the head that are done; waits for the head when more items wait for a slot,
        /// or for every call when <paramref name="all"/>. A failed call goes to <paramref name="onError"/>.
        /// </summary>
        public void WriteReady(bool all, Action<TKey, TResult> onResult, Action<TKey, Exception> onError)
        {
            while (_running.Count > 0)
            {
                var (key, task) = _running.Peek();
                if (!task.IsCompleted && !all && _waiting.Count == 0) break;
                _running.Dequeue();
                TResult result;
                try
                {
                    result = _cmdlet.AwaitCall(task);
                }
                catch (Exception ex) when (CbCmdlet.IsReportableError(ex))
                {
                    onError(key, ex);
                    Pump();
                    continue;
                }
                onResult(key, result);
                Pump();
            }
        }
    }

    /// <summary>Base of the cmdlets that talk to a server: the -Session parameter and the default session.</summary>
    public abstract class CbSessionCmdlet : CbCmdlet
    {
        /// <summary>
        /// The session to use. Objects from the pipeline bind their own Session by property name, so each goes
        /// back to the server it came from; otherwise the default session (the last Connect-CbDefense) is used.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [SessionTransformation]
        public Session? Session { get; set; }

        /// <summary>
        /// The session's services of its API generation. An Auto session finds its generation on the first call (one
        /// probe, said on the verbose stream); a failure of that probe is a terminating error.
        /// </summary>
        internal Services.ApiServices Services(Session session)
        {
            try
            {
                return Run(ctx => session.GetServicesAsync(ctx));
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                ThrowCbError(ex, "ApiGenerationUnknown", session);
                throw;
            }
        }

        /// <summary>The session's API generation (an Auto session finds it out now, with its one probe).</summary>
        internal ApiGeneration SessionGeneration(Session session) => Services(session).Generation;

        protected Session GetSession()
        {
            var session = Session != null ? SessionRegistry.Successor(Session) : SessionRegistry.Default;
            if (session == null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("There is no CB Defense session. Run Connect-CbDefense first, or pass -Session."),
                    "NoSession", ErrorCategory.ConnectionError, null));
            }
            if (session!.IsDisposed)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException($"The session to {session.Uri} was disconnected. Run Connect-CbDefense again."),
                    "SessionDisconnected", ErrorCategory.ConnectionError, session));
            }
            return session;
        }
    }
}
