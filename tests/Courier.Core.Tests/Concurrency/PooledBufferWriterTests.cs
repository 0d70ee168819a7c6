using System.Buffers;
using Courier.Core.Concurrency;

namespace Courier.Core.Tests.Concurrency;

public sealed class PooledBufferWriterTests
{
    [Fact]
    public void Growing_keeps_every_byte_written_in_order()
    {
        var writer = new PooledBufferWriter(16);
        var expected = new List<byte>();
        var random = new Random(7);
        for (var i = 0; i < 2_000; i++)
        {
            var chunk = new byte[random.Next(0, 700)];
            random.NextBytes(chunk);
            if (i % 2 == 0)
            {
                writer.Write(chunk);
            }
            else
            {
                var span = writer.GetSpan(chunk.Length);
                Assert.True(span.Length >= chunk.Length);
                chunk.CopyTo(span);
                writer.Advance(chunk.Length);
            }

            expected.AddRange(chunk);
        }

        Assert.Equal(expected.Count, writer.WrittenCount);
        Assert.Equal(expected.ToArray(), writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Shrink_gives_a_large_array_back_only_when_empty()
    {
        var writer = new PooledBufferWriter(1024);
        writer.Write(new byte[300_000]);
        var grown = writer.Capacity;
        Assert.True(grown >= 300_000);

        writer.Shrink(retainedCapacity: 256 * 1024, initialCapacity: 1024);
        Assert.Equal(grown, writer.Capacity);

        writer.ResetWrittenCount();
        writer.Shrink(retainedCapacity: 256 * 1024, initialCapacity: 1024);
        Assert.True(writer.Capacity < 256 * 1024);
        Assert.Equal(0, writer.WrittenCount);

        writer.Write([1, 2, 3]);
        Assert.Equal(new byte[] { 1, 2, 3 }, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Advancing_past_the_span_is_refused()
    {
        var writer = new PooledBufferWriter(8);
        var length = writer.GetSpan(8).Length;
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(length + 1));
        Assert.Equal(0, writer.WrittenCount);
        ((IBufferWriter<byte>)writer).Advance(length);
        Assert.Equal(length, writer.WrittenCount);
    }
}
