using System.Buffers;
using System.Buffers.Binary;
using Courier.Core.Concurrency;
using Courier.Core.Storage;
using Courier.Storage.Devices;
using Microsoft.Extensions.Logging;

namespace Courier.Storage.Journal;

/// <summary>
/// The append-only journal: records in fixed-size segment files, each record framed with its
/// length and a CRC-32C, made durable by one committer that batches everything appended since its
/// last flush into one write and one fsync per segment touched (group commit).
/// </summary>
/// <remarks>
/// <para>Appends take a short lock, copy the record into the tail segment's pending buffer and
/// return a position (bytes appended since start); they never wait for the disk. The committer
/// wakes as soon as something is appended, so a lone publisher is not delayed by a timer; records
/// appended while it writes and syncs form its next batch, which is how batches grow with load.
/// After the sync, every <see cref="IDurabilityWaiter"/> whose position is covered is told.</para>
/// <para>Deferrable records (settles and delivered marks, which nobody waits for) do not wake the
/// committer: they are written with the next commit something else causes, or after
/// <see cref="JournalOptions.DeferredWindow"/>, or once <see cref="JournalOptions.DeferredBytes"/>
/// of them are pending, or as soon as someone asks to be told when one is durable. A commit
/// always takes everything appended before it, so a record is never durable before one appended
/// earlier. At a steady low rate this halves the fsyncs (a publish and its ack were one each).</para>
/// <para>Release: each segment counts the queue references its message records hold; a settle
/// record releases one. A segment with no references left, that is not the tail, and whose own
/// settle and delivered records refer only to segments already deleted (so deleting it cannot bring a settled
/// message back on replay) is deleted.</para>
/// <para>Failure: if a write or sync fails the journal stops: waiters are told it failed, appends
/// throw <see cref="StoreFailedException"/>, and nothing after the last successful sync is ever
/// reported durable.</para>
/// </remarks>
public sealed partial class MessageJournal : IDisposable
{
    /// <summary>Record header: payload length (4, counting the type octet), CRC-32C (4) of type and payload, type (1).</summary>
    public const int HeaderSize = 9;

    private readonly IJournalDevice _device;
    private readonly JournalOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Lock _waitersGate = new();
    private readonly SortedDictionary<int, Segment> _segments = [];
    private readonly List<(long Position, IDurabilityWaiter Waiter)> _waiters = [];
    private readonly AsyncSignal _signal = new();
    private readonly CancellationTokenSource _stop = new();
    private Segment? _tail;
    private long _appendPosition;
    private long _durablePosition;
    private bool _signalled;
    // Appended up to here, a commit is already asked for (or running): waiters need not wake the committer.
    private long _commitRequestedPosition;
    private long _deferredBytes;
    private bool _deferredTimerArmed;
    private ITimer? _deferredTimer;
    private Exception? _failure;
    private Task? _committer;

    public MessageJournal(IJournalDevice device, JournalOptions options, ILogger logger)
    {
        _device = device;
        _options = options;
        _logger = logger;
    }

    public delegate void PayloadWriter<TState>(Span<byte> destination, TState state)
        where TState : allows ref struct;

    public bool IsFailed => Volatile.Read(ref _failure) is not null;

    /// <summary>Everything appended up to here is durable.</summary>
    public long DurablePosition => Interlocked.Read(ref _durablePosition);

    public int SegmentCount
    {
        get
        {
            lock (_gate)
            {
                return _segments.Count;
            }
        }
    }

    /// <summary>Starts the committer. Call after <see cref="Recover"/>.</summary>
    public void Start()
    {
        lock (_gate)
        {
            _tail ??= CreateSegmentLocked(1);
            _deferredTimer = _options.Time.CreateTimer(static s => ((MessageJournal)s!).OnDeferredWindow(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        _committer = Task.Run(CommitLoopAsync);
    }

    /// <summary>
    /// Appends one record. <paramref name="addReferences"/> counts queue references the record
    /// holds (a message record's queues); <paramref name="releasesSegment"/> names the segment whose
    /// message a settle record releases one reference of (or -1); <paramref name="refersToSegment"/>
    /// names the segment of the message a delivered record marks (or -1), which, like a settle's,
    /// keeps this record's segment until that one is gone, so the mark is not lost before the message.
    /// A <paramref name="deferrable"/> record does not wake the committer by itself (see the remarks).
    /// </summary>
    public (StoredLocation Location, long Position) Append<TState>(
        RecordType type, int payloadLength, TState state, PayloadWriter<TState> write, int addReferences = 0, int releasesSegment = -1, int refersToSegment = -1, int releasedBytes = 0,
        bool deferrable = false)
        where TState : allows ref struct
    {
        var size = HeaderSize + payloadLength;
        lock (_gate)
        {
            if (_failure is not null)
            {
                throw new StoreFailedException("the message journal has failed and accepts no more writes", _failure);
            }

            var tail = _tail!;
            if (tail.AppendOffset > 0 && tail.AppendOffset + size > _options.SegmentSize)
            {
                tail = _tail = CreateSegmentLocked(tail.Id + 1);
            }

            var span = tail.Pending.GetSpan(size)[..size];
            span[8] = (byte)type;
            write(span[HeaderSize..], state);
            BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)(payloadLength + 1));
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Crc32C.Compute(span[8..]));
            tail.Pending.Advance(size);

            var location = new StoredLocation(tail.Id, (int)tail.AppendOffset, size);
            tail.AppendOffset += size;
            tail.References += addReferences;
            tail.LiveBytes += (long)size * addReferences;
            if (releasesSegment >= 0 && _segments.TryGetValue(releasesSegment, out var released))
            {
                released.References--;
                released.LiveBytes -= releasedBytes;
                if (released.Id != tail.Id)
                {
                    tail.AddDependency(released.Id);
                }
            }

            if (refersToSegment >= 0 && refersToSegment != tail.Id && _segments.ContainsKey(refersToSegment))
            {
                tail.AddDependency(refersToSegment);
            }

            _appendPosition += size;
            var position = _appendPosition;
            if (!deferrable)
            {
                RequestCommitLocked();
            }
            else
            {
                _deferredBytes += size;
                if (_deferredBytes >= _options.DeferredBytes)
                {
                    RequestCommitLocked();
                }
                else if (!_deferredTimerArmed && position > _commitRequestedPosition)
                {
                    _deferredTimerArmed = true;
                    _deferredTimer?.Change(_options.DeferredWindow, Timeout.InfiniteTimeSpan);
                }
            }

            return (location, position);
        }
    }

    private void RequestCommitLocked()
    {
        Volatile.Write(ref _commitRequestedPosition, _appendPosition);
        if (!_signalled)
        {
            _signalled = true;
            _signal.Set();
        }
    }

    private void OnDeferredWindow()
    {
        lock (_gate)
        {
            _deferredTimerArmed = false;
            if (_appendPosition > _commitRequestedPosition)
            {
                RequestCommitLocked();
            }
        }
    }

    /// <summary>
    /// Releases references without a settle record: a message was copied forward (compaction), so
    /// the copy holds them now. The segment may be deleted only once everything appended before
    /// this call (the copy among it) is durable.
    /// </summary>
    public void Release(int segment, int references, long bytes)
    {
        lock (_gate)
        {
            if (_segments.TryGetValue(segment, out var released))
            {
                released.References -= references;
                released.LiveBytes -= bytes;
                released.DeletableAfter = Math.Max(released.DeletableAfter, _appendPosition);
            }
        }
    }

    /// <summary>Queue references the segment's message records still hold (0 for a segment that is gone).</summary>
    public int ReferencesIn(int segment)
    {
        lock (_gate)
        {
            return _segments.TryGetValue(segment, out var s) ? s.References : 0;
        }
    }

    /// <summary>
    /// Segments worth compacting: full-sized, not the tail, still holding references, but with
    /// live message records under a quarter of their bytes.
    /// </summary>
    public IReadOnlyList<int> CompactionCandidates()
    {
        var candidates = new List<int>();
        lock (_gate)
        {
            foreach (var segment in _segments.Values)
            {
                if (segment != _tail && segment.References > 0 && segment.AppendOffset >= _options.SegmentSize / 2
                    && segment.LiveBytes * 4 < segment.AppendOffset)
                {
                    candidates.Add(segment.Id);
                }
            }
        }

        return candidates;
    }

    /// <summary>Tells <paramref name="waiter"/> when <paramref name="position"/> is durable (now, if it already is).</summary>
    public void WhenDurable(long position, IDurabilityWaiter waiter)
    {
        var added = false;
        lock (_waitersGate)
        {
            if (_failure is null && position > Interlocked.Read(ref _durablePosition))
            {
                _waiters.Add((position, waiter));
                added = true;
            }
        }

        if (added)
        {
            if (position > Volatile.Read(ref _commitRequestedPosition))
            {
                // Only deferrable records lead up to the position, and someone waits for them now.
                lock (_gate)
                {
                    RequestCommitLocked();
                }
            }

            return;
        }

        if (_failure is not null && position > Interlocked.Read(ref _durablePosition))
        {
            waiter.OnStoreFailed();
        }
        else
        {
            waiter.OnDurable(Interlocked.Read(ref _durablePosition));
        }
    }

    /// <summary>
    /// Reads the record at <paramref name="location"/> and checks its CRC. The record may still be
    /// waiting for the committer (pending) or being written (in flight); it is copied from memory then.
    /// </summary>
    public byte[] ReadRecord(StoredLocation location, out RecordType type)
    {
        var record = new byte[location.Length];
        Segment? segment;
        var copied = false;
        lock (_gate)
        {
            _segments.TryGetValue(location.Segment, out segment);
            if (segment is not null && location.Offset >= segment.FlushedOffset)
            {
                // Not yet handed to the file: it is in the pending buffer, which starts at FlushedOffset.
                segment.Pending.WrittenSpan.Slice((int)(location.Offset - segment.FlushedOffset), location.Length).CopyTo(record);
                copied = true;
            }
            else if (segment?.InFlight is { } inFlight && location.Offset >= segment.InFlightOffset)
            {
                inFlight.WrittenSpan.Slice((int)(location.Offset - segment.InFlightOffset), location.Length).CopyTo(record);
                copied = true;
            }
        }

        if (segment is null)
        {
            throw new InvalidOperationException($"segment {location.Segment} no longer exists");
        }

        if (!copied && segment.File.Read(location.Offset, record) != record.Length)
        {
            throw new InvalidDataException($"record at {location} is past the end of its segment");
        }

        if (!TryParseHeader(record, out var payloadLength, out type) || payloadLength + HeaderSize != record.Length)
        {
            throw new InvalidDataException($"record at {location} is unreadable");
        }

        return record;
    }

    private async Task CommitLoopAsync()
    {
        var batch = new List<(Segment Segment, ArrayBufferWriter<byte> Buffer, long Offset)>();
        var stopping = false;
        while (true)
        {
            try
            {
                await _signal.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                stopping = true;
            }

            if (_options.Policy == CommitPolicy.Batch && !stopping)
            {
                await GatherBatchAsync().ConfigureAwait(false);
            }

            long target;
            lock (_gate)
            {
                _signalled = false;
                target = _appendPosition;
                _deferredBytes = 0;
                Volatile.Write(ref _commitRequestedPosition, target);
                foreach (var segment in _segments.Values)
                {
                    if (segment.Pending.WrittenCount > 0)
                    {
                        var offset = segment.FlushedOffset;
                        var buffer = segment.SwapPending();
                        batch.Add((segment, buffer, offset));
                        segment.InFlight = buffer;
                        segment.InFlightOffset = offset;
                        segment.FlushedOffset += buffer.WrittenCount;
                    }
                }
            }

            if (batch.Count > 0 && !TryWrite(batch))
            {
                return;
            }

            lock (_gate)
            {
                foreach (var (segment, buffer, _) in batch)
                {
                    segment.InFlight = null;
                    buffer.ResetWrittenCount();
                    segment.TrimBuffers(isTail: segment == _tail);
                }
            }

            batch.Clear();
            Interlocked.Exchange(ref _durablePosition, target);
            CompleteWaiters(target);
            ReleaseDeadSegments();
            if (stopping)
            {
                return;
            }
        }
    }

    private async Task GatherBatchAsync()
    {
        int pending;
        lock (_gate)
        {
            pending = _tail?.Pending.WrittenCount ?? 0;
        }

        if (pending < _options.BatchBytes)
        {
            await Task.Delay(_options.BatchWindow).ConfigureAwait(false);
        }
    }

    private bool TryWrite(List<(Segment Segment, ArrayBufferWriter<byte> Buffer, long Offset)> batch)
    {
        try
        {
            foreach (var (segment, buffer, offset) in batch)
            {
                segment.File.Write(offset, buffer.WrittenSpan);
            }

            if (_options.Policy != CommitPolicy.Never)
            {
                foreach (var (segment, _, _) in batch)
                {
                    segment.File.Flush();
                }
            }

            return true;
        }
        catch (Exception e)
        {
            Fail(e);
            return false;
        }
    }

    private void Fail(Exception e)
    {
        JournalLog.Failed(_logger, e);
        List<(long Position, IDurabilityWaiter Waiter)> waiters;
        lock (_gate)
        {
            _failure = e;
        }

        lock (_waitersGate)
        {
            waiters = [.. _waiters];
            _waiters.Clear();
        }

        foreach (var (_, waiter) in waiters)
        {
            waiter.OnStoreFailed();
        }
    }

    private void CompleteWaiters(long durable)
    {
        List<IDurabilityWaiter>? ready = null;
        lock (_waitersGate)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Position <= durable)
                {
                    (ready ??= []).Add(_waiters[i].Waiter);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (ready is null)
        {
            return;
        }

        for (var i = ready.Count - 1; i >= 0; i--)
        {
            ready[i].OnDurable(durable);
        }
    }

    private void ReleaseDeadSegments()
    {
        List<Segment>? dead = null;
        lock (_gate)
        {
            // Oldest first: deleting one can free the dependencies of the next.
            var changed = true;
            while (changed)
            {
                changed = false;
                foreach (var segment in _segments.Values)
                {
                    if (segment == _tail || segment.References > 0 || segment.Pending.WrittenCount > 0 || segment.HasDependencyIn(_segments)
                        || segment.DeletableAfter > Interlocked.Read(ref _durablePosition))
                    {
                        continue;
                    }

                    _segments.Remove(segment.Id);
                    (dead ??= []).Add(segment);
                    changed = true;
                    break;
                }
            }
        }

        if (dead is null)
        {
            return;
        }

        foreach (var segment in dead)
        {
            segment.File.Dispose();
            _device.Delete(segment.Id);
            JournalLog.SegmentDeleted(_logger, segment.Id);
        }
    }

    private Segment CreateSegmentLocked(int id)
    {
        var segment = new Segment(id, _device.Open(id));
        _segments.Add(id, segment);
        return segment;
    }

    private static bool TryParseHeader(ReadOnlySpan<byte> record, out int payloadLength, out RecordType type)
    {
        payloadLength = 0;
        type = 0;
        if (record.Length < HeaderSize)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(record);
        if (length == 0 || length > record.Length - 8)
        {
            return false;
        }

        var crc = BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
        if (Crc32C.Compute(record.Slice(8, (int)length)) != crc)
        {
            return false;
        }

        payloadLength = (int)length - 1;
        type = (RecordType)record[8];
        return true;
    }

    public void Dispose()
    {
        _deferredTimer?.Dispose();
        _stop.Cancel();
        try
        {
            _committer?.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
        }

        lock (_gate)
        {
            foreach (var segment in _segments.Values)
            {
                segment.File.Dispose();
            }

            _segments.Clear();
        }
    }
}
