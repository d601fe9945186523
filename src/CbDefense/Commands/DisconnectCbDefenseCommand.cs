using System.Management.Automation;

namespace CbDefense.Commands
{
    /// <summary>Closes a session (the default one unless another is given) and forgets it.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "CbDefense")]
    [OutputType(typeof(void))]
    public sealed class DisconnectCbDefenseCommand : CbCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true)]
        public Session? Session { get; set; }

        protected override void ProcessRecord()
        {
            var session = Session ?? SessionRegistry.Default;
            if (session == null)
            {
                WriteVerbose("There is no session to disconnect.");
                return;
            }
            SessionRegistry.Remove(session);
            session.Dispose();
            WriteVerbose($"Disconnected from {session.Uri}.");
        }
    }
}
