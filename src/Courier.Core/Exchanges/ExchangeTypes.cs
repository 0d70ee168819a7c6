using Courier.Core.Delayed;

namespace Courier.Core.Exchanges;

/// <summary>The exchange type names clients declare, and the factory that makes each.</summary>
public static class ExchangeTypes
{
    public const string Direct = "direct";
    public const string Fanout = "fanout";
    public const string Topic = "topic";
    public const string Headers = "headers";

    /// <summary>The delayed-message plugin's type: routes as its <c>x-delayed-type</c> when each message is due.</summary>
    public const string DelayedMessage = "x-delayed-message";

    public static bool IsKnown(string type) => type is Direct or Fanout or Topic or Headers or DelayedMessage;

    public static Exchange Create(string name, ExchangeDefinition definition) => definition.Type switch
    {
        Direct => new DirectExchange(name, definition),
        Fanout => new FanoutExchange(name, definition),
        Topic => new TopicExchange(name, definition),
        Headers => new HeadersExchange(name, definition),
        DelayedMessage => new DelayedExchange(name, definition),
        _ => throw new ArgumentException($"unknown exchange type '{definition.Type}'", nameof(definition)),
    };
}
