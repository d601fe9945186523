using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO.Pipelines;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CbDefense.Emulator;

/// <summary>Alerts v7 (<c>/api/alerts/v7/orgs/{org_key}/alerts...</c>) and jobs v1 (<c>/jobs/v1/orgs/{org_key}/jobs...</c>),
/// over the alert state the v6 routes share.</summary>
internal static partial class Routes
{
    internal const string AlertsV7 = "/api/alerts/v7/orgs/{org_key}/alerts";
    internal const string JobsV1 = "/jobs/v1/orgs/{org_key}/jobs";

    /// <summary>rows when a v7 alert search gives none (the SDK's page size; v6 defaulted to 20).</summary>
    internal const int DefaultAlertRows = 100;

    private static readonly string[] AlertSearchKeys = { "time_range", "criteria", "exclusions", "query", "rows", "start", "sort" };
    private static readonly string[] AlertWorkflowKeys = { "status", "closure_reason", "determination", "note", "time_range", "criteria", "exclusions", "query" };

    private static void MapAlertsV7(WebApplication app, EmulatorState s)
    {
        app.MapPost(AlertsV7 + "/_search", ctx => SearchAlertsV7(ctx, s));
        app.MapGet(AlertsV7 + "/search_suggestions", ctx => SuggestionsV7(ctx));
        app.MapPost(AlertsV7 + "/workflow", ctx => AlertWorkflowV7(ctx, s));
        app.MapGet(AlertsV7 + "/{id}", ctx => GetAlertV7(ctx, s));
        app.MapGet(JobsV1, ctx => ListJobs(ctx, s));
        app.MapGet(JobsV1 + "/{id}", ctx => GetJob(ctx, s, false));
        app.MapGet(JobsV1 + "/{id}/progress", ctx => GetJob(ctx, s, true));
    }

    /// <summary>The console URL alert_url links to: the host the client called.</summary>
    private static string ConsoleBase(HttpContext ctx) => ctx.Request.Scheme + "://" + ctx.Request.Host.Value;

    /// <summary>Streams a list page: <paramref name="head"/>, each item, <paramref name="tail"/> (64 items per flush).</summary>
    internal static async Task StreamItems<T>(HttpContext ctx, IReadOnlyList<T> page, Action<Utf8JsonWriter> head, Action<Utf8JsonWriter, T> write, Action<Utf8JsonWriter> tail)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        PipeWriter pipe = ctx.Response.BodyWriter;
        using var w = new Utf8JsonWriter(pipe, JsonOut.WriterOptions);
        head(w);
        for (int i = 0; i < page.Count; i++)
        {
            write(w, page[i]);
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

    /// <summary>The body of a current-generation search: a JSON object whose keys are all known.</summary>
    private static SearchError? ObjectBody(HttpContext ctx, string[] keys, string route, out JsonElement root)
    {
        string? err = ParseJson(Body(ctx), out root);
        if (err != null)
        {
            return SearchError.Arg(err);
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            return SearchError.Arg("The request body must be a JSON object with any of: " + string.Join(", ", keys));
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

    private static Task SearchAlertsV7(HttpContext ctx, EmulatorState s)
    {
        int rows = DefaultAlertRows, start = 1;
        AlertFilter search = null!;
        Comparison<Alert> order = null!;
        bool natural = false, reversed = false;
        long now = EmulatorState.NowMs;
        var err = ObjectBody(ctx, AlertSearchKeys, "alerts/_search", out var root);
        err ??= BodyInt(root, "rows", DefaultAlertRows, out rows);
        err ??= BodyInt(root, "start", 1, out start);
        err ??= AlertSearch.Parse(root, now, out search);
        err ??= AlertSearch.ParseSort(root.TryGetProperty("sort", out var sortEl) ? sortEl : default, out order, out natural, out reversed);
        err ??= AlertCriteria.CheckWindow(AlertSearch.Dialect, ref start, rows);
        if (err != null)
        {
            return SearchFailed(ctx, err);
        }
        var matches = new List<Alert>();
        lock (s.Lock)
        {
            s.Tick(now);
            var all = s.Alerts;
            int lo = search.From == long.MinValue ? 0 : s.AlertIndexAtOrAfter(search.From);
            int hi = search.To == long.MaxValue ? all.Count : s.AlertIndexAtOrAfter(search.To + 1);
            if (reversed)
            {
                for (int i = hi - 1; i >= lo; i--)
                {
                    if (search.Matches(all[i]))
                    {
                        matches.Add(all[i]);
                    }
                }
            }
            else
            {
                for (int i = lo; i < hi; i++)
                {
                    if (search.Matches(all[i]))
                    {
                        matches.Add(all[i]);
                    }
                }
            }
        }
        // Alerts are copy-on-write: the snapshot orders and pages outside the lock.
        if (reversed)
        {
            // newest first, ties on id ascending: the store's descending walk gives ties in id descending; flip each run
            for (int i = 0; i < matches.Count;)
            {
                int j = i + 1;
                while (j < matches.Count && matches[j].CreateTime == matches[i].CreateTime)
                {
                    j++;
                }
                if (j - i > 1)
                {
                    matches.Reverse(i, j - i);
                }
                i = j;
            }
        }
        else if (!natural)
        {
            matches.Sort(order);
        }
        int total = matches.Count;
        var page = AlertCriteria.Page(matches, start, rows);
        string org = s.Options.OrgKey;
        string console = ConsoleBase(ctx);
        return StreamItems(ctx, page,
            w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("results");
            },
            (w, a) => AlertJson.WriteV7(w, a, org, console),
            w =>
            {
                w.WriteEndArray();
                w.WriteNumber("num_found", total);
                w.WriteNumber("num_available", Math.Min(total, AlertCriteria.Window));
                w.WriteEndObject();
            });
    }

    private static Task GetAlertV7(HttpContext ctx, EmulatorState s)
    {
        string id = RouteString(ctx, "id");
        Alert? a;
        lock (s.Lock)
        {
            s.Tick();
            s.AlertById.TryGetValue(id, out a);
        }
        return a == null
            ? JsonOut.V6Error(ctx, 404, "NOT_FOUND", "Alert '" + id + "' not found")
            : JsonOut.Send(ctx, 200, w => AlertJson.WriteV7(w, a, s.Options.OrgKey, ConsoleBase(ctx)));
    }

    private static Task SuggestionsV7(HttpContext ctx)
    {
        string q = (Last(ctx.Request.Query, "suggest.q") ?? "").Trim();
        var terms = Seeder.SuggestionTerms
            .Where(t => q.Length == 0 || t.Term.Contains(q, StringComparison.OrdinalIgnoreCase))
            .OrderByDescending(t => t.Term.StartsWith(q, StringComparison.OrdinalIgnoreCase))
            .ThenByDescending(t => t.Weight)
            .ToList();
        return JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("suggestions");
            foreach (var t in terms)
            {
                w.WriteStartObject();
                w.WriteString("term", t.Term);
                w.WriteNumber("weight", t.Weight);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static SearchError? EnumField(JsonElement root, string name, string[] allowed, bool required, out string? value)
    {
        value = null;
        if (!root.TryGetProperty(name, out var el) || el.ValueKind == JsonValueKind.Null)
        {
            return required ? SearchError.Arg(name + " is required; allowed values: " + string.Join(", ", allowed)) : null;
        }
        if (el.ValueKind != JsonValueKind.String)
        {
            return SearchError.Enum(name, el.GetRawText(), allowed);
        }
        string v = el.GetString()!;
        string? hit = Array.Find(allowed, x => string.Equals(x, v, StringComparison.OrdinalIgnoreCase));
        if (hit == null)
        {
            return SearchError.Enum(name, v, allowed);
        }
        value = hit;
        return null;
    }

    private static Task AlertWorkflowV7(HttpContext ctx, EmulatorState s)
    {
        AlertFilter search = null!;
        string? status = null, closure = null, determination = null, note = null;
        long now = EmulatorState.NowMs;
        var err = ObjectBody(ctx, AlertWorkflowKeys, "alerts/workflow", out var root);
        err ??= EnumField(root, "status", AlertSearch.WorkflowStatuses, true, out status);
        err ??= EnumField(root, "closure_reason", AlertSearch.ClosureReasons, false, out closure);
        err ??= EnumField(root, "determination", AlertSearch.Determinations, false, out determination);
        if (err == null && root.TryGetProperty("note", out var n) && n.ValueKind != JsonValueKind.Null)
        {
            if (n.ValueKind != JsonValueKind.String)
            {
                err = SearchError.Arg("note must be a string (got " + n.GetRawText() + ")");
            }
            else
            {
                note = n.GetString();
            }
        }
        err ??= AlertSearch.Parse(root, now, out search);
        if (err == null && !search.HasFilter)
        {
            err = SearchError.Arg("criteria or query is required: a workflow names the alerts it changes (e.g. \"criteria\": {\"id\": [\"...\"]})");
        }
        if (err != null)
        {
            return SearchFailed(ctx, err);
        }
        AlertJob job;
        lock (s.Lock)
        {
            s.Tick(now);
            var ids = new List<string>();
            foreach (var a in s.Alerts)
            {
                if (search.Matches(a))
                {
                    ids.Add(a.Id);
                }
            }
            job = s.AddJob(root, status!, closure, determination, note, Key(ctx)?.Id ?? "api", ids);
            s.AddAudit("Alert workflow " + status + (closure != null ? " (" + closure + ")" : "") + " requested for " + ids.Count.ToString(CultureInfo.InvariantCulture) + " alert(s)");
            s.Tick(now);
        }
        string requestId = job.Id.ToString(CultureInfo.InvariantCulture);
        return JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("request_id", requestId);
            w.WriteEndObject();
        });
    }

    // ------------------------------------------------------------------ jobs v1

    private static string IsoMicro(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static string IsoMicro(long ms) => IsoMicro(DateTimeOffset.FromUnixTimeMilliseconds(ms));

    private static void WriteProgress(Utf8JsonWriter w, EmulatorState s, AlertJob j, string status, long now)
    {
        int total = j.AlertIds.Count;
        int done = status switch
        {
            "COMPLETED" => total,
            "IN_PROGRESS" => (int)Math.Min(total - 1, Math.Max(0, (long)Math.Floor(total * (double)(now - j.StartAt) / Math.Max(1, j.CompleteAt - j.StartAt)))),
            "FAILED" => (int)Math.Min(total, Math.Max(0, (long)Math.Floor(total * (double)((j.FailedAt ?? now) - j.StartAt) / Math.Max(1, j.CompleteAt - j.StartAt)))),
            _ => 0,
        };
        w.WriteNumber("num_total", total);
        w.WriteNumber("num_completed", Math.Max(0, done));
        w.WriteString("message", status switch
        {
            "COMPLETED" => j.Status == "CLOSED" ? "Dismissal completed" : "Workflow update completed",
            "IN_PROGRESS" => "Updating " + total.ToString(CultureInfo.InvariantCulture) + " alert(s)",
            "FAILED" => j.FailMessage ?? "Job failed",
            _ => "Job created",
        });
        _ = s;
    }

    private static void WriteJob(Utf8JsonWriter w, EmulatorState s, AlertJob j, long now)
    {
        string status = s.JobStatus(j, now);
        w.WriteStartObject();
        w.WriteNumber("id", j.Id);
        w.WriteString("type", "user_workflow_update");
        w.WriteStartObject("job_parameters");
        w.WriteStartObject("job_parameters");
        w.WritePropertyName("request");
        j.Request.WriteTo(w);
        w.WriteStartObject("userWorkflowDto");
        w.WriteString("change_timestamp", JsonOut.Iso(j.CreatedMs));
        w.WriteString("changed_by_type", "API");
        w.WriteString("changed_by", j.ChangedBy);
        w.WriteString("closure_reason", j.ClosureReason ?? "NO_REASON");
        w.WriteString("status", j.Status);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("connector_id", j.ChangedBy);
        w.WriteString("org_key", s.Options.OrgKey);
        w.WriteString("status", status);
        w.WriteStartObject("progress");
        WriteProgress(w, s, j, status, now);
        w.WriteEndObject();
        w.WriteString("create_time", IsoMicro(j.Created));
        w.WriteString("last_update_time", status switch
        {
            "COMPLETED" => IsoMicro(j.CompleteAt),
            "FAILED" => IsoMicro(j.FailedAt ?? now),
            "IN_PROGRESS" => IsoMicro(Math.Min(now, j.CompleteAt)),
            _ => IsoMicro(j.Created),
        });
        w.WriteEndObject();
    }

    private static Task GetJob(HttpContext ctx, EmulatorState s, bool progressOnly)
    {
        string raw = RouteString(ctx, "id");
        byte[]? body = null;
        if (long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out long id))
        {
            lock (s.Lock)
            {
                long now = EmulatorState.NowMs;
                s.Tick(now);
                if (s.Jobs.TryGetValue(id, out var j))
                {
                    body = JsonOut.Build(w =>
                    {
                        if (progressOnly)
                        {
                            w.WriteStartObject();
                            WriteProgress(w, s, j, s.JobStatus(j, now), now);
                            w.WriteEndObject();
                        }
                        else
                        {
                            WriteJob(w, s, j, now);
                        }
                    });
                }
            }
        }
        return body == null
            ? JsonOut.V6Error(ctx, 404, "NOT_FOUND", "Job '" + raw + "' not found")
            : JsonOut.Send(ctx, 200, body);
    }

    private static Task ListJobs(HttpContext ctx, EmulatorState s)
    {
        byte[] body;
        lock (s.Lock)
        {
            long now = EmulatorState.NowMs;
            s.Tick(now);
            var jobs = s.Jobs.Values.OrderByDescending(j => j.Id).ToList();
            body = JsonOut.Build(w =>
            {
                w.WriteStartObject();
                w.WriteNumber("num_found", jobs.Count);
                w.WriteStartArray("results");
                foreach (var j in jobs)
                {
                    WriteJob(w, s, j, now);
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        return JsonOut.Send(ctx, 200, body);
    }
}
