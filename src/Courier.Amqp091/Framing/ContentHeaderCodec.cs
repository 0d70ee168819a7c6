using System.Buffers.Binary;
using Courier.Core.Messages;

namespace Courier.Amqp091.Framing;

/// <summary>
/// The content header frame of class basic: class id, weight, body size and the property list,
/// mapped straight onto the core's <see cref="MessageProperties"/> (this is AMQP's mapper for
/// properties: the field order and flag bits below are the spec's).
/// </summary>
public static class ContentHeaderCodec
{
    private const ushort ContentTypeFlag = 1 << 15;
    private const ushort ContentEncodingFlag = 1 << 14;
    private const ushort HeadersFlag = 1 << 13;
    private const ushort DeliveryModeFlag = 1 << 12;
    private const ushort PriorityFlag = 1 << 11;
    private const ushort CorrelationIdFlag = 1 << 10;
    private const ushort ReplyToFlag = 1 << 9;
    private const ushort ExpirationFlag = 1 << 8;
    private const ushort MessageIdFlag = 1 << 7;
    private const ushort TimestampFlag = 1 << 6;
    private const ushort TypeFlag = 1 << 5;
    private const ushort UserIdFlag = 1 << 4;
    private const ushort AppIdFlag = 1 << 3;
    private const ushort ClusterIdFlag = 1 << 2;

    /// <summary>Bits 1 and 0: no basic property lives there; bit 0 would announce another flag word.</summary>
    private const ushort UnknownFlags = 0b11;

    public readonly record struct ContentHeader(ushort ClassId, ulong BodySize, MessageProperties Properties);

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
        var flags = reader.ReadShort();
        if ((flags & UnknownFlags) != 0)
        {
            ThrowHelper.ThrowSyntax("content header sets property flags that class basic does not define");
        }

        var properties = new MessageProperties();
        if ((flags & ContentTypeFlag) != 0) properties.ContentType = reader.ReadShortString();
        if ((flags & ContentEncodingFlag) != 0) properties.ContentEncoding = reader.ReadShortString();
        if ((flags & HeadersFlag) != 0) properties.Headers = reader.ReadTable();
        if ((flags & DeliveryModeFlag) != 0) properties.DeliveryMode = reader.ReadOctet();
        if ((flags & PriorityFlag) != 0) properties.Priority = reader.ReadOctet();
        if ((flags & CorrelationIdFlag) != 0) properties.CorrelationId = reader.ReadShortString();
        if ((flags & ReplyToFlag) != 0) properties.ReplyTo = reader.ReadShortString();
        if ((flags & ExpirationFlag) != 0) properties.Expiration = reader.ReadShortString();
        if ((flags & MessageIdFlag) != 0) properties.MessageId = reader.ReadShortString();
        if ((flags & TimestampFlag) != 0) properties.Timestamp = reader.ReadTimestamp();
        if ((flags & TypeFlag) != 0) properties.Type = reader.ReadShortString();
        if ((flags & UserIdFlag) != 0) properties.UserId = reader.ReadShortString();
        if ((flags & AppIdFlag) != 0) properties.AppId = reader.ReadShortString();
        if ((flags & ClusterIdFlag) != 0) properties.ClusterId = reader.ReadShortString();
        if (reader.Remaining != 0)
        {
            ThrowHelper.ThrowSyntax("content header has bytes after its property list");
        }

        return new ContentHeader(classId, bodySize, properties);
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

    public static int MeasureProperties(MessageProperties p)
    {
        var size = 2;
        if (p.ContentType is not null) size += AmqpWriter.MeasureShortString(p.ContentType);
        if (p.ContentEncoding is not null) size += AmqpWriter.MeasureShortString(p.ContentEncoding);
        if (p.Headers is not null) size += AmqpWriter.MeasureTable(p.Headers);
        if (p.DeliveryMode is not null) size += 1;
        if (p.Priority is not null) size += 1;
        if (p.CorrelationId is not null) size += AmqpWriter.MeasureShortString(p.CorrelationId);
        if (p.ReplyTo is not null) size += AmqpWriter.MeasureShortString(p.ReplyTo);
        if (p.Expiration is not null) size += AmqpWriter.MeasureShortString(p.Expiration);
        if (p.MessageId is not null) size += AmqpWriter.MeasureShortString(p.MessageId);
        if (p.Timestamp is not null) size += 8;
        if (p.Type is not null) size += AmqpWriter.MeasureShortString(p.Type);
        if (p.UserId is not null) size += AmqpWriter.MeasureShortString(p.UserId);
        if (p.AppId is not null) size += AmqpWriter.MeasureShortString(p.AppId);
        if (p.ClusterId is not null) size += AmqpWriter.MeasureShortString(p.ClusterId);
        return size;
    }

    public static void WriteProperties(ref AmqpWriter writer, MessageProperties p)
    {
        ushort flags = 0;
        if (p.ContentType is not null) flags |= ContentTypeFlag;
        if (p.ContentEncoding is not null) flags |= ContentEncodingFlag;
        if (p.Headers is not null) flags |= HeadersFlag;
        if (p.DeliveryMode is not null) flags |= DeliveryModeFlag;
        if (p.Priority is not null) flags |= PriorityFlag;
        if (p.CorrelationId is not null) flags |= CorrelationIdFlag;
        if (p.ReplyTo is not null) flags |= ReplyToFlag;
        if (p.Expiration is not null) flags |= ExpirationFlag;
        if (p.MessageId is not null) flags |= MessageIdFlag;
        if (p.Timestamp is not null) flags |= TimestampFlag;
        if (p.Type is not null) flags |= TypeFlag;
        if (p.UserId is not null) flags |= UserIdFlag;
        if (p.AppId is not null) flags |= AppIdFlag;
        if (p.ClusterId is not null) flags |= ClusterIdFlag;
        writer.WriteShort(flags);
        if (p.ContentType is not null) writer.WriteShortString(p.ContentType);
        if (p.ContentEncoding is not null) writer.WriteShortString(p.ContentEncoding);
        if (p.Headers is not null) writer.WriteTable(p.Headers);
        if (p.DeliveryMode is { } mode) writer.WriteOctet(mode);
        if (p.Priority is { } priority) writer.WriteOctet(priority);
        if (p.CorrelationId is not null) writer.WriteShortString(p.CorrelationId);
        if (p.ReplyTo is not null) writer.WriteShortString(p.ReplyTo);
        if (p.Expiration is not null) writer.WriteShortString(p.Expiration);
        if (p.MessageId is not null) writer.WriteShortString(p.MessageId);
        if (p.Timestamp is { } timestamp) writer.WriteTimestamp(timestamp);
        if (p.Type is not null) writer.WriteShortString(p.Type);
        if (p.UserId is not null) writer.WriteShortString(p.UserId);
        if (p.AppId is not null) writer.WriteShortString(p.AppId);
        if (p.ClusterId is not null) writer.WriteShortString(p.ClusterId);
    }
}
