using System;
using System.Collections.Generic;
using System.Text.Json;

namespace CbDefense.Emulator;

/// <summary>An alert workflow job (alerts v7 <c>POST .../alerts/workflow</c>, read at <c>/jobs/v1/.../jobs/{id}</c>).</summary>
internal sealed class AlertJob
{
    public long Id;
    public JsonElement Request;
    public string Status = "";
    public string? ClosureReason;
    public string? Determination;
    public string? Note;
    public string ChangedBy = "";
    /// <summary>When the request came (microsecond precision, as the service writes create_time).</summary>
    public DateTimeOffset Created;
    public long CreatedMs;
    public long StartAt;
    public long CompleteAt;
    /// <summary>The alerts the request matched when it came (searchable alerts only).</summary>
    public List<string> AlertIds = new();
    public bool Applied;
    public long? FailedAt;
    public string? FailMessage;
}

internal sealed partial class EmulatorState
{
    /// <summary>Settings of the current generation's alerts, jobs and observations (replaced on every reseed).</summary>
    public CurrentOptions Cur = new();

    /// <summary>Searchable alerts in their total order (backend_timestamp, id). Alerts are never removed.</summary>
    public List<Alert> Alerts = new();
    public Dictionary<string, Alert> AlertById = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Alerts received but not yet searchable (indexed late), by the time they become searchable.</summary>
    public List<Alert> PendingAlerts = new();
    public List<(string Id, string Type)> Threats = new();
    public Dictionary<string, ThreatRule> ThreatRules = new(StringComparer.OrdinalIgnoreCase);
    public Rng AlertRng = new(1);
    public long AlertScheduleStart;
    public long AlertScheduleCount;
    public long GeneratedAlerts;
    private readonly List<WorkflowRequest> _unappliedWorkflows = new();
    public Dictionary<long, AlertJob> Jobs = new();
    private readonly List<AlertJob> _unappliedJobs = new();
    public long JobSeq;

    /// <summary>Most alerts the emulator makes (a runaway --alert-rate stops there).</summary>
    public const int MaxAlerts = 5_000_000;

    private void SeedAlerts(int events, long seed, CurrentOptions cur)
    {
        Cur = cur;
        Threats = new List<(string, string)>();
        var seeded = AlertFactory.Seed(cur.EffectiveAlerts(events), seed, Anchor, Devices, Threats);
        long now = NowMs;
        foreach (var a in seeded)
        {
            a.SearchableAt = Math.Min(a.CreateTime, now); // historic: searchable since it came (or since the start)
        }
        seeded.Sort(Alert.CompareByTime);
        Alerts = seeded;
        AlertById = new Dictionary<string, Alert>(seeded.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var a in seeded)
        {
            AlertById[a.Id] = a;
        }
        PendingAlerts = new List<Alert>();
        ThreatRules = new Dictionary<string, ThreatRule>(StringComparer.OrdinalIgnoreCase);
        AlertRng = new Rng(seed, "alerts-generated");
        AlertScheduleStart = now;
        AlertScheduleCount = 0;
        GeneratedAlerts = 0;
        _unappliedWorkflows.Clear();
        Jobs = new Dictionary<long, AlertJob>();
        _unappliedJobs.Clear();
        JobSeq = 0;
    }

    private int AlertIndex(Alert a)
    {
        int lo = 0, hi = Alerts.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int c = Alert.CompareByTime(Alerts[mid], a);
            if (c == 0)
            {
                return mid;
            }
            if (c < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return ~lo;
    }

    /// <summary>Index of the first searchable alert whose backend_timestamp is at or after <paramref name="ms"/>.</summary>
    public int AlertIndexAtOrAfter(long ms)
    {
        int lo = 0, hi = Alerts.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (Alerts[mid].CreateTime < ms)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    /// <summary>Replaces an alert (searchable or pending) by its changed copy.</summary>
    private void ReplaceAlert(Alert updated)
    {
        if (AlertById.ContainsKey(updated.Id))
        {
            int i = AlertIndex(updated);
            if (i >= 0)
            {
                Alerts[i] = updated;
            }
            AlertById[updated.Id] = updated;
            return;
        }
        for (int i = 0; i < PendingAlerts.Count; i++)
        {
            if (PendingAlerts[i].Id == updated.Id)
            {
                PendingAlerts[i] = updated;
                return;
            }
        }
    }

    private void MakeSearchable(Alert a)
    {
        int i = AlertIndex(a);
        Alerts.Insert(i < 0 ? ~i : i, a);
        AlertById[a.Id] = a;
    }

    private void AddPending(Alert a)
    {
        int lo = 0, hi = PendingAlerts.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            var p = PendingAlerts[mid];
            int c = p.SearchableAt.CompareTo(a.SearchableAt);
            if (c == 0)
            {
                c = Alert.CompareByTime(p, a);
            }
            if (c <= 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        PendingAlerts.Insert(lo, a);
    }

    /// <summary>What a new alert request may fix (the admin API); everything else is generated.</summary>
    internal sealed class NewAlertSpec
    {
        public string? ThreatId;
        public string? Type;
        public long? DeviceId;
        public int? Severity;
        public long? BackendTimestamp;
        /// <summary>null: late per --alert-late-share; a value: that many ms after the backend_timestamp.</summary>
        public long? DelayMs;
    }

    /// <summary>Makes one new alert received at <paramref name="at"/> (its backend_timestamp); it becomes searchable
    /// then, or later when indexed late. A finished v6 threat workflow of its threat marks it on arrival.</summary>
    public Alert? NewAlert(long at, NewAlertSpec? spec = null)
    {
        if (Devices.Count == 0 || Alerts.Count + PendingAlerts.Count >= MaxAlerts)
        {
            return null;
        }
        var rng = AlertRng;
        Device d = Devices[rng.Next(Devices.Count)];
        if (spec?.DeviceId is long did && DeviceById.TryGetValue(did, out var chosen))
        {
            d = chosen;
        }
        int t;
        bool existing = Threats.Count > 0 && rng.Chance(0.5);
        if (spec?.ThreatId != null)
        {
            t = Threats.FindIndex(x => string.Equals(x.Id, spec.ThreatId, StringComparison.OrdinalIgnoreCase));
            if (t < 0)
            {
                Threats.Add((spec.ThreatId, spec.Type ?? AlertFactory.CbAnalytics));
                t = Threats.Count - 1;
            }
        }
        else if (existing)
        {
            t = rng.Next(Threats.Count);
        }
        else
        {
            Threats.Add((rng.Hex(32), AlertFactory.PickType(rng)));
            t = Threats.Count - 1;
        }
        var threat = Threats[t];
        var a = AlertFactory.Make(rng, d, threat.Id, t, threat.Type, at - 90_000 - rng.NextLong(600_000));
        AlertFactory.Times(a, rng, at);
        AlertFactory.ApplyType(a, spec?.Type ?? AlertFactory.TypeFor(threat.Type, d));
        if (spec?.Severity is int sev)
        {
            a.Severity = sev;
        }
        a.Generated = true;
        GeneratedAlerts++;
        double late = rng.NextDouble();
        long delay = rng.NextLong(Math.Max(1, Cur.AlertIndexDelayMs)) + 1;
        if (spec?.DelayMs is long fixedDelay)
        {
            a.Late = fixedDelay > 0;
            a.SearchableAt = at + fixedDelay;
        }
        else if (Cur.AlertIndexDelayMs > 0 && late < Cur.AlertLateShare)
        {
            a.Late = true;
            a.SearchableAt = at + delay;
        }
        if (ThreatRules.TryGetValue(a.ThreatId, out var rule))
        {
            SetV6Workflow(a, rule, at);
        }
        AddPending(a);
        return a;
    }

    private static void SetV6Workflow(Alert a, ThreatRule rule, long at)
    {
        bool dismissed = rule.State == "DISMISSED";
        a.WorkflowStatus = dismissed ? "CLOSED" : "OPEN";
        a.ClosureReason = dismissed && rule.Remediation != null ? "OTHER" : "NO_REASON";
        a.WorkflowRemediation = rule.Remediation;
        a.WorkflowComment = rule.Comment;
        a.WorkflowChangedByType = "API";
        a.WorkflowChangedBy = rule.ChangedBy;
        a.WorkflowLastUpdateTime = at;
        a.LastUpdateTime = Math.Max(a.LastUpdateTime, at);
        a.UserUpdateTime = at;
    }

    /// <summary>Brings the alert state up to <paramref name="nowMs"/>: makes the alerts --alert-rate has due, indexes
    /// the late ones whose time has come, and finishes v6 workflows and v7 jobs, all in time order, so that what a
    /// request sees is exactly what had happened by its time. Call under the lock before reading alerts.</summary>
    public void Tick(long? nowMs = null)
    {
        long now = nowMs ?? NowMs;
        double rate = Cur.AlertRate;
        double interval = rate > 0 ? 60_000.0 / rate : 0;
        for (int guard = 0; guard < 10_000_000; guard++)
        {
            long tGen = rate > 0 && Alerts.Count + PendingAlerts.Count < MaxAlerts
                ? AlertScheduleStart + (long)Math.Round((AlertScheduleCount + 1) * interval)
                : long.MaxValue;
            long tIdx = PendingAlerts.Count > 0 ? PendingAlerts[0].SearchableAt : long.MaxValue;
            long tWf = long.MaxValue;
            WorkflowRequest? wf = null;
            foreach (var r in _unappliedWorkflows)
            {
                long f = r.Created.ToUnixTimeMilliseconds() + (long)(Options.WorkflowSeconds * 1000);
                if (f < tWf)
                {
                    tWf = f;
                    wf = r;
                }
            }
            long tJob = long.MaxValue;
            AlertJob? job = null;
            foreach (var j in _unappliedJobs)
            {
                long f = j.FailedAt ?? j.CompleteAt;
                if (f < tJob)
                {
                    tJob = f;
                    job = j;
                }
            }
            long t = Math.Min(Math.Min(tGen, tIdx), Math.Min(tWf, tJob));
            if (t > now)
            {
                return;
            }
            if (t == tGen)
            {
                AlertScheduleCount++;
                NewAlert(tGen);
            }
            else if (t == tIdx)
            {
                var a = PendingAlerts[0];
                PendingAlerts.RemoveAt(0);
                MakeSearchable(a);
            }
            else if (t == tWf)
            {
                _unappliedWorkflows.Remove(wf!);
                ApplyWorkflow(wf!, tWf);
            }
            else
            {
                _unappliedJobs.Remove(job!);
                if (job!.FailedAt == null)
                {
                    ApplyJob(job, tJob);
                }
                job.Applied = true;
            }
        }
    }

    // ---- v6 threat workflow ----

    public void AddWorkflow(WorkflowRequest r)
    {
        Workflows[r.Id] = r;
        _unappliedWorkflows.Add(r);
    }

    /// <summary>Status of a v6 workflow request at a time (call <see cref="Tick"/> first).</summary>
    public string WorkflowStatus(WorkflowRequest r, DateTimeOffset now)
    {
        double elapsed = (now - r.Created).TotalSeconds;
        double total = Options.WorkflowSeconds;
        if (r.Applied || elapsed >= total)
        {
            return "FINISHED";
        }
        return elapsed < total / 2 ? "QUEUED" : "IN_PROGRESS";
    }

    /// <summary>A finished threat workflow: every alert of the threats (searchable or still being indexed) gets it,
    /// and so does every later alert of a dismissed threat (a DISMISSED rule; OPEN cancels it).</summary>
    private void ApplyWorkflow(WorkflowRequest r, long at)
    {
        var ids = new HashSet<string>(r.ThreatIds, StringComparer.OrdinalIgnoreCase);
        var rule = new ThreatRule { State = r.State, Remediation = r.Remediation, Comment = r.Comment, ChangedBy = r.ChangedBy, Time = at };
        int hits = 0;
        var changed = new List<Alert>();
        foreach (var a in Alerts)
        {
            if (ids.Contains(a.ThreatId))
            {
                changed.Add(a);
            }
        }
        foreach (var a in PendingAlerts)
        {
            if (ids.Contains(a.ThreatId))
            {
                changed.Add(a);
            }
        }
        foreach (var a in changed)
        {
            var c = a.Clone();
            SetV6Workflow(c, rule, at);
            ReplaceAlert(c);
            hits++;
        }
        foreach (string id in r.ThreatIds)
        {
            if (r.State == "DISMISSED")
            {
                ThreatRules[id] = rule;
            }
            else
            {
                ThreatRules.Remove(id);
            }
        }
        r.Hits = hits;
        r.Applied = true;
        r.LastUpdateTime = at;
    }

    public int CountAlertsForThreats(string[] threatIds)
    {
        var ids = new HashSet<string>(threatIds, StringComparer.OrdinalIgnoreCase);
        int n = 0;
        foreach (var a in Alerts)
        {
            if (ids.Contains(a.ThreatId))
            {
                n++;
            }
        }
        foreach (var a in PendingAlerts)
        {
            if (ids.Contains(a.ThreatId))
            {
                n++;
            }
        }
        return n;
    }

    // ---- v7 workflow jobs ----

    public AlertJob AddJob(JsonElement request, string status, string? closureReason, string? determination, string? note, string changedBy, List<string> alertIds)
    {
        JobSeq++;
        var created = DateTimeOffset.UtcNow;
        long createdMs = created.ToUnixTimeMilliseconds();
        long duration = (long)(Cur.JobSeconds * 1000);
        var job = new AlertJob
        {
            Id = 4_800_000 + JobSeq,
            Request = request.Clone(),
            Status = status,
            ClosureReason = closureReason,
            Determination = determination,
            Note = note,
            ChangedBy = changedBy,
            Created = created,
            CreatedMs = createdMs,
            StartAt = createdMs + duration / 5,
            CompleteAt = createdMs + duration,
            AlertIds = alertIds,
        };
        Jobs[job.Id] = job;
        _unappliedJobs.Add(job);
        return job;
    }

    /// <summary>Fails a job that has not completed (admin API): it then changes nothing.</summary>
    public bool FailJob(AlertJob job, string message)
    {
        if (job.Applied || job.FailedAt != null)
        {
            return false;
        }
        job.FailedAt = NowMs;
        job.FailMessage = message;
        return true;
    }

    private void ApplyJob(AlertJob j, long at)
    {
        foreach (string id in j.AlertIds)
        {
            if (!AlertById.TryGetValue(id, out var a))
            {
                continue;
            }
            var c = a.Clone();
            c.WorkflowStatus = j.Status;
            c.ClosureReason = j.ClosureReason ?? "NO_REASON";
            c.WorkflowRemediation = c.ClosureReason;
            if (j.Note != null)
            {
                c.WorkflowComment = j.Note;
                c.NotesPresent = true;
            }
            c.WorkflowChangedByType = "API";
            c.WorkflowChangedBy = j.ChangedBy;
            c.WorkflowLastUpdateTime = j.CreatedMs;
            if (j.Determination != null)
            {
                c.Determination = j.Determination;
                c.DeterminationTime = j.CreatedMs;
                c.DeterminationChangedByType = "API";
                c.DeterminationChangedBy = j.ChangedBy;
            }
            c.LastUpdateTime = Math.Max(c.LastUpdateTime, at);
            c.UserUpdateTime = at;
            ReplaceAlert(c);
        }
    }

    /// <summary>A job's status at a time: CREATED (the first fifth of --job-seconds), IN_PROGRESS, then COMPLETED
    /// (or FAILED if the admin API failed it).</summary>
    public string JobStatus(AlertJob j, long now)
    {
        if (j.FailedAt is long f && f <= now)
        {
            return "FAILED";
        }
        if (now >= j.CompleteAt || j.Applied)
        {
            return "COMPLETED";
        }
        return now < j.StartAt ? "CREATED" : "IN_PROGRESS";
    }
}
