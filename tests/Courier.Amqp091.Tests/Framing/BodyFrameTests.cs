using System.Buffers;
using Courier.Amqp091.Framing;
using Xunit;

namespace Courier.Amqp091.Tests.Framing;

public class BodyFrameTests
{
    [Theory]
    [InlineData(0, 16u)]
    [InlineData(1, 16u)]
    [InlineData(8, 16u)]
    [InlineData(9, 16u)]
    [InlineData(100, 16u)]
    [InlineData(7, 9u)]
    [InlineData(10_000, 4096u)]
    [InlineData(4088, 4096u)]
    [InlineData(4089, 4096u)]
    public void A_body_is_split_into_as_many_frames_as_frame_max_requires(int length, uint frameMax)
    {
        var body = new byte[length];
        new Random(length).NextBytes(body);
        var output = new ArrayBufferWriter<byte>();

        AmqpFrameWriter.WriteBody(output, 5, body, frameMax);

        var maxPayload = (int)frameMax - AmqpFrameReader.Overhead;
        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        var frames = ParsedFrame.ReadAll(ref buffer, frameMax);
        Assert.True(buffer.IsEmpty);
        Assert.Equal((length + maxPayload - 1) / maxPayload, frames.Count);
        Assert.All(frames, frame =>
        {
            Assert.Equal(AmqpFrameType.Body, frame.Type);
            Assert.Equal(5, frame.Channel);
            Assert.InRange(frame.Payload.Length, 1, maxPayload);
        });
        Assert.All(frames.SkipLast(1), frame => Assert.Equal(maxPayload, frame.Payload.Length));
        Assert.Equal(body, frames.SelectMany(frame => frame.Payload).ToArray());
    }

    [Fact]
    public void A_frame_max_of_zero_sends_the_body_in_one_frame()
    {
        var body = new byte[100_000];
        var output = new ArrayBufferWriter<byte>();

        AmqpFrameWriter.WriteBody(output, 1, body, 0);

        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        var frame = Assert.Single(ParsedFrame.ReadAll(ref buffer, 0));
        Assert.Equal(body.Length, frame.Payload.Length);
    }
}
