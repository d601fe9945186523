using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace CbDefense.Commands
{
    /// <summary>
    /// Base of every CbDefense cmdlet: cancellation (Ctrl+C cancels in-flight requests and waits at once),
    /// running Core's async calls while writing their verbose/debug/warning messages on the pipeline thread,
    /// and turning Core's exceptions into ErrorRecords.
    /// </summary>
    public abstract class CbCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _cts = new CancellationTokenSource();
        private PipelineLog? _log;

        protected CancellationToken CancellationToken => _cts.Token;

        protected override void StopProcessing() => _cts.Cancel();

        public void Dispose()
        {
            _cts.Dispose();
            _log?.Signal.Dispose();
            GC.SuppressFinalize(this);
        }

        private PipelineLog Log
        {
            get
            {
                if (_log == null)
                {
                    bool debug = MyInvocation.BoundParameters.ContainsKey("Debug")
                        || !Equals(GetVariableValue("DebugPreference"), ActionPreference.SilentlyContinue);
                    _log = new PipelineLog(debug);
                }
                return _log;
            }
        }

        /// <summary>Runs a Core call to completion on the pipeline thread, writing its messages as they come.</summary>
        protected T Run<T>(Func<CallContext, Task<T>> call) => Await(Start(call));

        /// <summary>
        /// Starts a Core call without waiting for it (e.g. to fetch the next page while this one is written);
        /// finish it with <see cref="Await{T}"/>. Ctrl+C cancels it like any other call.
        /// </summary>
        protected Task<T> Start<T>(Func<CallContext, Task<T>> call)
        {
            var log = Log;
            try
            {
                return call(new CallContext(_cts.Token, log));
            }
            finally
            {
                Drain(log);
            }
        }

        /// <summary>Waits for a started call on the pipeline thread, writing its messages as they come.</summary>
        protected T Await<T>(Task<T> task)
        {
            var log = Log;
            var handles = new WaitHandle[] { ((IAsyncResult)task).AsyncWaitHandle, log.Signal };
            while (!task.IsCompleted)
            {
                WaitHandle.WaitAny(handles);
                Drain(log);
            }
            Drain(log);
            if (task.IsCanceled || (task.IsFaulted && task.Exception!.InnerException is OperationCanceledException && _cts.IsCancellationRequested))
                throw new PipelineStoppedException();
            return task.GetAwaiter().GetResult();
        }

        /// <summary>Cancels the calls this cmdlet still has in flight (a prefetch the pipeline no longer wants).</summary>
        protected void CancelPending() => _cts.Cancel();

        protected void Run(Func<CallContext, Task> call) => Run(async ctx => { await call(ctx).ConfigureAwait(false); return true; });

        private void Drain(PipelineLog log)
        {
            while (log.TryDequeue(out var item))
            {
                switch (item.Kind)
                {
                    case PipelineLog.Kind.Verbose: WriteVerbose(item.Text); break;
                    case PipelineLog.Kind.Debug: WriteDebug(item.Text); break;
                    case PipelineLog.Kind.Warning: WriteWarning(item.Text); break;
                }
            }
        }

        /// <summary>
        /// Runs a call for one item of several. On failure writes one error for that item (<paramref name="notFoundErrorId"/>
        /// for a 404, <paramref name="failedErrorId"/> otherwise) and returns false, so the other items go on.
        /// </summary>
        protected bool TryRun<T>(Func<CallContext, Task<T>> call, object? target, string notFoundErrorId, string failedErrorId, out T result)
        {
            try
            {
                result = Run(call);
                return true;
            }
            catch (CbObjectNotFoundException ex)
            {
                WriteCbError(ex, notFoundErrorId, target);
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                WriteCbError(ex, failedErrorId, target);
            }
            result = default!;
            return false;
        }

        /// <summary>A non-terminating error for one item: the other items go on.</summary>
        protected void WriteCbError(Exception ex, string errorId, object? target) => WriteError(ErrorMapper.ToRecord(ex, errorId, target));

        /// <summary>A terminating error: the command cannot go on at all.</summary>
        protected void ThrowCbError(Exception ex, string errorId, object? target) => ThrowTerminatingError(ErrorMapper.ToRecord(ex, errorId, target));

        /// <summary>True for the failures of Core a cmdlet reports as an ErrorRecord (never pipeline stops).</summary>
        protected static bool IsReportable(Exception ex) =>
            ex is CbApiException || ex is ArgumentException || ex is FormatException || ex is InvalidOperationException;
    }

    /// <summary>Base of the cmdlets that talk to a server: the -Session parameter and the default session.</summary>
    public abstract class CbSessionCmdlet : CbCmdlet
    {
        /// <summary>
        /// The session to use. Objects from the pipeline bind their own Session by property name, so each goes
        /// back to the server it came from; otherwise the default session (the last Connect-CbDefense) is used.
        /// </summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public Session? Session { get; set; }

        protected Session GetSession()
        {
            var session = Session ?? SessionRegistry.Default;
            if (session == null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("There is no CB Defense session. Run Connect-CbDefense first, or pass -Session."),
                    "NoSession", ErrorCategory.ConnectionError, null));
            }
            if (session!.IsDisposed)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException($"The session to {session.Uri} was disconnected. Run Connect-CbDefense again."),
                    "SessionDisconnected", ErrorCategory.ConnectionError, session));
            }
            return session;
        }
    }
}
