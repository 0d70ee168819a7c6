namespace Courier.Core.Queues;

/// <summary>
/// The head's size in bytes: the ready messages kept in memory are bounded by
/// <see cref="Resources.ResourceMonitor.QueueHeadBytes"/> as well as by
/// <see cref="KeptInMemoryWhilePaging"/>, so a head of large messages pages like one of small ones.
/// </summary>
/// <remarks>
/// Every message in the ready set is in memory (paging takes it out of the set first), so its
/// <see cref="QueuedMessage.MemoryBytes"/> is the same when it enters the set and when it leaves:
/// <c>_headBytes</c> is their sum, kept under the queue's lock by the two helpers below.
/// </remarks>
public sealed partial class ClassicQueue
{
    // Body bytes of the messages in _ready (all of them in memory).
    private long _headBytes;

    /// <summary>Bytes the head may hold before newer messages wait behind it in the journal; 0: no byte bound.</summary>
    private long HeadBytesLimit => Resources?.QueueHeadBytes ?? 0;

    /// <summary>The head holds as many messages, or as many bytes, as it keeps in memory.</summary>
    private bool HeadFullLocked =>
        _ready.Count >= KeptInMemoryWhilePaging || (HeadBytesLimit is > 0 and var limit && _headBytes >= limit);

    /// <summary>The head is down to half of either bound: time to read the backlog's front back.</summary>
    private bool HeadShortLocked =>
        _ready.Count < KeptInMemoryWhilePaging / 2 && (HeadBytesLimit is not (> 0 and var limit) || _headBytes < limit / 2);

    /// <summary>Most bytes one read-ahead loads: <see cref="ReadAheadBytes"/>, or half the head's byte bound if smaller.</summary>
    private long ReadAheadBytesLimit => HeadBytesLimit is > 0 and var limit ? Math.Min(ReadAheadBytes, Math.Max(1, limit / 2)) : ReadAheadBytes;

    private void EnqueueHeadLocked(QueuedMessage queued)
    {
        _headBytes += queued.MemoryBytes;
        _ready.Enqueue(queued, queued.Sequence);
    }

    private QueuedMessage DequeueHeadLocked()
    {
        var queued = _ready.Dequeue();
        _headBytes -= queued.MemoryBytes;
        return queued;
    }
}
