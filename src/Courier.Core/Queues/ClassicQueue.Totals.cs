using Courier.Core.Statistics;

namespace Courier.Core.Queues;

/// <summary>
/// The queue's counts as it last published them: readable without its lock (management lists and
/// sorts by them), and added to its vhost's <see cref="QueueTotals"/> as they change.
/// </summary>
/// <remarks>
/// Every section under the queue's lock is entered through <see cref="EnterGate"/>, whose scope
/// publishes the counts on the way out, so no path that changes a count (enqueue, delivery,
/// settlement, expiry, purge, a policy's new limits, deletion) can forget to: the cost is three
/// comparisons per section and a striped add per count that changed. A deleted queue publishes
/// zeros, taking back what it had added.
/// </remarks>
public sealed partial class ClassicQueue
{
    private int _publishedReady;
    private int _publishedUnacknowledged;
    private int _publishedConsumers;

    /// <summary>Where the queue adds its counts' changes (its vhost's totals); null: nowhere.</summary>
    public QueueTotals? Totals { get; init; }

    public QueueCounts LastCounts => new(
        Volatile.Read(ref _publishedReady), Volatile.Read(ref _publishedUnacknowledged), Volatile.Read(ref _publishedConsumers));

    private GateScope EnterGate()
    {
        _gate.Enter();
        return new GateScope(this);
    }

    private void PublishCountsLocked()
    {
        int ready = 0, unacknowledged = 0, consumers = 0;
        if (!_deleted)
        {
            ready = ReadyCountLocked;
            unacknowledged = _unsettled;
            consumers = _consumers.Count;
        }

        if (ready == _publishedReady && unacknowledged == _publishedUnacknowledged && consumers == _publishedConsumers)
        {
            return;
        }

        Totals?.Add(ready - _publishedReady, unacknowledged - _publishedUnacknowledged, consumers - _publishedConsumers);
        Volatile.Write(ref _publishedReady, ready);
        Volatile.Write(ref _publishedUnacknowledged, unacknowledged);
        Volatile.Write(ref _publishedConsumers, consumers);
    }

    /// <summary>The queue's lock, held until disposed; publishes the counts before releasing it.</summary>
    private readonly ref struct GateScope(ClassicQueue queue)
    {
        public void Dispose()
        {
            queue.PublishCountsLocked();
            queue._gate.Exit();
        }
    }
}
