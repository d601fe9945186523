using System;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace CbDefense.Http
{
    /// <summary>
    /// Tells a connection failure that retrying cannot fix from a transient one, and says what to do about it:
    /// a refused port, a host name that does not resolve, a TLS certificate that is not trusted, a TLS handshake with a
    /// server that speaks plain HTTP, or plain HTTP sent to a server that speaks TLS. The last two are confirmed with a
    /// small probe of the port (no request, no token), so a reset on a healthy server is never mistaken for them.
    /// </summary>
    internal static class ConnectionDiagnosis
    {
        internal static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

        /// <summary>A message for a failure that will not go away by itself, or null when it may be transient.</summary>
        public static async Task<string?> DiagnoseAsync(Uri server, SessionOptions options, Exception failure, bool probe, CancellationToken ct)
        {
            string authority = server.Host + ":" + server.Port;
            var proxy = Session.ProxyFor(options, server);
            bool viaProxy = proxy != null;
            bool https = string.Equals(server.Scheme, "https", StringComparison.OrdinalIgnoreCase);

            int tunnel = TunnelStatus(failure);
            if (tunnel >= 400 && tunnel < 500 && tunnel != 408 && tunnel != 429)
                return "The proxy" + (proxy != null ? " " + proxy.GetLeftPart(UriPartial.Authority) : "") + " refused to open a tunnel to " + authority + " (HTTP " +
                       tunnel.ToString(System.Globalization.CultureInfo.InvariantCulture) + " to CONNECT): its rules do not let this " +
                       "session reach the server. Check the proxy's access rules, or connect without it (-NoProxy) if the server is reachable directly.";

            var socket = Find<SocketException>(failure);
            if (socket != null)
            {
                switch (socket.SocketErrorCode)
                {
                    case SocketError.ConnectionRefused:
                        return viaProxy
                            ? "The proxy " + proxy!.GetLeftPart(UriPartial.Authority) + " refused the connection (nothing listens there). Check -Proxy or the profile's proxy."
                            : "Nothing listens on " + authority + " (connection refused). Check the server URL and its port" +
                              (Session.IsLoopback(server) ? "; if it is the emulator, is it still running?" : ".");
                    case SocketError.HostNotFound:
                    case SocketError.NoData:
                        return "The host name '" + (viaProxy ? proxy!.Host + "' of the proxy" : server.Host + "'") +
                               " could not be resolved (no such host). Check the " + (viaProxy ? "proxy URL." : "server URL.");
                }
            }

            var auth = Find<AuthenticationException>(failure);
            if (https && (auth != null || LooksLikeTlsFailure(failure)))
            {
                string detail = Transport.Flatten(auth ?? failure).TrimEnd();
                if (detail.Length > 0 && ".!?".IndexOf(detail[detail.Length - 1]) < 0) detail += ".";
                if (detail.IndexOf("certificate", StringComparison.OrdinalIgnoreCase) >= 0)
                    return "The TLS certificate of " + authority + " was not accepted: " + detail + " If the server uses a private CA or a " +
                           "self-signed certificate, trust it with -CertificateFile (ssl_cert_file in a profile); -SkipCertificateCheck turns " +
                           "the check off (not for production).";
                if (probe && await SpeaksPlainHttpAsync(server, ct).ConfigureAwait(false))
                    return "The server at " + authority + " speaks plain HTTP, not HTTPS: the URL says https:// but the TLS handshake got an " +
                           "HTTP reply. Use http://" + authority + " (the token then travels unencrypted: only for loopback, or with " +
                           "-AllowUnencryptedAuthentication), or the port where the server serves HTTPS.";
                if (auth != null)
                    return "The TLS handshake with " + authority + " failed: " + detail + " Check that this port serves HTTPS; for a private CA " +
                           "use -CertificateFile, and ssl_force_tls_1_2 only if the server supports TLS 1.2.";
            }
            else if (!https && probe && socket == null && await SpeaksTlsAsync(server, ct).ConfigureAwait(false))
            {
                return "The server at " + authority + " speaks HTTPS, not plain HTTP: the URL says http:// but the port expects a TLS handshake. " +
                       "Use https://" + authority + ".";
            }
            return null;
        }

        /// <summary>
        /// The status a proxy answered to the CONNECT of an https request (407: it wants credentials; 403: its rules refuse
        /// the server), or 0 when the failure is something else. .NET reports it as the HttpRequestException's StatusCode
        /// (.NET 5 and later); .NET Framework as a WebException with the proxy's response.
        /// </summary>
        internal static int TunnelStatus(Exception failure)
        {
            for (var e = failure; e != null; e = e.InnerException)
            {
                if (e is System.Net.Http.HttpRequestException && RequestStatusCode?.GetValue(e) is System.Net.HttpStatusCode code) return (int)code;
                if (e is System.Net.WebException web && web.Response is System.Net.HttpWebResponse r) return (int)r.StatusCode;
            }
            return 0;
        }

        // HttpRequestException.StatusCode exists from .NET 5 on; Core targets netstandard2.0, which lacks it.
        private static readonly System.Reflection.PropertyInfo? RequestStatusCode = typeof(System.Net.Http.HttpRequestException).GetProperty("StatusCode");

        private static bool LooksLikeTlsFailure(Exception ex)
        {
            for (var e = ex; e != null; e = e.InnerException)
            {
                string m = e.Message;
                if (m.IndexOf("SSL", StringComparison.Ordinal) >= 0 || m.IndexOf("TLS", StringComparison.Ordinal) >= 0 ||
                    m.IndexOf("frame", StringComparison.OrdinalIgnoreCase) >= 0 || m.IndexOf("handshake", StringComparison.OrdinalIgnoreCase) >= 0)
                    return true;
            }
            return false;
        }

        private static T? Find<T>(Exception ex) where T : Exception
        {
            for (var e = ex; e != null; e = e.InnerException)
                if (e is T t) return t;
            return null;
        }

        /// <summary>True when the port answers a plain HTTP request (sent without any credential).</summary>
        internal static Task<bool> SpeaksPlainHttpAsync(Uri server, CancellationToken ct) =>
            ProbeAsync(server, ct, async (tcp, token) =>
            {
                var stream = tcp.GetStream();
                byte[] hello = Encoding.ASCII.GetBytes("HEAD / HTTP/1.0\r\nHost: " + server.Host + "\r\n\r\n");
                await stream.WriteAsync(hello, 0, hello.Length, token).ConfigureAwait(false);
                var buf = new byte[5];
                int n = 0;
                while (n < buf.Length)
                {
                    int k = await stream.ReadAsync(buf, n, buf.Length - n, token).ConfigureAwait(false);
                    if (k == 0) break;
                    n += k;
                }
                return n == 5 && Encoding.ASCII.GetString(buf) == "HTTP/";
            });

        /// <summary>True when the port completes a TLS handshake (any certificate; nothing is sent over it).</summary>
        internal static Task<bool> SpeaksTlsAsync(Uri server, CancellationToken ct) =>
            ProbeAsync(server, ct, async (tcp, token) =>
            {
#pragma warning disable CA5359 // A diagnosis probe: it only asks whether the port speaks TLS at all; nothing is sent over it.
                using (var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true))
#pragma warning restore CA5359
                {
                    await ssl.AuthenticateAsClientAsync(server.Host).ConfigureAwait(false);
                    return true;
                }
            });

        /// <summary>Connects to the server's port and runs one probe on it, within ProbeTimeout; any network failure is false.</summary>
        private static async Task<bool> ProbeAsync(Uri server, CancellationToken ct, Func<TcpClient, CancellationToken, Task<bool>> probe)
        {
            try
            {
                using (var cts = CancellationTokenSource.CreateLinkedTokenSource(ct))
                using (var tcp = new TcpClient())
                {
                    cts.CancelAfter(ProbeTimeout);
                    using (cts.Token.Register(() => tcp.Dispose()))
                    {
                        await tcp.ConnectAsync(server.Host, server.Port).ConfigureAwait(false);
                        return await probe(tcp, cts.Token).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException || ex is SocketException || ex is AuthenticationException ||
                                       ex is ObjectDisposedException || ex is OperationCanceledException || ex is InvalidOperationException)
            {
                ct.ThrowIfCancellationRequested();
                return false;
            }
        }
    }
}
