using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Core.Queues;

/// <summary>
/// One message's place in one queue. The <see cref="Message"/> is shared by every queue it was
/// routed to; this small record is per queue and carries the queue's order (<see cref="Sequence"/>),
/// whether the message was delivered before, and, for a persistent message in a durable queue,
/// where the journal holds it. A message recovered from the journal is not held in memory: it is
/// read back from disk each time it is delivered.
/// </summary>
public sealed class QueuedMessage
{
    private readonly Message? _message;
    private readonly IMessageStore? _store;

    public QueuedMessage(Message message, long sequence)
    {
        _message = message;
        Sequence = sequence;
    }

    public QueuedMessage(Message message, long sequence, StoredMessage stored)
    {
        _message = message;
        Sequence = sequence;
        StoreId = stored.MessageId;
        Location = stored.Location;
    }

    internal QueuedMessage(IMessageStore store, RecoveredMessage recovered, long sequence)
    {
        _store = store;
        Sequence = sequence;
        StoreId = recovered.MessageId;
        Location = recovered.Location;
        Redelivered = recovered.Delivered;
    }

    /// <summary>The message, read from the journal if it is not held in memory.</summary>
    public Message Message => _message ?? _store!.Load(StoreId, Location);

    /// <summary>Position in the queue's order; requeued messages go back to it.</summary>
    public long Sequence { get; }

    /// <summary>The journal's id of the message, or 0 when it is not stored for this queue.</summary>
    public long StoreId { get; }

    public StoredLocation Location { get; }

    public bool IsStored => StoreId != 0;

    /// <summary>Body bytes this entry keeps in memory (0 for a message read from the journal on demand).</summary>
    public int MemoryBytes => _message?.Body.Length ?? 0;

    /// <summary>True once the message has been delivered and then returned to the queue.</summary>
    public bool Redelivered { get; internal set; }

    public int DeliveryCount { get; internal set; }
}
