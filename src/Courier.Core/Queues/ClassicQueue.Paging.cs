using System.Buffers;
using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Core.Queues;

/// <summary>
/// Paging: the backlog behind the queue's head lives only in the journal, as small entries, and
/// is read back into the head, outside the queue's lock, as the head drains.
/// </summary>
/// <remarks>
/// <para>Every message in the ready set is in memory; behind it, <c>_paged</c> holds the messages
/// only the store holds, in queue order. When the head falls below half of
/// <see cref="KeptInMemoryWhilePaging"/> while consumers wait, a read-ahead is wanted. The next
/// thread to leave the lock after dispatching (a publisher's enqueue, a consumer's credit or
/// requeue, a new consumer, a get) claims the next batch from the front of <c>_paged</c> under
/// the lock, reads it from the store without the lock, then takes the lock again, puts the
/// messages into the ready set and dispatches. One batch is out at a time (<c>_readingAhead</c>).
/// The head still holds the other half while the batch is read, so consumers do not wait.</para>
/// <para>A claimed batch stays the queue's: it counts in <see cref="MessageCount"/>, and nothing
/// behind it is delivered until it is back (messages enqueued meanwhile wait in the ready set, or
/// in <c>_paged</c> if that is not empty), so order is kept. A purge or delete while it is
/// out marks it dropped, and the reader settles it when it comes back (exactly once). A read that
/// fails keeps the rest of the batch claimed, in order, for the next dispatch to try again.
/// Compaction does not see a batch that is out: it then finds a reference it cannot account for
/// and moves nothing this time.</para>
/// </remarks>
public sealed partial class ClassicQueue
{
    /// <summary>Most messages one read-ahead loads: the half of the head that drains while it reads.</summary>
    public const int ReadAheadMessages = KeptInMemoryWhilePaging / 2;

    /// <summary>About the most bytes one read-ahead loads (at least one message, whatever its size).</summary>
    public const int ReadAheadBytes = 4 * 1024 * 1024;

    // The batch claimed from the front of _paged (rented while claimed; before everything in _paged).
    private PagedEntry[]? _claimed;
    private int _claimedCount;

    // Set under the lock when the head runs short; the next thread out of the lock reads ahead.
    private volatile bool _readAheadWanted;
    private bool _readingAhead;

    // Purged or deleted while the batch was being read: the reader settles it instead.
    private bool _claimedDropped;

    /// <summary>
    /// Frees memory: every ready message behind the first <see cref="KeptInMemoryWhilePaging"/> keeps
    /// its body only in the journal (transient ones are written there first). Returns the bytes freed.
    /// </summary>
    public long PageOut()
    {
        long freed = 0;
        using (EnterGate())
        {
            // With a batch out, the ready set's tail is older than the batch: it cannot move behind it.
            var limit = HeadBytesLimit;
            var over = _ready.Count > KeptInMemoryWhilePaging || (limit > 0 && _headBytes > limit);
            if (!over || (Pager ?? Store) is null || _claimedCount > 0)
            {
                return 0;
            }

            var inOrder = new List<QueuedMessage>(_ready.Count);
            while (_ready.TryDequeue(out var queued, out _))
            {
                inOrder.Add(queued);
            }

            // Page from the tail forwards, so what moves is always a tail of the order (it goes in
            // front of the paged backlog, of each priority's) even if a transient message cannot be
            // written out. What stays is within both of the head's bounds, in count and in bytes.
            var keep = inOrder.Count;
            var keptBytes = _headBytes;
            while (keep > KeptInMemoryWhilePaging || (limit > 0 && keptBytes > limit && keep > 0))
            {
                var queued = inOrder[keep - 1];
                var bytes = queued.MemoryBytes;
                if (!queued.IsStored && (TryPageOutTransient(queued) < 0 || !queued.IsStored))
                {
                    break;
                }

                queued.PageOut();
                freed += bytes;
                keptBytes -= bytes;
                keep--;
            }

            var moved = new PagedEntry[inOrder.Count - keep];
            for (var i = keep; i < inOrder.Count; i++)
            {
                var queued = inOrder[i];
                moved[i - keep] = PagedEntryOf(queued, queued.IsPagedTransient);
            }

            _headBytes = 0;
            for (var i = 0; i < keep; i++)
            {
                EnqueueHeadLocked(inOrder[i]);
            }

            _paged.Prepend(moved);
            Resources?.Paging.OnPagedOut(moved.Length);
        }

        if (freed > 0)
        {
            Resources?.RemoveMessageBytes(freed);
        }

        return freed;
    }

    private bool ShouldPageLocked() =>
        HeadFullLocked
        && Resources is { } resources
        && (resources.IsPaging || (resources.QueueReadyInMemory > 0 && _ready.Count >= resources.QueueReadyInMemory))
        && (Pager ?? Store) is not null;

    /// <summary>True while messages wait behind the head in the store (paged, or claimed by a read-ahead).</summary>
    private bool HasPagedBacklogLocked => _paged.Count > 0 || HasClaimedLocked;

    /// <summary>A claimed batch is out (being read, or left by a failed read) and still the queue's.</summary>
    private bool HasClaimedLocked => _claimedCount > 0 && !_claimedDropped;

    /// <summary>
    /// The head of the ready set may be delivered: nothing is claimed, or the head comes before the
    /// claimed batch (a requeued message). Messages enqueued while a batch is out wait behind it in
    /// the ready set, in memory, instead of being paged only because a batch was out. In a priority
    /// queue the head must also come before the backlog's front, which may be of a higher priority.
    /// </summary>
    private bool HeadDeliverableLocked =>
        _ready.Count > 0
        && (!HasClaimedLocked || _ready.Peek().Sequence < _claimed![0].Sequence)
        && (_paged.Count == 0 || !IsPriorityQueue || !PagedFrontFirstLocked);

    /// <summary>The backlog's front comes before the ready set's head (only ever in a priority queue).</summary>
    private bool PagedFrontFirstLocked =>
        _paged.TryPeek(out var front) && (_ready.Count == 0 || front.Sequence < _ready.Peek().Sequence);

    /// <summary>Ready messages, counting those behind the head and those being read ahead (unless purged meanwhile).</summary>
    private int ReadyCountLocked => _ready.Count + (int)_paged.Count + (_claimedDropped ? 0 : _claimedCount);

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

    /// <summary>
    /// Under the lock, after dispatching: asks for a read-ahead if consumers wait and the head is short,
    /// or a failed read left a batch claimed (messages enqueued since wait behind it).
    /// </summary>
    private void RequestReadAheadLocked()
    {
        if (!_readingAhead && _consumers.Count > 0 && !_deleted
            && (HasClaimedLocked || (_paged.Count > 0 && (HeadShortLocked || (IsPriorityQueue && PagedFrontFirstLocked)))))
        {
            _readAheadWanted = true;
        }
    }

    /// <summary>
    /// Called after leaving the lock by every path that dispatches: reads ahead if a read-ahead is
    /// wanted and none is running. Returns the read failure if this thread's read failed.
    /// </summary>
    private Exception? ReadAheadIfWanted() => _readAheadWanted ? ReadAhead() : null;

    private Exception? ReadAhead()
    {
        while (true)
        {
            int count;
            PagedEntry[] claimed;
            using (EnterGate())
            {
                if (!_readAheadWanted || _readingAhead)
                {
                    return null;
                }

                _readAheadWanted = false;
                if (!ClaimLocked())
                {
                    return null;
                }

                _readingAhead = true;
                claimed = _claimed!;
                count = _claimedCount;
            }

            List<DeadLetter>? dead;
            var loaded = ArrayPool<QueuedMessage?>.Shared.Rent(count);
            var read = LoadClaimed(claimed, count, loaded, out var failure);

            using (EnterGate())
            {
                _readingAhead = false;
                if (_claimedDropped)
                {
                    SettleClaimedLocked();
                }
                else
                {
                    long bytes = 0;
                    for (var i = 0; i < read; i++)
                    {
                        var queued = loaded[i]!;
                        ResolveRestoredExpiryLocked(queued);
                        bytes += queued.MemoryBytes;
                        EnqueueHeadLocked(queued);
                    }

                    if (bytes > 0)
                    {
                        Resources?.AddMessageBytes(bytes);
                    }

                    ReleaseClaimedLocked(read);
                }

                Array.Clear(loaded, 0, read);
                ArrayPool<QueuedMessage?>.Shared.Return(loaded);

                // After a failure, try again on the next dispatch from outside, not in a loop here.
                DispatchLocked();
                ApplyLimitsLocked();
                dead = TakeDeadLocked();
                if (failure is not null)
                {
                    _readAheadWanted = false;
                }
            }

            PublishDeadLetters(dead);
            if (failure is not null)
            {
                return failure;
            }
        }
    }

    /// <summary>
    /// Reads the claimed entries outside the lock, in order, each run of entries in one store with one
    /// call (the journal reads records lying close together with one read). Returns how many were read:
    /// after a failure, those before the run that failed.
    /// </summary>
    private int LoadClaimed(PagedEntry[] claimed, int count, QueuedMessage?[] loaded, out Exception? failure)
    {
        var references = ArrayPool<MessageRef>.Shared.Rent(count);
        var messages = ArrayPool<Message>.Shared.Rent(count);
        var read = 0;
        failure = null;
        try
        {
            for (var i = 0; i < count; i++)
            {
                references[i] = claimed[i].Ref;
            }

            while (read < count)
            {
                var store = StoreOf(claimed[read]);
                var end = read + 1;
                while (end < count && StoreOf(claimed[end]) == store)
                {
                    end++;
                }

                store.Load(references.AsSpan(read, end - read), messages.AsSpan(read, end - read));
                Resources?.Paging.OnPagedIn(end - read);
                for (; read < end; read++)
                {
                    var entry = claimed[read];
                    loaded[read] = new QueuedMessage(messages[read], store, entry.Ref, entry.Sequence, entry.Delivered, entry.Transient)
                    {
                        ExpiresAt = entry.ExpiresAt,
                        DeliveryCount = entry.Deliveries,
                    };
                }
            }
        }
        catch (Exception e)
        {
            // Whatever the store throws (failed, I/O error), the rest of the batch stays claimed for
            // the next dispatch to read again; it must not escape into a publisher or an ack.
            failure = e;
        }
        finally
        {
            ArrayPool<MessageRef>.Shared.Return(references);
            Array.Clear(messages, 0, count);
            ArrayPool<Message>.Shared.Return(messages);
        }

        return read;
    }

    /// <summary>Claims the next batch: what a failed read left, or the front of <c>_paged</c>. False if there is nothing to read.</summary>
    private bool ClaimLocked()
    {
        if (_claimedCount > 0)
        {
            return true;
        }

        if (_paged.Count == 0 || _deleted)
        {
            return false;
        }

        var claimed = _claimed = ArrayPool<PagedEntry>.Shared.Rent(ReadAheadMessages);
        long bytes = 0;
        var maxBytes = ReadAheadBytesLimit;
        while (_claimedCount < ReadAheadMessages && bytes < maxBytes && _paged.TryDequeue(out var entry))
        {
            claimed[_claimedCount++] = entry;
            bytes += entry.Ref.Length;
        }

        return true;
    }

    /// <summary>The first <paramref name="read"/> claimed entries are in the ready set now; the rest stay claimed, in order.</summary>
    private void ReleaseClaimedLocked(int read)
    {
        var claimed = _claimed!;
        if (read < _claimedCount)
        {
            Array.Copy(claimed, read, claimed, 0, _claimedCount - read);
            _claimedCount -= read;
            return;
        }

        _claimedCount = 0;
        _claimed = null;
        ArrayPool<PagedEntry>.Shared.Return(claimed);
    }

    /// <summary>Purge or delete: settles a claimed batch now, or, while it is being read, when it comes back.</summary>
    private void SettleClaimedLocked()
    {
        if (_readingAhead)
        {
            _claimedDropped = true;
            return;
        }

        _claimedDropped = false;
        for (var i = 0; i < _claimedCount; i++)
        {
            RecordSettled(Materialize(_claimed![i]));
        }

        if (_claimedCount > 0)
        {
            ReleaseClaimedLocked(_claimedCount);
        }
    }

    private IMessageStore StoreOf(in PagedEntry entry) => (entry.Transient ? Pager ?? Store : Store ?? Pager)!;

    private QueuedMessage Materialize(in PagedEntry entry) =>
        new(StoreOf(entry), entry.Ref, entry.Sequence, entry.Delivered, entry.Transient, entry.Size) { ExpiresAt = DeadlineOf(entry), DeliveryCount = entry.Deliveries };

    /// <summary>A queued message paged out to the journal, as the backlog keeps it.</summary>
    private static PagedEntry PagedEntryOf(QueuedMessage queued, bool transient) =>
        new(queued.Sequence, queued.Ref, Math.Max(queued.DeliveryCount, queued.Redelivered ? 1 : 0), transient, queued.Size, queued.ExpiresAt);

    /// <summary>
    /// A ready message only the journal holds: 48 bytes in memory. <see cref="Size"/> is the body's
    /// length, or for a message restored after a restart its record's (an upper bound);
    /// <see cref="Deliveries"/> how often it was delivered before; <see cref="ExpiresAt"/> its
    /// deadline (0: none), or for a restored entry not read yet its arrival, negated
    /// (<see cref="DeadlineOf"/>).
    /// </summary>
    private readonly record struct PagedEntry(long Sequence, MessageRef Ref, int Deliveries, bool Transient, int Size, long ExpiresAt)
    {
        public bool Delivered => Deliveries > 0;
    }
}
