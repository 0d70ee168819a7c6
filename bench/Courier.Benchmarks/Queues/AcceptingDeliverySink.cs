using Courier.Core.Queues;

namespace Courier.Benchmarks.Queues;

/// <summary>A consumer that takes every message at once and keeps only the last, for the caller to settle.</summary>
public sealed class AcceptingDeliverySink : IDeliverySink
{
    public QueuedMessage? Last { get; private set; }

    public bool TryDeliver(IQueue queue, QueueConsumer consumer, QueuedMessage message)
    {
        Last = message;
        return true;
    }

    public void OnCancelled(IQueue queue, QueueConsumer consumer)
    {
    }
}
