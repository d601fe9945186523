using System.Linq;
using System.Management.Automation;

namespace CbDefense.Commands
{
    /// <summary>Lists the open sessions, or only the default one.</summary>
    [Cmdlet(VerbsCommon.Get, "CbDefenseSession", DefaultParameterSetName = "All")]
    [OutputType(typeof(Session))]
    public sealed class GetCbDefenseSessionCommand : CbCmdlet
    {
        [Parameter(ParameterSetName = "Default", Mandatory = true)]
        public SwitchParameter Default { get; set; }

        [Parameter(ParameterSetName = "All", Position = 0)]
        public int[]? Id { get; set; }

        protected override void ProcessRecord()
        {
            if (Default)
            {
                var d = SessionRegistry.Default;
                if (d != null) WriteObject(d);
                return;
            }
            var all = SessionRegistry.All;
            foreach (var s in all.Where(s => Id == null || Id.Contains(s.Id)))
                WriteObject(s);
            foreach (int missing in (Id ?? System.Array.Empty<int>()).Where(i => !all.Any(s => s.Id == i)))
            {
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"There is no open session with Id {missing}."),
                    "SessionNotFound", ErrorCategory.ObjectNotFound, missing));
            }
        }
    }
}
