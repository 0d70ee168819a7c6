using Courier.Core.Storage;
using Courier.Storage.Devices;
using Microsoft.Extensions.Logging;

namespace Courier.Storage.Journal;

/// <summary>
/// An append-only log of records in segment files of one device, each record framed with its
/// length, a CRC-32C, its log sequence number and epoch (<see cref="RecordFraming"/>), each
/// segment starting with a <see cref="SegmentHeader"/>. A <see cref="GroupCommitter"/> makes it
/// durable, together with any other logs on the same committer. The message journal is one such
/// log; stream queues' logs will be others.
/// </summary>
/// <remarks>
/// <para>Appends take a short lock, give the record the next sequence number, copy it into the
/// tail segment's pending buffer and return where it lives and its sequence number; they never
/// wait for the disk. Sequence numbers increase for the life of the data directory: recovery
/// continues after the highest one in any record or segment header, and a new segment's header
/// carries the next one, so it survives the deletion of every segment that held a record.
/// Waiters (<see cref="IDurabilityWaiter"/>) are keyed by sequence number and told after the
/// committer has written, synced and replicated every record up to theirs.</para>
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
/// <para>Disk faults: a write or sync that fails with an <see cref="IOException"/> (ENOSPC, EIO)
/// stalls the log instead of ending it (SegmentLog.Stall.cs): what the round wrote is cut from the
/// files, its bytes are kept and written again with backoff, waiters wait, and the log tells the
/// node's <see cref="DiskSpace"/> so publishers are blocked. While stalled, segments that nothing
/// holds any more (a purge, a queue deleted, acks) are deleted without being written, the tail
/// included. Every append reserves its bytes with <see cref="DiskSpace"/> first, so the disk alarm
/// is raised before those bytes reach the disk.</para>
/// <para>Failure: if the replication stage fails, or a write or sync fails otherwise than with an
/// I/O error, the log stops: waiters are told it failed, appends throw
/// <see cref="StoreFailedException"/>, and nothing after the last successful commit is ever
/// reported durable.</para>
/// </remarks>
public sealed partial class SegmentLog : IDisposable
{
    /// <summary>Record header size (<see cref="RecordFraming.HeaderSize"/>): a record's payload starts here.</summary>
    public const int HeaderSize = RecordFraming.HeaderSize;

    private readonly IJournalDevice _device;
    private readonly JournalOptions _options;
    private readonly GroupCommitter _committer;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Lock _waitersGate = new();
    private readonly SortedDictionary<int, Segment> _segments = [];
    private readonly List<(long Sequence, IDurabilityWaiter Waiter)> _waiters = [];
    private Segment? _tail;
    private StoreIdentity _identity;
    private bool _recovered;
    private long _appendSequence;
    private long _durableSequence;
    // Appended up to here, a commit is already asked for (or running): waiters need not wake the committer.
    private long _commitRequestedSequence;
    private long _deferredBytes;
    private bool _deferredTimerArmed;
    private ITimer? _deferredTimer;
    private Exception? _failure;
    private bool _attached;

    public SegmentLog(string name, IJournalDevice device, JournalOptions options, GroupCommitter committer, ILogger logger)
    {
        Name = name;
        _device = device;
        _options = options;
        _committer = committer;
        _logger = logger;
    }

    public delegate void PayloadWriter<TState>(Span<byte> destination, TState state)
        where TState : allows ref struct;

    /// <summary>What the log is called in replication batches and logs (the message journal is <c>messages</c>).</summary>
    public string Name { get; }

    public int Epoch => _options.Epoch;

    /// <summary>The data directory's store id (known after <see cref="Recover"/>).</summary>
    public Guid StoreId => _identity.StoreId;

    public bool IsFailed => Volatile.Read(ref _failure) is not null;

    /// <summary>Every record up to this sequence number is durable.</summary>
    public long DurableSequence => Interlocked.Read(ref _durableSequence);

    /// <summary>The sequence number of the last record appended (0 before the first).</summary>
    public long LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _appendSequence;
            }
        }
    }

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

    /// <summary>Joins the committer. Call after <see cref="Recover"/>.</summary>
    public void Start()
    {
        if (!_recovered)
        {
            Recover(static (_, _, _) => { });
        }

        lock (_gate)
        {
            _tail ??= CreateSegmentLocked(1);
            _deferredTimer = _options.Time.CreateTimer(static s => ((SegmentLog)s!).OnDeferredWindow(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        // A new tail's header stays pending until the first commit: a segment file shorter than
        // its header holds nothing, and recovery gives it the header again.
        _attached = true;
        _committer.Attach(this);
    }

    /// <summary>
    /// Appends one record. <paramref name="addReferences"/> counts queue references the record
    /// holds (a message record's queues); <paramref name="releasesSegment"/> names the segment whose
    /// message a settle record releases one reference of (or -1); <paramref name="refersToSegment"/>
    /// names the segment of the message a delivered record marks (or -1), which, like a settle's,
    /// keeps this record's segment until that one is gone, so the mark is not lost before the message.
    /// A <paramref name="deferrable"/> record does not wake the committer by itself (see the remarks).
    /// Returns where the record lives and its sequence number.
    /// </summary>
    public (StoredLocation Location, long Sequence) Append<TState>(
        RecordType type, int payloadLength, TState state, PayloadWriter<TState> write, int addReferences = 0, int releasesSegment = -1, int refersToSegment = -1, int releasedBytes = 0,
        bool deferrable = false)
        where TState : allows ref struct
    {
        var size = HeaderSize + payloadLength;
        var reserved = (long)size;
        (StoredLocation, long) appended;
        lock (_gate)
        {
            if (_failure is not null)
            {
                throw new StoreFailedException($"the {Name} log has failed and accepts no more writes", _failure);
            }

            var tail = _tail!;
            if (tail.AppendOffset > SegmentHeader.Size && tail.AppendOffset + size > _options.SegmentSize)
            {
                tail = _tail = CreateSegmentLocked(tail.Id + 1);
                reserved += SegmentHeader.Size;
            }

            var sequence = ++_appendSequence;
            var span = tail.Pending.GetSpan(size)[..size];
            write(span[HeaderSize..], state);
            RecordFraming.Seal(span, type, sequence, _options.Epoch);
            tail.Pending.Advance(size);
            if (tail.PendingFirst == 0)
            {
                tail.PendingFirst = sequence;
            }

            tail.PendingLast = sequence;

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
                else if (ShouldRollReleasedTailLocked(tail))
                {
                    // Low on disk and the tail holds nothing any more: later records go to a new
                    // segment, so this one can be deleted (with this very record in it).
                    _tail = CreateSegmentLocked(tail.Id + 1);
                    reserved += SegmentHeader.Size;
                }
            }

            if (refersToSegment >= 0 && refersToSegment != tail.Id && _segments.ContainsKey(refersToSegment))
            {
                tail.AddDependency(refersToSegment);
            }

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
                else if (!_deferredTimerArmed && sequence > _commitRequestedSequence)
                {
                    _deferredTimerArmed = true;
                    _deferredTimer?.Change(_options.DeferredWindow, Timeout.InfiniteTimeSpan);
                }
            }

            appended = (location, sequence);
        }

        _disk?.Reserve(reserved);
        return appended;
    }

    private void RequestCommitLocked()
    {
        Volatile.Write(ref _commitRequestedSequence, _appendSequence);
        _committer.RequestCommit();
    }

    private void OnDeferredWindow()
    {
        lock (_gate)
        {
            _deferredTimerArmed = false;
            if (_appendSequence > _commitRequestedSequence)
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
                released.DeletableAfter = Math.Max(released.DeletableAfter, _appendSequence);
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

    /// <summary>Tells <paramref name="waiter"/> when every record up to <paramref name="sequence"/> is durable (now, if it already is).</summary>
    public void WhenDurable(long sequence, IDurabilityWaiter waiter)
    {
        var added = false;
        lock (_waitersGate)
        {
            if (_failure is null && sequence > Interlocked.Read(ref _durableSequence))
            {
                _waiters.Add((sequence, waiter));
                added = true;
            }
        }

        if (added)
        {
            if (sequence > Volatile.Read(ref _commitRequestedSequence))
            {
                // Only deferrable records lead up to the sequence number, and someone waits for them now.
                lock (_gate)
                {
                    RequestCommitLocked();
                }
            }

            return;
        }

        if (_failure is not null && sequence > Interlocked.Read(ref _durableSequence))
        {
            waiter.OnStoreFailed();
        }
        else
        {
            waiter.OnDurable(Interlocked.Read(ref _durableSequence));
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

        if (RecordFraming.Measure(record) != record.Length)
        {
            throw new InvalidDataException($"record at {location} is unreadable");
        }

        type = RecordFraming.TypeOf(record);
        return record;
    }

    /// <summary>
    /// Reads <paramref name="into"/>'s length of bytes at <paramref name="offset"/> of a segment with
    /// one read, if all of them are already in its file (not pending or being written); false
    /// otherwise (the caller reads record by record, <see cref="ReadRecord"/>). Checks nothing: the
    /// caller checks each record it finds there.
    /// </summary>
    public bool TryReadWritten(int segment, long offset, Span<byte> into)
    {
        Segment? found;
        lock (_gate)
        {
            if (!_segments.TryGetValue(segment, out found)
                || offset + into.Length > (found.InFlight is null ? found.FlushedOffset : found.InFlightOffset))
            {
                return false;
            }
        }

        return found.File.Read(offset, into) == into.Length;
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
                    if (segment == _tail || segment.References > 0 || segment.Pending.WrittenCount > 0 || segment.InFlight is not null || segment.HasDependencyIn(_segments)
                        || segment.DeletableAfter > Interlocked.Read(ref _durableSequence))
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

        DeleteFiles(dead);
    }

    /// <summary>Deletes the files of segments already taken out of the log (outside its lock), and says space was freed.</summary>
    private void DeleteFiles(List<Segment>? dead)
    {
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

        _disk?.Freed();
    }

    /// <summary>A new segment, its header pending: it names the next sequence number, so that survives this segment's predecessors.</summary>
    private Segment CreateSegmentLocked(int id)
    {
        var segment = new Segment(id, _device.Open(id));
        WriteHeaderLocked(segment);
        _segments.Add(id, segment);
        return segment;
    }

    private void WriteHeaderLocked(Segment segment)
    {
        new SegmentHeader(_identity.StoreId, _appendSequence + 1, _options.Epoch).Write(segment.Pending.GetSpan(SegmentHeader.Size));
        segment.Pending.Advance(SegmentHeader.Size);
        segment.AppendOffset = SegmentHeader.Size;
        segment.PendingRecordsStart = SegmentHeader.Size;
    }

    public void Dispose()
    {
        if (_attached)
        {
            _attached = false;
            _committer.Detach(this);
        }

        _deferredTimer?.Dispose();
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
