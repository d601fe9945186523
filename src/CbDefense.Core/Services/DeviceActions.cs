using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net.Http;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using CbDefense.Http;

namespace CbDefense
{
    /// <summary>The v6 device actions (POST /appservices/v6/orgs/{org_key}/device_actions).</summary>
    public enum DeviceActionType
    {
        /// <summary>QUARANTINE, options.toggle ON/OFF.</summary>
        Quarantine,
        /// <summary>BYPASS, options.toggle ON/OFF.</summary>
        Bypass,
        /// <summary>BACKGROUND_SCAN, options.toggle ON/OFF.</summary>
        BackgroundScan,
        /// <summary>UPDATE_POLICY, options.policy_id.</summary>
        UpdatePolicy,
        /// <summary>UPDATE_SENSOR_VERSION, options.sensor_version {os: version}.</summary>
        UpdateSensorVersion,
        /// <summary>UNINSTALL_SENSOR, no options.</summary>
        UninstallSensor,
        /// <summary>DELETE_SENSOR, no options.</summary>
        DeleteSensor,
    }

    /// <summary>
    /// One device action for a set of device ids: the action type, its options (validated when built) and the ids.
    /// Build it with the static factories; <see cref="ForDevices"/> reuses the action for another batch of ids.
    /// </summary>
    public sealed class DeviceActionRequest
    {
        /// <summary>The OS / kit keys the API takes in options.sensor_version.</summary>
        public static IReadOnlyList<string> SensorVersionKeys { get; } = new[]
        {
            "WINDOWS", "MAC", "LINUX", "RHEL", "UBUNTU", "SUSE", "CENTOS", "ORACLE", "AMAZON_LINUX", "DEBIAN",
        };

        private static readonly Regex VersionPattern = new Regex(@"^\d{1,9}(\.\d{1,9}){1,5}$", RegexOptions.CultureInvariant);

        private DeviceActionRequest(DeviceActionType type, IReadOnlyList<long> ids, bool? toggle, long? policyId,
                                    IReadOnlyDictionary<string, string>? versions, string? policyName = null)
        {
            PolicyName = policyName;
            ActionType = type;
            DeviceIds = ids;
            Toggle = toggle;
            PolicyId = policyId;
            SensorVersions = versions;
        }

        public DeviceActionType ActionType { get; }
        /// <summary>The action_type sent on the wire, e.g. QUARANTINE.</summary>
        public string ActionTypeName => WireName(ActionType);
        public IReadOnlyList<long> DeviceIds { get; }
        /// <summary>For Quarantine, Bypass and BackgroundScan: true = ON, false = OFF.</summary>
        public bool? Toggle { get; }
        /// <summary>For UpdatePolicy.</summary>
        public long? PolicyId { get; }
        /// <summary>For UpdatePolicy: the policy's name, when known (only to describe the action).</summary>
        public string? PolicyName { get; }
        /// <summary>The search (criteria, query) that names the devices instead of <see cref="DeviceIds"/>, or null (the current API).</summary>
        public IReadOnlyDictionary<string, object?>? Search { get; private set; }
        /// <summary>For UpdateSensorVersion: OS key (upper case) → version.</summary>
        public IReadOnlyDictionary<string, string>? SensorVersions { get; }

        public static string WireName(DeviceActionType type)
        {
            switch (type)
            {
                case DeviceActionType.Quarantine: return "QUARANTINE";
                case DeviceActionType.Bypass: return "BYPASS";
                case DeviceActionType.BackgroundScan: return "BACKGROUND_SCAN";
                case DeviceActionType.UpdatePolicy: return "UPDATE_POLICY";
                case DeviceActionType.UpdateSensorVersion: return "UPDATE_SENSOR_VERSION";
                case DeviceActionType.UninstallSensor: return "UNINSTALL_SENSOR";
                case DeviceActionType.DeleteSensor: return "DELETE_SENSOR";
                default: throw new ArgumentOutOfRangeException(nameof(type));
            }
        }

        /// <summary>QUARANTINE, BYPASS or BACKGROUND_SCAN with toggle ON (true) or OFF (false).</summary>
        public static DeviceActionRequest SetToggle(DeviceActionType type, bool enabled, IEnumerable<long> deviceIds)
        {
            if (type != DeviceActionType.Quarantine && type != DeviceActionType.Bypass && type != DeviceActionType.BackgroundScan)
                throw new ArgumentException(WireName(type) + " does not take a toggle; use the factory for that action.", nameof(type));
            return new DeviceActionRequest(type, CheckIds(deviceIds), enabled, null, null);
        }

        public static DeviceActionRequest Quarantine(bool enabled, IEnumerable<long> deviceIds) => SetToggle(DeviceActionType.Quarantine, enabled, deviceIds);
        public static DeviceActionRequest Bypass(bool enabled, IEnumerable<long> deviceIds) => SetToggle(DeviceActionType.Bypass, enabled, deviceIds);
        public static DeviceActionRequest BackgroundScan(bool enabled, IEnumerable<long> deviceIds) => SetToggle(DeviceActionType.BackgroundScan, enabled, deviceIds);

        public static DeviceActionRequest UpdatePolicy(long policyId, IEnumerable<long> deviceIds, string? policyName = null)
        {
            if (policyId < 1) throw new ArgumentOutOfRangeException(nameof(policyId), "A policy id must be a positive number (got " + policyId.ToString(CultureInfo.InvariantCulture) + ").");
            return new DeviceActionRequest(DeviceActionType.UpdatePolicy, CheckIds(deviceIds), null, policyId, null, policyName);
        }

        /// <summary>
        /// UPDATE_SENSOR_VERSION. Keys are OS / kit names (see <see cref="SensorVersionKeys"/>, any case; sent upper
        /// case), values dotted version numbers such as 3.6.0.1979. Anything else throws ArgumentException.
        /// </summary>
        public static DeviceActionRequest UpdateSensorVersion(IEnumerable<KeyValuePair<string, string>> versions, IEnumerable<long> deviceIds)
        {
            var checkedVersions = CheckSensorVersions(versions);
            return new DeviceActionRequest(DeviceActionType.UpdateSensorVersion, CheckIds(deviceIds), null, null, checkedVersions);
        }

        public static DeviceActionRequest UninstallSensor(IEnumerable<long> deviceIds) =>
            new DeviceActionRequest(DeviceActionType.UninstallSensor, CheckIds(deviceIds), null, null, null);

        public static DeviceActionRequest DeleteSensor(IEnumerable<long> deviceIds) =>
            new DeviceActionRequest(DeviceActionType.DeleteSensor, CheckIds(deviceIds), null, null, null);

        /// <summary>
        /// The same action and options for the devices a search matches (the current API's <c>search</c> instead of
        /// <c>device_id</c>); <paramref name="search"/> is the search part of a devices v6 _search body.
        /// </summary>
        public DeviceActionRequest ForSearch(IReadOnlyDictionary<string, object?> search)
        {
            if (search == null) throw new ArgumentNullException(nameof(search));
            return new DeviceActionRequest(ActionType, Array.Empty<long>(), Toggle, PolicyId, SensorVersions, PolicyName) { Search = search };
        }

        /// <summary>The same action and options for other device ids (the next batch).</summary>
        public DeviceActionRequest ForDevices(IEnumerable<long> deviceIds) =>
            new DeviceActionRequest(ActionType, CheckIds(deviceIds), Toggle, PolicyId, SensorVersions, PolicyName);

        /// <summary>Validates an OS → version map; returns it with upper-case keys, in the given order.</summary>
        public static IReadOnlyDictionary<string, string> CheckSensorVersions(IEnumerable<KeyValuePair<string, string>> versions)
        {
            if (versions == null) throw new ArgumentNullException(nameof(versions));
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var kv in versions)
            {
                string key = (kv.Key ?? "").Trim().ToUpperInvariant();
                if (!SensorVersionKeys.Contains(key))
                    throw new ArgumentException("'" + kv.Key + "' is not an OS the sensor update takes; use one of: " + string.Join(", ", SensorVersionKeys) + ".");
                string value = (kv.Value ?? "").Trim();
                if (!VersionPattern.IsMatch(value))
                    throw new ArgumentException("'" + kv.Value + "' (for " + key + ") is not a sensor version; use dotted numbers such as 3.6.0.1979.");
                if (result.ContainsKey(key))
                    throw new ArgumentException(key + " is given twice.");
                result[key] = value;
            }
            if (result.Count == 0)
                throw new ArgumentException("Name at least one OS and its sensor version, e.g. WINDOWS = 3.6.0.1979.");
            return result;
        }

        private static IReadOnlyList<long> CheckIds(IEnumerable<long> deviceIds)
        {
            if (deviceIds == null) throw new ArgumentNullException(nameof(deviceIds));
            var ids = deviceIds.ToArray();
            if (ids.Length == 0) throw new ArgumentException("At least one device id is required.", nameof(deviceIds));
            foreach (long id in ids)
                if (id < 1) throw new ArgumentOutOfRangeException(nameof(deviceIds), "Device ids must be positive numbers (got " + id.ToString(CultureInfo.InvariantCulture) + ").");
            return ids;
        }

        /// <summary>A short description of the action, e.g. "Quarantine ON", "Update policy to 6525".</summary>
        public string Describe()
        {
            switch (ActionType)
            {
                case DeviceActionType.Quarantine: return "Quarantine " + OnOff;
                case DeviceActionType.Bypass: return "Bypass " + OnOff;
                case DeviceActionType.BackgroundScan: return "Background scan " + OnOff;
                case DeviceActionType.UpdatePolicy:
                    return "Move to policy " + (PolicyName != null ? "'" + PolicyName + "' (" + PolicyId!.Value.ToString(CultureInfo.InvariantCulture) + ")"
                                                                   : PolicyId!.Value.ToString(CultureInfo.InvariantCulture));
                case DeviceActionType.UpdateSensorVersion:
                    return "Update sensor to " + string.Join(", ", SensorVersions!.Select(kv => kv.Key + " " + kv.Value));
                case DeviceActionType.UninstallSensor: return "Uninstall sensor";
                default: return "Delete sensor";
            }
        }

        private string OnOff => Toggle == true ? "ON" : "OFF";

        /// <summary>The JSON body as plain values: action_type, device_id, and options only when the action has options.</summary>
        internal Dictionary<string, object?> ToBody()
        {
            var body = new Dictionary<string, object?>(StringComparer.Ordinal) { ["action_type"] = ActionTypeName };
            if (Search != null) body["search"] = Search.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            else body["device_id"] = DeviceIds.Cast<object?>().ToList();
            switch (ActionType)
            {
                case DeviceActionType.Quarantine:
                case DeviceActionType.Bypass:
                case DeviceActionType.BackgroundScan:
                    body["options"] = new Dictionary<string, object?> { ["toggle"] = OnOff };
                    break;
                case DeviceActionType.UpdatePolicy:
                    body["options"] = new Dictionary<string, object?> { ["policy_id"] = PolicyId!.Value };
                    break;
                case DeviceActionType.UpdateSensorVersion:
                    body["options"] = new Dictionary<string, object?>
                    {
                        ["sensor_version"] = SensorVersions!.ToDictionary(kv => kv.Key, kv => (object?)kv.Value, StringComparer.Ordinal),
                    };
                    break;
            }
            return body;
        }
    }

    /// <summary>The reply to one device action request: 204 (no body) or 200 with JSON.</summary>
    public sealed class DeviceActionResult
    {
        internal DeviceActionResult(DeviceActionRequest request, int statusCode, object? json)
        {
            Request = request;
            StatusCode = statusCode;
            Json = json;
        }

        public DeviceActionRequest Request { get; }
        public int StatusCode { get; }
        /// <summary>The parsed reply when the server sent one (plain .NET values), else null.</summary>
        public object? Json { get; }
    }

    /// <summary>The v6 device_actions route, which both API generations use (cbapi sent it with a legacy API key).</summary>
    internal static class DeviceActions
    {
        internal const string What = "device actions";

        /// <summary>
        /// Sends one device action (one POST for all the request's ids). 204, or any 2xx (200 with JSON), is success;
        /// 4xx/5xx throw the mapped CbApiException (429 and 503 are absorbed by the session's throttle gate first).
        /// A session without an org key throws InvalidOperationException before any request.
        /// </summary>
        public static async Task<DeviceActionResult> SendAsync(CbClient client, DeviceActionRequest request, CallContext ctx)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            string path = client.OrgPath("/appservices/v6", "device_actions", What);
            var r = await client.SendJsonAsync(client.JsonRequest(HttpMethod.Post, path, null, request.ToBody()), ctx).ConfigureAwait(false);
            if (r.StatusCode < 200 || r.StatusCode > 299)
                throw new CbServerException("Device action error: unexpected HTTP " + r.StatusCode + " (" + r.ReasonPhrase + "): " +
                                            ErrorMapper.Snippet(r.Text) + " [" + r.Method + " " + r.RequestUri + "]")
                { StatusCode = r.StatusCode, Method = r.Method, RequestUri = r.RequestUri, ResponseSnippet = ErrorMapper.Snippet(r.Text) };
            return new DeviceActionResult(request, r.StatusCode, r.IsJson ? r.Json : null);
        }
    }
}
