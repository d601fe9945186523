using System;
using System.Globalization;
using System.IO;

namespace CbDefense.Commands
{
    /// <summary>
    /// A file a Live Response download writes: the destination (a file, or a folder the remote name goes into; {DeviceId}
    /// and {HostName} are replaced per device), written under a temporary name beside it and renamed only once complete,
    /// so a broken download never leaves a file that looks whole.
    /// </summary>
    internal sealed class LocalFile : IDisposable
    {
        private readonly string _temp;
        private FileStream? _stream;
        private bool _committed;

        private LocalFile(string path, bool overwrite)
        {
            Path = path;
            Overwrite = overwrite;
            string folder = System.IO.Path.GetDirectoryName(path) ?? ".";
            _temp = System.IO.Path.Combine(folder, "." + System.IO.Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".partial");
        }

        public string Path { get; }
        public bool Overwrite { get; }

        /// <summary>The stream the download writes (the temporary file).</summary>
        public Stream Stream => _stream ??= new FileStream(_temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous);

        /// <summary>
        /// Where a remote file goes: <paramref name="destination"/> (already a file-system path; null means the current
        /// folder) with the tokens replaced; an existing folder, or a path ending in a separator, takes the remote file's
        /// name. Refuses (IOException) an existing file without <paramref name="overwrite"/>, and a missing folder.
        /// </summary>
        public static LocalFile For(string destination, string remoteLeaf, long deviceId, string? hostName, bool overwrite)
        {
            string d = destination
                .Replace("{DeviceId}", deviceId.ToString(CultureInfo.InvariantCulture))
                .Replace("{HostName}", Safe(hostName ?? deviceId.ToString(CultureInfo.InvariantCulture)));
            bool folder = Directory.Exists(d) || d.EndsWith(System.IO.Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ||
                          d.EndsWith("/", StringComparison.Ordinal);
            string path;
            if (folder)
            {
                Directory.CreateDirectory(d);
                path = System.IO.Path.Combine(d, Safe(remoteLeaf));
            }
            else
            {
                string parent = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(d)) ?? ".";
                if (!Directory.Exists(parent))
                    throw new DirectoryNotFoundException("The folder " + parent + " does not exist; nothing was fetched.");
                path = System.IO.Path.GetFullPath(d);
            }
            if (Directory.Exists(path))
                throw new IOException(path + " is a folder; give a file name or a folder to put the file in.");
            if (File.Exists(path) && !overwrite)
                throw new IOException("The file " + path + " exists; use -Force to overwrite it, or put {HostName} in -Destination when several devices send a file of the same name. Nothing was fetched.");
            return new LocalFile(path, overwrite);
        }

        /// <summary>A name that is valid on this machine (a remote name may hold characters a local file system refuses).</summary>
        internal static string Safe(string name)
        {
            var invalid = System.IO.Path.GetInvalidFileNameChars();
            var chars = name.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
                if (Array.IndexOf(invalid, chars[i]) >= 0 || chars[i] == '\\' || chars[i] == '/' || chars[i] == ':') chars[i] = '_';
            string s = new string(chars).Trim();
            return s.Length == 0 || s == "." || s == ".." ? "file" : s;
        }

        /// <summary>Renames the complete download to its name (replacing the file only with -Force).</summary>
        public FileInfo Commit()
        {
            Stream.Flush();
            _stream!.Dispose();
            _stream = null;
            if (File.Exists(Path))
            {
                if (!Overwrite) throw new IOException("The file " + Path + " appeared while it was downloading; use -Force to overwrite it.");
                File.Delete(Path);
            }
            File.Move(_temp, Path);
            _committed = true;
            return new FileInfo(Path);
        }

        /// <summary>Removes the temporary file unless the download was committed.</summary>
        public void Dispose()
        {
            _stream?.Dispose();
            _stream = null;
            if (!_committed)
            {
                try { if (File.Exists(_temp)) File.Delete(_temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }
}
