using Courier.Core.Messages;

namespace Courier.Core.Storage;

/// <summary>
/// The durable message journal as the core uses it (the port that Courier.Storage implements).
/// Appends return the record's log sequence number (increasing for the life of the data directory);
/// <see cref="WhenDurable"/> says when a sequence number is durable.
/// Appends never wait for the disk, so a publisher's thread is never blocked on I/O.
/// </summary>
public interface IMessageStore
{
    /// <summary>True once a write or sync has failed; the store then refuses further appends.</summary>
    bool IsFailed { get; }

    /// <summary>
    /// Appends a persistent message once, with one reference per durable queue it was routed to.
    /// </summary>
    /// <exception cref="StoreFailedException">The store has failed.</exception>
    /// <exception cref="ArgumentException">The message cannot be stored (an address over
    /// <see cref="Message.MaxAddressBytes"/>); nothing was appended.</exception>
    StoredMessage AppendMessage(Message message, ReadOnlySpan<int> queueIds);

    /// <summary>
    /// Writes a transient message out to free memory. It is readable with <see cref="Load"/> until
    /// settled, and never comes back after a restart.
    /// </summary>
    StoredMessage AppendPaged(Message message);

    /// <summary>Journal segments mostly dead, whose live messages should be copied forward so the segment can go.</summary>
    IReadOnlyList<int> SegmentsWorthCompacting();

    /// <summary>How many queue references the messages of <paramref name="segment"/> still hold.</summary>
    int ReferencesIn(int segment);

    /// <summary>
    /// Copies a message forward (compaction) under the same id, held by <paramref name="queueIds"/>,
    /// and releases its references at <paramref name="from"/>. Returns where the copy lives.
    /// </summary>
    StoredMessage Relocate(Message message, long messageId, ReadOnlySpan<int> queueIds, StoredLocation from, bool paged);

    /// <summary>Records that a queue is done with a message (acknowledged, rejected, purged, or the queue deleted).</summary>
    long AppendSettle(int queueId, long messageId, StoredLocation location);

    /// <summary>Records that a message was handed to a consumer, so it comes back redelivered after a restart.</summary>
    long AppendDelivered(int queueId, long messageId, StoredLocation location);

    /// <summary>Calls <paramref name="waiter"/> once every record up to <paramref name="sequence"/> is durable (at once if it already is).</summary>
    void WhenDurable(long sequence, IDurabilityWaiter waiter);

    /// <summary>Reads a stored message back (for messages whose body is not held in memory).</summary>
    Message Load(long messageId, StoredLocation location);
}

/// <summary>What appending a message produced: its id, where it lives, and the sequence number to wait for.</summary>
public readonly record struct StoredMessage(long MessageId, StoredLocation Location, long CommitSequence);
