using Courier.Core.Queues;
using Courier.Core.VirtualHosts;

namespace Courier.Core.Storage;

/// <summary>
/// Copies the live messages of mostly-dead journal segments forward, so the segments can be
/// deleted, without stopping publishers or consumers.
/// </summary>
/// <remarks>
/// Only queues know which messages are still live (ready, or out with a consumer), so compaction
/// is driven from here. For one segment it takes the locks of every queue holding a message there
/// (in <see cref="IJournalHolder.LockOrder"/>, so two compactions cannot deadlock, and nothing else ever
/// holds two queue locks), copies each message once with all its holders, re-marks deliveries,
/// points the queues' entries at the copies, and releases the old references. The journal deletes
/// the segment only once the copies are durable. It copies nothing unless it has found a holder
/// for every reference the segment still counts. The queues are paused for the duration: the
/// reads of a quarter-live segment at most.
/// </remarks>
internal static class JournalCompactor
{
    public static int Compact(IMessageStore store, IEnumerable<VirtualHost> virtualHosts)
    {
        var moved = 0;
        foreach (var segment in store.SegmentsWorthCompacting())
        {
            moved += CompactSegment(store, segment, virtualHosts);
        }

        return moved;
    }

    private static int CompactSegment(IMessageStore store, int segment, IEnumerable<VirtualHost> virtualHosts)
    {
        var queues = new List<IJournalHolder>();
        foreach (var virtualHost in virtualHosts)
        {
            foreach (var queue in virtualHost.Queues)
            {
                if (queue is IJournalHolder holder && holder.HoldsIn(segment))
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

            var found = new Dictionary<long, RelocationCandidate>();
            foreach (var queue in queues)
            {
                queue.CollectLocked(segment, found);
            }

            // Every reference the segment holds must belong to a holder found here. If not, a
            // publish is between its append and its enqueues, or a deleted queue still has the
            // message out with a consumer; copying now would drop that holder. Try again later.
            var references = 0;
            foreach (var candidate in found.Values)
            {
                references += candidate.Holders.Count;
            }

            if (references != store.ReferencesIn(segment))
            {
                return 0;
            }

            var moved = new Dictionary<long, StoredLocation>(found.Count);
            foreach (var candidate in found.Values)
            {
                var message = store.Load(candidate.MessageId, candidate.Location);
                var queueIds = new int[candidate.Holders.Count];
                for (var i = 0; i < queueIds.Length; i++)
                {
                    queueIds[i] = candidate.Paged ? 0 : candidate.Holders[i].StoreId;
                }

                var copy = store.Relocate(message, candidate.MessageId, candidate.Paged ? [0] : queueIds, candidate.Location, candidate.Paged);
                foreach (var holder in candidate.DeliveredTo)
                {
                    if (!candidate.Paged)
                    {
                        store.AppendDelivered(holder.StoreId, candidate.MessageId, copy.Location);
                    }
                }

                moved.Add(candidate.MessageId, copy.Location);
            }

            foreach (var queue in queues)
            {
                queue.MoveLocked(segment, moved);
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
