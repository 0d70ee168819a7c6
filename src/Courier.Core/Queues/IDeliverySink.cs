namespace Courier.Core.Queues;

/// <summary>
/// Where a queue pushes deliveries for one consumer: implemented by each protocol (an AMQP
/// consumer on a channel, an MQTT subscription, a STOMP subscription).
/// </summary>
/// <remarks>
/// The queue calls these methods while holding its own lock, so an implementation must be quick,
/// must not block, and must never call back into the same queue. It may take its own locks (the
/// queue's lock is always taken first).
/// </remarks>
public interface IDeliverySink
{
    /// <summary>
    /// Offers one message. Returns false, with no other effect, when the consumer cannot take it now
    /// (no credit, flow paused, output back-pressured); the queue then offers it to another consumer
    /// and calls <see cref="IQueue.Dispatch"/> again is the sink's job once it has credit.
    /// </summary>
    bool TryDeliver(IQueue queue, QueueConsumer consumer, QueuedMessage message);

    /// <summary>The broker ended the consumer (its queue was deleted). Not called for a cancel the sink asked for.</summary>
    void OnCancelled(IQueue queue, QueueConsumer consumer);
}
