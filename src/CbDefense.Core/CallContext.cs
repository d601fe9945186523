using System.Threading;

namespace CbDefense
{
    /// <summary>
    /// Receives the verbose, debug and warning messages of a call. Called from any thread; the
    /// implementation (the cmdlet's) queues them and writes them on the pipeline thread.
    /// </summary>
    public interface ICallLog
    {
        void Verbose(string message);
        void Debug(string message);
        void Warning(string message);
    }

    /// <summary>What every client call carries: the cancellation token and the log sink.</summary>
    public sealed class CallContext
    {
        public CallContext(CancellationToken cancellationToken = default, ICallLog? log = null)
        {
            CancellationToken = cancellationToken;
            Log = log;
        }

        public CancellationToken CancellationToken { get; }
        public ICallLog? Log { get; }

        /// <summary>No cancellation, no log.</summary>
        public static CallContext None { get; } = new CallContext();
    }
}
