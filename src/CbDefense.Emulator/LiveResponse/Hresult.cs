using System.Collections.Generic;

namespace CbDefense.Emulator.LiveResponse;

/// <summary>A failed Live Response command: the Win32 error as an HRESULT, reported with result_type WinHresult.</summary>
internal sealed record LrError(int Win32, string Name, string Description)
{
    /// <summary>HRESULT_FROM_WIN32 as a signed 32-bit number, the way the fixtures carry result_code
    /// (ERROR_FILE_NOT_FOUND = 0x80070002 = -2147024894).</summary>
    public int Hresult => Win32 == 0 ? 0 : unchecked((int)(0x80070000u | ((uint)Win32 & 0xFFFF)));
}

/// <summary>The Win32 errors the simulated sensor reports (docs/emulator.md, "HRESULTs").</summary>
internal static class Hr
{
    public static readonly LrError FileNotFound = new(2, "ERROR_FILE_NOT_FOUND", "File not found");
    public static readonly LrError PathNotFound = new(3, "ERROR_PATH_NOT_FOUND", "Path not found");
    public static readonly LrError AccessDenied = new(5, "ERROR_ACCESS_DENIED", "Access denied");
    public static readonly LrError SharingViolation = new(32, "ERROR_SHARING_VIOLATION", "The process cannot access the file because it is being used by another process");
    public static readonly LrError FileExists = new(80, "ERROR_FILE_EXISTS", "The file exists");
    public static readonly LrError InvalidParameter = new(87, "ERROR_INVALID_PARAMETER", "The parameter is incorrect");
    public static readonly LrError InvalidName = new(123, "ERROR_INVALID_NAME", "The file name, directory name, or volume label syntax is incorrect");
    public static readonly LrError DirNotEmpty = new(145, "ERROR_DIR_NOT_EMPTY", "The directory is not empty");
    public static readonly LrError AlreadyExists = new(183, "ERROR_ALREADY_EXISTS", "Cannot create a file when that file already exists");
    public static readonly LrError Directory = new(267, "ERROR_DIRECTORY", "The directory name is invalid");
    public static readonly LrError Timeout = new(1460, "ERROR_TIMEOUT", "This operation returned because the timeout period expired");

    public static readonly IReadOnlyList<LrError> All = new[]
    {
        FileNotFound, PathNotFound, AccessDenied, SharingViolation, FileExists, InvalidParameter, InvalidName,
        DirNotEmpty, AlreadyExists, Directory, Timeout,
    };
}
