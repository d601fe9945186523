using System.Collections.Generic;
using System.Globalization;

namespace CbDefense.Services.LiveResponse
{
    /// <summary>Decodes the HRESULTs sensors report (result_type WinHresult) into Win32 error names.</summary>
    internal static class Win32Errors
    {
        private static readonly Dictionary<int, string> Names = new Dictionary<int, string>
        {
            [1] = "ERROR_INVALID_FUNCTION", [2] = "ERROR_FILE_NOT_FOUND", [3] = "ERROR_PATH_NOT_FOUND", [4] = "ERROR_TOO_MANY_OPEN_FILES",
            [5] = "ERROR_ACCESS_DENIED", [6] = "ERROR_INVALID_HANDLE", [8] = "ERROR_NOT_ENOUGH_MEMORY", [14] = "ERROR_OUTOFMEMORY",
            [15] = "ERROR_INVALID_DRIVE", [16] = "ERROR_CURRENT_DIRECTORY", [19] = "ERROR_WRITE_PROTECT", [21] = "ERROR_NOT_READY",
            [32] = "ERROR_SHARING_VIOLATION", [33] = "ERROR_LOCK_VIOLATION", [38] = "ERROR_HANDLE_EOF", [39] = "ERROR_HANDLE_DISK_FULL",
            [50] = "ERROR_NOT_SUPPORTED", [53] = "ERROR_BAD_NETPATH", [67] = "ERROR_BAD_NET_NAME", [80] = "ERROR_FILE_EXISTS",
            [87] = "ERROR_INVALID_PARAMETER", [112] = "ERROR_DISK_FULL", [122] = "ERROR_INSUFFICIENT_BUFFER", [123] = "ERROR_INVALID_NAME",
            [145] = "ERROR_DIR_NOT_EMPTY", [161] = "ERROR_BAD_PATHNAME", [170] = "ERROR_BUSY", [183] = "ERROR_ALREADY_EXISTS",
            [206] = "ERROR_FILENAME_EXCED_RANGE", [259] = "ERROR_NO_MORE_ITEMS", [267] = "ERROR_DIRECTORY", [995] = "ERROR_OPERATION_ABORTED",
            [1010] = "ERROR_BADKEY", [1018] = "ERROR_KEY_DELETED", [1060] = "ERROR_SERVICE_DOES_NOT_EXIST", [1223] = "ERROR_CANCELLED",
            [1314] = "ERROR_PRIVILEGE_NOT_HELD", [1326] = "ERROR_LOGON_FAILURE", [1392] = "ERROR_FILE_CORRUPT", [1460] = "ERROR_TIMEOUT",
        };

        /// <summary>
        /// The Win32 code of a result_code: an HRESULT of FACILITY_WIN32 (0x8007xxxx) sent signed (-2147024894) or unsigned
        /// (2147942402), or a bare Win32 code. Null for anything else.
        /// </summary>
        public static int? ToWin32(long resultCode)
        {
            uint hr = unchecked((uint)resultCode);
            if ((hr & 0xFFFF0000u) == 0x80070000u) return (int)(hr & 0xFFFF);
            if (resultCode > 0 && resultCode < 0x10000) return (int)resultCode;
            return null;
        }

        public static string? Name(int win32) => Names.TryGetValue(win32, out var n) ? n : null;

        /// <summary>"ERROR_FILE_NOT_FOUND (0x80070002)" or the code in hex when it is not a known Win32 error.</summary>
        public static string Describe(long resultCode)
        {
            string hex = "0x" + unchecked((uint)resultCode).ToString("X8", CultureInfo.InvariantCulture);
            var w = ToWin32(resultCode);
            string? name = w.HasValue ? Name(w.Value) : null;
            if (name != null) return name + " (" + hex + ")";
            return w.HasValue ? "Win32 error " + w.Value.ToString(CultureInfo.InvariantCulture) + " (" + hex + ")" : "HRESULT " + hex;
        }
    }
}
