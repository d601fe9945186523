using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace CbDefense.Commands
{
    /// <summary>Writes policies to JSON files that keep every field, for Import-CbPolicy (e.g. into another org).</summary>
    [Cmdlet(VerbsData.Export, "CbPolicy", SupportsShouldProcess = true, DefaultParameterSetName = InputSet)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportCbPolicyCommand : CbSessionCmdlet
    {
        private const string InputSet = "InputObject";
        private const string IdSet = "Id";
        private readonly HashSet<string> _written = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        [Parameter(ParameterSetName = InputSet, Mandatory = true, ValueFromPipeline = true)]
        public Policy? InputObject { get; set; }

        [Parameter(ParameterSetName = IdSet, Mandatory = true)]
        [Alias("PolicyId")]
        [ValidateRange(1L, long.MaxValue)]
        [ArgumentCompleter(typeof(PolicyIdCompleter))]
        public long[]? Id { get; set; }

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        public SwitchParameter NoClobber { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            if (InputObject != null)
            {
                Export(PolicyInput.Normalize(InputObject));
                return;
            }
            var session = GetSession();
            var policies = Services(session).Policies;
            foreach (long id in Id!)
            {
                if (TryRun(ctx => policies.GetAsync(id, ctx), id, "PolicyNotFound", "ExportPolicyFailed", out Policy p))
                    Export(p);
            }
        }

        private void Export(Policy policy)
        {
            string file;
            try
            {
                string path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
                file = Directory.Exists(path) ? System.IO.Path.Combine(path, FileNameOf(policy)) : path;
                if (!_written.Add(file))
                    throw new ArgumentException("More than one policy would be written to '" + file + "'. Give a folder as -Path to write one file per policy.");
                if (NoClobber && File.Exists(file))
                    throw new IOException("The file '" + file + "' already exists (-NoClobber).");
            }
            catch (Exception ex) when (ex is ArgumentException || ex is IOException || ex is NotSupportedException)
            {
                WriteError(new ErrorRecord(ex, "ExportPolicyPathInvalid", ex is IOException ? ErrorCategory.ResourceExists : ErrorCategory.InvalidArgument, Path));
                return;
            }
            if (!ShouldProcess(file, "Export " + PolicyInput.Describe(policy))) return;
            try
            {
                PolicyDocument.Save(policy, file);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, "ExportPolicyWriteFailed", ErrorCategory.WriteError, file));
                return;
            }
            if (PassThru) WriteObject(new FileInfo(file));
        }

        private static string FileNameOf(Policy p)
        {
            var invalid = System.IO.Path.GetInvalidFileNameChars().Concat(new[] { '/', '\\', ':', '*', '?', '"', '<', '>', '|' }).ToArray();
            string name = new string((p.Name ?? "policy").Select(c => invalid.Contains(c) ? '_' : c).ToArray()).Trim();
            return (name.Length == 0 ? "policy" : name) + "." + p.Id + ".json";
        }
    }

    /// <summary>Creates a policy from an Export-CbPolicy file, or with -Update -Id replaces an existing one.</summary>
    [Cmdlet(VerbsData.Import, "CbPolicy", SupportsShouldProcess = true, DefaultParameterSetName = CreateSet)]
    [OutputType(typeof(Policy))]
    public sealed class ImportCbPolicyCommand : CbSessionCmdlet
    {
        private const string CreateSet = "Create";
        private const string UpdateSet = "Update";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "LiteralPath")]
        [ValidateNotNullOrEmpty]
        public string[]? Path { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter(ParameterSetName = UpdateSet, Mandatory = true)]
        public SwitchParameter Update { get; set; }

        [Parameter(ParameterSetName = UpdateSet, Mandatory = true)]
        [Alias("PolicyId")]
        [ValidateRange(1L, long.MaxValue)]
        public long Id { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var p in Path!)
            {
                string file;
                Policy doc;
                try
                {
                    file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(p);
                    if (!File.Exists(file)) throw new FileNotFoundException("The policy file '" + file + "' does not exist.", file);
                    doc = PolicyDocument.Load(file);
                }
                catch (FileNotFoundException ex) { WriteError(new ErrorRecord(ex, "PolicyFileNotFound", ErrorCategory.ObjectNotFound, p)); continue; }
                catch (Exception ex) when (ex is ArgumentException || ex is FormatException || ex is IOException || ex is NotSupportedException)
                {
                    WriteError(new ErrorRecord(ex, "InvalidPolicyFile", ErrorCategory.InvalidData, p));
                    continue;
                }

                var session = GetSession();
                var policies = Services(session).Policies;
                var draft = PolicyDocument.Draft(doc, Name);
                IDictionary<string, object?> create;
                try
                {
                    // Check the file before anything is sent: converted to the session's generation when it is of the other
                    // one (a v3 export into a Current org), with a warning naming what has no place there. An update is
                    // checked again once merged with the target.
                    create = policies.PrepareCreate(draft, CallLog);
                }
                catch (Exception ex) when (ex is ArgumentException || ex is FormatException)
                {
                    FlushLog();
                    WriteError(new ErrorRecord(ex, "InvalidPolicyFile", ErrorCategory.InvalidData, p));
                    continue;
                }
                FlushLog();
                string name = draft.Name ?? "";
                if (Update)
                {
                    if (!ShouldProcess("policy id " + Id + " on " + session.Uri, "Replace with '" + name + "' from " + file)) continue;
                    try
                    {
                        var target = Run(ctx => policies.GetAsync(Id, ctx));
                        var replace = policies.PrepareReplace(draft, target, null);
                        WriteObject(Run(ctx => policies.ReplaceAsync(Id, replace, ctx)));
                    }
                    catch (CbObjectNotFoundException ex) { WriteCbError(ex, "PolicyNotFound", Id); }
                    catch (Exception ex) when (IsReportable(ex)) { WriteCbError(ex, "ImportPolicyFailed", file); }
                }
                else
                {
                    if (!ShouldProcess(session.Uri.ToString(), "Create policy '" + name + "' from " + file)) continue;
                    try
                    {
                        WriteObject(Run(ctx => policies.CreateAsync(create, ctx)));
                    }
                    catch (Exception ex) when (IsReportable(ex)) { WriteCbError(ex, "ImportPolicyFailed", file); }
                }
                PolicyNameCompleter.Invalidate(session);
            }
        }
    }
}
