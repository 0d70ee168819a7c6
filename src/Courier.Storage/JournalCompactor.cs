using Courier.Core.Storage;
using Courier.Storage.Journal;

namespace Courier.Storage;

/// <summary>
/// Copies the live messages of mostly-dead journal segments forward, so the segments can be
/// deleted, without stopping publishers or consumers. One instance is one segment's step.
/// </summary>
/// <remarks>
/// The journal counts each segment's queue references but not who holds them: only queues know
/// which messages are still live (ready, paged, or out with a consumer). So for each candidate
/// segment (<see cref="SegmentLog.CompactionCandidates"/>) the compactor asks the core's
/// <see cref="IMessageHolders"/>, which pauses the holders and hands over every held message of
/// the segment. The compactor copies each once with all its holders, re-marks deliveries, and
/// releases the old references; the journal deletes the segment only once the copies are durable.
/// It copies nothing unless the holders account for every reference the segment still counts
/// (otherwise a publish is between its append and its enqueues, a message is out being read
/// ahead, or a deleted queue still has it out with a consumer: copying now would drop that holder).
/// </remarks>
internal sealed class JournalCompactor(JournalMessageStore store, int segment) : IMessageRelocation
{
    public static int Compact(JournalMessageStore store, IMessageHolders holders)
    {
        var moved = 0;
        if (store.IsStalled)
        {
            return 0; // copying forward needs room the disk does not have
        }

        foreach (var segment in store.Journal.CompactionCandidates())
        {
            moved += holders.Relocate(new JournalCompactor(store, segment));
        }

        return moved;
    }

    public bool Selects(MessageRef message) => StoredLocation.Of(message).Segment == segment;

    public IReadOnlyDictionary<long, MessageRef>? Relocate(IReadOnlyCollection<HeldMessage> held)
    {
        var references = 0;
        foreach (var message in held)
        {
            references += message.Holders.Count;
        }

        if (references == 0 || references != store.ReferencesIn(segment))
        {
            return null;
        }

        var moved = new Dictionary<long, MessageRef>(held.Count);
        foreach (var message in held)
        {
            var body = store.Load(message.Ref, out var paged, out var arrived);
            var copy = store.Relocate(body, message.Ref, paged ? [0] : [.. message.Holders], paged, arrived);
            if (!paged)
            {
                foreach (var (queueId, deliveryCount) in message.DeliveredTo)
                {
                    store.AppendDelivered(queueId, copy.Ref, deliveryCount);
                }
            }

            moved.Add(message.Ref.Id, copy.Ref);
        }

        return moved;
    }
}
