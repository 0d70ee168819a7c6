using System.Buffers;

namespace Courier.Amqp091.Framing;

public enum AmqpFrameType : byte
{
    Method = AmqpConstants.FrameMethod,
    Header = AmqpConstants.FrameHeader,
    Body = AmqpConstants.FrameBody,
    Heartbeat = AmqpConstants.FrameHeartbeat,
}

/// <summary>
/// One frame as parsed from the connection's input. <see cref="Payload"/> is a slice of the
/// reader's buffer and is valid only until the reader advances past it.
/// </summary>
public readonly struct AmqpFrame
{
    public AmqpFrame(AmqpFrameType type, ushort channel, ReadOnlySequence<byte> payload)
    {
        Type = type;
        Channel = channel;
        Payload = payload;
    }

    public AmqpFrameType Type { get; }

    public ushort Channel { get; }

    public ReadOnlySequence<byte> Payload { get; }
}
