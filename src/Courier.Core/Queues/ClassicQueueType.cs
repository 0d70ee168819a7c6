namespace Courier.Core.Queues;

/// <summary>The classic queue type: FIFO with destructive consumption (<see cref="ClassicQueue"/>).</summary>
public sealed class ClassicQueueType : IQueueType
{
    public const string TypeName = "classic";

    public static ClassicQueueType Instance { get; } = new();

    public string Name => TypeName;

    // Every classic queue pages to the node's store under memory pressure, durable or not.
    public IQueue Create(QueueCreation creation) =>
        new ClassicQueue(
            creation.Name, creation.VirtualHost, creation.Definition, creation.ExclusiveOwner, creation.StoreId, creation.Store, creation.Resources,
            creation.Arguments, creation.Host, creation.Clock, creation.Policy)
        {
            Pager = creation.Store,
            Totals = creation.Totals,
        };
}
