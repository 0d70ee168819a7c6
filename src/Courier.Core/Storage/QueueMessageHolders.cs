using Courier.Core.VirtualHosts;

namespace Courier.Core.Storage;

/// <summary>
/// The broker's queues as the holders a store's compaction asks about (<see cref="IMessageHolders"/>).
/// </summary>
/// <remarks>
/// For one compaction step it takes the locks of every queue holding a selected message (in
/// <see cref="IJournalHolder.LockOrder"/>, so two steps cannot deadlock, and nothing else ever holds
/// two queue locks), collects each message once with all its holders, lets the store copy them,
/// and points the queues' entries at the copies. The queues are paused for the duration: the
/// store's reads and appends for one mostly-dead segment at most. A message a queue has claimed for
/// a read-ahead (being read outside its lock) is not reported: the store then finds a reference it
/// cannot account for and moves nothing this time.
/// </remarks>
internal sealed class QueueMessageHolders(IEnumerable<VirtualHost> virtualHosts) : IMessageHolders
{
    public int Relocate(IMessageRelocation relocation)
    {
        var queues = new List<IJournalHolder>();
        foreach (var virtualHost in virtualHosts)
        {
            foreach (var queue in virtualHost.Queues)
            {
                if (queue is IJournalHolder holder && holder.HoldsAny(relocation))
                {
                    queues.Add(holder);
                }
            }
        }

        if (queues.Count == 0)
        {
            return 0;
        }

        queues.Sort(static (a, b) => a.LockOrder.CompareTo(b.LockOrder));
        var entered = 0;
        try
        {
            foreach (var queue in queues)
            {
                queue.EnterLock();
                entered++;
            }

            var found = new Dictionary<long, HeldMessage>();
            foreach (var queue in queues)
            {
                queue.CollectLocked(relocation, found);
            }

            if (relocation.Relocate(found.Values) is not { } moved)
            {
                return 0;
            }

            foreach (var queue in queues)
            {
                queue.MoveLocked(relocation, moved);
            }

            return moved.Count;
        }
        finally
        {
            for (var i = entered - 1; i >= 0; i--)
            {
                queues[i].ExitLock();
            }
        }
    }
}
