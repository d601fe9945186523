using System;
using System.Collections.Generic;
using System.Globalization;
using CbDefense.Json;
using Newtonsoft.Json;

namespace CbDefense
{
    /// <summary>
    /// A CB Defense policy (v3 policyInfo). The typed properties are read from the server's object; every field is also
    /// kept as it came (<see cref="Settings"/> holds the whole <c>policy</c> settings object, <see cref="AdditionalProperties"/>
    /// the other top-level fields), so saving or exporting sends back exactly what was read, plus the edits. A typed
    /// property that was changed wins over the raw value of the same field.
    /// </summary>
    public sealed class Policy
    {
        public long Id { get; set; }
        /// <summary>Same as <see cref="Id"/>: lets a policy bind by property name to the rule cmdlets' -PolicyId.</summary>
        public long PolicyId => Id;
        public string? Name { get; set; }
        public string? Description { get; set; }
        /// <summary>LOW, MEDIUM, HIGH or MISSION_CRITICAL.</summary>
        public string? PriorityLevel { get; set; }
        public bool? SystemPolicy { get; set; }
        private DateTime? _latestRevision;
        /// <summary>When the policy last changed, local time.</summary>
        public DateTime? LatestRevision { get => ModelTime.ToLocal(_latestRevision); set => _latestRevision = ModelTime.FromLocal(value); }
        /// <summary>When the policy last changed, UTC (the wire value, written back by ToPolicyInfo and Export-CbPolicy).</summary>
        public DateTime? LatestRevisionUtc { get => _latestRevision; set => _latestRevision = ModelTime.FromUtc(value); }
        /// <summary>Policy schema version (2 for the v3 API).</summary>
        public int? Version { get; set; }
        /// <summary>The policy's place in the org's order (policy service v1 only).</summary>
        public int? Position { get; set; }

        /// <summary>The API generation whose document this policy holds (Legacy: v3 policyInfo; Current: policy service v1).</summary>
        public ApiGeneration ApiGeneration => Schema.Generation;

        internal PolicySchema Schema { get; set; } = PolicySchema.V3;

        // ------------------------------------------------------------ the "policy" settings object
        /// <summary>policy.rules.</summary>
        public ValueList<PolicyRule> Rules { get; set; } = new ValueList<PolicyRule>();
        /// <summary>policy.sensorSettings (name/value pairs, e.g. SHOW_UI = True).</summary>
        public ValueList<PolicySensorSetting> SensorSettings { get; set; } = new ValueList<PolicySensorSetting>();
        /// <summary>
        /// policy.avSettings (features, updateServers, apc, onAccessScan, onDemandScan, signatureUpdate), as plain values
        /// (a <see cref="PlainMap"/>: a value set here is copied into one).
        /// </summary>
        public IDictionary<string, object?>? AvSettings
        {
            get => _avSettings;
            set => _avSettings = PlainValue.WrapMap(value);
        }
        /// <summary>policy.directoryActionRules.</summary>
        public ValueList<PolicyDirectoryActionRule> DirectoryActionRules { get; set; } = new ValueList<PolicyDirectoryActionRule>();
        /// <summary>policy.knownBadHashAutoDeleteDelayMs.</summary>
        public long? KnownBadHashAutoDeleteDelayMs { get; set; }

        private PlainMap? _avSettings;
        private PlainMap? _settings;
        private PlainMap? _additional;

        /// <summary>The whole <c>policy</c> settings object as the server sent it (plain values), including fields not typed above.</summary>
        public IDictionary<string, object?> Settings
        {
            get => _settings ??= new PlainMap();
            set => _settings = value == null ? null : new PlainMap(value);
        }

        /// <summary>Every other top-level field the server sent (e.g. orgId), with its original name, as plain values.</summary>
        public IDictionary<string, object?> AdditionalProperties => _additional ??= new PlainMap();

        /// <summary>The session this policy was read through (-Session binds from it; ConvertTo-Json leaves it out of nested objects).</summary>
        [JsonIgnore]
        public Session? Session { get; internal set; }

        // What was read: the raw policyInfo (key order, raw values) and the plain form of each typed field at read time.
        internal Dictionary<string, object?> Raw { get; set; } = new Dictionary<string, object?>(StringComparer.Ordinal);
        internal Dictionary<string, object?> Baseline { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);

        /// <summary>Reads a v3 policyInfo object (plain values, as parsed JSON). Nothing is lost: see <see cref="ToPolicyInfo"/>.</summary>
        public static Policy FromPolicyInfo(IDictionary<string, object?> policyInfo, Session? session = null) =>
            PolicyJson.ReadPolicy(policyInfo, session, PolicySchema.V3);

        /// <summary>Reads a policy service v1 policy object (plain values). Nothing is lost: see <see cref="ToDocument"/>.</summary>
        public static Policy FromV1(IDictionary<string, object?> policy, Session? session = null) =>
            PolicyJson.ReadPolicy(policy, session, PolicySchema.V1);

        /// <summary>
        /// The document to send back, in the policy's own generation (v3 policyInfo, or the v1 policy object): every field
        /// that was read, in its order, with the edited typed properties applied (a new dictionary of plain values each call).
        /// </summary>
        public IDictionary<string, object?> ToDocument() => PolicyJson.WritePolicy(this);

        /// <summary>The v3 policyInfo of a Legacy policy (<see cref="ToDocument"/>); for a Current policy, its v1 document.</summary>
        public IDictionary<string, object?> ToPolicyInfo() => ToDocument();

        /// <summary>The settings to send back (v3: <c>policyInfo.policy</c>; v1: the settings fields), with edits applied.</summary>
        public IDictionary<string, object?> ToSettings() => PolicyJson.WriteSettings(this);

        /// <summary>A deep copy (same session, same generation).</summary>
        public Policy Clone() => PolicyJson.ReadPolicy(ToDocument(), Session, Schema);

        public override string ToString() => Name ?? Id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A policy rule: what the sensor does (Action) when an application (type + value) performs an operation.</summary>
    public sealed class PolicyRule
    {
        /// <summary>The rule's id within its policy (server-assigned); null for a rule not yet added.</summary>
        public long? Id { get; set; }
        /// <summary>The policy the rule belongs to.</summary>
        public long? PolicyId { get; set; }
        /// <summary>The name of that policy, when known.</summary>
        public string? PolicyName { get; set; }
        public bool Required { get; set; }
        /// <summary>RUN, NETWORK, CODE_INJECTION, MEMORY_SCRAPE, RANSOM, ... (see PolicyValues.Operations).</summary>
        public string? Operation { get; set; }
        /// <summary>application.type: NAME_PATH, SIGNED_BY or REPUTATION.</summary>
        public string? ApplicationType { get; set; }
        /// <summary>application.value: a path pattern, a signer or a reputation.</summary>
        public string? ApplicationValue { get; set; }
        /// <summary>IGNORE, ALLOW, DENY, TERMINATE_PROCESS, TERMINATE_THREAD or TERMINATE.</summary>
        public string? Action { get; set; }

        private PlainMap? _additional;

        /// <summary>Every other field of the rule, with its original name, as plain values.</summary>
        public IDictionary<string, object?> AdditionalProperties => _additional ??= new PlainMap();

        /// <summary>Other fields of the rule's application object.</summary>
        internal Dictionary<string, object?>? ApplicationExtra { get; set; }

        /// <summary>
        /// The session the rule was read through (-Session binds from it). ConvertTo-Json leaves it out, so a policy's
        /// rules do not each repeat the session.
        /// </summary>
        [JsonIgnore]
        public Session? Session { get; internal set; }

        /// <summary>The rule as the API shapes it: {id?, required, operation, application: {type, value}, action} plus other fields.</summary>
        public IDictionary<string, object?> ToRuleInfo(bool includeId = true) => PolicyJson.WriteRule(this, includeId);

        /// <summary>
        /// Reads a rule from plain values: the API shape (operation, action, required, application: {type, value}) or the
        /// flat shape of this class (Operation, ApplicationType, ApplicationValue, ...); names match ignoring case.
        /// </summary>
        public static PolicyRule FromPlain(IDictionary<string, object?> rule) => PolicyJson.ReadRule(rule, null, null, null);

        /// <summary>Reads a rule from JSON text (either shape of <see cref="FromPlain"/>).</summary>
        public static PolicyRule FromJson(string json) => PolicyDocument.ParseObject(json, "rule", PolicyJson.ReadRuleDict);

        public PolicyRule Clone()
        {
            var c = PolicyJson.ReadRule(ToRuleInfo(), PolicyId, PolicyName, Session);
            return c;
        }

        public override string ToString() =>
            (Action ?? "?") + " " + (Operation ?? "?") + " " + (ApplicationType ?? "?") + ":" + (ApplicationValue ?? "");
    }

    /// <summary>One entry of policy.sensorSettings.</summary>
    public sealed class PolicySensorSetting
    {
        public string? Name { get; set; }
        public string? Value { get; set; }

        private PlainMap? _additional;
        public IDictionary<string, object?> AdditionalProperties => _additional ??= new PlainMap();

        public override string ToString() => Name + "=" + Value;
    }

    /// <summary>One entry of policy.directoryActionRules: a path and whether files there are uploaded / protected.</summary>
    public sealed class PolicyDirectoryActionRule
    {
        public string? Path { get; set; }
        /// <summary>actions.FILE_UPLOAD.</summary>
        public bool? FileUpload { get; set; }
        /// <summary>actions.PROTECTION.</summary>
        public bool? Protection { get; set; }

        private PlainMap? _additional;
        public IDictionary<string, object?> AdditionalProperties => _additional ??= new PlainMap();

        internal Dictionary<string, object?>? ActionsExtra { get; set; }
        internal bool HadActions { get; set; }

        public override string ToString() => Path ?? "";
    }
}
