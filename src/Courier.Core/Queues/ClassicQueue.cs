using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Policies;
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
    // after everything of its priority in _ready (requeued messages always go back to _ready,
    // being older); without priorities, after everything in _ready.
    private readonly PagedBacklog _paged;

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
    /// <param name="policy">The policy and operator policy that apply from the start; null: none.</param>
    public ClassicQueue(
        string name, string virtualHost, QueueDefinition definition, ClientSession? exclusiveOwner, int storeId, IMessageStore? store, ResourceMonitor? resources,
        QueueArguments? arguments, IQueueHost? host, TimeProvider? clock = null, AppliedPolicy? policy = null)
    {
        Clock = clock ?? TimeProvider.System;
        Resources = resources;
        Name = name;
        VirtualHost = virtualHost;
        Definition = definition;
        ExclusiveOwner = exclusiveOwner;
        StoreId = store is null ? 0 : storeId;
        Store = StoreId == 0 ? null : store;
        _declared = arguments ?? QueueArguments.Parse(definition.Arguments, $"queue '{name}' in vhost '{virtualHost}'");
        Policy = policy;
        Arguments = EffectiveArguments();
        _paged = new PagedBacklog(1 + (Arguments.MaxPriority ?? 0));
        Host = host;
        StartExpiryTimer();
    }

    /// <summary>The queue's effective arguments (TTLs, limits, dead-lettering, priorities, consumer modes): its declare arguments with its policy's keys.</summary>
    public QueueArguments Arguments { get; private set; }

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

    public QueueDefinition Definition { get; private set; }

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
            using (EnterGate())
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
            using (EnterGate())
            {
                return _unsettled;
            }
        }
    }

    public int ConsumerCount
    {
        get
        {
            using (EnterGate())
            {
                return _consumers.Count;
            }
        }
    }

    public bool IsDeleted
    {
        get
        {
            using (EnterGate())
            {
                return _deleted;
            }
        }
    }

    /// <summary>Adds a message at the tail and delivers what consumers can take; false when a length limit refused it.</summary>
    public bool Enqueue(Message message)
    {
        List<DeadLetter>? dead;
        Admission admission;
        using (EnterGate())
        {
            admission = AdmitLocked(message);
            if (admission == Admission.Accepted)
            {
                EnqueueTransientLocked(message);
            }

            dead = TakeDeadLocked();
        }

        AfterLock(dead);
        return admission is Admission.Accepted or Admission.Deleted;
    }

    /// <summary>
    /// Whether the queue takes a message: not once deleted (the message is dropped, and the
    /// publisher is not told, as before deletion), not a duplicate of one it holds, not over a
    /// reject-publish limit (that one is dead-lettered under <c>reject-publish-dlx</c>). A message
    /// accepted holds its de-duplication key. A queue without arguments checks only deletion.
    /// </summary>
    private Admission AdmitLocked(Message message)
    {
        if (_deleted)
        {
            return Admission.Deleted;
        }

        if (Arguments.IsPlain)
        {
            return Admission.Accepted;
        }

        if (IsDuplicateLocked(message))
        {
            return Admission.Duplicate;
        }

        if (RefusesLocked(message))
        {
            if (Arguments.Overflow == OverflowBehaviour.RejectPublishDlx)
            {
                DeadLetterRefusedLocked(message);
            }

            return Admission.Refused;
        }

        HoldKeyLocked(message);
        return Admission.Accepted;
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
        var queued = new QueuedMessage(message, NextSequenceLocked(message)) { ExpiresAt = ExpiryOf(message) };

        // Behind a paged backlog a message must be paged too, or it would overtake the backlog.
        if ((_paged.Count > 0 || ShouldPageLocked()) && TryPageOutTransient(queued) >= 0 && queued.IsPagedTransient)
        {
            _paged.Enqueue(PagedEntryOf(queued, transient: true));
            Resources?.Paging.OnPagedOut(1);
        }
        else
        {
            Resources?.AddMessageBytes(queued.MemoryBytes);
            EnqueueHeadLocked(queued);
        }

        _readyBytes += queued.Size;
        Counters.OnPublished();
        DispatchLocked();
        DropDueHeadLocked();
        ApplyLimitsLocked();
    }

    /// <summary>Adds a message the journal already holds for this queue; false when a length limit refused it.</summary>
    public bool Enqueue(Message message, StoredMessage stored)
    {
        List<DeadLetter>? dead;
        Admission admission;
        using (EnterGate())
        {
            admission = AdmitLocked(message);
            if (admission == Admission.Accepted)
            {
                EnqueueStoredLocked(message, stored);
            }
            else
            {
                // Deleted between routing and enqueue, a duplicate, or refused: the journal's
                // reference is released at once (through RecordSettled, which tolerates a failed
                // store; the entry never counted memory, and holds no key: a duplicate's key stays
                // with the message that holds it). The publisher of a refused message is nacked,
                // so nothing was promised: a dead letter of it is the copy in memory.
                var gone = new QueuedMessage(message, 0, stored, (Store ?? Pager)!);
                gone.PageOut();
                RecordSettled(gone, holdsKey: false);
            }

            dead = TakeDeadLocked();
        }

        AfterLock(dead);
        return admission is Admission.Accepted or Admission.Deleted;
    }

    private void EnqueueStoredLocked(Message message, StoredMessage stored)
    {
        // A persistent message is on disk anyway: behind a backlog it keeps no copy in memory,
        // whatever the memory pressure, so a durable queue's backlog costs memory only for its index.
        var sequence = NextSequenceLocked(message);
        var expiresAt = ExpiryOf(message);
        if (_paged.Count > 0 || HeadFullLocked)
        {
            _paged.Enqueue(new PagedEntry(sequence, stored.Ref, Deliveries: 0, Transient: false, message.Body.Length, expiresAt));
        }
        else
        {
            var queued = new QueuedMessage(message, sequence, stored, Store!) { ExpiresAt = expiresAt };
            Resources?.AddMessageBytes(queued.MemoryBytes);
            EnqueueHeadLocked(queued);
        }

        _readyBytes += message.Body.Length;
        Counters.OnPublished();
        DispatchLocked();
        DropDueHeadLocked();
        ApplyLimitsLocked();
    }

    /// <summary>Puts back what the journal held for this queue at startup, in its original order.</summary>
    public void Restore(IMessageStore store, IReadOnlyList<RecoveredMessage> messages)
    {
        List<DeadLetter>? dead;

        // A de-duplicating queue needs the messages' keys, a priority queue their priorities (which
        // decide their places): read them before taking the lock.
        var loaded = Arguments.Deduplicate ? LoadRestored(store, messages) : null;
        var priorities = IsPriorityQueue ? RestoredPriorities(store, messages, loaded) : null;
        using (EnterGate())
        {
            var restoredAt = RestoredExpiryLocked();
            if (loaded is not null)
            {
                HoldRestoredKeysLocked(loaded);
            }

            for (var i = 0; i < messages.Count; i++)
            {
                var recovered = messages[i];
                var sequence = priorities is null ? _nextSequence++ : NextSequenceLocked(priorities[i]);
                var arrived = recovered.ArrivedAt > 0 ? recovered.ArrivedAt : restoredAt;
                _paged.Enqueue(new PagedEntry(sequence, recovered.Ref, recovered.Deliveries, Transient: false, recovered.Ref.Length, UnresolvedExpiry(arrived)));
                _readyBytes += recovered.Ref.Length;
            }

            // What expired while the node was down leaves at once (the timer takes the rest).
            DropExpiredHeadLocked();
            ApplyLimitsLocked();
            RequestReadAheadLocked();
            dead = TakeDeadLocked();
        }

        AfterLock(dead);
    }

    /// <summary>
    /// Takes the message at the head, for a synchronous get. Returns the number of ready messages left.
    /// A head only the store holds is read first, outside the lock (see <see cref="ReadAhead"/>).
    /// </summary>
    /// <exception cref="StoreFailedException">The head could not be read back from the store.</exception>
    public int TryGet(bool autoSettle, out QueuedMessage? message) => TryGet(autoSettle, PublishingProtocol.None, out message);

    /// <summary>Takes the message at the head for a get by a client of <paramref name="via"/> (counted as its protocol's); see <see cref="TryGet(bool, out QueuedMessage?)"/>.</summary>
    /// <exception cref="StoreFailedException">The head could not be read back from the store.</exception>
    public int TryGet(bool autoSettle, PublishingProtocol via, out QueuedMessage? message)
    {
        var spin = default(SpinWait);
        while (true)
        {
            List<DeadLetter>? dead;
            var done = false;
            var left = 0;
            using (EnterGate())
            {
                MarkUsedLocked();
                DropExpiredHeadLocked();
                dead = TakeDeadLocked();
                if (HeadDeliverableLocked)
                {
                    message = DequeueHeadLocked();
                    _readyBytes -= message.Size;
                    OnDeliveredLocked(message, autoSettle, via, get: true);
                    UpdateFlowLocked();
                    left = ReadyCountLocked;
                    done = true;
                }
                else if (!HasPagedBacklogLocked)
                {
                    Counters.OnGetEmpty(via);
                    message = null;
                    done = true;
                }
                else
                {
                    message = null;
                    if (!_readingAhead)
                    {
                        _readAheadWanted = true;
                    }
                }
            }

            PublishDeadLetters(dead);
            if (done)
            {
                return left;
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
        List<DeadLetter>? dead;
        using (EnterGate())
        {
            DispatchLocked();
            dead = TakeDeadLocked();
        }

        AfterLock(dead);
    }

    /// <summary>Removes every ready message; returns how many. Messages out with consumers stay.</summary>
    public int Purge()
    {
        using (EnterGate())
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
        using (EnterGate())
        {
            if (_deleted)
            {
                return 0;
            }

            _deleted = true;
            StopTimersLocked();
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

        RequestReadAheadLocked();
        UpdateFlowLocked();
    }

    private void SettleAllReadyLocked()
    {
        while (_ready.TryDequeue(out var message, out _))
        {
            RecordSettled(message);
        }

        _headBytes = 0;
        SettleClaimedLocked();
        while (_paged.TryDequeue(out var entry))
        {
            RecordSettled(Materialize(entry));
        }

        _readyBytes = 0;
    }

    /// <summary>The queue's message counts (publish, deliveries, gets, acknowledgements), kept under its lock.</summary>
    public Statistics.QueueCounters Counters { get; } = new();

    public override string ToString() => $"queue '{Name}' in vhost '{VirtualHost}'";

    /// <summary>What <see cref="AdmitLocked"/> decided about a message.</summary>
    private enum Admission
    {
        Accepted,
        Deleted,
        Duplicate,
        Refused,
    }

    /// <summary>Reads restored messages back, in one batch, outside the lock.</summary>
    private static Message[] LoadRestored(IMessageStore store, IReadOnlyList<RecoveredMessage> messages)
    {
        var references = new MessageRef[messages.Count];
        for (var i = 0; i < references.Length; i++)
        {
            references[i] = messages[i].Ref;
        }

        var loaded = new Message[references.Length];
        store.Load(references, loaded);
        return loaded;
    }
}
