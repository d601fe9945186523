using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace CbDefense.Commands
{
    /// <summary>Quarantines devices (-Enabled $true) or releases them (-Enabled $false).</summary>
    [Cmdlet(VerbsCommon.Set, "CbDeviceQuarantine", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Device))]
    public sealed class SetCbDeviceQuarantineCommand : DeviceToggleCmdletBase
    {
        protected override DeviceActionType ActionType => DeviceActionType.Quarantine;
        protected override string ErrorIdPrefix => "SetCbDeviceQuarantine";
    }

    /// <summary>Puts devices in bypass mode (-Enabled $true) or takes them out of it (-Enabled $false).</summary>
    [Cmdlet(VerbsCommon.Set, "CbDeviceBypass", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Device))]
    public sealed class SetCbDeviceBypassCommand : DeviceToggleCmdletBase
    {
        protected override DeviceActionType ActionType => DeviceActionType.Bypass;
        protected override string ErrorIdPrefix => "SetCbDeviceBypass";
    }

    /// <summary>Starts (-Enabled $true) or stops (-Enabled $false) the background scan on devices.</summary>
    [Cmdlet(VerbsCommon.Set, "CbDeviceBackgroundScan", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Device))]
    public sealed class SetCbDeviceBackgroundScanCommand : DeviceToggleCmdletBase
    {
        protected override DeviceActionType ActionType => DeviceActionType.BackgroundScan;
        protected override string ErrorIdPrefix => "SetCbDeviceBackgroundScan";
    }

    /// <summary>Moves devices to a policy, given by id or by name (resolved once per session).</summary>
    [Cmdlet(VerbsCommon.Set, "CbDevicePolicy", DefaultParameterSetName = IdSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Device))]
    public sealed class SetCbDevicePolicyCommand : DeviceActionCmdletBase
    {
        private const string IdSet = "PolicyId";
        private const string NameSet = "PolicyName";
        private readonly Dictionary<Session, long> _resolved = new Dictionary<Session, long>();

        [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 1)]
        [ValidateRange(1L, long.MaxValue)]
        [ArgumentCompleter(typeof(PolicyIdCompleter))]
        public long PolicyId { get; set; }

        [Parameter(ParameterSetName = NameSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PolicyNameCompleter))]
        public string PolicyName { get; set; } = "";

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override bool PassThruRequested => PassThru.IsPresent;
        protected override string ErrorIdPrefix => "SetCbDevicePolicy";

        private readonly Dictionary<Session, string?> _names = new Dictionary<Session, string?>();

        /// <summary>
        /// Resolves -PolicyName to an id, or reads the name of -PolicyId, once per session: confirmations and -WhatIf then
        /// name the policy, and an unknown policy is refused before any device is acted on. A key that may not read
        /// policies still moves devices by id (the lookup is then skipped).
        /// </summary>
        protected override void PrepareSession(Session session)
        {
            if (_resolved.ContainsKey(session)) return;
            var policies = Services(session).Policies;
            if (ParameterSetName == NameSet)
            {
                try
                {
                    var policy = Run(ctx => policies.ResolveAsync(PolicyName, ctx));
                    WriteVerbose("Policy '" + PolicyName + "' is policy " + policy.Id + " on " + session.Uri + ".");
                    _resolved[session] = policy.Id;
                    _names[session] = policy.Name;
                }
                catch (ArgumentException ex)
                {
                    ThrowCbError(ex, "PolicyNameNotResolved", PolicyName);
                }
                catch (Exception ex) when (IsReportable(ex))
                {
                    ThrowCbError(ex, "PolicyLookupFailed", PolicyName);
                }
                return;
            }
            _resolved[session] = PolicyId;
            try
            {
                var policy = Run(ctx => policies.GetAsync(PolicyId, ctx));
                _names[session] = policy.Name;
            }
            catch (CbObjectNotFoundException ex)
            {
                ThrowCbError(ex, "PolicyNotFound", PolicyId);
            }
            catch (CbApiException ex) when (ex.StatusCode == 401 || ex.StatusCode == 403)
            {
                WriteVerbose("The policy " + PolicyId + " could not be read (" + ex.Message + "); devices are moved by its id only.");
                _names[session] = null;
            }
        }

        protected override DeviceActionRequest CreateRequest(Session session, IReadOnlyList<long> deviceIds) =>
            DeviceActionRequest.UpdatePolicy(_resolved[session], deviceIds, _names.TryGetValue(session, out var n) ? n : null);
    }

    /// <summary>Updates the sensor of devices to the version given per OS.</summary>
    [Cmdlet(VerbsData.Update, "CbDeviceSensor", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Device))]
    public sealed class UpdateCbDeviceSensorCommand : DeviceActionCmdletBase
    {
        private IReadOnlyDictionary<string, string>? _versions;

        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public Hashtable SensorVersion { get; set; } = new Hashtable();

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override bool PassThruRequested => PassThru.IsPresent;
        protected override string ErrorIdPrefix => "UpdateCbDeviceSensor";

        protected override void BeginProcessing()
        {
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (DictionaryEntry e in SensorVersion)
            {
                string key = Convert.ToString(Unwrap(e.Key), System.Globalization.CultureInfo.InvariantCulture) ?? "";
                string value = Convert.ToString(Unwrap(e.Value), System.Globalization.CultureInfo.InvariantCulture) ?? "";
                pairs.Add(new KeyValuePair<string, string>(key, value));
            }
            try
            {
                _versions = DeviceActionRequest.CheckSensorVersions(pairs);
            }
            catch (ArgumentException ex)
            {
                ThrowCbError(ex, "InvalidSensorVersion", SensorVersion);
            }
        }

        private static object? Unwrap(object? o) => o is PSObject p ? p.BaseObject : o;

        protected override DeviceActionRequest CreateRequest(Session session, IReadOnlyList<long> deviceIds) =>
            DeviceActionRequest.UpdateSensorVersion(_versions!, deviceIds);
    }

    /// <summary>Uninstalls the sensor from devices.</summary>
    [Cmdlet(VerbsLifecycle.Uninstall, "CbDeviceSensor", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(Device))]
    public sealed class UninstallCbDeviceSensorCommand : DeviceActionCmdletBase
    {
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override bool PassThruRequested => PassThru.IsPresent;
        protected override string ErrorIdPrefix => "UninstallCbDeviceSensor";

        protected override DeviceActionRequest CreateRequest(Session session, IReadOnlyList<long> deviceIds) =>
            DeviceActionRequest.UninstallSensor(deviceIds);
    }

    /// <summary>Deletes devices (the DELETE_SENSOR action): they leave the device list.</summary>
    [Cmdlet(VerbsCommon.Remove, "CbDevice", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class RemoveCbDeviceCommand : DeviceActionCmdletBase
    {
        protected override string ErrorIdPrefix => "RemoveCbDevice";

        protected override DeviceActionRequest CreateRequest(Session session, IReadOnlyList<long> deviceIds) =>
            DeviceActionRequest.DeleteSensor(deviceIds);
    }
}
