using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Courier.Core.Concurrency;
using Courier.Core.Storage;
using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Microsoft.Extensions.Logging;

namespace Courier.Storage.Keyed;

/// <summary>
/// A keyed last-write-wins log in one file (format in docs/storage-format.md, "Keyed logs"): a
/// header, then records of length, CRC-32C, type (put or remove), key and value. The index of
/// live keys is in memory, each key mapped to where its last put record lives; values stay on
/// disk and are read back when asked for.
/// </summary>
/// <remarks>
/// <para>Changes are appended to a pending buffer under a short lock and never wait for the disk.
/// A commit loop of the log's own (group commit, as the journal's committer) writes everything
/// pending, fsyncs once, and then tells the waiters of every change it covered; whatever arrives
/// while it syncs forms the next batch, so batches grow with the load.</para>
/// <para>Compaction runs on the same loop, after a commit, once the file is past
/// <see cref="KeyedLogOptions.CompactionMinBytes"/> and more than twice its live bytes: it copies
/// the live records to a new file, syncs it, renames it over the log and syncs the directory, so a
/// crash leaves the old file or the new one. It holds the lock throughout (changes and reads wait
/// for it); the threshold makes that one copy of the live data per as many bytes written.</para>
/// <para>Loading stops at the first record that is short or fails its CRC, as the journal's
/// recovery does, and truncates the file there: a torn tail holds only changes never reported
/// durable.</para>
/// <para>A full or failing disk (a write or sync that fails with an I/O error: ENOSPC, EIO) stalls
/// the log instead of ending it, as the journal does (SegmentLog.Stall.cs): what the round wrote is
/// cut from the file, the round stays in the pending buffer (reads find its values there), and the
/// loop writes the same bytes again after <see cref="KeyedLogOptions.StallRetryMin"/>, doubling up
/// to <see cref="KeyedLogOptions.StallRetryMax"/>, until it succeeds. Waiters wait: nothing is
/// confirmed before it is written and synced, and nothing accepted is refused later. Changes are
/// still accepted while stalled (the settlements of work already confirmed must not fail); callers
/// that would save something new for a client refuse it instead while <see cref="IsStalled"/>
/// (an MQTT retained publish, a QoS 2 packet id). The log tells the node's disk alarm through
/// <see cref="IDiskSpaceAccount"/> while it is stalled, and reserves what it appends there.</para>
/// <para>Failure: any other error (the file closed under it, access refused) stops the log;
/// waiters are told, and changes throw <see cref="StoreFailedException"/>.</para>
/// </remarks>
public sealed partial class FileKeyedLog : IKeyedLog
{
    /// <summary>Magic (4) and format version (4).</summary>
    internal const int FileHeaderSize = 8;

    /// <summary>Length (4) and CRC-32C (4): the length counts, and the CRC covers, what follows.</summary>
    internal const int RecordPrefix = 8;

    /// <summary>Type (1) and key length (2), after the prefix.</summary>
    internal const int RecordHeaderSize = RecordPrefix + 3;

    internal const byte PutRecord = 1;
    internal const byte RemoveRecord = 2;
    internal const int FormatVersion = 1;

    internal static ReadOnlySpan<byte> Magic => "CKLG"u8;

    private readonly string _path;
    private readonly KeyedLogOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Lock _waitersGate = new();
    private readonly Dictionary<string, Slot> _index = new(StringComparer.Ordinal);
    private readonly List<(long Sequence, IDurabilityWaiter Waiter)> _waiters = [];
    private readonly AsyncSignal _signal = new();
    private readonly CancellationTokenSource _stop = new();
    private ArrayBufferWriter<byte> _pending = new(64 * 1024);
    private ISegmentFile _file;
    // Bytes of the file written so far: a slot at or past it is still in the pending buffer.
    private long _written;
    // Bytes of the records the index points at.
    private long _liveBytes;
    private long _appendSequence;
    private long _durableSequence;
    private Exception? _failure;
    private bool _closed;
    private bool _stalled;
    // Compactions done: a commit that synced outside the lock sees whether one replaced the file meanwhile.
    private long _compactions;
    // Writes of the whole pending buffer by a compaction: a commit's round may have gone out with one.
    private long _pendingWrites;
    private IDiskSpaceAccount? _disk;
    private Task? _loop;

    private FileKeyedLog(string path, KeyedLogOptions options, ILogger logger, ISegmentFile file)
    {
        _path = path;
        _options = options;
        _logger = logger;
        _file = file;
    }

    /// <summary>Where a key's last put record lives: its start (a logical offset: past the written bytes it is pending) and length.</summary>
    private readonly record struct Slot(long Offset, int Length);

    /// <summary>Bytes of the file, pending bytes included (tests watch compaction with it).</summary>
    public long Length
    {
        get
        {
            lock (_gate)
            {
                return _written + _pending.WrittenCount;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _index.Count;
            }
        }
    }

    /// <summary>Closed (disposed or deleted): its store opens it afresh when asked again.</summary>
    public bool IsClosed
    {
        get
        {
            lock (_gate)
            {
                return _closed;
            }
        }
    }

    /// <summary>True while the disk refuses the log's writes (full, failing) and the loop retries them.</summary>
    public bool IsStalled => Volatile.Read(ref _stalled);

    /// <summary>Where appends reserve the bytes they will write, and where the log says it cannot write (the node's disk alarm).</summary>
    public IDiskSpaceAccount? DiskSpace
    {
        get => Volatile.Read(ref _disk);
        set => Volatile.Write(ref _disk, value);
    }

    /// <summary>Every change up to this sequence number is durable.</summary>
    public long DurableSequence => Interlocked.Read(ref _durableSequence);

    public List<string> CopyKeys()
    {
        lock (_gate)
        {
            return [.. _index.Keys];
        }
    }

    public long Put(string key, ReadOnlySpan<byte> value)
    {
        var keyLength = Encoding.UTF8.GetByteCount(key);
        CheckKey(keyLength);
        var length = RecordHeaderSize + keyLength + value.Length;
        long sequence;
        lock (_gate)
        {
            ThrowIfStopped();
            var offset = _written + _pending.WrittenCount;
            var record = _pending.GetSpan(length)[..length];
            record[RecordPrefix] = PutRecord;
            BinaryPrimitives.WriteUInt16LittleEndian(record[(RecordPrefix + 1)..], (ushort)keyLength);
            Encoding.UTF8.GetBytes(key, record[RecordHeaderSize..]);
            value.CopyTo(record[(RecordHeaderSize + keyLength)..]);
            Seal(record);
            _pending.Advance(length);
            if (_index.TryGetValue(key, out var previous))
            {
                _liveBytes -= previous.Length;
            }

            _index[key] = new Slot(offset, length);
            _liveBytes += length;
            sequence = ++_appendSequence;
        }

        _disk?.Reserve(length);
        _signal.Set();
        return sequence;
    }

    public long Remove(string key)
    {
        var keyLength = Encoding.UTF8.GetByteCount(key);
        CheckKey(keyLength);
        var length = RecordHeaderSize + keyLength;
        long sequence;
        lock (_gate)
        {
            ThrowIfStopped();
            if (!_index.Remove(key, out var previous))
            {
                // Nothing on disk to cancel: every earlier change to the key is in the log already.
                return _appendSequence;
            }

            _liveBytes -= previous.Length;
            var record = _pending.GetSpan(length)[..length];
            record[RecordPrefix] = RemoveRecord;
            BinaryPrimitives.WriteUInt16LittleEndian(record[(RecordPrefix + 1)..], (ushort)keyLength);
            Encoding.UTF8.GetBytes(key, record[RecordHeaderSize..]);
            Seal(record);
            _pending.Advance(length);
            sequence = ++_appendSequence;
        }

        _disk?.Reserve(length);
        _signal.Set();
        return sequence;
    }

    public byte[]? Read(string key)
    {
        lock (_gate)
        {
            if (!_index.TryGetValue(key, out var slot))
            {
                return null;
            }

            var valueStart = RecordHeaderSize + Encoding.UTF8.GetByteCount(key);
            var value = new byte[slot.Length - valueStart];
            if (slot.Offset >= _written)
            {
                _pending.WrittenSpan.Slice((int)(slot.Offset - _written) + valueStart, value.Length).CopyTo(value);
            }
            else
            {
                ReadExactly(value, slot.Offset + valueStart);
            }

            return value;
        }
    }

    public void WhenDurable(long sequence, IDurabilityWaiter waiter)
    {
        lock (_waitersGate)
        {
            if (sequence > Interlocked.Read(ref _durableSequence) && Volatile.Read(ref _failure) is null)
            {
                _waiters.Add((sequence, waiter));
                return;
            }
        }

        if (Volatile.Read(ref _failure) is not null && sequence > Interlocked.Read(ref _durableSequence))
        {
            waiter.OnStoreFailed();
        }
        else
        {
            waiter.OnDurable(Interlocked.Read(ref _durableSequence));
        }
    }

    public void Delete()
    {
        Dispose();
        File.Delete(_path);
        DirectorySync.Sync(Path.GetDirectoryName(_path)!);
    }

    /// <summary>Commits what is pending, stops the loop and closes the file.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
        }

        _stop.Cancel();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
            // The loop reports its own faults (the log fails); closing goes on.
        }

        lock (_gate)
        {
            _file.Dispose();
        }

        _stop.Dispose();
    }

    private static void CheckKey(int keyLength)
    {
        if (keyLength > ushort.MaxValue)
        {
            throw new ArgumentException($"a key may have at most {ushort.MaxValue} bytes, not {keyLength}", nameof(keyLength));
        }
    }

    private static void Seal(Span<byte> record)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(record.Length - RecordPrefix));
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Crc32C.Compute(record[RecordPrefix..]));
    }

    private void ReadExactly(Span<byte> destination, long offset)
    {
        if (_file.Read(offset, destination) < destination.Length)
        {
            throw new EndOfStreamException($"keyed log {_path} ends before offset {offset + destination.Length}");
        }
    }

    private void ThrowIfStopped()
    {
        if (_failure is { } failure)
        {
            throw new StoreFailedException($"the keyed log {_path} has failed and accepts no changes", failure);
        }

        if (_closed)
        {
            throw new StoreFailedException($"the keyed log {_path} is closed");
        }
    }
}
