using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Core.Queues;

/// <summary>
/// Paging: the backlog behind the queue's head lives only in the journal, as small entries, and
/// moves up into the head as the head drains.
/// </summary>
public sealed partial class ClassicQueue
{
    /// <summary>
    /// Frees memory: every ready message behind the first <see cref="KeptInMemoryWhilePaging"/> keeps
    /// its body only in the journal (transient ones are written there first). Returns the bytes freed.
    /// </summary>
    public long PageOut()
    {
        long freed = 0;
        lock (_gate)
        {
            if (_ready.Count <= KeptInMemoryWhilePaging || (Pager ?? Store) is null)
            {
                return 0;
            }

            var keepBelow = _ready.Peek().Sequence + KeptInMemoryWhilePaging;
            foreach (var (queued, sequence) in _ready.UnorderedItems)
            {
                if (sequence < keepBelow || queued.MemoryBytes == 0)
                {
                    continue;
                }

                freed += queued.IsStored ? queued.PageOut() : TryPageOutTransient(queued);
            }
        }

        if (freed > 0)
        {
            Resources?.RemoveMessageBytes(freed);
        }

        return freed;
    }

    private bool ShouldPageLocked() =>
        _ready.Count >= KeptInMemoryWhilePaging
        && Resources is { } resources
        && (resources.IsPaging || (resources.QueueReadyInMemory > 0 && _ready.Count >= resources.QueueReadyInMemory))
        && (Pager ?? Store) is not null;

    private int TryPageOutTransient(QueuedMessage queued)
    {
        if ((Pager ?? Store) is not { IsFailed: false } pager)
        {
            return 0;
        }

        try
        {
            return queued.PageOutTransient(pager);
        }
        catch (StoreFailedException)
        {
            return 0;
        }
    }

    /// <summary>Moves paged messages up into the head while it is short; true if it added any.</summary>
    private bool RefillLocked()
    {
        if (_paged.Count == 0 || _ready.Count >= KeptInMemoryWhilePaging / 2)
        {
            return false;
        }

        var added = false;
        while (_ready.Count < KeptInMemoryWhilePaging && _paged.TryDequeue(out var entry))
        {
            _ready.Enqueue(Materialize(entry), entry.Sequence);
            added = true;
        }

        return added;
    }

    private QueuedMessage Materialize(in PagedEntry entry) =>
        new((entry.Transient ? Pager ?? Store : Store ?? Pager)!, entry.StoreId, entry.Location, entry.Sequence, entry.Delivered, entry.Transient, entry.Size, entry.ExpiresAt);

    /// <summary>A queued message paged out to the journal, as the backlog keeps it.</summary>
    private static PagedEntry PagedEntryOf(QueuedMessage queued, bool transient) =>
        new(queued.Sequence, queued.StoreId, queued.Location, queued.Redelivered, transient, queued.Size, queued.ExpiresAt);

    /// <summary>
    /// A ready message only the journal holds: 48 bytes in memory. <see cref="Size"/> is the body's
    /// length, or for a message restored after a restart its record's (an upper bound).
    /// </summary>
    private readonly record struct PagedEntry(long Sequence, long StoreId, StoredLocation Location, bool Delivered, bool Transient, int Size, long ExpiresAt);
}
