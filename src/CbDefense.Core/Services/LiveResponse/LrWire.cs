using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CbDefense.Json;

namespace CbDefense.Services.LiveResponse
{
    /// <summary>A Live Response session as either route family reports it, with the fields normalised.</summary>
    internal sealed class LrSessionState
    {
        public string Id { get; set; } = "";
        public long DeviceId { get; set; }
        /// <summary>PENDING, ACTIVE, CLOSED or ERROR (v3's CLOSE and lower-case error normalised).</summary>
        public string Status { get; set; } = "PENDING";
        public string? HostName { get; set; }
        public string? Address { get; set; }
        public string? OsVersion { get; set; }
        public string? CurrentDirectory { get; set; }
        public IReadOnlyList<string> Drives { get; set; } = Array.Empty<string>();
        /// <summary>Null when the server did not send the list (a PENDING session).</summary>
        public IReadOnlyList<string>? SupportedCommands { get; set; }
        public int? SessionTimeoutSec { get; set; }
        public int? CheckInTimeoutSec { get; set; }
        public DateTime? CreatedUtc { get; set; }
        public Dictionary<string, object?> Raw { get; set; } = new Dictionary<string, object?>(StringComparer.Ordinal);

        public bool IsActive => Status == "ACTIVE";
        public bool IsPending => Status == "PENDING";
        public bool IsOver => Status == "CLOSED" || Status == "ERROR";

        public static LrSessionState Read(Dictionary<string, object?> d)
        {
            var s = new LrSessionState { Raw = d };
            s.Id = Str(d, "id") ?? "";
            s.DeviceId = Long(d, "device_id") ?? Long(d, "sensor_id") ?? 0;
            s.Status = NormaliseSessionStatus(Str(d, "status"));
            s.HostName = Str(d, "hostname");
            s.Address = Str(d, "address");
            s.OsVersion = Str(d, "os_version");
            s.CurrentDirectory = Str(d, "current_working_directory");
            s.Drives = Strings(d, "drives") ?? (IReadOnlyList<string>)Array.Empty<string>();
            s.SupportedCommands = Strings(d, "supported_commands");
            s.SessionTimeoutSec = (int?)Long(d, "session_timeout");
            s.CheckInTimeoutSec = (int?)Long(d, "check_in_timeout");
            if (d.TryGetValue("create_time", out var ct) && ct != null && FieldReader.TryTime(ct, out var t, out _)) s.CreatedUtc = t;
            return s;
        }

        internal static string NormaliseSessionStatus(string? status)
        {
            string s = (status ?? "").Trim().ToUpperInvariant();
            switch (s)
            {
                case "CLOSE": case "CLOSED": return "CLOSED";
                case "ERROR": case "FAILED": return "ERROR";
                case "": return "PENDING";
                default: return s;
            }
        }

        internal static string? Str(Dictionary<string, object?> d, string key) =>
            d.TryGetValue(key, out var v) && v != null ? (v as string ?? Convert.ToString(v, CultureInfo.InvariantCulture)) : null;

        internal static long? Long(Dictionary<string, object?> d, string key) =>
            d.TryGetValue(key, out var v) && v != null && FieldReader.ToLong(v) is var (ok, l) && ok ? l : (long?)null;

        internal static IReadOnlyList<string>? Strings(Dictionary<string, object?> d, string key)
        {
            if (!d.TryGetValue(key, out var v) || v == null) return null;
            if (v is List<object?> l) return l.Where(x => x != null).Select(x => x as string ?? Convert.ToString(x, CultureInfo.InvariantCulture)!).ToList();
            if (v is string one) return new[] { one };
            return null;
        }
    }

    /// <summary>One command to post: its name, its target (a path, a command line, a pid) and any other fields.</summary>
    internal sealed class LrCommand
    {
        public LrCommand(string name, object? target = null)
        {
            Name = name;
            Target = target;
        }

        public string Name { get; }
        public object? Target { get; }
        public Dictionary<string, object?> Fields { get; } = new Dictionary<string, object?>(StringComparer.Ordinal);

        public LrCommand With(string key, object? value)
        {
            Fields[key] = value;
            return this;
        }

        public override string ToString() => Target == null ? Name : Name + " " + Convert.ToString(Target, CultureInfo.InvariantCulture);
    }

    /// <summary>A command's state and results as either route family reports them, with the v6 renames undone.</summary>
    internal sealed class LrCommandState
    {
        public string Id { get; set; } = "";
        /// <summary>PENDING, IN_PROGRESS, COMPLETE, ERROR or CANCELLED, whatever the case the server used.</summary>
        public string Status { get; set; } = "PENDING";
        public string Name { get; set; } = "";
        public Dictionary<string, object?> Raw { get; set; } = new Dictionary<string, object?>(StringComparer.Ordinal);
        public long? ResultCode { get; set; }
        public string? ResultType { get; set; }
        public string? ResultDesc { get; set; }
        /// <summary>The session file a get file command fills (v3 file_id, v6 file_details.file_id).</summary>
        public string? FileId { get; set; }

        public bool IsFinished => Status == "COMPLETE" || Status == "ERROR" || Status == "CANCELLED";

        public static LrCommandState Read(Dictionary<string, object?> d)
        {
            var c = new LrCommandState { Raw = d };
            c.Id = LrSessionState.Str(d, "id") ?? "";
            c.Name = LrSessionState.Str(d, "name") ?? "";
            string st = (LrSessionState.Str(d, "status") ?? "").Trim().ToUpperInvariant().Replace(' ', '_');
            c.Status = st == "" ? "PENDING" : st == "CANCELED" ? "CANCELLED" : st;
            c.ResultCode = LrSessionState.Long(d, "result_code");
            c.ResultType = LrSessionState.Str(d, "result_type");
            c.ResultDesc = LrSessionState.Str(d, "result_desc");
            c.FileId = LrSessionState.Str(d, "file_id");
            if (c.FileId == null && d.TryGetValue("file_details", out var fd) && fd is Dictionary<string, object?> details)
                c.FileId = LrSessionState.Str(details, "file_id");
            return c;
        }

        /// <summary>The list under <paramref name="key"/> as objects (empty when absent).</summary>
        public IEnumerable<Dictionary<string, object?>> Objects(string key) =>
            Raw.TryGetValue(key, out var v) && v is List<object?> l ? l.OfType<Dictionary<string, object?>>() : Enumerable.Empty<Dictionary<string, object?>>();

        /// <summary>The first of <paramref name="keys"/> present: v3 and v6 name some result fields differently.</summary>
        public static object? Field(Dictionary<string, object?> d, params string[] keys)
        {
            foreach (var k in keys)
                if (d.TryGetValue(k, out var v) && v != null) return v;
            return null;
        }
    }
}
