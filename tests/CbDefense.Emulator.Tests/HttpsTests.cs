using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using Xunit;

namespace CbDefense.Emulator.Tests;

public sealed class HttpsTests
{
    [Fact]
    public async Task Https_serves_with_the_certificate_it_writes_out()
    {
        string pem = Path.Combine(Path.GetTempPath(), "emu-" + Guid.NewGuid().ToString("N") + ".pem");
        try
        {
            var options = EmulatorOptions.Parse(new[] { "--https", "--certificate-out", pem, "--devices", "3", "--quiet" });
            await using var host = await EmulatorHost.StartAsync(options);
            Assert.StartsWith("https://127.0.0.1:", host.BaseUrl);

            var written = X509Certificate2.CreateFromPem(File.ReadAllText(pem));
            X509Certificate2? presented = null;
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
                {
                    presented = cert == null ? null : new X509Certificate2(cert);
                    return cert != null && cert.Thumbprint == written.Thumbprint;
                },
            };
            using var http = new HttpClient(handler) { BaseAddress = new Uri(host.BaseUrl) };
            var request = new HttpRequestMessage(HttpMethod.Get, Emu.V3 + "/device?rows=2");
            request.Headers.Add("X-Auth-Token", Emu.Api);
            var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(written.Thumbprint, presented!.Thumbprint);
            Assert.Contains("127.0.0.1", presented.GetNameInfo(X509NameType.DnsName, false) + string.Join(",", presented.Extensions.Select(e => e.Format(false))));

            // A client with the default validation refuses the self-signed certificate.
            using var strict = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
            await Assert.ThrowsAsync<HttpRequestException>(() => strict.GetAsync(Emu.V3 + "/device"));
        }
        finally
        {
            File.Delete(pem);
        }
    }
}
