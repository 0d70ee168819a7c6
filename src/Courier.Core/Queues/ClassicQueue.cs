using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Resources;
using Courier.Core.Sessions;
using Courier.Core.Storage;

namespace Courier.Core.Queues;

/// <summary>
/// A classic queue: FIFO with destructive consumption, settlement and redelivery.
/// </summary>
/// <remarks>
/// <para>Invariants: every message is in exactly one of two places, the ready set (ordered by
/// <see cref="QueuedMessage.Sequence"/>) or out with a consumer awaiting settlement. A requeued
/// message goes back to its original place in the order, marked redelivered. Deliveries to one
/// consumer follow queue order.</para>
/// <para>Threading: all state is guarded by one lock, held only for short sections that never wait
/// on I/O. Sinks are called under the lock (see <see cref="IDeliverySink"/>), which is what keeps
/// per-queue order with many publishers and consumers at once. The queue's lock is always taken
/// before any protocol lock.</para>
/// <para>Storage: a durable queue has a <see cref="StoreId"/> and the node's store. Persistent
/// messages reach it already appended to the journal (<see cref="Enqueue(Message, StoredMessage)"/>);
/// the queue then records, without waiting, each first delivery and each settlement (ack, reject,
/// purge, deletion), so that after a restart the journal holds exactly what the queue held.</para>
/// </remarks>
public sealed partial class ClassicQueue : IQueue
{
    private readonly Lock _gate = new();
    private readonly PriorityQueue<QueuedMessage, long> _ready = new();
    private readonly List<QueueConsumer> _consumers = [];

    // Behind the head (_ready), a backlog of messages only the journal holds, in queue order, as
    // small structs: tens of bytes each instead of an object per message. Everything here comes
    // after everything in _ready (requeued messages always go back to _ready, being older).
    private readonly ChunkedQueue<PagedEntry> _paged = new();

    // Stored messages out with consumers, so compaction can find every holder of a message.
    private readonly HashSet<QueuedMessage> _out = new(ReferenceEqualityComparer.Instance);
    private static long s_lockOrder;
    private readonly long _lockOrder = Interlocked.Increment(ref s_lockOrder);
    private int _nextConsumer;

    // True once consumers of different priorities have been seen: dispatch then looks for groups.
    private bool _consumerPriorities;
    private long _nextSequence;
    private int _unsettled;

    // Body bytes of the ready messages (in memory and paged), for x-max-length-bytes.
    private long _readyBytes;
    private bool _deleted;
    private bool _hadConsumer;

    public ClassicQueue(string name, string virtualHost, QueueDefinition definition, ClientSession? exclusiveOwner)
        : this(name, virtualHost, definition, exclusiveOwner, storeId: 0, store: null)
    {
    }

    public ClassicQueue(string name, string virtualHost, QueueDefinition definition, ClientSession? exclusiveOwner, int storeId, IMessageStore? store)
        : this(name, virtualHost, definition, exclusiveOwner, storeId, store, resources: null)
    {
    }

    public ClassicQueue(
        string name, string virtualHost, QueueDefinition definition, ClientSession? exclusiveOwner, int storeId, IMessageStore? store, ResourceMonitor? resources)
        : this(name, virtualHost, definition, exclusiveOwner, storeId, store, resources, arguments: null, host: null, clock: null)
    {
    }

    /// <param name="arguments">The declare arguments, parsed and validated; null parses <paramref name="definition"/>'s.</param>
    /// <param name="host">Where dead letters are published and who deletes an expired queue; null: messages are dropped instead, and the queue never expires.</param>
    /// <param name="clock">The clock of message and queue expiry; null: the system's.</param>
    public ClassicQueue(
        string name, string virtualHost, QueueDefinition definition, ClientSession? exclusiveOwner, int storeId, IMessageStore? store, ResourceMonitor? resources,
        QueueArguments? arguments, IQueueHost? host, TimeProvider? clock = null)
    {
        Clock = clock ?? TimeProvider.System;
        Resources = resources;
        Name = name;
        VirtualHost = virtualHost;
        Definition = definition;
        ExclusiveOwner = exclusiveOwner;
        StoreId = store is null ? 0 : storeId;
        Store = StoreId == 0 ? null : store;
        Arguments = arguments ?? QueueArguments.Parse(definition.Arguments, $"queue '{name}' in vhost '{virtualHost}'");
        Host = host;
        StartExpiryTimer();
    }

    /// <summary>The queue's declare arguments as parsed (TTLs, limits, dead-lettering, priorities, consumer modes).</summary>
    public QueueArguments Arguments { get; }

    /// <summary>Where dead letters go and who deletes the queue when it expires.</summary>
    public IQueueHost? Host { get; }

    /// <summary>The clock message TTLs and <c>x-expires</c> run on.</summary>
    public TimeProvider Clock { get; }

    /// <summary>A total order over queues, for taking several queues' locks without deadlock (compaction).</summary>
    long IJournalHolder.LockOrder => _lockOrder;

    /// <summary>The queue's id in journal records; 0 for a queue whose messages are never stored.</summary>
    public int StoreId { get; }

    public IMessageStore? Store { get; }

    /// <summary>Where the memory this queue's messages hold is counted, for the memory alarm.</summary>
    public ResourceMonitor? Resources { get; }

    /// <summary>Where message bodies go when memory runs short (the node's journal); null: never paged.</summary>
    public IMessageStore? Pager { get; init; }

    /// <summary>
    /// Ready messages kept in memory at the head of the queue: behind them, persistent messages are
    /// always read back from the journal on delivery, and transient ones are written out to it
    /// while memory is short.
    /// </summary>
    public const int KeptInMemoryWhilePaging = 1024;

    public string Name { get; }

    public string Type => ClassicQueueType.TypeName;

    public string VirtualHost { get; }

    public QueueDefinition Definition { get; }

    public bool Durable => Definition.Durable;

    public bool Exclusive => Definition.Exclusive;

    public bool AutoDelete => Definition.AutoDelete;

    /// <summary>The client session an exclusive queue belongs to; null for a shared queue.</summary>
    public ClientSession? ExclusiveOwner { get; }

    /// <summary>Messages ready for delivery (not counting those out with consumers).</summary>
    public int MessageCount
    {
        get
        {
            lock (_gate)
            {
                return _ready.Count + (int)_paged.Count;
            }
        }
    }

    /// <summary>Messages delivered and not yet settled.</summary>
    public int UnsettledCount
    {
        get
        {
            lock (_gate)
            {
                return _unsettled;
            }
        }
    }

    public int ConsumerCount
    {
        get
        {
            lock (_gate)
            {
                return _consumers.Count;
            }
        }
    }

    public bool IsDeleted
    {
        get
        {
            lock (_gate)
            {
                return _deleted;
            }
        }
    }

    /// <summary>Adds a message at the tail and delivers what consumers can take; false when a length limit refused it.</summary>
    public bool Enqueue(Message message)
    {
        List<DeadLetter>? dead;
        bool accepted;
        lock (_gate)
        {
            if (_deleted)
            {
                return true;
            }

            if (!Arguments.IsPlain && RefusesLocked(message))
            {
                accepted = false;
                if (Arguments.Overflow == OverflowBehaviour.RejectPublishDlx)
                {
                    DeadLetterRefusedLocked(message);
                }
            }
            else
            {
                accepted = true;
                EnqueueTransientLocked(message);
            }

            dead = TakeDeadLocked();
        }

        PublishDeadLetters(dead);
        return accepted;
    }

    /// <summary>Dead-letters a message this queue refused; its bytes count until the letter is out, like any queued message's.</summary>
    private void DeadLetterRefusedLocked(Message message)
    {
        var refused = new QueuedMessage(message, 0);
        Resources?.AddMessageBytes(refused.MemoryBytes);
        AddDeadLocked(refused, DeathReason.MaxLength);
    }

    private void EnqueueTransientLocked(Message message)
    {
        {
            var queued = new QueuedMessage(message, NextSequenceLocked(message)) { ExpiresAt = ExpiryOf(message) };

            // Behind a paged backlog a message must be paged too, or it would overtake the backlog.
            if (IsPriorityQueue)
            {
                EnqueuePriorityLocked(queued);
            }
            else if ((_paged.Count > 0 || ShouldPageLocked()) && TryPageOutTransient(queued) >= 0 && queued.IsPagedTransient)
            {
                _paged.Enqueue(PagedEntryOf(queued, transient: true));
            }
            else
            {
                Resources?.AddMessageBytes(queued.MemoryBytes);
                _ready.Enqueue(queued, queued.Sequence);
            }

            _readyBytes += queued.Size;
            DispatchLocked();
            ApplyLimitsLocked();
        }
    }

    /// <summary>Adds a message the journal already holds for this queue; false when a length limit refused it.</summary>
    public bool Enqueue(Message message, StoredMessage stored)
    {
        List<DeadLetter>? dead;
        bool accepted;
        lock (_gate)
        {
            var refused = !_deleted && !Arguments.IsPlain && RefusesLocked(message);
            if (_deleted || refused)
            {
                // Deleted between routing and enqueue, or refused: the journal's reference is
                // released (through RecordSettled, which tolerates a failed store; the entry never
                // counted memory), after the dead letter is published when there is one.
                var gone = new QueuedMessage(message, 0, stored, (Store ?? Pager)!);
                gone.PageOut();
                RecordSettled(gone);
                if (refused && Arguments.Overflow == OverflowBehaviour.RejectPublishDlx)
                {
                    // The publisher is nacked, so nothing was promised: the copy dead-lettered is
                    // the one in memory, and the journal's reference is released at once.
                    DeadLetterRefusedLocked(message);
                }

                accepted = !refused;
            }
            else
            {
                accepted = true;
                EnqueueStoredLocked(message, stored);
            }

            dead = TakeDeadLocked();
        }

        PublishDeadLetters(dead);
        return accepted;
    }

    private void EnqueueStoredLocked(Message message, StoredMessage stored)
    {
        // A persistent message is on disk anyway: behind a backlog it keeps no copy in memory,
        // whatever the memory pressure, so a durable queue's backlog costs memory only for its index.
        var sequence = NextSequenceLocked(message);
        var expiresAt = ExpiryOf(message);
        if (IsPriorityQueue)
        {
            EnqueuePriorityLocked(new QueuedMessage(message, sequence, stored, Store!) { ExpiresAt = expiresAt });
        }
        else if (_paged.Count > 0 || _ready.Count >= KeptInMemoryWhilePaging)
        {
            _paged.Enqueue(new PagedEntry(sequence, stored.MessageId, stored.Location, Delivered: false, Transient: false, message.Body.Length, expiresAt));
        }
        else
        {
            var queued = new QueuedMessage(message, sequence, stored, Store!) { ExpiresAt = expiresAt };
            Resources?.AddMessageBytes(queued.MemoryBytes);
            _ready.Enqueue(queued, queued.Sequence);
        }

        _readyBytes += message.Body.Length;
        DispatchLocked();
        ApplyLimitsLocked();
    }

    /// <summary>Puts back what the journal held for this queue at startup, in its original order.</summary>
    public void Restore(IMessageStore store, IReadOnlyList<RecoveredMessage> messages)
    {
        List<DeadLetter>? dead;
        lock (_gate)
        {
            // Expiry counts again from the restart: the journal does not keep when a message arrived.
            var expiresAt = RestoredExpiryLocked();
            if (IsPriorityQueue)
            {
                RestorePriorityLocked(store, messages, expiresAt);
                messages = [];
            }

            foreach (var recovered in messages)
            {
                _paged.Enqueue(new PagedEntry(_nextSequence++, recovered.MessageId, recovered.Location, recovered.Delivered, Transient: false, recovered.Location.Length, expiresAt));
                _readyBytes += recovered.Location.Length;
            }

            RefillLocked();
            ApplyLimitsLocked();
            dead = TakeDeadLocked();
        }

        PublishDeadLetters(dead);
    }

    /// <summary>Takes the message at the head, for a synchronous get. Returns the number of ready messages left.</summary>
    public int TryGet(bool autoSettle, out QueuedMessage? message)
    {
        List<DeadLetter>? dead;
        int left;
        lock (_gate)
        {
            MarkUsedLocked();
            RefillLocked();
            DropExpiredHeadLocked();
            if (_ready.TryDequeue(out message, out _))
            {
                _readyBytes -= message.Size;
                OnDeliveredLocked(message, autoSettle);
                UpdateFlowLocked();
            }

            left = message is null ? 0 : _ready.Count + (int)_paged.Count;
            dead = TakeDeadLocked();
        }

        PublishDeadLetters(dead);
        return left;
    }

    /// <summary>Offers ready messages to consumers; sinks call this when they regain credit.</summary>
    public void Dispatch()
    {
        List<DeadLetter>? dead;
        lock (_gate)
        {
            DispatchLocked();
            dead = TakeDeadLocked();
        }

        PublishDeadLetters(dead);
    }

    /// <summary>Marks a delivered message as done with (acknowledged).</summary>
    public void Settle(QueuedMessage message)
    {
        lock (_gate)
        {
            TakeBackLocked(message);
            RecordSettled(message);
        }
    }

    /// <summary>A consumer rejected a delivered message without requeue: it is dead-lettered, or dropped.</summary>
    public void Reject(QueuedMessage message)
    {
        List<DeadLetter>? dead;
        lock (_gate)
        {
            TakeBackLocked(message);
            AddDeadLocked(message, DeathReason.Rejected);
            dead = TakeDeadLocked();
        }

        PublishDeadLetters(dead);
    }

    private void TakeBackLocked(QueuedMessage message)
    {
        if (_unsettled > 0)
        {
            _unsettled--;
        }

        _out.Remove(message);
    }

    /// <summary>Returns delivered messages to their original places, marked redelivered, and delivers again.</summary>
    public void Requeue(IReadOnlyList<QueuedMessage> messages)
    {
        List<DeadLetter>? dead;
        lock (_gate)
        {
            foreach (var message in messages)
            {
                TakeBackLocked(message);
                if (_deleted)
                {
                    RecordSettled(message);
                    continue;
                }

                // A poison message: returned more often than x-delivery-limit allows.
                if (Arguments.DeliveryLimit is { } limit && message.DeliveryCount > limit)
                {
                    AddDeadLocked(message, DeathReason.DeliveryLimit);
                    continue;
                }

                message.Redelivered = true;
                _ready.Enqueue(message, message.Sequence);
                _readyBytes += message.Size;
            }

            DispatchLocked();
            ApplyLimitsLocked();
            dead = TakeDeadLocked();
        }

        PublishDeadLetters(dead);
    }

    public void AddConsumer(QueueConsumer consumer)
    {
        lock (_gate)
        {
            if (_deleted)
            {
                throw BrokerException.NotFound($"no queue '{Name}' in vhost '{VirtualHost}'");
            }

            if (_consumers.Count > 0 && (consumer.Exclusive || _consumers[0].Exclusive))
            {
                throw BrokerException.AccessRefused($"queue '{Name}' in vhost '{VirtualHost}' in exclusive use");
            }

            AddConsumerLocked(consumer);
            _hadConsumer = true;
            MarkUsedLocked();
            DispatchLocked();
        }
    }

    public IReadOnlyList<QueueConsumer> GetConsumers()
    {
        lock (_gate)
        {
            return [.. _consumers];
        }
    }

    /// <summary>Removes a consumer. Returns true when the queue is auto-delete and has just lost its last consumer.</summary>
    public bool RemoveConsumer(QueueConsumer consumer)
    {
        lock (_gate)
        {
            if (!_consumers.Remove(consumer))
            {
                return false;
            }

            if (_nextConsumer >= _consumers.Count)
            {
                _nextConsumer = 0;
            }

            MarkUsedLocked();
            UpdateFlowLocked();

            // With a single active consumer, the next in line takes over what is ready.
            DispatchLocked();

            return AutoDelete && _hadConsumer && _consumers.Count == 0 && !_deleted;
        }
    }

    /// <summary>Removes every ready message; returns how many. Messages out with consumers stay.</summary>
    public int Purge()
    {
        lock (_gate)
        {
            var count = _ready.Count + (int)_paged.Count;
            SettleAllReadyLocked();
            UpdateFlowLocked();
            return count;
        }
    }

    /// <summary>
    /// Marks the queue deleted and ends its consumers (each sink is told after the lock is released).
    /// Returns the number of ready messages dropped.
    /// </summary>
    public int Delete()
    {
        QueueConsumer[] consumers;
        int count;
        lock (_gate)
        {
            if (_deleted)
            {
                return 0;
            }

            _deleted = true;
            StopTimersLocked();
            count = _ready.Count + (int)_paged.Count;
            SettleAllReadyLocked();
            consumers = [.. _consumers];
            _consumers.Clear();
            UpdateFlowLocked();
        }

        foreach (var consumer in consumers)
        {
            consumer.Sink.OnCancelled(this, consumer);
        }

        return count;
    }

    private void DispatchLocked()
    {
        while (_consumers.Count > 0 && (_ready.Count > 0 || RefillLocked()))
        {
            if (_expiring && DropExpiredHeadLocked() && _ready.Count == 0)
            {
                continue;
            }

            var message = _ready.Peek();
            if (!OfferLocked(message))
            {
                break;
            }
        }

        if (_expiring)
        {
            ArmExpiryLocked();
        }

        UpdateFlowLocked();
    }

    /// <summary>Offers the head to the consumers whose turn it is; true when one took it.</summary>
    private bool OfferLocked(QueuedMessage message)
    {
        // Consumers are kept highest priority first (x-priority); a lower group gets a message
        // only when no consumer of a higher one can take it. Within a group they take turns.
        var count = Arguments.SingleActiveConsumer ? 1 : _consumers.Count;
        var groupStart = 0;
        while (groupStart < count)
        {
            var priority = _consumers[groupStart].Priority;
            var groupEnd = _consumerPriorities ? groupStart + 1 : count;
            while (groupEnd < count && _consumers[groupEnd].Priority == priority)
            {
                groupEnd++;
            }

            var size = groupEnd - groupStart;
            var first = _nextConsumer >= groupStart && _nextConsumer < groupEnd ? _nextConsumer - groupStart : 0;
            for (var i = 0; i < size; i++)
            {
                var index = groupStart + ((first + i) % size);
                var consumer = _consumers[index];
                if (!consumer.Sink.TryDeliver(this, consumer, message))
                {
                    continue;
                }

                _ready.Dequeue();
                _readyBytes -= message.Size;
                OnDeliveredLocked(message, consumer.AutoSettle);
                _nextConsumer = groupStart + ((index - groupStart + 1) % size);
                return true;
            }

            groupStart = groupEnd;
        }

        return false;
    }

    /// <summary>Adds a consumer after every consumer of its priority or higher.</summary>
    private void AddConsumerLocked(QueueConsumer consumer)
    {
        var at = _consumers.Count;
        while (at > 0 && _consumers[at - 1].Priority < consumer.Priority)
        {
            at--;
        }

        _consumers.Insert(at, consumer);
        _consumerPriorities |= _consumers[0].Priority != _consumers[^1].Priority;
        if (_nextConsumer >= at && at < _consumers.Count - 1)
        {
            _nextConsumer++;
        }
    }

    private void OnDeliveredLocked(QueuedMessage message, bool autoSettle)
    {
        message.DeliveryCount++;
        if (autoSettle)
        {
            RecordSettled(message);
        }
        else
        {
            _unsettled++;
            if (message.IsStored)
            {
                _out.Add(message);
            }

            if (message.DeliveryCount == 1 && !message.Redelivered && message.IsStored && !message.IsPagedTransient && Store is { IsFailed: false } store)
            {
                try
                {
                    store.AppendDelivered(StoreId, message.StoreId, message.Location);
                }
                catch (StoreFailedException)
                {
                    // A failed store confirms nothing more; losing this hint is harmless.
                }
            }
        }
    }

    /// <summary>The message leaves this queue for good: release its memory and record it in the journal.</summary>
    private void RecordSettled(QueuedMessage message)
    {
        if (message.MemoryBytes > 0)
        {
            Resources?.RemoveMessageBytes(message.MemoryBytes);
        }

        if (message.IsStored && message.Store is { IsFailed: false } store)
        {
            try
            {
                store.AppendSettle(message.IsPagedTransient ? 0 : StoreId, message.StoreId, message.Location);
            }
            catch (StoreFailedException)
            {
                // The journal stopped; it will replay this message as still held, which is the safe side.
            }
        }
    }

    private void SettleAllReadyLocked()
    {
        while (_ready.TryDequeue(out var message, out _))
        {
            RecordSettled(message);
        }

        while (_paged.TryDequeue(out var entry))
        {
            RecordSettled(Materialize(entry));
        }

        _readyBytes = 0;
    }

    public override string ToString() => $"queue '{Name}' in vhost '{VirtualHost}'";
}
