using System.Buffers;

namespace Courier.Core.Buffers;

/// <summary>
/// A growable byte buffer for a connection's outbound frames. Unlike <see cref="ArrayBufferWriter{T}"/>
/// its arrays are not zeroed (every byte read was written first), and its owner decides when a
/// grown array is given up (<see cref="Release"/>): a connection under a steady stream of bursts
/// keeps its grown array instead of regrowing it after every flush. Not thread-safe; the owner locks.
/// </summary>
public sealed class GrowableBufferWriter : IBufferWriter<byte>
{
    private byte[] _buffer;
    private int _written;

    public GrowableBufferWriter(int initialCapacity)
    {
        _buffer = GC.AllocateUninitializedArray<byte>(initialCapacity);
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

    /// <summary>Swaps the array for one of <paramref name="capacity"/> (at least what is written, which it keeps).</summary>
    public void Release(int capacity)
    {
        var smaller = GC.AllocateUninitializedArray<byte>(Math.Max(capacity, _written));
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

        var size = (int)Math.Min(Array.MaxLength, Math.Max((long)_buffer.Length * 2, (long)_written + needed));
        if (size - _written < needed)
        {
            throw new OutOfMemoryException("outbound buffer past its maximum size");
        }

        var grown = GC.AllocateUninitializedArray<byte>(size);
        _buffer.AsSpan(0, _written).CopyTo(grown);
        _buffer = grown;
    }
}
