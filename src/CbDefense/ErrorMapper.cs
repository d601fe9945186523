using System;
using System.Management.Automation;

namespace CbDefense.Commands
{
    /// <summary>Turns Core's exceptions into ErrorRecords with stable ids, categories and the server's message.</summary>
    internal static class ErrorMapper
    {
        public static ErrorCategory CategoryOf(Exception ex)
        {
            switch (ex)
            {
                case CbCredentialException _: return ErrorCategory.InvalidData;
                case CbLiveResponseException lr: return CategoryOfWin32(lr.Win32Error);
                case CbUnauthorizedException _: return ErrorCategory.PermissionDenied;
                case CbObjectNotFoundException _: return ErrorCategory.ObjectNotFound;
                case CbQuerySyntaxException _: return ErrorCategory.SyntaxError;
                case CbRetiredApiException _: return ErrorCategory.ResourceUnavailable;
                case CbTimeoutException _: return ErrorCategory.OperationTimeout;
                case CbConnectionException _: return ErrorCategory.ConnectionError;
                case CbInvalidResponseException _: return ErrorCategory.InvalidResult;
                case CbServerException _: return ErrorCategory.ConnectionError;
                case CbApiException api when api.StatusCode.HasValue: return CategoryOfStatus(api.StatusCode.Value);
                case OperationCanceledException _: return ErrorCategory.OperationStopped;
                case ArgumentException _: return ErrorCategory.InvalidArgument;
                case FormatException _: return ErrorCategory.InvalidArgument;
                case UnauthorizedAccessException _: return ErrorCategory.PermissionDenied;
                case System.IO.IOException _: return ErrorCategory.WriteError;
                default: return ErrorCategory.NotSpecified;
            }
        }

        /// <summary>A Live Response failure's category from the Win32 error the sensor reported.</summary>
        public static ErrorCategory CategoryOfWin32(int? win32)
        {
            switch (win32)
            {
                case 2: case 3: case 15: case 53: case 67: case 161: case 1060: return ErrorCategory.ObjectNotFound;
                case 5: case 19: case 1314: return ErrorCategory.PermissionDenied;
                case 32: case 33: case 170: return ErrorCategory.ResourceBusy;
                case 80: case 183: return ErrorCategory.ResourceExists;
                case 87: case 123: case 206: case 267: return ErrorCategory.InvalidArgument;
                case 39: case 112: return ErrorCategory.LimitsExceeded;
                case 1460: return ErrorCategory.OperationTimeout;
                case 1223: case 995: return ErrorCategory.OperationStopped;
                case null: return ErrorCategory.InvalidOperation;
                default: return ErrorCategory.NotSpecified;
            }
        }

        public static ErrorCategory CategoryOfStatus(int status)
        {
            if (status == 400) return ErrorCategory.InvalidArgument;
            if (status == 401 || status == 403) return ErrorCategory.PermissionDenied;
            if (status == 404) return ErrorCategory.ObjectNotFound;
            if (status == 409) return ErrorCategory.ResourceExists;
            if (status == 429) return ErrorCategory.LimitsExceeded;
            if (status >= 500) return ErrorCategory.ConnectionError;
            return ErrorCategory.InvalidOperation;
        }

        /// <summary>
        /// An ErrorRecord whose id is <paramref name="errorId"/> (stable, per cmdlet and failure) and whose message
        /// is the exception's (which carries the server's message). The status code, when there is one, is added to
        /// the id so scripts can tell a 404 from a 500 by FullyQualifiedErrorId.
        /// </summary>
        public static ErrorRecord ToRecord(Exception ex, string errorId, object? target)
        {
            string id = errorId;
            if (ex is CbApiException api && api.StatusCode.HasValue) id += "." + api.StatusCode.Value;
            var record = new ErrorRecord(ex, id, CategoryOf(ex), target);
            string? action = RecommendedAction(ex);
            if (action != null) record.ErrorDetails = new ErrorDetails(ex.Message) { RecommendedAction = action };
            return record;
        }

        private static string? RecommendedAction(Exception ex)
        {
            if (ex is CbApiException known && known.RecommendedAction != null) return known.RecommendedAction;
            switch (ex)
            {
                case CbUnauthorizedException _:
                    return "Check the API ID and secret key, and that the key's access level (API, SIEM, LIVE_RESPONSE) allows this route.";
                case CbLiveResponseException lr when lr.Win32Error == 80 || lr.Win32Error == 183:
                    return "The item exists on the device: use -Force to overwrite it.";
                case CbLiveResponseException lr when lr.Win32Error == 32:
                    return "The file is in use on the device (locked by a running process or the system).";
                case CbClientException c when c.StatusCode == 429:
                    return "The server is rate limiting this key. Wait and run the command again, or raise -MaximumRetryCount on Connect-CbDefense.";
                case CbRetiredApiException _:
                    return "Connect with -ApiGeneration Current, -OrgKey and an API key of access level Custom (Connect-CbDefense -ApiGeneration Current ...).";
                case CbTimeoutException _:
                    return "Raise -TimeoutSec on Connect-CbDefense, or check the network path to the server.";
                case CbInvalidResponseException _:
                    return "The reply was not the JSON the API sends; a proxy or gateway may have answered. Check -Proxy and the server URL.";
                default:
                    return null;
            }
        }
    }
}
