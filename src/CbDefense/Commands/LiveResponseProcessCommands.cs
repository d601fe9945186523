using System;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using CbDefense.Services.LiveResponse;

namespace CbDefense.Commands
{
    /// <summary>Lists the processes of devices (the process list command).</summary>
    [Cmdlet(VerbsCommon.Get, "CbLiveResponseProcess", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(LiveResponseProcess))]
    public sealed class GetCbLiveResponseProcessCommand : LiveResponseCmdlet
    {
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[]? Name { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public long[]? ProcessId { get; set; }

        protected override string ErrorId => "GetProcess";

        protected override async Task RunAsync(LiveResponseSession session, CallContext ctx)
        {
            var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
            foreach (var p in await LiveResponseOperations.ListProcessesAsync(session, ctx).ConfigureAwait(false))
            {
                if (patterns != null && !patterns.Any(w => w.IsMatch(p.Name ?? "") || w.IsMatch(p.Path ?? ""))) continue;
                if (ProcessId != null && !ProcessId.Contains(p.ProcessId)) continue;
                Out.Write(p);
            }
        }
    }

    /// <summary>Kills processes on devices (the kill command).</summary>
    [Cmdlet(VerbsLifecycle.Stop, "CbLiveResponseProcess", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(void))]
    public sealed class StopCbLiveResponseProcessCommand : LiveResponseCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(0L, long.MaxValue)]
        public long[]? ProcessId { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override string ErrorId => "StopProcess";
        protected override string? Action => "Kill";
        protected override string? ActionTarget => "process " + string.Join(", ", ProcessId!);
        protected override bool SkipConfirmation => Force;

        protected override async Task RunAsync(LiveResponseSession session, CallContext ctx)
        {
            foreach (long pid in ProcessId!)
            {
                try
                {
                    await LiveResponseOperations.KillAsync(session, pid, ctx).ConfigureAwait(false);
                    ctx.Log?.Verbose("Killed process " + pid + " on " + LiveResponseOperations.Host(session) + ".");
                }
                catch (CbLiveResponseException ex)
                {
                    // One process that cannot be killed does not stop the others of the list.
                    Out.Post(() => WriteFailure(ex, session.DeviceId, session.HostName));
                }
            }
        }
    }

    /// <summary>Starts a process on devices (the create process command); with -Wait returns its exit code and output.</summary>
    [Cmdlet(VerbsLifecycle.Start, "CbLiveResponseProcess", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(LiveResponseProcessResult))]
    public sealed class StartCbLiveResponseProcessCommand : LiveResponseCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? CommandLine { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? WorkingDirectory { get; set; }

        [Parameter]
        public SwitchParameter Wait { get; set; }

        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 120;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? OutputFile { get; set; }

        protected override string ErrorId => "StartProcess";
        protected override string? Action => "Start '" + CommandLine + "'" + (Wait ? " and wait for it" : "");

        protected override async Task RunAsync(LiveResponseSession session, CallContext ctx)
        {
            var result = await LiveResponseOperations.CreateProcessAsync(session, CommandLine!, WorkingDirectory, Wait, captureOutput: Wait,
                                                                         OutputFile, TimeSpan.FromSeconds(TimeoutSec), ctx).ConfigureAwait(false);
            Out.Write(result);
        }
    }
}
