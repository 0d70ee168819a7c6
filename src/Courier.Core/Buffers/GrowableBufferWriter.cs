using System.Buffers;

namespace Courier.Core.Buffers;

/// <summary>
/// A growable byte buffer for a connection's outbound frames. Unlike <see cref="ArrayBufferWriter{T}"/>
/// its arrays are not zeroed (every byte read was written first), and a grown array is given up
/// only when bursts stop (<see cref="Flushed"/>, or the owner's <see cref="Release"/>): a connection
/// under a steady stream of bursts keeps its grown array instead of regrowing it after every flush
/// (regrowing from 1 KiB at every flush cost an AMQP fanout run a third of its CPU in the runtime's
/// allocator and GC). Not thread-safe; the owner locks.
/// </summary>
public sealed class GrowableBufferWriter : IBufferWriter<byte>
{
    /// <summary>Arrays up to this size are kept whatever the traffic.</summary>
    public const int RetainedCapacity = 256 * 1024;

    /// <summary>Flushes in a row that used less than half of a larger array before it is dropped.</summary>
    public const int QuietFlushesBeforeShrink = 4;

    // The smallest array allocated on a first write to an empty buffer.
    private const int MinimumGrowth = 256;

    private readonly int _initialCapacity;
    private byte[] _buffer;
    private int _written;
    private int _quietFlushes;

    /// <param name="initialCapacity">
    /// The array to start with, and the size a grown array shrinks back to; 0 allocates nothing
    /// until the first write (an idle connection then costs no array at all).
    /// </param>
    public GrowableBufferWriter(int initialCapacity)
    {
        _initialCapacity = initialCapacity;
        _buffer = initialCapacity == 0 ? [] : GC.AllocateUninitializedArray<byte>(initialCapacity);
    }

    public int WrittenCount => _written;

    public int Capacity => _buffer.Length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_written));
        _written += bytes.Length;
    }

    /// <summary>Forgets what was written, keeping the array.</summary>
    public void ResetWrittenCount() => _written = 0;

    /// <summary>Forgets what was written after the first <paramref name="count"/> bytes (a frame whose writer failed halfway).</summary>
    public void Truncate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _written);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _written = count;
    }

    /// <summary>
    /// The owner has copied <see cref="WrittenSpan"/> out: forgets it, and drops an array grown
    /// past <see cref="RetainedCapacity"/> once <see cref="QuietFlushesBeforeShrink"/> flushes in a
    /// row used less than half of it (back to the initial capacity).
    /// </summary>
    public void Flushed()
    {
        if (_buffer.Length > RetainedCapacity)
        {
            if (_written > _buffer.Length / 2)
            {
                _quietFlushes = 0;
            }
            else if (++_quietFlushes >= QuietFlushesBeforeShrink)
            {
                _quietFlushes = 0;
                _written = 0;
                Release(_initialCapacity);
            }
        }

        _written = 0;
    }

    /// <summary>Swaps the array for one of <paramref name="capacity"/> (at least what is written, which it keeps).</summary>
    public void Release(int capacity)
    {
        var size = Math.Max(capacity, _written);
        var smaller = size == 0 ? [] : GC.AllocateUninitializedArray<byte>(size);
        _buffer.AsSpan(0, _written).CopyTo(smaller);
        _buffer = smaller;
    }

    private void Ensure(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        var size = (int)Math.Min(Array.MaxLength, Math.Max(Math.Max((long)_buffer.Length * 2, MinimumGrowth), (long)_written + needed));
        if (size - _written < needed)
        {
            throw new OutOfMemoryException("outbound buffer past its maximum size");
        }

        var grown = GC.AllocateUninitializedArray<byte>(size);
        _buffer.AsSpan(0, _written).CopyTo(grown);
        _buffer = grown;
    }
}
