using System.Buffers;
using Courier.Amqp091.Framing;
using Courier.Core.Messages;

namespace Courier.Benchmarks.Framing;

/// <summary>
/// Turns the frames of one publish into a <see cref="Message"/> the way the connection and channel
/// do (AmqpConnection.HandleMethodFrame, AmqpChannel.OnContentHeader/OnContentBody/CompletePublish):
/// the real frame reader and decoders, with the same handling of payloads split across segments
/// (a pooled contiguous copy) and the same allocations for what the message must own: its body,
/// properties and strings. The channel's glue is internal, so it is mirrored here, step for step.
/// </summary>
public static class PublishParser
{
    public static Message Parse(ReadOnlySequence<byte> input, uint frameMax)
    {
        var buffer = input;
        BasicPublish publish = default;
        MessageProperties? properties = null;
        byte[]? body = null;
        var filled = 0;
        while (AmqpFrameReader.TryReadFrame(ref buffer, frameMax, out var frame))
        {
            switch (frame.Type)
            {
                case AmqpFrameType.Method:
                    publish = ReadPublish(frame.Payload);
                    break;
                case AmqpFrameType.Header:
                    (properties, body) = ReadHeader(frame.Payload);
                    break;
                case AmqpFrameType.Body:
                    frame.Payload.CopyTo(body.AsSpan(filled));
                    filled += (int)frame.Payload.Length;
                    break;
            }
        }

        if (properties is null || body is null || filled != body.Length)
        {
            throw new InvalidOperationException("the input did not hold one whole publish");
        }

        return new Message(publish.Exchange, publish.RoutingKey, properties, body);
    }

    private static BasicPublish ReadPublish(ReadOnlySequence<byte> payload)
    {
        byte[]? rented = null;
        try
        {
            var span = payload.IsSingleSegment ? payload.FirstSpan : Contiguous(payload, ref rented);
            if (AmqpFrameReader.ReadMethodKey(span) != BasicPublish.Key)
            {
                throw new InvalidOperationException("expected basic.publish");
            }

            var reader = new AmqpReader(span[4..]);
            return BasicPublish.Read(ref reader);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static (MessageProperties Properties, byte[] Body) ReadHeader(ReadOnlySequence<byte> payload)
    {
        byte[]? rented = null;
        try
        {
            var span = payload.IsSingleSegment ? payload.FirstSpan : Contiguous(payload, ref rented);
            var bodySize = ContentHeaderCodec.PeekBodySize(span);
            var header = ContentHeaderCodec.Read(span);
            var body = bodySize == 0 ? [] : GC.AllocateUninitializedArray<byte>((int)bodySize);
            return (header.Properties, body);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static ReadOnlySpan<byte> Contiguous(ReadOnlySequence<byte> payload, ref byte[]? rented)
    {
        rented = ArrayPool<byte>.Shared.Rent((int)payload.Length);
        payload.CopyTo(rented);
        return rented.AsSpan(0, (int)payload.Length);
    }
}
