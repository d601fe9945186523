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
        public CallContext(CancellationToken cancellationToken = default, ICallLog? log = null, RetryPolicy? retry = null)
        {
            CancellationToken = cancellationToken;
            Log = log;
            Retry = retry;
        }

        public CancellationToken CancellationToken { get; }
        public ICallLog? Log { get; }
        /// <summary>How hard the calls made with this context try; null = the session's defaults.</summary>
        public RetryPolicy? Retry { get; }

        /// <summary>The same context with another retry policy.</summary>
        public CallContext WithRetry(RetryPolicy? retry) => new CallContext(CancellationToken, Log, retry);

        /// <summary>No cancellation, no log.</summary>
        public static CallContext None { get; } = new CallContext();
    }
}
