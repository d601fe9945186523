using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace CbDefense.Emulator.LiveResponse;

/// <summary>Immutable file content. Files on a device and files of a session point at blobs; writing a file
/// replaces its blob, so a fetched file is a snapshot and a download in progress is never disturbed.</summary>
internal abstract class Blob
{
    private string? _sha256;
    private readonly object _hashLock = new();

    public abstract long Length { get; }

    /// <summary>A fresh read-only stream over the whole content.</summary>
    public abstract Stream OpenRead();

    /// <summary>Lower-case hex SHA-256, computed once (streamed) and cached.</summary>
    public string Sha256()
    {
        lock (_hashLock)
        {
            if (_sha256 == null)
            {
                using var s = OpenRead();
                using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = s.Read(buf, 0, buf.Length)) > 0)
                {
                    h.AppendData(buf, 0, n);
                }
                _sha256 = Convert.ToHexStringLower(h.GetHashAndReset());
            }
            return _sha256;
        }
    }

    public static readonly Blob Empty = new MemoryBlob(Array.Empty<byte>());
}

internal sealed class MemoryBlob : Blob
{
    private readonly byte[] _data;

    public MemoryBlob(byte[] data) => _data = data;

    public MemoryBlob(string text) : this(Encoding.UTF8.GetBytes(text))
    {
    }

    public override long Length => _data.Length;

    public override Stream OpenRead() => new MemoryStream(_data, writable: false);

    public ReadOnlySpan<byte> Span => _data;
}

/// <summary>A window of another blob (get file with offset / get_count).</summary>
internal sealed class SliceBlob : Blob
{
    private readonly Blob _inner;
    private readonly long _offset;

    public SliceBlob(Blob inner, long offset, long count)
    {
        _inner = inner;
        Inner = inner;
        _offset = Math.Min(offset, inner.Length);
        Length = Math.Max(0, Math.Min(count, inner.Length - _offset));
    }

    public override long Length { get; }

    public Blob Inner { get; }

    public override Stream OpenRead()
    {
        var s = _inner.OpenRead();
        s.Seek(_offset, SeekOrigin.Begin);
        return new BoundedStream(s, Length);
    }
}

/// <summary>Deterministic pseudo-random content generated on the fly (never held in memory): word i of the
/// content is SplitMix64(key + i). <c>Sparse</c> makes three pages in four zero (memory dumps compress).</summary>
internal sealed class GeneratedBlob : Blob
{
    private readonly ulong _key;
    private readonly byte[] _header;
    private readonly bool _sparse;

    public GeneratedBlob(ulong key, long length, byte[]? header = null, bool sparse = false)
    {
        _key = key;
        Length = length;
        _header = header ?? Array.Empty<byte>();
        _sparse = sparse;
    }

    public override long Length { get; }

    public override Stream OpenRead() => new GeneratedStream(this);

    internal ulong Word(long index)
    {
        if (_sparse && ((index >> 9) & 3) != 0)
        {
            return 0; // 4 KiB pages: one in four carries data
        }
        ulong z = _key + (ulong)index * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    internal void Fill(long position, Span<byte> dest)
    {
        int done = 0;
        // unaligned head
        while (done < dest.Length && ((position + done) & 7) != 0)
        {
            long p = position + done;
            dest[done++] = (byte)(Word(p >> 3) >> (int)((p & 7) * 8));
        }
        // whole words
        int words = (dest.Length - done) / 8;
        if (words > 0)
        {
            var span = MemoryMarshal.Cast<byte, ulong>(dest.Slice(done, words * 8));
            long w0 = (position + done) >> 3;
            if (BitConverter.IsLittleEndian)
            {
                for (int i = 0; i < span.Length; i++)
                {
                    span[i] = Word(w0 + i);
                }
            }
            else
            {
                for (int i = 0; i < span.Length; i++)
                {
                    span[i] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(Word(w0 + i));
                }
            }
            done += words * 8;
        }
        // tail
        while (done < dest.Length)
        {
            long p = position + done;
            dest[done++] = (byte)(Word(p >> 3) >> (int)((p & 7) * 8));
        }
        // header overrides the first bytes
        if (position < _header.Length)
        {
            int n = (int)Math.Min(_header.Length - position, dest.Length);
            _header.AsSpan((int)position, n).CopyTo(dest);
        }
    }

    private sealed class GeneratedStream : Stream
    {
        private readonly GeneratedBlob _blob;
        private long _pos;

        public GeneratedStream(GeneratedBlob blob) => _blob = blob;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => _blob.Length;

        public override long Position
        {
            get => _pos;
            set => _pos = Math.Clamp(value, 0, _blob.Length);
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, _blob.Length - _pos);
            if (n <= 0)
            {
                return 0;
            }
            _blob.Fill(_pos, buffer[..n]);
            _pos += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => _pos + offset,
                _ => _blob.Length + offset,
            };
            return _pos;
        }

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>Text generated from a seed when read (small files: a few KiB at most).</summary>
internal sealed class TextBlob : Blob
{
    private readonly Func<string> _make;
    private readonly long _length;

    public TextBlob(Func<string> make)
    {
        _make = make;
        _length = Encoding.UTF8.GetByteCount(make());
    }

    public override long Length => _length;

    public override Stream OpenRead() => new MemoryStream(Encoding.UTF8.GetBytes(_make()), writable: false);
}

/// <summary>Content in a file of the emulator's temp folder (uploads, compressed memory dumps).</summary>
internal sealed class DiskBlob : Blob
{
    public DiskBlob(string path, long length)
    {
        FilePath = path;
        Length = length;
    }

    public string FilePath { get; }

    public override long Length { get; }

    public override Stream OpenRead() => new FileStream(FilePath, new FileStreamOptions
    {
        Mode = FileMode.Open,
        Access = FileAccess.Read,
        Share = FileShare.ReadWrite | FileShare.Delete,
        BufferSize = 0,
        Options = FileOptions.SequentialScan | FileOptions.Asynchronous,
    });
}

/// <summary>Read-only view of the first <c>length</c> bytes of a stream.</summary>
internal sealed class BoundedStream : Stream
{
    private readonly Stream _inner;
    private long _left;

    public BoundedStream(Stream inner, long length)
    {
        _inner = inner;
        _left = length;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_left <= 0)
        {
            return 0;
        }
        int n = _inner.Read(buffer[..(int)Math.Min(buffer.Length, _left)]);
        _left -= n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_left <= 0)
        {
            return 0;
        }
        int n = await _inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _left)], cancellationToken).ConfigureAwait(false);
        _left -= n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>The emulator's temp folder for uploaded files: one per process, removed at exit (and stale folders
/// of emulators that were killed are removed at start).</summary>
internal sealed class BlobStore : IDisposable
{
    private const string Prefix = "cbdefense-emulator-lr-";
    private long _seq;
    private bool _disposed;

    public BlobStore()
    {
        SweepStale();
        Folder = Path.Combine(Path.GetTempPath(), Prefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string NewPath(string extension = ".bin")
    {
        long n = Interlocked.Increment(ref _seq);
        return Path.Combine(Folder, n.ToString("D8", CultureInfo.InvariantCulture) + extension);
    }

    /// <summary>Copies <paramref name="source"/> to a new file of the store (streamed, 256 KiB at a time).</summary>
    public async Task<DiskBlob> WriteAsync(Stream source, CancellationToken cancellationToken)
    {
        string path = NewPath();
        long length = 0;
        await using (var fs = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.Read | FileShare.Delete,
            BufferSize = 0,
            Options = FileOptions.Asynchronous,
        }))
        {
            byte[] buf = new byte[256 * 1024];
            int n;
            while ((n = await source.ReadAsync(buf, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await fs.WriteAsync(buf.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                length += n;
            }
        }
        return new DiskBlob(path, length);
    }

    public void Delete(DiskBlob blob)
    {
        try
        {
            File.Delete(blob.FilePath);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        TryDeleteFolder(Folder);
    }

    private static void TryDeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Removes folders left by emulators whose process is gone (killed, so no exit handler ran).</summary>
    private static void SweepStale()
    {
        try
        {
            foreach (string dir in Directory.EnumerateDirectories(Path.GetTempPath(), Prefix + "*"))
            {
                string name = Path.GetFileName(dir)[Prefix.Length..];
                int dash = name.IndexOf('-');
                if (dash <= 0 || !int.TryParse(name[..dash], NumberStyles.Integer, CultureInfo.InvariantCulture, out int pid))
                {
                    continue;
                }
                bool alive;
                try
                {
                    using var p = Process.GetProcessById(pid);
                    alive = !p.HasExited;
                }
                catch (ArgumentException)
                {
                    alive = false;
                }
                catch (InvalidOperationException)
                {
                    alive = false;
                }
                if (!alive)
                {
                    TryDeleteFolder(dir);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
