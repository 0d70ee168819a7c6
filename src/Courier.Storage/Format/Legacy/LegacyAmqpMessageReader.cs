using System.Buffers.Binary;
using System.Text;
using Courier.Core.Messages;

namespace Courier.Storage.Format.Legacy;

/// <summary>
/// Reads the message part of the record types written before Courier had its own encoding
/// (<c>Message</c> = 1 and <c>PagedMessage</c> = 4): exchange and routing key with a one-byte
/// length, the AMQP 0-9-1 basic property list (big-endian flag word, then the properties present),
/// a 4-byte little-endian body length and the body. They map onto the neutral message as
/// Courier.Amqp091 maps a content header, AMQP-only properties included (the keys below are that
/// project's <c>AmqpOnlyProperties</c>, which Storage may not reference; a test holds them equal),
/// so existing data directories load unchanged. Nothing is written in this form any more.
/// </summary>
internal static class LegacyAmqpMessageReader
{
    public const string ClusterIdKey = "amqp.cluster-id";

    public const string ExpirationKey = "amqp.expiration";

    private const ushort KnownFlags = 0xFFFC;

    public static Message Read(ReadOnlySpan<byte> buffer, ref int position)
    {
        var exchange = LegacyAmqpFieldTable.ReadShortString(buffer, ref position);
        var routingKey = LegacyAmqpFieldTable.ReadShortString(buffer, ref position);
        var properties = ReadProperties(buffer, ref position, out var amqpOnly);
        var bodyLength = BinaryPrimitives.ReadInt32LittleEndian(StoredPrimitives.Take(buffer, ref position, 4));
        if (bodyLength < 0)
        {
            StoredPrimitives.ThrowTruncated();
        }

        var body = StoredPrimitives.Take(buffer, ref position, bodyLength).ToArray();
        var annotations = new MessageAnnotations { PublishedBy = PublishingProtocol.Amqp091, More = amqpOnly };
        return new Message(exchange, routingKey, properties, body, annotations);
    }

    /// <summary>The AMQP basic property list, bit 15 (content-type) down to bit 2 (cluster-id).</summary>
    public static MessageProperties ReadProperties(ReadOnlySpan<byte> buffer, ref int position, out IReadOnlyDictionary<string, object?>? amqpOnly)
    {
        Dictionary<string, object?>? extras = null;
        var flags = LegacyAmqpFieldTable.ReadShort(buffer, ref position);
        if ((flags & ~KnownFlags) != 0)
        {
            throw new InvalidDataException("a legacy property list has flags no property is defined for");
        }

        var p = new MessageProperties();
        if (Has(flags, 15)) p.ContentType = LegacyAmqpFieldTable.ReadShortString(buffer, ref position);
        if (Has(flags, 14)) p.ContentEncoding = LegacyAmqpFieldTable.ReadShortString(buffer, ref position);
        if (Has(flags, 13)) p.Headers = LegacyAmqpFieldTable.ReadTable(buffer, ref position);
        if (Has(flags, 12)) p.Persistence = (DeliveryPersistence)LegacyAmqpFieldTable.ReadOctet(buffer, ref position);
        if (Has(flags, 11)) p.Priority = LegacyAmqpFieldTable.ReadOctet(buffer, ref position);
        if (Has(flags, 10)) p.CorrelationId = LegacyAmqpFieldTable.ReadShortBytes(buffer, ref position).ToArray();
        if (Has(flags, 9)) p.ReplyTo = LegacyAmqpFieldTable.ReadShortString(buffer, ref position);
        if (Has(flags, 8))
        {
            var text = LegacyAmqpFieldTable.ReadShortBytes(buffer, ref position);
            p.ExpiryMilliseconds = ReadExpiry(text, out var exact);
            if (!exact)
            {
                (extras ??= [])[ExpirationKey] = Encoding.UTF8.GetString(text);
            }
        }

        if (Has(flags, 7)) p.MessageId = LegacyAmqpFieldTable.ReadShortString(buffer, ref position);
        if (Has(flags, 6)) p.Timestamp = new Timestamp((long)LegacyAmqpFieldTable.ReadLongLong(buffer, ref position));
        if (Has(flags, 5)) p.Type = LegacyAmqpFieldTable.ReadShortString(buffer, ref position);
        if (Has(flags, 4)) p.UserId = LegacyAmqpFieldTable.ReadShortString(buffer, ref position);
        if (Has(flags, 3)) p.AppId = LegacyAmqpFieldTable.ReadShortString(buffer, ref position);
        if (Has(flags, 2)) (extras ??= [])[ClusterIdKey] = LegacyAmqpFieldTable.ReadShortString(buffer, ref position);
        amqpOnly = extras;
        return p;
    }

    private static bool Has(ushort flags, int bit) => (flags & (1 << bit)) != 0;

    /// <summary>As Courier.Amqp091 reads an expiration: milliseconds when it is a non-negative integer, exact when canonical.</summary>
    private static long? ReadExpiry(ReadOnlySpan<byte> text, out bool exact)
    {
        exact = false;
        if (text.IsEmpty)
        {
            return null;
        }

        long value = 0;
        foreach (var c in text)
        {
            var digit = c - (byte)'0';
            if ((uint)digit > 9 || value > (long.MaxValue - digit) / 10)
            {
                return null;
            }

            value = (value * 10) + digit;
        }

        exact = text.Length == 1 || text[0] != (byte)'0';
        return value;
    }
}
