using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Courier.Storage.Devices;

namespace Courier.Storage.Keyed;

/// <summary>The commit loop: group commit of pending changes, telling waiters, and compaction.</summary>
public sealed partial class FileKeyedLog
{
    // A pending buffer grown past this by a burst is dropped after its commit rather than kept.
    private const int RetainedPendingCapacity = 4 * 1024 * 1024;

    private void StartLoop() => _loop = Task.Run(CommitLoopAsync);

    private async Task CommitLoopAsync()
    {
        var retryDelay = TimeSpan.Zero;
        while (true)
        {
            var stopping = false;
            try
            {
                if (retryDelay > TimeSpan.Zero)
                {
                    // Stalled: retry after the delay, not at every change (each would only fail again).
                    await Task.Delay(retryDelay, _options.Time, _stop.Token).ConfigureAwait(false);
                }
                else
                {
                    await _signal.WaitAsync(_stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                stopping = true;
            }

            var committed = Commit();
            if (stopping)
            {
                if (!committed)
                {
                    FailUnwritten();
                }

                return;
            }

            retryDelay = committed ? TimeSpan.Zero : NextRetryDelay(retryDelay);
            if (committed && NeedsCompaction())
            {
                Compact();
            }
        }
    }

    private TimeSpan NextRetryDelay(TimeSpan last) =>
        last == TimeSpan.Zero ? _options.StallRetryMin
        : last * 2 > _options.StallRetryMax ? _options.StallRetryMax
        : last * 2;

    /// <summary>
    /// Writes what is pending, syncs once, and tells the waiters of every change it covered.
    /// Returns false when the write or sync failed with an I/O error: the log is stalled (see the
    /// remarks on the type) and the same bytes are written again on the next attempt.
    /// </summary>
    private bool Commit()
    {
        long upTo;
        int round;
        long compactions;
        long pendingWrites;
        lock (_gate)
        {
            if (_failure is not null || (_pending.WrittenCount == 0 && _appendSequence == Interlocked.Read(ref _durableSequence)))
            {
                return true;
            }

            round = _pending.WrittenCount;
            upTo = _appendSequence;
            compactions = _compactions;
            pendingWrites = _pendingWrites;
            try
            {
                // The round stays in the pending buffer until it is synced: reads of its keys find
                // it there, and a failed sync leaves it to be written again.
                _file.Write(_written, _pending.WrittenSpan);
            }
            catch (IOException e)
            {
                StallLocked(e);
                return false;
            }
            catch (UnauthorizedAccessException e)
            {
                FailLocked(e);
                return true;
            }
        }

        Exception? syncFailure = null;
        try
        {
            if (_options.SyncToDisk)
            {
                _file.Flush();
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            syncFailure = e;
        }

        var compacted = false;
        lock (_gate)
        {
            if (_compactions != compactions)
            {
                // Compacted meanwhile (Compact is public, and runs under the lock): the round went
                // into the new file, which was synced, whatever became of this sync.
                compacted = true;
            }
            else if (syncFailure is IOException io)
            {
                StallLocked(io);
                return false;
            }
            else if (syncFailure is not null)
            {
                FailLocked(syncFailure);
                return true;
            }
            else if (_pendingWrites != pendingWrites)
            {
                // A compaction wrote the pending buffer (the round with it) before failing: the
                // round is in this file, written before this sync; nothing is left to drop.
                compacted = true;
            }
            else
            {
                DropWrittenLocked(round);
            }

            ResumeLocked();
        }

        if (!compacted)
        {
            _disk?.Written(round);
        }

        MarkDurable(upTo);
        return true;
    }

    /// <summary>Writes the whole pending buffer at the end of the file, unsynced (compaction syncs what it copies).</summary>
    private void WritePendingLocked()
    {
        if (_pending.WrittenCount == 0)
        {
            return;
        }

        var round = _pending.WrittenCount;
        _file.Write(_written, _pending.WrittenSpan);
        _pendingWrites++;
        DropWrittenLocked(round);
        _disk?.Written(round);
    }

    /// <summary>The first <paramref name="bytes"/> of the pending buffer are in the file now: what came after them moves to its front.</summary>
    private void DropWrittenLocked(int bytes)
    {
        var rest = _pending.WrittenCount - bytes;
        _written += bytes;
        if (rest == 0 && _pending.Capacity > RetainedPendingCapacity)
        {
            _pending = new ArrayBufferWriter<byte>(64 * 1024);
            return;
        }

        if (rest > 0)
        {
            // Changes made while the round was synced: moved (memmove) to the front, not reallocated.
            MemoryMarshal.TryGetArray(_pending.WrittenMemory, out var written);
            written.AsSpan(bytes, rest).CopyTo(written.AsSpan());
        }

        _pending.ResetWrittenCount();
        _pending.Advance(rest);
    }

    private void MarkDurable(long upTo)
    {
        List<(long Sequence, Core.Storage.IDurabilityWaiter Waiter)>? told = null;
        lock (_waitersGate)
        {
            Interlocked.Exchange(ref _durableSequence, upTo);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Sequence <= upTo)
                {
                    (told ??= []).Add(_waiters[i]);
                    _waiters.RemoveAt(i);
                }
            }
        }

        if (told is null)
        {
            return;
        }

        // Collected from the end: told in the order they asked (a delivery released after its
        // packet id is durable keeps its place behind the ones before it).
        for (var i = told.Count - 1; i >= 0; i--)
        {
            told[i].Waiter.OnDurable(upTo);
        }
    }

    private void FailLocked(Exception e)
    {
        _failure = e;
        KeyedLogLog.Failed(_logger, _path, e);
        FailWaiters();
    }

    private void FailWaiters()
    {
        (long, Core.Storage.IDurabilityWaiter)[] failed;
        lock (_waitersGate)
        {
            failed = [.. _waiters];
            _waiters.Clear();
        }

        foreach (var (_, waiter) in failed)
        {
            waiter.OnStoreFailed();
        }
    }

    /// <summary>
    /// A write or sync failed with an I/O error (ENOSPC, EIO): cut what it may have left in the
    /// file, keep the round pending, and say so to the node's disk alarm once.
    /// </summary>
    private void StallLocked(IOException e)
    {
        TryCut();
        if (!_stalled)
        {
            Volatile.Write(ref _stalled, true);
            KeyedLogLog.Stalled(_logger, _path, e.Message);
            _disk?.SetStalled(true);
        }
    }

    private void ResumeLocked()
    {
        if (_stalled)
        {
            Volatile.Write(ref _stalled, false);
            KeyedLogLog.Resumed(_logger, _path);
            _disk?.SetStalled(false);
        }
    }

    /// <summary>Closed while stalled: what was never written is never confirmed, and the alarm is no longer this log's.</summary>
    private void FailUnwritten()
    {
        lock (_gate)
        {
            if (_stalled)
            {
                Volatile.Write(ref _stalled, false);
                _disk?.SetStalled(false);
            }
        }

        FailWaiters();
    }

    private bool NeedsCompaction()
    {
        lock (_gate)
        {
            var length = _written + _pending.WrittenCount;
            return _failure is null && !_closed && !_stalled && length > _options.CompactionMinBytes && length > 2 * (_liveBytes + FileHeaderSize);
        }
    }

    /// <summary>
    /// Rewrites the log with only its live records (see the remarks on the type). Public so that
    /// tests and tools can compact at will; the loop calls it when the file has grown.
    /// </summary>
    public void Compact()
    {
        long upTo;
        lock (_gate)
        {
            if (_failure is not null || _closed || _stalled)
            {
                return;
            }

            var stopwatch = Stopwatch.StartNew();
            var before = _written + _pending.WrittenCount;
            var temporary = _path + ".compact";
            long[] offsets;
            long position;
            try
            {
                WritePendingLocked();
                (offsets, position) = CopyLiveRecords(temporary);
                File.Move(temporary, _path, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The log itself is intact (only appended to): it goes on, uncompacted. A pending
                // buffer that failed to go out stays pending, and nothing it left past the end
                // of what was written is kept.
                KeyedLogLog.CompactionFailed(_logger, _path, e);
                TryDelete(temporary);
                TryCut();
                return;
            }

            try
            {
                DirectorySync.Sync(Path.GetDirectoryName(_path)!);
                _file.Dispose();
                _file = OpenFile(_path, _options);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                FailLocked(e);
                return;
            }

            var i = 0;
            foreach (var key in _index.Keys)
            {
                // A reference into the dictionary's entry: setting it is not a change the enumerator sees.
                ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_index, key);
                slot = slot with { Offset = offsets[i++] };
            }

            _written = position;
            _compactions++;
            upTo = _appendSequence;
            KeyedLogLog.Compacted(_logger, _path, stopwatch.ElapsedMilliseconds, before, position);
        }

        // The new file was synced, renamed and its directory synced: everything in it is durable.
        MarkDurable(upTo);
    }

    /// <summary>Copies each live record, in index order, to <paramref name="temporary"/>; returns their new offsets and the file's length.</summary>
    private (long[] Offsets, long Length) CopyLiveRecords(string temporary)
    {
        var offsets = new long[_index.Count];
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            using var target = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1024 * 1024);
            Span<byte> header = stackalloc byte[FileHeaderSize];
            WriteFileHeader(header);
            target.Write(header);
            long position = FileHeaderSize;
            var i = 0;
            foreach (var slot in _index.Values)
            {
                if (slot.Length > buffer.Length)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(slot.Length);
                }

                var record = buffer.AsSpan(0, slot.Length);
                ReadExactly(record, slot.Offset);
                target.Write(record);
                offsets[i++] = position;
                position += slot.Length;
            }

            target.Flush(flushToDisk: _options.SyncToDisk);
            return (offsets, position);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Cuts the file back to what was written whole (loading would stop at a torn record anyway; the retry writes over it).</summary>
    private void TryCut()
    {
        try
        {
            if (_file.Length > _written)
            {
                _file.Truncate(_written);
            }
        }
        catch (IOException)
        {
            // Loading stops at a torn record, and the next commit writes over it.
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A leftover is overwritten by the next compaction.
        }
    }
}
