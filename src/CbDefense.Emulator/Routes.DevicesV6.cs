using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace CbDefense.Emulator;

/// <summary>Devices v6 (current generation): <c>_search</c>, <c>_scroll</c> and <c>GET devices/{id}</c>.</summary>
internal static partial class Routes
{
    /// <summary>The v6 search window: rows beyond the first 10,000 hits are only reachable through _scroll.</summary>
    internal const int SearchWindow = 10_000;

    private const int DefaultV6Rows = 20;

    private static readonly string[] SearchBodyKeys = { "criteria", "exclusions", "query", "sort", "rows", "start" };
    private static readonly string[] ScrollBodyKeys = { "criteria", "exclusions", "query", "sort", "rows", "search_after" };

    private static Task SearchFailed(HttpContext ctx, SearchError e) => JsonOut.Send(ctx, e.Status, w =>
    {
        w.WriteStartObject();
        w.WriteString("error_code", e.Code);
        w.WriteString("message", e.Message);
        if (e.Reason != null)
        {
            w.WriteString("reason", e.Reason);
        }
        if (e.Field != null)
        {
            w.WriteString("field", e.Field);
            JsonOut.StringOrNull(w, "invalid_value", e.InvalidValue);
            JsonOut.StringArray(w, "known_values", e.KnownValues ?? Array.Empty<string>());
        }
        w.WriteEndObject();
    });

    /// <summary>Parses the body of _search or _scroll: a JSON object whose keys are all known.</summary>
    private static SearchError? SearchBody(HttpContext ctx, string[] keys, string route, out JsonElement root)
    {
        string? err = ParseJson(Body(ctx), out root);
        if (err != null)
        {
            return SearchError.Arg(err);
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            return SearchError.Arg("The request body must be a JSON object {\"criteria\": {...}, \"query\": \"...\", \"rows\": n, ...}");
        }
        foreach (var p in root.EnumerateObject())
        {
            if (Array.IndexOf(keys, p.Name) < 0)
            {
                return SearchError.Arg("'" + p.Name + "' is not a valid field of a " + route + " request; valid fields: " + string.Join(", ", keys));
            }
        }
        return null;
    }

    private static SearchError? BodyInt(JsonElement root, string name, int def, out int value)
    {
        value = def;
        if (!root.TryGetProperty(name, out var el) || el.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (el.ValueKind != JsonValueKind.Number || !el.TryGetInt32(out value) || value < 0)
        {
            value = def;
            return SearchError.Arg(name + " must be a non-negative integer (got " + el.GetRawText() + ")");
        }
        return null;
    }

    private static async Task StreamDevicesV6(HttpContext ctx, List<Device> page, Action<Utf8JsonWriter> head, Action<Utf8JsonWriter> tail)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        PipeWriter pipe = ctx.Response.BodyWriter;
        using var w = new Utf8JsonWriter(pipe, JsonOut.WriterOptions);
        head(w);
        for (int i = 0; i < page.Count; i++)
        {
            JsonOut.WriteDeviceV6(w, page[i]);
            if ((i & 63) == 63)
            {
                w.Flush();
                var r = await pipe.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
                if (r.IsCanceled || r.IsCompleted)
                {
                    return;
                }
            }
        }
        tail(w);
        w.Flush();
        await pipe.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
    }

    private static Task SearchDevicesV6(HttpContext ctx, EmulatorState s)
    {
        int rows = DefaultV6Rows, start = 1;
        DeviceSearch search = null!;
        Comparison<Device>? order = null;
        var err = SearchBody(ctx, SearchBodyKeys, "devices/_search", out var root);
        err ??= BodyInt(root, "rows", DefaultV6Rows, out rows);
        err ??= BodyInt(root, "start", 1, out start);
        err ??= DeviceSearch.Parse(root, "", EmulatorState.NowMs, out search);
        err ??= DeviceSearch.ParseSort(root.TryGetProperty("sort", out var sortEl) ? sortEl : default, out order);
        if (err != null)
        {
            return SearchFailed(ctx, err);
        }
        start = Math.Max(1, start); // start is 1-based; 0 means the first row too
        long last = (long)start + rows - 1;
        if (last > SearchWindow)
        {
            return SearchFailed(ctx, SearchError.Arg("The search window is limited to the first 10,000 results, but start + rows - 1 = "
                + last.ToString(CultureInfo.InvariantCulture) + "; use POST /appservices/v6/orgs/{org_key}/devices/_scroll with search_after to read more"));
        }
        var page = new List<Device>(Math.Min(rows, 1024));
        int total;
        List<Device>? matches = null;
        lock (s.Lock)
        {
            var all = s.Devices;
            if (order != null)
            {
                matches = search.MatchesAll ? new List<Device>(all) : new List<Device>();
                if (!search.MatchesAll)
                {
                    foreach (var d in all)
                    {
                        if (search.Matches(d))
                        {
                            matches.Add(d);
                        }
                    }
                }
                total = matches.Count;
            }
            else if (search.MatchesAll)
            {
                total = all.Count;
                for (int i = start - 1; i < total && page.Count < rows; i++)
                {
                    page.Add(all[i]);
                }
            }
            else
            {
                total = 0;
                int from = start - 1;
                foreach (var d in all)
                {
                    if (search.Matches(d))
                    {
                        if (total >= from && page.Count < rows)
                        {
                            page.Add(d);
                        }
                        total++;
                    }
                }
            }
        }
        if (matches != null)
        {
            // Devices are copy-on-write, so the snapshot sorts outside the lock.
            matches.Sort(order!);
            for (int i = start - 1; i < matches.Count && page.Count < rows; i++)
            {
                page.Add(matches[i]);
            }
        }
        return StreamDevicesV6(ctx, page,
            w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("results");
            },
            w =>
            {
                w.WriteEndArray();
                w.WriteNumber("num_found", total);
                w.WriteEndObject();
            });
    }

    private const string ScrollTokenPrefix = "emu-scroll:";

    /// <summary>The search_after token: the last device id served, so it stays valid while devices come and go.</summary>
    internal static string ScrollToken(long lastId) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(ScrollTokenPrefix + lastId.ToString(CultureInfo.InvariantCulture))).TrimEnd('=');

    internal static bool TryScrollToken(string token, out long lastId)
    {
        lastId = 0;
        string b64 = token.Trim();
        b64 += new string('=', (4 - b64.Length % 4) % 4);
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(b64);
        }
        catch (FormatException)
        {
            return false;
        }
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (ArgumentException)
        {
            return false;
        }
        return text.StartsWith(ScrollTokenPrefix, StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(ScrollTokenPrefix.Length), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out lastId);
    }

    private static Task ScrollDevicesV6(HttpContext ctx, EmulatorState s)
    {
        int rows = DefaultV6Rows;
        DeviceSearch search = null!;
        var err = SearchBody(ctx, ScrollBodyKeys, "devices/_scroll", out var root);
        err ??= BodyInt(root, "rows", DefaultV6Rows, out rows);
        err ??= DeviceSearch.Parse(root, "", EmulatorState.NowMs, out search);
        // sort is validated but not honoured: a scroll always walks the devices in id order.
        err ??= DeviceSearch.ParseSort(root.TryGetProperty("sort", out var sortEl) ? sortEl : default, out _);
        if (err != null)
        {
            return SearchFailed(ctx, err);
        }
        if (rows < 1 || rows > SearchWindow)
        {
            return SearchFailed(ctx, SearchError.Arg("rows must be between 1 and 10,000 for _scroll (got " + rows.ToString(CultureInfo.InvariantCulture) + ")"));
        }
        long? after = null;
        bool finished = false;
        if (root.TryGetProperty("search_after", out var sa) && sa.ValueKind != JsonValueKind.Null)
        {
            if (sa.ValueKind != JsonValueKind.String)
            {
                return SearchFailed(ctx, SearchError.Arg("search_after must be the string the previous _scroll reply returned (got " + sa.GetRawText() + ")"));
            }
            string token = sa.GetString()!;
            if (token.Length == 0)
            {
                finished = true; // the previous reply was the last page: nothing remains
            }
            else if (TryScrollToken(token, out long id))
            {
                after = id;
            }
            else
            {
                return SearchFailed(ctx, SearchError.Arg("search_after '" + token + "' is not a value this server returned; omit it on the first _scroll call, then send the previous reply's search_after"));
            }
        }
        var page = new List<Device>(Math.Min(rows, 1024));
        int total = 0;
        int remaining = 0;
        lock (s.Lock)
        {
            var all = s.Devices;
            int from = finished ? all.Count : after is long a ? s.IndexAfter(a) : 0;
            if (search.MatchesAll)
            {
                total = all.Count;
                for (int i = from; i < all.Count && page.Count < rows; i++)
                {
                    page.Add(all[i]);
                }
                remaining = all.Count - from - page.Count;
            }
            else
            {
                for (int i = 0; i < all.Count; i++)
                {
                    var d = all[i];
                    if (!search.Matches(d))
                    {
                        continue;
                    }
                    total++;
                    if (i >= from)
                    {
                        if (page.Count < rows)
                        {
                            page.Add(d);
                        }
                        else
                        {
                            remaining++;
                        }
                    }
                }
            }
        }
        string next = remaining > 0 && page.Count > 0 ? ScrollToken(page[^1].DeviceId) : "";
        string org = s.Options.OrgKey;
        return StreamDevicesV6(ctx, page,
            w =>
            {
                w.WriteStartObject();
                w.WriteString("org_key", org);
                w.WriteNumber("num_found", total);
                w.WriteString("search_after", next);
                w.WriteStartArray("results");
            },
            w =>
            {
                w.WriteEndArray();
                w.WriteEndObject();
            });
    }

    private static Task GetDeviceV6(HttpContext ctx, EmulatorState s)
    {
        if (!TryId(ctx, "id", out long id))
        {
            return BadArg(ctx, "Invalid device id '" + RouteString(ctx, "id") + "': expected a number");
        }
        Device? d;
        lock (s.Lock)
        {
            s.DeviceById.TryGetValue(id, out d);
        }
        return d == null
            ? JsonOut.V6Error(ctx, 404, "NOT_FOUND", "Device " + id.ToString(CultureInfo.InvariantCulture) + " not found")
            : JsonOut.Send(ctx, 200, w => JsonOut.WriteDeviceV6(w, d));
    }
}
