namespace Courier.Core.Messages;

/// <summary>
/// A published message as the core sees it: where it was published (exchange and routing key),
/// its properties and its body. Immutable once routed; the same instance is shared by every
/// queue it is routed to, so the body is held once however many queues hold the message.
/// </summary>
public sealed class Message
{
    public Message(string exchange, string routingKey, MessageProperties properties, ReadOnlyMemory<byte> body)
    {
        Exchange = exchange;
        RoutingKey = routingKey;
        Properties = properties;
        Body = body;
    }

    public string Exchange { get; }
    public string RoutingKey { get; }
    public MessageProperties Properties { get; }
    public ReadOnlyMemory<byte> Body { get; }

    public bool IsPersistent => Properties.IsPersistent;
}
