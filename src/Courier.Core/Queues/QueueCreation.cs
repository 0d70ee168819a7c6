using Courier.Core.Resources;
using Courier.Core.Sessions;
using Courier.Core.Storage;

namespace Courier.Core.Queues;

/// <summary>What a queue type is given to make one queue.</summary>
public sealed record QueueCreation
{
    public required string Name { get; init; }

    public required string VirtualHost { get; init; }

    public required QueueDefinition Definition { get; init; }

    /// <summary>The node's clock (message TTLs, queue expiry); the system clock when null.</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>The client session an exclusive queue belongs to; null for a shared queue.</summary>
    public ClientSession? ExclusiveOwner { get; init; }

    /// <summary>The queue's id in journal records; 0 when its messages are never stored.</summary>
    public int StoreId { get; init; }

    /// <summary>The node's message store (the journal); null for a memory-only broker.</summary>
    public IMessageStore? Store { get; init; }

    public ResourceMonitor? Resources { get; init; }

    /// <summary>The declare arguments, already validated (<see cref="QueueArguments.Parse"/>).</summary>
    public QueueArguments Arguments { get; init; } = QueueArguments.None;

    /// <summary>The vhost the queue lives in: where its dead letters go and who deletes it when it expires.</summary>
    public IQueueHost? Host { get; init; }

    /// <summary>The policy and operator policy that apply to the queue when it is made; null: none.</summary>
    public Policies.AppliedPolicy? Policy { get; init; }

    /// <summary>Where the queue keeps its counts added up with its vhost's other queues; null: nowhere.</summary>
    public Statistics.QueueTotals? Totals { get; init; }
}
