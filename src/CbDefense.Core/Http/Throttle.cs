using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace CbDefense.Http
{
    /// <summary>Replaces the secret in any text.</summary>
    internal sealed class Redactor
    {
        private readonly string _secret;
        public Redactor(string secret) { _secret = secret; }
        public const string Mask = "***REDACTED***";
        public string Redact(string? text)
        {
            if (string.IsNullOrEmpty(text)) return text ?? "";
            return _secret.Length == 0 || text!.IndexOf(_secret, StringComparison.Ordinal) < 0 ? text! : text!.Replace(_secret, Mask);
        }
    }

    /// <summary>The session-wide throttle window: while it is open no request of the session is sent.</summary>
    internal sealed class ThrottleGate
    {
        private readonly object _lock = new object();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _openAtTicks; // in Stopwatch-elapsed TimeSpan ticks

        public TimeSpan Remaining
        {
            get
            {
                lock (_lock)
                {
                    long r = _openAtTicks - _clock.Elapsed.Ticks;
                    return r > 0 ? TimeSpan.FromTicks(r) : TimeSpan.Zero;
                }
            }
        }

        /// <summary>Keeps the gate closed for at least <paramref name="wait"/> from now.</summary>
        public void Penalize(TimeSpan wait)
        {
            lock (_lock)
            {
                long until = _clock.Elapsed.Ticks + wait.Ticks;
                if (until > _openAtTicks) _openAtTicks = until;
            }
        }

        /// <summary>Waits until the window is over (it may be extended meanwhile). Returns the time waited.</summary>
        public async Task<TimeSpan> WaitAsync(CancellationToken ct)
        {
            var waited = TimeSpan.Zero;
            while (true)
            {
                var r = Remaining;
                if (r <= TimeSpan.Zero) return waited;
                var sw = Stopwatch.StartNew();
                await Task.Delay(r, ct).ConfigureAwait(false);
                waited += sw.Elapsed;
            }
        }
    }
}
