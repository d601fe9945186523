using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Text;

namespace CbDefense.Commands
{
    /// <summary>
    /// Base of the device action cmdlets (v6 device_actions): gathers device ids from the pipeline per session,
    /// sends them in batches of -BatchSize (one request and one confirmation per batch), writes one error per id of
    /// a failed batch, and with -PassThru re-reads the devices after the action.
    /// </summary>
    public abstract class DeviceActionCmdletBase : CbSessionCmdlet
    {
        /// <summary>Ids per request unless -BatchSize says otherwise.</summary>
        public const int DefaultBatchSize = 1000;
        /// <summary>The largest -BatchSize accepted.</summary>
        public const int MaximumBatchSize = 10000;
        private const int NamesShown = 10;
        private const int ReadBackConcurrency = 8;
        private const int ProgressId = 0x0CBDA;

        private readonly List<Pending> _pending = new List<Pending>();
        private long _sent;
        private int _requests;
        private bool _progressShown;

        /// <summary>The devices to act on. Binds ids by value and Device objects by property name (DeviceId, alias Id).</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        public long[] DeviceId { get; set; } = Array.Empty<long>();

        /// <summary>
        /// Acts on the devices a search of the current API matches (the search language, e.g. "os:WINDOWS AND name:kiosk*")
        /// instead of ids: one request, whatever their number. -WhatIf says how many match and sends no action.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Query { get; set; }

        private bool _gotIds;

        /// <summary>The host name of a piped Device (its Name), used only to name it in confirmations.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
        [Alias("Name")]
        public string? DeviceName { get; set; }

        /// <summary>
        /// The piped object itself, only to refuse the wrong kind: a Policy or PolicyRule has an Id too, and its id
        /// must never be taken for a device id (which would act on an unrelated device).
        /// </summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public PSObject? PipelineObject { get; set; }

        /// <summary>Device ids per request.</summary>
        [Parameter]
        [ValidateRange(1, MaximumBatchSize)]
        public int BatchSize { get; set; } = DefaultBatchSize;

        /// <summary>Skips the confirmation prompt (never -WhatIf).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>True when the cmdlet should write the devices after the action (the derived -PassThru).</summary>
        protected virtual bool PassThruRequested => false;

        /// <summary>The action for these ids on this session (options validated before any request).</summary>
        protected abstract DeviceActionRequest CreateRequest(Session session, IReadOnlyList<long> deviceIds);

        /// <summary>Called once per session, before its first id is queued (e.g. to resolve a policy name).</summary>
        protected virtual void PrepareSession(Session session) { }

        /// <summary>Stable error id prefix of this cmdlet, e.g. "SetCbDeviceQuarantine".</summary>
        protected abstract string ErrorIdPrefix { get; }

        private sealed class Pending
        {
            public Pending(Session session) { Session = session; }
            public readonly Session Session;
            public readonly HashSet<long> Seen = new HashSet<long>();
            public readonly List<long> Ids = new List<long>();
            public readonly List<string?> Names = new List<string?>();
        }

        protected override void ProcessRecord()
        {
            if (Query != null)
            {
                if (MyInvocation.BoundParameters.ContainsKey(nameof(DeviceId)) || _gotIds)
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give the devices either as ids (-DeviceId, or piped) or as -Query, not both. Nothing was sent."),
                                                          "QueryAndIds", ErrorCategory.InvalidArgument, Query));
                ActBySearch();
                return;
            }
            if (!MyInvocation.BoundParameters.ContainsKey(nameof(DeviceId)))
            {
                if (PipelineObject != null)
                    WriteError(new ErrorRecord(new ArgumentException("The piped object has no DeviceId (or Id); nothing was sent for it."),
                                               "NoDeviceId", ErrorCategory.InvalidArgument, PipelineObject));
                return;
            }
            _gotIds = true;
            var session = GetSession();
            var pending = _pending.FirstOrDefault(p => ReferenceEquals(p.Session, session));
            if (pending == null)
            {
                if (string.IsNullOrWhiteSpace(session.OrgKey))
                {
                    ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(CbClient.MissingOrgKeyMessage(session, DeviceActions.What)),
                                                          "NoOrgKey", ErrorCategory.InvalidOperation, session));
                }
                PrepareSession(session);
                pending = new Pending(session);
                _pending.Add(pending);
            }
            var piped = PipelineObject?.BaseObject;
            if (piped != null && !(piped is Device) && piped.GetType().Namespace == typeof(Device).Namespace)
            {
                WriteError(new ErrorRecord(
                    new ArgumentException(MyInvocation.MyCommand.Name + " acts on devices: pipe devices (Get-CbDevice) or device ids, not a " +
                                          piped.GetType().FullName + ". Nothing was sent for it."),
                    "NotADevice", ErrorCategory.InvalidType, piped));
                return;
            }
            var ids = DeviceId ?? Array.Empty<long>();
            string? name = ids.Length == 1 && !string.IsNullOrWhiteSpace(DeviceName) ? DeviceName : null;
            foreach (long id in ids)
            {
                if (id < 1)
                {
                    WriteError(new ErrorRecord(
                        new ArgumentException("Device ids are positive numbers; " + id.ToString(CultureInfo.InvariantCulture) + " was not sent."),
                        "InvalidDeviceId", ErrorCategory.InvalidArgument, id));
                    continue;
                }
                if (!pending.Seen.Add(id)) continue; // the same device twice is acted on once
                pending.Ids.Add(id);
                pending.Names.Add(name);
                if (pending.Ids.Count >= BatchSize) Flush(pending, moreToCome: true);
            }
        }

        protected override void EndProcessing()
        {
            if (Query == null && !_gotIds && !MyInvocation.ExpectingInput)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Name the devices: -DeviceId, devices piped from Get-CbDevice, or -Query (current API). Nothing was sent."),
                                                      "NoDevices", ErrorCategory.InvalidArgument, null));
            foreach (var pending in _pending)
            {
                if (pending.Ids.Count > 0) Flush(pending, moreToCome: false);
            }
            if (_progressShown)
            {
                WriteProgress(new ProgressRecord(ProgressId, ActivityName, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        private string ActivityName => MyInvocation.MyCommand.Name;

        /// <summary>-Query: one action request naming the devices by a search (the current API), after counting them.</summary>
        private void ActBySearch()
        {
            var session = GetSession();
            var devices = Services(session).Devices;
            if (!devices.SupportsActionBySearch)
            {
                ThrowCbError(new InvalidOperationException(
                    "-Query names the devices by a search of the current API (devices v6), which the Legacy session " + session.Uri + " does not speak. " +
                    "Pipe the devices instead (Get-CbDevice -Filter ... | " + MyInvocation.MyCommand.Name + " ...), or connect with -ApiGeneration Current. Nothing was sent."),
                    "QueryNeedsCurrentApi", Query);
                return;
            }
            if (string.IsNullOrWhiteSpace(session.OrgKey))
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(CbClient.MissingOrgKeyMessage(session, DeviceActions.What)),
                                                      "NoOrgKey", ErrorCategory.InvalidOperation, session));
            PrepareSession(session);
            var query = new DeviceQuery { Query = Query };
            DeviceActionRequest request;
            long count;
            try
            {
                request = CreateRequest(session, new long[] { 1 }).ForSearch(devices.SearchBody(query));
                count = Run(ctx => devices.CountAsync(query, ctx));
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                ThrowCbError(ex, ErrorIdPrefix + "SearchFailed", Query);
                return;
            }
            string action = request.Describe();
            string target = count.ToString("N0", CultureInfo.InvariantCulture) + " device" + (count == 1 ? "" : "s") + " matching the query '" + Query + "'";
            if (!ShouldSend(target, action)) return;
            try
            {
                Run(ctx => devices.ActAsync(request, ctx));
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                ThrowCbError(ex, ErrorIdPrefix + "Failed", Query);
                return;
            }
            WriteVerbose(action + ": sent one request for the " + target + " to " + session.Uri + ".");
            if (PassThru())
            {
                var search = devices.Search(query, 0, null, 1000);
                while (!search.IsComplete)
                    RunStreaming<Device, bool>((ctx, sink) => search.NextPageAsync(sink, ctx), WriteObject);
            }
        }

        private bool PassThru() => PassThruRequested;

        private void Flush(Pending pending, bool moreToCome)
        {
            var ids = pending.Ids.ToArray();
            var names = pending.Names.ToArray();
            pending.Ids.Clear();
            pending.Names.Clear();

            DeviceActionRequest request;
            try
            {
                request = CreateRequest(pending.Session, ids);
            }
            catch (ArgumentException ex)
            {
                ThrowCbError(ex, "InvalidDeviceAction", ids);
                return;
            }
            string action = request.Describe();
            string target = DescribeTarget(ids, names);
            if (!ShouldSend(target, action)) return;

            try
            {
                var devices = Services(pending.Session).Devices;
                Run(ctx => devices.ActAsync(request, ctx));
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                foreach (long id in ids)
                {
                    var record = ErrorMapper.ToRecord(ex, ErrorIdPrefix + "Failed", id);
                    record.ErrorDetails = new ErrorDetails(action + " failed for device " + id.ToString(CultureInfo.InvariantCulture) + ": " + ex.Message)
                    {
                        RecommendedAction = record.ErrorDetails?.RecommendedAction,
                    };
                    WriteError(record);
                }
                return;
            }
            finally
            {
                _requests++;
            }
            _sent += ids.Length;
            WriteVerbose(action + ": sent " + ids.Length.ToString("N0", CultureInfo.InvariantCulture) + " device id(s) in one request to " + pending.Session.Uri + ".");
            if (moreToCome || _progressShown)
            {
                _progressShown = true;
                WriteProgress(new ProgressRecord(ProgressId, ActivityName,
                    action + ": " + _sent.ToString("N0", CultureInfo.InvariantCulture) + " devices sent in " + _requests.ToString("N0", CultureInfo.InvariantCulture) + " request(s)"));
            }
            if (PassThruRequested) ReadBack(pending.Session, ids);
        }

        private bool ShouldSend(string target, string action) => ShouldProcessOrForce(target, action, Force.IsPresent);

        /// <summary>"device WIN-01 (12)" or "1,000 devices: WIN-01 (12), 13, ... and 990 more".</summary>
        internal static string DescribeTarget(IReadOnlyList<long> ids, IReadOnlyList<string?> names)
        {
            string One(int i) => names[i] != null
                ? names[i] + " (" + ids[i].ToString(CultureInfo.InvariantCulture) + ")"
                : ids[i].ToString(CultureInfo.InvariantCulture);
            if (ids.Count == 1) return "device " + One(0);
            var sb = new StringBuilder();
            sb.Append(ids.Count.ToString("N0", CultureInfo.InvariantCulture)).Append(" devices: ");
            int shown = Math.Min(NamesShown, ids.Count);
            for (int i = 0; i < shown; i++)
            {
                if (i > 0) sb.Append(", ");
                sb.Append(One(i));
            }
            if (ids.Count > shown) sb.Append(" and ").Append((ids.Count - shown).ToString("N0", CultureInfo.InvariantCulture)).Append(" more");
            return sb.ToString();
        }

        private void ReadBack(Session session, long[] ids)
        {
            var devices = Services(session).Devices;
            var calls = new OrderedCalls<long, Device>(this, ReadBackConcurrency, (id, ctx) => devices.GetAsync(id, ctx));
            foreach (long id in ids) calls.Add(id);
            calls.WriteReady(true, (_, d) => WriteObject(d),
                             (id, ex) => WriteCbError(ex, ex is CbObjectNotFoundException ? "DeviceNotFound" : "GetDeviceFailed", id));
        }
    }

    /// <summary>Base of the three ON/OFF actions: the mandatory -Enabled and -PassThru.</summary>
    public abstract class DeviceToggleCmdletBase : DeviceActionCmdletBase
    {
        /// <summary>$true turns the state on, $false turns it off.</summary>
        [Parameter(Mandatory = true)]
        public bool Enabled { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override bool PassThruRequested => PassThru.IsPresent;

        protected abstract DeviceActionType ActionType { get; }

        protected override DeviceActionRequest CreateRequest(Session session, IReadOnlyList<long> deviceIds) =>
            DeviceActionRequest.SetToggle(ActionType, Enabled, deviceIds);
    }
}
