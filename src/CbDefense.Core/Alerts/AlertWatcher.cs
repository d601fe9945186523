using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CbDefense.Json;
using CbDefense.Services;

namespace CbDefense
{
    /// <summary>
    /// The polling logic behind Watch-CbAlert, the successor of the notification queue: each poll searches the alerts
    /// whose backend_timestamp lies between the watermark and now minus the lag (alerts are indexed late, so the
    /// window's end stays behind now, as the alerts migration guide advises), oldest first; an alert at the watermark
    /// that was already delivered is dropped. After each delivery the watermark (the time, and the ids delivered at that
    /// time) is written to the state file atomically, so a watch killed and started again with the same file goes on
    /// where it stopped. The file holds times and alert ids only (no credentials, no session).
    /// </summary>
    internal sealed class AlertWatcher : IDisposable
    {
        private const string Format = "CbDefense.AlertWatermark";
        private readonly IAlertService _alerts;
        private readonly AlertQuery _filters;
        private readonly TimeSpan _lag;
        private readonly TimeSpan _interval;
        private readonly string? _path;
        private readonly FileStream? _lock;
        private readonly string _fingerprint;
        private DateTime _watermark;
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.Ordinal);

        public AlertWatcher(IAlertService alerts, AlertQuery filters, string? statePath, DateTime? startUtc, TimeSpan lag, TimeSpan interval)
        {
            _alerts = alerts ?? throw new ArgumentNullException(nameof(alerts));
            _filters = filters ?? new AlertQuery();
            if (_filters.StartTime.HasValue || _filters.EndTime.HasValue || _filters.Range != null || _filters.Sort.Count > 0)
                throw new ArgumentException("A watch moves its own time window and order: -StartTime (where to begin), not a time range or -Sort, in its filters.");
            _lag = lag < TimeSpan.Zero ? TimeSpan.Zero : lag;
            _interval = interval <= TimeSpan.Zero ? TimeSpan.FromSeconds(1) : interval;
            _fingerprint = Fingerprint(_filters);
            _watermark = Truncate(startUtc ?? DateTime.UtcNow - _lag);
            if (!string.IsNullOrEmpty(statePath))
            {
                _path = StateFile.Resolve(statePath!);
                _lock = StateFile.Lock(_path);
                try
                {
                    Resumed = Load();
                }
                catch
                {
                    _lock.Dispose();
                    throw;
                }
            }
        }

        /// <summary>The time up to which every alert was delivered (UTC, milliseconds).</summary>
        public DateTime WatermarkUtc => _watermark;
        /// <summary>True when the watch goes on from a state file an earlier watch wrote.</summary>
        public bool Resumed { get; }
        /// <summary>Set when the state file was written for other filters than these.</summary>
        public string? FilterWarning { get; private set; }
        public int ConsecutiveFailures { get; private set; }
        public int WriteCount { get; private set; }

        private static DateTime Truncate(DateTime t)
        {
            var u = t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc);
            return new DateTime(u.Ticks - u.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
        }

        private static string Iso(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

        private static string Fingerprint(AlertQuery q) => PlainJson.Serialize(new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["type"] = q.Type.ToList(), ["minimum_severity"] = q.MinimumSeverity, ["device_id"] = q.DeviceId.ToList(), ["device_name"] = q.DeviceName.ToList(),
            ["threat_id"] = q.ThreatId.ToList(), ["status"] = q.Status.ToList(), ["determination"] = q.Determination.ToList(), ["process_name"] = q.ProcessName.ToList(),
            ["process_sha256"] = q.ProcessSha256.ToList(), ["policy"] = q.PolicyName.ToList(), ["query"] = q.Query,
            ["criteria"] = new Dictionary<string, object?>(q.Criteria), ["exclusions"] = new Dictionary<string, object?>(q.Exclusions),
        });

        private bool Load()
        {
            string? text = StateFile.Read(_path!);
            if (text == null) return false;
            if (!PlainJson.TryParse(text, out var json) || !(json is Dictionary<string, object?> d) ||
                !(d.TryGetValue("format", out var f) && (f as string) == Format) ||
                !d.TryGetValue("watermark", out var w) || !FieldReader.TryTime(w!, out var mark, out _) || mark == null)
                throw new InvalidDataException("The file " + _path + " is not a CbDefense alert watch state file; use another -StatePath (the file was left unchanged).");
            _watermark = Truncate(mark.Value);
            if (d.TryGetValue("ids", out var ids) && ids is List<object?> l)
                foreach (var id in l.OfType<string>()) _seen.Add(id);
            if (d.TryGetValue("filters", out var fp) && fp is string prev && prev != _fingerprint)
                FilterWarning = "The state file " + _path + " was written by a watch with other filters; it goes on from its watermark (" + Iso(_watermark) + ") with these.";
            return true;
        }

        private void Save()
        {
            if (_path == null) return;
            var doc = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["format"] = Format, ["version"] = 1, ["updated"] = Iso(DateTime.UtcNow), ["watermark"] = Iso(_watermark),
                ["ids"] = _seen.OrderBy(x => x, StringComparer.Ordinal).Cast<object?>().ToList(), ["filters"] = _fingerprint,
            };
            StateFile.Write(_path, PlainJson.Serialize(doc));
            WriteCount++;
        }

        /// <summary>
        /// One poll: the alerts from the watermark to now minus the lag (at most 179 days at a time), oldest first, without
        /// the ones already delivered, handed to <paramref name="sink"/> as they are read. Nothing is recorded until
        /// <see cref="Delivered"/>.
        /// </summary>
        public async Task<int> PollAsync(Action<Alert> sink, CallContext ctx)
        {
            var end = Truncate(DateTime.UtcNow - _lag);
            var limit = _watermark + TimeSpan.FromDays(179);
            if (end > limit) end = limit;
            if (end < _watermark) return 0;
            var q = Copy(_filters);
            q.StartTime = _watermark;
            q.EndTime = end;
            var start = _watermark;
            var seen = new HashSet<string>(_seen, StringComparer.Ordinal);
            int handed = 0;
            try
            {
                var search = _alerts.Search(q, 0, null, 1000);
                while (!search.IsComplete)
                {
                    await search.NextPageAsync(a =>
                    {
                        var t = a.BackendTimestampUtc.HasValue ? Truncate(a.BackendTimestampUtc.Value) : (DateTime?)null;
                        if (a.Id != null && t.HasValue && t.Value <= start && seen.Contains(a.Id)) return; // delivered before
                        if (a.Id != null) seen.Add(a.Id);
                        handed++;
                        sink(a);
                    }, ctx).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                ConsecutiveFailures++;
                throw;
            }
            ConsecutiveFailures = 0;
            if (handed == 0 && end == limit)
            {
                // A capped window (the watch is more than 179 days behind) searched in full and empty: the watermark moves
                // to its end, or every later poll would search the same empty window and never reach newer alerts.
                _watermark = end;
                _seen.Clear();
                Save();
            }
            return handed;
        }

        /// <summary>Records a delivered alert: the watermark moves to its time, and the file is written.</summary>
        public void Delivered(Alert alert)
        {
            if (alert == null) throw new ArgumentNullException(nameof(alert));
            if (alert.BackendTimestampUtc.HasValue)
            {
                var t = Truncate(alert.BackendTimestampUtc.Value);
                if (t > _watermark)
                {
                    _watermark = t;
                    _seen.Clear();
                }
            }
            if (alert.Id != null) _seen.Add(alert.Id);
            Save();
        }

        private static AlertQuery Copy(AlertQuery f)
        {
            var q = new AlertQuery { MinimumSeverity = f.MinimumSeverity, Query = f.Query };
            foreach (var v in f.Type) q.Type.Add(v);
            foreach (var v in f.DeviceId) q.DeviceId.Add(v);
            foreach (var v in f.DeviceName) q.DeviceName.Add(v);
            foreach (var v in f.ThreatId) q.ThreatId.Add(v);
            foreach (var v in f.Status) q.Status.Add(v);
            foreach (var v in f.Determination) q.Determination.Add(v);
            foreach (var v in f.ProcessName) q.ProcessName.Add(v);
            foreach (var v in f.ProcessSha256) q.ProcessSha256.Add(v);
            foreach (var v in f.PolicyName) q.PolicyName.Add(v);
            foreach (var kv in f.Criteria) q.Criteria[kv.Key] = kv.Value;
            foreach (var kv in f.Exclusions) q.Exclusions[kv.Key] = kv.Value;
            return q;
        }

        /// <summary>The same transient failures as Watch-CbNotification waits out.</summary>
        public static bool IsTransient(Exception ex) => NotificationWatcher.IsTransient(ex);

        /// <summary>The wait after the latest failure: the interval doubled per consecutive failure, at most 5 minutes (or the interval if longer).</summary>
        public TimeSpan NextBackoff() => NotificationWatcher.Backoff(_interval, ConsecutiveFailures);

        public void Dispose() => _lock?.Dispose();
    }
}
