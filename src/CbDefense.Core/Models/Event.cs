using System;
using System.Collections.Generic;
using System.Net;
using System.Text.RegularExpressions;
using CbDefense.Json;
using Newtonsoft.Json;

namespace CbDefense
{
    /// <summary>A place (v3 deviceLocation / peerLocation).</summary>
    public sealed class EventLocation
    {
        public string? City { get; set; }
        public string? Region { get; set; }
        public string? CountryName { get; set; }
        public string? CountryCode { get; set; }
        public double? Latitude { get; set; }
        public double? Longitude { get; set; }
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();

        public override string ToString() => string.Join(", ", new[] { City, Region, CountryName ?? CountryCode }.Where0());

        internal static EventLocation Read(FieldReader f)
        {
            var l = new EventLocation
            {
                City = f.String("city"), Region = f.String("region"), CountryName = f.String("countryName"),
                CountryCode = f.String("countryCode"), Latitude = f.Double("latitude"), Longitude = f.Double("longitude"),
            };
            f.CopyRestTo(l.AdditionalProperties);
            return l;
        }
    }

    /// <summary>The device an event happened on (v3 deviceDetails).</summary>
    public sealed class EventDeviceDetails
    {
        public long? DeviceId { get; set; }
        public string? DeviceName { get; set; }
        public string? DeviceHostName { get; set; }
        public string? DeviceType { get; set; }
        public string? DeviceVersion { get; set; }
        public string? DeviceIpAddress { get; set; }
        public string? DeviceIpV4Address { get; set; }
        public string? Email { get; set; }
        public long? PolicyId { get; set; }
        public string? PolicyName { get; set; }
        public string? AgentLocation { get; set; }
        public string? TargetPriorityType { get; set; }
        public int? TargetPriorityCode { get; set; }
        public string? LoginUserName { get; set; }
        public string? DeviceOwnerName { get; set; }
        public string? MsmGroupId { get; set; }
        public string? MsmGroupName { get; set; }
        public EventLocation? DeviceLocation { get; set; }
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();

        public override string ToString() => DeviceName ?? DeviceHostName ?? (DeviceId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");

        internal static EventDeviceDetails Read(FieldReader f)
        {
            var d = new EventDeviceDetails
            {
                DeviceId = f.Long("deviceId"), DeviceName = f.String("deviceName"), DeviceHostName = f.String("deviceHostName"),
                DeviceType = f.String("deviceType"), DeviceVersion = f.String("deviceVersion"), DeviceIpAddress = f.String("deviceIpAddress"),
                DeviceIpV4Address = f.String("deviceIpV4Address"), Email = f.String("email"), PolicyId = f.Long("policyId"),
                PolicyName = f.String("policyName"), AgentLocation = f.String("agentLocation"), TargetPriorityType = f.String("targetPriorityType"),
                TargetPriorityCode = f.Int("targetPriorityCode"), LoginUserName = f.String("loginUserName"),
                DeviceOwnerName = f.String("deviceOwnerName"), MsmGroupId = f.String("msmGroupId"), MsmGroupName = f.String("msmGroupName"),
                DeviceLocation = f.Object("deviceLocation", EventLocation.Read),
            };
            f.CopyRestTo(d.AdditionalProperties);
            return d;
        }
    }

    /// <summary>The process behind an event (v3 processDetails).</summary>
    public sealed class EventProcessDetails
    {
        public string? Name { get; set; }
        public long? ProcessId { get; set; }
        public string? PrivatePid { get; set; }
        public string? CommandLine { get; set; }
        public string? UserName { get; set; }
        public string? FullUserName { get; set; }
        public long? MilisSinceProcessStart { get; set; }
        public string? ParentName { get; set; }
        public long? ParentPid { get; set; }
        public string? ParentPrivatePid { get; set; }
        public string? ParentCommandLine { get; set; }
        public string? TargetName { get; set; }
        public long? TargetPid { get; set; }
        public string? TargetPrivatePid { get; set; }
        public string? TargetCommandLine { get; set; }
        public string? InterpreterName { get; set; }
        public string? InterpreterHash { get; set; }
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();

        public override string ToString() => Name ?? "";

        internal static EventProcessDetails Read(FieldReader f)
        {
            var p = new EventProcessDetails
            {
                Name = f.String("name"), ProcessId = f.Long("processId"), PrivatePid = f.String("privatePid"),
                CommandLine = f.String("commandLine"), UserName = f.String("userName"), FullUserName = f.String("fullUserName"),
                MilisSinceProcessStart = f.Long("milisSinceProcessStart"), ParentName = f.String("parentName"),
                ParentPid = f.Long("parentPid"), ParentPrivatePid = f.String("parentPrivatePid"),
                ParentCommandLine = f.String("parentCommandLine"), TargetName = f.String("targetName"), TargetPid = f.Long("targetPid"),
                TargetPrivatePid = f.String("targetPrivatePid"), TargetCommandLine = f.String("targetCommandLine"),
                InterpreterName = f.String("interpreterName"), InterpreterHash = f.String("interpreterHash"),
            };
            f.CopyRestTo(p.AdditionalProperties);
            return p;
        }
    }

    /// <summary>An application of an event (v3 selectedApp, parentApp, targetApp).</summary>
    public sealed class EventApplication
    {
        public string? ApplicationName { get; set; }
        public string? ApplicationPath { get; set; }
        public string? Sha256Hash { get; set; }
        public string? Md5Hash { get; set; }
        public string? EffectiveReputation { get; set; }
        public string? EffectiveReputationSource { get; set; }
        public string? ReputationProperty { get; set; }
        public string? VirusName { get; set; }
        public string? VirusCategory { get; set; }
        public string? VirusSubCategory { get; set; }
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();

        public override string ToString() => ApplicationName ?? ApplicationPath ?? Sha256Hash ?? "";

        internal static EventApplication Read(FieldReader f)
        {
            var a = new EventApplication
            {
                ApplicationName = f.String("applicationName"), ApplicationPath = f.String("applicationPath"),
                Sha256Hash = f.String("sha256Hash"), Md5Hash = f.String("md5Hash"), EffectiveReputation = f.String("effectiveReputation"),
                EffectiveReputationSource = f.String("effectiveReputationSource"), ReputationProperty = f.String("reputationProperty"),
                VirusName = f.String("virusName"), VirusCategory = f.String("virusCategory"), VirusSubCategory = f.String("virusSubCategory"),
            };
            f.CopyRestTo(a.AdditionalProperties);
            return a;
        }
    }

    /// <summary>The network connection of an event (v3 netFlow).</summary>
    public sealed class EventNetFlow
    {
        public string? SourceAddress { get; set; }
        public int? SourcePort { get; set; }
        public string? DestAddress { get; set; }
        public int? DestPort { get; set; }
        public string? PeerIpAddress { get; set; }
        public string? PeerIpV4Address { get; set; }
        public string? PeerFqdn { get; set; }
        public EventLocation? PeerLocation { get; set; }
        public string? PeerSiteReputation { get; set; }
        public string? Service { get; set; }
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();

        public override string ToString() =>
            SourceAddress == null && DestAddress == null ? "" : (SourceAddress + ":" + SourcePort + " -> " + (PeerFqdn ?? DestAddress) + ":" + DestPort);

        internal static EventNetFlow Read(FieldReader f)
        {
            var n = new EventNetFlow
            {
                SourceAddress = f.String("sourceAddress"), SourcePort = f.Int("sourcePort"), DestAddress = f.String("destAddress"),
                DestPort = f.Int("destPort"), PeerIpAddress = f.String("peerIpAddress"), PeerIpV4Address = f.String("peerIpV4Address"),
                PeerFqdn = f.String("peerFqdn"), PeerLocation = f.Object("peerLocation", EventLocation.Read),
                PeerSiteReputation = f.String("peerSiteReputation"), Service = f.String("service"),
            };
            f.CopyRestTo(n.AdditionalProperties);
            return n;
        }
    }

    /// <summary>
    /// A CB Defense event (v3 event schema). <c>EventTime</c> and <c>CreateTime</c> are local time (compare them with
    /// Get-Date), <c>EventTimeUtc</c> and <c>CreateTimeUtc</c> the same instants in UTC (the wire values); null (or 0)
    /// epoch values stay null. The descriptions come as the server sends them, with its markup; the *Text
    /// properties give them as plain text.
    /// </summary>
    public sealed class Event
    {
        private DateTime? _eventTime;
        private DateTime? _createTime;

        public string? EventId { get; set; }
        /// <summary>When the event happened, local time.</summary>
        public DateTime? EventTime { get => ModelTime.ToLocal(_eventTime); set => _eventTime = ModelTime.FromLocal(value); }
        /// <summary>When the event happened, UTC (the wire value).</summary>
        public DateTime? EventTimeUtc { get => _eventTime; set => _eventTime = ModelTime.FromUtc(value); }
        /// <summary>When the server recorded the event, local time.</summary>
        public DateTime? CreateTime { get => ModelTime.ToLocal(_createTime); set => _createTime = ModelTime.FromLocal(value); }
        /// <summary>When the server recorded the event, UTC (the wire value).</summary>
        public DateTime? CreateTimeUtc { get => _createTime; set => _createTime = ModelTime.FromUtc(value); }
        public string? EventType { get; set; }
        /// <summary>The short description as the server sends it, with its markup (&lt;share&gt;&lt;link hash="..."&gt;...).</summary>
        public string? ShortDescription { get; set; }
        /// <summary>The short description as plain text: the markup removed, entities decoded.</summary>
        public string? ShortDescriptionText => DescriptionText.ToPlainText(ShortDescription);
        /// <summary>The long description as the server sends it, with its markup.</summary>
        public string? LongDescription { get; set; }
        /// <summary>The long description as plain text: the markup removed, entities decoded.</summary>
        public string? LongDescriptionText => DescriptionText.ToPlainText(LongDescription);
        public ValueList<string>? ThreatIndicators { get; set; }
        public string? AttackStage { get; set; }
        public int? AlertScore { get; set; }
        public string? AlertCategory { get; set; }
        public string? IncidentId { get; set; }
        public string? RegistryValue { get; set; }
        public string? SecurityEventCode { get; set; }
        public EventDeviceDetails? DeviceDetails { get; set; }
        public EventProcessDetails? ProcessDetails { get; set; }
        public EventApplication? SelectedApp { get; set; }
        public EventApplication? ParentApp { get; set; }
        public EventApplication? TargetApp { get; set; }
        public EventNetFlow? NetFlow { get; set; }

        /// <summary>Every other field the server sent, with its original name, as plain .NET values.</summary>
        public IDictionary<string, object?> AdditionalProperties { get; } = new PlainMap();

        /// <summary>The session this event was read through (-Session binds from it; ConvertTo-Json leaves it out of nested objects).</summary>
        [JsonIgnore]
        public Session? Session { get; internal set; }

        /// <summary>eventTime in epoch milliseconds as the server sent it (for range splitting).</summary>
        internal long? EventTimeMs { get; set; }

        public override string ToString() => EventId ?? "";

        internal static Event Read(Dictionary<string, object?> json, Session? session)
        {
            var f = new FieldReader(json);
            var e = new Event { Session = session };
            e.EventId = f.String("eventId");
            e.EventTimeUtc = f.TimeAndMs("eventTime", out var ms);
            e.EventTimeMs = ms;
            e.CreateTimeUtc = f.Time("createTime");
            e.EventType = f.String("eventType");
            e.ShortDescription = f.String("shortDescription");
            e.LongDescription = f.String("longDescription");
            e.ThreatIndicators = f.StringArray("threatIndicators");
            e.AttackStage = f.String("attackStage");
            e.AlertScore = f.Int("alertScore");
            e.AlertCategory = f.String("alertCategory");
            e.IncidentId = f.String("incidentId");
            e.RegistryValue = f.String("registryValue");
            e.SecurityEventCode = f.String("securityEventCode");
            e.DeviceDetails = f.Object("deviceDetails", EventDeviceDetails.Read);
            e.ProcessDetails = f.Object("processDetails", EventProcessDetails.Read);
            e.SelectedApp = f.Object("selectedApp", EventApplication.Read);
            e.ParentApp = f.Object("parentApp", EventApplication.Read);
            e.TargetApp = f.Object("targetApp", EventApplication.Read);
            e.NetFlow = f.Object("netFlow", EventNetFlow.Read);
            f.CopyRestTo(e.AdditionalProperties);
            return e;
        }
    }

    /// <summary>Event descriptions without the console's markup.</summary>
    internal static class DescriptionText
    {
        // The console's markup in v3 descriptions: <share><link hash="...">text</link></share>, <accent>text</accent>,
        // and a few formatting tags. Only these are removed, so text such as "<unknown>" stays.
        private static readonly Regex Markup = new Regex(
            @"</?(?:share|link|accent|b|i|em|strong|span|br)\b[^<>]*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        public static string? ToPlainText(string? text)
        {
            if (text == null || (text.IndexOf('<') < 0 && text.IndexOf('&') < 0)) return text;
            return WebUtility.HtmlDecode(Markup.Replace(text, ""));
        }
    }

    internal static class StringJoinExtensions
    {
        internal static IEnumerable<string> Where0(this IEnumerable<string?> items)
        {
            foreach (var s in items) if (!string.IsNullOrEmpty(s)) yield return s!;
        }
    }
}
