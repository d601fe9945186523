using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace CbDefense.Http
{
    /// <summary>
    /// Masks the session's secret in text meant for users (messages, log lines, snippets): as is, URL-encoded (a path or
    /// query the user typed) and base64 (of the secret and of the whole SECRET/ID token, as a dump or a basic-auth
    /// header would show it).
    /// </summary>
    internal sealed class Redactor
    {
        private readonly string[] _forms;
        public const string Mask = "***REDACTED***";

        public Redactor(string secret, string? apiId = null)
        {
            var forms = new List<string>();
            if (!string.IsNullOrEmpty(secret))
            {
                forms.Add(secret);
                forms.Add(Uri.EscapeDataString(secret));
                forms.Add(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)));
                if (!string.IsNullOrEmpty(apiId)) forms.Add(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret + "/" + apiId)));
            }
            // Longest first, so a form that contains another is masked whole.
            _forms = forms.Distinct(StringComparer.Ordinal).OrderByDescending(f => f.Length).ToArray();
        }

        public bool Finds(string? text)
        {
            if (string.IsNullOrEmpty(text)) return false;
            foreach (var f in _forms)
                if (text!.IndexOf(f, StringComparison.OrdinalIgnoreCase) >= 0) return true;
            return false;
        }

        public string Redact(string? text)
        {
            if (string.IsNullOrEmpty(text)) return text ?? "";
            if (!Finds(text)) return text!;
            var sb = new StringBuilder(text);
            foreach (var f in _forms) sb = new StringBuilder(ReplaceIgnoreCase(sb.ToString(), f));
            return sb.ToString();
        }

        private static string ReplaceIgnoreCase(string text, string form)
        {
            int i = text.IndexOf(form, StringComparison.OrdinalIgnoreCase);
            if (i < 0) return text;
            var sb = new StringBuilder();
            int from = 0;
            while (i >= 0)
            {
                sb.Append(text, from, i - from).Append(Mask);
                from = i + form.Length;
                i = text.IndexOf(form, from, StringComparison.OrdinalIgnoreCase);
            }
            return sb.Append(text, from, text.Length - from).ToString();
        }

        /// <summary>
        /// The exception to keep as an inner exception: itself when no message of its chain holds the secret (the usual
        /// case), otherwise a copy of the chain with the messages masked (a .NET transport message can name the request
        /// URI, which a user may have typed with the key in it).
        /// </summary>
        public Exception Scrub(Exception ex)
        {
            bool dirty = false;
            for (Exception? e = ex; e != null && !dirty; e = e.InnerException) dirty = Finds(e.Message);
            if (!dirty) return ex;
            return new RedactedException(ex.GetType().FullName ?? ex.GetType().Name, Redact(ex.Message), ex.InnerException == null ? null : Scrub(ex.InnerException));
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
