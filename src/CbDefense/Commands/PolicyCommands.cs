using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace CbDefense.Commands
{
    /// <summary>Gets policies: all, by name (wildcards) or by id.</summary>
    [Cmdlet(VerbsCommon.Get, "CbPolicy", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(Policy))]
    public sealed class GetCbPolicyCommand : CbSessionCmdlet
    {
        private const string NameSet = "Name";
        private const string IdSet = "Id";

        [Parameter(ParameterSetName = NameSet, Position = 0)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(PolicyNameCompleter))]
        public string[]? Name { get; set; }

        [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PolicyId")]
        [ValidateRange(1L, long.MaxValue)]
        [ArgumentCompleter(typeof(PolicyIdCompleter))]
        public long[]? Id { get; set; }

        protected override void ProcessRecord()
        {
            var session = GetSession();
            var policies = Services(session).Policies;
            if (ParameterSetName == IdSet)
            {
                foreach (long id in Id!)
                {
                    if (TryRun(ctx => policies.GetAsync(id, ctx), id, "PolicyNotFound", "GetPolicyFailed", out Policy policy))
                        WriteObject(policy);
                }
                return;
            }

            IReadOnlyList<Policy> all;
            var patterns = (Name ?? Array.Empty<string>()).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
            try
            {
                all = Run(ctx => policies.ListAsync(ctx, Name == null ? (Func<string, bool>?)null : n => patterns.Any(w => w.IsMatch(n))));
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                ThrowCbError(ex, "GetPoliciesFailed", Name);
                return;
            }
            if (Name == null)
            {
                WriteObject(all, enumerateCollection: true);
                return;
            }
            foreach (var p in all)
                if (patterns.Any(w => w.IsMatch(p.Name ?? ""))) WriteObject(p);
            for (int i = 0; i < Name.Length; i++)
            {
                if (WildcardPattern.ContainsWildcardCharacters(Name[i]) || all.Any(p => patterns[i].IsMatch(p.Name ?? ""))) continue;
                WriteCbError(new CbObjectNotFoundException("No policy named '" + Name[i] + "' on " + session.Uri + "."), "PolicyNotFound", Name[i]);
            }
        }
    }

    /// <summary>Creates a policy from settings, or as a clone of another policy.</summary>
    [Cmdlet(VerbsCommon.New, "CbPolicy", SupportsShouldProcess = true, DefaultParameterSetName = SettingsSet)]
    [OutputType(typeof(Policy))]
    public sealed class NewCbPolicyCommand : CbSessionCmdlet
    {
        private const string SettingsSet = "Settings";
        private const string CloneSet = "Clone";

        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter]
        [AllowEmptyString]
        public string? Description { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(PolicyPriorityLevelCompleter))]
        public string? PriorityLevel { get; set; }

        [Parameter]
        [Alias("Settings")]
        public object? Policy { get; set; }

        [Parameter(ParameterSetName = CloneSet, Mandatory = true, ValueFromPipeline = true)]
        public Policy? FromPolicy { get; set; }

        protected override void ProcessRecord()
        {
            var session = GetSession();
            var policies = Services(session).Policies;
            IDictionary<string, object?> document;
            try
            {
                if (PriorityLevel != null) PriorityLevel = PolicyValues.NormalizePriorityLevel(PriorityLevel);
                Policy draft;
                if (FromPolicy != null)
                {
                    PolicyInput.Normalize(FromPolicy);
                    draft = PolicyDocument.Draft(FromPolicy, Name);
                }
                else if (Policy != null)
                {
                    draft = policies.EmptyDraft(Name!); // the settings given are the whole of it
                }
                else
                {
                    // No settings and no policy to clone: start from what the console starts from (the org's Standard
                    // policy's settings, else the module's defaults); the verbose stream says which.
                    draft = Run(ctx => policies.NewDraftAsync(Name!, ctx));
                }
                if (Description != null) draft.Description = Description;
                else if (FromPolicy == null) draft.Description = "";
                if (PriorityLevel != null) draft.PriorityLevel = PriorityLevel;
                if (Policy != null) draft = WithSettings(draft, PolicyInput.ToSettings(Policy));
                document = policies.PrepareCreate(draft, CallLog);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is FormatException)
            {
                WriteCbError(ex, "InvalidPolicy", Name);
                return;
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                WriteCbError(ex, "NewPolicyFailed", Name);
                return;
            }
            FlushLog();

            string what = FromPolicy != null ? "Create policy '" + Name + "' as a copy of " + PolicyInput.Describe(FromPolicy) : "Create policy '" + Name + "'";
            if (!ShouldProcess(session.Uri.ToString(), what)) return;
            try
            {
                var created = Run(ctx => policies.CreateAsync(document, ctx));
                PolicyNameCompleter.Invalidate(session);
                WriteObject(created);
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                WriteCbError(ex, "NewPolicyFailed", Name);
            }
        }

        private Policy WithSettings(Policy draft, IDictionary<string, object?> settings)
        {
            var warnings = new List<string>();
            var result = PolicyDocument.WithSettings(draft, settings, warnings);
            if (warnings.Count > 0) WriteWarning("The settings given have fields with no place in the " + result.ApiGeneration + " API's policy; they are not sent: " + string.Join(", ", warnings) + ".");
            return result;
        }
    }

    /// <summary>Saves a policy: a modified policy object from the pipeline, or -Id with the fields to change (PUT of the whole policyInfo).</summary>
    [Cmdlet(VerbsCommon.Set, "CbPolicy", SupportsShouldProcess = true, DefaultParameterSetName = InputSet)]
    [OutputType(typeof(Policy))]
    public sealed class SetCbPolicyCommand : CbSessionCmdlet
    {
        private const string InputSet = "InputObject";
        private const string IdSet = "Id";

        [Parameter(ParameterSetName = InputSet, Mandatory = true, ValueFromPipeline = true)]
        public Policy? InputObject { get; set; }

        [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 0)]
        [Alias("PolicyId")]
        [ValidateRange(1L, long.MaxValue)]
        public long Id { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter]
        [AllowEmptyString]
        public string? Description { get; set; }

        [Parameter]
        [ArgumentCompleter(typeof(PolicyPriorityLevelCompleter))]
        public string? PriorityLevel { get; set; }

        [Parameter]
        [Alias("Settings")]
        public object? Policy { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            if (InputObject != null) PolicyInput.Normalize(InputObject);
            long id = InputObject?.Id ?? Id;
            IDictionary<string, object?>? settings = null;
            var session = GetSession();
            var policies = Services(session).Policies;
            try
            {
                if (InputObject != null && id <= 0)
                    throw new ArgumentException("The policy object has no id: it was never saved. Create it with New-CbPolicy.");
                if (PriorityLevel != null) PriorityLevel = PolicyValues.NormalizePriorityLevel(PriorityLevel);
                if (Policy != null) settings = PolicyInput.ToSettings(Policy);
                if (InputObject != null) policies.PrepareReplace(Apply(InputObject, settings), InputObject, null);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is FormatException)
            {
                WriteCbError(ex, "InvalidPolicy", (object?)InputObject ?? id);
                return;
            }

            string target = InputObject != null ? PolicyInput.Describe(InputObject) : "policy id " + id;
            if (!ShouldProcess(target + " on " + session.Uri, "Save")) return;
            Policy saved;
            try
            {
                // The policy as the server has it now (for a piped object, itself: its edits are what is saved).
                var current = InputObject ?? Run(ctx => policies.GetAsync(id, ctx));
                var document = policies.PrepareReplace(Apply(current, settings), current, CallLog);
                saved = Run(ctx => policies.ReplaceAsync(id, document, ctx));
            }
            catch (CbObjectNotFoundException ex) { WriteCbError(ex, "PolicyNotFound", (object?)InputObject ?? id); return; }
            catch (Exception ex) when (IsReportable(ex)) { WriteCbError(ex, "SetPolicyFailed", (object?)InputObject ?? id); return; }
            PolicyNameCompleter.Invalidate(session);
            if (PassThru) WriteObject(saved);
        }

        private Policy Apply(Policy source, IDictionary<string, object?>? settings)
        {
            var p = source.Clone();
            if (Name != null) p.Name = Name;
            if (Description != null) p.Description = Description;
            if (PriorityLevel != null) p.PriorityLevel = PriorityLevel;
            if (settings != null)
            {
                var warnings = new List<string>();
                p = PolicyDocument.WithSettings(p, settings, warnings);
                if (warnings.Count > 0) WriteWarning("The settings given have fields with no place in the " + p.ApiGeneration + " API's policy; they are not sent: " + string.Join(", ", warnings) + ".");
            }
            return p;
        }
    }

    /// <summary>Deletes policies. System policies are refused before anything is sent.</summary>
    [Cmdlet(VerbsCommon.Remove, "CbPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = IdSet)]
    [OutputType(typeof(void))]
    public sealed class RemoveCbPolicyCommand : CbSessionCmdlet
    {
        private const string InputSet = "InputObject";
        private const string IdSet = "Id";

        [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [Alias("PolicyId")]
        [ValidateRange(1L, long.MaxValue)]
        [ArgumentCompleter(typeof(PolicyIdCompleter))]
        public long[]? Id { get; set; }

        [Parameter(ParameterSetName = InputSet, Mandatory = true, ValueFromPipeline = true)]
        public Policy? InputObject { get; set; }

        protected override void ProcessRecord()
        {
            var session = GetSession();
            if (InputObject != null)
            {
                if (InputObject.SystemPolicy == true) { RefuseSystem(InputObject); return; }
                if (!ShouldProcess(PolicyInput.Describe(InputObject) + " on " + session.Uri, "Remove")) return;
                Delete(session, InputObject.Id, InputObject);
                return;
            }
            foreach (long id in Id!)
            {
                if (!ShouldProcess("policy id " + id + " on " + session.Uri, "Remove")) continue;
                // Read it first: a system policy is refused here with a clear error rather than by the server.
                var policies = Services(session).Policies;
                if (!TryRun(ctx => policies.GetAsync(id, ctx), id, "PolicyNotFound", "RemovePolicyFailed", out Policy current))
                    continue;
                if (current.SystemPolicy == true) { RefuseSystem(current); continue; }
                Delete(session, id, id);
            }
        }

        private void RefuseSystem(Policy p) =>
            WriteError(new ErrorRecord(
                new InvalidOperationException("Cannot remove " + PolicyInput.Describe(p) + ": it is a system policy, which Carbon Black does not allow to be deleted."),
                "SystemPolicyNotRemovable", ErrorCategory.InvalidOperation, p));

        private void Delete(Session session, long id, object target)
        {
            try
            {
                var policies = Services(session).Policies;
                Run(ctx => policies.DeleteAsync(id, ctx));
                PolicyNameCompleter.Invalidate(session);
            }
            catch (CbObjectNotFoundException ex) { WriteCbError(ex, "PolicyNotFound", target); }
            catch (Exception ex) when (IsReportable(ex)) { WriteCbError(ex, "RemovePolicyFailed", target); }
        }
    }
}
