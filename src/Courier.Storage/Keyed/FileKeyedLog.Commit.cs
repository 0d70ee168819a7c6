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
        while (true)
        {
            var stopping = false;
            try
            {
                await _signal.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                stopping = true;
            }

            Commit();
            if (stopping)
            {
                return;
            }

            if (NeedsCompaction())
            {
                Compact();
            }
        }
    }

    /// <summary>Writes what is pending, syncs once, and tells the waiters of every change it covered.</summary>
    private void Commit()
    {
        long upTo;
        lock (_gate)
        {
            if (_failure is not null || (_pending.WrittenCount == 0 && _appendSequence == Interlocked.Read(ref _durableSequence)))
            {
                return;
            }

            try
            {
                WritePendingLocked();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                FailLocked(e);
                return;
            }

            upTo = _appendSequence;
        }

        try
        {
            if (_options.SyncToDisk)
            {
                _file.Flush(flushToDisk: true);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            lock (_gate)
            {
                FailLocked(e);
            }

            return;
        }

        MarkDurable(upTo);
    }

    private void WritePendingLocked()
    {
        if (_pending.WrittenCount == 0)
        {
            return;
        }

        RandomAccess.Write(_file.SafeFileHandle, _pending.WrittenSpan, _written);
        _written += _pending.WrittenCount;
        if (_pending.Capacity > RetainedPendingCapacity)
        {
            _pending = new ArrayBufferWriter<byte>(64 * 1024);
        }
        else
        {
            _pending.ResetWrittenCount();
        }
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

    private bool NeedsCompaction()
    {
        lock (_gate)
        {
            var length = _written + _pending.WrittenCount;
            return _failure is null && !_closed && length > _options.CompactionMinBytes && length > 2 * (_liveBytes + FileHeaderSize);
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
            if (_failure is not null || _closed)
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
                // The log itself is intact (only appended to): it goes on, uncompacted.
                KeyedLogLog.CompactionFailed(_logger, _path, e);
                TryDelete(temporary);
                return;
            }

            try
            {
                DirectorySync.Sync(Path.GetDirectoryName(_path)!);
                _file.Dispose();
                _file = OpenFile(_path);
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
                ReadExactly(_file, record, slot.Offset);
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
