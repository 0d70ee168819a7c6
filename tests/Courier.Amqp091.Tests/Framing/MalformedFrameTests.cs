using System.Buffers;
using Courier.Amqp091.Framing;
using Xunit;

namespace Courier.Amqp091.Tests.Framing;

public class MalformedFrameTests
{
    private const uint FrameMax = 4096;

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(255)]
    public void An_unknown_frame_type_fails_with_frame_error(byte type)
    {
        byte[] frame = [type, 0, 1, 0, 0, 0, 1, 42, 0xCE];

        Assert.Equal(AmqpConstants.FrameError, ReadFails(frame).ReplyCode);
    }

    [Fact]
    public void An_unknown_frame_type_is_refused_from_its_header_alone()
    {
        byte[] header = [65, 0, 0, 0x4D, 0x51, 0x50, 0];

        Assert.Equal(AmqpConstants.FrameError, ReadFails(header).ReplyCode);
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0xCD)]
    [InlineData(0xFF)]
    public void A_wrong_frame_end_octet_fails_with_frame_error(byte end)
    {
        byte[] frame = [3, 0, 1, 0, 0, 0, 2, 1, 2, end];

        Assert.Equal(AmqpConstants.FrameError, ReadFails(frame).ReplyCode);
    }

    [Fact]
    public void A_frame_larger_than_frame_max_fails_before_its_payload_arrives()
    {
        // Payload size frame_max - 7: with the 8 bytes of overhead the frame is one byte too large.
        byte[] header = [3, 0, 1, 0, 0, 0x0F, 0xF9];

        var error = ReadFails(header);

        Assert.Equal(AmqpConstants.FrameError, error.ReplyCode);
    }

    [Fact]
    public void A_hostile_size_fails_before_its_payload_arrives()
    {
        byte[] header = [1, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF];

        Assert.Equal(AmqpConstants.FrameError, ReadFails(header).ReplyCode);
    }

    [Fact]
    public void A_frame_of_exactly_frame_max_is_read()
    {
        var payloadSize = (int)FrameMax - AmqpFrameReader.Overhead;
        var bytes = new byte[FrameMax];
        bytes[0] = 3;
        bytes[5] = (byte)(payloadSize >> 8);
        bytes[6] = (byte)payloadSize;
        bytes[^1] = 0xCE;

        var partial = new ReadOnlySequence<byte>(bytes, 0, AmqpFrameReader.HeaderSize);
        Assert.False(AmqpFrameReader.TryReadFrame(ref partial, FrameMax, out _));
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(AmqpFrameReader.TryReadFrame(ref buffer, FrameMax, out var frame));
        Assert.Equal(payloadSize, frame.Payload.Length);
    }

    [Fact]
    public void A_frame_max_of_zero_sets_no_limit()
    {
        byte[] header = [3, 0, 1, 0x7F, 0xFF, 0xFF, 0xFF];
        var buffer = new ReadOnlySequence<byte>(header);

        Assert.False(AmqpFrameReader.TryReadFrame(ref buffer, 0, out _));
        Assert.Equal(header.Length, buffer.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void A_method_frame_too_short_for_its_class_and_method_ids_fails_with_frame_error(int payloadSize)
    {
        var bytes = new byte[AmqpFrameReader.Overhead + payloadSize];
        bytes[0] = 1;
        bytes[6] = (byte)payloadSize;
        bytes[^1] = 0xCE;
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(AmqpFrameReader.TryReadFrame(ref buffer, FrameMax, out var frame));
        var payload = frame.Payload.ToArray();

        var error = Assert.Throws<AmqpProtocolException>(() => AmqpFrameReader.ReadMethodKey(payload));

        Assert.Equal(AmqpConstants.FrameError, error.ReplyCode);
        Assert.True(error.IsHardError);
    }

    private static AmqpProtocolException ReadFails(byte[] bytes) => Assert.Throws<AmqpProtocolException>(() =>
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        AmqpFrameReader.TryReadFrame(ref buffer, FrameMax, out _);
    });
}
