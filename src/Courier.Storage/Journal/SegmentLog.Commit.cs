using System.Buffers;
using Courier.Core.Storage;

namespace Courier.Storage.Journal;

/// <summary>
/// The log's part in a <see cref="GroupCommitter"/> round, called only from the commit loop and in
/// this order: collect, write, sync, replicate, complete. A step that fails fails the log, and the
/// later steps of the round skip it.
/// </summary>
public sealed partial class SegmentLog
{
    private readonly List<RoundChunk> _round = [];
    private long _roundTarget;
    private bool _roundFailed;

    /// <summary>Bytes pending in the tail (the committer's batch policy gathers until enough are).</summary>
    internal int PendingBytes
    {
        get
        {
            lock (_gate)
            {
                return _tail?.Pending.WrittenCount ?? 0;
            }
        }
    }

    /// <summary>
    /// Takes everything appended so far as this round's batch: the pending buffers become in flight.
    /// A stalled log keeps its failed round and adds to it (after dropping what became moot).
    /// </summary>
    internal void CollectRound()
    {
        _roundFailed = IsFailed;
        if (_roundFailed)
        {
            return;
        }

        List<Segment>? moot = null;
        long unreserved = 0;
        lock (_gate)
        {
            if (_round.Count > 0)
            {
                moot = AbandonMootSegmentsLocked(ref unreserved);
            }

            _roundTarget = _appendSequence;
            _deferredBytes = 0;
            Volatile.Write(ref _commitRequestedSequence, _roundTarget);
            foreach (var segment in _segments.Values)
            {
                if (segment.Pending.WrittenCount > 0 && segment.InFlight is not null)
                {
                    MergePendingIntoRoundLocked(segment);
                }
                else if (segment.Pending.WrittenCount > 0)
                {
                    var offset = segment.FlushedOffset;
                    var chunk = new RoundChunk(segment, segment.SwapPending(), offset, segment.PendingRecordsStart, segment.PendingFirst, segment.PendingLast);
                    _round.Add(chunk);
                    segment.InFlight = chunk.Buffer;
                    segment.InFlightOffset = offset;
                    segment.FlushedOffset += chunk.Buffer.WrittenCount;
                    segment.PendingFirst = segment.PendingLast = 0;
                    segment.PendingRecordsStart = 0;
                }
            }
        }

        DeleteAbandoned(moot, unreserved);
    }

    /// <summary>A stalled round already holds this segment's earlier bytes: what was appended since goes after them.</summary>
    private void MergePendingIntoRoundLocked(Segment segment)
    {
        var index = _round.FindIndex(c => c.Segment == segment);
        var chunk = _round[index];
        chunk.Buffer.Write(segment.Pending.WrittenSpan);
        segment.FlushedOffset += segment.Pending.WrittenCount;
        _round[index] = chunk with
        {
            First = chunk.First == 0 ? segment.PendingFirst : chunk.First,
            Last = segment.PendingLast == 0 ? chunk.Last : segment.PendingLast,
        };
        segment.Pending.ResetWrittenCount();
        segment.PendingFirst = segment.PendingLast = 0;
        segment.PendingRecordsStart = 0;
    }

    /// <summary>Writes the round's chunks; returns the bytes written.</summary>
    internal long WriteRound()
    {
        if (_roundFailed)
        {
            return 0;
        }

        long written = 0;
        try
        {
            foreach (var chunk in _round)
            {
                chunk.Segment.File.Write(chunk.Offset, chunk.Buffer.WrittenSpan);
                written += chunk.Buffer.WrittenCount;
            }
        }
        catch (IOException e)
        {
            Stall(e);
        }
        catch (Exception e)
        {
            Fail(e);
        }

        return written;
    }

    /// <summary>Syncs the round's segments; returns the fsyncs done.</summary>
    internal int SyncRound()
    {
        if (_roundFailed)
        {
            return 0;
        }

        var synced = 0;
        try
        {
            foreach (var chunk in _round)
            {
                chunk.Segment.File.Flush();
                synced++;
            }
        }
        catch (IOException e)
        {
            Stall(e);
        }
        catch (Exception e)
        {
            Fail(e);
        }

        return synced;
    }

    /// <summary>
    /// Hands each chunk of records to the stage, in sequence order, one at a time. Synchronous
    /// while the stage completes at once (a single node), so the round allocates nothing; from the
    /// first chunk the stage holds, the rest goes on asynchronously.
    /// </summary>
    internal ValueTask ReplicateRoundAsync(IReplicationStage stage)
    {
        if (_roundFailed)
        {
            return default;
        }

        for (var i = 0; i < _round.Count; i++)
        {
            if (_round[i].First == 0)
            {
                continue; // only a segment header: no records to replicate
            }

            ValueTask replicated;
            try
            {
                replicated = stage.ReplicateAsync(BatchOf(_round[i]), CancellationToken.None);
            }
            catch (Exception e)
            {
                Fail(e);
                return default;
            }

            if (!replicated.IsCompletedSuccessfully)
            {
                return AwaitReplicationAsync(replicated, stage, i + 1);
            }
        }

        return default;
    }

    private async ValueTask AwaitReplicationAsync(ValueTask pending, IReplicationStage stage, int next)
    {
        try
        {
            await pending.ConfigureAwait(false);
            for (var i = next; i < _round.Count; i++)
            {
                if (_round[i].First != 0)
                {
                    await stage.ReplicateAsync(BatchOf(_round[i]), CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private ReplicationBatch BatchOf(RoundChunk chunk) =>
        new(Name, chunk.Buffer.WrittenMemory[chunk.RecordsStart..], chunk.First, chunk.Last, _options.Epoch);

    /// <summary>The round is safe: give the buffers back, tell the waiters, delete what is dead.</summary>
    internal void CompleteRound()
    {
        if (_roundFailed && _stalled && !IsFailed)
        {
            // Kept for the retry; what a purge or acks freed elsewhere can go meanwhile.
            ReleaseDeadSegments();
            return;
        }

        long written = 0;
        lock (_gate)
        {
            foreach (var chunk in _round)
            {
                written += chunk.Buffer.WrittenCount;
                chunk.Segment.InFlight = null;
                chunk.Buffer.ResetWrittenCount();
                chunk.Segment.TrimBuffers(isTail: chunk.Segment == _tail);
            }
        }

        _round.Clear();
        if (_roundFailed)
        {
            return;
        }

        _disk?.Written(written);
        if (_stalled)
        {
            Resume();
        }

        Interlocked.Exchange(ref _durableSequence, _roundTarget);
        CompleteWaiters(_roundTarget);
        ReleaseDeadSegments();
    }

    /// <summary>The committer itself failed: this log stops as if its own I/O had.</summary>
    internal void FailFromCommitter(Exception e) => Fail(e);

    private void Fail(Exception e)
    {
        _roundFailed = true;
        JournalLog.Failed(_logger, Name, e);
        List<(long Sequence, IDurabilityWaiter Waiter)> waiters;
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
                if (_waiters[i].Sequence <= durable)
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

    /// <summary>One segment's part of a round: its pending bytes, where they go, and the records' sequence numbers.</summary>
    private readonly record struct RoundChunk(Segment Segment, ArrayBufferWriter<byte> Buffer, long Offset, int RecordsStart, long First, long Last);
}
