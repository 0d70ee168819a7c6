namespace Courier.Core.Messages;

/// <summary>
/// The properties every protocol can attach to a message, under protocol-neutral names.
/// Each protocol's mapper reads and writes these; nothing here knows a wire format.
/// A property that was not set is null, so a message crosses protocols without gaining values.
/// </summary>
public sealed class MessageProperties
{
    public static readonly MessageProperties Empty = new();

    public string? ContentType { get; set; }
    public string? ContentEncoding { get; set; }
    public IReadOnlyDictionary<string, object?>? Headers { get; set; }

    /// <summary>1 = transient, 2 = persistent (the AMQP numbering, which MQTT/STOMP map onto).</summary>
    public byte? DeliveryMode { get; set; }
    public byte? Priority { get; set; }
    public string? CorrelationId { get; set; }
    public string? ReplyTo { get; set; }

    /// <summary>Per-message time to live in milliseconds, as a decimal string (AMQP's form).</summary>
    public string? Expiration { get; set; }
    public string? MessageId { get; set; }
    public Timestamp? Timestamp { get; set; }
    public string? Type { get; set; }
    public string? UserId { get; set; }
    public string? AppId { get; set; }
    public string? ClusterId { get; set; }

    public bool IsPersistent => DeliveryMode == 2;

    public MessageProperties Clone() => (MessageProperties)MemberwiseClone();
}
