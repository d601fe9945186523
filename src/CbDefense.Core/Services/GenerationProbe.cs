using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Http;

namespace CbDefense.Services
{
    /// <summary>
    /// How an Auto session finds out which API generation the server and key speak: one small device search of the
    /// current API (POST /appservices/v6/orgs/{org_key}/devices/_search with rows 1, a documented read that a Custom key
    /// with device READ may send). A reply (or a 400 about the body) means the route is there for this key: Current.
    /// 401, 403, 404, 405 or 410 mean it is not (no such route, a legacy key type, a wrong org): Legacy. Without an org
    /// key only Legacy is possible. A server error or a network failure is not an answer: it is thrown, and the next
    /// call asks again.
    /// </summary>
    internal static class GenerationProbe
    {
        public static async Task<ApiGeneration> FindAsync(CbClient client, CallContext ctx)
        {
            var session = client.Session;
            if (string.IsNullOrWhiteSpace(session.OrgKey))
            {
                ctx.Log?.Verbose("API generation of " + session.Uri + ": Legacy (the session has no org key, which the current API needs in every route; " +
                                 "connect with -OrgKey, or -ApiGeneration, to choose).");
                return ApiGeneration.Legacy;
            }
            string path = client.OrgPath("/appservices/v6", "devices/_search", "the API generation probe");
            var request = CbRequest.Json(HttpMethod.Post, path, "{\"rows\":1}").AsIdempotent();
            try
            {
                // The reply must be the search's JSON object: a cut-short or foreign body is retried, never taken for an answer.
                var reply = await client.SendForObjectAsync(request, ctx).ConfigureAwait(false);
                if (!reply.ContainsKey("results") && !reply.ContainsKey("num_found"))
                    throw new CbInvalidResponseException("The current API's device search answered without results or num_found [POST " + path + "]")
                    { StatusCode = 200, Method = "POST", RequestUri = path };
            }
            catch (CbApiException ex) when (ex.StatusCode == 400)
            {
                // The route exists and read the request: the current API.
            }
            catch (CbApiException ex) when (ex.StatusCode == 401 || ex.StatusCode == 403 || ex.StatusCode == 404 || ex.StatusCode == 405 || ex.StatusCode == 410)
            {
                ctx.Log?.Verbose("API generation of " + session.Uri + ": Legacy (the current API's device search answered " + ex.StatusCode +
                                 " for this key; connect with -ApiGeneration Current to use it anyway).");
                return ApiGeneration.Legacy;
            }
            ctx.Log?.Verbose("API generation of " + session.Uri + ": Current (the current API's device search answered this key).");
            return ApiGeneration.Current;
        }
    }
}
