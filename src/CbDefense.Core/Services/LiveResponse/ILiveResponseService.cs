using System;
using System.IO;
using System.Threading.Tasks;

namespace CbDefense.Services.LiveResponse
{
    /// <summary>
    /// The Live Response routes of one API generation (v3 cblr with a LIVE_RESPONSE key, or v6 liveresponse with a Custom
    /// key): sessions, commands and session files, wire shapes only. What a command means, the waits, the retries and
    /// the session bookkeeping are <see cref="LiveResponseManager"/>'s and <see cref="LiveResponseOperations"/>'.
    /// </summary>
    internal interface ILiveResponseService
    {
        ApiGeneration Generation { get; }

        /// <summary>Opens a session on the device (or gets its open one: the server keeps one per device).</summary>
        Task<LrSessionState> CreateSessionAsync(long deviceId, CallContext ctx);
        Task<LrSessionState> GetSessionAsync(string sessionId, CallContext ctx);
        Task CloseSessionAsync(string sessionId, CallContext ctx);
        Task KeepaliveAsync(string sessionId, CallContext ctx);

        /// <summary>Posts a command (the target goes where the generation wants it: v3 object, v6 path or pid).</summary>
        Task<LrCommandState> PostCommandAsync(string sessionId, LrCommand command, CallContext ctx);
        Task<LrCommandState> GetCommandAsync(string sessionId, string commandId, CallContext ctx);
        /// <summary>Cancels a command that has not finished; false when the generation has no such route.</summary>
        Task<bool> CancelCommandAsync(string sessionId, string commandId, CallContext ctx);

        /// <summary>Uploads a local file to the session's files (multipart, part "file"), streamed; returns the file id.</summary>
        Task<string> UploadFileAsync(string sessionId, string localPath, string fileName, Action<long>? progress, CallContext ctx);
        /// <summary>
        /// Downloads a session file into <paramref name="destination"/> (seekable: a retried attempt starts it again),
        /// streamed; returns the byte count.
        /// </summary>
        Task<long> DownloadFileAsync(string sessionId, string fileId, Stream destination, Action<long, long?>? progress, CallContext ctx);
        Task DeleteFileAsync(string sessionId, string fileId, CallContext ctx);
    }
}
