using Courier.Core.Queues;
using Courier.Core.Statistics;

namespace Courier.Core.VirtualHosts;

/// <summary>
/// The vhost's queues kept in name order, and their counts kept added up, so the management API's
/// first page of queues and its overview cost the same with 100,000 queues as with ten.
/// </summary>
/// <remarks>
/// The order is a sorted set changed on declare and delete (under the definitions lock, like the
/// queue map) and read under its own short lock: a page takes O(log n + skip + page) under it, and a
/// declare waits for at most that. <see cref="ConcurrentDictionary{TKey,TValue}.Values"/> would
/// instead take every lock of the map and copy all its values for each request.
/// </remarks>
public sealed partial class VirtualHost
{
    private readonly Lock _orderGate = new();
    private readonly SortedSet<IQueue> _queuesByName = new(QueueNameOrder.Instance);

    /// <summary>Ready and unacknowledged messages and consumers, summed over the vhost's queues as they change.</summary>
    public QueueTotals QueueTotals { get; } = new();

    public int QueueCount
    {
        get
        {
            lock (_orderGate)
            {
                return _queuesByName.Count;
            }
        }
    }

    public int ExchangeCount => _exchanges.Count;

    /// <summary>At most <paramref name="take"/> queues in ordinal name order (descending when asked), after the first <paramref name="skip"/>.</summary>
    public List<IQueue> QueuesInNameOrder(int skip, int take, bool descending)
    {
        var page = new List<IQueue>(Math.Min(take, 1024));
        if (take <= 0)
        {
            return page;
        }

        lock (_orderGate)
        {
            foreach (var queue in descending ? _queuesByName.Reverse() : _queuesByName)
            {
                if (skip > 0)
                {
                    skip--;
                    continue;
                }

                page.Add(queue);
                if (page.Count == take)
                {
                    break;
                }
            }
        }

        return page;
    }

    private void AddQueueLocked(IQueue queue)
    {
        _queues[queue.Name] = queue;
        lock (_orderGate)
        {
            // By name: a queue this one replaces leaves the order too.
            _queuesByName.Remove(queue);
            _queuesByName.Add(queue);
        }
    }

    private void RemoveQueueOrderLocked(IQueue queue)
    {
        lock (_orderGate)
        {
            _queuesByName.Remove(queue);
        }
    }

    private sealed class QueueNameOrder : IComparer<IQueue>
    {
        public static readonly QueueNameOrder Instance = new();

        public int Compare(IQueue? x, IQueue? y) => string.CompareOrdinal(x?.Name, y?.Name);
    }
}
