using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Core.Tests
{
    /// <summary>Locates the emulator's build output: CBDEFENSE_EMULATOR_DLL, else the newest build under the repo root.</summary>
    internal static class EmulatorLocator
    {
        public static string? Find()
        {
            var env = Environment.GetEnvironmentVariable("CBDEFENSE_EMULATOR_DLL");
            if (!string.IsNullOrEmpty(env)) return File.Exists(env) ? env : null;
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            {
                var emu = Path.Combine(dir.FullName, "src", "CbDefense.Emulator", "bin");
                if (!Directory.Exists(emu)) continue;
                return new[] { "Debug", "Release" }
                    .Select(c => Path.Combine(emu, c, "net10.0", "CbDefense.Emulator.dll"))
                    .Where(File.Exists)
                    .OrderByDescending(File.GetLastWriteTimeUtc)
                    .FirstOrDefault();
            }
            return null;
        }
    }

    /// <summary>A fact that is skipped only when the emulator has not been built (a failing emulator fails the test).</summary>
    public sealed class EmulatorFactAttribute : FactAttribute
    {
        public EmulatorFactAttribute()
        {
            if (EmulatorLocator.Find() == null)
                Skip = "The emulator is not built (no src/CbDefense.Emulator/bin/*/net10.0/CbDefense.Emulator.dll and no CBDEFENSE_EMULATOR_DLL); run 'dotnet build src/CbDefense.Emulator'.";
        }
    }

    public sealed class EmulatorFixture : IDisposable
    {
        public const string ApiToken = "EMUAPISECRETKEY0000000001/EMUAPI0001";
        private Process? _process;
        private Uri? _url;
        private readonly object _lock = new object();
        private readonly StringBuilder _output = new StringBuilder();

        public Uri Url
        {
            get
            {
                lock (_lock)
                {
                    if (_url == null) Start();
                    return _url!;
                }
            }
        }

        private void Start()
        {
            var dll = EmulatorLocator.Find() ?? throw new InvalidOperationException("The emulator is not built.");
            var psi = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { dll, "--port", "0", "--devices", "2000", "--seed", "7", "--quiet", "--parent-pid", Environment.ProcessId.ToString() })
                psi.ArgumentList.Add(a);
            _process = Process.Start(psi) ?? throw new InvalidOperationException("Cannot start the emulator.");
            var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data == null) { found.TrySetException(new InvalidOperationException("The emulator exited: " + _output)); return; }
                lock (_output) _output.AppendLine(e.Data);
                const string marker = "Now listening on: ";
                int i = e.Data.IndexOf(marker, StringComparison.Ordinal);
                if (i >= 0) found.TrySetResult(e.Data.Substring(i + marker.Length).Trim());
            };
            _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_output) _output.AppendLine(e.Data); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            if (!found.Task.Wait(TimeSpan.FromSeconds(60)))
                throw new TimeoutException("The emulator did not print its URL within 60 s: " + _output);
            _url = new Uri(found.Task.Result);
        }

        public Session Connect(string token = ApiToken, Action<SessionOptions>? configure = null)
        {
            var o = new SessionOptions
            {
                Uri = Url,
                ApiToken = CbDefense.ApiToken.Parse(token),
                OrgKey = "EMUORG01",
                UserAgentVersion = "0.1.0-test",
                BaseBackoff = TimeSpan.FromMilliseconds(50),
                MaximumBackoff = TimeSpan.FromSeconds(1),
                MaximumRetryCount = 30,
                TimeoutSec = 30,
                ApiGeneration = ApiGeneration.Legacy,
            };
            configure?.Invoke(o);
            return Session.Create(o);
        }

        public async Task<string> AdminAsync(HttpMethod method, string path, string? json = null)
        {
            using var http = new HttpClient { BaseAddress = Url };
            using var req = new HttpRequestMessage(method, path);
            if (json != null) req.Content = new StringContent(json, Encoding.UTF8, "application/json");
            using var resp = await http.SendAsync(req);
            var text = await resp.Content.ReadAsStringAsync();
            if (!resp.IsSuccessStatusCode) throw new InvalidOperationException("Admin call " + method + " " + path + " failed: " + (int)resp.StatusCode + " " + text);
            return text;
        }

        public void Dispose()
        {
            try
            {
                if (_process != null && !_process.HasExited) { _process.Kill(true); _process.WaitForExit(5000); }
            }
            catch (Exception) { }
            _process?.Dispose();
        }
    }

    public sealed class EmulatorTests : IClassFixture<EmulatorFixture>
    {
        private readonly EmulatorFixture _emu;
        public EmulatorTests(EmulatorFixture emu) { _emu = emu; }

        private async Task Faults(string json)
        {
            await _emu.AdminAsync(HttpMethod.Delete, "/_emulator/faults");
            if (json.Length > 0) await _emu.AdminAsync(HttpMethod.Put, "/_emulator/faults", "{\"faults\":[" + json + "]}");
        }

        private async Task<(List<long> Ids, long? Total, int Requests)> EnumerateAll(Session s, ListLog? log = null, int pageSize = 200)
        {
            var search = s.DeviceService().Search(new DeviceQuery(), 0, null, pageSize);
            var ctx = new CallContext(new CancellationTokenSource(TimeSpan.FromMinutes(3)).Token, log);
            var ids = (await search.ReadAllAsync(ctx)).Select(d => d.DeviceId).ToList();
            return (ids, search.ServerTotal, search.RequestCount);
        }

        private async Task AssertEveryDeviceOnce(string fault)
        {
            await Faults("");
            List<long> baseline;
            using (var s = _emu.Connect()) baseline = (await EnumerateAll(s)).Ids;
            Assert.Equal(2000, baseline.Count);
            await Faults(fault);
            try
            {
                var log = new ListLog();
                using var s = _emu.Connect();
                var (ids, total, _) = await EnumerateAll(s, log);
                Assert.Equal(2000, total);
                Assert.Equal(baseline, ids);
                Assert.Equal(ids.Count, ids.Distinct().Count());
                Assert.Contains(log.Messages, m => m.Contains("before retry"));
                Assert.DoesNotContain("EMUAPISECRETKEY0000000001", log.All);
            }
            finally { await Faults(""); }
        }

        [EmulatorFact]
        public async Task EnumeratesEveryDevice()
        {
            await Faults("");
            using var s = _emu.Connect();
            var (ids, total, requests) = await EnumerateAll(s, null, 5000);
            Assert.Equal(2000, total);
            Assert.Equal(2000, ids.Distinct().Count());
            Assert.Equal(2, requests); // a small first page, then the rest
        }

        [EmulatorFact]
        public Task EveryDeviceOnceUnder429Storm() =>
            AssertEveryDeviceOnce("{\"kind\":\"throttle\",\"rate\":0.3,\"retryAfter\":1}");

        [EmulatorFact]
        public Task EveryDeviceOnceUnder503s() =>
            AssertEveryDeviceOnce("{\"kind\":\"status\",\"status\":503,\"rate\":0.3,\"retryAfter\":0}");

        [EmulatorFact]
        public Task EveryDeviceOnceUnderResets() =>
            AssertEveryDeviceOnce("{\"kind\":\"reset\",\"rate\":0.3}");

        [EmulatorFact]
        public Task EveryDeviceOnceUnderTruncatedBodies() =>
            AssertEveryDeviceOnce("{\"kind\":\"truncated\",\"rate\":0.3}");

        [EmulatorFact]
        public async Task WrongKeyIs401()
        {
            await Faults("");
            using var s = _emu.Connect("WRONGSECRETKEY000000000/EMUAPI0001");
            var ex = await Assert.ThrowsAsync<CbUnauthorizedException>(() => s.DevicePageAsync(null, 10));
            Assert.Equal(401, ex.StatusCode);
            Assert.Contains("Check your API credentials", ex.Message);
            Assert.DoesNotContain("WRONGSECRETKEY000000000", ex.ToString());
        }

        [EmulatorFact]
        public async Task UnknownDeviceIs404AndKnownDeviceLoads()
        {
            await Faults("");
            using var s = _emu.Connect();
            var ex = await Assert.ThrowsAsync<CbObjectNotFoundException>(() => s.GetDeviceAsync(987654321987));
            Assert.Contains("987654321987", ex.Message);
            var first = await s.DevicePageAsync(null, 1);
            var d = await s.GetDeviceAsync(first.Devices[0].DeviceId);
            Assert.Equal(first.Devices[0].DeviceId, d.DeviceId);
            Assert.Equal(first.Devices[0].Name, d.Name);
        }

        [EmulatorFact]
        public async Task SendsUserAgentAndNeverTheSecretInTheLog()
        {
            await Faults("");
            await _emu.AdminAsync(HttpMethod.Delete, "/_emulator/requests");
            using var s = _emu.Connect();
            await s.DevicePageAsync(new DeviceQuery { HostName = "a*" }, 5);
            var log = await _emu.AdminAsync(HttpMethod.Get, "/_emulator/requests?last=5");
            Assert.Contains("CbDefense-PowerShell/0.1.0-test", log);
            Assert.Contains("start=1", log);
        }
    }
}
