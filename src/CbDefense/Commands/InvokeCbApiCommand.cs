using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net.Http;

namespace CbDefense.Commands
{
    /// <summary>Raw access to any route of the API, through the session's pipeline (auth, throttle gate, retries, errors).</summary>
    [Cmdlet(VerbsLifecycle.Invoke, "CbApi", SupportsShouldProcess = true)]
    [OutputType(typeof(PSObject), typeof(string))]
    public sealed class InvokeCbApiCommand : CbSessionCmdlet
    {
        [Parameter]
        [ValidateSet("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", IgnoreCase = true)]
        public string Method { get; set; } = "GET";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        [Parameter]
        public IDictionary? Query { get; set; }

        [Parameter(ValueFromPipeline = true)]
        public object? Body { get; set; }

        [Parameter]
        public SwitchParameter Raw { get; set; }

        [Parameter]
        public IDictionary? ExpectedResponse { get; set; }

        protected override void ProcessRecord()
        {
            var session = GetSession();
            string path = Path!.StartsWith("/", StringComparison.Ordinal) ? Path : "/" + Path;
            // The path as shown anywhere (confirmation, error target): a path that holds the secret never shows it.
            string shown = session.Redactor.Redact(path);
            var method = new HttpMethod(Method.ToUpperInvariant());
            // Reads go straight through; anything that may change the server honours -WhatIf and -Confirm.
            bool read = method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options;
            if (!read && !ShouldProcess(session.Uri + shown, method.Method)) return;
            ApiResponse response;
            try
            {
                Dictionary<string, object?>? query = null;
                if (Query != null) query = (Dictionary<string, object?>?)PSObjectConverter.ToPlain(Query);
                object? body = Body switch
                {
                    null => null,
                    string s => new RawJson(s),
                    PSObject p when p.BaseObject is string s2 => new RawJson(s2),
                    _ => PSObjectConverter.ToPlain(Body),
                };
                response = Run(ctx => session.GetClient().SendAsync(method, path, query, body, ctx));
                if (ExpectedResponse != null)
                    CbClient.EnsureExpected(response, (IDictionary<string, object?>)PSObjectConverter.ToPlain(ExpectedResponse)!);
            }
            catch (Exception ex) when (IsReportable(ex))
            {
                WriteCbError(ex, "InvokeCbApiFailed", shown);
                return;
            }

            if (Raw)
            {
                if (response.Text != null) WriteObject(response.Text);
                return;
            }
            if (response.StatusCode == 204 || string.IsNullOrEmpty(response.Text)) return;
            WriteObject(PSObjectConverter.ToPSObject(response.Json), enumerateCollection: true);
        }
    }
}
