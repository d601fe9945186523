using System.Collections.Concurrent;
using System.Threading;

namespace CbDefense.Commands
{
    /// <summary>
    /// Collects the messages Core sends from any thread; the cmdlet writes them on the pipeline thread
    /// while it waits for a call (PowerShell's streams may only be written from that thread).
    /// </summary>
    internal sealed class PipelineLog : ICallLog
    {
        internal enum Kind { Verbose, Debug, Warning }

        private readonly ConcurrentQueue<(Kind Kind, string Text)> _queue = new ConcurrentQueue<(Kind, string)>();
        private readonly bool _debugWanted;

        public PipelineLog(bool debugWanted) { _debugWanted = debugWanted; }

        /// <summary>Set when a message is queued, so the waiting pipeline thread wakes up at once.</summary>
        public AutoResetEvent Signal { get; } = new AutoResetEvent(false);

        public void Verbose(string message) => Enqueue(Kind.Verbose, message);

        // Debug messages carry request and response bodies: skip the work when nobody listens.
        public void Debug(string message) { if (_debugWanted) Enqueue(Kind.Debug, message); }

        public void Warning(string message) => Enqueue(Kind.Warning, message);

        private void Enqueue(Kind kind, string text)
        {
            _queue.Enqueue((kind, text));
            Signal.Set();
        }

        public bool TryDequeue(out (Kind Kind, string Text) item) => _queue.TryDequeue(out item);
    }
}
