using System;
using System.Linq;
using System.Management.Automation;

namespace CbDefense.Commands
{
    /// <summary>Gets the rules of a policy.</summary>
    [Cmdlet(VerbsCommon.Get, "CbPolicyRule")]
    [OutputType(typeof(PolicyRule))]
    public sealed class GetCbPolicyRuleCommand : CbSessionCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1L, long.MaxValue)]
        [ArgumentCompleter(typeof(PolicyIdCompleter))]
        public long PolicyId { get; set; }

        [Parameter(Position = 1)]
        [Alias("RuleId")]
        public long[]? Id { get; set; }

        protected override void ProcessRecord()
        {
            var session = GetSession();
            var policies = Services(session).Policies;
            if (!TryRun(ctx => policies.GetAsync(PolicyId, ctx), PolicyId, "PolicyNotFound", "GetPolicyRuleFailed", out Policy policy))
                return;
            if (Id == null)
            {
                WriteObject(policy.Rules, enumerateCollection: true);
                return;
            }
            foreach (long id in Id)
            {
                var rule = policy.Rules.FirstOrDefault(r => r.Id == id);
                if (rule != null) WriteObject(rule);
                else WriteCbError(new CbObjectNotFoundException("Rule " + id + " was not found in " + PolicyInput.Describe(policy) + "."), "PolicyRuleNotFound", id);
            }
        }
    }

    /// <summary>Adds a rule to a policy.</summary>
    [Cmdlet(VerbsCommon.Add, "CbPolicyRule", SupportsShouldProcess = true, DefaultParameterSetName = FieldsSet)]
    [OutputType(typeof(PolicyRule))]
    public sealed class AddCbPolicyRuleCommand : CbSessionCmdlet
    {
        private const string FieldsSet = "Fields";
        private const string RuleSet = "Rule";

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1L, long.MaxValue)]
        [ArgumentCompleter(typeof(PolicyIdCompleter))]
        public long PolicyId { get; set; }

        [Parameter(ParameterSetName = FieldsSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(PolicyOperationCompleter))]
        public string? Operation { get; set; }

        [Parameter(ParameterSetName = FieldsSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(PolicyApplicationTypeCompleter))]
        public string? ApplicationType { get; set; }

        [Parameter(ParameterSetName = FieldsSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(PolicyApplicationValueCompleter))]
        public string? ApplicationValue { get; set; }

        [Parameter(ParameterSetName = FieldsSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(PolicyActionCompleter))]
        public string? Action { get; set; }

        [Parameter(ParameterSetName = FieldsSet, ValueFromPipelineByPropertyName = true)]
        public SwitchParameter Required { get; set; }

        [Parameter(ParameterSetName = RuleSet, Mandatory = true)]
        public object? Rule { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            PolicyRule rule;
            try
            {
                rule = ParameterSetName == RuleSet
                    ? PolicyInput.ToRule(Rule)
                    : new PolicyRule
                    {
                        Operation = Operation, ApplicationType = ApplicationType, ApplicationValue = ApplicationValue,
                        Action = Action, Required = Required.IsPresent,
                    };
                PolicyValues.ValidateRule(rule);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is FormatException)
            {
                WriteCbError(ex, "InvalidPolicyRule", (object?)Rule ?? PolicyId);
                return;
            }
            rule.Id = null;
            var session = GetSession();
            var policies = Services(session).Policies;
            if (!ShouldProcess("policy id " + PolicyId + " on " + session.Uri, "Add rule " + rule)) return;
            long? ruleId;
            try
            {
                ruleId = Run(ctx => policies.AddRuleAsync(PolicyId, rule, ctx));
            }
            catch (CbObjectNotFoundException ex) { WriteCbError(ex, "PolicyNotFound", PolicyId); return; }
            catch (Exception ex) when (IsReportable(ex)) { WriteCbError(ex, "AddPolicyRuleFailed", rule); return; }
            WriteVerbose("Added rule " + (ruleId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(no id in the reply)") + " to policy " + PolicyId + ".");
            if (!PassThru) return;
            try
            {
                var policy = Run(ctx => policies.GetAsync(PolicyId, ctx));
                var added = ruleId.HasValue
                    ? policy.Rules.FirstOrDefault(r => r.Id == ruleId)
                    : policy.Rules.LastOrDefault(r => r.Operation == rule.Operation && r.Action == rule.Action &&
                                                      r.ApplicationType == rule.ApplicationType && r.ApplicationValue == rule.ApplicationValue);
                if (added != null) WriteObject(added);
                else WriteCbError(new CbObjectNotFoundException("The rule was added, but rule " + ruleId + " is not in " + PolicyInput.Describe(policy) + " when read back."), "PolicyRuleNotFound", rule);
            }
            catch (Exception ex) when (IsReportable(ex)) { WriteCbError(ex, "GetPolicyRuleFailed", PolicyId); }
        }
    }

    /// <summary>Replaces a rule of a policy: the given fields change, the others stay; or a whole -Rule; or a modified rule object.</summary>
    [Cmdlet(VerbsCommon.Set, "CbPolicyRule", SupportsShouldProcess = true, DefaultParameterSetName = InputSet)]
    [OutputType(typeof(PolicyRule))]
    public sealed class SetCbPolicyRuleCommand : CbSessionCmdlet
    {
        private const string FieldsSet = "Fields";
        private const string RuleSet = "Rule";
        private const string InputSet = "InputObject";

        // Not bound by property name (see Remove-CbPolicyRule): rule objects come in as -InputObject.
        [Parameter(ParameterSetName = FieldsSet, Mandatory = true)]
        [Parameter(ParameterSetName = RuleSet, Mandatory = true)]
        [ValidateRange(1L, long.MaxValue)]
        [ArgumentCompleter(typeof(PolicyIdCompleter))]
        public long PolicyId { get; set; }

        [Parameter(ParameterSetName = FieldsSet, Mandatory = true)]
        [Parameter(ParameterSetName = RuleSet, Mandatory = true)]
        [Alias("RuleId")]
        public long Id { get; set; }

        [Parameter(ParameterSetName = InputSet, Mandatory = true, ValueFromPipeline = true)]
        public PolicyRule? InputObject { get; set; }

        [Parameter(ParameterSetName = FieldsSet)]
        [Parameter(ParameterSetName = InputSet)]
        [ArgumentCompleter(typeof(PolicyOperationCompleter))]
        public string? Operation { get; set; }

        [Parameter(ParameterSetName = FieldsSet)]
        [Parameter(ParameterSetName = InputSet)]
        [ArgumentCompleter(typeof(PolicyApplicationTypeCompleter))]
        public string? ApplicationType { get; set; }

        [Parameter(ParameterSetName = FieldsSet)]
        [Parameter(ParameterSetName = InputSet)]
        [ArgumentCompleter(typeof(PolicyApplicationValueCompleter))]
        public string? ApplicationValue { get; set; }

        [Parameter(ParameterSetName = FieldsSet)]
        [Parameter(ParameterSetName = InputSet)]
        [ArgumentCompleter(typeof(PolicyActionCompleter))]
        public string? Action { get; set; }

        [Parameter(ParameterSetName = FieldsSet)]
        [Parameter(ParameterSetName = InputSet)]
        public SwitchParameter Required { get; set; }

        [Parameter(ParameterSetName = RuleSet, Mandatory = true)]
        public object? Rule { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>True when the user gives the application (a whole rule, its type or its value): only then must a reputation be a documented one.</summary>
        private bool ChangesApplication =>
            ParameterSetName == RuleSet || MyInvocation.BoundParameters.ContainsKey(nameof(ApplicationType)) ||
            MyInvocation.BoundParameters.ContainsKey(nameof(ApplicationValue));

        protected override void ProcessRecord()
        {
            long policyId = InputObject != null ? InputObject.PolicyId ?? 0 : PolicyId;
            long ruleId = InputObject != null ? InputObject.Id ?? 0 : Id;
            PolicyRule? rule = null;
            try
            {
                if (InputObject != null && (policyId <= 0 || ruleId <= 0))
                    throw new ArgumentException("The rule object has no PolicyId or Id; read it with Get-CbPolicyRule, or pass -PolicyId and -Id.");
                // Check the given fields before anything is read or sent; the merged rule is checked again below.
                NormalizeGivenFields();
                if (ParameterSetName == RuleSet) rule = PolicyInput.ToRule(Rule);
                else if (InputObject != null) rule = Apply(InputObject.Clone());
                if (rule != null) PolicyValues.ValidateRule(rule, ChangesApplication);
            }
            catch (Exception ex) when (ex is ArgumentException || ex is FormatException)
            {
                WriteCbError(ex, "InvalidPolicyRule", (object?)InputObject ?? ruleId);
                return;
            }

            var session = GetSession();
            var policies = Services(session).Policies;
            if (!ShouldProcess("rule " + ruleId + " of policy id " + policyId + " on " + session.Uri, "Replace" + (rule != null ? " with " + rule : ""))) return;
            try
            {
                if (rule == null)
                {
                    var policy = Run(ctx => policies.GetAsync(policyId, ctx));
                    var current = policy.Rules.FirstOrDefault(r => r.Id == ruleId) ??
                                  throw new CbObjectNotFoundException("Rule " + ruleId + " was not found in " + PolicyInput.Describe(policy) + ".");
                    rule = Apply(current.Clone());
                    PolicyValues.ValidateRule(rule, ChangesApplication);
                }
                var toSend = rule;
                Run(ctx => policies.ReplaceRuleAsync(policyId, ruleId, toSend, ctx));
                if (PassThru)
                {
                    var policy = Run(ctx => policies.GetAsync(policyId, ctx));
                    var saved = policy.Rules.FirstOrDefault(r => r.Id == ruleId);
                    if (saved != null) WriteObject(saved);
                }
            }
            catch (CbObjectNotFoundException ex) { WriteCbError(ex, "PolicyRuleNotFound", (object?)InputObject ?? ruleId); }
            catch (Exception ex) when (IsReportable(ex)) { WriteCbError(ex, "SetPolicyRuleFailed", (object?)InputObject ?? ruleId); }
        }

        private void NormalizeGivenFields()
        {
            if (Operation != null) Operation = PolicyValues.NormalizeOperation(Operation);
            if (ApplicationType != null) ApplicationType = PolicyValues.NormalizeApplicationType(ApplicationType);
            if (Action != null) Action = PolicyValues.NormalizeAction(Action);
            if (ApplicationValue != null && ApplicationValue.Length == 0)
                throw new ArgumentException("The application value cannot be empty.");
        }

        private PolicyRule Apply(PolicyRule r)
        {
            if (Operation != null) r.Operation = Operation;
            if (ApplicationType != null) r.ApplicationType = ApplicationType;
            if (ApplicationValue != null) r.ApplicationValue = ApplicationValue;
            if (Action != null) r.Action = Action;
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Required))) r.Required = Required.IsPresent;
            return r;
        }
    }

    /// <summary>Deletes rules from a policy.</summary>
    [Cmdlet(VerbsCommon.Remove, "CbPolicyRule", SupportsShouldProcess = true)]
    [OutputType(typeof(void))]
    public sealed class RemoveCbPolicyRuleCommand : CbSessionCmdlet
    {
        private const string IdSet = "Id";
        private const string InputSet = "InputObject";

        // PolicyId and Id are deliberately not bound by property name: a Policy object has an Id too (its own), and
        // piping a policy here must never delete the rule that happens to have the policy's id. Rules come in as
        // -InputObject; ids are given explicitly.
        [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 0)]
        [ValidateRange(1L, long.MaxValue)]
        [ArgumentCompleter(typeof(PolicyIdCompleter))]
        public long PolicyId { get; set; }

        [Parameter(ParameterSetName = IdSet, Mandatory = true, Position = 1)]
        [Alias("RuleId")]
        [ValidateRange(1L, long.MaxValue)]
        public long[]? Id { get; set; }

        [Parameter(ParameterSetName = InputSet, Mandatory = true, ValueFromPipeline = true)]
        [ValidateNotNull]
        public PolicyRule? InputObject { get; set; }

        protected override void ProcessRecord()
        {
            if (InputObject != null)
            {
                if (InputObject.PolicyId is not long pid || pid <= 0 || InputObject.Id is not long rid || rid <= 0)
                {
                    WriteCbError(new ArgumentException("The rule object has no PolicyId or Id; read it with Get-CbPolicyRule, or pass -PolicyId and -Id."),
                        "InvalidPolicyRule", InputObject);
                    return;
                }
                PolicyId = pid;
                Id = new[] { rid };
            }
            var session = GetSession();
            var policies = Services(session).Policies;
            foreach (long id in Id!)
            {
                if (!ShouldProcess("rule " + id + " of policy id " + PolicyId + " on " + session.Uri, "Remove")) continue;
                try
                {
                    Run(ctx => policies.DeleteRuleAsync(PolicyId, id, ctx));
                }
                catch (CbObjectNotFoundException ex) { WriteCbError(ex, "PolicyRuleNotFound", id); }
                catch (Exception ex) when (IsReportable(ex)) { WriteCbError(ex, "RemovePolicyRuleFailed", id); }
            }
        }
    }
}
