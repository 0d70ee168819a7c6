namespace Courier.Core.Messages;

/// <summary>
/// The properties every protocol can attach to a message, under protocol-neutral names. Each
/// protocol's mapper reads and writes these; nothing here knows a wire format. A property that was
/// not set is null, so a message crosses protocols without gaining values. Properties a protocol
/// carries that have no neutral counterpart travel in <see cref="MessageAnnotations.More"/> under
/// that protocol's own keys, so a message published and consumed over one protocol comes back
/// exactly as sent (see docs/protocol-mapping.md).
/// </summary>
/// <remarks>
/// Every message owns one of these, so it is kept small: the value-typed properties live in plain
/// fields with one byte of presence bits instead of nullable fields (112 bytes, not 128).
/// </remarks>
public sealed class MessageProperties
{
    public static readonly MessageProperties Empty = new();

    private long _timestamp;
    private long _expiry;
    private byte _priority;
    private DeliveryPersistence _persistence;
    private Present _present;

    public string? ContentType { get; set; }

    public string? ContentEncoding { get; set; }

    /// <summary>User headers as typed values (the value types are listed on <see cref="FieldTable"/>).</summary>
    public IReadOnlyDictionary<string, object?>? Headers { get; set; }

    /// <summary>
    /// Whether the message must survive a restart when routed to a durable queue. Values other than
    /// <see cref="DeliveryPersistence.Transient"/> and <see cref="DeliveryPersistence.Persistent"/>
    /// are carried through unchanged (a protocol may send any octet) and count as transient.
    /// </summary>
    public DeliveryPersistence? Persistence
    {
        get => (_present & Present.Persistence) != 0 ? _persistence : null;
        set => Set(ref _persistence, value, Present.Persistence);
    }

    public byte? Priority
    {
        get => (_present & Present.Priority) != 0 ? _priority : null;
        set => Set(ref _priority, value, Present.Priority);
    }

    /// <summary>Opaque bytes the publisher uses to match a reply to its request (MQTT 5 carries binary correlation data).</summary>
    public byte[]? CorrelationId { get; set; }

    public string? ReplyTo { get; set; }

    /// <summary>Per-message time to live in milliseconds, from the moment the message reaches a queue.</summary>
    public long? ExpiryMilliseconds
    {
        get => (_present & Present.Expiry) != 0 ? _expiry : null;
        set => Set(ref _expiry, value, Present.Expiry);
    }

    public string? MessageId { get; set; }

    public Timestamp? Timestamp
    {
        get => (_present & Present.Timestamp) != 0 ? new Timestamp(_timestamp) : null;
        set => Set(ref _timestamp, value?.UnixSeconds, Present.Timestamp);
    }

    public string? Type { get; set; }

    /// <summary>The publishing user's name as the publisher stated it (the broker checks it against the authenticated user).</summary>
    public string? UserId { get; set; }

    public string? AppId { get; set; }

    public bool IsPersistent => Persistence == DeliveryPersistence.Persistent;

    public MessageProperties Clone() => (MessageProperties)MemberwiseClone();

    private void Set<T>(ref T field, T? value, Present bit)
        where T : struct
    {
        if (value is { } v)
        {
            field = v;
            _present |= bit;
        }
        else
        {
            field = default;
            _present &= ~bit;
        }
    }

    [Flags]
    private enum Present : byte
    {
        Persistence = 1,
        Priority = 2,
        Expiry = 4,
        Timestamp = 8,
    }
}
