using System.Buffers;
using Courier.Amqp091.Framing;
using Courier.Core.Messages;

namespace Courier.Benchmarks.Framing;

/// <summary>
/// Writes one delivery of <see cref="SampleMessage"/> (basic.deliver, content header, body) into a
/// reused buffer, as the connection's outbound buffer does for every message sent to a consumer.
/// </summary>
public sealed class DeliveryFrames
{
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private readonly Message _message = SampleMessage.Create();
    private ulong _deliveryTag;

    public int Write()
    {
        _output.ResetWrittenCount();
        var deliver = new BasicDeliver
        {
            ConsumerTag = "amq.ctag-benchmark",
            DeliveryTag = ++_deliveryTag,
            Exchange = _message.Exchange,
            RoutingKey = _message.RoutingKey,
        };
        AmqpFrameWriter.WriteMethod(_output, PublishFrames.Channel, deliver);
        AmqpFrameWriter.WriteContentHeader(_output, PublishFrames.Channel, BasicDeliver.ClassIdValue, (ulong)_message.Body.Length, _message.Properties);
        AmqpFrameWriter.WriteBody(_output, PublishFrames.Channel, _message.Body.Span, PublishFrames.FrameMax);
        return _output.WrittenCount;
    }
}
