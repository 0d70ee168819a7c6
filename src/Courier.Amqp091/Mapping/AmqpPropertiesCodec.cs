using System.Buffers.Text;
using Courier.Core.Messages;

namespace Courier.Amqp091.Mapping;

/// <summary>
/// AMQP 0-9-1's basic property list (the content header after its body size): a 16-bit flag word
/// saying which properties are present, then those properties in the spec's order, mapped onto the
/// core's neutral <see cref="MessageProperties"/>. What the neutral properties cannot hold exactly
/// travels as AMQP-only annotations (<see cref="AmqpOnlyProperties"/>), so a message published and
/// consumed over AMQP comes back byte for byte as sent. The mapping is in docs/protocol-mapping.md.
/// </summary>
public static class AmqpPropertiesCodec
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

    /// <summary>Reads a property list; <paramref name="amqpOnly"/> is null unless the message carries AMQP-only properties.</summary>
    public static MessageProperties Read(ReadOnlySpan<byte> buffer, ref int position, out IReadOnlyDictionary<string, object?>? amqpOnly)
    {
        amqpOnly = null;
        Dictionary<string, object?>? extras = null;
        var flags = AmqpWirePrimitives.ReadShort(buffer, ref position);
        if ((flags & UnknownFlags) != 0)
        {
            throw new WireFormatException("property flags set that no property is defined for");
        }

        var p = new MessageProperties();
        if ((flags & ContentTypeFlag) != 0) p.ContentType = AmqpWirePrimitives.ReadShortString(buffer, ref position);
        if ((flags & ContentEncodingFlag) != 0) p.ContentEncoding = AmqpWirePrimitives.ReadShortString(buffer, ref position);
        if ((flags & HeadersFlag) != 0) p.Headers = AmqpFieldTableCodec.ReadTable(buffer, ref position);
        if ((flags & DeliveryModeFlag) != 0) p.Persistence = (DeliveryPersistence)AmqpWirePrimitives.ReadOctet(buffer, ref position);
        if ((flags & PriorityFlag) != 0) p.Priority = AmqpWirePrimitives.ReadOctet(buffer, ref position);
        if ((flags & CorrelationIdFlag) != 0) p.CorrelationId = AmqpWirePrimitives.ReadShortBytes(buffer, ref position);
        if ((flags & ReplyToFlag) != 0) p.ReplyTo = AmqpWirePrimitives.ReadShortString(buffer, ref position);
        if ((flags & ExpirationFlag) != 0)
        {
            int length = AmqpWirePrimitives.ReadOctet(buffer, ref position);
            var text = AmqpWirePrimitives.Take(buffer, ref position, length);
            var exact = AmqpOnlyProperties.TryReadExpiry(text, out var milliseconds);
            p.ExpiryMilliseconds = milliseconds;
            if (!exact)
            {
                (extras ??= [])[AmqpOnlyProperties.ExpirationKey] = AmqpWirePrimitives.DecodeShortString(text);
            }
        }

        if ((flags & MessageIdFlag) != 0) p.MessageId = AmqpWirePrimitives.ReadShortString(buffer, ref position);
        if ((flags & TimestampFlag) != 0) p.Timestamp = new Timestamp((long)AmqpWirePrimitives.ReadLongLong(buffer, ref position));
        if ((flags & TypeFlag) != 0) p.Type = AmqpWirePrimitives.ReadShortString(buffer, ref position);
        if ((flags & UserIdFlag) != 0) p.UserId = AmqpWirePrimitives.ReadShortString(buffer, ref position);
        if ((flags & AppIdFlag) != 0) p.AppId = AmqpWirePrimitives.ReadShortString(buffer, ref position);
        if ((flags & ClusterIdFlag) != 0) (extras ??= [])[AmqpOnlyProperties.ClusterIdKey] = AmqpWirePrimitives.ReadShortString(buffer, ref position);
        amqpOnly = extras;
        return p;
    }

    public static int Measure(MessageProperties p, IReadOnlyDictionary<string, object?>? amqpOnly)
    {
        // A property another protocol set longer than a short string holds (an MQTT 5 content
        // type or correlation data can be 65,535 bytes) is left out (docs/protocol-mapping.md):
        // Fits decides it the same way here and in Write.
        var size = 2;
        if (Fits(p.ContentType)) size += AmqpWirePrimitives.MeasureShortString(p.ContentType!);
        if (Fits(p.ContentEncoding)) size += AmqpWirePrimitives.MeasureShortString(p.ContentEncoding!);
        if (p.Headers is not null) size += AmqpFieldTableCodec.MeasureTable(p.Headers);
        if (p.Persistence is not null) size += 1;
        if (p.Priority is not null) size += 1;
        if (Fits(p.CorrelationId)) size += 1 + p.CorrelationId!.Length;
        if (Fits(p.ReplyTo)) size += AmqpWirePrimitives.MeasureShortString(p.ReplyTo!);
        if (AmqpOnlyProperties.Expiration(amqpOnly) is { } expiration) size += AmqpWirePrimitives.MeasureShortString(expiration);
        else if (p.ExpiryMilliseconds is { } expiry) size += 1 + AmqpOnlyProperties.DigitsOf(expiry);
        if (Fits(p.MessageId)) size += AmqpWirePrimitives.MeasureShortString(p.MessageId!);
        if (p.Timestamp is not null) size += 8;
        if (Fits(p.Type)) size += AmqpWirePrimitives.MeasureShortString(p.Type!);
        if (Fits(p.UserId)) size += AmqpWirePrimitives.MeasureShortString(p.UserId!);
        if (Fits(p.AppId)) size += AmqpWirePrimitives.MeasureShortString(p.AppId!);
        if (AmqpOnlyProperties.ClusterId(amqpOnly) is { } clusterId) size += AmqpWirePrimitives.MeasureShortString(clusterId);
        return size;
    }

    private static bool Fits(string? value) => value is not null && AmqpWirePrimitives.FitsShortString(value);

    private static bool Fits(byte[]? value) => value is not null && value.Length <= 255;

    public static void Write(Span<byte> buffer, ref int position, MessageProperties p, IReadOnlyDictionary<string, object?>? amqpOnly)
    {
        var expiration = AmqpOnlyProperties.Expiration(amqpOnly);
        var clusterId = AmqpOnlyProperties.ClusterId(amqpOnly);
        ushort flags = 0;
        if (Fits(p.ContentType)) flags |= ContentTypeFlag;
        if (Fits(p.ContentEncoding)) flags |= ContentEncodingFlag;
        if (p.Headers is not null) flags |= HeadersFlag;
        if (p.Persistence is not null) flags |= DeliveryModeFlag;
        if (p.Priority is not null) flags |= PriorityFlag;
        if (Fits(p.CorrelationId)) flags |= CorrelationIdFlag;
        if (Fits(p.ReplyTo)) flags |= ReplyToFlag;
        if (expiration is not null || p.ExpiryMilliseconds is not null) flags |= ExpirationFlag;
        if (Fits(p.MessageId)) flags |= MessageIdFlag;
        if (p.Timestamp is not null) flags |= TimestampFlag;
        if (Fits(p.Type)) flags |= TypeFlag;
        if (Fits(p.UserId)) flags |= UserIdFlag;
        if (Fits(p.AppId)) flags |= AppIdFlag;
        if (clusterId is not null) flags |= ClusterIdFlag;
        AmqpWirePrimitives.WriteShort(buffer, ref position, flags);
        if ((flags & ContentTypeFlag) != 0) AmqpWirePrimitives.WriteShortString(buffer, ref position, p.ContentType!);
        if ((flags & ContentEncodingFlag) != 0) AmqpWirePrimitives.WriteShortString(buffer, ref position, p.ContentEncoding!);
        if (p.Headers is not null) AmqpFieldTableCodec.WriteTable(buffer, ref position, p.Headers);
        if (p.Persistence is { } mode) AmqpWirePrimitives.WriteOctet(buffer, ref position, (byte)mode);
        if (p.Priority is { } priority) AmqpWirePrimitives.WriteOctet(buffer, ref position, priority);
        if ((flags & CorrelationIdFlag) != 0) AmqpWirePrimitives.WriteShortBytes(buffer, ref position, p.CorrelationId!);
        if ((flags & ReplyToFlag) != 0) AmqpWirePrimitives.WriteShortString(buffer, ref position, p.ReplyTo!);
        if (expiration is not null)
        {
            AmqpWirePrimitives.WriteShortString(buffer, ref position, expiration);
        }
        else if (p.ExpiryMilliseconds is { } expiry)
        {
            Utf8Formatter.TryFormat(expiry, buffer[(position + 1)..], out var written);
            buffer[position] = (byte)written;
            position += 1 + written;
        }

        if ((flags & MessageIdFlag) != 0) AmqpWirePrimitives.WriteShortString(buffer, ref position, p.MessageId!);
        if (p.Timestamp is { } timestamp) AmqpWirePrimitives.WriteLongLong(buffer, ref position, (ulong)timestamp.UnixSeconds);
        if ((flags & TypeFlag) != 0) AmqpWirePrimitives.WriteShortString(buffer, ref position, p.Type!);
        if ((flags & UserIdFlag) != 0) AmqpWirePrimitives.WriteShortString(buffer, ref position, p.UserId!);
        if ((flags & AppIdFlag) != 0) AmqpWirePrimitives.WriteShortString(buffer, ref position, p.AppId!);
        if (clusterId is not null) AmqpWirePrimitives.WriteShortString(buffer, ref position, clusterId);
    }
}
