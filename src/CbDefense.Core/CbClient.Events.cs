using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Json;
using Newtonsoft.Json;

namespace CbDefense
{
    // The v3 event routes.
    public sealed partial class CbClient
    {
        public const string EventPath = "/integrationServices/v3/event";

        /// <summary>
        /// GET /integrationServices/v3/event with the query's filters, the time range [startMs, endMs] (inclusive, either
        /// may be null = not sent), rows and 1-based start (always sent).
        /// </summary>
        public Task<EventPage> GetEventPageAsync(EventQuery? query, long? startMs, long? endMs, long start, int rows, CallContext? ctx)
        {
            if (start < 1) throw new ArgumentOutOfRangeException(nameof(start), "start is 1-based.");
            if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), "rows must be 1 or more.");
            var q = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (query != null)
                foreach (var kv in query.ToQueryParameters(startMs, endMs)) q[kv.Key] = kv.Value;
            else
            {
                if (startMs.HasValue) q["startTime"] = FieldReader.IsoMs(startMs.Value);
                if (endMs.HasValue) q["endTime"] = FieldReader.IsoMs(endMs.Value);
            }
            q["rows"] = rows;
            q["start"] = start;
            string url = BuildPathAndQuery(EventPath, q);
            return ExecuteAsync(HttpMethod.Get, url, null, ctx ?? CallContext.None, async (resp, info) =>
            {
                var (events, env) = await ReadListAsync(resp, info, "results", d => Event.Read(d, _session)).ConfigureAwait(false);
                var list = (IReadOnlyList<Event>?)events ?? Array.Empty<Event>();
                return new EventPage(env.TotalResults ?? list.Count, list, start, rows, events == null);
            });
        }

        /// <summary>GET /integrationServices/v3/event/{id}, unwrapping eventInfo. 404 → CbObjectNotFoundException.</summary>
        public async Task<Event> GetEventAsync(string id, CallContext? ctx)
        {
            if (string.IsNullOrWhiteSpace(id)) throw new ArgumentException("An event id is required.", nameof(id));
            string url = EventPath + "/" + Uri.EscapeDataString(id.Trim());
            try
            {
                var r = await SendAsync(HttpMethod.Get, url, null, null, ctx).ConfigureAwait(false);
                if (r.Json is Dictionary<string, object?> d && d.TryGetValue("eventInfo", out var info) && info is Dictionary<string, object?> ev)
                    return Event.Read(ev, _session);
                throw new CbObjectNotFoundException("Event " + id + " was not found (the reply has no eventInfo).")
                { StatusCode = r.StatusCode, Method = r.Method, RequestUri = r.RequestUri };
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw new CbObjectNotFoundException("Event " + id + " was not found: " + (ex.ServerMessage ?? "HTTP 404") + " [GET " + url + "]", ex)
                {
                    StatusCode = 404, Method = ex.Method, RequestUri = ex.RequestUri, ServerMessage = ex.ServerMessage,
                    ErrorCode = ex.ErrorCode, ResponseSnippet = ex.ResponseSnippet,
                };
            }
        }

        /// <summary>A pager over an event search that splits the time range when a query matches more than one query can return.</summary>
        public EventPager CreateEventPager(EventQuery? query, long skip = 0, long? first = null, int pageSize = EventPager.DefaultPageSize) =>
            new EventPager(this, query, skip, first, pageSize);
    }
}
