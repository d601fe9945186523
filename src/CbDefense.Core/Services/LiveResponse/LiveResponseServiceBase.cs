using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using CbDefense.Http;

namespace CbDefense.Services.LiveResponse
{
    /// <summary>What both Live Response route families share: JSON calls, streamed uploads and downloads, key errors.</summary>
    internal abstract class LiveResponseServiceBase : ILiveResponseService
    {
        protected LiveResponseServiceBase(CbClient client) { Client = client; }

        protected CbClient Client { get; }

        public abstract ApiGeneration Generation { get; }

        /// <summary>The key this family needs, for the error a refused key gets.</summary>
        protected abstract string KeyAdvice { get; }

        public abstract Task<LrSessionState> CreateSessionAsync(long deviceId, CallContext ctx);
        public abstract Task<LrSessionState> GetSessionAsync(string sessionId, CallContext ctx);
        public abstract Task CloseSessionAsync(string sessionId, CallContext ctx);
        public abstract Task KeepaliveAsync(string sessionId, CallContext ctx);
        public abstract Task<LrCommandState> PostCommandAsync(string sessionId, LrCommand command, CallContext ctx);
        public abstract Task<LrCommandState> GetCommandAsync(string sessionId, string commandId, CallContext ctx);
        public abstract Task<bool> CancelCommandAsync(string sessionId, string commandId, CallContext ctx);
        public abstract Task DeleteFileAsync(string sessionId, string fileId, CallContext ctx);
        protected abstract string FilesPath(string sessionId);
        protected abstract string FileContentPath(string sessionId, string fileId);

        /// <summary>A session id in a path: escaped, except the ':' of "1:2468" (as cbapi and the SDK send it).</summary>
        protected static string Seg(string id) => Uri.EscapeDataString(id).Replace("%3A", ":");

        /// <summary>Sends a JSON request and returns the reply's object (an empty reply is an empty object).</summary>
        protected async Task<Dictionary<string, object?>> CallAsync(CbRequest request, CallContext ctx)
        {
            try
            {
                var r = await Client.SendJsonAsync(request, ctx).ConfigureAwait(false);
                if (r.Json is Dictionary<string, object?> d) return d;
                if (r.Text.Trim().Length == 0) return new Dictionary<string, object?>(StringComparer.Ordinal);
                throw ErrorMapper.Invalid(r.Method, r.RequestUri, r.StatusCode, r.ReasonPhrase, r.ContentType, "not a JSON object", r.Text, null);
            }
            catch (CbApiException ex) when (IsKeyRefusal(ex))
            {
                throw new CbUnauthorizedException(KeyAdvice + " The server said: " + (ex.ServerMessage ?? "HTTP " + ex.StatusCode) +
                                                  " [" + ex.Method + " " + ex.RequestUri + "]", ex)
                { StatusCode = ex.StatusCode, Method = ex.Method, RequestUri = ex.RequestUri, ServerMessage = ex.ServerMessage, ErrorCode = ex.ErrorCode };
            }
        }

        /// <summary>401, or a 403 that is not the org's session limit: the key cannot use Live Response.</summary>
        internal static bool IsKeyRefusal(CbApiException ex) =>
            ex.StatusCode == 401 || (ex.StatusCode == 403 && !LiveResponseManager.IsSessionLimit(ex));

        protected static Dictionary<string, object?> Body(params (string Key, object? Value)[] fields)
        {
            var d = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (k, v) in fields) d[k] = v;
            return d;
        }

        public async Task<string> UploadFileAsync(string sessionId, string localPath, string fileName, Action<long>? progress, CallContext ctx)
        {
            long length = new FileInfo(localPath).Length;
            var request = CbRequest.Create(HttpMethod.Post, FilesPath(sessionId)).WithContent(() =>
            {
                var file = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.SequentialScan | FileOptions.Asynchronous);
                var part = new StreamContent(new ProgressStream(file, progress), 81920);
                part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                part.Headers.ContentLength = length;
                var form = new MultipartFormDataContent { { part, "file", fileName } };
                return form;
            }, "[multipart/form-data: file '" + fileName + "', " + length.ToString(CultureInfo.InvariantCulture) + " bytes]").AsTransfer();
            var reply = await Client.SendAsync(request, async (info, body, ct) =>
            {
                using (var reader = new StreamReader(body))
                {
                    string text = await reader.ReadToEndAsync().ConfigureAwait(false);
                    if (!Json.PlainJson.TryParse(text, out var json) || !(json is Dictionary<string, object?> d))
                        throw ErrorMapper.Invalid(info.Method, info.Path, info.Status, info.Reason, info.ContentType, "not a JSON object", text, null);
                    return d;
                }
            }, ctx).ConfigureAwait(false);
            return LrSessionState.Str(reply, "id") ??
                   throw new CbInvalidResponseException("The upload's reply has no file id. [POST " + FilesPath(sessionId) + "]") { Method = "POST", RequestUri = FilesPath(sessionId) };
        }

        public virtual Task<long> DownloadFileAsync(string sessionId, string fileId, Stream destination, Action<long, long?>? progress, CallContext ctx) =>
            Client.SendAsync(CbRequest.Create(HttpMethod.Get, FileContentPath(sessionId, fileId)).AsTransfer().WithAccept("application/octet-stream, */*"),
                             (info, body, ct) => CopyAsync(info, body, destination, progress, ct), ctx);

        /// <summary>
        /// Copies a reply body into the destination from its start (an attempt after a failed one starts again), 80 KiB at a
        /// time, reporting bytes as they come. A body shorter than its Content-Length, or one that stalls for TimeoutSec,
        /// is an IOException (the transport retries a GET on it).
        /// </summary>
        protected async Task<long> CopyAsync(ResponseInfo info, Stream body, Stream destination, Action<long, long?>? progress, CancellationToken ct)
        {
            destination.Position = 0;
            destination.SetLength(0);
            long total = 0;
            long? expected = info.ContentLength;
            int idleSec = Math.Max(1, Client.Session.TimeoutSec);
            var buffer = ArrayPool<byte>.Shared.Rent(81920);
            try
            {
                progress?.Invoke(0, expected);
                while (true)
                {
                    int n;
                    using (var idle = CancellationTokenSource.CreateLinkedTokenSource(ct))
                    {
                        idle.CancelAfter(TimeSpan.FromSeconds(idleSec));
                        try
                        {
                            n = await body.ReadAsync(buffer, 0, buffer.Length, idle.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                        {
                            throw new IOException("The download stalled: no data for " + idleSec + " s (TimeoutSec) after " + total + " bytes.");
                        }
                    }
                    if (n == 0) break;
                    await destination.WriteAsync(buffer, 0, n, ct).ConfigureAwait(false);
                    total += n;
                    progress?.Invoke(total, expected);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            if (expected.HasValue && total != expected.Value)
                throw new IOException("The download ended after " + total + " of " + expected.Value + " bytes.");
            await destination.FlushAsync(ct).ConfigureAwait(false);
            return total;
        }

        /// <summary>A read-only stream that reports how many bytes have been read (an upload's progress).</summary>
        private sealed class ProgressStream : Stream
        {
            private readonly Stream _inner;
            private readonly Action<long>? _progress;
            private long _read;

            public ProgressStream(Stream inner, Action<long>? progress) { _inner = inner; _progress = progress; }

            public override bool CanRead => true;
            public override bool CanSeek => _inner.CanSeek;
            public override bool CanWrite => false;
            public override long Length => _inner.Length;
            public override long Position { get => _inner.Position; set { _inner.Position = value; _read = value; } }
            public override void Flush() { }
            public override int Read(byte[] buffer, int offset, int count) => Count(_inner.Read(buffer, offset, count));
            public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
                Count(await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false));
            public override long Seek(long offset, SeekOrigin origin) { long p = _inner.Seek(offset, origin); _read = p; return p; }
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

            private int Count(int n)
            {
                _read += n;
                if (n > 0) _progress?.Invoke(_read);
                return n;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing) _inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }
}
