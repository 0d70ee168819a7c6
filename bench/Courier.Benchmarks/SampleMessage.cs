using Courier.Core.Messages;

namespace Courier.Benchmarks;

/// <summary>
/// The message every hot path moves: 256 bytes of body, a content type and persistent delivery
/// mode, published to <see cref="Exchange"/> with <see cref="RoutingKey"/>. One shape throughout,
/// so the figures of parse, route, enqueue and append add up to one publish.
/// </summary>
public static class SampleMessage
{
    public const int BodySize = 256;

    public const string Exchange = "bench.direct";

    public const string RoutingKey = "orders.created";

    public const string ContentType = "application/json";

    public static byte[] CreateBody()
    {
        var body = new byte[BodySize];
        for (var i = 0; i < body.Length; i++)
        {
            body[i] = (byte)('a' + (i % 26));
        }

        return body;
    }

    public static MessageProperties CreateProperties() => new()
    {
        ContentType = ContentType,
        Persistence = DeliveryPersistence.Persistent,
    };

    public static Message Create(string exchange = Exchange, string routingKey = RoutingKey) =>
        new(exchange, routingKey, CreateProperties(), CreateBody());
}
