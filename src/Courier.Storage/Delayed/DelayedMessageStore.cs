using System.Buffers.Binary;
using Courier.Core.Delayed;
using Courier.Core.Messages;
using Courier.Core.Storage;
using Courier.Storage.Format;
using Courier.Storage.Journal;

namespace Courier.Storage.Delayed;

/// <summary>
/// The delayed store: scheduled messages live as records of their own in the node's message
/// journal (so a delayed publish is confirmed by the same group commit, under the same sequence
/// numbers, as any publish), and a <see cref="DueTimeIndex"/> on disk orders them by due time.
/// </summary>
/// <remarks>
/// <para>Records (docs/storage-format.md): a delayed exchange's key and name
/// (<see cref="RecordType.DelayedExchange"/>), its deletion (<see cref="RecordType.DelayedExchangeForgotten"/>),
/// each scheduled message with its key and due time (<see cref="RecordType.DelayedMessage"/>, or
/// <see cref="RecordType.DelayedTransientMessage"/>, which recovery skips), and its removal once
/// routed (<see cref="RecordType.DelayedRouted"/>). A message record holds one reference on its
/// segment and the routed record releases it, as a queue's settle does; a key's record holds one
/// until it is forgotten. Forgetting a key releases every reference its messages hold at once
/// (their segments go once nothing else holds them); a message whose key has no live record is
/// dropped by recovery, so nothing comes back.</para>
/// <para>Recovery, in the journal's single scan: the index is rebuilt from the message records
/// (streamed to its slice files, not held in memory), the routed records of messages still in the
/// journal are kept as a set of identities to skip when their slice is loaded, and the references
/// held are counted per key and segment.</para>
/// <para>Threading: one lock around the index and the per-key counts; journal appends happen under
/// it (they never wait for the disk); reading a due message back from the journal does not.</para>
/// </remarks>
public sealed class DelayedMessageStore : IDelayedMessageStore, IJournalRecordOwner
{
    private const int RoutedLength = 17;

    private readonly SegmentLog _journal;
    private readonly DueTimeIndex _index;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, KeyState> _keys = [];
    private HashSet<long>? _routedBeforeRestart;
    private int _lastKey;

    /// <summary>A store over <paramref name="journal"/>'s log with its index in <paramref name="indexDirectory"/>; call before the journal recovers.</summary>
    public DelayedMessageStore(JournalMessageStore journal, string indexDirectory, DueTimeIndexOptions? options = null)
    {
        _journal = journal.Journal;
        _index = new DueTimeIndex(indexDirectory, options ?? new DueTimeIndexOptions());
        journal.AddRecordOwner(this);
    }

    public IReadOnlyList<DelayedExchangeKey> RecoveredExchanges
    {
        get
        {
            lock (_gate)
            {
                var keys = new List<DelayedExchangeKey>(_keys.Count);
                foreach (var (key, state) in _keys)
                {
                    keys.Add(new DelayedExchangeKey(key, state.VirtualHost, state.Exchange));
                }

                return keys;
            }
        }
    }

    public long Scheduled
    {
        get
        {
            lock (_gate)
            {
                return _index.Count;
            }
        }
    }

    /// <summary>Entries of the index in memory (for the benchmark and tests).</summary>
    public int InMemory
    {
        get
        {
            lock (_gate)
            {
                return _index.HeadCount;
            }
        }
    }

    public int Declare(string virtualHost, string exchange)
    {
        var length = 4 + StoredPrimitives.MeasureString(virtualHost) + StoredPrimitives.MeasureString(exchange);
        lock (_gate)
        {
            var key = _lastKey + 1;
            var (location, _) = _journal.Append(RecordType.DelayedExchange, length, (key, virtualHost, exchange), WriteExchange, addReferences: 1, deferrable: true);
            _lastKey = key;
            _keys.Add(key, new KeyState(virtualHost, exchange, location));
            return key;
        }
    }

    public void Forget(int key)
    {
        lock (_gate)
        {
            if (!_keys.Remove(key, out var state))
            {
                return;
            }

            _journal.Append(RecordType.DelayedExchangeForgotten, 8, (state.Record.Segment, key), WriteForgotten,
                releasesSegment: state.Record.Segment, releasedBytes: state.Record.Length, deferrable: true);
            foreach (var (segment, held) in state.Held)
            {
                _journal.Release(segment, held.References, held.Bytes);
            }

            // Usually the exchange deleted was the only one with messages: then the index just goes.
            if (HoldsNothing())
            {
                _index.Clear();
            }
            else
            {
                _index.RemoveKey(key);
            }
        }
    }

    public long Schedule(int key, Message message, long dueAt)
    {
        // Measured (and so validated) before anything is appended.
        var length = 12 + StoredMessageCodec.Measure(message);
        var persistent = message.IsPersistent;
        lock (_gate)
        {
            if (!_keys.TryGetValue(key, out var state))
            {
                return 0; // the exchange was deleted while this publish was on its way: dropped with it
            }

            var (location, sequence) = _journal.Append(
                persistent ? RecordType.DelayedMessage : RecordType.DelayedTransientMessage, length, (key, dueAt, message), WriteMessage,
                addReferences: 1, deferrable: !persistent);
            state.Hold(location);
            _index.Add(new DelayedEntry(dueAt, key, location));
            return persistent ? sequence : 0;
        }
    }

    public long NextDue(long now)
    {
        lock (_gate)
        {
            return _index.NextDue(now);
        }
    }

    public bool TryTakeDue(long now, out DueMessage due)
    {
        while (true)
        {
            DelayedEntry entry;
            lock (_gate)
            {
                do
                {
                    if (!_index.TryTakeDue(now, out entry))
                    {
                        due = default;
                        return false;
                    }
                }
                while (!_keys.ContainsKey(entry.Key) || (_routedBeforeRestart is { } routed && routed.Remove(entry.Identity)));
            }

            byte[] record;
            RecordType type;
            try
            {
                record = _journal.ReadRecord(entry.Location, out type);
            }
            catch (InvalidOperationException) when (!IsLive(entry.Key))
            {
                continue; // forgotten while it was being read, and its segment is gone
            }

            var payload = record.AsSpan(SegmentLog.HeaderSize);
            if (type is not (RecordType.DelayedMessage or RecordType.DelayedTransientMessage) || BinaryPrimitives.ReadInt32LittleEndian(payload) != entry.Key)
            {
                throw new InvalidDataException($"the record at {entry.Location} is not a delayed message of key {entry.Key}");
            }

            var position = 12;
            var message = StoredMessageCodec.Read(payload, ref position);
            due = new DueMessage(entry.Key, entry.DueAt, message, entry.Location.ToRef(DelayedEntry.IdentityOf(entry.Location)), type == RecordType.DelayedMessage);
            return true;
        }
    }

    public void Complete(in DueMessage due)
    {
        lock (_gate)
        {
            if (!_keys.TryGetValue(due.Key, out var state))
            {
                return; // forgotten meanwhile: its references are already released
            }

            var location = StoredLocation.Of(due.Record);
            _journal.Append(RecordType.DelayedRouted, RoutedLength, (due.Key, location, due.Persistent), WriteRouted,
                releasesSegment: location.Segment, releasedBytes: location.Length, deferrable: true);
            state.Release(location.Segment, location.Length);
        }
    }

    private bool HoldsNothing()
    {
        foreach (var state in _keys.Values)
        {
            if (state.Held.Count > 0)
            {
                return false;
            }
        }

        return true;
    }

    private bool IsLive(int key)
    {
        lock (_gate)
        {
            return _keys.ContainsKey(key);
        }
    }

    void IJournalRecordOwner.BeginRecovery() => _index.Reset();

    void IJournalRecordOwner.Replay(RecordType type, ReadOnlySpan<byte> payload, StoredLocation location)
    {
        switch (type)
        {
            case RecordType.DelayedExchange:
                {
                    RecordPayload.Require(payload, 4, type, location);
                    var key = BinaryPrimitives.ReadInt32LittleEndian(payload);
                    var position = 4;
                    var virtualHost = StoredPrimitives.ReadString(payload, ref position);
                    var exchange = StoredPrimitives.ReadString(payload, ref position);
                    _keys[key] = new KeyState(virtualHost, exchange, location);
                    _lastKey = Math.Max(_lastKey, key);
                    break;
                }

            case RecordType.DelayedExchangeForgotten:
                {
                    RecordPayload.Require(payload, 8, type, location);
                    var key = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
                    _keys.Remove(key);
                    _lastKey = Math.Max(_lastKey, key);
                    break;
                }

            case RecordType.DelayedMessage:
            case RecordType.DelayedTransientMessage:
                {
                    // A transient message's key still counts: no later exchange may take it.
                    RecordPayload.Require(payload, 12, type, location);
                    var key = BinaryPrimitives.ReadInt32LittleEndian(payload);
                    _lastKey = Math.Max(_lastKey, key);
                    if (type == RecordType.DelayedMessage && _keys.TryGetValue(key, out var state))
                    {
                        state.Hold(location);
                        _index.Add(new DelayedEntry(BinaryPrimitives.ReadInt64LittleEndian(payload[4..]), key, location));
                    }

                    break;
                }

            case RecordType.DelayedRouted:
                {
                    RecordPayload.Require(payload, 17, type, location);
                    var segment = BinaryPrimitives.ReadInt32LittleEndian(payload);
                    var key = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
                    var routed = new StoredLocation(segment, BinaryPrimitives.ReadInt32LittleEndian(payload[8..]), BinaryPrimitives.ReadInt32LittleEndian(payload[12..]));
                    var persistent = payload[16] != 0;

                    // Only a message replayed above holds a reference to release (its segment may be gone).
                    if (persistent && _keys.TryGetValue(key, out var state) && state.Release(segment, routed.Length))
                    {
                        (_routedBeforeRestart ??= []).Add(DelayedEntry.IdentityOf(routed));
                    }

                    break;
                }
        }
    }

    void IJournalRecordOwner.AddReferences(Dictionary<int, (int References, long Bytes)> bySegment)
    {
        foreach (var state in _keys.Values)
        {
            Add(state.Record.Segment, 1, state.Record.Length);
            foreach (var (segment, held) in state.Held)
            {
                Add(segment, held.References, held.Bytes);
            }
        }

        void Add(int segment, int references, long bytes)
        {
            var (count, total) = bySegment.GetValueOrDefault(segment);
            bySegment[segment] = (count + references, total + bytes);
        }
    }

    private static void WriteExchange(Span<byte> destination, (int Key, string VirtualHost, string Exchange) state)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, state.Key);
        var position = 4;
        StoredPrimitives.WriteString(destination, ref position, state.VirtualHost);
        StoredPrimitives.WriteString(destination, ref position, state.Exchange);
    }

    private static void WriteForgotten(Span<byte> destination, (int Segment, int Key) state)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, state.Segment);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], state.Key);
    }

    private static void WriteMessage(Span<byte> destination, (int Key, long DueAt, Message Message) state)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, state.Key);
        BinaryPrimitives.WriteInt64LittleEndian(destination[4..], state.DueAt);
        var position = 12;
        StoredMessageCodec.Write(destination, ref position, state.Message);
    }

    private static void WriteRouted(Span<byte> destination, (int Key, StoredLocation Location, bool Persistent) state)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, state.Location.Segment);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], state.Key);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], state.Location.Offset);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], state.Location.Length);
        destination[16] = state.Persistent ? (byte)1 : (byte)0;
    }

    /// <summary>A live delayed exchange: its name, its key's record, and the references its messages hold per segment.</summary>
    private sealed class KeyState(string virtualHost, string exchange, StoredLocation record)
    {
        public string VirtualHost { get; } = virtualHost;

        public string Exchange { get; } = exchange;

        public StoredLocation Record { get; } = record;

        public Dictionary<int, (int References, long Bytes)> Held { get; } = [];

        public void Hold(StoredLocation location)
        {
            var (count, bytes) = Held.GetValueOrDefault(location.Segment);
            Held[location.Segment] = (count + 1, bytes + location.Length);
        }

        /// <summary>Releases one reference in <paramref name="segment"/>; false when none was held there.</summary>
        public bool Release(int segment, int length)
        {
            if (!Held.TryGetValue(segment, out var held))
            {
                return false;
            }

            if (held.References == 1)
            {
                Held.Remove(segment);
            }
            else
            {
                Held[segment] = (held.References - 1, held.Bytes - length);
            }

            return true;
        }
    }
}
