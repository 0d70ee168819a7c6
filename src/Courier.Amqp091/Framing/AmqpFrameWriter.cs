using System.Buffers;
using System.Buffers.Binary;
using Courier.Core.Messages;

namespace Courier.Amqp091.Framing;

/// <summary>
/// Writes whole frames into an <see cref="IBufferWriter{T}"/>. It never flushes: the connection's
/// writer loop decides when bytes go to the socket, so many frames share one flush.
/// </summary>
public static class AmqpFrameWriter
{
    public static void WriteMethod<TMethod>(IBufferWriter<byte> output, ushort channel, in TMethod method)
        where TMethod : IAmqpMethod
    {
        var payloadSize = 4 + method.MeasureArguments();
        var span = output.GetSpan(AmqpFrameReader.Overhead + payloadSize);
        WriteFrameHeader(span, AmqpFrameType.Method, channel, payloadSize);
        var writer = new AmqpWriter(span.Slice(AmqpFrameReader.HeaderSize, payloadSize));
        writer.WriteShort(method.ClassId);
        writer.WriteShort(method.MethodId);
        method.WriteArguments(ref writer);
        span[AmqpFrameReader.HeaderSize + payloadSize] = AmqpConstants.FrameEnd;
        output.Advance(AmqpFrameReader.Overhead + payloadSize);
    }

    /// <param name="amqpOnly">The message's annotations, where AMQP-only properties are kept (see <see cref="Mapping.AmqpOnlyProperties"/>).</param>
    public static void WriteContentHeader(
        IBufferWriter<byte> output, ushort channel, ushort classId, ulong bodySize, MessageProperties properties, IReadOnlyDictionary<string, object?>? amqpOnly = null)
    {
        var payloadSize = 12 + ContentHeaderCodec.MeasureProperties(properties, amqpOnly);
        var span = output.GetSpan(AmqpFrameReader.Overhead + payloadSize);
        WriteFrameHeader(span, AmqpFrameType.Header, channel, payloadSize);
        var writer = new AmqpWriter(span.Slice(AmqpFrameReader.HeaderSize, payloadSize));
        writer.WriteShort(classId);
        writer.WriteShort(0);
        writer.WriteLongLong(bodySize);
        ContentHeaderCodec.WriteProperties(ref writer, properties, amqpOnly);
        span[AmqpFrameReader.HeaderSize + payloadSize] = AmqpConstants.FrameEnd;
        output.Advance(AmqpFrameReader.Overhead + payloadSize);
    }

    /// <summary>Writes a body as as many body frames as <paramref name="frameMax"/> requires (none for an empty body).</summary>
    public static void WriteBody(IBufferWriter<byte> output, ushort channel, ReadOnlySpan<byte> body, uint frameMax)
    {
        if (frameMax != 0 && frameMax <= AmqpFrameReader.Overhead)
        {
            throw new ArgumentOutOfRangeException(nameof(frameMax), frameMax, "frame_max leaves no room for a body");
        }

        var maxPayload = frameMax == 0 ? int.MaxValue : (int)Math.Min(int.MaxValue, frameMax - AmqpFrameReader.Overhead);
        while (!body.IsEmpty)
        {
            var chunk = Math.Min(body.Length, maxPayload);
            var span = output.GetSpan(AmqpFrameReader.Overhead + chunk);
            WriteFrameHeader(span, AmqpFrameType.Body, channel, chunk);
            body[..chunk].CopyTo(span[AmqpFrameReader.HeaderSize..]);
            span[AmqpFrameReader.HeaderSize + chunk] = AmqpConstants.FrameEnd;
            output.Advance(AmqpFrameReader.Overhead + chunk);
            body = body[chunk..];
        }
    }

    public static void WriteHeartbeat(IBufferWriter<byte> output)
    {
        var span = output.GetSpan(AmqpFrameReader.Overhead);
        WriteFrameHeader(span, AmqpFrameType.Heartbeat, 0, 0);
        span[AmqpFrameReader.HeaderSize] = AmqpConstants.FrameEnd;
        output.Advance(AmqpFrameReader.Overhead);
    }

    private static void WriteFrameHeader(Span<byte> span, AmqpFrameType type, ushort channel, int payloadSize)
    {
        span[0] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(span[1..], channel);
        BinaryPrimitives.WriteUInt32BigEndian(span[3..], (uint)payloadSize);
    }
}
