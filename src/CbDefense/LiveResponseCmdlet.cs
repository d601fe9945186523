using System;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using CbDefense.Services.LiveResponse;

namespace CbDefense.Commands
{
    /// <summary>
    /// Base of the Live Response command cmdlets: sessions come from the pipeline (-LiveResponseSession) or are opened
    /// for -DeviceId (used, then closed, unless the module already held one open for that device); the command runs on
    /// up to -ThrottleLimit devices at once, each result carrying its DeviceId and HostName, one error per failed device
    /// while the others go on.
    /// </summary>
    public abstract class LiveResponseCmdlet : CbSessionCmdlet
    {
        protected const string SessionSet = "LiveResponseSession";
        protected const string DeviceSet = "DeviceId";

        private FanOut? _fan;

        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = SessionSet)]
        [ValidateNotNull]
        public LiveResponseSession[]? LiveResponseSession { get; set; }

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = DeviceSet)]
        [ValidateRange(1L, long.MaxValue)]
        public long[]? DeviceId { get; set; }

        [Parameter]
        [ValidateRange(1, 100)]
        public int ThrottleLimit { get; set; } = 5;

        /// <summary>What the command does, for -WhatIf and -Confirm (null: it changes nothing and asks nothing).</summary>
        protected virtual string? Action => null;

        /// <summary>What it acts on (a path, a key, a pid), for -WhatIf and -Confirm.</summary>
        protected virtual string? ActionTarget => null;

        /// <summary>True when -Force should skip the confirmation prompt (never -WhatIf).</summary>
        protected virtual bool SkipConfirmation => false;

        /// <summary>The error id prefix, e.g. "ReceiveFile".</summary>
        protected abstract string ErrorId { get; }

        /// <summary>Checks the parameters once, before any device (throw ArgumentException for bad input).</summary>
        protected virtual void Validate() { }

        /// <summary>Runs the command on one open session; writes through <see cref="Out"/>.</summary>
        protected abstract Task RunAsync(LiveResponseSession session, CallContext ctx);

        internal FanOut Out => _fan!;

        protected override void BeginProcessing()
        {
            try
            {
                Validate();
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, ErrorId + "InvalidArgument", ErrorCategory.InvalidArgument, null));
            }
            _fan = new FanOut(this, ThrottleLimit);
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == SessionSet)
            {
                foreach (var s in LiveResponseSession!)
                {
                    if (!Confirm(LiveResponseOperations.Host(s))) continue;
                    var session = s;
                    _fan!.Add(ctx => RunAsync(session, ctx), ex => WriteFailure(ex, session.DeviceId, session.HostName));
                }
                return;
            }
            var cb = GetSession();
            foreach (long id in DeviceId!)
            {
                if (!Confirm("device " + id.ToString(CultureInfo.InvariantCulture))) continue;
                long device = id;
                _fan!.Add(ctx => OnDeviceAsync(cb, device, ctx), ex => WriteFailure(ex, device, null));
            }
        }

        protected override void EndProcessing() => _fan?.WriteAll();

        private bool Confirm(string where)
        {
            string? action = Action;
            if (action == null) return true;
            string target = (ActionTarget != null ? ActionTarget + " on " : "") + where;
            return ShouldProcessOrForce(target, action, SkipConfirmation);
        }

        /// <summary>-DeviceId: the session the module holds for the device, or one opened for this command and closed after it.</summary>
        private async Task OnDeviceAsync(Session cb, long deviceId, CallContext ctx)
        {
            // A session the module holds for the device (through any connection, unless -Session names one) is used as it is.
            var held = (Session != null ? new[] { cb } : SessionRegistry.All.Prepend(cb))
                .SelectMany(x => x.GetLiveResponseSessions()).FirstOrDefault(x => x.DeviceId == deviceId && x.Status == "ACTIVE");
            if (held != null)
            {
                await RunAsync(held, ctx).ConfigureAwait(false);
                return;
            }
            var manager = cb.LiveResponse;
            var (s, reused) = await manager.OpenAsync(deviceId, new LrOpenOptions(), ctx).ConfigureAwait(false);
            try
            {
                await RunAsync(s, ctx).ConfigureAwait(false);
            }
            finally
            {
                if (!reused)
                {
                    try
                    {
                        await manager.CloseAsync(s, new CallContext(default, ctx.Log, RetryPolicy.Interactive(10))).ConfigureAwait(false);
                    }
                    catch (CbApiException ex)
                    {
                        ctx.Log?.Warning("Could not close the Live Response session " + s.Id + ": " + ex.Message + " It will time out on the server.");
                    }
                }
            }
        }

        /// <summary>One error for the device; the other devices go on.</summary>
        protected void WriteFailure(Exception ex, long deviceId, string? hostName)
        {
            if (!IsReportable(ex) && !(ex is System.IO.IOException) && !(ex is UnauthorizedAccessException)) throw ex;
            string id = ErrorId + "Failed";
            if (ex is CbLiveResponseException lr && lr.ErrorName != null) id += "." + lr.ErrorName;
            var record = ErrorMapper.ToRecord(ex, id, hostName ?? (object)deviceId);
            WriteError(record);
        }

        /// <summary>A local path as a file-system path (relative to the current location; PowerShell drives resolved).</summary>
        protected string ResolveLocal(string path, bool mustExist)
        {
            string resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            if (mustExist && !System.IO.File.Exists(resolved) && !System.IO.Directory.Exists(resolved))
                throw new ArgumentException("The local path " + resolved + " does not exist.");
            return resolved;
        }

        /// <summary>
        /// Fetches a remote file into a local one: refused before anything is sent when the local file exists (without
        /// -Force); written under a temporary name with progress in bytes and renamed when complete; a failure leaves no
        /// file. With <paramref name="passThru"/> the FileInfo is written, tagged with DeviceId, HostName and RemotePath.
        /// </summary>
        protected async Task Download(LiveResponseSession session, string remotePath, string destination, bool force, bool passThru, CallContext ctx,
                                      Func<LiveResponseSession, System.IO.Stream, Action<long, long?>, Task<long>> fetch)
        {
            string leaf = LiveResponseOperations.LeafOf(session, remotePath);
            using (var local = LocalFile.For(destination, leaf, session.DeviceId, session.HostName, force))
            {
                var meter = new ByteProgress(Out, ActivityId(session.DeviceId), "Receiving " + remotePath + " from " + LiveResponseOperations.Host(session));
                long n = await fetch(session, local.Stream, meter.Report).ConfigureAwait(false);
                var info = local.Commit();
                meter.Complete();
                ctx.Log?.Verbose("Received " + remotePath + " from " + LiveResponseOperations.Host(session) + ": " + n + " bytes in " + info.FullName + ".");
                if (passThru)
                {
                    var o = PSObject.AsPSObject(info);
                    o.Properties.Add(new PSNoteProperty("DeviceId", session.DeviceId));
                    o.Properties.Add(new PSNoteProperty("HostName", session.HostName));
                    o.Properties.Add(new PSNoteProperty("RemotePath", remotePath));
                    Out.Write(o);
                }
            }
        }

        /// <summary>The devices' progress activity ids: one per device, so parallel bars do not overwrite each other.</summary>
        protected static int ActivityId(long deviceId) => (int)(deviceId % 100000) + 1;
    }

    /// <summary>A transfer's progress bar in bytes (at most a few updates a second).</summary>
    internal sealed class ByteProgress
    {
        private readonly FanOut _out;
        private readonly int _activity;
        private readonly string _title;
        private long _lastTicks;

        public ByteProgress(FanOut output, int activity, string title)
        {
            _out = output;
            _activity = activity;
            _title = title;
        }

        public void Report(long done, long? total)
        {
            long now = DateTime.UtcNow.Ticks;
            if (now - System.Threading.Interlocked.Read(ref _lastTicks) < TimeSpan.TicksPerMillisecond * 200 && (total == null || done < total)) return;
            System.Threading.Interlocked.Exchange(ref _lastTicks, now);
            string status = Size(done) + (total.HasValue ? " of " + Size(total.Value) : "");
            var record = new ProgressRecord(_activity, _title, status);
            if (total.HasValue && total.Value > 0) record.PercentComplete = (int)Math.Min(100, done * 100 / total.Value);
            _out.Progress(record);
        }

        public void Complete() => _out.Progress(new ProgressRecord(_activity, _title, "Done") { RecordType = ProgressRecordType.Completed });

        internal static string Size(long bytes)
        {
            if (bytes < 1024) return bytes.ToString(CultureInfo.InvariantCulture) + " B";
            if (bytes < 1024L * 1024) return (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB";
            if (bytes < 1024L * 1024 * 1024) return (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
            return (bytes / (1024.0 * 1024 * 1024)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB";
        }
    }
}
