namespace Courier.Storage.Devices;

/// <summary>
/// Segments in memory, for tests, with a model of what a disk keeps across power loss: bytes are
/// durable only once flushed. <see cref="Crash"/> drops everything unflushed (optionally keeping a
/// torn prefix of it); faults can be armed to fail the next flush, or to write only part of the
/// next write and then fail; a <see cref="Capacity"/> makes it a small disk that fills up (writes
/// past it store what fits and fail with ENOSPC), and <see cref="FailFlushes"/> a failing one
/// (every sync fails with EIO until it is cleared).
/// </summary>
public sealed class MemoryJournalDevice : IJournalDevice
{
    private readonly Lock _gate = new();
    private SortedDictionary<int, Segment> _segments = [];
    private byte[]? _identity;
    private MemoryJournalDevice? _upgrade;

    /// <summary>When set, the next flush throws and makes nothing durable.</summary>
    public bool FailNextFlush { get; set; }

    /// <summary>When set, the next write stores only this many bytes and then throws.</summary>
    public int? ShortNextWrite { get; set; }

    public int FlushCount { get; private set; }

    /// <summary>Bytes the device holds at most across all segments (null: no limit).</summary>
    public long? Capacity { get; set; }

    /// <summary>While set, every flush fails with EIO and makes nothing durable.</summary>
    public bool FailFlushes { get; set; }

    /// <summary>Flushes attempted, failed ones included (tests watch retries with it).</summary>
    public int FlushAttempts { get; private set; }

    /// <summary>Bytes held across all segments.</summary>
    public long UsedBytes
    {
        get
        {
            lock (_gate)
            {
                return UsedBytesLocked();
            }
        }
    }

    /// <summary>Free bytes (<see cref="Capacity"/> less what is held; long.MaxValue without a capacity).</summary>
    public long FreeBytes
    {
        get
        {
            lock (_gate)
            {
                return Capacity is { } capacity ? capacity - UsedBytesLocked() : long.MaxValue;
            }
        }
    }

    private long UsedBytesLocked()
    {
        long used = 0;
        foreach (var segment in _segments.Values)
        {
            used += segment.LengthLocked;
        }

        return used;
    }

    public IReadOnlyList<int> ListSegments()
    {
        lock (_gate)
        {
            return [.. _segments.Keys];
        }
    }

    public ISegmentFile Open(int segment)
    {
        lock (_gate)
        {
            if (!_segments.TryGetValue(segment, out var s))
            {
                s = new Segment(this);
                _segments.Add(segment, s);
            }

            return s;
        }
    }

    public void Delete(int segment)
    {
        lock (_gate)
        {
            _segments.Remove(segment);
        }
    }

    public byte[]? ReadIdentity()
    {
        lock (_gate)
        {
            return _identity?.ToArray();
        }
    }

    public void WriteIdentity(ReadOnlySpan<byte> identity)
    {
        lock (_gate)
        {
            _identity = identity.ToArray();
        }
    }

    public IJournalDevice BeginUpgrade()
    {
        lock (_gate)
        {
            return _upgrade = new MemoryJournalDevice();
        }
    }

    public void CompleteUpgrade()
    {
        lock (_gate)
        {
            var upgrade = _upgrade ?? throw new InvalidOperationException("no upgrade was begun");
            foreach (var segment in upgrade._segments.Values)
            {
                segment.MoveTo(this);
            }

            _segments = upgrade._segments;
            _identity = upgrade._identity;
            _upgrade = null;
        }
    }

    /// <summary>
    /// Simulates power loss: each segment keeps its flushed bytes, plus the first
    /// <paramref name="tornBytes"/> of what was written after the last flush (a torn write).
    /// </summary>
    public void Crash(int tornBytes = 0)
    {
        lock (_gate)
        {
            foreach (var segment in _segments.Values)
            {
                segment.Crash(tornBytes);
            }
        }
    }

    /// <summary>Overwrites bytes of a segment as they stand (durable and volatile), to model corruption.</summary>
    public void Corrupt(int segment, long offset, ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            _segments[segment].Corrupt(offset, bytes);
        }
    }

    private const int NoSpaceLeft = 28; // ENOSPC
    private const int InputOutputError = 5; // EIO

    private sealed class Segment : ISegmentFile
    {
        private MemoryJournalDevice _device;
        private byte[] _volatile = [];
        private long _volatileLength;
        private byte[] _durable = [];
        private long _durableLength;

        public Segment(MemoryJournalDevice device)
        {
            _device = device;
        }

        public void MoveTo(MemoryJournalDevice device) => _device = device;

        public long LengthLocked => _volatileLength;

        public long Length
        {
            get
            {
                lock (_device._gate)
                {
                    return _volatileLength;
                }
            }
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            lock (_device._gate)
            {
                if (_device.ShortNextWrite is { } partial)
                {
                    _device.ShortNextWrite = null;
                    WriteLocked(offset, data[..Math.Min(partial, data.Length)]);
                    throw new IOException("injected short write");
                }

                if (_device.Capacity is { } capacity)
                {
                    var growth = Math.Max(0, offset + data.Length - _volatileLength);
                    var room = capacity - _device.UsedBytesLocked();
                    if (growth > room)
                    {
                        var fits = (int)Math.Max(0, Math.Min(data.Length, _volatileLength + room - offset));
                        WriteLocked(offset, data[..fits]);
                        throw new IOException("No space left on device (injected)", NoSpaceLeft);
                    }
                }

                WriteLocked(offset, data);
            }
        }

        private void WriteLocked(long offset, ReadOnlySpan<byte> data)
        {
            var end = offset + data.Length;
            if (end > _volatile.Length)
            {
                Array.Resize(ref _volatile, (int)Math.Max(end, _volatile.Length * 2L));
            }

            data.CopyTo(_volatile.AsSpan((int)offset));
            _volatileLength = Math.Max(_volatileLength, end);
        }

        public void Flush()
        {
            lock (_device._gate)
            {
                _device.FlushAttempts++;
                if (_device.FailFlushes)
                {
                    throw new IOException("Input/output error (injected fsync failure)", InputOutputError);
                }

                if (_device.FailNextFlush)
                {
                    _device.FailNextFlush = false;
                    throw new IOException("injected fsync failure");
                }

                _device.FlushCount++;
                _durable = _volatile.AsSpan(0, (int)_volatileLength).ToArray();
                _durableLength = _volatileLength;
            }
        }

        public int Read(long offset, Span<byte> buffer)
        {
            lock (_device._gate)
            {
                var available = (int)Math.Max(0, Math.Min(buffer.Length, _volatileLength - offset));
                _volatile.AsSpan((int)offset, available).CopyTo(buffer);
                return available;
            }
        }

        public void Truncate(long length)
        {
            lock (_device._gate)
            {
                _volatileLength = Math.Min(_volatileLength, length);
                _durableLength = Math.Min(_durableLength, length);
                _durable = _durable.AsSpan(0, (int)_durableLength).ToArray();
            }
        }

        public void Crash(int tornBytes)
        {
            var keep = (int)Math.Min(_volatileLength, _durableLength + tornBytes);
            var next = new byte[keep];
            _durable.AsSpan(0, (int)Math.Min(_durableLength, keep)).CopyTo(next);
            if (keep > _durableLength)
            {
                _volatile.AsSpan((int)_durableLength, keep - (int)_durableLength).CopyTo(next.AsSpan((int)_durableLength));
            }

            _volatile = next;
            _volatileLength = keep;
            _durable = next.ToArray();
            _durableLength = keep;
        }

        public void Corrupt(long offset, ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_volatile.AsSpan((int)offset));
            if (offset + bytes.Length <= _durableLength)
            {
                bytes.CopyTo(_durable.AsSpan((int)offset));
            }
        }

        public void Dispose()
        {
        }
    }
}
