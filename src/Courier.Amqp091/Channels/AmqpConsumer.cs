using Courier.Core.Queues;

namespace Courier.Amqp091.Channels;

/// <summary>
/// A basic.consume on a channel: the sink its queue pushes deliveries into. Credit (prefetch) and
/// delivery writing live on the channel, which owns the delivery tags; this object carries the
/// per-consumer state. Fields are guarded by the channel's lock.
/// </summary>
internal sealed class AmqpConsumer : IDeliverySink
{
    public AmqpConsumer(AmqpChannel channel, string tag, IQueue queue, bool noAck, ushort prefetch)
    {
        Channel = channel;
        Tag = tag;
        Queue = queue;
        NoAck = noAck;
        Prefetch = prefetch;
    }

    public AmqpChannel Channel { get; }

    public string Tag { get; }

    public IQueue Queue { get; }

    public bool NoAck { get; }

    /// <summary>Most unacknowledged deliveries this consumer may hold; 0 for no limit.</summary>
    public ushort Prefetch { get; }

    public int Unacked { get; set; }

    /// <summary>False until consume-ok has been written, so no delivery can overtake it.</summary>
    public bool Ready { get; set; }

    public bool Cancelled { get; set; }

    public QueueConsumer? Registration { get; set; }

    public bool TryDeliver(IQueue queue, QueueConsumer consumer, QueuedMessage message) => Channel.TryDeliver(this, message);

    public void OnCancelled(IQueue queue, QueueConsumer consumer) => Channel.OnConsumerCancelledByBroker(this);
}
