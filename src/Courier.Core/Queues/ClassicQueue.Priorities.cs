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
/// among its own priority. A priority queue keeps every ready message in memory, in that ordered
/// set: the journal-only backlog behind the head is ordered by arrival alone, so it is not used
/// (persistent messages are in the journal all the same; a priority queue is not paged under
/// memory pressure, which the memory alarm bounds by blocking publishers). After a restart the
/// restored messages are read before the queue takes its lock, to learn their priorities.
/// </remarks>
public sealed partial class ClassicQueue
{
    private const int PriorityShift = 54;

    /// <summary>The arrival part of a place in the queue's order (without the priority folded in).</summary>
    private static long ArrivalOf(long sequence) => sequence & ((1L << PriorityShift) - 1);

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
        Resources?.AddMessageBytes(queued.MemoryBytes);
        _ready.Enqueue(queued, queued.Sequence);
    }

    private void RestorePriorityLocked(IMessageStore store, IReadOnlyList<RecoveredMessage> messages, Message[] loaded, long expiresAt)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            var recovered = messages[i];
            var queued = new QueuedMessage(loaded[i], store, recovered.Ref, NextSequenceLocked(loaded[i]), recovered.Delivered, pagedTransient: false)
            {
                ExpiresAt = expiresAt,
                DeliveryCount = recovered.Deliveries,
            };
            ResolveRestoredExpiryLocked(queued);
            Resources?.AddMessageBytes(queued.MemoryBytes);
            _ready.Enqueue(queued, queued.Sequence);
            _readyBytes += queued.Size;
        }
    }
}
