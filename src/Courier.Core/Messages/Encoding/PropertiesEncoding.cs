namespace Courier.Core.Messages.Encoding;

/// <summary>
/// The binary form of <see cref="MessageProperties"/>: a 16-bit flag word saying which properties
/// are present, then those properties in a fixed order. It is the property list of AMQP 0-9-1's
/// content header for class basic (flag bits and order are that spec's), and also how the store
/// writes properties to disk, so a message read back from disk is the message that was published.
/// </summary>
public static class PropertiesEncoding
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

    /// <summary>Bits 1 and 0: no property lives there; bit 0 would announce another flag word.</summary>
    private const ushort UnknownFlags = 0b11;

    public static MessageProperties Read(ReadOnlySpan<byte> buffer, ref int position)
    {
        var flags = Primitives.ReadShort(buffer, ref position);
        if ((flags & UnknownFlags) != 0)
        {
            throw new WireFormatException("property flags set that no property is defined for");
        }

        var p = new MessageProperties();
        if ((flags & ContentTypeFlag) != 0) p.ContentType = Primitives.ReadShortString(buffer, ref position);
        if ((flags & ContentEncodingFlag) != 0) p.ContentEncoding = Primitives.ReadShortString(buffer, ref position);
        if ((flags & HeadersFlag) != 0) p.Headers = TableEncoding.ReadTable(buffer, ref position);
        if ((flags & DeliveryModeFlag) != 0) p.DeliveryMode = Primitives.ReadOctet(buffer, ref position);
        if ((flags & PriorityFlag) != 0) p.Priority = Primitives.ReadOctet(buffer, ref position);
        if ((flags & CorrelationIdFlag) != 0) p.CorrelationId = Primitives.ReadShortString(buffer, ref position);
        if ((flags & ReplyToFlag) != 0) p.ReplyTo = Primitives.ReadShortString(buffer, ref position);
        if ((flags & ExpirationFlag) != 0) p.Expiration = Primitives.ReadShortString(buffer, ref position);
        if ((flags & MessageIdFlag) != 0) p.MessageId = Primitives.ReadShortString(buffer, ref position);
        if ((flags & TimestampFlag) != 0) p.Timestamp = new Timestamp((long)Primitives.ReadLongLong(buffer, ref position));
        if ((flags & TypeFlag) != 0) p.Type = Primitives.ReadShortString(buffer, ref position);
        if ((flags & UserIdFlag) != 0) p.UserId = Primitives.ReadShortString(buffer, ref position);
        if ((flags & AppIdFlag) != 0) p.AppId = Primitives.ReadShortString(buffer, ref position);
        if ((flags & ClusterIdFlag) != 0) p.ClusterId = Primitives.ReadShortString(buffer, ref position);
        return p;
    }

    public static int Measure(MessageProperties p)
    {
        var size = 2;
        if (p.ContentType is not null) size += Primitives.MeasureShortString(p.ContentType);
        if (p.ContentEncoding is not null) size += Primitives.MeasureShortString(p.ContentEncoding);
        if (p.Headers is not null) size += TableEncoding.MeasureTable(p.Headers);
        if (p.DeliveryMode is not null) size += 1;
        if (p.Priority is not null) size += 1;
        if (p.CorrelationId is not null) size += Primitives.MeasureShortString(p.CorrelationId);
        if (p.ReplyTo is not null) size += Primitives.MeasureShortString(p.ReplyTo);
        if (p.Expiration is not null) size += Primitives.MeasureShortString(p.Expiration);
        if (p.MessageId is not null) size += Primitives.MeasureShortString(p.MessageId);
        if (p.Timestamp is not null) size += 8;
        if (p.Type is not null) size += Primitives.MeasureShortString(p.Type);
        if (p.UserId is not null) size += Primitives.MeasureShortString(p.UserId);
        if (p.AppId is not null) size += Primitives.MeasureShortString(p.AppId);
        if (p.ClusterId is not null) size += Primitives.MeasureShortString(p.ClusterId);
        return size;
    }

    public static void Write(Span<byte> buffer, ref int position, MessageProperties p)
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
        Primitives.WriteShort(buffer, ref position, flags);
        if (p.ContentType is not null) Primitives.WriteShortString(buffer, ref position, p.ContentType);
        if (p.ContentEncoding is not null) Primitives.WriteShortString(buffer, ref position, p.ContentEncoding);
        if (p.Headers is not null) TableEncoding.WriteTable(buffer, ref position, p.Headers);
        if (p.DeliveryMode is { } mode) Primitives.WriteOctet(buffer, ref position, mode);
        if (p.Priority is { } priority) Primitives.WriteOctet(buffer, ref position, priority);
        if (p.CorrelationId is not null) Primitives.WriteShortString(buffer, ref position, p.CorrelationId);
        if (p.ReplyTo is not null) Primitives.WriteShortString(buffer, ref position, p.ReplyTo);
        if (p.Expiration is not null) Primitives.WriteShortString(buffer, ref position, p.Expiration);
        if (p.MessageId is not null) Primitives.WriteShortString(buffer, ref position, p.MessageId);
        if (p.Timestamp is { } timestamp) Primitives.WriteLongLong(buffer, ref position, (ulong)timestamp.UnixSeconds);
        if (p.Type is not null) Primitives.WriteShortString(buffer, ref position, p.Type);
        if (p.UserId is not null) Primitives.WriteShortString(buffer, ref position, p.UserId);
        if (p.AppId is not null) Primitives.WriteShortString(buffer, ref position, p.AppId);
        if (p.ClusterId is not null) Primitives.WriteShortString(buffer, ref position, p.ClusterId);
    }
}
