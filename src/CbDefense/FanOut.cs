using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace CbDefense.Commands
{
    /// <summary>
    /// Runs one piece of work per input, at most <c>limit</c> at a time, off the pipeline thread; whatever the work writes
    /// (objects, errors, progress) is queued and written on the pipeline thread as it comes, in the order it finished, so
    /// a slow device never holds up the others. Ctrl+C cancels every piece and waits for each to clean up (a Live
    /// Response session it was opening is closed) before the pipeline stops.
    /// </summary>
#pragma warning disable CA1001 // The SemaphoreSlim's wait handle is never asked for, so it holds no OS handle and needs no Dispose.
    internal sealed class FanOut
#pragma warning restore CA1001
    {
        private readonly CbCmdlet _cmdlet;
        private readonly int _limit;
        private readonly SemaphoreSlim _slots;
        private readonly ConcurrentQueue<Action> _out = new ConcurrentQueue<Action>();
        private readonly List<Task> _tasks = new List<Task>();
        private int _started;
        private int _finished;

        public FanOut(CbCmdlet cmdlet, int limit)
        {
            _cmdlet = cmdlet;
            _limit = Math.Max(1, limit);
            _slots = new SemaphoreSlim(_limit, _limit);
        }

        public int Started => _started;
        public int Finished => Volatile.Read(ref _finished);

        /// <summary>Writes an output of a work item (on the pipeline thread, later).</summary>
        public void Write(object item) => Post(() => _cmdlet.WriteObject(item));

        public void WriteError(ErrorRecord record) => Post(() => _cmdlet.WriteError(record));

        public void Progress(ProgressRecord record) => Post(() => _cmdlet.WriteProgressRecord(record));

        public void Post(Action action)
        {
            _out.Enqueue(action);
            _cmdlet.Wake();
        }

        /// <summary>
        /// Starts <paramref name="work"/> (when a slot is free); a failure other than the pipeline stopping goes to
        /// <paramref name="onError"/>, called on the pipeline thread. Holds the caller while twice the limit are waiting,
        /// so a long pipeline does not pile up work.
        /// </summary>
        public void Add(Func<CallContext, Task> work, Action<Exception> onError)
        {
            while (_tasks.Count(t => !t.IsCompleted) >= _limit * 2 && !_cmdlet.IsStopping) WaitForOutput();
            var ctx = _cmdlet.NewCallContext();
            _started++;
            var task = Task.Run(async () =>
            {
                bool slot = false;
                try
                {
                    await _slots.WaitAsync(ctx.CancellationToken).ConfigureAwait(false);
                    slot = true;
                    await work(ctx).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ctx.CancellationToken.IsCancellationRequested)
                {
                    // the pipeline is stopping
                }
                catch (Exception ex)
                {
                    Post(() => onError(ex));
                }
                finally
                {
                    if (slot) _slots.Release();
                    Interlocked.Increment(ref _finished);
                    _cmdlet.Wake();
                }
            });
            _tasks.Add(task);
            WriteReady();
        }

        /// <summary>Writes what has come so far, without waiting.</summary>
        public void WriteReady()
        {
            _cmdlet.DrainMessages();
            while (_out.TryDequeue(out var a)) a();
        }

        /// <summary>Waits for every piece of work, writing what comes; throws PipelineStoppedException after a Ctrl+C once all have ended.</summary>
        public void WriteAll()
        {
            try
            {
                while (_tasks.Any(t => !t.IsCompleted))
                {
                    WaitForOutput();
                }
                WriteReady();
            }
            catch (PipelineStoppedException)
            {
                WaitQuietly();
                throw;
            }
            if (_cmdlet.IsStopping) throw new PipelineStoppedException();
        }

        private void WaitForOutput()
        {
            _cmdlet.MessageSignal.WaitOne(250);
            WriteReady();
        }

        /// <summary>Lets every piece of work finish its clean-up (bounded), writing nothing more.</summary>
        private void WaitQuietly()
        {
            try { Task.WaitAll(_tasks.ToArray(), TimeSpan.FromSeconds(30)); } catch (Exception) { /* their outcome no longer matters */ }
        }
    }
}
