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
/// among its own priority. The journal-only backlog keeps one FIFO per priority
/// (<see cref="PagedBacklog"/>), so a priority queue pages like any other; its head is then the
/// first of the ready set's head and the backlog's front, and a backlog front that comes first is
/// read ahead before anything behind it is delivered. After a restart the restored messages'
/// priorities are read, in batches, before the queue takes its lock.
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

    /// <summary>The next place in the queue's order for a message of priority <paramref name="priority"/>.</summary>
    private long NextSequenceLocked(byte priority)
    {
        var max = Arguments.MaxPriority ?? 0;
        return ((long)(max - Math.Min(priority, max)) << PriorityShift) | _nextSequence++;
    }

    /// <summary>
    /// The priorities of messages restored at startup, read outside the lock: from
    /// <paramref name="loaded"/> when the messages were read already, else in batches, so a
    /// backlog of millions is never in memory at once.
    /// </summary>
    private static byte[] RestoredPriorities(IMessageStore store, IReadOnlyList<RecoveredMessage> messages, Message[]? loaded)
    {
        var priorities = new byte[messages.Count];
        if (loaded is not null)
        {
            for (var i = 0; i < loaded.Length; i++)
            {
                priorities[i] = loaded[i].Properties.Priority ?? 0;
            }

            return priorities;
        }

        const int Batch = 4096;
        var references = new MessageRef[Math.Min(Batch, messages.Count)];
        var batch = new Message[references.Length];
        for (var start = 0; start < messages.Count; start += Batch)
        {
            var count = Math.Min(Batch, messages.Count - start);
            for (var i = 0; i < count; i++)
            {
                references[i] = messages[start + i].Ref;
            }

            store.Load(references.AsSpan(0, count), batch.AsSpan(0, count));
            for (var i = 0; i < count; i++)
            {
                priorities[start + i] = batch[i].Properties.Priority ?? 0;
            }
        }

        return priorities;
    }
}
