using Courier.Core.Queues;

namespace Courier.Stomp.Server;

/// <summary>
/// One SUBSCRIBE: the sink its queue pushes deliveries into. Credit (<c>prefetch-count</c>) and
/// writing live on the connection; the mutable fields are guarded by the connection's delivery gate.
/// </summary>
internal sealed class StompSubscription : IDeliverySink
{
    public StompSubscription(StompConnection connection, string id, IQueue queue, StompAckMode ackMode, int prefetch, bool durable, string? fixedDestination)
    {
        Connection = connection;
        Id = id;
        Queue = queue;
        AckMode = ackMode;
        Prefetch = prefetch;
        Durable = durable;
        FixedDestination = fixedDestination;
    }

    public StompConnection Connection { get; }

    public string Id { get; }

    public IQueue Queue { get; }

    public StompAckMode AckMode { get; }

    /// <summary>Most unacknowledged deliveries at a time; 0 for no limit.</summary>
    public int Prefetch { get; }

    /// <summary>A durable topic subscription: its queue outlives the connection.</summary>
    public bool Durable { get; }

    /// <summary>The destination every MESSAGE of this subscription carries (a temporary queue's); null to derive it from the message.</summary>
    public string? FixedDestination { get; }

    public QueueConsumer? Consumer { get; set; }

    /// <summary>This subscription's MESSAGE bytes in the connection's version, made at its first delivery.</summary>
    public StompMessageEncoding? Encoding { get; set; }

    /// <summary>Deliveries not yet acknowledged, by delivery tag (in the order they went out).</summary>
    public StompUnackedDeliveries Unacked { get; } = new();

    /// <summary>False until the subscription is registered, and again once it is cancelled.</summary>
    public bool Active { get; set; }

    public bool TryDeliver(IQueue queue, QueueConsumer consumer, QueuedMessage message) => Connection.TryDeliver(this, message);

    public void OnCancelled(IQueue queue, QueueConsumer consumer) => Connection.OnSubscriptionCancelledByBroker(this);
}
