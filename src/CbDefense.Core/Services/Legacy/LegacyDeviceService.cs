using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Json;
using CbDefense.Search;

namespace CbDefense.Services.Legacy
{
    /// <summary>Devices on the legacy generation: GET /integrationServices/v3/device (1-based start, totalResults).</summary>
    internal sealed class LegacyDeviceService : IDeviceService
    {
        internal const string DevicePath = "/integrationServices/v3/device";
        /// <summary>The v3 device route's cap on rows per request.</summary>
        internal const int MaximumDevicePageSize = 5000;

        /// <summary>The filters the v3 device route documents; any other key is applied on the client or refused.</summary>
        internal static readonly IReadOnlyList<string> ServerFilterKeys = new[] { "hostName", "hostNameExact", "ownerName", "ownerNameExact", "ipAddress" };

        private readonly CbClient _client;

        public LegacyDeviceService(CbClient client) { _client = client; }

        public int MaximumPageSize => MaximumDevicePageSize;

        public PagedSearch<Device> Search(DeviceQuery query, long skip, long? first, int pageSize) =>
            new LegacyDeviceSearch(_client, query ?? new DeviceQuery(), skip, first, pageSize);

        /// <summary>GET /integrationServices/v3/device/{id}, unwrapping deviceInfo. 404 → CbObjectNotFoundException.</summary>
        public async Task<Device> GetAsync(long id, CallContext ctx)
        {
            string url = DevicePath + "/" + id.ToString(CultureInfo.InvariantCulture);
            try
            {
                return await _client.SendAsync(CbRequest.Create(HttpMethod.Get, url), async (info, body, ct) =>
                {
                    ReplyEnvelope env = new ReplyEnvelope();
                    var device = await _client.ParseJsonAsync(info, body, s => DeviceJsonReader.ReadSingle(s, _client.Session, out env)).ConfigureAwait(false);
                    ErrorMapper.ThrowIfReportsFailure(info, env);
                    if (device == null)
                        throw new CbObjectNotFoundException("Device " + id.ToString(CultureInfo.InvariantCulture) + " was not found (the reply has no deviceInfo). [GET " + url + "]")
                        { StatusCode = info.Status, Method = info.Method, RequestUri = info.Path };
                    return device;
                }, ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw NotFound.Wrap("Device " + id.ToString(CultureInfo.InvariantCulture), ex);
            }
        }

        public Task<DeviceActionResult> ActAsync(DeviceActionRequest request, CallContext ctx) => DeviceActions.SendAsync(_client, request, ctx);

        /// <summary>PATCH /integrationServices/v3/device/{id} with only the changed fields, unwrapped (as cbapi's Device.save sends it).</summary>
        public async Task<Device> UpdateAsync(long id, DeviceChanges changes, CallContext ctx)
        {
            if (changes == null || changes.IsEmpty) throw new ArgumentException("Nothing to change: give -PolicyId, -PolicyName or -TargetPriority.");
            var body = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (changes.PolicyId.HasValue) body["policyId"] = changes.PolicyId.Value;
            if (changes.PolicyName != null) body["policyName"] = changes.PolicyName;
            if (changes.TargetPriority != null) body["targetPriorityType"] = changes.TargetPriority;
            string path = DevicePath + "/" + id.ToString(CultureInfo.InvariantCulture);
            Dictionary<string, object?> reply;
            try
            {
                reply = await _client.SendForObjectAsync(_client.JsonRequest(new HttpMethod("PATCH"), path, null, body), ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw NotFound.Wrap("Device " + id.ToString(CultureInfo.InvariantCulture), ex);
            }
            var device = reply.TryGetValue("deviceInfo", out var di) && di is Dictionary<string, object?> info
                ? DeviceJsonReader.ParseDevice(PlainJson.Serialize(info), _client.Session)
                : await GetAsync(id, ctx).ConfigureAwait(false);
            // The v3 API ignores fields it does not take: a change that did not happen is an error, not a success.
            var missed = new List<string>();
            if (changes.PolicyId.HasValue && device.PolicyId != changes.PolicyId) missed.Add("policyId");
            if (changes.PolicyName != null && !string.Equals(device.PolicyName, changes.PolicyName, StringComparison.OrdinalIgnoreCase)) missed.Add("policyName");
            if (changes.TargetPriority != null && !string.Equals(device.TargetPriorityType, changes.TargetPriority, StringComparison.OrdinalIgnoreCase)) missed.Add("targetPriorityType");
            if (missed.Count > 0)
                throw new CbServerException("The server accepted the change of device " + id.ToString(CultureInfo.InvariantCulture) + " but did not apply " +
                                            string.Join(", ", missed) + " (the device reads " + string.Join(", ", missed.Select(m => m + " = " + Shown(device, m))) +
                                            ") [PATCH " + path + "]")
                { StatusCode = 200, Method = "PATCH", RequestUri = path };
            return device;
        }

        private static string Shown(Device d, string field) =>
            field == "policyId" ? d.PolicyId?.ToString(CultureInfo.InvariantCulture) ?? "null" : field == "policyName" ? d.PolicyName ?? "null" : d.TargetPriorityType ?? "null";

        public bool SupportsActionBySearch => false;

        public async Task<long> CountAsync(DeviceQuery query, CallContext ctx)
        {
            var search = Search(query, 0, 1, 1);
            await search.NextPageAsync(_ => { }, ctx).ConfigureAwait(false);
            return search.ServerTotal ?? 0;
        }

        public Dictionary<string, object?> SearchBody(DeviceQuery query) =>
            throw new InvalidOperationException("A device action by -Query needs the current API (devices v6), which a Legacy session does not speak. " +
                                                "Pipe the devices instead: Get-CbDevice -Filter ... | Set-CbDeviceQuarantine ..., or connect with -ApiGeneration Current.");
    }

    /// <summary>
    /// A v3 device search. The server filters by the documented keys only (it ignores anything else), so: -HostName and
    /// -OwnerName are narrowed on the server by their literal prefix and matched exactly (or as patterns) here; other
    /// filter keys that name a device field, and -Status/-OS/-PolicyId/-TargetPriority, are applied here; anything else
    /// is refused. Without client-side filters, Skip and First become the server's start and rows.
    /// </summary>
    internal sealed class LegacyDeviceSearch : PagedSearch<Device>
    {
        private readonly CbClient _client;
        private readonly Dictionary<string, object?> _serverQuery = new Dictionary<string, object?>(StringComparer.Ordinal);
        private readonly List<Func<Device, bool>> _predicates = new List<Func<Device, bool>>();
        private readonly PagePlanner _planner;
        private long _nextStart = 1;

        public LegacyDeviceSearch(CbClient client, DeviceQuery q, long skip, long? first, int pageSize) : base(skip, first)
        {
            _client = client;
            if (pageSize < 1 || pageSize > LegacyDeviceService.MaximumDevicePageSize)
                throw new ArgumentOutOfRangeException(nameof(pageSize), "PageSize must be 1 to " + LegacyDeviceService.MaximumDevicePageSize + ".");
            if (!string.IsNullOrEmpty(q.Query) || q.Criteria.Count > 0 || q.Exclusions.Count > 0 || q.Sort.Count > 0)
                throw new ArgumentException(
                    (q.Query != null ? "-Query" : q.Criteria.Count > 0 ? "-Criteria" : q.Exclusions.Count > 0 ? "-Exclusions" : "-Sort") + " needs the current API's device search (devices v6), " +
                    "which a Legacy session does not speak. Connect with -ApiGeneration Current (a Custom key and the org key), or use -Filter " +
                    "with a device field (e.g. status:REGISTERED) and Sort-Object.");

            var notes = new List<string>();
            AddNameFilter(q.HostName, "hostName", d => d.Name, "-HostName", notes);
            AddExact(q.HostNameExact, "hostNameExact");
            AddNameFilter(q.OwnerName, "ownerName", d => OwnerNames(d), "-OwnerName", notes);
            AddExact(q.OwnerNameExact, "ownerNameExact");
            AddExact(q.IpAddress, "ipAddress");
            AddAnyOf(q.Status, d => d.Status, "-Status", notes);
            AddAnyOf(q.OS, d => d.DeviceType, "-OS", notes);
            AddAnyOf(q.PolicyId.Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList(),
                     d => d.PolicyId?.ToString(CultureInfo.InvariantCulture), "-PolicyId", notes);
            AddAnyOf(q.TargetPriority, d => d.TargetPriorityType, "-TargetPriority", notes);

            foreach (var (key, value) in q.ParsedFilters())
            {
                string? serverKey = LegacyDeviceService.ServerFilterKeys.FirstOrDefault(k => string.Equals(k, key, StringComparison.Ordinal));
                if (serverKey != null)
                {
                    _serverQuery[serverKey] = value;
                    continue;
                }
                var filter = FieldFilter<Device>.TryCreate(key, value, DeviceJsonReader.WireNames);
                if (filter == null)
                    throw new ArgumentException("The filter key '" + key + "' is not one the v3 device API takes (" +
                        string.Join(", ", LegacyDeviceService.ServerFilterKeys) + ") nor a device field (e.g. status, deviceType, policyName, " +
                        "sensorVersion, targetPriorityType, email); nothing was sent.");
                _predicates.Add(filter.IsMatch);
                notes.Add("'" + key + "' is not a filter of the v3 device API, so it is matched on the client");
            }

            TotalIsExact = _predicates.Count == 0;
            _planner = TotalIsExact ? new PagePlanner(skip, first, pageSize) : new PagePlanner(0, null, pageSize);
            if (notes.Count > 0)
                Explanation = string.Join("; ", notes) + ": the server's total counts every device it matched, and every page is read.";
        }

        private static IEnumerable<string?> OwnerNames(Device d)
        {
            yield return d.Email;
            if (d.FirstName != null || d.LastName != null) yield return ((d.FirstName ?? "") + " " + (d.LastName ?? "")).Trim();
        }

        private void AddExact(string? value, string key)
        {
            if (!string.IsNullOrEmpty(value)) _serverQuery[key] = value;
        }

        // The v3 name filters match substrings: the server narrows by the literal start, the exact name or pattern is matched here.
        private void AddNameFilter(string? pattern, string serverKey, Func<Device, string?> field, string parameter, List<string> notes) =>
            AddNameFilter(pattern, serverKey, d => new[] { field(d) }, parameter, notes);

        private void AddNameFilter(string? pattern, string serverKey, Func<Device, IEnumerable<string?>> fields, string parameter, List<string> notes)
        {
            if (string.IsNullOrEmpty(pattern)) return;
            var glob = Glob.Create(pattern!);
            string prefix = glob.LiteralPrefix;
            if (prefix.Length > 0) _serverQuery[serverKey] = prefix;
            _predicates.Add(d => fields(d).Any(glob.IsMatch));
            notes.Add(parameter + " '" + pattern + "' is " + (glob.IsWildcard ? "a pattern" : "an exact name") + " matched on the client" +
                      (prefix.Length > 0 ? " (the server is asked for names containing '" + prefix + "')" : ""));
        }

        private void AddAnyOf(IList<string> values, Func<Device, string?> field, string parameter, List<string> notes)
        {
            if (values.Count == 0) return;
            var globs = values.Select(Glob.Create).ToList();
            _predicates.Add(d => globs.Any(g => g.IsMatch(field(d))));
            notes.Add(parameter + " is not a filter of the v3 device API, so it is matched on the client");
        }

        protected override async Task ReadPageAsync(Action<Device> sink, CallContext ctx)
        {
            if (!_planner.TryGetNext(out var req))
            {
                IsComplete = true;
                return;
            }
            long start = TotalIsExact ? req.Start : _nextStart;
            var q = new Dictionary<string, object?>(_serverQuery, StringComparer.Ordinal) { ["rows"] = req.Rows, ["start"] = start };
            string url = _client.BuildPathAndQuery(LegacyDeviceService.DevicePath, q);
            RequestCount++;
            var replay = new PageReplay<long>();
            int rows = 0;
            var env = new ReplyEnvelope();
            try
            {
            await _client.SendAsync(CbRequest.Create(HttpMethod.Get, url).AsStreamed(), async (info, body, ct) =>
            {
                rows = 0;
                replay.NewAttempt();
                await _client.ParseJsonAsync(info, body, s => DeviceJsonReader.ReadPage(s, _client.Session, d =>
                {
                    rows++;
                    if (IsComplete || !replay.IsNew(d.DeviceId)) return;
                    Read++;
                    if (!Passes(d)) return;
                    Offer(d, sink);
                }, out env)).ConfigureAwait(false);
                ErrorMapper.ThrowIfReportsFailure(info, env);
                return true;
            }, ctx).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex)
            {
                throw ErrorMapper.RetiredIfGone(ex);
            }

            ServerTotal = env.TotalResults ?? ServerTotal ?? (start - 1 + rows);
            _nextStart = start + rows;
            _planner.Record(rows, env.TotalResults ?? (rows == 0 ? start - 1 : (long?)null));
            if (_planner.IsComplete) IsComplete = true;
        }

        private bool Passes(Device d)
        {
            foreach (var p in _predicates)
                if (!p(d)) return false;
            return true;
        }
    }
}
