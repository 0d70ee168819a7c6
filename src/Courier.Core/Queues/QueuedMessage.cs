using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Core.Queues;

/// <summary>
/// One message's place in one queue. The <see cref="Message"/> is shared by every queue it was
/// routed to; this small record is per queue and carries the queue's order (<see cref="Sequence"/>),
/// whether the message was delivered before, and, when the journal holds the message, where.
/// A message may be held in memory, or only in the journal (recovered at startup, or paged out
/// when memory ran short): then it is read back from disk each time it is delivered.
/// </summary>
/// <remarks>Mutable state changes only under the owning queue's lock.</remarks>
public sealed class QueuedMessage
{
    private Message? _message;

    public QueuedMessage(Message message, long sequence)
    {
        _message = message;
        Sequence = sequence;
        Size = message.Body.Length;
    }

    public QueuedMessage(Message message, long sequence, StoredMessage stored, IMessageStore store)
    {
        _message = message;
        Sequence = sequence;
        Store = store;
        StoreId = stored.MessageId;
        Location = stored.Location;
        Size = message.Body.Length;
    }

    /// <summary>A message the journal holds and memory does not.</summary>
    internal QueuedMessage(IMessageStore store, long storeId, StoredLocation location, long sequence, bool redelivered, bool pagedTransient, int size, long expiresAt)
    {
        Size = size;
        ExpiresAt = expiresAt;
        Store = store;
        Sequence = sequence;
        StoreId = storeId;
        Location = location;
        Redelivered = redelivered;
        IsPagedTransient = pagedTransient;
    }

    /// <summary>The message, read from the journal if it is not held in memory.</summary>
    public Message Message => _message ?? Store!.Load(StoreId, Location);

    /// <summary>Position in the queue's order; requeued messages go back to it.</summary>
    public long Sequence { get; }

    /// <summary>The store holding the message, or null when only memory does.</summary>
    public IMessageStore? Store { get; private set; }

    /// <summary>The journal's id of the message, or 0 when it is not stored.</summary>
    public long StoreId { get; private set; }

    public StoredLocation Location { get; private set; }

    public bool IsStored => StoreId != 0;

    /// <summary>True for a transient message written to the journal only to free memory.</summary>
    public bool IsPagedTransient { get; private set; }

    /// <summary>Body bytes this entry keeps in memory (0 when the journal holds it instead).</summary>
    public int MemoryBytes => _message?.Body.Length ?? 0;

    /// <summary>True once the message has been delivered and then returned to the queue.</summary>
    public bool Redelivered { get; internal set; }

    public int DeliveryCount { get; internal set; }

    /// <summary>Body bytes of the message, whether memory or the journal holds it (for <c>x-max-length-bytes</c>).</summary>
    public int Size { get; }

    /// <summary>
    /// When the message expires in this queue, in Unix milliseconds; 0 when it never does.
    /// <see cref="long.MaxValue"/> marks a message restored after a restart whose own expiration
    /// is not known until it is read (<see cref="ClassicQueue"/> resolves it before delivery).
    /// </summary>
    internal long ExpiresAt { get; set; }

    /// <summary>The journal copied the message forward (compaction); it lives here now.</summary>
    internal void MoveTo(StoredLocation location) => Location = location;

    /// <summary>Drops the in-memory copy of a stored message; returns the bytes freed.</summary>
    internal int PageOut()
    {
        if (_message is null || Store is null)
        {
            return 0;
        }

        var freed = _message.Body.Length;
        _message = null;
        return freed;
    }

    /// <summary>Writes a transient message to the journal and drops it from memory; returns the bytes freed.</summary>
    internal int PageOutTransient(IMessageStore store)
    {
        if (_message is null || Store is not null)
        {
            return 0;
        }

        var stored = store.AppendPaged(_message);
        Store = store;
        StoreId = stored.MessageId;
        Location = stored.Location;
        IsPagedTransient = true;
        return PageOut();
    }
}
