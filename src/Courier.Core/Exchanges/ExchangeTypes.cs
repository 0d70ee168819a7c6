using Courier.Core.Delayed;

namespace Courier.Core.Exchanges;

/// <summary>The exchange type names clients declare, and the factory that makes each.</summary>
public static class ExchangeTypes
{
    public const string Direct = "direct";
    public const string Fanout = "fanout";
    public const string Topic = "topic";
    public const string Headers = "headers";

    /// <summary>The rabbitmq-message-deduplication plugin's type (<see cref="DeduplicationExchange"/>).</summary>
    public const string Deduplication = "x-message-deduplication";

    /// <summary>The delayed-message plugin's type: routes as its <c>x-delayed-type</c> when each message is due.</summary>
    public const string DelayedMessage = "x-delayed-message";

    public static bool IsKnown(string type) => type is Direct or Fanout or Topic or Headers or Deduplication or DelayedMessage;

    /// <summary>
    /// Makes an exchange of the definition's type; <paramref name="broker"/> gives the types that
    /// need the node's services (time, storage) what they use, and is null for a bare vhost.
    /// </summary>
    public static Exchange Create(string name, ExchangeDefinition definition, string virtualHost = "/", Broker? broker = null) => definition.Type switch
    {
        Direct => new DirectExchange(name, definition),
        Fanout => new FanoutExchange(name, definition),
        Topic => new TopicExchange(name, definition),
        Headers => new HeadersExchange(name, definition),
        Deduplication => new DeduplicationExchange(name, definition, virtualHost, broker?.Time ?? TimeProvider.System, broker?.DeduplicationLogs),
        DelayedMessage => new DelayedExchange(name, definition),
        _ => throw new ArgumentException($"unknown exchange type '{definition.Type}'", nameof(definition)),
    };
}
