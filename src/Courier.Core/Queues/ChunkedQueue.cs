namespace Courier.Core.Queues;

/// <summary>
/// A FIFO of structs kept in fixed-size chunks, so a queue of millions of entries never needs one
/// huge array (nor the copy a growing array makes), and memory is returned chunk by chunk as it
/// drains. Not thread-safe.
/// </summary>
internal sealed class ChunkedQueue<T>
    where T : struct
{
    private const int ChunkSize = 4096;
    private readonly Queue<T[]> _chunks = new();
    private T[]? _tail;
    private int _headIndex;
    private int _tailCount;

    public long Count { get; private set; }

    public void Enqueue(in T item)
    {
        if (_tail is null || _tailCount == ChunkSize)
        {
            _tail = new T[ChunkSize];
            _tailCount = 0;
            _chunks.Enqueue(_tail);
        }

        _tail[_tailCount++] = item;
        Count++;
    }

    public bool TryPeek(out T item)
    {
        if (Count == 0)
        {
            item = default;
            return false;
        }

        item = _chunks.Peek()[_headIndex];
        return true;
    }

    public bool TryDequeue(out T item)
    {
        if (Count == 0)
        {
            item = default;
            return false;
        }

        var head = _chunks.Peek();
        item = head[_headIndex];
        head[_headIndex++] = default;
        Count--;
        var headFilled = ReferenceEquals(head, _tail) ? _tailCount : ChunkSize;
        if (_headIndex == headFilled)
        {
            _chunks.Dequeue();
            _headIndex = 0;
            if (ReferenceEquals(head, _tail))
            {
                _tail = null;
                _tailCount = 0;
            }
        }

        return true;
    }

    /// <summary>
    /// Puts <paramref name="items"/> in front of the queue, in their order. It copies the whole queue:
    /// for rare moves only (a queue's in-memory tail paged out under memory pressure).
    /// </summary>
    public void Prepend(ReadOnlySpan<T> items)
    {
        if (items.IsEmpty)
        {
            return;
        }

        var rest = new T[Count];
        var filled = 0;
        while (TryDequeue(out var item))
        {
            rest[filled++] = item;
        }

        foreach (var item in items)
        {
            Enqueue(item);
        }

        foreach (var item in rest)
        {
            Enqueue(item);
        }
    }

    /// <summary>The entries in order, as writable spans (one per chunk), for in-place updates.</summary>
    public IEnumerable<Memory<T>> Chunks()
    {
        var first = true;
        foreach (var chunk in _chunks)
        {
            var start = first ? _headIndex : 0;
            var end = ReferenceEquals(chunk, _tail) ? _tailCount : ChunkSize;
            first = false;
            yield return chunk.AsMemory(start, end - start);
        }
    }

    public void Clear()
    {
        _chunks.Clear();
        _tail = null;
        _headIndex = 0;
        _tailCount = 0;
        Count = 0;
    }
}
