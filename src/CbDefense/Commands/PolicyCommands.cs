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
            if (ParameterSetName == IdSet)
            {
                foreach (long id in Id!)
                {
                    if (TryRun(ctx => session.GetClient().GetPolicyAsync(id, ctx), id, "PolicyNotFound", "GetPolicyFailed", out Policy policy))
                        WriteObject(policy);
                }
                return;
            }

            IReadOnlyList<Policy> all;
            try
            {
                all = Run(ctx => session.GetClient().GetPoliciesAsync(ctx));
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
            var patterns = Name.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
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
            IDictionary<string, object?> info;
            try
            {
                if (FromPolicy != null)
                {
                    PolicyInput.Normalize(FromPolicy);
                    info = PolicyDocument.ForCreate(FromPolicy, Name);
                    if (Description != null) info["description"] = Description;
                    if (PriorityLevel != null) info["priorityLevel"] = PriorityLevel;
                    if (Policy != null) info["policy"] = PolicyInput.ToSettings(Policy);
                }
                else
                {
                    info = new Dictionary<string, object?>(StringComparer.Ordinal)
                    {
                        ["name"] = Name,
                        ["description"] = Description ?? "",
                        ["priorityLevel"] = PriorityLevel,
                        ["version"] = (long)PolicyValues.PolicyVersion,
                    };
                    if (Policy != null) info["policy"] = PolicyInput.ToSettings(Policy);
                }
                PolicyValues.ValidatePolicyInfo(info);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is FormatException)
            {
                WriteCbError(ex, "InvalidPolicy", Name);
                return;
            }

            var session = GetSession();
            string what = FromPolicy != null ? "Create policy '" + Name + "' as a copy of " + PolicyInput.Describe(FromPolicy) : "Create policy '" + Name + "'";
            if (!ShouldProcess(session.Uri.ToString(), what)) return;
            try
            {
                var created = Run(ctx => session.GetClient().CreatePolicyAsync(info, ctx));
                PolicyNameCompleter.Invalidate(session);
                WriteObject(created);
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                WriteCbError(ex, "NewPolicyFailed", Name);
            }
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
            try
            {
                if (InputObject != null && id <= 0)
                    throw new ArgumentException("The policy object has no id: it was never saved. Create it with New-CbPolicy.");
                if (PriorityLevel != null) PriorityLevel = PolicyValues.NormalizePriorityLevel(PriorityLevel);
                if (Policy != null) settings = PolicyInput.ToSettings(Policy);
                if (InputObject != null) PolicyValues.ValidatePolicyInfo(Apply(InputObject.ToPolicyInfo(), settings));
            }
            catch (Exception ex) when (ex is ArgumentException || ex is FormatException)
            {
                WriteCbError(ex, "InvalidPolicy", (object?)InputObject ?? id);
                return;
            }

            var session = GetSession();
            string target = InputObject != null ? PolicyInput.Describe(InputObject) : "policy id " + id;
            if (!ShouldProcess(target + " on " + session.Uri, "Save")) return;
            Policy saved;
            try
            {
                var current = InputObject ?? Run(ctx => session.GetClient().GetPolicyAsync(id, ctx));
                var info = Apply(current.ToPolicyInfo(), settings);
                saved = Run(ctx => session.GetClient().UpdatePolicyAsync(id, info, ctx));
            }
            catch (CbObjectNotFoundException ex) { WriteCbError(ex, "PolicyNotFound", (object?)InputObject ?? id); return; }
            catch (Exception ex) when (IsReportable(ex)) { WriteCbError(ex, "SetPolicyFailed", (object?)InputObject ?? id); return; }
            PolicyNameCompleter.Invalidate(session);
            if (PassThru) WriteObject(saved);
        }

        private IDictionary<string, object?> Apply(IDictionary<string, object?> info, IDictionary<string, object?>? settings)
        {
            if (Name != null) info["name"] = Name;
            if (Description != null) info["description"] = Description;
            if (PriorityLevel != null) info["priorityLevel"] = PriorityLevel;
            if (settings != null) info["policy"] = settings;
            return info;
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
                if (!TryRun(ctx => session.GetClient().GetPolicyAsync(id, ctx), id, "PolicyNotFound", "RemovePolicyFailed", out Policy current))
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
                Run(ctx => session.GetClient().DeletePolicyAsync(id, ctx));
                PolicyNameCompleter.Invalidate(session);
            }
            catch (CbObjectNotFoundException ex) { WriteCbError(ex, "PolicyNotFound", target); }
            catch (Exception ex) when (IsReportable(ex)) { WriteCbError(ex, "RemovePolicyFailed", target); }
        }
    }
}
