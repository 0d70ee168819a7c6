using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Core.Queues;

/// <summary>What journal compaction needs from a queue: which messages it holds where, and repointing them.</summary>
public sealed partial class ClassicQueue : IJournalHolder
{
    void IJournalHolder.EnterLock() => _gate.Enter();

    void IJournalHolder.ExitLock() => _gate.Exit();

    /// <summary>True if any message this queue holds (ready or out) lives in <paramref name="segment"/>.</summary>
    bool IJournalHolder.HoldsIn(int segment)
    {
        lock (_gate)
        {
            foreach (var (queued, _) in _ready.UnorderedItems)
            {
                if (queued.IsStored && queued.Location.Segment == segment)
                {
                    return true;
                }
            }

            foreach (var queued in _out)
            {
                if (queued.Location.Segment == segment)
                {
                    return true;
                }
            }

            foreach (var chunk in _paged.Chunks())
            {
                foreach (var entry in chunk.Span)
                {
                    if (entry.Location.Segment == segment)
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }

    /// <summary>
    /// Under the lock (taken with <see cref="IJournalHolder.EnterLock"/>): adds every message this queue holds in
    /// <paramref name="segment"/> to <paramref name="found"/>, noting this queue as a holder.
    /// </summary>
    void IJournalHolder.CollectLocked(int segment, Dictionary<long, RelocationCandidate> found)
    {
        foreach (var (queued, _) in _ready.UnorderedItems)
        {
            if (queued.IsStored && queued.Location.Segment == segment)
            {
                Note(found, queued.StoreId, queued.Location, queued.IsPagedTransient, queued.Redelivered || queued.DeliveryCount > 0);
            }
        }

        foreach (var queued in _out)
        {
            if (queued.Location.Segment == segment)
            {
                Note(found, queued.StoreId, queued.Location, queued.IsPagedTransient, delivered: true);
            }
        }

        foreach (var chunk in _paged.Chunks())
        {
            foreach (var entry in chunk.Span)
            {
                if (entry.Location.Segment == segment)
                {
                    Note(found, entry.StoreId, entry.Location, entry.Transient, entry.Delivered);
                }
            }
        }
    }

    private void Note(Dictionary<long, RelocationCandidate> found, long id, StoredLocation location, bool paged, bool delivered)
    {
        if (!found.TryGetValue(id, out var candidate))
        {
            candidate = new RelocationCandidate(id, location, paged);
            found.Add(id, candidate);
        }

        if (!candidate.Holders.Contains(this))
        {
            candidate.Holders.Add(this);
        }

        if (delivered)
        {
            candidate.DeliveredTo.Add(this);
        }
    }

    /// <summary>Under the lock: points every entry of a moved message at its new location.</summary>
    void IJournalHolder.MoveLocked(int segment, IReadOnlyDictionary<long, StoredLocation> moved)
    {
        foreach (var (queued, _) in _ready.UnorderedItems)
        {
            if (queued.IsStored && queued.Location.Segment == segment && moved.TryGetValue(queued.StoreId, out var to))
            {
                queued.MoveTo(to);
            }
        }

        foreach (var queued in _out)
        {
            if (queued.Location.Segment == segment && moved.TryGetValue(queued.StoreId, out var to))
            {
                queued.MoveTo(to);
            }
        }

        foreach (var chunk in _paged.Chunks())
        {
            var span = chunk.Span;
            for (var i = 0; i < span.Length; i++)
            {
                if (span[i].Location.Segment == segment && moved.TryGetValue(span[i].StoreId, out var to))
                {
                    span[i] = span[i] with { Location = to };
                }
            }
        }
    }
}
