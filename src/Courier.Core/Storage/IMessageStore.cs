using Courier.Core.Messages;

namespace Courier.Core.Storage;

/// <summary>
/// The durable message journal as the core uses it (the port that Courier.Storage implements).
/// Appends return the record's log sequence number (increasing for the life of the data directory);
/// <see cref="WhenDurable"/> says when a sequence number is durable.
/// Appends never wait for the disk, so a publisher's thread is never blocked on I/O.
/// The core holds stored messages by <see cref="MessageRef"/>s the store made, and hands them back.
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
    /// Writes a transient message out to free memory. It is readable with <see cref="Load(MessageRef)"/> until
    /// settled, and never comes back after a restart.
    /// </summary>
    StoredMessage AppendPaged(Message message);

    /// <summary>Records that a queue is done with a message (acknowledged, rejected, purged, or the queue deleted).</summary>
    long AppendSettle(int queueId, MessageRef message);

    /// <summary>
    /// Records that a message was handed to a consumer, so it comes back redelivered after a restart,
    /// and how many deliveries it has had (for <c>x-delivery-limit</c>, which counts across restarts).
    /// </summary>
    long AppendDelivered(int queueId, MessageRef message, int deliveryCount = 1);

    /// <summary>The sequence number of the last record appended (wait for it to know everything appended so far is durable).</summary>
    long AppendedSequence => 0;

    /// <summary>Calls <paramref name="waiter"/> once every record up to <paramref name="sequence"/> is durable (at once if it already is).</summary>
    void WhenDurable(long sequence, IDurabilityWaiter waiter);

    /// <summary>
    /// Reads a stored message back (for messages whose body is not held in memory). This reads the
    /// disk: queues call it outside their lock.
    /// </summary>
    Message Load(MessageRef message);

    /// <summary>
    /// Reads several stored messages back, in order, one into each element of <paramref name="into"/>
    /// (a queue's read-ahead batch). A store that can reads records lying close together with one
    /// read. Throws as <see cref="Load(MessageRef)"/> does; then nothing in <paramref name="into"/> is to be used.
    /// </summary>
    void Load(ReadOnlySpan<MessageRef> messages, Span<Message> into)
    {
        for (var i = 0; i < messages.Length; i++)
        {
            into[i] = Load(messages[i]);
        }
    }

    /// <summary>
    /// Copies the messages still held in mostly-dead parts of the store forward, so those parts can
    /// be deleted, asking <paramref name="holders"/> which messages are held and repointing them.
    /// Returns how many messages moved.
    /// </summary>
    int Compact(IMessageHolders holders);
}

/// <summary>What appending a message produced: the reference to hold it by, and the sequence number to wait for.</summary>
public readonly record struct StoredMessage(MessageRef Ref, long CommitSequence)
{
    /// <summary>The store's id of the message (<see cref="MessageRef.Id"/>).</summary>
    public long MessageId => Ref.Id;
}
