namespace Courier.Core.Messages;

/// <summary>
/// What the broker knows about a message beyond what the publisher set: the protocol it came in
/// by, how often it was delivered before, MQTT's QoS and retain flag, and a table for everything
/// rarer (death history, STOMP subscription data, a protocol's properties that have no neutral
/// field). Set when the message is made (by a protocol's mapper, or by the broker when it
/// republishes one) and immutable after, like the message.
/// </summary>
/// <remarks>
/// A 16-byte struct held inline in <see cref="Message"/>: the common annotations cost no allocation
/// and the rare ones cost one table only on the messages that carry them. Keys of <see cref="More"/>
/// are namespaced: the broker's own are listed here (<see cref="DeathHistoryKey"/>); a protocol's
/// start with its name and a dot (<c>amqp.</c>, <c>mqtt.</c>, <c>stomp.</c>) and only its mapper
/// reads them. Values are typed values as in <see cref="FieldTable"/>, so the store keeps them.
/// </remarks>
public readonly record struct MessageAnnotations
{
    /// <summary>Where the history of a dead-lettered message will live (a list of tables), once dead-lettering records it.</summary>
    public const string DeathHistoryKey = "death-history";

    /// <summary>Where a STOMP delivery's subscription data will live.</summary>
    public const string StompSubscriptionKey = "stomp.subscription";

    private const byte QosPresent = 0b100;
    private const byte QosMask = 0b011;
    private const byte RetainBit = 0b1000;

    private readonly byte _mqtt;

    public PublishingProtocol PublishedBy { get; init; }

    /// <summary>How many times the message was delivered before it was (re)published: a quorum-style delivery count.</summary>
    public int DeliveryCount { get; init; }

    /// <summary>The MQTT quality of service it was published with (0, 1 or 2), or null for other protocols.</summary>
    public byte? Qos
    {
        get => (_mqtt & QosPresent) != 0 ? (byte)(_mqtt & QosMask) : null;
        init
        {
            if (value > 2)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "QoS is 0, 1 or 2");
            }

            _mqtt = (byte)((_mqtt & RetainBit) | (value is { } qos ? QosPresent | qos : 0));
        }
    }

    /// <summary>MQTT's retain flag as published.</summary>
    public bool Retain
    {
        get => (_mqtt & RetainBit) != 0;
        init => _mqtt = (byte)(value ? _mqtt | RetainBit : _mqtt & ~RetainBit);
    }

    /// <summary>Annotations too rare to have a field, or null when there are none (the usual case).</summary>
    public IReadOnlyDictionary<string, object?>? More { get; init; }

    /// <summary>Reads one entry of <see cref="More"/>.</summary>
    public object? Get(string key) => More is not null && More.TryGetValue(key, out var value) ? value : null;
}
