using System.Diagnostics.CodeAnalysis;
using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Core.Queues;

/// <summary>
/// One message's place in one queue. The <see cref="Message"/> is shared by every queue it was
/// routed to; this small record is per queue and carries the queue's order (<see cref="Sequence"/>),
/// whether the message was delivered before, and, when the journal holds the message, the store's
/// reference to it. Messages only the journal holds (recovered at startup, or paged out when memory
/// ran short) wait behind the queue's head as small entries and are read back before delivery.
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
        Ref = stored.Ref;
        Size = message.Body.Length;
    }

    /// <summary>A message read back from the store (a read-ahead), with its place in the queue.</summary>
    internal QueuedMessage(Message message, IMessageStore store, MessageRef stored, long sequence, bool redelivered, bool pagedTransient)
        : this(store, stored, sequence, redelivered, pagedTransient, message.Body.Length)
    {
        _message = message;
    }

    /// <summary>
    /// A message the journal holds and memory does not: about to be settled, or dead-lettered (read
    /// outside the queue's lock); it is never delivered.
    /// </summary>
    internal QueuedMessage(IMessageStore store, MessageRef stored, long sequence, bool redelivered, bool pagedTransient, int size)
    {
        Size = size;
        Store = store;
        Sequence = sequence;
        Ref = stored;
        Redelivered = redelivered;
        IsPagedTransient = pagedTransient;
    }

    /// <summary>
    /// The message. Every message the queue hands out is in memory: a paged one is read back, outside
    /// the queue's lock, before it reaches the ready set (<c>ClassicQueue.Paging</c>), never here.
    /// </summary>
    public Message Message => _message ?? ThrowNotLoaded();

    /// <summary>Position in the queue's order; requeued messages go back to it.</summary>
    public long Sequence { get; }

    /// <summary>The store holding the message, or null when only memory does.</summary>
    public IMessageStore? Store { get; private set; }

    /// <summary>The store's reference to the message; <see cref="MessageRef.IsNone"/> when it is not stored.</summary>
    public MessageRef Ref { get; private set; }

    public bool IsStored => !Ref.IsNone;

    /// <summary>True for a transient message written to the journal only to free memory.</summary>
    public bool IsPagedTransient { get; private set; }

    /// <summary>Body bytes this entry keeps in memory (0 when the journal holds it instead).</summary>
    public int MemoryBytes => _message?.Body.Length ?? 0;

    /// <summary>True once the message has been delivered and then returned to the queue.</summary>
    public bool Redelivered { get; internal set; }

    public int DeliveryCount { get; internal set; }

    /// <summary>The protocol of the client it was last delivered to, whose acknowledgement it counts as.</summary>
    internal Messages.PublishingProtocol DeliveredVia { get; set; }

    /// <summary>True when the message is in memory (every message the queue hands out is).</summary>
    internal bool IsLoaded => _message is not null;

    /// <summary>Body bytes of the message, whether memory or the journal holds it (for <c>x-max-length-bytes</c>).</summary>
    public int Size { get; }

    /// <summary>
    /// When the message expires in this queue, in Unix milliseconds (the queue's clock); 0 when it
    /// never does. A protocol reads it to tell a consumer the time a message has left (MQTT 5.0's
    /// Message Expiry Interval on delivery); negative only while a restored message is unread.
    /// </summary>
    public long ExpiresAt { get; internal set; }

    /// <summary>The journal copied the message forward (compaction); it lives here now.</summary>
    internal void MoveTo(MessageRef copy) => Ref = copy;

    [DoesNotReturn]
    private Message ThrowNotLoaded() =>
        throw new InvalidOperationException($"message {Ref.Id} at sequence {Sequence} was handed out without its body");

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
        Ref = stored.Ref;
        IsPagedTransient = true;
        return PageOut();
    }
}
