using Courier.Core.Storage;

namespace Courier.Core.Queues;

/// <summary>What the store's compaction needs from a queue: which of the messages it selects the queue holds, and repointing them.</summary>
public sealed partial class ClassicQueue : IJournalHolder
{
    void IJournalHolder.EnterLock() => _gate.Enter();

    void IJournalHolder.ExitLock()
    {
        PublishCountsLocked();
        _gate.Exit();
    }

    bool IJournalHolder.HoldsAny(IMessageRelocation relocation)
    {
        using (EnterGate())
        {
            foreach (var (queued, _) in _ready.UnorderedItems)
            {
                if (queued.IsStored && relocation.Selects(queued.Ref))
                {
                    return true;
                }
            }

            foreach (var queued in _out)
            {
                if (relocation.Selects(queued.Ref))
                {
                    return true;
                }
            }

            foreach (var chunk in _paged.Chunks())
            {
                foreach (var entry in chunk.Span)
                {
                    if (relocation.Selects(entry.Ref))
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }

    /// <summary>
    /// Under the lock (taken with <see cref="IJournalHolder.EnterLock"/>): adds every message this queue holds that
    /// <paramref name="relocation"/> selects to <paramref name="found"/>, noting this queue as a holder.
    /// </summary>
    void IJournalHolder.CollectLocked(IMessageRelocation relocation, Dictionary<long, HeldMessage> found)
    {
        foreach (var (queued, _) in _ready.UnorderedItems)
        {
            if (queued.IsStored && relocation.Selects(queued.Ref))
            {
                Note(found, queued.Ref, queued.IsPagedTransient, Math.Max(queued.DeliveryCount, queued.Redelivered ? 1 : 0));
            }
        }

        foreach (var queued in _out)
        {
            if (relocation.Selects(queued.Ref))
            {
                Note(found, queued.Ref, queued.IsPagedTransient, Math.Max(1, queued.DeliveryCount));
            }
        }

        foreach (var chunk in _paged.Chunks())
        {
            foreach (var entry in chunk.Span)
            {
                if (relocation.Selects(entry.Ref))
                {
                    Note(found, entry.Ref, entry.Transient, entry.Deliveries);
                }
            }
        }
    }

    private void Note(Dictionary<long, HeldMessage> found, MessageRef message, bool paged, int deliveries)
    {
        if (!found.TryGetValue(message.Id, out var held))
        {
            held = new HeldMessage(message);
            found.Add(message.Id, held);
        }

        // A paged transient message is held by no durable queue: its record names queue 0.
        var holder = paged ? 0 : StoreId;
        if (!held.Holders.Contains(holder))
        {
            held.Holders.Add(holder);
            if (deliveries > 0 && !paged)
            {
                held.DeliveredTo.Add((holder, deliveries));
            }
        }
    }

    /// <summary>Under the lock: points every entry of a moved message at its copy.</summary>
    void IJournalHolder.MoveLocked(IMessageRelocation relocation, IReadOnlyDictionary<long, MessageRef> moved)
    {
        foreach (var (queued, _) in _ready.UnorderedItems)
        {
            if (queued.IsStored && relocation.Selects(queued.Ref) && moved.TryGetValue(queued.Ref.Id, out var to))
            {
                queued.MoveTo(to);
            }
        }

        foreach (var queued in _out)
        {
            if (relocation.Selects(queued.Ref) && moved.TryGetValue(queued.Ref.Id, out var to))
            {
                queued.MoveTo(to);
            }
        }

        foreach (var chunk in _paged.Chunks())
        {
            var span = chunk.Span;
            for (var i = 0; i < span.Length; i++)
            {
                if (relocation.Selects(span[i].Ref) && moved.TryGetValue(span[i].Ref.Id, out var to))
                {
                    span[i] = span[i] with { Ref = to };
                }
            }
        }
    }
}
