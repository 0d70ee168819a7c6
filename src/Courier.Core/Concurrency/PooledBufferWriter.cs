using System.Buffers;

namespace Courier.Core.Concurrency;

/// <summary>
/// A growable byte buffer whose arrays come from <see cref="ArrayPool{T}.Shared"/>, for a
/// connection's outbound frames: a burst grows it without allocating fresh (zeroed, first-touched,
/// large-object-heap) arrays each time, and <see cref="Shrink"/> gives a large array back after the
/// burst so an idle connection holds only a small one. Not thread-safe; the owner locks.
/// </summary>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    public PooledBufferWriter(int initialCapacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public int WrittenCount => _written;

    public int Capacity => _buffer.Length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

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

    /// <summary>
    /// With nothing written and an array larger than <paramref name="retainedCapacity"/>, swaps it
    /// for one of <paramref name="initialCapacity"/> and returns the large one to the pool.
    /// </summary>
    public void Shrink(int retainedCapacity, int initialCapacity)
    {
        if (_written != 0 || _buffer.Length <= retainedCapacity)
        {
            return;
        }

        var large = _buffer;
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
        ArrayPool<byte>.Shared.Return(large);
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
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

        var grown = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _written).CopyTo(grown);
        var old = _buffer;
        _buffer = grown;
        if (old.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(old);
        }
    }
}
