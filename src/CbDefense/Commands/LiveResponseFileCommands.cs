using System;
using System.IO;
using System.Management.Automation;
using System.Threading.Tasks;
using CbDefense.Services.LiveResponse;

namespace CbDefense.Commands
{
    /// <summary>Lists files and folders on devices (the directory list command).</summary>
    [Cmdlet(VerbsCommon.Get, "CbLiveResponseChildItem", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(LiveResponseItem))]
    public sealed class GetCbLiveResponseChildItemCommand : LiveResponseCmdlet
    {
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string? Path { get; set; }

        [Parameter]
        public SwitchParameter Recurse { get; set; }

        [Parameter]
        [ValidateRange(0, 1000)]
        public int Depth { get; set; } = -1;

        [Parameter]
        public SwitchParameter File { get; set; }

        [Parameter]
        public SwitchParameter Directory { get; set; }

        protected override string ErrorId => "GetChildItem";

        protected override void Validate()
        {
            if (File && Directory) throw new ArgumentException("Give -File or -Directory, not both.");
        }

        protected override Task RunAsync(LiveResponseSession session, CallContext ctx)
        {
            string path = Path ?? session.CurrentDirectory ?? (session.IsWindows ? "C:\\" : "/");
            int depth = Depth >= 0 ? Depth : Recurse ? int.MaxValue : 0;
            return LiveResponseOperations.ListAsync(session, path, depth, item =>
            {
                if (File && item.IsDirectory) return;
                if (Directory && !item.IsDirectory) return;
                Out.Write(item);
            }, ctx);
        }
    }

    /// <summary>Fetches a file from devices, streamed to disk (get file, then the download).</summary>
    [Cmdlet(VerbsCommunications.Receive, "CbLiveResponseFile", DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(FileInfo))]
    public sealed class ReceiveCbLiveResponseFileCommand : LiveResponseCmdlet
    {
        private string _destination = "";

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override string ErrorId => "ReceiveFile";

        protected override void Validate()
        {
            if (LiveResponseOperations.HasWildcard(Path!)) throw new ArgumentException("-Path names one remote file; wildcards are not allowed (Get-CbLiveResponseChildItem lists files).");
            _destination = ResolveLocal(Destination ?? ".", mustExist: false) + (Destination == null ? System.IO.Path.DirectorySeparatorChar.ToString() : "");
        }

        protected override Task RunAsync(LiveResponseSession session, CallContext ctx) =>
            Download(session, Path!, _destination, Force, PassThru, ctx, (s, dest, progress) =>
                LiveResponseOperations.GetFileAsync(s, Path!, dest, progress, ctx));
    }

    /// <summary>Sends a local file to devices (an upload, then put file).</summary>
    [Cmdlet(VerbsCommunications.Send, "CbLiveResponseFile", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(void))]
    public sealed class SendCbLiveResponseFileCommand : LiveResponseCmdlet
    {
        private string _local = "";

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(Mandatory = true, Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override string ErrorId => "SendFile";
        protected override string? Action => "Send " + _local + (Force ? " (overwriting)" : "");
        protected override string? ActionTarget => Destination;

        protected override void Validate()
        {
            _local = ResolveLocal(Path!, mustExist: true);
            if (!System.IO.File.Exists(_local)) throw new ArgumentException("The local file " + _local + " does not exist (or is a folder); nothing was sent.");
        }

        protected override async Task RunAsync(LiveResponseSession session, CallContext ctx)
        {
            string remote = Destination!;
            char last = remote[remote.Length - 1];
            if (last == '\\' || last == '/') remote += System.IO.Path.GetFileName(_local);
            long length = new FileInfo(_local).Length;
            int activity = ActivityId(session.DeviceId);
            string title = "Sending " + System.IO.Path.GetFileName(_local) + " to " + LiveResponseOperations.Host(session);
            var meter = new ByteProgress(Out, activity, title);
            await LiveResponseOperations.PutFileAsync(session, _local, remote, Force, n => meter.Report(n, length), ctx).ConfigureAwait(false);
            meter.Complete();
            ctx.Log?.Verbose("Sent " + _local + " to " + remote + " on " + LiveResponseOperations.Host(session) + ".");
        }
    }

    /// <summary>Deletes a file or an empty folder on devices.</summary>
    [Cmdlet(VerbsCommon.Remove, "CbLiveResponseItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(void))]
    public sealed class RemoveCbLiveResponseItemCommand : LiveResponseCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override string ErrorId => "RemoveItem";
        protected override string? Action => "Delete";
        protected override string? ActionTarget => Path;
        protected override bool SkipConfirmation => Force;

        protected override void Validate()
        {
            if (LiveResponseOperations.HasWildcard(Path!)) throw new ArgumentException("-Path names one file or folder; wildcards are not allowed.");
        }

        protected override Task RunAsync(LiveResponseSession session, CallContext ctx) => LiveResponseOperations.DeleteFileAsync(session, Path!, ctx);
    }

    /// <summary>Creates a folder on devices.</summary>
    [Cmdlet(VerbsCommon.New, "CbLiveResponseDirectory", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(void))]
    public sealed class NewCbLiveResponseDirectoryCommand : LiveResponseCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        protected override string ErrorId => "NewDirectory";
        protected override string? Action => "Create the folder";
        protected override string? ActionTarget => Path;

        protected override Task RunAsync(LiveResponseSession session, CallContext ctx) => LiveResponseOperations.CreateDirectoryAsync(session, Path!, ctx);
    }

    /// <summary>Dumps devices' memory, waits for the dump, downloads it streamed and deletes it on the device.</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "CbLiveResponseMemoryDump", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(FileInfo))]
    public sealed class InvokeCbLiveResponseMemoryDumpCommand : LiveResponseCmdlet
    {
        private string _destination = "";

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string? Destination { get; set; }

        [Parameter]
        public SwitchParameter Compress { get; set; }

        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 3600;

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override string ErrorId => "MemoryDump";
        protected override string? Action => "Dump the memory" + (Path != null ? " to " + Path : "") + " and download it";

        protected override void Validate()
        {
            _destination = ResolveLocal(Destination ?? ".", mustExist: false) + (Destination == null ? System.IO.Path.DirectorySeparatorChar.ToString() : "");
        }

        protected override async Task RunAsync(LiveResponseSession session, CallContext ctx)
        {
            // Refuse a local file in the way before the dump is taken (the dump is deleted on the device afterwards).
            if (Path != null)
                using (LocalFile.For(_destination, LiveResponseOperations.LeafOf(session, Path) + (Compress && !Path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ? ".zip" : ""),
                                     session.DeviceId, session.HostName, Force)) { }
            int activity = ActivityId(session.DeviceId);
            string title = "Dumping the memory of " + LiveResponseOperations.Host(session);
            string remote = await LiveResponseOperations.MemoryDumpAsync(session, Path, Compress, TimeSpan.FromSeconds(TimeoutSec), p =>
                Out.Progress(new ProgressRecord(activity, title, p + " % dumped") { PercentComplete = p }), ctx).ConfigureAwait(false);
            try
            {
                await Download(session, remote, _destination, Force, true, ctx, (s, dest, progress) =>
                    LiveResponseOperations.GetFileAsync(s, remote, dest, progress, ctx)).ConfigureAwait(false);
            }
            finally
            {
                try
                {
                    await LiveResponseOperations.DeleteFileAsync(session, remote, new CallContext(default, ctx.Log, RetryPolicy.Interactive(10))).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is CbApiException || ex is InvalidOperationException)
                {
                    ctx.Log?.Warning("Could not delete the memory dump " + remote + " on " + LiveResponseOperations.Host(session) + ": " + ex.Message);
                }
            }
        }
    }
}
