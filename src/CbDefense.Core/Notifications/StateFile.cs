using System;
using System.IO;
using System.Text;

namespace CbDefense
{
    /// <summary>
    /// The durable state files of the watchers (Watch-CbNotification's spool, Watch-CbAlert's watermark): one process at
    /// a time (a lock file &lt;path&gt;.lock held while the watch runs, removed when it ends), and every write atomic (a
    /// temporary file flushed to disk, then renamed over the state file), so a process killed at any moment leaves
    /// either the old state or the new one, never half of one.
    /// </summary>
    internal static class StateFile
    {
        /// <summary>The full path, after checking that its folder exists.</summary>
        public static string Resolve(string path)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("A state file path is required.", nameof(path));
            string full = Path.GetFullPath(path);
            string? dir = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
                throw new DirectoryNotFoundException("The folder of the state file does not exist: " + dir);
            return full;
        }

        /// <summary>Holds the lock file; IOException when another watcher holds it.</summary>
        public static FileStream Lock(string full)
        {
            try
            {
                return new FileStream(full + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException ex)
            {
                throw new IOException("The state file " + full + " is in use by another watcher (its lock file " + full + ".lock is held).", ex);
            }
        }

        /// <summary>The file's text, or null when it does not exist or is empty (a temp file left by a crash is ignored).</summary>
        public static string? Read(string full)
        {
            if (!File.Exists(full)) return null;
            string text = File.ReadAllText(full, Encoding.UTF8);
            return text.Trim().Length == 0 ? null : text;
        }

        /// <summary>Replaces the file's content atomically and durably.</summary>
        public static void Write(string full, string text)
        {
            byte[] bytes = new UTF8Encoding(false).GetBytes(text);
            string tmp = full + ".tmp";
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
            {
                fs.Write(bytes, 0, bytes.Length);
                fs.Flush(true); // fsync
            }
            if (File.Exists(full)) File.Replace(tmp, full, null, true);
            else File.Move(tmp, full);
        }
    }
}
