using System.Buffers;
using Courier.Amqp091.Framing;
using Courier.Core.Messages;
using Xunit;

namespace Courier.Amqp091.Tests.Framing;

/// <summary>
/// A socket delivers bytes in arbitrary pieces; the frame reader must give the same frames however
/// the stream is cut, and must ask for more (never throw) while a frame is incomplete.
/// </summary>
public class FrameSplittingTests
{
    private const uint FrameMax = 4096;

    /// <summary>A publish as a client sends it (method, header, body in two frames), a heartbeat, and a channel.close.</summary>
    private static readonly (byte[] Bytes, List<ParsedFrame> Frames, List<int> Ends) Written = BuildStream();

    [Fact]
    public void The_stream_under_test_holds_every_frame_type()
    {
        var types = Written.Frames.Select(f => f.Type).Distinct().ToList();

        Assert.Equal([AmqpFrameType.Method, AmqpFrameType.Header, AmqpFrameType.Body, AmqpFrameType.Heartbeat], types);
    }

    [Fact]
    public void Frames_in_one_segment_read_as_written()
    {
        var buffer = new ReadOnlySequence<byte>(Written.Bytes);

        var frames = ParsedFrame.ReadAll(ref buffer, FrameMax);

        ParsedFrame.AssertSame(Written.Frames, frames, "one segment");
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Frames_split_into_two_segments_at_every_byte_read_the_same()
    {
        for (var cut = 0; cut <= Written.Bytes.Length; cut++)
        {
            var buffer = SegmentedSequence.From(Written.Bytes, cut);

            var frames = ParsedFrame.ReadAll(ref buffer, FrameMax);

            ParsedFrame.AssertSame(Written.Frames, frames, $"cut at {cut}");
            Assert.True(buffer.IsEmpty, $"cut at {cut}: {buffer.Length} bytes left unread");
        }
    }

    [Fact]
    public void Frames_split_into_three_segments_at_every_pair_of_bytes_read_the_same()
    {
        for (var first = 0; first <= Written.Bytes.Length; first++)
        {
            for (var second = first; second <= Written.Bytes.Length; second++)
            {
                var buffer = SegmentedSequence.From(Written.Bytes, first, second);

                var frames = ParsedFrame.ReadAll(ref buffer, FrameMax);

                ParsedFrame.AssertSame(Written.Frames, frames, $"cuts at {first} and {second}");
                Assert.True(buffer.IsEmpty, $"cuts at {first} and {second}: {buffer.Length} bytes left unread");
            }
        }
    }

    [Fact]
    public void Every_prefix_yields_its_complete_frames_then_asks_for_more_without_consuming()
    {
        for (var length = 0; length <= Written.Bytes.Length; length++)
        {
            var complete = Written.Ends.Count(end => end <= length);
            var consumed = complete == 0 ? 0 : Written.Ends[complete - 1];
            var prefix = Written.Bytes[..length];

            foreach (var buffer in new[] { new ReadOnlySequence<byte>(prefix), SegmentedSequence.From(prefix, length / 2) })
            {
                var rest = buffer;
                var frames = ParsedFrame.ReadAll(ref rest, FrameMax);

                ParsedFrame.AssertSame(Written.Frames.Take(complete).ToList(), frames, $"prefix of {length}");
                Assert.True(length - consumed == rest.Length, $"prefix of {length}: an incomplete frame must stay unconsumed");
                Assert.Equal(buffer.Slice(consumed).Start, rest.Start);
            }
        }
    }

    private static (byte[], List<ParsedFrame>, List<int>) BuildStream()
    {
        var output = new ArrayBufferWriter<byte>();
        var ends = new List<int>();
        void Mark() => ends.Add(output.WrittenCount);

        AmqpFrameWriter.WriteMethod(output, 1, new BasicPublish { Exchange = "amq.direct", RoutingKey = "orders", Mandatory = true });
        Mark();
        var body = "twenty bytes of body"u8.ToArray();
        AmqpFrameWriter.WriteContentHeader(output, 1, AmqpClassId.Basic, (ulong)body.Length, new MessageProperties { ContentType = "text/plain", Persistence = DeliveryPersistence.Persistent });
        Mark();
        AmqpFrameWriter.WriteBody(output, 1, body.AsSpan(0, 12), 0);
        Mark();
        AmqpFrameWriter.WriteBody(output, 1, body.AsSpan(12), 0);
        Mark();
        AmqpFrameWriter.WriteHeartbeat(output);
        Mark();
        AmqpFrameWriter.WriteMethod(output, 0x0102, new ChannelClose { ReplyCode = 200, ReplyText = "bye" });
        Mark();

        // The expected frames come from the writer's layout (type, channel, size, payload, end), not from the reader under test.
        var bytes = output.WrittenSpan.ToArray();
        var frames = new List<ParsedFrame>();
        var start = 0;
        foreach (var end in ends)
        {
            var frame = bytes[start..end];
            Assert.Equal(AmqpConstants.FrameEnd, frame[^1]);
            frames.Add(new ParsedFrame((AmqpFrameType)frame[0], (ushort)((frame[1] << 8) | frame[2]), frame[7..^1]));
            start = end;
        }

        return (bytes, frames, ends);
    }
}
