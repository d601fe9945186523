using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Json;
using CbDefense.Search;

namespace CbDefense.Services.Current
{
    /// <summary>
    /// Devices on the current generation: POST /appservices/v6/orgs/{org_key}/devices/_search (criteria, query, sort,
    /// rows, 1-based start; num_found), past the 10,000-row window POST .../devices/_scroll with search_after, and
    /// GET .../devices/{id} (a bare object).
    /// </summary>
    internal sealed class CurrentDeviceService : IDeviceService
    {
        internal const string What = "device searches of the current API";
        /// <summary>The most rows one search returns (start + rows - 1) and the most rows per request.</summary>
        internal const int SearchWindow = 10000;

        /// <summary>The criteria keys the devices v6 search documents (values are arrays; last_contact_time an object).</summary>
        internal static readonly IReadOnlyList<string> CriteriaKeys = new[]
        {
            "ad_group_id", "auto_scaling_group_name", "base_device", "cloud_provider_account_id", "cloud_provider_resource_id",
            "cloud_provider_tags", "deployment_type", "golden_device_id", "golden_device_status", "host_based_firewall_reason",
            "host_based_firewall_status", "id", "infrastructure_provider", "last_contact_time", "os", "os_version", "policy_id",
            "sensor_version", "signature_status", "status", "sub_deployment_type", "target_priority", "vcenter_host_url",
            "vcenter_uuid", "virtual_private_cloud_id", "virtualization_provider", "vm_uuid",
        };

        private readonly CbClient _client;

        public CurrentDeviceService(CbClient client) { _client = client; }

        public int MaximumPageSize => SearchWindow;

        internal string DevicesPath(string tail) => _client.OrgPath("/appservices/v6", "devices" + tail, What);

        public PagedSearch<Device> Search(DeviceQuery query, long skip, long? first, int pageSize) =>
            new CurrentDeviceSearch(this, _client, query ?? new DeviceQuery(), skip, first, pageSize);

        /// <summary>GET .../devices/{id}: the bare device object. 404 → CbObjectNotFoundException naming the id.</summary>
        public async Task<Device> GetAsync(long id, CallContext ctx)
        {
            string path = DevicesPath("/" + id.ToString(CultureInfo.InvariantCulture));
            try
            {
                return await _client.SendAsync(CbRequest.Create(HttpMethod.Get, path), async (info, body, ct) =>
                {
                    return await _client.ParseJsonAsync(info, body, s => DeviceJsonReader.ReadBareV6(s, _client.Session)).ConfigureAwait(false);
                }, ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw NotFound.Wrap("Device " + id.ToString(CultureInfo.InvariantCulture), ex);
            }
        }

        public Task<DeviceActionResult> ActAsync(DeviceActionRequest request, CallContext ctx) => DeviceActions.SendAsync(_client, request, ctx);

        /// <summary>
        /// The current API changes a device's policy with the UPDATE_POLICY device action (a policy given by name is
        /// resolved first); it has no route to change other fields, such as the target priority.
        /// </summary>
        public async Task<Device> UpdateAsync(long id, DeviceChanges changes, CallContext ctx)
        {
            if (changes == null || changes.IsEmpty) throw new ArgumentException("Nothing to change: give -PolicyId or -PolicyName.");
            if (changes.TargetPriority != null)
                throw new InvalidOperationException("The current API has no route that changes a device's target priority (the legacy v3 PATCH did; devices v6 " +
                                                    "only changes a device through device actions: quarantine, bypass, background scan, policy, sensor version, " +
                                                    "uninstall, delete). Set it in the console. Nothing was sent.");
            long policyId;
            if (changes.PolicyId.HasValue) policyId = changes.PolicyId.Value;
            else
            {
                var services = await _client.Session.GetServicesAsync(ctx).ConfigureAwait(false);
                policyId = (await services.Policies.ResolveAsync(changes.PolicyName!, ctx).ConfigureAwait(false)).Id;
            }
            await ActAsync(DeviceActionRequest.UpdatePolicy(policyId, new[] { id }), ctx).ConfigureAwait(false);
            return await GetAsync(id, ctx).ConfigureAwait(false);
        }

        public bool SupportsActionBySearch => true;

        /// <summary>How many devices a search matches (one _search of one row), e.g. for -WhatIf of an action by search.</summary>
        public async Task<long> CountAsync(DeviceQuery query, CallContext ctx)
        {
            var search = new CurrentDeviceSearch(this, _client, query ?? new DeviceQuery(), 0, 1, 1);
            await search.NextPageAsync(_ => { }, ctx).ConfigureAwait(false);
            return search.ServerTotal ?? 0;
        }

        /// <summary>The search part (criteria, query, exclusions) of a request for <paramref name="query"/>, for an action by search.</summary>
        public Dictionary<string, object?> SearchBody(DeviceQuery query) => new CurrentDeviceSearch(this, _client, query, 0, null, 1).BuildBody(includePaging: false);
    }

    /// <summary>
    /// A devices v6 search. Criteria and the query go to the server (it matches names and wildcards itself); a -Filter
    /// key that is neither a documented criteria key nor a v3 name filter, but names a device field, is matched here;
    /// anything else is refused. Pages: _search while the rows fit the 10,000-row window; when the search matches more
    /// than the window holds, it goes on with _scroll (search_after) from the start, skipping the devices already
    /// handed on, so every device comes exactly once. A sorted search cannot go past the window (scroll is in id
    /// order): it stops there with an error that says so.
    /// </summary>
    internal sealed class CurrentDeviceSearch : PagedSearch<Device>
    {
        private readonly CurrentDeviceService _service;
        private readonly CbClient _client;
        private readonly int _pageSize;
        private readonly Dictionary<string, object?> _criteria = new Dictionary<string, object?>(StringComparer.Ordinal);
        private readonly Dictionary<string, object?> _exclusions = new Dictionary<string, object?>(StringComparer.Ordinal);
        private readonly List<string> _queryTerms = new List<string>();
        private readonly List<Dictionary<string, object?>> _sort = new List<Dictionary<string, object?>>();
        private readonly List<Func<Device, bool>> _predicates = new List<Func<Device, bool>>();
        private readonly List<Func<Device, bool>> _checks = new List<Func<Device, bool>>();
        private readonly HashSet<long> _handed = new HashSet<long>();
        private long _nextStart = 1;
        private bool _scrolling;
        private object? _searchAfter;
        private long _scrollSeen;

        public CurrentDeviceSearch(CurrentDeviceService service, CbClient client, DeviceQuery q, long skip, long? first, int pageSize) : base(skip, first)
        {
            _service = service;
            _client = client;
            if (pageSize < 1 || pageSize > CurrentDeviceService.SearchWindow)
                throw new ArgumentOutOfRangeException(nameof(pageSize), "PageSize must be 1 to " + CurrentDeviceService.SearchWindow + ".");
            _pageSize = pageSize;
            client.RequireOrgKey(CurrentDeviceService.What); // refuse before anything else

            var notes = new List<string>();
            AddName(q.HostName, "name", d => new[] { d.Name });
            AddExact(q.HostNameExact, "name", d => new[] { d.Name });
            AddName(q.OwnerName, new[] { "email", "login_user_name" }, null);
            AddExact(q.OwnerNameExact, "email", null);
            if (!string.IsNullOrEmpty(q.IpAddress))
                _queryTerms.Add("(last_internal_ip_address:" + Quote(q.IpAddress!) + " OR last_external_ip_address:" + Quote(q.IpAddress!) + ")");
            AddCriteria("status", q.Status.Select(s => (object?)s.ToUpperInvariant()));
            AddCriteria("os", q.OS.Select(s => (object?)s.ToUpperInvariant()));
            AddCriteria("policy_id", q.PolicyId.Select(p => (object?)p));
            AddCriteria("target_priority", q.TargetPriority.Select(s => (object?)s.ToUpperInvariant()));
            if (!string.IsNullOrWhiteSpace(q.Query)) _queryTerms.Insert(0, "(" + q.Query!.Trim() + ")");
            foreach (var kv in q.Criteria) Criteria.Add(_criteria, kv.Key, kv.Value);
            foreach (var kv in q.Exclusions) Criteria.Add(_exclusions, kv.Key, kv.Value);
            foreach (var field in q.Sort)
            {
                string f = field.Trim();
                bool desc = f.StartsWith("-", StringComparison.Ordinal);
                if (desc || f.StartsWith("+", StringComparison.Ordinal)) f = f.Substring(1);
                if (f.Length == 0) throw new ArgumentException("An empty -Sort field; give field names such as name or -last_contact_time.");
                _sort.Add(new Dictionary<string, object?>(StringComparer.Ordinal) { ["field"] = f, ["order"] = desc ? "DESC" : "ASC" });
            }

            foreach (var (key, value) in q.ParsedFilters())
            {
                if (CurrentDeviceService.CriteriaKeys.Contains(key))
                {
                    AddCriteria(key, new object?[] { value });
                    continue;
                }
                switch (key)
                {
                    case "hostName": AddName(value, "name", d => new[] { d.Name }); continue;
                    case "hostNameExact": AddExact(value, "name", d => new[] { d.Name }); continue;
                    case "ownerName": AddName(value, new[] { "email", "login_user_name" }, null); continue;
                    case "ownerNameExact": AddExact(value, "email", null); continue;
                    case "ipAddress": _queryTerms.Add("(last_internal_ip_address:" + Quote(value) + " OR last_external_ip_address:" + Quote(value) + ")"); continue;
                }
                var filter = FieldFilter<Device>.TryCreate(key, value, DeviceFields.V6.Keys);
                if (filter == null)
                    throw new ArgumentException("The filter key '" + key + "' is not a criteria key of the current device search (" +
                        string.Join(", ", CurrentDeviceService.CriteriaKeys) + "), a name filter (hostName, hostNameExact, ownerName, ownerNameExact, ipAddress) " +
                        "nor a device field; nothing was sent. -Query takes the search language for anything else.");
                _predicates.Add(filter.IsMatch);
                notes.Add("'" + key + "' is not a criteria key of the current device search, so it is matched on the client");
            }
            TotalIsExact = _predicates.Count == 0;
            if (notes.Count > 0) Explanation = string.Join("; ", notes) + ": every page the server matched is read.";
        }

        private void AddCriteria(string key, IEnumerable<object?> values) => Criteria.AddValues(_criteria, key, values.ToList());

        // A name filter: a pattern goes to the server as a wildcard query term; an exact name as a quoted term. Host names
        // are checked here too (values), in case the server matches words rather than the whole name.
        private void AddName(string? pattern, string field, Func<Device, string?[]>? values) => AddName(pattern, new[] { field }, values);

        private void AddName(string? pattern, string[] fields, Func<Device, string?[]>? values)
        {
            if (string.IsNullOrEmpty(pattern)) return;
            var glob = Glob.Create(pattern!);
            if (!glob.IsWildcard)
            {
                AddExact(glob.Literal, fields, values);
                return;
            }
            string term = EscapePattern(pattern!);
            _queryTerms.Add(fields.Length == 1 ? fields[0] + ":" + term : "(" + string.Join(" OR ", fields.Select(f => f + ":" + term)) + ")");
            if (values != null) _checks.Add(d => values(d).Any(glob.IsMatch));
        }

        private void AddExact(string? value, string field, Func<Device, string?[]>? values) => AddExact(value, new[] { field }, values);

        private void AddExact(string? value, string[] fields, Func<Device, string?[]>? values)
        {
            if (string.IsNullOrEmpty(value)) return;
            string v = value!;
            string term = Quote(v);
            _queryTerms.Add(fields.Length == 1 ? fields[0] + ":" + term : "(" + string.Join(" OR ", fields.Select(f => f + ":" + term)) + ")");
            if (values != null) _checks.Add(d => values(d).Any(x => string.Equals(x, v, StringComparison.OrdinalIgnoreCase)));
        }

        /// <summary>A quoted phrase of the search language: backslash and double quote escaped.</summary>
        internal static string Quote(string v) => "\"" + v.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

        /// <summary>A PowerShell wildcard pattern as a term of the search language: * and ? stay wildcards, the rest is escaped.</summary>
        internal static string EscapePattern(string pattern)
        {
            var sb = new StringBuilder();
            for (int i = 0; i < pattern.Length; i++)
            {
                char c = pattern[i];
                if (c == '`' && i + 1 < pattern.Length) { c = pattern[++i]; sb.Append('\\').Append(c); continue; }
                if (c == '*' || c == '?') { sb.Append(c); continue; }
                if (c == '[')
                {
                    // A character set has no equivalent: match any one character here; the pattern is checked on the client.
                    int close = pattern.IndexOf(']', i + 1);
                    if (close > i) { sb.Append('?'); i = close; continue; }
                }
                if ("+-&|!(){}[]^\"~:\\/ ".IndexOf(c) >= 0) sb.Append('\\');
                sb.Append(c);
            }
            return sb.ToString();
        }

        /// <summary>The body of a _search or _scroll request (criteria, query, sort; rows and start for a page).</summary>
        internal Dictionary<string, object?> BuildBody(bool includePaging)
        {
            var body = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (_criteria.Count > 0) body["criteria"] = new Dictionary<string, object?>(_criteria, StringComparer.Ordinal);
            if (_exclusions.Count > 0) body["exclusions"] = new Dictionary<string, object?>(_exclusions, StringComparer.Ordinal);
            if (_queryTerms.Count > 0) body["query"] = string.Join(" AND ", _queryTerms);
            if (includePaging && _sort.Count > 0 && !_scrolling) body["sort"] = _sort.Cast<object?>().ToList();
            return body;
        }

        protected override async Task ReadPageAsync(Action<Device> sink, CallContext ctx)
        {
            if (_scrolling)
            {
                await ScrollAsync(sink, ctx).ConfigureAwait(false);
                return;
            }
            bool exact = TotalIsExact;
            // Without client-side filters the server's start does -Skip; with them every row is read and Offer skips.
            long start = exact && _nextStart == 1 ? Skip + 1 : _nextStart;
            int rows = RequestCount == 0 ? Math.Min(_pageSize, 100) : _pageSize;
            if (exact && First.HasValue) rows = (int)Math.Max(1, Math.Min(rows, First.Value - Written));
            if (ServerTotal.HasValue) rows = (int)Math.Max(1, Math.Min(rows, ServerTotal.Value - (start - 1)));
            if (start - 1 < CurrentDeviceService.SearchWindow && start - 1 + rows > CurrentDeviceService.SearchWindow)
                rows = (int)(CurrentDeviceService.SearchWindow - (start - 1)); // the last page of the window
            if (start - 1 >= CurrentDeviceService.SearchWindow)
            {
                if (_sort.Count > 0)
                    throw new CbClientException("The device search matches " + (ServerTotal ?? 0).ToString("N0", CultureInfo.InvariantCulture) +
                        " devices, and a sorted search returns at most the first " + CurrentDeviceService.SearchWindow.ToString("N0", CultureInfo.InvariantCulture) +
                        " (the API's window; past it only an unsorted scroll in id order exists). Narrow the search, or drop -Sort and sort with Sort-Object.");
                StartScroll(ctx);
                await ScrollAsync(sink, ctx).ConfigureAwait(false);
                return;
            }
            var body = BuildBody(includePaging: true);
            body["rows"] = rows;
            body["start"] = start;
            var env = await SendPageAsync(_service.DevicesPath("/_search"), body, sink, ctx).ConfigureAwait(false);
            int got = _lastRows;
            if (env.TotalResults.HasValue) ServerTotal = env.TotalResults;
            _nextStart = start + got;
            long total = ServerTotal ?? (start - 1 + got);
            if (IsComplete) return;
            if (got == 0 || _nextStart - 1 >= total) { IsComplete = true; return; }
            // More than the window holds: go on with a scroll from the start (devices already handed on are skipped).
            if (total > CurrentDeviceService.SearchWindow && (_sort.Count == 0) &&
                (!exact || !First.HasValue || Skip + First.Value > CurrentDeviceService.SearchWindow))
                StartScroll(ctx);
        }

        /// <summary>
        /// From now on the pages come from _scroll, from the start: the devices _search handed on are skipped by id, and
        /// (when the server's start did -Skip) -Skip counts again in the scroll's order, among the other devices.
        /// </summary>
        private void StartScroll(CallContext ctx)
        {
            _scrolling = true;
            _scrollSkipLeft = TotalIsExact ? Skip : 0;
            ctx.Log?.Verbose("The device search matches " + (ServerTotal ?? 0).ToString("N0", CultureInfo.InvariantCulture) + " devices, more than the " +
                             CurrentDeviceService.SearchWindow.ToString("N0", CultureInfo.InvariantCulture) + "-row search window: reading on with _scroll (id order).");
        }

        private long _scrollSkipLeft;

        private async Task ScrollAsync(Action<Device> sink, CallContext ctx)
        {
            var body = BuildBody(includePaging: false);
            body["rows"] = _pageSize;
            if (_searchAfter != null) body["search_after"] = _searchAfter;
            var env = await SendPageAsync(_service.DevicesPath("/_scroll"), body, sink, ctx).ConfigureAwait(false);
            _scrollSeen += _lastRows;
            if (env.TotalResults.HasValue) ServerTotal = env.TotalResults;
            _searchAfter = env.SearchAfter;
            bool noCursor = env.SearchAfter == null || (env.SearchAfter is string sa && sa.Length == 0) || (env.SearchAfter is IList list && list.Count == 0);
            if (_lastRows == 0 || noCursor || (ServerTotal.HasValue && _scrollSeen >= ServerTotal.Value)) IsComplete = true;
        }

        private int _lastRows;

        private async Task<ReplyEnvelope> SendPageAsync(string path, Dictionary<string, object?> body, Action<Device> sink, CallContext ctx)
        {
            RequestCount++;
            var replay = new PageReplay<long>();
            var env = new ReplyEnvelope();
            var request = CbRequest.Json(HttpMethod.Post, path, PlainJson.Serialize(body)).AsIdempotent().AsStreamed();
            await _client.SendAsync(request, async (info, stream, ct) =>
            {
                _lastRows = 0;
                replay.NewAttempt();
                return await _client.ParseJsonAsync(info, stream, s => DeviceJsonReader.ReadPage(s, _client.Session, d =>
                {
                    _lastRows++;
                    if (IsComplete || !replay.IsNew(d.DeviceId)) return;
                    if (_scrolling && _handed.Contains(d.DeviceId)) return; // handed on by _search before the scroll
                    Read++;
                    if (!_checks.All(c => c(d)) || !_predicates.All(p => p(d))) return;
                    if (!_scrolling) _handed.Add(d.DeviceId);
                    else if (_scrollSkipLeft > 0) { _scrollSkipLeft--; return; }
                    Offer(d, sink);
                }, DeviceFields.V6, out env)).ConfigureAwait(false);
            }, ctx).ConfigureAwait(false);
            return env;
        }
    }
}
