using System.Text;
using Courier.Core.Messages;

namespace Courier.Storage.Format;

/// <summary>
/// Courier's own encoding of a neutral <see cref="Message"/> (the tail of a message record, after
/// its id and queues): exchange and routing key, a presence word and the properties present,
/// annotations, then the body. Lengths are varints, wide enough for any field the neutral message
/// allows. Layout in docs/storage-format.md ("NeutralMessage").
/// </summary>
/// <remarks>
/// <see cref="Measure"/> validates everything <see cref="Write"/> relies on (the address limits,
/// the value types of tables) and throws before the caller has appended anything, so a message
/// the store cannot read back is never written. <see cref="Write"/> allocates nothing.
/// </remarks>
public static class StoredMessageCodec
{
    [Flags]
    private enum Field : ushort
    {
        ContentType = 1 << 0,
        ContentEncoding = 1 << 1,
        Headers = 1 << 2,
        Persistence = 1 << 3,
        Priority = 1 << 4,
        CorrelationId = 1 << 5,
        ReplyTo = 1 << 6,
        Expiry = 1 << 7,
        MessageId = 1 << 8,
        Timestamp = 1 << 9,
        Type = 1 << 10,
        UserId = 1 << 11,
        AppId = 1 << 12,
    }

    [Flags]
    private enum AnnotationFlags : byte
    {
        QosPresent = 1 << 0,
        Retain = 1 << 1,
        More = 1 << 2,

        // Bits 3 and 4 hold the QoS value.
    }

    private const Field KnownFields = (Field)((1 << 13) - 1);

    /// <summary>The size <see cref="Write"/> takes; throws <see cref="ArgumentException"/> for a message the store must refuse.</summary>
    public static int Measure(Message message)
    {
        var size = MeasureAddress(message.Exchange, "exchange name") + MeasureAddress(message.RoutingKey, "routing key");
        var p = message.Properties;
        size += 2;
        if (p.ContentType is not null) size += StoredPrimitives.MeasureString(p.ContentType);
        if (p.ContentEncoding is not null) size += StoredPrimitives.MeasureString(p.ContentEncoding);
        if (p.Headers is not null) size += StoredTableCodec.MeasureTable(p.Headers);
        if (p.Persistence is not null) size += 1;
        if (p.Priority is not null) size += 1;
        if (p.CorrelationId is not null) size += StoredPrimitives.MeasureBytes(p.CorrelationId);
        if (p.ReplyTo is not null) size += StoredPrimitives.MeasureString(p.ReplyTo);
        if (p.ExpiryMilliseconds is not null) size += 8;
        if (p.MessageId is not null) size += StoredPrimitives.MeasureString(p.MessageId);
        if (p.Timestamp is not null) size += 8;
        if (p.Type is not null) size += StoredPrimitives.MeasureString(p.Type);
        if (p.UserId is not null) size += StoredPrimitives.MeasureString(p.UserId);
        if (p.AppId is not null) size += StoredPrimitives.MeasureString(p.AppId);
        var annotations = message.Annotations;
        size += 1 + 1 + 4;
        if (annotations.More is not null) size += StoredTableCodec.MeasureTable(annotations.More);
        size += StoredPrimitives.MeasureBytes(message.Body.Span);
        return size;
    }

    public static void Write(Span<byte> buffer, ref int position, Message message)
    {
        WriteAddress(buffer, ref position, message.Exchange);
        WriteAddress(buffer, ref position, message.RoutingKey);
        var p = message.Properties;
        Field fields = 0;
        if (p.ContentType is not null) fields |= Field.ContentType;
        if (p.ContentEncoding is not null) fields |= Field.ContentEncoding;
        if (p.Headers is not null) fields |= Field.Headers;
        if (p.Persistence is not null) fields |= Field.Persistence;
        if (p.Priority is not null) fields |= Field.Priority;
        if (p.CorrelationId is not null) fields |= Field.CorrelationId;
        if (p.ReplyTo is not null) fields |= Field.ReplyTo;
        if (p.ExpiryMilliseconds is not null) fields |= Field.Expiry;
        if (p.MessageId is not null) fields |= Field.MessageId;
        if (p.Timestamp is not null) fields |= Field.Timestamp;
        if (p.Type is not null) fields |= Field.Type;
        if (p.UserId is not null) fields |= Field.UserId;
        if (p.AppId is not null) fields |= Field.AppId;
        StoredPrimitives.WriteUInt16(buffer, ref position, (ushort)fields);
        if (p.ContentType is not null) StoredPrimitives.WriteString(buffer, ref position, p.ContentType);
        if (p.ContentEncoding is not null) StoredPrimitives.WriteString(buffer, ref position, p.ContentEncoding);
        if (p.Headers is not null) StoredTableCodec.WriteTable(buffer, ref position, p.Headers);
        if (p.Persistence is { } persistence) buffer[position++] = (byte)persistence;
        if (p.Priority is { } priority) buffer[position++] = priority;
        if (p.CorrelationId is not null) StoredPrimitives.WriteBytes(buffer, ref position, p.CorrelationId);
        if (p.ReplyTo is not null) StoredPrimitives.WriteString(buffer, ref position, p.ReplyTo);
        if (p.ExpiryMilliseconds is { } expiry) StoredPrimitives.WriteUInt64(buffer, ref position, (ulong)expiry);
        if (p.MessageId is not null) StoredPrimitives.WriteString(buffer, ref position, p.MessageId);
        if (p.Timestamp is { } timestamp) StoredPrimitives.WriteUInt64(buffer, ref position, (ulong)timestamp.UnixSeconds);
        if (p.Type is not null) StoredPrimitives.WriteString(buffer, ref position, p.Type);
        if (p.UserId is not null) StoredPrimitives.WriteString(buffer, ref position, p.UserId);
        if (p.AppId is not null) StoredPrimitives.WriteString(buffer, ref position, p.AppId);

        var annotations = message.Annotations;
        AnnotationFlags flags = 0;
        if (annotations.Qos is { } qos) flags |= AnnotationFlags.QosPresent | (AnnotationFlags)(qos << 3);
        if (annotations.Retain) flags |= AnnotationFlags.Retain;
        if (annotations.More is not null) flags |= AnnotationFlags.More;
        buffer[position++] = (byte)flags;
        buffer[position++] = (byte)annotations.PublishedBy;
        StoredPrimitives.WriteUInt32(buffer, ref position, (uint)annotations.DeliveryCount);
        if (annotations.More is not null) StoredTableCodec.WriteTable(buffer, ref position, annotations.More);
        StoredPrimitives.WriteBytes(buffer, ref position, message.Body.Span);
    }

    public static Message Read(ReadOnlySpan<byte> buffer, ref int position)
    {
        var exchange = StoredPrimitives.ReadString(buffer, ref position);
        var routingKey = StoredPrimitives.ReadString(buffer, ref position);
        var fields = (Field)StoredPrimitives.ReadUInt16(buffer, ref position);
        if ((fields & ~KnownFields) != 0)
        {
            throw new InvalidDataException($"a stored message has property bits this build does not know (0x{(ushort)fields:X4})");
        }

        var p = new MessageProperties();
        if ((fields & Field.ContentType) != 0) p.ContentType = StoredPrimitives.ReadString(buffer, ref position);
        if ((fields & Field.ContentEncoding) != 0) p.ContentEncoding = StoredPrimitives.ReadString(buffer, ref position);
        if ((fields & Field.Headers) != 0) p.Headers = StoredTableCodec.ReadTable(buffer, ref position);
        if ((fields & Field.Persistence) != 0) p.Persistence = (DeliveryPersistence)StoredPrimitives.ReadByte(buffer, ref position);
        if ((fields & Field.Priority) != 0) p.Priority = StoredPrimitives.ReadByte(buffer, ref position);
        if ((fields & Field.CorrelationId) != 0) p.CorrelationId = StoredPrimitives.ReadBytes(buffer, ref position);
        if ((fields & Field.ReplyTo) != 0) p.ReplyTo = StoredPrimitives.ReadString(buffer, ref position);
        if ((fields & Field.Expiry) != 0) p.ExpiryMilliseconds = (long)StoredPrimitives.ReadUInt64(buffer, ref position);
        if ((fields & Field.MessageId) != 0) p.MessageId = StoredPrimitives.ReadString(buffer, ref position);
        if ((fields & Field.Timestamp) != 0) p.Timestamp = new Timestamp((long)StoredPrimitives.ReadUInt64(buffer, ref position));
        if ((fields & Field.Type) != 0) p.Type = StoredPrimitives.ReadString(buffer, ref position);
        if ((fields & Field.UserId) != 0) p.UserId = StoredPrimitives.ReadString(buffer, ref position);
        if ((fields & Field.AppId) != 0) p.AppId = StoredPrimitives.ReadString(buffer, ref position);

        var flags = (AnnotationFlags)StoredPrimitives.ReadByte(buffer, ref position);
        var publishedBy = (PublishingProtocol)StoredPrimitives.ReadByte(buffer, ref position);
        var deliveryCount = (int)StoredPrimitives.ReadUInt32(buffer, ref position);
        var more = (flags & AnnotationFlags.More) != 0 ? StoredTableCodec.ReadTable(buffer, ref position) : null;
        byte? qos = (flags & AnnotationFlags.QosPresent) != 0 ? (byte)(((byte)flags >> 3) & 0b11) : null;
        if (qos > 2)
        {
            // Two bits can say 3, which no QoS is: a damaged record, refused as such (found by fuzzing).
            throw new InvalidDataException($"a stored message has QoS {qos}");
        }

        var annotations = new MessageAnnotations
        {
            PublishedBy = publishedBy,
            DeliveryCount = deliveryCount,
            Qos = qos,
            Retain = (flags & AnnotationFlags.Retain) != 0,
            More = more,
        };
        var body = StoredPrimitives.ReadBytes(buffer, ref position);
        return new Message(exchange, routingKey, p, body, annotations);
    }

    private static int MeasureAddress(string value, string what)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > Message.MaxAddressBytes)
        {
            throw new ArgumentException(
                $"a message's {what} is {length} bytes of UTF-8; the store keeps at most {Message.MaxAddressBytes}");
        }

        return StoredPrimitives.MeasureVarint((uint)length) + length;
    }

    private static void WriteAddress(Span<byte> buffer, ref int position, string value) => StoredPrimitives.WriteString(buffer, ref position, value);
}
