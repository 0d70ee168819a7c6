namespace Courier.Core.Messages;

/// <summary>
/// A published message as the core sees it, whatever protocol it came in by: where it was
/// published (exchange and routing key), its neutral properties and headers, broker annotations
/// and its body. Immutable once routed; the same instance is shared by every queue it is routed
/// to, so the body is held once however many queues hold the message.
/// </summary>
/// <remarks>
/// The exchange name and routing key may be up to <see cref="MaxAddressBytes"/> bytes of UTF-8
/// each (MQTT topics run that long); a protocol with shorter limits checks its own. The store
/// refuses a longer one before anything is written. Each protocol converts to and from this type
/// in its own mapper (docs/protocol-mapping.md).
/// </remarks>
public sealed class Message
{
    /// <summary>The longest exchange name or routing key, in bytes of UTF-8, that a message may carry.</summary>
    public const int MaxAddressBytes = ushort.MaxValue;

    public Message(string exchange, string routingKey, MessageProperties properties, ReadOnlyMemory<byte> body, MessageAnnotations annotations = default)
    {
        Exchange = exchange;
        RoutingKey = routingKey;
        Properties = properties;
        Body = body;
        Annotations = annotations;
    }

    public string Exchange { get; }
    public string RoutingKey { get; }
    public MessageProperties Properties { get; }
    public ReadOnlyMemory<byte> Body { get; }
    public MessageAnnotations Annotations { get; }

    public bool IsPersistent => Properties.IsPersistent;
}
