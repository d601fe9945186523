using System;

namespace CbDefense
{
    /// <summary>Base of every error raised by the client (mirrors cbapi's ApiError).</summary>
    public class CbApiException : Exception
    {
        public CbApiException(string message) : base(message) { }
        public CbApiException(string message, Exception? innerException) : base(message, innerException) { }

        /// <summary>HTTP status, when a response was received.</summary>
        public int? StatusCode { get; internal set; }
        /// <summary>HTTP method of the failed request.</summary>
        public string? Method { get; internal set; }
        /// <summary>Path and query of the failed request (never the host credentials or token).</summary>
        public string? RequestUri { get; internal set; }
        /// <summary>The message parsed from the server's error body, if any.</summary>
        public string? ServerMessage { get; internal set; }
        /// <summary>The first ~500 characters of a body that was not JSON.</summary>
        public string? ResponseSnippet { get; internal set; }
        /// <summary>The server's error_code (v6 bodies) or reason, if any.</summary>
        public string? ErrorCode { get; internal set; }
        /// <summary>The <c>status</c> text of a JSON error body (Live Response answers NOT_FOUND for a session gone), if any.</summary>
        public string? ServerStatus { get; internal set; }
        /// <summary>What to do about it, when the code that raised it knows better than the exception type says.</summary>
        public string? RecommendedAction { get; internal set; }
        /// <summary>True when the error reply's body was JSON.</summary>
        internal bool BodyWasJson { get; set; }
    }

    /// <summary>HTTP status 500 or more, or a 2xx reply that says it failed (success:false, errorMessage).</summary>
    public class CbServerException : CbApiException
    {
        public CbServerException(string message) : base(message) { }
        public CbServerException(string message, Exception? inner) : base(message, inner) { }
    }

    /// <summary>HTTP 404.</summary>
    public class CbObjectNotFoundException : CbApiException
    {
        public CbObjectNotFoundException(string message) : base(message) { }
        public CbObjectNotFoundException(string message, Exception? inner) : base(message, inner) { }
    }

    /// <summary>HTTP 401: bad, missing or wrong-type API key.</summary>
    public class CbUnauthorizedException : CbApiException
    {
        public CbUnauthorizedException(string message) : base(message) { }
        public CbUnauthorizedException(string message, Exception? inner) : base(message, inner) { }
    }

    /// <summary>HTTP 400 whose body has reason "query_malformed_syntax".</summary>
    public class CbQuerySyntaxException : CbApiException
    {
        public CbQuerySyntaxException(string message) : base(message) { }
        public CbQuerySyntaxException(string message, Exception? inner) : base(message, inner) { }
    }

    /// <summary>Any other HTTP status of 400 or more (400, 403, 405, 409, 429 after the retries...).</summary>
    public class CbClientException : CbApiException
    {
        public CbClientException(string message) : base(message) { }
        public CbClientException(string message, Exception? inner) : base(message, inner) { }
    }

    /// <summary>
    /// The server no longer offers the route (HTTP 410 Gone, or 404 with a JSON body on a legacy collection route): Carbon
    /// Black switched the legacy v3 API off in 2024-2025. The message says what to use instead.
    /// </summary>
    public class CbRetiredApiException : CbClientException
    {
        public CbRetiredApiException(string message) : base(message) { }
        public CbRetiredApiException(string message, Exception? inner) : base(message, inner) { }
    }

    /// <summary>A request attempt took longer than the session's TimeoutSec.</summary>
    public class CbTimeoutException : CbApiException
    {
        public CbTimeoutException(string message) : base(message) { }
        public CbTimeoutException(string message, Exception? inner) : base(message, inner) { }
    }

    /// <summary>The connection failed (DNS, refused, reset, TLS) after the retries.</summary>
    public class CbConnectionException : CbApiException
    {
        public CbConnectionException(string message) : base(message) { }
        public CbConnectionException(string message, Exception? inner) : base(message, inner) { }
    }

    /// <summary>A reply that should be JSON is not (an HTML page from a proxy, a truncated or malformed body).</summary>
    public class CbInvalidResponseException : CbApiException
    {
        public CbInvalidResponseException(string message) : base(message) { }
        public CbInvalidResponseException(string message, Exception? inner) : base(message, inner) { }
    }

    /// <summary>Credentials could not be found or read. The message never holds the secret.</summary>
    public class CbCredentialException : CbApiException
    {
        public CbCredentialException(string message) : base(message) { }
        public CbCredentialException(string message, Exception? inner) : base(message, inner) { }
    }

    /// <summary>An exception whose message held the session's secret, kept with the secret masked and its type's name.</summary>
    public sealed class RedactedException : Exception
    {
        public RedactedException(string originalType, string message, Exception? inner) : base(message, inner) { OriginalType = originalType; }

        /// <summary>The full name of the type of the exception this one stands for.</summary>
        public string OriginalType { get; }

        public override string ToString() => OriginalType + ": " + base.ToString();
    }
}
