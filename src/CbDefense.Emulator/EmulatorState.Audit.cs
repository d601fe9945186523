using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading;

namespace CbDefense.Emulator;

/// <summary>One audit record, served by the v3 queue (legacy names) and by audit log v1 (queue and search).</summary>
internal sealed class AuditRecord
{
    public long Seq;
    public long Time;
    public string EventId = "";
    public string Actor = "";
    public string ActorIp = "";
    public string? RequestUrl;
    public string Description = "";
    public bool Flagged;
    public bool Verbose;
}

/// <summary>Who makes the API request being handled (set by the pipeline once the key is known): the audit record
/// of a change carries it.</summary>
internal sealed record AuditActor(string KeyId, string Ip, string Url);

internal sealed partial class EmulatorState
{
    /// <summary>The request being handled, for the audit records it causes (flows with the request's async calls).</summary>
    public static readonly AsyncLocal<AuditActor?> CurrentActor = new();

    /// <summary>Audit records kept for audit log v1 (queue and search), oldest first (by Seq).</summary>
    public List<AuditRecord> AuditLog = new();

    /// <summary>Audit log v1 queue: per API key id, the Seq of the next record to serve (absent: the first kept).</summary>
    public Dictionary<string, long> AuditCursors = new(StringComparer.Ordinal);

    /// <summary>Records kept for audit log v1; older ones leave (and leave the queues unread).</summary>
    public const int MaxAuditRecords = 200_000;

    /// <summary>Records one audit event: into the v3 queue (its JSON as the v3 route always wrote it) and the v1 log.
    /// The v1 actor is the key that made the change (the admin login for seeded records), the URL the request's.</summary>
    public AuditRecord AddAudit(string description, long? time = null, string? clientIp = null, string? actor = null, bool flagged = false, bool verbose = false, string? requestUrl = null)
    {
        AuditSeq++;
        var who = CurrentActor.Value;
        var rec = new AuditRecord
        {
            Seq = AuditSeq,
            Time = time ?? NowMs,
            EventId = AuditSeq.ToString("x8", CultureInfo.InvariantCulture) + new Rng(Seed ^ AuditSeq, "auditid").Hex(24),
            Actor = actor ?? who?.KeyId ?? "admin@" + Seeder.OrganizationName,
            ActorIp = clientIp ?? who?.Ip ?? "127.0.0.1",
            RequestUrl = requestUrl ?? (clientIp == null ? who?.Url : null),
            Description = description,
            Flagged = flagged,
            Verbose = verbose,
        };
        var buf = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buf, JsonOut.CheckedOptions))
        {
            w.WriteStartObject();
            w.WriteNull("requestUrl");
            w.WriteNumber("eventTime", rec.Time);
            w.WriteString("eventId", rec.EventId);
            w.WriteString("loginName", "admin@" + Seeder.OrganizationName);
            w.WriteString("orgName", Seeder.OrganizationName);
            w.WriteBoolean("flagged", rec.Flagged);
            w.WriteString("clientIp", clientIp ?? "127.0.0.1");
            w.WriteBoolean("verbose", rec.Verbose);
            w.WriteString("description", description);
            w.WriteEndObject();
        }
        AuditQueue.Add(Encoding.UTF8.GetString(buf.WrittenSpan));
        if (AuditQueue.Count > 10_000)
        {
            AuditQueue.RemoveRange(0, AuditQueue.Count - 10_000);
        }
        AuditLog.Add(rec);
        if (AuditLog.Count > MaxAuditRecords + 10_000)
        {
            AuditLog.RemoveRange(0, AuditLog.Count - MaxAuditRecords);
        }
        return rec;
    }

    /// <summary>Index in <see cref="AuditLog"/> of the first record with Seq at or after <paramref name="seq"/>.</summary>
    public int AuditIndexOf(long seq)
    {
        if (AuditLog.Count == 0)
        {
            return 0;
        }
        long first = AuditLog[0].Seq;
        long i = seq - first; // Seq values of kept records are consecutive
        return (int)Math.Clamp(i, 0, AuditLog.Count);
    }

    /// <summary>Reads the v1 queue of one key: up to <paramref name="max"/> unread records, which are then read.
    /// <paramref name="pending"/> is how many were unread before this read.</summary>
    public List<AuditRecord> ReadAuditQueue(string keyId, int max, out int pending)
    {
        long cursor = AuditCursors.TryGetValue(keyId, out long c) ? c : 0;
        int from = AuditIndexOf(cursor);
        pending = AuditLog.Count - from;
        int n = Math.Min(max, pending);
        var items = AuditLog.GetRange(from, n);
        AuditCursors[keyId] = n > 0 ? items[^1].Seq + 1 : Math.Max(cursor, AuditLog.Count > 0 ? AuditLog[0].Seq : 0);
        return items;
    }
}
