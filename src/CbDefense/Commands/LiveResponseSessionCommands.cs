using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using CbDefense.Services.LiveResponse;

namespace CbDefense.Commands
{
    /// <summary>Opens Live Response sessions on devices (cbapi's Device.lr_session()), waiting until each is ACTIVE.</summary>
    [Cmdlet(VerbsCommon.New, "CbLiveResponseSession", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(LiveResponseSession))]
    public sealed class NewCbLiveResponseSessionCommand : CbSessionCmdlet
    {
        private const int ProgressId = 31;
        private FanOut? _fan;
        private int _active;
        private string _latest = "";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1L, long.MaxValue)]
        public long[]? DeviceId { get; set; }

        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 360;

        [Parameter]
        [ValidateRange(1, 100)]
        public int ThrottleLimit { get; set; } = 5;

        protected override void BeginProcessing() => _fan = new FanOut(this, ThrottleLimit);

        protected override void ProcessRecord()
        {
            var cb = GetSession();
            foreach (long id in DeviceId!)
            {
                string target = "device " + id.ToString(CultureInfo.InvariantCulture);
                if (!ShouldProcess(target, "Open a Live Response session")) continue;
                long device = id;
                _fan!.Add(async ctx =>
                {
                    var options = new LrOpenOptions
                    {
                        Timeout = TimeSpan.FromSeconds(TimeoutSec),
                        Progress = text => Report(device, text),
                    };
                    var (s, reused) = await cb.LiveResponse.OpenAsync(device, options, ctx).ConfigureAwait(false);
                    if (reused) ctx.Log?.Verbose("Device " + device + " already has the open Live Response session " + s.Id + ": reusing it.");
                    else ctx.Log?.Verbose("Live Response session " + s.Id + " on " + LiveResponseOperations.Host(s) + " is ACTIVE.");
                    System.Threading.Interlocked.Increment(ref _active);
                    Report(device, "Session " + s.Id + " is ACTIVE");
                    _fan.Write(s);
                }, ex => WriteCbError(ex, ex is CbTimeoutException ? "LiveResponseSessionTimeout" : "NewLiveResponseSessionFailed", device));
            }
        }

        private void Report(long device, string text)
        {
            _latest = "Device " + device.ToString(CultureInfo.InvariantCulture) + ": " + text;
            _fan!.Post(() =>
            {
                int total = _fan.Started;
                var record = new ProgressRecord(ProgressId, "Opening Live Response sessions",
                                                _active + " of " + total + " active. " + _latest);
                if (total > 0) record.PercentComplete = Math.Min(100, _fan.Finished * 100 / total);
                WriteProgressRecord(record);
            });
        }

        protected override void EndProcessing()
        {
            try
            {
                _fan?.WriteAll();
            }
            finally
            {
                WriteProgressRecord(new ProgressRecord(ProgressId, "Opening Live Response sessions", "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
    }

    /// <summary>The Live Response sessions this module holds open.</summary>
    [Cmdlet(VerbsCommon.Get, "CbLiveResponseSession")]
    [OutputType(typeof(LiveResponseSession))]
    public sealed class GetCbLiveResponseSessionCommand : PSCmdlet
    {
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        [SupportsWildcards]
        public string[]? Id { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public long[]? DeviceId { get; set; }

        [Parameter]
        [SessionTransformation]
        public Session? Session { get; set; }

        protected override void EndProcessing()
        {
            var sessions = Session != null ? new[] { SessionRegistry.Successor(Session) } : SessionRegistry.All;
            var patterns = Id?.Select(i => new WildcardPattern(i, WildcardOptions.IgnoreCase)).ToList();
            foreach (var cb in sessions)
                foreach (var s in cb.GetLiveResponseSessions())
                {
                    if (patterns != null && !patterns.Any(p => p.IsMatch(s.Id))) continue;
                    if (DeviceId != null && !DeviceId.Contains(s.DeviceId)) continue;
                    WriteObject(s);
                }
        }
    }

    /// <summary>Closes Live Response sessions (the v3 PUT CLOSE, or the v6 DELETE).</summary>
    [Cmdlet(VerbsCommon.Remove, "CbLiveResponseSession", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "LiveResponseSession")]
    [OutputType(typeof(void))]
    public sealed class RemoveCbLiveResponseSessionCommand : CbCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "LiveResponseSession", Position = 0)]
        [ValidateNotNull]
        public LiveResponseSession[]? LiveResponseSession { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "Id")]
        [ValidateNotNullOrEmpty]
        public string[]? Id { get; set; }

        protected override void ProcessRecord()
        {
            IEnumerable<LiveResponseSession> targets = LiveResponseSession ?? Enumerable.Empty<LiveResponseSession>();
            if (Id != null)
            {
                var held = SessionRegistry.All.SelectMany(cb => cb.GetLiveResponseSessions()).ToList();
                var found = new List<LiveResponseSession>();
                foreach (var id in Id)
                {
                    var s = held.FirstOrDefault(x => string.Equals(x.Id, id, StringComparison.OrdinalIgnoreCase));
                    if (s == null)
                        WriteError(new ErrorRecord(new ItemNotFoundException("The module holds no open Live Response session " + id + " (Get-CbLiveResponseSession lists them)."),
                                                   "LiveResponseSessionNotFound", ErrorCategory.ObjectNotFound, id));
                    else found.Add(s);
                }
                targets = found;
            }
            foreach (var s in targets)
            {
                if (!ShouldProcess(s.Id + " (" + LiveResponseOperations.Host(s) + ")", "Close the Live Response session")) continue;
                var session = s;
                try
                {
                    Run(ctx => session.Manager.CloseAsync(session, ctx));
                    WriteVerbose("Closed the Live Response session " + session.Id + ".");
                }
                catch (Exception ex) when (IsReportable(ex))
                {
                    WriteCbError(ex, "RemoveLiveResponseSessionFailed", session);
                }
            }
        }
    }
}
