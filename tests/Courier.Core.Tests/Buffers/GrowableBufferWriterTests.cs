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

    [Fact]
    public void A_grown_array_is_kept_while_bursts_continue_and_dropped_after_quiet_flushes()
    {
        var writer = new GrowableBufferWriter(1024);
        writer.Write(new byte[400_000]);
        var grown = writer.Capacity;
        writer.Flushed();
        Assert.Equal(0, writer.WrittenCount);

        // Bursts that use more than half of it, between quiet flushes: the array stays.
        for (var i = 0; i < 10; i++)
        {
            for (var quiet = 0; quiet < GrowableBufferWriter.QuietFlushesBeforeShrink - 1; quiet++)
            {
                writer.Write([1]);
                writer.Flushed();
            }

            writer.Write(new byte[(grown / 2) + 1]);
            writer.Flushed();
            Assert.Equal(grown, writer.Capacity);
        }

        for (var quiet = 0; quiet < GrowableBufferWriter.QuietFlushesBeforeShrink; quiet++)
        {
            writer.Write([1, 2]);
            writer.Flushed();
        }

        Assert.Equal(1024, writer.Capacity);
        writer.Write([9]);
        Assert.Equal(new byte[] { 9 }, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void An_array_up_to_the_retained_capacity_is_never_dropped()
    {
        var writer = new GrowableBufferWriter(0);
        writer.Write(new byte[GrowableBufferWriter.RetainedCapacity]);
        var capacity = writer.Capacity;
        for (var i = 0; i < 3 * GrowableBufferWriter.QuietFlushesBeforeShrink; i++)
        {
            writer.Flushed();
        }

        Assert.Equal(capacity, writer.Capacity);
    }

    [Fact]
    public void An_initial_capacity_of_zero_allocates_on_the_first_write()
    {
        var writer = new GrowableBufferWriter(0);
        Assert.Equal(0, writer.Capacity);
        writer.Write([1, 2, 3]);
        Assert.InRange(writer.Capacity, 3, 1024);
        Assert.Equal(new byte[] { 1, 2, 3 }, writer.WrittenSpan.ToArray());

        writer.Write(new byte[400_000]);
        for (var i = 0; i < GrowableBufferWriter.QuietFlushesBeforeShrink + 1; i++)
        {
            writer.Flushed();
            writer.Write([4]);
        }

        // Shrunk back to nothing and regrown by the write after it.
        Assert.InRange(writer.Capacity, 1, 1024);
        Assert.Equal(new byte[] { 4 }, writer.WrittenSpan.ToArray());
    }
}
