using System;

namespace CbDefense
{
    /// <summary>
    /// An API key: the secret key and the API ID. The secret is never exposed publicly; it only
    /// builds the X-Auth-Token header (<c>SECRET/ID</c>) inside the library.
    /// </summary>
    public sealed class ApiToken
    {
        private readonly string _secret;

        public ApiToken(string secretKey, string apiId)
        {
            if (!IsValidPart(secretKey))
                throw new ArgumentException("The API secret key must be non-empty and contain no whitespace or '/'.", nameof(secretKey));
            if (!IsValidPart(apiId))
                throw new ArgumentException("The API ID must be non-empty and contain no whitespace or '/'.", nameof(apiId));
            _secret = secretKey;
            ApiId = apiId;
        }

        /// <summary>The API ID (the part after the '/'), not secret.</summary>
        public string ApiId { get; }

        internal string Secret => _secret;

        /// <summary>The X-Auth-Token header value, <c>SECRET/ID</c>.</summary>
        internal string HeaderValue => _secret + "/" + ApiId;

        /// <summary>Parses <c>SECRET/ID</c>. The error message never contains the input.</summary>
        public static ApiToken Parse(string token)
        {
            if (TryParse(token, out var result, out var problem))
                return result!;
            throw new FormatException(problem);
        }

        public static bool TryParse(string? token, out ApiToken? result) => TryParse(token, out result, out _);

        internal static bool TryParse(string? token, out ApiToken? result, out string problem)
        {
            result = null;
            if (token == null || token.Length == 0)
            {
                problem = "The API token is empty; expected the form SECRET/ID (API secret key, '/', API ID).";
                return false;
            }
            int slash = token.IndexOf('/');
            if (slash < 0)
            {
                problem = "The API token has no '/'; expected the form SECRET/ID (API secret key, '/', API ID).";
                return false;
            }
            if (token.IndexOf('/', slash + 1) >= 0)
            {
                problem = "The API token has more than one '/'; expected the form SECRET/ID (API secret key, '/', API ID).";
                return false;
            }
            string secret = token.Substring(0, slash);
            string id = token.Substring(slash + 1);
            if (secret.Length == 0 || id.Length == 0)
            {
                problem = "The API token has an empty part; expected the form SECRET/ID with both parts non-empty.";
                return false;
            }
            if (HasWhitespace(token))
            {
                problem = "The API token contains whitespace; expected the form SECRET/ID.";
                return false;
            }
            result = new ApiToken(secret, id);
            problem = "";
            return true;
        }

        private static bool IsValidPart(string? s) => !string.IsNullOrEmpty(s) && !HasWhitespace(s!) && s!.IndexOf('/') < 0;

        private static bool HasWhitespace(string s)
        {
            foreach (char c in s)
                if (char.IsWhiteSpace(c) || char.IsControl(c)) return true;
            return false;
        }

        /// <summary>Redacted: only the API ID.</summary>
        public override string ToString() => "ApiToken(API ID " + ApiId + ", secret redacted)";
    }
}
