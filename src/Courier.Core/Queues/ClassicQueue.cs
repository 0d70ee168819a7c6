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
    private long _nextSequence;
    private int _unsettled;
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
    {
        Resources = resources;
        Name = name;
        VirtualHost = virtualHost;
        Definition = definition;
        ExclusiveOwner = exclusiveOwner;
        StoreId = store is null ? 0 : storeId;
        Store = StoreId == 0 ? null : store;
    }

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
                return ReadyCountLocked;
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

    /// <summary>Adds a message at the tail and delivers what consumers can take.</summary>
    public void Enqueue(Message message)
    {
        lock (_gate)
        {
            if (_deleted)
            {
                return;
            }

            var queued = new QueuedMessage(message, _nextSequence++);

            // Behind a paged backlog a message must be paged too, or it would overtake the backlog.
            if ((_paged.Count > 0 || ShouldPageLocked()) && TryPageOutTransient(queued) >= 0 && queued.IsPagedTransient)
            {
                _paged.Enqueue(new PagedEntry(queued.Sequence, queued.Ref, Delivered: false, Transient: true));
            }
            else
            {
                Resources?.AddMessageBytes(queued.MemoryBytes);
                _ready.Enqueue(queued, queued.Sequence);
            }

            DispatchLocked();
        }

        ReadAheadIfWanted();
    }

    /// <summary>Adds a message the journal already holds for this queue.</summary>
    public void Enqueue(Message message, StoredMessage stored)
    {
        lock (_gate)
        {
            if (_deleted)
            {
                // Deleted between routing and enqueue: the journal's reference is released at once
                // (through RecordSettled, which tolerates a failed store; the entry never counted memory).
                var gone = new QueuedMessage(message, 0, stored, (Store ?? Pager)!);
                gone.PageOut();
                RecordSettled(gone);
                return;
            }

            // A persistent message is on disk anyway: behind a backlog it keeps no copy in memory,
            // whatever the memory pressure, so a durable queue's backlog costs memory only for its index.
            var sequence = _nextSequence++;
            if (_paged.Count > 0 || _ready.Count >= KeptInMemoryWhilePaging)
            {
                _paged.Enqueue(new PagedEntry(sequence, stored.Ref, Delivered: false, Transient: false));
            }
            else
            {
                var queued = new QueuedMessage(message, sequence, stored, Store!);
                Resources?.AddMessageBytes(queued.MemoryBytes);
                _ready.Enqueue(queued, queued.Sequence);
            }

            DispatchLocked();
        }

        ReadAheadIfWanted();
    }

    /// <summary>Puts back what the journal held for this queue at startup, in its original order.</summary>
    public void Restore(IMessageStore store, IReadOnlyList<RecoveredMessage> messages)
    {
        lock (_gate)
        {
            foreach (var recovered in messages)
            {
                _paged.Enqueue(new PagedEntry(_nextSequence++, recovered.Ref, recovered.Delivered, Transient: false));
            }

            RequestReadAheadLocked();
        }

        ReadAheadIfWanted();
    }

    /// <summary>
    /// Takes the message at the head, for a synchronous get. Returns the number of ready messages left.
    /// A head only the store holds is read first, outside the lock (see <see cref="ReadAhead"/>).
    /// </summary>
    /// <exception cref="StoreFailedException">The head could not be read back from the store.</exception>
    public int TryGet(bool autoSettle, out QueuedMessage? message)
    {
        var spin = default(SpinWait);
        while (true)
        {
            lock (_gate)
            {
                if (HeadDeliverableLocked)
                {
                    message = _ready.Dequeue();
                    OnDeliveredLocked(message, autoSettle);
                    UpdateFlowLocked();
                    return ReadyCountLocked;
                }

                if (!HasPagedBacklogLocked)
                {
                    message = null;
                    return 0;
                }

                if (!_readingAhead)
                {
                    _readAheadWanted = true;
                }
            }

            if (ReadAheadIfWanted() is { } failure)
            {
                throw new StoreFailedException("the message at the head of " + this + " could not be read back", failure);
            }

            // Another thread's read-ahead is bringing the head in: it is one bounded read away.
            spin.SpinOnce();
        }
    }

    /// <summary>Offers ready messages to consumers; sinks call this when they regain credit.</summary>
    public void Dispatch()
    {
        lock (_gate)
        {
            DispatchLocked();
        }

        ReadAheadIfWanted();
    }

    /// <summary>Marks delivered messages as done with (acknowledged, or rejected without requeue).</summary>
    public void Settle(QueuedMessage message)
    {
        lock (_gate)
        {
            if (_unsettled > 0)
            {
                _unsettled--;
            }

            _out.Remove(message);
            RecordSettled(message);
        }
    }

    /// <summary>Returns delivered messages to their original places, marked redelivered, and delivers again.</summary>
    public void Requeue(IReadOnlyList<QueuedMessage> messages)
    {
        lock (_gate)
        {
            foreach (var message in messages)
            {
                if (_unsettled > 0)
                {
                    _unsettled--;
                }

                _out.Remove(message);
                if (_deleted)
                {
                    RecordSettled(message);
                    continue;
                }

                message.Redelivered = true;
                _ready.Enqueue(message, message.Sequence);
            }

            DispatchLocked();
        }

        ReadAheadIfWanted();
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

            _consumers.Add(consumer);
            _hadConsumer = true;
            DispatchLocked();
        }

        ReadAheadIfWanted();
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

            UpdateFlowLocked();

            return AutoDelete && _hadConsumer && _consumers.Count == 0 && !_deleted;
        }
    }

    /// <summary>Removes every ready message; returns how many. Messages out with consumers stay.</summary>
    public int Purge()
    {
        lock (_gate)
        {
            var count = ReadyCountLocked;
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
            count = ReadyCountLocked;
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
        while (_consumers.Count > 0 && HeadDeliverableLocked)
        {
            var message = _ready.Peek();
            var count = _consumers.Count;
            var delivered = false;
            for (var i = 0; i < count; i++)
            {
                var index = (_nextConsumer + i) % count;
                var consumer = _consumers[index];
                if (!consumer.Sink.TryDeliver(this, consumer, message))
                {
                    continue;
                }

                _ready.Dequeue();
                OnDeliveredLocked(message, consumer.AutoSettle);

                _nextConsumer = (index + 1) % count;
                delivered = true;
                break;
            }

            if (!delivered)
            {
                break;
            }
        }

        RequestReadAheadLocked();
        UpdateFlowLocked();
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
                    store.AppendDelivered(StoreId, message.Ref);
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
                store.AppendSettle(message.IsPagedTransient ? 0 : StoreId, message.Ref);
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

        SettleClaimedLocked();
        while (_paged.TryDequeue(out var entry))
        {
            RecordSettled(Materialize(entry));
        }
    }

    public override string ToString() => $"queue '{Name}' in vhost '{VirtualHost}'";
}
