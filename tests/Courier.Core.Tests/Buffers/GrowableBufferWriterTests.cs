using System.Buffers;
using Courier.Core.Buffers;

namespace Courier.Core.Tests.Buffers;

public sealed class GrowableBufferWriterTests
{
    [Fact]
    public void Growing_keeps_every_byte_written_in_order()
    {
        var writer = new GrowableBufferWriter(16);
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
    public void Release_swaps_a_large_array_for_a_small_one_and_keeps_what_is_written()
    {
        var writer = new GrowableBufferWriter(1024);
        writer.Write(new byte[300_000]);
        Assert.True(writer.Capacity >= 300_000);

        writer.ResetWrittenCount();
        writer.Write([1, 2, 3]);
        writer.Release(1024);
        Assert.True(writer.Capacity < 256 * 1024);
        Assert.Equal(new byte[] { 1, 2, 3 }, writer.WrittenSpan.ToArray());

        writer.Write(new byte[5_000]);
        Assert.Equal(5_003, writer.WrittenCount);
        Assert.Equal(new byte[] { 1, 2, 3 }, writer.WrittenSpan[..3].ToArray());
    }

    [Fact]
    public void Advancing_past_the_span_is_refused()
    {
        var writer = new GrowableBufferWriter(8);
        var length = writer.GetSpan(8).Length;
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(length + 1));
        Assert.Equal(0, writer.WrittenCount);
        ((IBufferWriter<byte>)writer).Advance(length);
        Assert.Equal(length, writer.WrittenCount);
    }
}
