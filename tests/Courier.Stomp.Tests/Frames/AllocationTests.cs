using System.Buffers;
using Courier.Stomp.Frames;
using Xunit;
using static Courier.Stomp.Tests.Frames.FrameBytes;

namespace Courier.Stomp.Tests.Frames;

/// <summary>Reading allocates the frame and what it holds, and nothing per frame besides; the spec's header names are not allocated at all.</summary>
public class AllocationTests
{
    private static long AllocatedReading(byte[] bytes, ReadOnlySequence<byte>? split = null)
    {
        var reader = new StompFrameReader();
        var buffer = split ?? new ReadOnlySequence<byte>(bytes);
        reader.TryRead(ref buffer, StompVersion.V12, out _);
        buffer = split ?? new ReadOnlySequence<byte>(bytes);
        var before = GC.GetAllocatedBytesForCurrentThread();
        reader.TryRead(ref buffer, StompVersion.V12, out _);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void A_heart_beat_allocates_nothing()
    {
        Assert.Equal(0, AllocatedReading("\r\n"u8.ToArray()));
    }

    [Fact]
    public void A_send_allocates_itself_its_header_values_and_its_body_once()
    {
        var bytes = Encode(new StompFrame(StompCommand.Send, [new("destination", "/queue/a"), new("receipt", "r-1")], new byte[1000]), StompVersion.V12);

        // The body (1,000 bytes and its header) dominates; the frame, the header list and three short value strings follow.
        Assert.InRange(AllocatedReading(bytes), 1000, 1000 + 24 + 400);
    }

    [Fact]
    public void A_send_split_across_segments_still_copies_its_body_only_once()
    {
        var bytes = Encode(new StompFrame(StompCommand.Send, [new("destination", "/queue/a")], new byte[10_000]), StompVersion.V12);

        var allocated = AllocatedReading(bytes, Courier.Amqp091.Tests.Framing.SegmentedSequence.From(bytes, 10, 5_000));

        Assert.InRange(allocated, 10_000, 10_000 + 400);
    }
}
