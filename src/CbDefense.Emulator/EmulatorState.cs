using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CbDefense.Emulator;

/// <summary>All mutable emulator state. Every access goes through <see cref="Lock"/>.</summary>
internal sealed partial class EmulatorState
{
    public readonly object Lock = new();
    public EmulatorOptions Options { get; }
    public Dictionary<string, ApiKey> KeysByToken { get; } = new(StringComparer.Ordinal);

    /// <summary>The API generations served now (<see cref="ApiModes"/>); --api, changed by a reset with "api".</summary>
    public string Api;

    public int DeviceCount;
    public int EventCount;
    public long Seed;
    public long Anchor;

    public List<Device> Devices = new();
    public Dictionary<long, Device> DeviceById = new();
    public List<EventRec> Events = new();
    public Dictionary<string, EventRec> EventById = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<long, Policy> Policies = new();
    public long NextPolicyId;
    public Dictionary<string, WorkflowRequest> Workflows = new(StringComparer.Ordinal);
    public List<QueuedItem> NotificationQueue = new();
    public List<string> ServedNotificationIds = new();
    /// <summary>The v3 audit log queue (read once, shared by the legacy keys), as JSON records.</summary>
    public List<string> AuditQueue = new();
    public long AuditSeq;
    public long NotificationSeq;
    public long WorkflowSeq;
    public Rng NotificationRng = new(1);
    public Rng FaultRng = new(1);
    public DateTimeOffset LastRefill;
    public double RefillCarry;

    /// <summary>The Live Response simulator (sessions, machines, files); replaced on every reseed.</summary>
    public LiveResponse.LrState Lr = null!;

    public List<FaultRule> Faults = new();
    public DateTimeOffset ThrottleUntil = DateTimeOffset.MinValue;
    public int ThrottleRetryAfter = 1;

    public const int MaxLog = 10_000;
    public readonly LinkedList<RequestLogEntry> RequestLog = new();
    public long RequestSeq;
    public long TotalRequests;
    public readonly SortedDictionary<string, long> RouteCounts = new(StringComparer.Ordinal);

    public EmulatorState(EmulatorOptions options)
    {
        Options = options;
        Api = options.Api;
        foreach (var k in options.EffectiveKeys)
        {
            KeysByToken[k.Token] = k;
        }
        Reseed(options.Devices, options.Events, options.Seed);
        ResetFaults();
    }

    public static long NowMs => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Back to the seeded state (data, queues, workflows, Live Response). Caller holds the lock or owns the object.</summary>
    public void Reseed(int devices, int events, long seed, LiveResponse.LrOptions? lr = null, CurrentOptions? cur = null)
    {
        DeviceCount = devices;
        EventCount = events;
        Seed = seed;
        long now = NowMs;
        Anchor = now - now % 3_600_000L; // whole hour: same seed in the same hour gives identical data
        Devices = Seeder.SeedDevices(devices, seed, Anchor);
        DeviceById = new Dictionary<long, Device>(Devices.Count);
        foreach (var d in Devices)
        {
            DeviceById[d.DeviceId] = d;
        }
        Events = Seeder.SeedEvents(events, seed, Anchor, Devices);
        EventById = new Dictionary<string, EventRec>(Events.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var e in Events)
        {
            EventById[e.EventId] = e;
        }
        Lr?.Dispose();
        Lr = new LiveResponse.LrState((lr ?? Options.Lr).Clone(), seed, Anchor, id => DeviceById.TryGetValue(id, out var dev) ? dev : null);
        Policies = Seeder.SeedPolicies(Anchor);
        NextPolicyId = 30_300;
        SeedAlerts(events, seed, (cur ?? Options.Current).Clone());
        Workflows.Clear();
        WorkflowSeq = 0;
        NotificationQueue.Clear();
        ServedNotificationIds.Clear();
        NotificationSeq = 0;
        NotificationRng = new Rng(seed, "notifications");
        FaultRng = new Rng(seed, "faults");
        LastRefill = DateTimeOffset.UtcNow;
        RefillCarry = 0;
        for (int i = 0; i < Options.Notifications; i++)
        {
            QueueGenerated(null);
        }
        AuditQueue.Clear();
        AuditLog.Clear();
        AuditCursors.Clear();
        AuditSeq = 0;
        ObservationJobs.Clear();
        ObservationJobOrder.Clear();
        EventObservations = null;
        AlertObservations.Clear();
        var arng = new Rng(seed, "audit");
        string[] descriptions =
        {
            "Logged in successfully", "Updated connector SIEM-export with api key EMUSIEM001", "Logged in successfully",
            "Updated policy Windows_Workstation", "Added new api key EMUAPI0001", "Logged in successfully",
        };
        for (int i = 0; i < descriptions.Length; i++)
        {
            AddAudit(descriptions[i], Anchor - (descriptions.Length - i) * 3_600_000L + arng.NextLong(600_000), "192.0.2." + (1 + arng.Next(3)).ToString(CultureInfo.InvariantCulture));
        }
    }

    public void ResetFaults()
    {
        Faults = new List<FaultRule>();
        foreach (var f in Options.Faults)
        {
            Faults.Add(f.Clone());
        }
        ThrottleUntil = DateTimeOffset.MinValue;
    }

    public void ClearLog()
    {
        RequestLog.Clear();
        RequestSeq = 0;
        TotalRequests = 0;
        RouteCounts.Clear();
    }

    // ---- devices (copy-on-write) ----

    public void ReplaceDevice(Device updated)
    {
        int idx = FindDeviceIndex(updated.DeviceId);
        if (idx >= 0)
        {
            Devices[idx] = updated;
            DeviceById[updated.DeviceId] = updated;
        }
    }

    public void RemoveDevice(long id)
    {
        int idx = FindDeviceIndex(id);
        if (idx >= 0)
        {
            Devices.RemoveAt(idx);
            DeviceById.Remove(id);
        }
    }

    /// <summary>Index of the first device (in id order) whose id is greater than <paramref name="id"/>.</summary>
    public int IndexAfter(long id)
    {
        int lo = 0, hi = Devices.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (Devices[mid].DeviceId <= id)
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

    private int FindDeviceIndex(long id)
    {
        int lo = 0, hi = Devices.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            long v = Devices[mid].DeviceId;
            if (v == id)
            {
                return mid;
            }
            if (v < id)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return -1;
    }

    public int DevicesWithPolicy(long policyId)
    {
        int n = 0;
        foreach (var d in Devices)
        {
            if (d.PolicyId == policyId)
            {
                n++;
            }
        }
        return n;
    }

    public Policy? FindPolicyByName(string name)
    {
        foreach (var p in Policies.Values)
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return p;
            }
        }
        return null;
    }

    // ---- notifications ----

    /// <summary>Tops the queue up according to --notification-rate (lazily, on access).</summary>
    public void Refill()
    {
        var now = DateTimeOffset.UtcNow;
        if (Options.NotificationRate <= 0)
        {
            LastRefill = now;
            return;
        }
        double due = (now - LastRefill).TotalMinutes * Options.NotificationRate + RefillCarry;
        int n = (int)Math.Floor(due);
        RefillCarry = due - n;
        LastRefill = now;
        n = Math.Min(n, 100_000);
        for (int i = 0; i < n; i++)
        {
            QueueGenerated(null);
        }
    }

    public void QueueGenerated(string? type)
    {
        var rng = NotificationRng;
        string t = type ?? (rng.Chance(0.5) ? "THREAT" : "POLICY_ACTION");
        NotificationSeq++;
        string eventId = NotificationSeq.ToString("x8", CultureInfo.InvariantCulture) + rng.Hex(24);
        long time = NowMs - rng.NextLong(60_000);
        Device? d = Devices.Count > 0 ? Devices[rng.Next(Devices.Count)] : null;
        var buf = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buf, JsonOut.CheckedOptions))
        {
            w.WriteStartObject();
            AppInfo[] apps = d == null || d.DeviceType == "WINDOWS" ? Seeder.WinApps : d.DeviceType == "MAC" ? Seeder.MacApps : Seeder.LinuxApps;
            var bad = apps[apps.Length - 1 - rng.Next(2)];
            string incident = rng.Hex(8, true);
            int score = rng.Next(1, 11);
            string summary;
            if (t == "THREAT")
            {
                var other = rng.Pick(apps);
                summary = "A known virus (" + bad.Name + ") was detected running.";
                w.WriteStartObject("threatInfo");
                w.WriteNumber("time", time);
                w.WriteStartArray("indicators");
                WriteIndicator(w, bad, rng.Chance(0.5) ? "RUN_MALWARE_APP" : "KNOWN_MALWARE");
                WriteIndicator(w, other, rng.Chance(0.5) ? "INJECT_CODE" : "BUFFER_OVERFLOW");
                w.WriteEndArray();
                w.WriteString("summary", summary);
                w.WriteNumber("score", score);
                w.WriteString("incidentId", incident);
                w.WriteEndObject();
            }
            else
            {
                summary = "Policy action on " + bad.Name;
                w.WriteStartObject("policyAction");
                w.WriteString("sha256Hash", bad.Sha256);
                w.WriteString("action", rng.Chance(0.5) ? "TERMINATE" : "DENY");
                w.WriteString("reputation", bad.Reputation);
                w.WriteString("applicationName", bad.Name);
                w.WriteEndObject();
            }
            w.WriteString("type", t);
            w.WriteNumber("eventTime", time);
            w.WriteString("eventId", eventId);
            string devId = d?.DeviceId.ToString(CultureInfo.InvariantCulture) ?? "0";
            w.WriteString("url", t == "THREAT"
                ? "https://defense.conferdeploy.net/investigate?s[searchWindow]=ALL&s[c][DEVICE_ID][0]=" + devId + "&s[c][INCIDENT_ID][0]=" + incident
                : "https://defense.conferdeploy.net/investigate?s[searchWindow]=ALL&s[c][DEVICE_ID][0]=" + devId + "&s[c][SHA256][0]=" + bad.Sha256);
            w.WriteStartObject("deviceInfo");
            w.WriteString("deviceType", d?.DeviceType ?? "WINDOWS");
            w.WriteString("email", d?.Email ?? "");
            w.WriteNumber("deviceId", d?.DeviceId ?? 0);
            w.WriteString("deviceName", d?.Name ?? "");
            w.WriteNull("deviceHostName");
            w.WriteString("deviceVersion", d?.OsVersion ?? "");
            w.WriteString("targetPriorityType", d?.TargetPriorityType ?? "MEDIUM");
            w.WriteNumber("targetPriorityCode", Lists.PriorityCode(d?.TargetPriorityType ?? "MEDIUM"));
            if (d?.InternalIp != null) { w.WriteString("internalIpAddress", d.InternalIp); } else { w.WriteNull("internalIpAddress"); }
            w.WriteString("groupName", d?.PolicyName ?? "Standard");
            if (d?.ExternalIp != null) { w.WriteString("externalIpAddress", d.ExternalIp); } else { w.WriteNull("externalIpAddress"); }
            w.WriteEndObject();
            w.WriteString("eventDescription", t == "THREAT"
                ? "[Emulator alert] [" + summary + "] [Incident id: " + incident + "] [Threat score: " + score.ToString(CultureInfo.InvariantCulture) + "] [Group: " + (d?.PolicyName ?? "") + "] [Email: " + (d?.Email ?? "") + "] [Name: " + (d?.Name ?? "") + "] [Type and OS: " + (d?.DeviceType ?? "") + " " + (d?.OsVersion ?? "") + "] [Severity: " + score.ToString(CultureInfo.InvariantCulture) + "]"
                : "[Emulator policy action] [" + summary + "] [Name: " + (d?.Name ?? "") + "]");
            w.WriteString("ruleName", t == "THREAT" ? "Emulator threat rule" : "Emulator policy action rule");
            w.WriteEndObject();
        }
        NotificationQueue.Add(new QueuedItem(eventId, Encoding.UTF8.GetString(buf.WrittenSpan)));
    }

    private static void WriteIndicator(Utf8JsonWriter w, AppInfo app, string indicator)
    {
        w.WriteStartObject();
        w.WriteString("sha256Hash", app.Sha256);
        w.WriteString("indicatorName", indicator);
        w.WriteString("applicationName", app.Name);
        w.WriteEndObject();
    }
}
