using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Core.Queues;

/// <summary>
/// Read-ahead: messages only the journal holds are read back before they are delivered, on the
/// thread pool and outside the queue's lock, so a slow disk never holds up publishers, consumers'
/// acknowledgements or anything else that needs the lock.
/// </summary>
/// <remarks>
/// Delivery stops at (never skips) a ready message that is not loaded and asks for a read-ahead;
/// at most one runs per queue. It notes, under the lock, the first unloaded ready messages in
/// queue order (up to <see cref="ReadAheadMessages"/> or about <see cref="ReadAheadBytes"/>),
/// reads them without the lock, then, under the lock again, attaches each body whose entry is
/// still there unchanged (not settled, purged or moved by compaction meanwhile), counts its
/// memory and delivers. A body read for an entry that went away is dropped, never counted.
/// </remarks>
public sealed partial class ClassicQueue
{
    /// <summary>Most messages one read-ahead loads.</summary>
    public const int ReadAheadMessages = 256;

    /// <summary>About the most bytes of records one read-ahead loads (at least one message, whatever its size).</summary>
    public const int ReadAheadBytes = 4 * 1024 * 1024;

    private static readonly Action<ClassicQueue> s_readAhead = static queue => queue.ReadAhead();
    private static readonly Comparison<ReadAheadItem> s_bySequence = static (a, b) => a.Queued.Sequence.CompareTo(b.Queued.Sequence);

    private bool _readAheadPending;

    // Reused by the one read-ahead that runs at a time; handed over under the lock.
    private List<ReadAheadItem>? _readAheadBatch;

    /// <summary>True while a read-ahead is queued or running (for tests).</summary>
    internal bool IsReadingAhead
    {
        get
        {
            lock (_gate)
            {
                return _readAheadPending;
            }
        }
    }

    /// <summary>Starts a read-ahead unless one is pending; called when delivery reaches an unloaded message.</summary>
    private void RequestReadAheadLocked()
    {
        if (_readAheadPending || _deleted)
        {
            return;
        }

        _readAheadPending = true;
        ThreadPool.UnsafeQueueUserWorkItem(s_readAhead, this, preferLocal: false);
    }

    private void ReadAhead()
    {
        List<ReadAheadItem> batch;
        lock (_gate)
        {
            batch = _readAheadBatch ??= [];
            CollectUnloadedLocked(batch);
        }

        Exception? failure = null;
        var failedAt = -1;
        for (var i = 0; i < batch.Count && failure is null; i++)
        {
            var item = batch[i];
            failure = TryLoad(item.Store, item.StoreId, item.Location, out var body);
            if (failure is null)
            {
                batch[i] = item with { Body = body };
            }
            else
            {
                failedAt = i;
            }
        }

        lock (_gate)
        {
            long bytes = 0;
            var attached = 0;
            foreach (var item in batch)
            {
                if (item.Body is { } body && IsUnchangedLocked(item.Queued, item.StoreId, item.Location))
                {
                    bytes += item.Queued.Attach(body);
                    attached++;
                }
            }

            // A read that failed because compaction moved the message (and deleted its old segment)
            // or it was settled meanwhile is no failure: the next read-ahead finds it where it is now.
            if (failure is not null && !IsUnchangedLocked(batch[failedAt].Queued, batch[failedAt].StoreId, batch[failedAt].Location))
            {
                failure = null;
            }

            batch.Clear();
            _readAheadPending = false;
            if (bytes > 0)
            {
                Resources?.AddMessageBytes(bytes);
            }

            // After a failure the message stays where it is, unloaded; what was read before it is
            // delivered, and the next dispatch from outside (a publish, new credit) tries again,
            // rather than a retry loop here. Reading ahead continues only when delivery reaches an
            // unloaded message: that keeps what is read but not yet delivered to one batch.
            if (failure is null || attached > 0)
            {
                DispatchLocked();
            }
        }

        if (failure is not null)
        {
            Resources?.ReportLoadFailed(failure);
        }
    }

    /// <summary>Notes the first unloaded ready messages, in queue order, within the read-ahead's budget.</summary>
    private void CollectUnloadedLocked(List<ReadAheadItem> batch)
    {
        foreach (var (queued, _) in _ready.UnorderedItems)
        {
            if (!queued.IsLoaded)
            {
                batch.Add(new ReadAheadItem(queued, queued.Store!, queued.StoreId, queued.Location, Body: null));
            }
        }

        batch.Sort(s_bySequence);
        long bytes = 0;
        var take = 0;
        while (take < batch.Count && take < ReadAheadMessages && (take == 0 || bytes + batch[take].Location.Length <= ReadAheadBytes))
        {
            bytes += batch[take].Location.Length;
            take++;
        }

        batch.RemoveRange(take, batch.Count - take);
    }

    /// <summary>Reads a message back outside the lock; a failure is returned and leaves the message unloaded.</summary>
    private static Exception? TryLoad(IMessageStore store, long storeId, StoredLocation location, out Message? body)
    {
        try
        {
            body = store.Load(storeId, location);
            return null;
        }
        catch (Exception e)
        {
            // Whatever the store throws (failed, I/O error, a segment compaction just deleted),
            // it must not escape a thread-pool item and take the broker down.
            body = null;
            return e;
        }
    }

    /// <summary>True if the entry still waits, unloaded, at the location its body was read from.</summary>
    private static bool IsUnchangedLocked(QueuedMessage queued, long storeId, StoredLocation location) =>
        !queued.IsSettled && !queued.IsLoaded && queued.StoreId == storeId && queued.Location == location;

    /// <summary>
    /// Takes the message at the head for a synchronous get, reading it back first if only the
    /// journal holds it: the read happens between two holds of the lock, and the head is checked
    /// again afterwards (it may have been taken, purged or moved meanwhile).
    /// </summary>
    private int TryGetReadingAhead(bool autoSettle, out QueuedMessage? message)
    {
        while (true)
        {
            IMessageStore store;
            long storeId;
            StoredLocation location;
            QueuedMessage head;
            lock (_gate)
            {
                RefillLocked();
                if (!_ready.TryPeek(out head!, out _))
                {
                    message = null;
                    return 0;
                }

                if (head.IsLoaded)
                {
                    message = _ready.Dequeue();
                    OnDeliveredLocked(message, autoSettle);
                    UpdateFlowLocked();
                    return _ready.Count + (int)_paged.Count;
                }

                (store, storeId, location) = (head.Store!, head.StoreId, head.Location);
            }

            var failure = TryLoad(store, storeId, location, out var body);
            lock (_gate)
            {
                if (!IsUnchangedLocked(head, storeId, location))
                {
                    // Taken, settled or moved meanwhile (a failed read of a moved message included): look again.
                    continue;
                }

                if (failure is null)
                {
                    Resources?.AddMessageBytes(head.Attach(body!));
                    continue;
                }
            }

            // basic.get fails; the message stays at the head for the next try.
            Resources?.ReportLoadFailed(failure);
            throw new StoreFailedException($"could not read message {storeId} back from the journal", failure);
        }
    }

    /// <summary>An unloaded ready message a read-ahead reads, with where it was when noted, and then its body.</summary>
    private readonly record struct ReadAheadItem(QueuedMessage Queued, IMessageStore Store, long StoreId, StoredLocation Location, Message? Body);
}
