using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Core.Delayed;

/// <summary>
/// Where delayed messages wait until they are due (the port Courier.Storage implements): durable
/// for persistent messages, ordered by due time, and not held in memory beyond the next few
/// moments' worth. Every delayed exchange has a key; each scheduled message carries its exchange's
/// key, so forgetting a key drops that exchange's messages.
/// </summary>
/// <remarks>
/// Thread-safe: publishers schedule from their connections while the scheduler takes due messages.
/// Sequence numbers are those of the node's <see cref="IMessageStore"/>, so a publisher waits for a
/// scheduled message the way it waits for any publish.
/// </remarks>
public interface IDelayedMessageStore
{
    /// <summary>The exchanges whose keys the store holds, as recovered at startup.</summary>
    IReadOnlyList<DelayedExchangeKey> RecoveredExchanges { get; }

    /// <summary>How many messages are scheduled (including those of forgotten exchanges not yet dropped).</summary>
    long Scheduled { get; }

    /// <summary>Records a new delayed exchange and returns its key.</summary>
    int Declare(string virtualHost, string exchange);

    /// <summary>Forgets an exchange: its scheduled messages are dropped and their disk space released.</summary>
    void Forget(int key);

    /// <summary>
    /// Schedules a message to be routed at <paramref name="dueAt"/> (Unix milliseconds). Returns the
    /// sequence number to wait for before confirming it (0 for a transient message, which is kept
    /// on disk only to spare memory and does not survive a restart).
    /// </summary>
    /// <exception cref="StoreFailedException">The store has failed.</exception>
    long Schedule(int key, Message message, long dueAt);

    /// <summary>The earliest due time scheduled, or a time at or before it; <see cref="long.MaxValue"/> when nothing is.</summary>
    long NextDue(long now);

    /// <summary>Takes the earliest message due at or before <paramref name="now"/>, if any.</summary>
    bool TryTakeDue(long now, out DueMessage due);

    /// <summary>The message was routed: removes it from the store (after what the routing appended, so never before that is durable).</summary>
    void Complete(in DueMessage due);
}
