using Courier.Core.Messages;

namespace Courier.Core.Queues;

/// <summary>
/// One message's place in one queue. The <see cref="Message"/> is shared by every queue it was
/// routed to; this small record is per queue and carries the queue's order (<see cref="Sequence"/>)
/// and whether the message was delivered before.
/// </summary>
public sealed class QueuedMessage
{
    public QueuedMessage(Message message, long sequence)
    {
        Message = message;
        Sequence = sequence;
    }

    public Message Message { get; }

    /// <summary>Position in the queue's order; requeued messages go back to it.</summary>
    public long Sequence { get; }

    /// <summary>True once the message has been delivered and then returned to the queue.</summary>
    public bool Redelivered { get; internal set; }

    public int DeliveryCount { get; internal set; }
}
