using System;
using System.Threading.Tasks;
using CbDefense.Search;

namespace CbDefense.Services.Legacy
{
    /// <summary>
    /// The v3 audit log queue: GET /integrationServices/v3/auditlogs (cbapi get_auditlogs, an API key), read once: the
    /// server removes what it returns. A reply says nothing of what is left, so a full one (<see cref="AuditLogReply.FullReply"/>)
    /// is taken to mean more may be queued and <see cref="AuditLogQueueReader"/> reads again; a short or empty one drained
    /// the queue. The v3 API has no audit log search.
    /// </summary>
    internal sealed class LegacyAuditLogService : IAuditLogService
    {
        internal const string AuditLogPath = "/integrationServices/v3/auditlogs";
        private readonly CbClient _client;

        public LegacyAuditLogService(CbClient client) { _client = client; }

        public async Task<AuditLogQueueRead> ReadQueueAsync(CallContext ctx)
        {
            var (records, _) = await AuditLogReply.ReadQueueAsync(_client, AuditLogPath, ctx).ConfigureAwait(false);
            return new AuditLogQueueRead(records, null, AuditLogReply.WasFull(records.Count));
        }

        public PagedSearch<AuditLog> Search(AuditLogQuery query, long skip, long? first, int pageSize)
        {
            var names = query?.ParameterNames() ?? Array.Empty<string>();
            throw new InvalidOperationException(
                "The audit log search" + (names.Count > 0 ? " (" + string.Join(", ", names) + ")" : "") + " needs the current API's audit log v1 " +
                "(POST /audit_log/v1/orgs/{org_key}/logs/_search), and the session " + _client.Session.BaseUrl + " speaks the legacy v3 API, whose " +
                "audit log is only the read-once queue. Connect with -ApiGeneration Current, a Custom key (org.audits READ) and -OrgKey, then run the " +
                "same Get-CbAuditLog command; or run Get-CbAuditLog without search parameters to read the v3 queue. Nothing was sent.");
        }
    }
}
