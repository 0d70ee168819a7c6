using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Sessions;
using Courier.Core.Storage;

namespace Courier.Core.Queues;

/// <summary>
/// A queue of any type, as routing, consumers, protocols, recovery and the broker see it: the seam
/// RabbitMQ calls a queue type (<c>rabbit_queue_type</c>). The classic queue
/// (<see cref="ClassicQueue"/>) is one implementation; stream and replicated queues are the next.
/// </summary>
/// <remarks>
/// The contract every implementation keeps: enqueue never blocks on I/O; deliveries to one consumer
/// follow the queue's order; sinks are called as <see cref="IDeliverySink"/> describes (never
/// re-entered for the same queue); a message out with a consumer stays the queue's until it is
/// settled or requeued. The hot path (<see cref="Enqueue(Message)"/>, <see cref="Dispatch"/>,
/// <see cref="Settle"/>) allocates nothing per message beyond what the queue keeps.
/// </remarks>
public interface IQueue : IBindingDestination
{
    /// <summary>The queue type's name (<see cref="IQueueType.Name"/>), e.g. <c>classic</c>.</summary>
    string Type { get; }

    string VirtualHost { get; }

    QueueDefinition Definition { get; }

    bool Durable { get; }

    bool Exclusive { get; }

    bool AutoDelete { get; }

    /// <summary>The client session an exclusive queue belongs to; null for a shared queue.</summary>
    ClientSession? ExclusiveOwner { get; }

    /// <summary>The queue's id in journal records; 0 for a queue whose messages are never stored.</summary>
    int StoreId { get; }

    /// <summary>Messages ready for delivery (not counting those out with consumers).</summary>
    int MessageCount { get; }

    /// <summary>Messages delivered and not yet settled.</summary>
    int UnsettledCount { get; }

    int ConsumerCount { get; }

    /// <summary>
    /// The ready, unacknowledged and consumer counts as the queue last published them, read without
    /// its lock (management lists and sorts by them); a moment behind a queue that is busy.
    /// </summary>
    QueueCounts LastCounts => new(MessageCount, UnsettledCount, ConsumerCount);

    bool IsDeleted { get; }

    /// <summary>True while the queue's consumers are behind and publishers should pause.</summary>
    bool IsFlowLimited { get; }

    /// <summary>Completes when the queue is no longer flow-limited (at once if it is not).</summary>
    Task WhenFlowReleased();

    /// <summary>
    /// Adds a message at the tail and delivers what consumers can take. Returns false when the
    /// queue refused it (a length limit with <c>reject-publish</c>): the publisher is told.
    /// </summary>
    bool Enqueue(Message message);

    /// <summary>Adds a message the journal already holds for this queue; false when it refused it (its reference is released).</summary>
    bool Enqueue(Message message, StoredMessage stored);

    /// <summary>Puts back what the journal held for this queue at startup, in its original order.</summary>
    void Restore(IMessageStore store, IReadOnlyList<RecoveredMessage> messages);

    /// <summary>Takes the message at the head, for a synchronous get. Returns the number of ready messages left.</summary>
    int TryGet(bool autoSettle, out QueuedMessage? message);

    /// <summary>Takes the message at the head for a get by a client of <paramref name="via"/>, counted as that protocol's.</summary>
    int TryGet(bool autoSettle, PublishingProtocol via, out QueuedMessage? message);

    /// <summary>The queue's message counts since it was declared (or the node started).</summary>
    Statistics.QueueCounters Counters { get; }

    /// <summary>Offers ready messages to consumers; sinks call this when they regain credit.</summary>
    void Dispatch();

    /// <summary>Marks a delivered message as done with (acknowledged).</summary>
    void Settle(QueuedMessage message);

    /// <summary>A consumer rejected a delivered message without requeue: it is dead-lettered where the queue says so, or dropped.</summary>
    void Reject(QueuedMessage message);

    /// <summary>The queue was used by a client (redeclared): its <c>x-expires</c> counts again from now.</summary>
    void MarkUsed();

    /// <summary>Replaces the queue's <c>x-expires</c> in milliseconds (null: never expires); counts from now.</summary>
    void ChangeExpires(long? milliseconds);

    /// <summary>The policy and operator policy that apply to the queue now; null: none.</summary>
    Policies.AppliedPolicy? Policy { get; }

    /// <summary>
    /// Applies a policy (null: none) at once: the queue's effective limits, TTLs and dead-lettering
    /// become its declare arguments combined with the policy's keys (<see cref="Policies.AppliedPolicy.Over"/>).
    /// </summary>
    void ApplyPolicy(Policies.AppliedPolicy? policy);

    /// <summary>Returns delivered messages to the queue, marked redelivered, and delivers again.</summary>
    void Requeue(IReadOnlyList<QueuedMessage> messages);

    void AddConsumer(QueueConsumer consumer);

    /// <summary>A snapshot of the queue's consumers (for management and tests, not for the delivery path).</summary>
    IReadOnlyList<QueueConsumer> GetConsumers();

    /// <summary>Removes a consumer. Returns true when the queue is auto-delete and has just lost its last consumer.</summary>
    bool RemoveConsumer(QueueConsumer consumer);

    /// <summary>Removes every ready message; returns how many. Messages out with consumers stay.</summary>
    int Purge();

    /// <summary>Marks the queue deleted and ends its consumers. Returns the number of ready messages dropped.</summary>
    int Delete();

    /// <summary>Frees memory under pressure (writes what it can to the journal); returns the bytes freed.</summary>
    long PageOut();
}
