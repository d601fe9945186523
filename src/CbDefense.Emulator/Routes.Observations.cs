using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace CbDefense.Emulator;

/// <summary>Observation search jobs (<c>/api/investigate/v2/orgs/{org_key}/observations/...</c>).</summary>
internal static partial class Routes
{
    internal const string ObservationsV2 = "/api/investigate/v2/orgs/{org_key}/observations";

    /// <summary>rows of a search job when the body gives none (the SDK's default page size).</summary>
    internal const int DefaultObservationJobRows = 500;

    /// <summary>rows of a results page when the query gives none.</summary>
    internal const int DefaultObservationPageRows = 10;

    private static readonly string[] ObservationJobKeys = { "criteria", "exclusions", "query", "time_range", "rows", "start", "sort", "fields" };

    private static void MapObservations(WebApplication app, EmulatorState s)
    {
        app.MapPost(ObservationsV2 + "/search_jobs", ctx => StartObservationJob(ctx, s));
        app.MapGet(ObservationsV2 + "/search_jobs/{job_id}/results", ctx => ObservationResults(ctx, s));
        app.MapGet(ObservationsV2 + "/search_validation", ctx => ObservationValidation(ctx));
    }

    private static Task StartObservationJob(HttpContext ctx, EmulatorState s)
    {
        int rows = DefaultObservationJobRows, start = 0;
        long now = EmulatorState.NowMs;
        ObservationSearch search = null!;
        Comparison<Observation> order = null!;
        HashSet<string>? fields = null;
        var err = ObjectBody(ctx, ObservationJobKeys, "observations/search_jobs", out var root);
        err ??= BodyInt(root, "rows", DefaultObservationJobRows, out rows);
        err ??= BodyInt(root, "start", 0, out start);
        err ??= ObservationSearch.Parse(root, now, out search);
        err ??= ObservationSearch.ParseSort(root.TryGetProperty("sort", out var sortEl) ? sortEl : default, out order);
        if (err == null && root.TryGetProperty("fields", out var f) && f.ValueKind != JsonValueKind.Null)
        {
            string? ferr = ReadStringArray(f, "fields", out var names);
            if (ferr != null)
            {
                err = SearchError.Arg(ferr);
            }
            else if (!names.Contains("*"))
            {
                fields = new HashSet<string>(StringComparer.Ordinal);
                foreach (var n in names)
                {
                    if (Array.IndexOf(ObservationFactory.FieldNames, n) < 0)
                    {
                        err = SearchError.Arg("fields: '" + n + "' is not an observation field; fields: *, " + string.Join(", ", ObservationFactory.FieldNames));
                        break;
                    }
                    fields.Add(n);
                }
            }
        }
        if (err == null && rows > SearchWindow)
        {
            err = SearchError.Arg("rows must be at most 10,000 (got " + rows.ToString(CultureInfo.InvariantCulture) + "); split the time_range to read more");
        }
        if (err == null && (long)start + rows > SearchWindow)
        {
            err = SearchError.Arg("A search job reaches only the first 10,000 results, but start + rows = "
                + ((long)start + rows).ToString(CultureInfo.InvariantCulture) + " (start is 0-based); split the time_range to read more");
        }
        if (err != null)
        {
            return SearchFailed(ctx, err);
        }
        var matches = new List<Observation>();
        lock (s.Lock)
        {
            s.Tick(now);
            foreach (var o in s.AllObservations())
            {
                if (search.Matches(o))
                {
                    matches.Add(o);
                }
            }
        }
        matches.Sort(order); // observations never change: sorted outside the lock
        int from = Math.Min(start, matches.Count);
        var available = matches.GetRange(from, Math.Min(rows, matches.Count - from));
        ObservationJob job;
        lock (s.Lock)
        {
            job = s.AddObservationJob(available, matches.Count, fields);
        }
        return JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("job_id", job.Id);
            w.WriteEndObject();
        });
    }

    private static string? QueryInt(IQueryCollection q, string name, int def, int max, out int value)
    {
        value = def;
        string? v = Last(q, name);
        if (string.IsNullOrEmpty(v))
        {
            return null;
        }
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) || value < 0 || value > max)
        {
            value = def;
            return name + " must be an integer between 0 and " + max.ToString(CultureInfo.InvariantCulture) + " (got '" + v + "')";
        }
        return null;
    }

    private static Task ObservationResults(HttpContext ctx, EmulatorState s)
    {
        string id = RouteString(ctx, "job_id");
        var q = ctx.Request.Query;
        int rows = DefaultObservationPageRows;
        string? err = QueryInt(q, "start", 0, int.MaxValue, out int start);
        err ??= QueryInt(q, "rows", DefaultObservationPageRows, SearchWindow, out rows);
        if (err != null)
        {
            return BadArg(ctx, err);
        }
        ObservationJob? job;
        long now = EmulatorState.NowMs;
        lock (s.Lock)
        {
            s.ObservationJobs.TryGetValue(id, out job);
        }
        if (job == null)
        {
            return JsonOut.V6Error(ctx, 404, "NOT_FOUND", "Search job '" + id + "' not found");
        }
        var (contacted, completed) = EmulatorState.ObservationProgress(job, now);
        string org = s.Options.OrgKey;
        if (contacted == 0 || completed < contacted)
        {
            return JsonOut.Send(ctx, 200, w =>
            {
                w.WriteStartObject();
                w.WriteNumber("contacted", contacted);
                w.WriteNumber("completed", completed);
                w.WriteNumber("num_found", 0);
                w.WriteNumber("num_available", 0);
                w.WriteStartArray("results");
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }
        int from = Math.Min(start, job.Available.Count);
        var page = job.Available.GetRange(from, Math.Min(rows, job.Available.Count - from));
        return StreamItems(ctx, page,
            w =>
            {
                w.WriteStartObject();
                w.WriteNumber("approximate_unaggregated", job.NumFound);
                w.WriteNumber("completed", completed);
                w.WriteNumber("contacted", contacted);
                w.WriteNumber("num_aggregated", job.NumFound);
                w.WriteNumber("num_available", job.Available.Count);
                w.WriteNumber("num_found", job.NumFound);
                w.WriteStartArray("results");
            },
            (w, o) => ObservationFactory.Write(w, o, org, job.Fields),
            w =>
            {
                w.WriteEndArray();
                w.WriteEndObject();
            });
    }

    private static Task ObservationValidation(HttpContext ctx)
    {
        string text = Last(ctx.Request.Query, "q") ?? "";
        var err = QueryParser<Observation>.Parse(text, ObservationSearch.QueryFields, out _);
        return JsonOut.Send(ctx, 200, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("valid", err == null);
            w.WriteBoolean("value_search_query", err == null);
            if (err != null)
            {
                w.WriteString("invalid_message", err.Message);
            }
            w.WriteEndObject();
        });
    }
}
