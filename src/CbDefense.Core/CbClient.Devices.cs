using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Tasks;
using CbDefense.Http;
using CbDefense.Json;
using Newtonsoft.Json;

namespace CbDefense
{
    // The v3 device routes. Each API area adds its own partial file (CbClient.<Area>.cs) on the shared plumbing.
    public sealed partial class CbClient
    {
        /// <summary>GET /integrationServices/v3/device?rows=..&amp;start=..&amp;filters (start is 1-based and always sent).</summary>
        public Task<DevicePage> GetDevicePageAsync(DeviceQuery? query, long start, int rows, CallContext? ctx)
        {
            if (start < 1) throw new ArgumentOutOfRangeException(nameof(start), "start is 1-based.");
            if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), "rows must be 1 or more.");
            var q = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (query != null)
                foreach (var kv in query.ToQueryParameters()) q[kv.Key] = kv.Value;
            q["rows"] = rows;
            q["start"] = start;
            string url = BuildPathAndQuery(DevicePath, q);
            return ExecuteAsync(HttpMethod.Get, url, null, ctx ?? CallContext.None, async (resp, info) =>
            {
                var stream = await OpenJsonAsync(resp, info).ConfigureAwait(false);
                List<Device>? devices;
                DeviceJsonReader.Envelope env;
                try
                {
                    devices = DeviceJsonReader.ReadPage(stream, _session, out env);
                }
                catch (JsonException ex)
                {
                    throw await InvalidAsync(resp, info, "truncated or malformed JSON: " + ex.Message, ex).ConfigureAwait(false);
                }
                if (env.HasErrorMessage || env.Success == false)
                    throw ErrorMapper.SuccessFalse(info.Method, info.Path, info.Status, env.ErrorMessage ?? env.Message, null, env.HasErrorMessage);
                var list = (IReadOnlyList<Device>?)devices ?? Array.Empty<Device>();
                return new DevicePage(env.TotalResults ?? list.Count, list, start, rows);
            });
        }

        /// <summary>GET /integrationServices/v3/device/{id}, unwrapping deviceInfo. 404 → CbObjectNotFoundException.</summary>
        public async Task<Device> GetDeviceAsync(long id, CallContext? ctx)
        {
            string url = DevicePath + "/" + id.ToString(CultureInfo.InvariantCulture);
            try
            {
                return await ExecuteAsync(HttpMethod.Get, url, null, ctx ?? CallContext.None, async (resp, info) =>
                {
                    var stream = await OpenJsonAsync(resp, info).ConfigureAwait(false);
                    Device? device;
                    DeviceJsonReader.Envelope env;
                    try
                    {
                        device = DeviceJsonReader.ReadSingle(stream, _session, out env);
                    }
                    catch (JsonException ex)
                    {
                        throw await InvalidAsync(resp, info, "truncated or malformed JSON: " + ex.Message, ex).ConfigureAwait(false);
                    }
                    if (env.HasErrorMessage || env.Success == false)
                        throw ErrorMapper.SuccessFalse(info.Method, info.Path, info.Status, env.ErrorMessage ?? env.Message, null, env.HasErrorMessage);
                    if (device == null)
                        throw new CbObjectNotFoundException("Device " + id.ToString(CultureInfo.InvariantCulture) + " was not found (the reply has no deviceInfo).")
                        { StatusCode = info.Status, Method = info.Method, RequestUri = info.Path };
                    return device;
                }).ConfigureAwait(false);
            }
            catch (CbObjectNotFoundException ex) when (ex.StatusCode == 404)
            {
                throw new CbObjectNotFoundException("Device " + id.ToString(CultureInfo.InvariantCulture) + " was not found: " +
                                                    (ex.ServerMessage ?? "HTTP 404") + " [GET " + url + "]", ex)
                {
                    StatusCode = 404, Method = ex.Method, RequestUri = ex.RequestUri, ServerMessage = ex.ServerMessage,
                    ErrorCode = ex.ErrorCode, ResponseSnippet = ex.ResponseSnippet,
                };
            }
        }

        /// <summary>A pager over a device search (page by page).</summary>
        public DevicePager CreateDevicePager(DeviceQuery? query, long skip = 0, long? first = null,
                                             int pageSize = PagePlanner.DefaultPageSize, int? firstPageSize = null) =>
            new DevicePager(this, query, skip, first, pageSize, firstPageSize);

    }
}
