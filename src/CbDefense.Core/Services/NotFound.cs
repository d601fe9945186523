using System;

namespace CbDefense.Services
{
    internal static class NotFound
    {
        /// <summary>
        /// A 404 restated for what was asked for ("Device 12 was not found"), keeping the server's message when it says
        /// more than that (a server message that is itself just "... not found" is not repeated).
        /// </summary>
        public static CbObjectNotFoundException Wrap(string what, CbObjectNotFoundException ex)
        {
            string? server = ex.ServerMessage;
            bool adds = !string.IsNullOrWhiteSpace(server) && server!.IndexOf("not found", StringComparison.OrdinalIgnoreCase) < 0;
            string text = what + " was not found" + (adds ? ": " + server : " (HTTP 404)") + " [" + ex.Method + " " + ex.RequestUri + "]";
            return new CbObjectNotFoundException(text, ex)
            {
                StatusCode = 404, Method = ex.Method, RequestUri = ex.RequestUri, ServerMessage = ex.ServerMessage,
                ErrorCode = ex.ErrorCode, ResponseSnippet = ex.ResponseSnippet,
            };
        }
    }
}
