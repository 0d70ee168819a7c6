using System.Buffers;
using System.Text;
using Courier.Amqp091.Framing;
using Xunit;

namespace Courier.Amqp091.Tests.Framing;

public class ProtocolHeaderTests
{
    private static readonly byte[] Header = "AMQP\0\0\u0009\u0001"u8.ToArray();

    [Fact]
    public void Every_prefix_of_the_header_needs_more_and_consumes_nothing()
    {
        for (var length = 0; length < Header.Length; length++)
        {
            foreach (var buffer in new[] { new ReadOnlySequence<byte>(Header, 0, length), SegmentedSequence.From(Header[..length], length / 2) })
            {
                var rest = buffer;

                Assert.Equal(AmqpFrameReader.HeaderResult.NeedMore, AmqpFrameReader.TryReadProtocolHeader(ref rest));
                Assert.Equal(buffer.Length, rest.Length);
            }
        }
    }

    [Fact]
    public void The_whole_header_is_accepted_at_every_split_and_only_its_8_bytes_are_consumed()
    {
        byte[] stream = [.. Header, 8, 0, 0, 0, 0, 0, 0, 0xCE];

        for (var cut = 0; cut <= stream.Length; cut++)
        {
            var buffer = SegmentedSequence.From(stream, cut);

            Assert.Equal(AmqpFrameReader.HeaderResult.Accepted, AmqpFrameReader.TryReadProtocolHeader(ref buffer));
            Assert.Equal(stream.Length - 8, buffer.Length);
            Assert.True(AmqpFrameReader.TryReadFrame(ref buffer, 0, out var frame));
            Assert.Equal(AmqpFrameType.Heartbeat, frame.Type);
        }
    }

    [Theory]
    [InlineData("AMQP\0\0\u0009\0")]         // 0-9-0
    [InlineData("AMQP\u0001\u0001\0\u0009")] // 0-9 as 0-8-era clients send it
    [InlineData("AMQP\0\u0001\0\0")]         // AMQP 1.0
    [InlineData("AMQP\u0003\u0001\0\0")]     // AMQP 1.0 over SASL
    [InlineData("GET / HTTP/1.1\r\n")]
    public void A_wrong_protocol_header_is_rejected(string text)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text));
        var before = buffer.Length;

        Assert.Equal(AmqpFrameReader.HeaderResult.Rejected, AmqpFrameReader.TryReadProtocolHeader(ref buffer));
        Assert.Equal(before, buffer.Length);
    }

    [Theory]
    [InlineData("G")]
    [InlineData("AMQQ")]
    [InlineData("AMQP\u0001")]
    public void A_prefix_that_already_differs_is_rejected_without_waiting_for_eight_bytes(string text)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text));

        Assert.Equal(AmqpFrameReader.HeaderResult.Rejected, AmqpFrameReader.TryReadProtocolHeader(ref buffer));
    }
}
