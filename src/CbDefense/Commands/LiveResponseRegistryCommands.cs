using System.Management.Automation;
using System.Threading.Tasks;
using CbDefense.Services.LiveResponse;

namespace CbDefense.Commands
{
    /// <summary>Reads a registry key of Windows devices: its sub keys and values (reg enum key).</summary>
    [Cmdlet(VerbsCommon.Get, "CbLiveResponseRegistryKey", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(LiveResponseRegistryKey))]
    public sealed class GetCbLiveResponseRegistryKeyCommand : LiveResponseCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        protected override string ErrorId => "GetRegistryKey";

        protected override async Task RunAsync(LiveResponseSession session, CallContext ctx) =>
            Out.Write(await LiveResponseOperations.GetKeyAsync(session, Path!, ctx).ConfigureAwait(false));
    }

    /// <summary>Reads registry values of Windows devices: one by -Name (reg query value), or every value of the key.</summary>
    [Cmdlet(VerbsCommon.Get, "CbLiveResponseRegistryValue", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(LiveResponseRegistryValue))]
    public sealed class GetCbLiveResponseRegistryValueCommand : LiveResponseCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(Position = 1)]
        [ValidateNotNull]
        public string? Name { get; set; }

        protected override string ErrorId => "GetRegistryValue";

        protected override async Task RunAsync(LiveResponseSession session, CallContext ctx)
        {
            if (Name != null)
            {
                Out.Write(await LiveResponseOperations.GetValueAsync(session, Path!, Name, ctx).ConfigureAwait(false));
                return;
            }
            foreach (var v in (await LiveResponseOperations.GetKeyAsync(session, Path!, ctx).ConfigureAwait(false)).Values) Out.Write(v);
        }
    }

    /// <summary>Sets a registry value on Windows devices (reg set value); the type follows the value unless -Type is given.</summary>
    [Cmdlet(VerbsCommon.Set, "CbLiveResponseRegistryValue", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(void))]
    public sealed class SetCbLiveResponseRegistryValueCommand : LiveResponseCmdlet
    {
        private string _type = "REG_SZ";
        private object? _value;

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNull]
        public string? Name { get; set; }

        [Parameter(Mandatory = true, Position = 2)]
        [AllowEmptyString]
        public object? Value { get; set; }

        [Parameter]
        [ValidateSet("REG_SZ", "REG_EXPAND_SZ", "REG_MULTI_SZ", "REG_DWORD", "REG_QWORD", "REG_BINARY", IgnoreCase = true)]
        public string? Type { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override string ErrorId => "SetRegistryValue";
        protected override string? Action => "Set " + _type + " " + Name + (Force ? " (overwriting)" : "");
        protected override string? ActionTarget => Path;

        protected override void Validate()
        {
            _value = Value is PSObject pso ? pso.BaseObject : Value;
            if (_value is object[] arr && !(_value is byte[]))
            {
                var plain = new object?[arr.Length];
                for (int i = 0; i < arr.Length; i++) plain[i] = arr[i] is PSObject p ? p.BaseObject : arr[i];
                _value = plain;
            }
            _type = Type?.ToUpperInvariant() ?? LiveResponseOperations.InferType(_value);
            LiveResponseOperations.DataToWire(_type, _value); // refuses a value that does not fit the type, before any device
        }

        protected override Task RunAsync(LiveResponseSession session, CallContext ctx) =>
            LiveResponseOperations.SetValueAsync(session, Path!, Name!, _type, _value, Force, ctx);
    }

    /// <summary>Creates a registry key on Windows devices.</summary>
    [Cmdlet(VerbsCommon.New, "CbLiveResponseRegistryKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(void))]
    public sealed class NewCbLiveResponseRegistryKeyCommand : LiveResponseCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        protected override string ErrorId => "NewRegistryKey";
        protected override string? Action => "Create the registry key";
        protected override string? ActionTarget => Path;

        protected override Task RunAsync(LiveResponseSession session, CallContext ctx) => LiveResponseOperations.CreateKeyAsync(session, Path!, ctx);
    }

    /// <summary>Deletes a registry key (without sub keys) on Windows devices.</summary>
    [Cmdlet(VerbsCommon.Remove, "CbLiveResponseRegistryKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(void))]
    public sealed class RemoveCbLiveResponseRegistryKeyCommand : LiveResponseCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override string ErrorId => "RemoveRegistryKey";
        protected override string? Action => "Delete the registry key";
        protected override string? ActionTarget => Path;
        protected override bool SkipConfirmation => Force;

        protected override Task RunAsync(LiveResponseSession session, CallContext ctx) => LiveResponseOperations.DeleteKeyAsync(session, Path!, ctx);
    }

    /// <summary>Deletes a registry value on Windows devices.</summary>
    [Cmdlet(VerbsCommon.Remove, "CbLiveResponseRegistryValue", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(void))]
    public sealed class RemoveCbLiveResponseRegistryValueCommand : LiveResponseCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNull]
        public string? Name { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override string ErrorId => "RemoveRegistryValue";
        protected override string? Action => "Delete the registry value " + Name;
        protected override string? ActionTarget => Path;
        protected override bool SkipConfirmation => Force;

        protected override Task RunAsync(LiveResponseSession session, CallContext ctx) => LiveResponseOperations.DeleteValueAsync(session, Path!, Name!, ctx);
    }
}
