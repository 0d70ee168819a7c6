using System.Buffers;
using Courier.PerfTest.Messages;

namespace Courier.PerfTest.Tests;

public sealed class MessageStampTests
{
    [Fact]
    public void A_stamp_reads_back_from_the_body_it_was_written_to()
    {
        byte[] body = MessageStamp.NewBody(256);
        var stamp = new MessageStamp(ProducerId: 42, Sequence: 123_456_789_012, Timestamp: 987_654_321);

        stamp.Write(body);

        Assert.Equal(256, body.Length);
        Assert.True(MessageStamp.TryRead(body, out var read));
        Assert.Equal(stamp, read);
    }

    [Fact]
    public void A_stamp_split_across_segments_reads_back()
    {
        byte[] body = MessageStamp.NewBody(64);
        var stamp = new MessageStamp(7, 8, 9);
        stamp.Write(body);

        var split = Segments(body.AsMemory(0, 5), body.AsMemory(5, 10), body.AsMemory(15));

        Assert.True(MessageStamp.TryRead(split, out var read));
        Assert.Equal(stamp, read);
    }

    [Fact]
    public void A_body_without_a_stamp_is_not_read()
    {
        Assert.False(MessageStamp.TryRead(new byte[64], out _));
        Assert.False(MessageStamp.TryRead(new byte[3], out _));
    }

    [Fact]
    public void Bodies_are_never_smaller_than_the_stamp()
    {
        Assert.Equal(MessageStamp.Size, MessageStamp.NewBody(1).Length);
    }

    private static ReadOnlySequence<byte> Segments(params ReadOnlyMemory<byte>[] parts)
    {
        var first = new Segment(parts[0], 0);
        var last = first;
        for (int i = 1; i < parts.Length; i++)
        {
            last = last.Append(parts[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
