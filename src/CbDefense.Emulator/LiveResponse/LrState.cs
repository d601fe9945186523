using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;

namespace CbDefense.Emulator.LiveResponse;

/// <summary>The Live Response simulator's state: sessions, their commands and files, the devices' machines and the
/// storage grants of v6 downloads. Guarded by <see cref="EmulatorState.Lock"/>, like the rest of the state.</summary>
internal sealed partial class LrState : IDisposable
{
    private readonly Func<long, Device?> _device;
    private readonly long _seed;
    private readonly long _anchorMs;
    private readonly Dictionary<long, VirtualMachine> _vms = new();
    private readonly Dictionary<string, LrSession> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StorageGrant> _grants = new(StringComparer.Ordinal);
    private readonly Dictionary<long, GeneratedBlob> _large = new();
    private readonly HashSet<DiskBlob> _disk = new();
    private int _nextSession = 1;
    private readonly Rng _ids;

    public LrState(LrOptions options, long seed, long anchorMs, Func<long, Device?> device)
    {
        Options = options;
        _seed = seed;
        _anchorMs = anchorMs;
        _device = device;
        _ids = new Rng(seed, "lr-ids");
        Store = new BlobStore();
    }

    public LrOptions Options { get; }
    public BlobStore Store { get; }

    /// <summary>Most closed sessions kept (readable with status CLOSE) before the oldest are forgotten.</summary>
    public const int MaxClosed = 1000;

    public static readonly string[] Unavailable = { "DEREGISTERED", "UNINSTALLED" };

    public IEnumerable<LrSession> Sessions => _sessions.Values;

    public GeneratedBlob LargeFile(long size)
    {
        if (!_large.TryGetValue(size, out var b))
        {
            b = new GeneratedBlob(VirtualMachine.LargeFileKey(_seed), size);
            _large[size] = b;
        }
        return b;
    }

    /// <summary>The machine of a device (made on first use).</summary>
    public VirtualMachine Vm(Device d)
    {
        if (!_vms.TryGetValue(d.DeviceId, out var vm))
        {
            vm = VirtualMachine.Create(d, _seed, _anchorMs, Options, LargeFile);
            _vms[d.DeviceId] = vm;
        }
        return vm;
    }

    public VirtualMachine? ExistingOrNew(long deviceId)
    {
        if (_vms.TryGetValue(deviceId, out var vm))
        {
            return vm;
        }
        var d = _device(deviceId);
        return d == null ? null : Vm(d);
    }

    public LrSession? Session(string id) => _sessions.TryGetValue(id, out var s) ? s : null;

    // ------------------------------------------------------------------ sessions

    public enum CreateOutcome
    {
        Created,
        Reused,
        NoDevice,
        Unavailable,
        Cap,
    }

    /// <summary>Opens a session to a device, or returns the one already open for it (the real service keeps one
    /// session per sensor and attaches every caller to it).</summary>
    public CreateOutcome Create(long deviceId, DateTimeOffset now, out LrSession? session, out string? detail)
    {
        session = null;
        detail = null;
        var d = _device(deviceId);
        if (d == null)
        {
            return CreateOutcome.NoDevice;
        }
        if (Array.IndexOf(Unavailable, d.Status) >= 0)
        {
            detail = d.Status;
            return CreateOutcome.Unavailable;
        }
        SweepAll(now);
        var open = _sessions.Values.FirstOrDefault(x => x.IsOpen && x.DeviceId == deviceId);
        if (open != null)
        {
            open.LastActivity = now;
            session = open;
            return CreateOutcome.Reused;
        }
        int count = _sessions.Values.Count(x => x.IsOpen);
        if (count >= Options.SessionCap)
        {
            detail = count.ToString(CultureInfo.InvariantCulture);
            return CreateOutcome.Cap;
        }
        var vm = Vm(d);
        string id = _nextSession++.ToString(CultureInfo.InvariantCulture) + ":" + deviceId.ToString(CultureInfo.InvariantCulture);
        var s = new LrSession(id, deviceId, vm, now);
        if (d.Status == "INACTIVE")
        {
            // an offline sensor never checks in: the session stays PENDING until it times out
            s.ActiveAt = null;
            s.LastCheckIn = DateTimeOffset.FromUnixTimeMilliseconds(d.LastContact);
        }
        else
        {
            s.ActiveAt = now.AddMilliseconds(Options.SessionDelayMs);
            s.BusyUntil = s.ActiveAt.Value;
        }
        _sessions[id] = s;
        session = s;
        ForgetOldClosed();
        return CreateOutcome.Created;
    }

    private void ForgetOldClosed()
    {
        var closed = _sessions.Values.Where(x => !x.IsOpen).OrderBy(x => x.ClosedAt).ToList();
        for (int i = 0; i < closed.Count - MaxClosed; i++)
        {
            _sessions.Remove(closed[i].Id);
        }
    }

    /// <summary>Brings every session up to <paramref name="now"/> (expiry, devices gone, due commands).</summary>
    public void SweepAll(DateTimeOffset now)
    {
        foreach (var s in _sessions.Values)
        {
            Advance(s, now);
        }
    }

    /// <summary>Brings a session up to <paramref name="now"/>: closes it if its device is gone or it timed out,
    /// otherwise runs the commands that are due and ends finished processes.</summary>
    public void Advance(LrSession s, DateTimeOffset now)
    {
        if (!s.IsOpen)
        {
            return;
        }
        var d = _device(s.DeviceId);
        if (d == null || Array.IndexOf(Unavailable, d.Status) >= 0)
        {
            RunDue(s, now);
            Close(s, "device-unavailable", now);
            return;
        }
        // a session whose sensor never checked in times out check_in_timeout after it was made, whatever the polling
        var expiry = (s.ActiveAt == null ? s.Created : s.LastActivity).AddSeconds(Options.SessionTimeoutSec);
        RunDue(s, now < expiry ? now : expiry);
        if (now >= expiry)
        {
            Close(s, "expired", expiry);
        }
    }

    private void RunDue(LrSession s, DateTimeOffset now)
    {
        bool replaced = false;
        foreach (var c in s.Commands)
        {
            if (c.State != CommandState.Queued)
            {
                continue;
            }
            if (c.End is not DateTimeOffset end || end > now)
            {
                break;
            }
            if (c.Dump != null && !c.Dump.IsCompleted)
            {
                break; // the dump is still being written (compression); commands run in order
            }
            s.Vm.Tick(end);
            Execute(s, c, end);
            c.State = CommandState.Done;
            s.LastCheckIn = end;
            if (c.Dump is { IsCompletedSuccessfully: true } && c.Dump.Result is DiskBlob zip)
            {
                _disk.Add(zip);
            }
            replaced |= c.Name is "put file" or "delete file" or "memdump";
        }
        if (replaced)
        {
            Collect();
        }
        s.Vm.Tick(now);
    }

    /// <summary>A request on the session (keepalive, command, file): it stays open for another session timeout.</summary>
    public void Touch(LrSession s, DateTimeOffset now, bool keepalive = false)
    {
        if (s.IsOpen)
        {
            s.LastActivity = now;
            if (keepalive)
            {
                s.LastKeepalive = now;
            }
        }
    }

    public void Close(LrSession s, string reason, DateTimeOffset now)
    {
        if (s.State == SessionState.Closed)
        {
            return;
        }
        s.State = SessionState.Closed;
        s.ClosedAt = now;
        s.CloseReason = reason;
        foreach (var c in s.Commands)
        {
            if (c.State == CommandState.Queued)
            {
                c.State = CommandState.Cancelled;
                if (c.Dump is { IsCompletedSuccessfully: true } && c.Dump.Result is DiskBlob zip)
                {
                    _disk.Add(zip);
                }
            }
        }
        Collect();
    }

    /// <summary>Counts a file of the temp folder (an upload, a compressed dump) for <see cref="Collect"/>.</summary>
    public void Track(DiskBlob blob) => _disk.Add(blob);

    private static Blob Unwrap(Blob b) => b is SliceBlob slice ? Unwrap(slice.Inner) : b;

    /// <summary>Deletes the temp folder's files nothing refers to any more: no file of a device, no file of an open
    /// session, no storage URL that is still valid. Keeps the disk bounded by what is live.</summary>
    public void Collect()
    {
        if (_disk.Count == 0)
        {
            return;
        }
        var live = new HashSet<Blob>(ReferenceEqualityComparer.Instance);
        foreach (var vm in _vms.Values)
        {
            foreach (var n in vm.Fs.Walk(vm.Fs.Root))
            {
                if (!n.IsDir)
                {
                    live.Add(Unwrap(n.Content));
                }
            }
        }
        foreach (var s in _sessions.Values)
        {
            if (!s.IsOpen)
            {
                continue;
            }
            foreach (var f in s.Files)
            {
                if (f.Content != null)
                {
                    live.Add(Unwrap(f.Content));
                }
            }
            foreach (var c in s.Commands)
            {
                if (c.State == CommandState.Queued && c.Dump is { IsCompletedSuccessfully: true })
                {
                    live.Add(c.Dump.Result);
                }
            }
        }
        var now = DateTimeOffset.UtcNow;
        foreach (var g in _grants.Values)
        {
            if (g.Expires > now)
            {
                live.Add(Unwrap(g.Blob));
            }
        }
        foreach (var d in _disk.Where(d => !live.Contains(d)).ToList())
        {
            _disk.Remove(d);
            Store.Delete(d);
        }
    }

    /// <summary>Files of the temp folder still in use (for the admin API and tests).</summary>
    public int DiskFiles => _disk.Count;

    /// <summary>Admin: puts an open session in status error (what a sensor failure looks like).</summary>
    public void Fail(LrSession s, DateTimeOffset now)
    {
        if (s.IsOpen)
        {
            s.State = SessionState.Error;
            s.ClosedAt = now;
            s.CloseReason = "error";
        }
    }

    // ------------------------------------------------------------------ files

    public void RemoveFile(LrSession s, LrFile f)
    {
        s.Files.Remove(f);
        Collect();
    }

    public LrFile AddFile(LrSession s, string name, Blob? content, bool upload, DateTimeOffset now)
    {
        if (content is DiskBlob disk)
        {
            _disk.Add(disk);
        }
        long id = s.NextFileId++;
        var f = new LrFile
        {
            Id = id,
            Uuid = Guid(),
            Name = name,
            Content = content,
            Upload = upload,
            Created = now,
        };
        s.Files.Add(f);
        return f;
    }

    /// <summary>A v6 file id: a (seeded, so repeatable) version-4 UUID, as the real service's file ids look.</summary>
    private string Guid()
    {
        var b = new byte[16];
        for (int i = 0; i < b.Length; i++)
        {
            b[i] = (byte)_ids.Next(256);
        }
        b[7] = (byte)((b[7] & 0x0F) | 0x40);
        b[8] = (byte)((b[8] & 0x3F) | 0x80);
        return new System.Guid(b).ToString();
    }

    /// <summary>A storage URL token for a v6 download, valid for <see cref="LrOptions.StorageTtlSec"/>.</summary>
    public string Grant(Blob blob, string fileName, DateTimeOffset now)
    {
        foreach (var k in _grants.Where(g => g.Value.Expires <= now).Select(g => g.Key).ToList())
        {
            _grants.Remove(k);
        }
        if (_disk.Count > 0)
        {
            Collect(); // expired grants may have held the last reference
        }
        string token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _grants[token] = new StorageGrant(blob, fileName, now.AddSeconds(Options.StorageTtlSec));
        return token;
    }

    /// <summary>The grant of a token; <paramref name="expired"/> tells an expired one from an unknown one.</summary>
    public StorageGrant? Redeem(string token, DateTimeOffset now, out bool expired)
    {
        expired = false;
        if (!_grants.TryGetValue(token, out var g))
        {
            return null;
        }
        if (g.Expires <= now)
        {
            expired = true;
            return null;
        }
        return g;
    }

    public void Dispose() => Store.Dispose();
}
