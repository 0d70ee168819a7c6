using System.Buffers;
using System.Buffers.Binary;
using Courier.Core.Messages;
using Courier.Core.Statistics;
using Courier.Core.Storage;
using Courier.Storage.Devices;
using Courier.Storage.Format;
using Courier.Storage.Format.Legacy;
using Courier.Storage.Journal;
using Microsoft.Extensions.Logging;

namespace Courier.Storage;

/// <summary>
/// The core's <see cref="IMessageStore"/> over a <see cref="SegmentLog"/> (the <c>messages</c> log): encodes message,
/// settle and delivered records (layout in docs/storage-format.md) and rebuilds what each queue
/// held from them at startup. Messages are written in Courier's neutral encoding
/// (<see cref="StoredMessageCodec"/>); records of the older AMQP-shaped layout are still read
/// (<see cref="LegacyAmqpMessageReader"/>), so data directories of earlier releases load.
/// </summary>
public sealed class JournalMessageStore : IMessageStore, IJournalStatisticsSource, IDisposable
{
    private readonly SegmentLog _journal;
    private readonly GroupCommitter? _ownCommitter;
    private readonly TimeProvider _time;
    private long _lastMessageId;
    private IJournalRecordOwner? _recordOwner;

    /// <summary>A store with a committer of its own (and <paramref name="replication"/> as its replication stage).</summary>
    public JournalMessageStore(IJournalDevice device, JournalOptions options, ILogger logger, IReplicationStage? replication = null)
    {
        _ownCommitter = new GroupCommitter(options, replication);
        _journal = new SegmentLog("messages", device, options, _ownCommitter, logger);
        _time = options.Time;
        JournalStatistics = _ownCommitter.Statistics;
    }

    /// <summary>A store whose log is committed by <paramref name="committer"/>, with whatever other logs it commits.</summary>
    public JournalMessageStore(IJournalDevice device, JournalOptions options, GroupCommitter committer, ILogger logger)
    {
        _journal = new SegmentLog("messages", device, options, committer, logger);
        _time = options.Time;
        JournalStatistics = committer.Statistics;
    }

    /// <summary>The committer's statistics: with a shared committer, those of every log it commits.</summary>
    public JournalStatistics JournalStatistics { get; }

    public bool IsFailed => _journal.IsFailed;

    /// <summary>True while the journal cannot write (disk full, I/O error) and retries: new messages are refused meanwhile.</summary>
    public bool IsStalled => _journal.IsStalled;

    /// <summary>Where appends reserve the disk space they will take (the node's disk alarm); set before <see cref="Recover"/>.</summary>
    public IDiskSpaceAccount? DiskSpace
    {
        get => _journal.DiskSpace;
        set => _journal.DiskSpace = value;
    }

    public long AppendedSequence => _journal.LastSequence;

    public SegmentLog Journal => _journal;

    /// <summary>
    /// Gives the records of another kind in this journal (the delayed store's) to
    /// <paramref name="owner"/> during <see cref="Recover"/>. Call before it.
    /// </summary>
    public void AddRecordOwner(IJournalRecordOwner owner)
    {
        if (_recordOwner is not null)
        {
            throw new InvalidOperationException("the journal already has an owner for its other records");
        }

        _recordOwner = owner;
    }

    /// <summary>
    /// Scans the journal and returns, per queue store id, the messages that queue still held, in
    /// their original order; then starts the committer. Call once, before any append.
    /// </summary>
    public StoreRecovery Recover()
    {
        // One small struct per live message while scanning (no per-message allocation): recovery of
        // millions of messages must fit in memory alongside the queues it rebuilds.
        var messages = new Dictionary<long, LiveMessage>();
        var delivered = new Dictionary<(int Queue, long Message), int>();
        _recordOwner?.BeginRecovery();
        var stats = _journal.Recover((type, payload, location) =>
        {
            switch (type)
            {
                case RecordType.Message:
                case RecordType.NeutralMessage:
                case RecordType.StampedMessage:
                    {
                        RecordPayload.Require(payload, 10, type, location);
                        var id = BinaryPrimitives.ReadInt64LittleEndian(payload);
                        int count = BinaryPrimitives.ReadUInt16LittleEndian(payload[8..]);
                        RecordPayload.Require(payload, 10 + (4 * count) + (type == RecordType.StampedMessage ? 8 : 0), type, location);
                        var first = count > 0 ? BinaryPrimitives.ReadInt32LittleEndian(payload[10..]) : -1;
                        if (count > 0)
                        {
                            RecordPayload.RequireQueue(first, type, location);
                        }
                        int[]? more = null;
                        if (count > 1)
                        {
                            more = new int[count - 1];
                            for (var i = 1; i < count; i++)
                            {
                                more[i - 1] = BinaryPrimitives.ReadInt32LittleEndian(payload[(10 + (4 * i))..]);
                                RecordPayload.RequireQueue(more[i - 1], type, location);
                            }
                        }

                        var arrived = type == RecordType.StampedMessage ? BinaryPrimitives.ReadInt64LittleEndian(payload[(10 + (4 * count))..]) : 0;
                        messages[id] = new LiveMessage(location, first, more, count, arrived);
                        _lastMessageId = Math.Max(_lastMessageId, id);
                        break;
                    }

                case RecordType.PagedMessage:
                case RecordType.NeutralPagedMessage:
                    // A transient message paged out of memory: gone with the process that paged it.
                    RecordPayload.Require(payload, 8, type, location);
                    _lastMessageId = Math.Max(_lastMessageId, BinaryPrimitives.ReadInt64LittleEndian(payload));
                    break;

                case RecordType.Settle:
                    {
                        RecordPayload.Require(payload, 16, type, location);
                        var queue = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
                        var id = BinaryPrimitives.ReadInt64LittleEndian(payload[8..]);
                        if (messages.TryGetValue(id, out var entry))
                        {
                            var remaining = entry.Without(queue);
                            if (remaining.Count == 0)
                            {
                                messages.Remove(id);
                            }
                            else
                            {
                                messages[id] = remaining;
                            }
                        }

                        if (delivered.Count > 0)
                        {
                            delivered.Remove((queue, id));
                        }

                        break;
                    }

                case RecordType.Delivered:
                    {
                        RecordPayload.Require(payload, 16, type, location);
                        var queue = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
                        var id = BinaryPrimitives.ReadInt64LittleEndian(payload[8..]);
                        var count = payload.Length >= 20 ? BinaryPrimitives.ReadInt32LittleEndian(payload[16..]) : 1;
                        if (messages.ContainsKey(id))
                        {
                            delivered[(queue, id)] = Math.Max(count, delivered.GetValueOrDefault((queue, id)));
                        }

                        break;
                    }

                default:
                    _recordOwner?.Replay(type, payload, location);
                    break;
            }
        });

        var byQueue = new Dictionary<int, List<RecoveredMessage>>();
        var references = new Dictionary<int, (int References, long Bytes)>();
        foreach (var (id, entry) in messages)
        {
            for (var i = 0; i < entry.Count; i++)
            {
                var queue = entry.QueueAt(i);
                if (!byQueue.TryGetValue(queue, out var list))
                {
                    list = [];
                    byQueue.Add(queue, list);
                }

                var deliveries = delivered.Count > 0 ? delivered.GetValueOrDefault((queue, id)) : 0;
                list.Add(new RecoveredMessage(entry.Location.ToRef(id), deliveries > 0, deliveries, entry.Arrived));
            }

            var (count, bytes) = references.GetValueOrDefault(entry.Location.Segment);
            references[entry.Location.Segment] = (count + entry.Count, bytes + ((long)entry.Location.Length * entry.Count));
        }

        var messageCount = messages.Count;
        messages.Clear();
        messages.TrimExcess();
        foreach (var list in byQueue.Values)
        {
            list.Sort(static (a, b) => a.MessageId.CompareTo(b.MessageId));
        }

        _recordOwner?.AddReferences(references);
        _journal.RestoreReferences(references);
        _journal.Start();
        return new StoreRecovery(byQueue, messageCount, stats);
    }

    /// <exception cref="ArgumentException">The message cannot be stored (an exchange name or routing key over
    /// <see cref="Message.MaxAddressBytes"/>); nothing was appended.</exception>
    /// <exception cref="StoreFailedException">The journal has failed, or is stalled (it cannot write now):
    /// a message that arrives while the disk is full is refused (its publisher nacked) rather than
    /// held in a queue with no place on disk.</exception>
    public StoredMessage AppendMessage(Message message, ReadOnlySpan<int> queueIds)
    {
        ThrowIfStalled();
        return Append(RecordType.StampedMessage, message, queueIds, id: 0, _time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    public StoredMessage AppendPaged(Message message)
    {
        ThrowIfStalled();
        return Append(RecordType.NeutralPagedMessage, message, [0], id: 0, arrived: 0);
    }

    private void ThrowIfStalled()
    {
        if (_journal.IsStalled)
        {
            throw new StoreFailedException("the journal cannot write (disk full or failing) and accepts no new messages until it can");
        }
    }

    /// <summary>Queue references the messages of <paramref name="segment"/> still hold.</summary>
    public int ReferencesIn(int segment) => _journal.ReferencesIn(segment);

    public int Compact(IMessageHolders holders) => JournalCompactor.Compact(this, holders);

    /// <summary>
    /// Copies a message forward (compaction) under the same id and arrival time, held by
    /// <paramref name="queueIds"/>, and releases its references where <paramref name="from"/>
    /// points. Returns the copy. <paramref name="arrived"/> 0 (a format-2 record) stays unknown.
    /// </summary>
    public StoredMessage Relocate(Message message, MessageRef from, ReadOnlySpan<int> queueIds, bool paged, long arrived)
    {
        // Same id: on replay the copy, found later, replaces the original and its holders.
        var type = paged ? RecordType.NeutralPagedMessage : arrived > 0 ? RecordType.StampedMessage : RecordType.NeutralMessage;
        var copy = Append(type, message, queueIds, from.Id, arrived);
        var location = StoredLocation.Of(from);
        _journal.Release(location.Segment, queueIds.Length, (long)location.Length * queueIds.Length);
        return copy;
    }

    private StoredMessage Append(RecordType type, Message message, ReadOnlySpan<int> queueIds, long id, long arrived)
    {
        // Measured (and so validated) before an id is taken or anything is appended.
        var stamped = type == RecordType.StampedMessage;
        var length = 8 + 2 + (4 * queueIds.Length) + (stamped ? 8 : 0) + StoredMessageCodec.Measure(message);
        if (id == 0)
        {
            id = Interlocked.Increment(ref _lastMessageId);
        }

        var state = new MessageRecordState(id, message, queueIds, stamped ? arrived : null);
        // A paged transient message is on disk only to free memory: nobody waits for it to be
        // durable, so it rides with the next commit like a settle (reads before then are served
        // from the journal's buffers).
        var (location, sequence) = _journal.Append(type, length, state, WriteMessage, addReferences: queueIds.Length,
            deferrable: type == RecordType.NeutralPagedMessage);
        return new StoredMessage(location.ToRef(id), sequence);
    }

    private static void WriteMessage(Span<byte> destination, MessageRecordState state)
    {
        var message = state.Message;
        BinaryPrimitives.WriteInt64LittleEndian(destination, state.Id);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], (ushort)state.Queues.Length);
        var position = 10;
        foreach (var queue in state.Queues)
        {
            BinaryPrimitives.WriteInt32LittleEndian(destination[position..], queue);
            position += 4;
        }

        if (state.Arrived is { } arrived)
        {
            BinaryPrimitives.WriteInt64LittleEndian(destination[position..], arrived);
            position += 8;
        }

        StoredMessageCodec.Write(destination, ref position, message);
    }

    public long AppendSettle(int queueId, MessageRef message)
    {
        var location = StoredLocation.Of(message);
        return _journal.Append(RecordType.Settle, 16, (location.Segment, queueId, message.Id), WriteReference, releasesSegment: location.Segment, releasedBytes: location.Length, deferrable: true).Sequence;
    }

    public long AppendDelivered(int queueId, MessageRef message, int deliveryCount = 1)
    {
        var segment = StoredLocation.Of(message).Segment;
        if (deliveryCount <= 1)
        {
            return _journal.Append(RecordType.Delivered, 16, (segment, queueId, message.Id), WriteReference, refersToSegment: segment, deferrable: true).Sequence;
        }

        // A count beyond the first delivery (x-delivery-limit queues) rides in four more bytes.
        return _journal.Append(
            RecordType.Delivered,
            20,
            (segment, queueId, message.Id, deliveryCount),
            static (destination, state) =>
            {
                WriteReference(destination, (state.segment, state.queueId, state.Id));
                BinaryPrimitives.WriteInt32LittleEndian(destination[16..], state.deliveryCount);
            },
            refersToSegment: segment,
            deferrable: true).Sequence;
    }

    private static void WriteReference(Span<byte> destination, (int Segment, int Queue, long Message) state)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, state.Segment);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], state.Queue);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], state.Message);
    }

    public void WhenDurable(long sequence, IDurabilityWaiter waiter) => _journal.WhenDurable(sequence, waiter);

    public Message Load(MessageRef message) => Load(message, out _, out _);

    /// <summary>
    /// Reads messages back in order; records of one segment lying close together in its file
    /// (a queue's backlog, with other queues' records and settles between them) with one read.
    /// </summary>
    public void Load(ReadOnlySpan<MessageRef> messages, Span<Message> into)
    {
        var i = 0;
        while (i < messages.Length)
        {
            var first = StoredLocation.Of(messages[i]);
            var end = i + 1;
            var spanEnd = (long)first.Offset + first.Length;
            while (end < messages.Length)
            {
                var next = StoredLocation.Of(messages[end]);
                if (next.Segment != first.Segment || next.Offset < spanEnd || next.Offset + next.Length - first.Offset > MaxReadSpan)
                {
                    break;
                }

                spanEnd = next.Offset + next.Length;
                end++;
            }

            if (end - i == 1 || !TryLoadSpan(messages[i..end], into[i..end], first, (int)(spanEnd - first.Offset)))
            {
                for (; i < end; i++)
                {
                    into[i] = Load(messages[i]);
                }
            }

            i = end;
        }
    }

    /// <summary>Most bytes one read of a batch covers.</summary>
    private const int MaxReadSpan = 256 * 1024;

    private bool TryLoadSpan(ReadOnlySpan<MessageRef> messages, Span<Message> into, StoredLocation first, int length)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            if (!_journal.TryReadWritten(first.Segment, first.Offset, buffer.AsSpan(0, length)))
            {
                return false;
            }

            for (var i = 0; i < messages.Length; i++)
            {
                var location = StoredLocation.Of(messages[i]);
                var record = buffer.AsSpan(location.Offset - first.Offset, location.Length);
                if (RecordFraming.Measure(record) != record.Length)
                {
                    throw new InvalidDataException($"record at {location} is unreadable");
                }

                into[i] = Decode(record, RecordFraming.TypeOf(record), messages[i], out _, out _);
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads a stored message back, whether its record is a paged transient message's, and when it arrived (0: unknown).</summary>
    internal Message Load(MessageRef message, out bool paged, out long arrived)
    {
        var record = _journal.ReadRecord(StoredLocation.Of(message), out var type);
        return Decode(record, type, message, out paged, out arrived);
    }

    /// <summary>The message in a whole, checked record.</summary>
    private static Message Decode(ReadOnlySpan<byte> record, RecordType type, MessageRef message, out bool paged, out long arrived)
    {
        var payload = record[SegmentLog.HeaderSize..];
        if (type is not (RecordType.Message or RecordType.PagedMessage or RecordType.NeutralMessage or RecordType.NeutralPagedMessage or RecordType.StampedMessage)
            || BinaryPrimitives.ReadInt64LittleEndian(payload) != message.Id)
        {
            throw new InvalidDataException($"the record at {StoredLocation.Of(message)} is not message {message.Id}");
        }

        paged = type is RecordType.PagedMessage or RecordType.NeutralPagedMessage;

        int queues = BinaryPrimitives.ReadUInt16LittleEndian(payload[8..]);
        var position = 10 + (4 * queues);
        arrived = 0;
        if (type == RecordType.StampedMessage)
        {
            arrived = BinaryPrimitives.ReadInt64LittleEndian(payload[position..]);
            position += 8;
        }

        return type is RecordType.NeutralMessage or RecordType.NeutralPagedMessage or RecordType.StampedMessage
            ? StoredMessageCodec.Read(payload, ref position)
            : LegacyAmqpMessageReader.Read(payload, ref position);
    }

    public void Dispose()
    {
        // The own committer's last round commits what is pending; then the log closes its files.
        _ownCommitter?.Dispose();
        _journal.Dispose();
    }

    /// <summary>What a message record is written from; a ref struct so the queue ids need no copy.</summary>
    private readonly ref struct MessageRecordState(long id, Message message, ReadOnlySpan<int> queues, long? arrived)
    {
        public long? Arrived { get; } = arrived;

        public long Id { get; } = id;

        public Message Message { get; } = message;

        public ReadOnlySpan<int> Queues { get; } = queues;
    }

    /// <summary>A message seen during recovery and the queues still holding it (the first inline).</summary>
    private readonly record struct LiveMessage(StoredLocation Location, int First, int[]? More, int Count, long Arrived)
    {
        public int QueueAt(int index)
        {
            if (More is null)
            {
                return First;
            }

            // Queues removed from a multi-queue message are marked -1 and skipped by Count.
            var seen = 0;
            for (var i = -1; i < More.Length; i++)
            {
                var queue = i < 0 ? First : More[i];
                if (queue < 0)
                {
                    continue;
                }

                if (seen++ == index)
                {
                    return queue;
                }
            }

            throw new ArgumentOutOfRangeException(nameof(index));
        }

        public LiveMessage Without(int queue)
        {
            if (First == queue)
            {
                return this with { First = -1, Count = Count - 1 };
            }

            if (More is not null)
            {
                for (var i = 0; i < More.Length; i++)
                {
                    if (More[i] == queue)
                    {
                        More[i] = -1;
                        return this with { Count = Count - 1 };
                    }
                }
            }

            return this;
        }
    }
}

/// <summary>What the store found at startup.</summary>
public sealed record StoreRecovery(
    IReadOnlyDictionary<int, List<RecoveredMessage>> Queues, int Messages, SegmentLog.RecoveryStats Stats);
