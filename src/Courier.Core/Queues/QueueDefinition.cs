using Courier.Core.Messages;

namespace Courier.Core.Queues;

/// <summary>The declared shape of a queue, compared field by field when it is declared again.</summary>
public sealed record QueueDefinition
{
    public bool Durable { get; init; }

    public bool Exclusive { get; init; }

    public bool AutoDelete { get; init; }

    public IReadOnlyDictionary<string, object?> Arguments { get; init; } = FieldTable.Empty;
}
