using System;
using System.IO;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using CbDefense.Http;
using Xunit;

namespace CbDefense.Core.Tests
{
    public class PooledBufferContentTests
    {
        private static byte[] Bytes(int n)
        {
            var b = new byte[n];
            new Random(n).NextBytes(b);
            return b;
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(PooledBufferContent.ChunkSize - 1)]
        [InlineData(PooledBufferContent.ChunkSize)]
        [InlineData(PooledBufferContent.ChunkSize + 1)]
        [InlineData(5 * PooledBufferContent.ChunkSize + 123)]
        public async Task Keeps_every_byte_across_chunk_boundaries(int size)
        {
            var data = Bytes(size);
            var source = new ByteArrayContent(data);
            source.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-8");
            using (var content = await PooledBufferContent.LoadAsync(source, CancellationToken.None))
            {
                Assert.Equal(size, content.Headers.ContentLength);
                Assert.Equal("application/json", content.Headers.ContentType!.MediaType);
                Assert.Equal(data, await content.ReadAsByteArrayAsync());

                // Read twice through the stream, in odd-sized reads, with a rewind between (as the debug log does).
                var stream = await content.ReadAsStreamAsync();
                for (int pass = 0; pass < 2; pass++)
                {
                    stream.Position = 0;
                    var copy = new MemoryStream();
                    var buf = new byte[7777];
                    int n;
#pragma warning disable CA1835 // The stream overrides the array overload (netstandard2.0 has no other), and that is what is tested.
                    while ((n = await stream.ReadAsync(buf, 0, buf.Length)) > 0) copy.Write(buf, 0, n);
#pragma warning restore CA1835
                    Assert.Equal(data, copy.ToArray());
                }
            }
        }

        [Fact]
        public async Task A_body_that_breaks_mid_way_fails_the_load()
        {
            var source = new StreamContent(new BreakingStream(100_000));
            await Assert.ThrowsAsync<IOException>(() => PooledBufferContent.LoadAsync(source, CancellationToken.None));
        }

        [Fact]
        public async Task Reading_after_dispose_is_refused_rather_than_reading_recycled_memory()
        {
            var content = await PooledBufferContent.LoadAsync(new ByteArrayContent(Bytes(1000)), CancellationToken.None);
            var stream = await content.ReadAsStreamAsync();
            content.Dispose();
            Assert.Throws<ObjectDisposedException>(() => stream.Read(new byte[10], 0, 10));
        }

        private sealed class BreakingStream : Stream
        {
            private readonly int _breakAt;
            private int _pos;
            public BreakingStream(int breakAt) { _breakAt = breakAt; }
            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => false;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => _pos; set => throw new NotSupportedException(); }
            public override int Read(byte[] buffer, int offset, int count)
            {
                if (_pos >= _breakAt) throw new IOException("connection reset by peer");
                int n = Math.Min(count, _breakAt - _pos);
                _pos += n;
                return n;
            }
            public override void Flush() { }
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }
}
