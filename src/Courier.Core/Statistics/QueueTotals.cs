namespace Courier.Core.Statistics;

/// <summary>
/// The sums over a vhost's queues of their ready and unacknowledged messages and their consumers,
/// kept up to date as each queue changes, so the management overview reads three counters instead
/// of walking every queue.
/// </summary>
/// <remarks>
/// Each queue adds the difference between its counts now and what it last added, whenever it
/// leaves its lock (<see cref="Queues.ClassicQueue"/>); a deleted queue takes back everything it
/// added. Adds go to striped counters, so queues on different cores never share a cache line, and a
/// read sums the stripes: between two adds of one queue the totals may be off by what that queue is
/// doing at that moment, never by more, and they agree with a walk of the queues once it is done.
/// </remarks>
public sealed class QueueTotals
{
    private const int ReadySlot = 0;
    private const int UnacknowledgedSlot = 1;
    private const int ConsumersSlot = 2;

    private readonly StripedCounters _counters = new(3);

    public long Ready => _counters.Read(ReadySlot);

    public long Unacknowledged => _counters.Read(UnacknowledgedSlot);

    public long Consumers => _counters.Read(ConsumersSlot);

    internal void Add(int ready, int unacknowledged, int consumers)
    {
        if (ready != 0)
        {
            _counters.Add(ReadySlot, ready);
        }

        if (unacknowledged != 0)
        {
            _counters.Add(UnacknowledgedSlot, unacknowledged);
        }

        if (consumers != 0)
        {
            _counters.Add(ConsumersSlot, consumers);
        }
    }
}
