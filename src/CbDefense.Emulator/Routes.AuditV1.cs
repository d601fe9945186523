using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CbDefense.Emulator;

/// <summary>Audit log v1 (<c>/audit_log/v1/orgs/{org_key}/logs/_queue</c> and <c>_search</c>) over the audit records
/// the v3 queue serves too.</summary>
internal static partial class Routes
{
    internal const string AuditV1 = "/audit_log/v1/orgs/{org_key}/logs";

    /// <summary>Most records one read of a queue returns (the v3 queue's cap too).</summary>
    internal const int AuditQueueMax = 1_000;

    internal const int DefaultAuditRows = 100;

    private static readonly string[] AuditSearchKeys = { "criteria", "exclusions", "query", "rows", "start", "sort", "search_after" };

    private static void MapAuditV1(WebApplication app, EmulatorState s)
    {
        app.MapGet(AuditV1 + "/_queue", ctx => AuditQueueV1(ctx, s));
        app.MapPost(AuditV1 + "/_search", ctx => AuditSearchV1(ctx, s));
    }

    private static void WriteAuditV1(Utf8JsonWriter w, AuditRecord r, string org)
    {
        w.WriteStartObject();
        w.WriteString("org_key", org);
        w.WriteString("actor_ip", r.ActorIp);
        w.WriteString("actor", r.Actor);
        JsonOut.StringOrNull(w, "request_url", r.RequestUrl);
        w.WriteString("description", r.Description);
        w.WriteBoolean("flagged", r.Flagged);
        w.WriteBoolean("verbose", r.Verbose);
        JsonOut.IsoTime(w, "create_time", r.Time);
        w.WriteEndObject();
    }

    private static Task AuditQueueV1(HttpContext ctx, EmulatorState s)
    {
        List<AuditRecord> items;
        int pending;
        string keyId = Key(ctx)?.Id ?? "";
        lock (s.Lock)
        {
            items = s.ReadAuditQueue(keyId, AuditQueueMax, out pending);
        }
        string org = s.Options.OrgKey;
        return JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("num_found", pending);
            w.WriteNumber("num_available", items.Count);
            w.WriteStartArray("results");
            foreach (var r in items)
            {
                WriteAuditV1(w, r, org);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    // ------------------------------------------------------------------ search

    internal static readonly FieldTable<AuditRecord> AuditQueryFields = new FieldTable<AuditRecord>()
        .Add("actor", r => r.Actor)
        .Add("actor_ip", r => r.ActorIp)
        .Add("description", r => r.Description)
        .Add("request_url", r => r.RequestUrl)
        .Add("flagged", r => r.Flagged ? "true" : "false")
        .Add("verbose", r => r.Verbose ? "true" : "false")
        .BareTerms("description", "actor", "actor_ip");

    private static readonly string[] AuditStringKeys = { "actor", "actor_ip", "description", "request_url" };
    private static readonly string[] AuditCriteriaKeys = { "actor", "actor_ip", "create_time", "description", "flagged", "request_url", "verbose" };
    internal static readonly string[] AuditSortFields = { "actor", "actor_ip", "create_time", "description", "flagged", "request_url", "verbose" };

    private static string? AuditString(AuditRecord r, string key) => key switch
    {
        "actor" => r.Actor,
        "actor_ip" => r.ActorIp,
        "description" => r.Description,
        _ => r.RequestUrl,
    };

    private static SearchError? AuditFilters(JsonElement obj, string where, long now, List<Func<AuditRecord, bool>> into)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return SearchError.Arg(where + " must be an object such as {\"actor\": [\"EMUCUST001\"], \"create_time\": {\"range\": \"-1d\"}}");
        }
        foreach (var p in obj.EnumerateObject())
        {
            string name = where + "." + p.Name;
            if (Array.IndexOf(AuditStringKeys, p.Name) >= 0)
            {
                string? err = ReadStringArray(p.Value, name, out var list);
                if (err != null)
                {
                    return SearchError.Arg(err);
                }
                var set = new HashSet<string>(list, StringComparer.OrdinalIgnoreCase);
                string key = p.Name;
                into.Add(r => AuditString(r, key) is string v && set.Contains(v));
                continue;
            }
            switch (p.Name)
            {
                case "flagged":
                case "verbose":
                    if (p.Value.ValueKind != JsonValueKind.True && p.Value.ValueKind != JsonValueKind.False)
                    {
                        return SearchError.Arg(name + " must be true or false (got " + p.Value.GetRawText() + ")");
                    }
                    bool want = p.Value.GetBoolean();
                    if (p.Name == "flagged")
                    {
                        into.Add(r => r.Flagged == want);
                    }
                    else
                    {
                        into.Add(r => r.Verbose == want);
                    }
                    break;
                case "create_time":
                {
                    var err = DeviceSearch.TimeRange(p.Value, name, now, out long from, out long to);
                    if (err != null)
                    {
                        return err;
                    }
                    into.Add(r => r.Time >= from && r.Time <= to);
                    break;
                }
                default:
                    return SearchError.Arg(name + " is not a supported key; supported: " + string.Join(", ", AuditCriteriaKeys));
            }
        }
        return null;
    }

    private static Comparison<AuditRecord> AuditKey(string field, int dir) => field switch
    {
        "create_time" => (a, b) => dir * a.Time.CompareTo(b.Time),
        "flagged" => (a, b) => dir * a.Flagged.CompareTo(b.Flagged),
        "verbose" => (a, b) => dir * a.Verbose.CompareTo(b.Verbose),
        _ => (a, b) =>
        {
            string? x = AuditString(a, field), y = AuditString(b, field);
            if (x == null || y == null)
            {
                return x == null ? (y == null ? 0 : 1) : -1;
            }
            return dir * string.Compare(x, y, StringComparison.OrdinalIgnoreCase);
        },
    };

    /// <summary>sort: absent = create_time descending (newest first). Ties end on the record's sequence (the order
    /// records were made), ascending, so the order is total. <paramref name="signature"/> names it for tokens.</summary>
    private static SearchError? AuditSort(JsonElement el, out Comparison<AuditRecord> comparison, out string signature)
    {
        var err = SortSpec.Parse(el, AuditSortFields, "create_time", out var items);
        if (err != null)
        {
            comparison = null!;
            signature = "";
            return err;
        }
        if (items.Count == 0)
        {
            items.Add(("create_time", -1));
        }
        var sig = new StringBuilder();
        foreach (var (field, dir) in items)
        {
            sig.Append(field).Append(dir > 0 ? "+" : "-").Append(',');
        }
        comparison = SortSpec.Chain<AuditRecord>(items, AuditKey, (a, b) => a.Seq.CompareTo(b.Seq));
        signature = sig.ToString();
        return null;
    }

    private const string AuditTokenPrefix = "emu-audit:";

    private static string AuditToken(string signature, long seq) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(AuditTokenPrefix + signature + ":" + seq.ToString(CultureInfo.InvariantCulture))).TrimEnd('=');

    private static bool TryAuditToken(string token, out string signature, out long seq)
    {
        signature = "";
        seq = 0;
        string b64 = token.Trim();
        b64 += new string('=', (4 - b64.Length % 4) % 4);
        try
        {
            string text = new UTF8Encoding(false, true).GetString(Convert.FromBase64String(b64));
            int colon = text.LastIndexOf(':');
            if (!text.StartsWith(AuditTokenPrefix, StringComparison.Ordinal) || colon <= AuditTokenPrefix.Length - 1)
            {
                return false;
            }
            signature = text[AuditTokenPrefix.Length..colon];
            return long.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out seq);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return false;
        }
    }

    private static Task AuditSearchV1(HttpContext ctx, EmulatorState s)
    {
        int rows = DefaultAuditRows, start = 0;
        long now = EmulatorState.NowMs;
        var tests = new List<Func<AuditRecord, bool>>();
        var excl = new List<Func<AuditRecord, bool>>();
        QueryNode<AuditRecord>? query = null;
        Comparison<AuditRecord> order = null!;
        string signature = "";
        var err = ObjectBody(ctx, AuditSearchKeys, "logs/_search", out var root);
        err ??= BodyInt(root, "rows", DefaultAuditRows, out rows);
        err ??= BodyInt(root, "start", 0, out start);
        if (err == null && root.TryGetProperty("criteria", out var crit) && crit.ValueKind != JsonValueKind.Null)
        {
            err = AuditFilters(crit, "criteria", now, tests);
        }
        if (err == null && root.TryGetProperty("exclusions", out var ex) && ex.ValueKind != JsonValueKind.Null)
        {
            err = AuditFilters(ex, "exclusions", now, excl);
        }
        if (err == null && root.TryGetProperty("query", out var q) && q.ValueKind != JsonValueKind.Null)
        {
            err = q.ValueKind != JsonValueKind.String
                ? SearchError.Arg("query must be a string (got " + q.GetRawText() + ")")
                : QueryParser<AuditRecord>.Parse(q.GetString()!, AuditQueryFields, out query);
        }
        err ??= AuditSort(root.TryGetProperty("sort", out var sortEl) ? sortEl : default, out order, out signature);
        long? afterSeq = null;
        bool finished = false;
        if (err == null && root.TryGetProperty("search_after", out var sa) && sa.ValueKind != JsonValueKind.Null)
        {
            if (sa.ValueKind != JsonValueKind.String)
            {
                err = SearchError.Arg("search_after must be the string the previous _search reply returned (got " + sa.GetRawText() + ")");
            }
            else if (start > 0)
            {
                err = SearchError.Arg("Give start or search_after, not both: search_after continues after the previous page");
            }
            else if (sa.GetString()!.Length == 0)
            {
                finished = true;
            }
            else if (!TryAuditToken(sa.GetString()!, out string sig, out long seq))
            {
                err = SearchError.Arg("search_after '" + sa.GetString() + "' is not a value this server returned");
            }
            else if (sig != signature)
            {
                err = SearchError.Arg("search_after was made for another sort; send the same sort as the request that returned it");
            }
            else
            {
                afterSeq = seq;
            }
        }
        if (err == null && rows > SearchWindow)
        {
            err = SearchError.Arg("rows must be at most 10,000 (got " + rows.ToString(CultureInfo.InvariantCulture) + ")");
        }
        if (err == null && afterSeq == null && !finished && (long)start + rows > SearchWindow)
        {
            err = SearchError.Arg("The search window is limited to the first 10,000 results, but start + rows = "
                + ((long)start + rows).ToString(CultureInfo.InvariantCulture) + " (start is 0-based); use search_after to read more");
        }
        if (err != null)
        {
            return SearchFailed(ctx, err);
        }
        var matches = new List<AuditRecord>();
        AuditRecord? after = null;
        lock (s.Lock)
        {
            foreach (var r in s.AuditLog)
            {
                bool ok = query == null || query.Matches(r);
                foreach (var t in tests)
                {
                    ok = ok && t(r);
                }
                foreach (var x in excl)
                {
                    ok = ok && !x(r);
                }
                if (ok)
                {
                    matches.Add(r);
                }
            }
            if (afterSeq is long aseq)
            {
                int i = s.AuditIndexOf(aseq);
                after = i < s.AuditLog.Count && s.AuditLog[i].Seq == aseq ? s.AuditLog[i] : null;
            }
        }
        if (afterSeq != null && after == null)
        {
            return SearchFailed(ctx, SearchError.Arg("search_after names a record that is no longer kept; start the search again"));
        }
        matches.Sort(order); // records never change: the snapshot sorts outside the lock
        int total = matches.Count;
        int from = finished ? total : Math.Min(start, total);
        if (after != null)
        {
            int lo = 0, hi = total;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (order(matches[mid], after) <= 0)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }
            from = lo;
        }
        var page = matches.GetRange(from, Math.Min(rows, total - from));
        string next = page.Count > 0 && from + page.Count < total ? AuditToken(signature, page[^1].Seq) : "";
        string org = s.Options.OrgKey;
        return StreamItems(ctx, page,
            w =>
            {
                w.WriteStartObject();
                w.WriteNumber("num_found", total);
                w.WriteNumber("num_available", Math.Min(total, SearchWindow));
                w.WriteStartArray("results");
            },
            (w, r) => WriteAuditV1(w, r, org),
            w =>
            {
                w.WriteEndArray();
                w.WriteString("search_after", next);
                w.WriteEndObject();
            });
    }
}
