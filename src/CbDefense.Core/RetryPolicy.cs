using System;

namespace CbDefense
{
    /// <summary>How hard one call tries: the session's defaults, or a tighter policy (a Tab completer must not block the prompt).</summary>
    public sealed class RetryPolicy
    {
        public RetryPolicy(int maximumRetryCount, TimeSpan budget, int timeoutSec)
        {
            MaximumRetryCount = Math.Max(0, maximumRetryCount);
            Budget = budget;
            TimeoutSec = Math.Max(0, timeoutSec);
        }

        public int MaximumRetryCount { get; }
        /// <summary>Total time the retries of one call may take, waits included.</summary>
        public TimeSpan Budget { get; }
        /// <summary>Seconds per attempt; 0 = no timeout.</summary>
        public int TimeoutSec { get; }

        /// <summary>One attempt, no retry, a short timeout: for work a person waits on at the prompt (Tab completion).</summary>
        public static RetryPolicy Interactive(int timeoutSec = 1) => new RetryPolicy(0, TimeSpan.Zero, timeoutSec);

        internal static RetryPolicy From(SessionOptions o) => new RetryPolicy(o.MaximumRetryCount, o.RetryBudget, o.TimeoutSec);
    }
}
