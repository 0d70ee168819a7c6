using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Courier.Storage.Delayed;

/// <summary>
/// Scheduled messages ordered by due time, held on disk but for the next moments' worth: time
/// is cut into slices of <see cref="DueTimeIndexOptions.SliceMillis"/>, each an append-only file
/// of <see cref="DelayedEntry"/>s in the order they were scheduled; the slices that start within
/// <see cref="DueTimeIndexOptions.LookaheadMillis"/> of now are loaded into a heap (the head),
/// which gives the entries in due order, ties in schedule order.
/// </summary>
/// <remarks>
/// <para>Invariant: every entry of a slice numbered below <c>_loadedBelow</c> is in the head, and
/// every other entry is in its slice (its file, or its buffer not yet written). So the head's
/// smallest entry is the earliest overall, and an entry due by now is in the head once the
/// slices starting by now are loaded, which every query does first.</para>
/// <para>Memory: the head (the entries due within about two slices), one count and a small write
/// buffer per slice; the buffers together are written out whenever they pass
/// <see cref="DueTimeIndexOptions.BufferedBytes"/>. Entries are never fsynced: the index is
/// derived from the journal and rebuilt from it at every start.</para>
/// <para>Not thread-safe: its owner (<see cref="DelayedMessageStore"/>) serialises calls.</para>
/// </remarks>
public sealed class DueTimeIndex
{
    private const string Extension = ".due";
    private const string DroppedSuffix = ".dropped-";

    private readonly string _directory;
    private readonly DueTimeIndexOptions _options;
    private readonly PriorityQueue<DelayedEntry, (long DueAt, long Identity)> _head = new();
    private readonly Dictionary<long, Slice> _slices = [];
    private readonly SortedSet<long> _sliceNumbers = [];
    private long _loadedBelow = long.MinValue;
    private long _bufferedBytes;
    // After a failed write: buffered bytes at which to try again (0: at the usual threshold).
    private long _writeAgainAt;
    private byte[] _readBuffer = [];

    public DueTimeIndex(string directory, DueTimeIndexOptions options)
    {
        _directory = Path.GetFullPath(directory);
        _options = options;
    }

    /// <summary>Entries held, in the head and in slices.</summary>
    public long Count { get; private set; }

    /// <summary>Entries loaded in memory (the head).</summary>
    public int HeadCount => _head.Count;

    /// <summary>Writes of the slice buffers the disk refused (full, failing); their entries stayed in memory.</summary>
    public int WriteFailures { get; private set; }

    /// <summary>Slices not yet loaded.</summary>
    public int SliceCount => _slices.Count;

    /// <summary>Empties the index and its directory (the files of a previous run are rebuilt from the journal).</summary>
    public void Reset()
    {
        ClearMemory();
        foreach (var dropped in Directory.GetDirectories(Path.GetDirectoryName(_directory)!, Path.GetFileName(_directory) + DroppedSuffix + "*"))
        {
            try
            {
                Directory.Delete(dropped, recursive: true);
            }
            catch (IOException)
            {
                // The background deletion of an earlier Clear got there first, or is part way
                // through: it finishes the job (a leftover is deleted at the next start).
            }
        }

        if (Directory.Exists(_directory))
        {
            foreach (var file in Directory.EnumerateFiles(_directory, "*" + Extension))
            {
                File.Delete(file);
            }
        }

        Directory.CreateDirectory(_directory);
    }

    /// <summary>
    /// Drops every entry (no exchange holds a scheduled message any more). The slice files go with
    /// their directory, renamed aside and deleted in the background: deleting thousands of files
    /// one by one took seconds, and the caller holds the store's lock.
    /// </summary>
    public void Clear()
    {
        ClearMemory();
        if (!Directory.Exists(_directory))
        {
            Directory.CreateDirectory(_directory);
            return;
        }

        var dropped = _directory + DroppedSuffix + Guid.NewGuid().ToString("N");
        Directory.Move(_directory, dropped);
        Directory.CreateDirectory(_directory);
        _ = Task.Run(() =>
        {
            try
            {
                Directory.Delete(dropped, recursive: true);
            }
            catch (IOException)
            {
                // Left for the next start's Reset.
            }
        });
    }

    private void ClearMemory()
    {
        _head.Clear();
        _slices.Clear();
        _sliceNumbers.Clear();
        _loadedBelow = long.MinValue;
        _bufferedBytes = 0;
        _writeAgainAt = 0;
        Count = 0;
    }

    public void Add(in DelayedEntry entry)
    {
        Count++;
        var number = SliceOf(entry.DueAt);
        if (number < _loadedBelow)
        {
            _head.Enqueue(entry, (entry.DueAt, entry.Identity));
            return;
        }

        if (!_slices.TryGetValue(number, out var slice))
        {
            slice = new Slice(number);
            _slices.Add(number, slice);
            _sliceNumbers.Add(number);
        }

        slice.Buffer(entry);
        _bufferedBytes += DelayedEntry.Size;
        if (_bufferedBytes > Math.Max(_options.BufferedBytes, _writeAgainAt))
        {
            WriteBuffers();
        }
    }

    /// <summary>The earliest due time held, or the start of the earliest slice not loaded (at or before its entries); <see cref="long.MaxValue"/> when empty.</summary>
    public long NextDue(long now)
    {
        LoadUpTo(now);
        if (_head.TryPeek(out var entry, out _))
        {
            return entry.DueAt;
        }

        return _sliceNumbers.Count > 0 ? _sliceNumbers.Min * _options.SliceMillis : long.MaxValue;
    }

    /// <summary>Takes the earliest entry if it is due at or before <paramref name="now"/>.</summary>
    public bool TryTakeDue(long now, out DelayedEntry entry)
    {
        LoadUpTo(now);
        if (_head.TryPeek(out entry, out _) && entry.DueAt <= now)
        {
            _head.Dequeue();
            Count--;
            return true;
        }

        entry = default;
        return false;
    }

    /// <summary>
    /// Removes every entry of <paramref name="key"/> (its exchange was deleted), from the head, the
    /// buffers and the slice files, which are read and written again without them; returns how
    /// many went. A cost in proportion to everything scheduled, paid once per deleted exchange.
    /// </summary>
    public long RemoveKey(int key)
    {
        var before = Count;
        if (_head.Count > 0)
        {
            var kept = new List<(DelayedEntry, (long, long))>(_head.Count);
            while (_head.TryDequeue(out var entry, out var priority))
            {
                if (entry.Key != key)
                {
                    kept.Add((entry, priority));
                }
            }

            _head.EnqueueRange(kept);
        }

        var remaining = (long)_head.Count;
        foreach (var slice in _slices.Values.ToList())
        {
            // The file's entries, then the buffer's, compacted in place to those of other keys.
            var fileLength = (int)slice.FileLength;
            var entries = new byte[fileLength + slice.Buffered.Length];
            if (fileLength > 0)
            {
                using var handle = File.OpenHandle(PathOf(slice.Number), FileMode.Open, FileAccess.Read);
                RandomAccess.Read(handle, entries.AsSpan(0, fileLength), 0);
            }

            slice.Buffered.CopyTo(entries.AsSpan(fileLength));
            _bufferedBytes -= slice.Buffered.Length;
            var kept = 0;
            for (var offset = 0; offset < entries.Length; offset += DelayedEntry.Size)
            {
                if (DelayedEntry.Read(entries.AsSpan(offset)).Key != key)
                {
                    entries.AsSpan(offset, DelayedEntry.Size).CopyTo(entries.AsSpan(kept));
                    kept += DelayedEntry.Size;
                }
            }

            if (fileLength > 0)
            {
                File.Delete(PathOf(slice.Number));
            }

            slice.FileLength = 0;
            slice.ClearBuffer();
            if (kept == 0)
            {
                _slices.Remove(slice.Number);
                _sliceNumbers.Remove(slice.Number);
                continue;
            }

            // What is kept goes back as the slice's buffer, written out with the others' as usual.
            for (var offset = 0; offset < kept; offset += DelayedEntry.Size)
            {
                slice.Buffer(DelayedEntry.Read(entries.AsSpan(offset)));
            }

            _bufferedBytes += kept;
            remaining += kept / DelayedEntry.Size;
        }

        Count = remaining;
        if (_bufferedBytes > Math.Max(_options.BufferedBytes, _writeAgainAt))
        {
            WriteBuffers();
        }

        return before - remaining;
    }

    private long SliceOf(long dueAt) => dueAt / _options.SliceMillis;

    /// <summary>Loads every slice that starts within the lookahead of <paramref name="now"/> into the head.</summary>
    private void LoadUpTo(long now)
    {
        var horizon = SliceOf(now + _options.LookaheadMillis);
        while (_sliceNumbers.Count > 0 && _sliceNumbers.Min <= horizon)
        {
            Load(_sliceNumbers.Min);
        }

        // No slice up to the horizon is left on disk: later entries due by then go straight to the head.
        _loadedBelow = Math.Max(_loadedBelow, horizon + 1);
    }

    private void Load(long number)
    {
        var slice = _slices[number];
        _slices.Remove(number);
        _sliceNumbers.Remove(number);
        _loadedBelow = Math.Max(_loadedBelow, number + 1);
        if (slice.FileLength > 0)
        {
            var path = PathOf(number);
            if (_readBuffer.Length < slice.FileLength)
            {
                _readBuffer = new byte[slice.FileLength];
            }

            var read = 0;
            using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read))
            {
                while (read < slice.FileLength)
                {
                    var n = RandomAccess.Read(handle, _readBuffer.AsSpan(read, (int)slice.FileLength - read), read);
                    if (n == 0)
                    {
                        throw new InvalidDataException($"due-time slice {path} is shorter than written ({read} of {slice.FileLength} bytes)");
                    }

                    read += n;
                }
            }

            Enqueue(_readBuffer.AsSpan(0, read));
            File.Delete(path);
        }

        Enqueue(slice.Buffered);
        _bufferedBytes -= slice.Buffered.Length;
    }

    private void Enqueue(ReadOnlySpan<byte> entries)
    {
        for (var offset = 0; offset + DelayedEntry.Size <= entries.Length; offset += DelayedEntry.Size)
        {
            var entry = DelayedEntry.Read(entries[offset..]);
            _head.Enqueue(entry, (entry.DueAt, entry.Identity));
        }
    }

    /// <summary>
    /// Appends every slice's buffer to its file. On a full or failing disk the buffers not written
    /// stay in memory (the index is derived from the journal: nothing is lost, and the scheduling
    /// that caused the write is not failed), and the next attempt comes once as many bytes again
    /// are buffered, so a full disk costs one failed write per <see cref="DueTimeIndexOptions.BufferedBytes"/>.
    /// </summary>
    private void WriteBuffers()
    {
        try
        {
            foreach (var slice in _slices.Values)
            {
                if (slice.Buffered.Length == 0)
                {
                    continue;
                }

                using (SafeFileHandle handle = File.OpenHandle(PathOf(slice.Number), FileMode.OpenOrCreate, FileAccess.Write))
                {
                    // A failed write may leave part of the buffer past FileLength: loading reads
                    // FileLength bytes only, and the next write goes over it.
                    RandomAccess.Write(handle, slice.Buffered, slice.FileLength);
                }

                _bufferedBytes -= slice.Buffered.Length;
                slice.FileLength += slice.Buffered.Length;
                slice.ClearBuffer();
            }

            _writeAgainAt = 0;
        }
        catch (IOException)
        {
            WriteFailures++;
            _writeAgainAt = _bufferedBytes + _options.BufferedBytes;
        }
    }

    private string PathOf(long number) => Path.Combine(_directory, number.ToString("D19", CultureInfo.InvariantCulture) + Extension);

    /// <summary>One slice not yet loaded: its file's length and the entries not yet written to it.</summary>
    private sealed class Slice(long number)
    {
        private byte[] _buffer = [];
        private int _buffered;

        public long Number { get; } = number;

        public long FileLength { get; set; }

        public ReadOnlySpan<byte> Buffered => _buffer.AsSpan(0, _buffered);

        public void Buffer(in DelayedEntry entry)
        {
            if (_buffered + DelayedEntry.Size > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(4 * DelayedEntry.Size, _buffer.Length * 2));
            }

            entry.Write(_buffer.AsSpan(_buffered));
            _buffered += DelayedEntry.Size;
        }

        public void ClearBuffer()
        {
            _buffer = [];
            _buffered = 0;
        }
    }
}
