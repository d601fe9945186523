using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Json;
using CbDefense.Search;

namespace CbDefense.Services
{
    /// <summary>How one generation's alert search is spelled: the route, the time field, the criteria names, the reader.</summary>
    internal sealed class AlertDialect
    {
        public string Path { get; set; } = "";
        /// <summary>The field the search windows on: v7 backend_timestamp, v6 create_time.</summary>
        public string TimeField { get; set; } = "backend_timestamp";
        /// <summary>v7 takes time_range at the top of the body; v6 takes it as a criterion on create_time.</summary>
        public bool TopLevelTimeRange { get; set; }
        public Func<AlertQuery, Dictionary<string, object?>> Criteria { get; set; } = _ => new Dictionary<string, object?>();
        public Func<Dictionary<string, object?>, Session?, Alert> Read { get; set; } = Alert.ReadV7;
        public Func<Alert, DateTime?> Time { get; set; } = a => a.BackendTimestampUtc;
        /// <summary>The wire name of a sort field given with its v7 name.</summary>
        public Func<string, string> SortField { get; set; } = f => f;
    }

    /// <summary>
    /// An alert search: pages of the search route while they fit the 10,000-hit window; past it (unsorted by the user)
    /// the search is ordered by the time field ascending and moves its window on: the next window starts at the last
    /// time written, and the alerts already written at that time are dropped, so every alert comes exactly once.
    /// </summary>
    internal sealed class AlertSearch : PagedSearch<Alert>
    {
        internal const int Window = 10000;
        internal static readonly TimeSpan MaximumRange = TimeSpan.FromDays(180);
        private static readonly Regex RangePattern = new Regex(@"^-(\d+)([smhdwy])$", RegexOptions.CultureInvariant);

        private readonly CbClient _client;
        private readonly AlertDialect _dialect;
        private readonly AlertQuery _query;
        private readonly int _pageSize;
        private readonly Dictionary<string, object?> _criteria;
        private readonly List<Dictionary<string, object?>> _sort;
        private readonly bool _userSort;
        private readonly DateTime? _start, _end;
        private readonly string? _range;
        private bool _clientSkip;
        private long _nextStart = 1;
        private DateTime? _windowFrom;
        private DateTime? _lastTime;
        private readonly HashSet<string> _atLastTime = new HashSet<string>(StringComparer.Ordinal);
        private long _writtenInWindow;

        public AlertSearch(CbClient client, AlertDialect dialect, AlertQuery q, long skip, long? first, int pageSize) : base(skip, first)
        {
            _client = client;
            _dialect = dialect;
            _query = q;
            if (pageSize < 1 || pageSize > Window) throw new ArgumentOutOfRangeException(nameof(pageSize), "PageSize must be 1 to " + Window + ".");
            _pageSize = pageSize;
            client.RequireOrgKey("alert searches");

            if (q.Range != null && (q.StartTime.HasValue || q.EndTime.HasValue))
                throw new ArgumentException("Give -Range or -StartTime/-EndTime, not both.");
            if (q.StartTime.HasValue && q.EndTime.HasValue && q.EndTime.Value.ToUniversalTime() < q.StartTime.Value.ToUniversalTime())
                throw new ArgumentException("-EndTime (" + q.EndTime.Value.ToString("u", CultureInfo.InvariantCulture) + ") is before -StartTime (" +
                                            q.StartTime.Value.ToString("u", CultureInfo.InvariantCulture) + "): nothing can match.");
            var now = DateTime.UtcNow;
            if (q.Range != null)
            {
                string r = q.Range.Trim();
                if (!string.Equals(r, "all", StringComparison.OrdinalIgnoreCase))
                {
                    var span = ParseRange(r);
                    if (span > MaximumRange)
                        throw new ArgumentException("-Range " + r + " is longer than the 180 days an alert search covers (the API's limit). Use a shorter range, " +
                                                    "or several searches with -StartTime/-EndTime.");
                    _range = r;
                    _start = now - span;
                    _end = now;
                }
                else _range = "all";
            }
            else if (q.StartTime.HasValue || q.EndTime.HasValue)
            {
                _start = q.StartTime?.ToUniversalTime();
                _end = q.EndTime?.ToUniversalTime() ?? (q.StartTime.HasValue ? now : (DateTime?)null);
                if (_start.HasValue && _end.HasValue && _end.Value - _start.Value > MaximumRange)
                    throw new ArgumentException("The time range " + _start.Value.ToString("u", CultureInfo.InvariantCulture) + " to " + _end.Value.ToString("u", CultureInfo.InvariantCulture) +
                                                " is longer than the 180 days an alert search covers (the API's limit). Split it into shorter searches.");
            }

            _criteria = dialect.Criteria(q);
            foreach (var kv in q.Criteria) _criteria[kv.Key] = CriteriaValue(kv.Value);
            _userSort = q.Sort.Count > 0;
            _sort = new List<Dictionary<string, object?>>();
            foreach (var field in q.Sort)
            {
                string f = field.Trim();
                bool desc = f.StartsWith("-", StringComparison.Ordinal);
                if (desc || f.StartsWith("+", StringComparison.Ordinal)) f = f.Substring(1);
                if (f.Length == 0) throw new ArgumentException("An empty -Sort field; give field names such as severity or -backend_timestamp.");
                _sort.Add(new Dictionary<string, object?>(StringComparer.Ordinal) { ["field"] = dialect.SortField(f), ["order"] = desc ? "DESC" : "ASC" });
            }
            if (!_userSort)
            {
                // A total order on the time field, so windows can move on without missing or repeating an alert.
                _sort.Add(new Dictionary<string, object?>(StringComparer.Ordinal) { ["field"] = dialect.TimeField, ["order"] = "ASC" });
                _sort.Add(new Dictionary<string, object?>(StringComparer.Ordinal) { ["field"] = "id", ["order"] = "ASC" });
            }
            // -Skip: the server's start does it within the first window; past it, the client counts.
            _clientSkip = skip + Math.Min(pageSize, first ?? pageSize) > Window;
            if (!_clientSkip) _nextStart = skip + 1;
        }

        protected override bool ClientSkipsAndLimits => _clientSkip;

        internal static TimeSpan ParseRange(string range)
        {
            var m = RangePattern.Match(range.Trim());
            if (!m.Success) throw new ArgumentException("-Range takes -<number><unit> (units s, m, h, d, w, y; e.g. -7d or -12h) or all, not '" + range + "'.");
            long n = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            switch (m.Groups[2].Value)
            {
                case "s": return TimeSpan.FromSeconds(n);
                case "m": return TimeSpan.FromMinutes(n);
                case "h": return TimeSpan.FromHours(n);
                case "d": return TimeSpan.FromDays(n);
                case "w": return TimeSpan.FromDays(7 * n);
                default: return TimeSpan.FromDays(365 * Math.Min(n, 100));
            }
        }

        /// <summary>A criteria value: a list (one value becomes one), or an object (a range) as it is.</summary>
        internal static object? CriteriaValue(object? v)
        {
            if (v is IDictionary) return v;
            if (v is IEnumerable e && !(v is string)) return e.Cast<object?>().ToList();
            return new List<object?> { v };
        }

        /// <summary>The criteria both generations name alike (the policy under <paramref name="policyField"/>); each
        /// service adds what it names its own way.</summary>
        internal static Dictionary<string, object?> SharedCriteria(AlertQuery q, string policyField)
        {
            var c = new Dictionary<string, object?>(StringComparer.Ordinal);
            AddList(c, "id", q.Id.Cast<object?>());
            AddList(c, "type", q.Type.Select(t => (object?)t.ToUpperInvariant()));
            if (q.MinimumSeverity.HasValue) c["minimum_severity"] = q.MinimumSeverity.Value;
            AddList(c, "device_id", q.DeviceId.Cast<object?>());
            AddList(c, "device_name", q.DeviceName.Cast<object?>());
            AddList(c, "threat_id", q.ThreatId.Cast<object?>());
            AddList(c, "process_name", q.ProcessName.Cast<object?>());
            AddList(c, "process_sha256", q.ProcessSha256.Cast<object?>());
            AddList(c, policyField, q.PolicyName.Cast<object?>());
            return c;
        }

        /// <summary>Sets <paramref name="key"/> to the values when there are any.</summary>
        internal static void AddList(Dictionary<string, object?> criteria, string key, IEnumerable<object?> values)
        {
            var l = values.ToList();
            if (l.Count > 0) criteria[key] = l;
        }

        internal Dictionary<string, object?> BuildBody(int rows, long start)
        {
            var body = new Dictionary<string, object?>(StringComparer.Ordinal);
            var criteria = new Dictionary<string, object?>(_criteria, StringComparer.Ordinal);
            var range = TimeRange();
            if (_windowFrom.HasValue)
            {
                // A later window: from the last time written (inclusive) to the search's end.
                var w = new Dictionary<string, object?>(StringComparer.Ordinal) { ["start"] = Iso(_windowFrom.Value) };
                w["end"] = Iso(_end ?? _windowEnd ?? DateTime.UtcNow);
                criteria[_dialect.TimeField] = w;
            }
            if (range != null)
            {
                if (_dialect.TopLevelTimeRange) body["time_range"] = range;
                else if (!_windowFrom.HasValue) criteria[_dialect.TimeField] = range;
            }
            if (criteria.Count > 0) body["criteria"] = criteria;
            if (_query.Exclusions.Count > 0) body["exclusions"] = _query.Exclusions.ToDictionary(kv => kv.Key, kv => CriteriaValue(kv.Value), StringComparer.Ordinal);
            if (!string.IsNullOrWhiteSpace(_query.Query)) body["query"] = _query.Query!.Trim();
            body["sort"] = _sort.Cast<object?>().ToList();
            body["rows"] = rows;
            body["start"] = start;
            return body;
        }

        private DateTime? _windowEnd;

        private Dictionary<string, object?>? TimeRange()
        {
            if (_range != null && _range != "all" && !_windowFrom.HasValue)
                return new Dictionary<string, object?>(StringComparer.Ordinal) { ["range"] = _range };
            if (_range == "all" && !_windowFrom.HasValue) return new Dictionary<string, object?>(StringComparer.Ordinal) { ["range"] = "all" };
            if (_start.HasValue || _end.HasValue)
            {
                var d = new Dictionary<string, object?>(StringComparer.Ordinal);
                if (_start.HasValue) d["start"] = Iso(_start.Value);
                d["end"] = Iso(_end ?? DateTime.UtcNow);
                return d;
            }
            return null;
        }

        private static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

        protected override async Task ReadPageAsync(Action<Alert> sink, CallContext ctx)
        {
            long start = _nextStart;
            int rows = RequestCount == 0 ? Math.Min(_pageSize, 100) : _pageSize;
            if (First.HasValue && !_clientSkip) rows = (int)Math.Max(1, Math.Min(rows, First.Value - Written));
            if (start - 1 + rows > Window) rows = (int)Math.Max(0, Window - (start - 1));
            if (rows == 0)
            {
                MoveWindow();
                start = _nextStart;
                rows = _pageSize;
            }
            var body = BuildBody(rows, start);
            RequestCount++;
            _windowEnd ??= DateTime.UtcNow;
            // Streamed: each alert is handed on as soon as it is parsed, while the rest of the page arrives. A retried
            // attempt (a reset or a cut-short body mid-page) repeats the page; what an earlier attempt handed on is skipped.
            var request = CbRequest.Json(HttpMethod.Post, _dialect.Path, PlainJson.Serialize(body)).AsIdempotent().AsStreamed();
            var replay = new PageReplay<string>();
            int got = 0, fresh = 0;
            var env = await _client.SendAsync(request, (info, stream, ct) =>
            {
                got = 0;
                replay.NewAttempt();
                return _client.ReadEachAsync(info, stream, "results", OnAlert);
            }, ctx).ConfigureAwait(false);
            void OnAlert(Dictionary<string, object?> d)
            {
                var a = _dialect.Read(d, _client.Session);
                got++;
                if (IsComplete || !replay.IsNew(a.Id ?? "")) return;
                Read++;
                var t = _dialect.Time(a);
                if (a.Id != null && _windowFrom.HasValue && t.HasValue && t.Value == _windowFrom.Value && _atLastTime.Contains(a.Id)) return; // written in the window before
                fresh++;
                if (t.HasValue && _lastTime.HasValue && t.Value < _lastTime.Value && !_userSort) _unordered = true;
                if (t.HasValue)
                {
                    if (_lastTime != t)
                    {
                        _lastTime = t;
                        _atLastTime.Clear();
                    }
                    if (a.Id != null) _atLastTime.Add(a.Id);
                }
                _writtenInWindow++;
                Offer(a, sink);
            }
            if (RequestCount == 1 && env.TotalResults.HasValue) ServerTotal = env.TotalResults.Value;
            if (IsComplete) return;
            _nextStart = start + got;
            if (got < rows) { IsComplete = true; return; }
            long total = env.TotalResults ?? long.MaxValue;
            if (_nextStart - 1 >= total) { IsComplete = true; return; }
            if (_nextStart - 1 >= Window)
            {
                if (_userSort)
                    throw new InvalidOperationException("The alert search matches more than the " + Window.ToString("N0", CultureInfo.InvariantCulture) +
                        " alerts a sorted search returns (the API's window). Narrow the time range or the criteria, or drop -Sort and sort with Sort-Object: " +
                        "without -Sort the search moves its time window on and returns every alert.");
                if (fresh == 0 && _writtenInWindow == 0)
                    throw new InvalidOperationException("More than " + Window.ToString("N0", CultureInfo.InvariantCulture) + " alerts have the same " + _dialect.TimeField +
                        " (" + _lastTime?.ToString("o", CultureInfo.InvariantCulture) + "): the search cannot move past them. Narrow the criteria.");
                MoveWindow();
            }
        }

        private bool _unordered;

        private void MoveWindow()
        {
            if (_unordered)
                throw new InvalidOperationException("The alert search matches more than " + Window.ToString("N0", CultureInfo.InvariantCulture) +
                                                    " alerts, and the server did not return them ordered by " + _dialect.TimeField + " as asked, so the search " +
                                                    "cannot move its window on without missing or repeating alerts. Narrow the time range or the criteria.");
            if (_query.Criteria.ContainsKey(_dialect.TimeField))
                throw new InvalidOperationException("The alert search matches more than " + Window.ToString("N0", CultureInfo.InvariantCulture) +
                                                    " alerts, and -Criteria sets " + _dialect.TimeField + " itself, so the search cannot move its window on. " +
                                                    "Use -StartTime/-EndTime instead, or narrow the search.");
            if (!_lastTime.HasValue)
                throw new InvalidOperationException("The alert search matches more than " + Window.ToString("N0", CultureInfo.InvariantCulture) +
                                                    " alerts and the server sent no " + _dialect.TimeField + " to move the window on. Narrow the search.");
            _windowFrom = _lastTime;
            _nextStart = 1;
            _writtenInWindow = 0;
        }
    }
}
