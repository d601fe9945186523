namespace CbDefense
{
    /// <summary>A response of the raw API (Invoke-CbApi): status, text and the parsed JSON as plain .NET values.</summary>
    public sealed class ApiResponse
    {
        internal ApiResponse(string method, string requestUri, int statusCode, string? reasonPhrase, string? contentType, string text, object? json, bool isJson)
        {
            Method = method;
            RequestUri = requestUri;
            StatusCode = statusCode;
            ReasonPhrase = reasonPhrase;
            ContentType = contentType;
            Text = text;
            Json = json;
            IsJson = isJson;
        }

        public string Method { get; }
        /// <summary>Path and query.</summary>
        public string RequestUri { get; }
        public int StatusCode { get; }
        public string? ReasonPhrase { get; }
        /// <summary>Media type, e.g. application/json.</summary>
        public string? ContentType { get; }
        /// <summary>The body as text ("" when empty).</summary>
        public string Text { get; }
        /// <summary>The parsed body: Dictionary&lt;string, object?&gt;, List&lt;object?&gt;, string, long, double, bool or null.</summary>
        public object? Json { get; }
        /// <summary>True when the body parsed as JSON.</summary>
        public bool IsJson { get; }

        public override string ToString() => StatusCode + " " + ReasonPhrase + " (" + Method + " " + RequestUri + ")";
    }
}
