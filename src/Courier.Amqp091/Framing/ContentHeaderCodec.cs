using System.Buffers.Binary;
using Courier.Core.Messages;
using Courier.Amqp091.Mapping;

namespace Courier.Amqp091.Framing;

/// <summary>
/// The content header frame of class basic: class id, weight, body size and the property list,
/// mapped onto the core's neutral <see cref="MessageProperties"/> by <see cref="AmqpPropertiesCodec"/>;
/// <see cref="ContentHeader.AmqpOnly"/> holds what has no neutral field (<see cref="AmqpOnlyProperties"/>),
/// which becomes the message's annotations.
/// </summary>
public static class ContentHeaderCodec
{
    public readonly record struct ContentHeader(ushort ClassId, ulong BodySize, MessageProperties Properties, IReadOnlyDictionary<string, object?>? AmqpOnly);

    /// <summary>Decodes a content header payload; throws 502 SYNTAX_ERROR on anything malformed.</summary>
    public static ContentHeader Read(ReadOnlySpan<byte> payload)
    {
        var reader = new AmqpReader(payload);
        var classId = reader.ReadShort();
        var weight = reader.ReadShort();
        if (weight != 0)
        {
            ThrowHelper.ThrowSyntax("content header weight must be zero");
        }

        var bodySize = reader.ReadLongLong();
        var properties = reader.ReadProperties(out var amqpOnly);
        if (reader.Remaining != 0)
        {
            ThrowHelper.ThrowSyntax("content header has bytes after its property list");
        }

        return new ContentHeader(classId, bodySize, properties, amqpOnly);
    }

    /// <summary>Reads only the body size, for checking it against limits before anything else is decoded.</summary>
    public static ulong PeekBodySize(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 12)
        {
            ThrowHelper.ThrowTruncated();
        }

        return BinaryPrimitives.ReadUInt64BigEndian(payload[4..]);
    }

    public static int MeasureProperties(MessageProperties properties, IReadOnlyDictionary<string, object?>? amqpOnly = null) =>
        AmqpPropertiesCodec.Measure(properties, amqpOnly);

    public static void WriteProperties(ref AmqpWriter writer, MessageProperties properties, IReadOnlyDictionary<string, object?>? amqpOnly = null) =>
        writer.WriteProperties(properties, amqpOnly);
}
