using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Core.Queues;

/// <summary>
/// Message priorities (<c>x-max-priority</c>): higher priorities are delivered first, FIFO within a
/// priority. A message's priority above the queue's maximum counts as the maximum, and a message
/// without one as 0, as in RabbitMQ.
/// </summary>
/// <remarks>
/// The priority is folded into the message's place in the queue's order
/// (<see cref="QueuedMessage.Sequence"/>: the inverted priority in the top bits, arrival below), so
/// the ready set orders by priority then arrival, and a requeued message goes back to its place
/// among its own priority. A priority queue keeps every ready message's entry in that ordered set
/// (never in the journal-only backlog, whose order is arrival alone); past
/// <see cref="KeptInMemoryWhilePaging"/> ready messages their bodies stay only in the journal, as
/// in any classic queue. After a restart each restored message is read once to learn its priority.
/// </remarks>
public sealed partial class ClassicQueue
{
    private const int PriorityShift = 54;

    private bool IsPriorityQueue => Arguments.MaxPriority is > 0;

    /// <summary>The next place in the queue's order for <paramref name="message"/>.</summary>
    private long NextSequenceLocked(Message message)
    {
        var arrival = _nextSequence++;
        if (Arguments.MaxPriority is not { } max || max == 0)
        {
            return arrival;
        }

        var priority = Math.Min(message.Properties.Priority ?? 0, max);
        return ((long)(max - priority) << PriorityShift) | arrival;
    }

    private void EnqueuePriorityLocked(QueuedMessage queued)
    {
        if (_ready.Count >= KeptInMemoryWhilePaging)
        {
            if (!queued.IsStored)
            {
                TryPageOutTransient(queued);
            }
            else
            {
                queued.PageOut();
            }
        }

        Resources?.AddMessageBytes(queued.MemoryBytes);
        _ready.Enqueue(queued, queued.Sequence);
    }

    private void RestorePriorityLocked(IMessageStore store, IReadOnlyList<RecoveredMessage> messages, long expiresAt)
    {
        foreach (var recovered in messages)
        {
            var message = store.Load(recovered.MessageId, recovered.Location);
            var queued = new QueuedMessage(
                store, recovered.MessageId, recovered.Location, NextSequenceLocked(message), recovered.Delivered, pagedTransient: false, message.Body.Length, expiresAt);
            _ready.Enqueue(queued, queued.Sequence);
            _readyBytes += queued.Size;
        }
    }
}
