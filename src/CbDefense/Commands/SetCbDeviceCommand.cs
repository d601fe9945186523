using System;
using System.Management.Automation;

namespace CbDefense.Commands
{
    /// <summary>
    /// Saves changes to devices (cbapi's Device.save()): a device read with Get-CbDevice and edited, or -Id with the fields
    /// to change. Legacy: PATCH of the v3 device with only the changed fields; Current: the policy through a device action
    /// (the current API has no route for the other fields, which is then an error).
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "CbDevice", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = InputSet)]
    [OutputType(typeof(Device))]
    public sealed class SetCbDeviceCommand : CbSessionCmdlet
    {
        private const string InputSet = "InputObject";
        private const string IdSet = "Id";

        [Parameter(ParameterSetName = InputSet, Mandatory = true, ValueFromPipeline = true)]
        public Device? InputObject { get; set; }

        [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 0)]
        [Alias("DeviceId")]
        [ValidateRange(1L, long.MaxValue)]
        public long[]? Id { get; set; }

        [Parameter]
        [ValidateRange(1L, long.MaxValue)]
        [ArgumentCompleter(typeof(PolicyIdCompleter))]
        public long? PolicyId { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PolicyNameCompleter))]
        public string? PolicyName { get; set; }

        [Parameter]
        [ValidateSet("LOW", "MEDIUM", "HIGH", "MISSION_CRITICAL")]
        public string? TargetPriority { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            if (PolicyId.HasValue && PolicyName != null)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -PolicyId or -PolicyName, not both."), "PolicyIdAndName", ErrorCategory.InvalidArgument, PolicyName));
                return;
            }
            var session = GetSession();
            var devices = Services(session).Devices;
            foreach (long id in InputObject != null ? new[] { InputObject.DeviceId } : Id!)
            {
                DeviceChanges changes = InputObject?.GetChanges() ?? new DeviceChanges();
                if (PolicyId.HasValue) { changes.PolicyId = PolicyId; changes.PolicyName = null; }
                if (PolicyName != null) { changes.PolicyName = PolicyName; changes.PolicyId = null; }
                if (TargetPriority != null) changes.TargetPriority = TargetPriority;
                if (changes.IsEmpty)
                {
                    WriteVerbose("Device " + id + ": nothing changed, nothing sent.");
                    if (PassThru && InputObject != null) WriteObject(InputObject);
                    continue;
                }
                string target = InputObject?.Name != null ? "device " + InputObject.Name + " (" + id + ")" : "device " + id;
                if (!ShouldProcess(target + " on " + session.Uri, "Set " + changes)) continue;
                if (!TryRun(ctx => devices.UpdateAsync(id, changes, ctx), id, "DeviceNotFound", "SetDeviceFailed", out Device saved)) continue;
                InputObject?.MarkAsRead(); // what it holds is now what the server has
                if (PassThru) WriteObject(saved);
            }
        }
    }
}
