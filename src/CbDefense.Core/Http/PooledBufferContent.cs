using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CbDefense.Http
{
    /// <summary>
    /// A response body read completely inside the request attempt (so a reset mid-body fails the attempt and is
    /// retried), held in pooled 64 KB chunks instead of one growing array: a 12 MB page of 5,000 devices then never
    /// lands on the large object heap, and enumerating 100,000 devices stays in near-constant memory.
    /// The chunks go back to the pool when the response (and so this content) is disposed.
    /// </summary>
    internal sealed class PooledBufferContent : HttpContent
    {
        internal const int ChunkSize = 64 * 1024; // below the 85,000-byte large object threshold

        private readonly List<byte[]> _chunks = new List<byte[]>();
        private long _length;
        private int _released;

        private PooledBufferContent() { }

        public long Length => _length;

        /// <summary>Reads <paramref name="source"/> to its end into pooled chunks and copies its headers.</summary>
        public static async Task<PooledBufferContent> LoadAsync(HttpContent source, CancellationToken cancellationToken)
        {
            var content = new PooledBufferContent();
            try
            {
                using (var stream = await source.ReadAsStreamAsync().ConfigureAwait(false))
                {
                    while (true)
                    {
                        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
                        content._chunks.Add(chunk);
                        int filled = 0;
                        while (filled < ChunkSize)
                        {
                            int n = await stream.ReadAsync(chunk, filled, ChunkSize - filled, cancellationToken).ConfigureAwait(false);
                            if (n == 0) break;
                            filled += n;
                        }
                        content._length += filled;
                        if (filled < ChunkSize) break;
                    }
                }
                foreach (var header in source.Headers)
                {
                    if (string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase)) continue;
                    content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
                content.Headers.ContentLength = content._length;
                return content;
            }
            catch
            {
                content.Dispose();
                throw;
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => CopyToAsyncCore(stream);

        private async Task CopyToAsyncCore(Stream stream)
        {
            long left = _length;
            foreach (var chunk in Chunks())
            {
                int n = (int)Math.Min(ChunkSize, left);
                if (n <= 0) break;
                await stream.WriteAsync(chunk, 0, n).ConfigureAwait(false);
                left -= n;
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return true;
        }

        protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult<Stream>(new ChunkReadStream(this));

        private List<byte[]> Chunks()
        {
            if (Volatile.Read(ref _released) != 0) throw new ObjectDisposedException(nameof(PooledBufferContent), "The response was disposed.");
            return _chunks;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && Interlocked.Exchange(ref _released, 1) == 0)
            {
                foreach (var chunk in _chunks) ArrayPool<byte>.Shared.Return(chunk);
                _chunks.Clear();
            }
            base.Dispose(disposing);
        }

        /// <summary>A seekable read-only view over the chunks.</summary>
        private sealed class ChunkReadStream : Stream
        {
            private readonly PooledBufferContent _owner;
            private long _position;

            public ChunkReadStream(PooledBufferContent owner) { _owner = owner; }

            public override bool CanRead => true;
            public override bool CanSeek => true;
            public override bool CanWrite => false;
            public override long Length => _owner._length;

            public override long Position
            {
                get => _position;
                set
                {
                    if (value < 0) throw new ArgumentOutOfRangeException(nameof(value));
                    _position = value;
                }
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                if (buffer == null) throw new ArgumentNullException(nameof(buffer));
                var chunks = _owner.Chunks();
                int total = 0;
                while (count > 0 && _position < _owner._length)
                {
                    int index = (int)(_position / ChunkSize);
                    int within = (int)(_position % ChunkSize);
                    int n = (int)Math.Min(Math.Min(count, ChunkSize - within), _owner._length - _position);
                    Buffer.BlockCopy(chunks[index], within, buffer, offset, n);
                    _position += n;
                    offset += n;
                    count -= n;
                    total += n;
                }
                return total;
            }

            public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return Task.FromResult(Read(buffer, offset, count));
            }

            public override long Seek(long offset, SeekOrigin origin)
            {
                long p = origin == SeekOrigin.Begin ? offset : origin == SeekOrigin.Current ? _position + offset : _owner._length + offset;
                if (p < 0) throw new IOException("Cannot seek before the start of the body.");
                _position = p;
                return p;
            }

            public override void Flush() { }
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
