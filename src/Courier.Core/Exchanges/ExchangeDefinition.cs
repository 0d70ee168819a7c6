using Courier.Core.Messages;

namespace Courier.Core.Exchanges;

/// <summary>The declared shape of an exchange, compared field by field when it is declared again.</summary>
public sealed record ExchangeDefinition
{
    public required string Type { get; init; }

    public bool Durable { get; init; }

    public bool AutoDelete { get; init; }

    public bool Internal { get; init; }

    public IReadOnlyDictionary<string, object?> Arguments { get; init; } = FieldTable.Empty;
}
