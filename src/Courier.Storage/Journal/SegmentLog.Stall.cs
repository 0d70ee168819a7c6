using Courier.Core.Storage;

namespace Courier.Storage.Journal;

/// <summary>
/// The log on a full or failing disk: a round whose write or sync fails with an I/O error stalls
/// the log instead of ending it, and the committer retries it with backoff.
/// </summary>
/// <remarks>
/// <para>Stalling cuts what the round wrote from each file (truncates back to where the round
/// started), so a crash while stalled brings back nothing of it, and keeps the round's buffers: the
/// retry writes the same bytes at the same offsets, then syncs (after a failed fsync the kernel may
/// have dropped the dirty pages, so the bytes are written again rather than synced again). What
/// is appended meanwhile joins the round. Waiters wait: nothing of a stalled round is confirmed
/// before it is written and synced, and nothing in it is refused after it was accepted, so a
/// message a queue already holds is never nacked (the store refuses new messages instead while
/// the log is stalled: see <see cref="JournalMessageStore.AppendMessage"/>).</para>
/// <para>Space comes back by deletion: a segment in the round (or the tail) that no queue holds
/// any more, whose own records refer to no segment still present, is moot as a whole, so it is
/// deleted without being written; the tail is replaced by a new one first. Publishers are blocked
/// by <see cref="DiskSpace"/> while the log is stalled.</para>
/// </remarks>
public sealed partial class SegmentLog
{
    /// <summary>A tail smaller than this is not worth rolling to reclaim.</summary>
    private const int MinimumRollBytes = 64 * 1024;

    private IDiskSpaceAccount? _disk;
    private bool _stalled;

    /// <summary>Where appends reserve the bytes they will write, and where the log says it cannot write (the node's disk alarm).</summary>
    public IDiskSpaceAccount? DiskSpace
    {
        get => _disk;
        set => _disk = value;
    }

    /// <summary>True while a round could not be written or synced and is being retried.</summary>
    public bool IsStalled => Volatile.Read(ref _stalled);

    private bool ShouldRollReleasedTailLocked(Segment tail) =>
        tail.References == 0 && tail.AppendOffset >= MinimumRollBytes && _disk is { IsLow: true } && !tail.HasDependencyIn(_segments);

    /// <summary>A write or sync of this round failed with an I/O error: cut what it wrote and keep it to retry.</summary>
    private void Stall(IOException e)
    {
        _roundFailed = true;
        foreach (var chunk in _round)
        {
            try
            {
                chunk.Segment.File.Truncate(chunk.Offset);
            }
            catch (IOException)
            {
                // Recovery checks every record's CRC and stops at a torn one; the retry rewrites it.
            }
        }

        if (!_stalled)
        {
            Volatile.Write(ref _stalled, true);
            JournalLog.Stalled(_logger, Name, e.Message);
            _disk?.SetStalled(true);
        }
    }

    private void Resume()
    {
        Volatile.Write(ref _stalled, false);
        JournalLog.Resumed(_logger, Name);
        _disk?.SetStalled(false);
    }

    /// <summary>
    /// Before a retry: drops from the round every segment nothing holds any more (deleting it
    /// frees its space without writing it), the tail included (a new tail takes its place).
    /// Returns the segments to delete once the lock is released, and the bytes no longer to write.
    /// </summary>
    private List<Segment>? AbandonMootSegmentsLocked(ref long unreserved)
    {
        List<Segment>? moot = null;
        var durable = Interlocked.Read(ref _durableSequence);
        for (var i = _round.Count - 1; i >= 0; i--)
        {
            var segment = _round[i].Segment;
            if (segment.References > 0 || segment.DeletableAfter > durable || segment.HasDependencyIn(_segments))
            {
                continue;
            }

            if (segment == _tail)
            {
                _tail = CreateSegmentLocked(segment.Id + 1);
            }

            unreserved += _round[i].Buffer.WrittenCount + segment.Pending.WrittenCount;
            _segments.Remove(segment.Id);
            segment.InFlight = null;
            _round.RemoveAt(i);
            (moot ??= []).Add(segment);
        }

        return moot;
    }

    private void DeleteAbandoned(List<Segment>? moot, long unreserved)
    {
        if (unreserved > 0)
        {
            _disk?.Written(unreserved);
        }

        DeleteFiles(moot);
    }
}
