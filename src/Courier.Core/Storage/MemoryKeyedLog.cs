namespace Courier.Core.Storage;

/// <summary>
/// A keyed log kept in memory only, for a broker without a data directory: every change is
/// "durable" at once, and nothing survives the process.
/// </summary>
public sealed class MemoryKeyedLog : IKeyedLog
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, byte[]> _values = new(StringComparer.Ordinal);
    private long _sequence;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _values.Count;
            }
        }
    }

    public bool IsStalled => false;

    public List<string> CopyKeys()
    {
        lock (_gate)
        {
            return [.. _values.Keys];
        }
    }

    public long Put(string key, ReadOnlySpan<byte> value)
    {
        lock (_gate)
        {
            _values[key] = value.ToArray();
            return ++_sequence;
        }
    }

    public long Remove(string key)
    {
        lock (_gate)
        {
            _values.Remove(key);
            return ++_sequence;
        }
    }

    public byte[]? Read(string key)
    {
        lock (_gate)
        {
            return _values.GetValueOrDefault(key);
        }
    }

    public void WhenDurable(long sequence, IDurabilityWaiter waiter) => waiter.OnDurable(sequence);

    public void Delete()
    {
        lock (_gate)
        {
            _values.Clear();
        }
    }

    public void Dispose()
    {
    }
}
