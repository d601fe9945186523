using System;
using System.Collections.Generic;
using System.IO;
using CbDefense.Json;

namespace CbDefense
{
    /// <summary>
    /// A durable spool of notifications read from the queue but not yet delivered. The notification queue is drained on
    /// read, so whatever a reader holds only in memory is lost when its process dies; the spool writes each batch to
    /// its file (a temporary file flushed to disk, then atomically renamed over the state file) before the batch is
    /// handed on, and drops a notification only after it was delivered. Opening a spool yields what a previous (killed)
    /// process left. Delivery is therefore at least once: a crash between delivering a notification and recording
    /// that may deliver it again, nothing is lost. The file holds notifications only (no credentials, no session).
    /// One process at a time: a lock file (&lt;path&gt;.lock) is held while the spool is open.
    /// </summary>
    public sealed class NotificationSpool : IDisposable
    {
        private const string Format = "CbDefense.NotificationSpool";
        /// <summary>Rewrite the file after every delivery while at most this many are pending, else every this many.</summary>
        internal const int WriteEvery = 50;

        private readonly List<Notification> _pending = new List<Notification>();
        private readonly FileStream _lock;
        private int _deliveredSinceWrite;
        private bool _disposed;

        private NotificationSpool(string path, FileStream lockStream)
        {
            Path = path;
            _lock = lockStream;
        }

        /// <summary>The state file (full path).</summary>
        public string Path { get; }

        /// <summary>Notifications read but not yet delivered, oldest first.</summary>
        public IReadOnlyList<Notification> Pending => _pending;

        /// <summary>How many times the state file was written (for tests and diagnostics).</summary>
        public int WriteCount { get; private set; }

        /// <summary>
        /// Opens (or creates on first write) the state file and reads what it holds. Throws IOException when another
        /// process has it open, InvalidDataException when the file is not a spool.
        /// </summary>
        public static NotificationSpool Open(string path, Session? session)
        {
            string full = StateFile.Resolve(path);
            var lockStream = StateFile.Lock(full);
            var spool = new NotificationSpool(full, lockStream);
            try
            {
                spool.Load(session);
            }
            catch
            {
                lockStream.Dispose();
                throw;
            }
            return spool;
        }

        private void Load(Session? session)
        {
            // A temp file left by a crash mid-write is incomplete by definition (the rename never happened): ignore it.
            string? text = StateFile.Read(Path);
            if (text == null) return;
            if (!PlainJson.TryParse(text, out var json) || !(json is Dictionary<string, object?> d) ||
                !(d.TryGetValue("format", out var f) && (f as string) == Format) ||
                !d.TryGetValue("pending", out var p) || !(p is List<object?> items))
                throw new InvalidDataException("The file " + Path + " is not a CbDefense notification state file; use another -StatePath (the file was left unchanged).");
            foreach (var item in items)
                if (item is Dictionary<string, object?> n) _pending.Add(Notification.Read(n, session));
        }

        /// <summary>Adds a batch just read from the queue and writes the file durably before returning.</summary>
        public void Add(IReadOnlyList<Notification> batch)
        {
            ThrowIfDisposed();
            if (batch == null) throw new ArgumentNullException(nameof(batch));
            if (batch.Count == 0) return;
            _pending.AddRange(batch);
            Write();
        }

        /// <summary>Records that a notification was delivered; the file is rewritten at once while few are pending.</summary>
        public void Delivered(Notification notification)
        {
            ThrowIfDisposed();
            int i = _pending.IndexOf(notification);
            if (i < 0) return;
            _pending.RemoveAt(i);
            _deliveredSinceWrite++;
            if (_pending.Count <= WriteEvery || _deliveredSinceWrite >= WriteEvery) Write();
        }

        /// <summary>Writes the file if deliveries are not recorded yet.</summary>
        public void Flush()
        {
            if (_disposed) return;
            if (_deliveredSinceWrite > 0) Write();
        }

        private void Write()
        {
            var items = new List<object?>(_pending.Count);
            foreach (var n in _pending) items.Add(n.Raw);
            var doc = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["format"] = Format,
                ["version"] = 1,
                ["updated"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                ["pending"] = items,
            };
            StateFile.Write(Path, PlainJson.Serialize(doc));
            _deliveredSinceWrite = 0;
            WriteCount++;
        }

        private void ThrowIfDisposed()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(NotificationSpool));
        }

        public void Dispose()
        {
            if (_disposed) return;
            try { Flush(); }
            finally
            {
                _disposed = true;
                _lock.Dispose();
            }
        }
    }
}
