namespace Courier.Core.Exchanges;

/// <summary>The exchange type names clients declare, and the factory that makes each.</summary>
public static class ExchangeTypes
{
    public const string Direct = "direct";
    public const string Fanout = "fanout";
    public const string Topic = "topic";
    public const string Headers = "headers";

    public static bool IsKnown(string type) => type is Direct or Fanout or Topic or Headers;

    public static Exchange Create(string name, ExchangeDefinition definition) => definition.Type switch
    {
        Direct => new DirectExchange(name, definition),
        Fanout => new FanoutExchange(name, definition),
        Topic => new TopicExchange(name, definition),
        Headers => new HeadersExchange(name, definition),
        _ => throw new ArgumentException($"unknown exchange type '{definition.Type}'", nameof(definition)),
    };
}
