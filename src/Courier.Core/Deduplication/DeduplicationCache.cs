using Courier.Core.Storage;

namespace Courier.Core.Deduplication;

/// <summary>
/// The keys a de-duplication exchange has routed: at most <see cref="Size"/> of them, the oldest
/// evicted first when a new one needs room, each forgotten once its TTL passes.
/// </summary>
/// <remarks>
/// <para>One lock guards the map and the age list; publishers to the exchange take it for a lookup
/// and an insert. Expiry is lazy: an expired key is removed when it is looked up again or evicted
/// by age, so no timer runs and memory stays bounded by the size.</para>
/// <para>With a log (disk persistence) a new key is appended and synced before
/// <see cref="TryAdd"/> returns, so the publish it belongs to is confirmed only once its key
/// would survive a crash. The log is rewritten from memory, bounded by the size again, whenever
/// it holds twice as many entries as the cache.</para>
/// </remarks>
public sealed class DeduplicationCache : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<DeduplicationEntry>> _keys = new(StringComparer.Ordinal);
    private readonly LinkedList<DeduplicationEntry> _byAge = new();
    private readonly TimeProvider _time;
    private readonly IDeduplicationLog? _log;
    private int _logged;

    public DeduplicationCache(int size, long? defaultTtlMs, TimeProvider time, IDeduplicationLog? log)
    {
        Size = size;
        DefaultTtlMs = defaultTtlMs;
        _time = time;
        _log = log;
        if (log is null)
        {
            return;
        }

        var now = Now;
        foreach (var entry in log.Load())
        {
            if (!entry.IsExpiredAt(now))
            {
                Insert(entry);
            }
        }

        // Start from a log as small as what is kept (on a full disk, from the log as it is).
        _logged = TryRewrite() ? _byAge.Count : 2 * Size;
    }

    public int Size { get; }

    public long? DefaultTtlMs { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _keys.Count;
            }
        }
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Remembers <paramref name="key"/> for <paramref name="ttlMs"/> (or the cache's TTL) and returns
    /// true; returns false, changing nothing, when the key is already held and not expired.
    /// </summary>
    public bool TryAdd(string key, long? ttlMs)
    {
        lock (_lock)
        {
            var now = Now;
            if (_keys.TryGetValue(key, out var held))
            {
                if (!held.Value.IsExpiredAt(now))
                {
                    return false;
                }

                _keys.Remove(key);
                _byAge.Remove(held);
            }

            var ttl = ttlMs ?? DefaultTtlMs;
            var entry = new DeduplicationEntry(key, ttl is > 0 ? now + ttl.Value : 0);
            if (_log is not null)
            {
                // Saved before it is held: a key the disk refused is not remembered, so the
                // publisher's retry of the refused (nacked) message is not taken for a duplicate.
                try
                {
                    _log.Append(entry);
                }
                catch (IOException e)
                {
                    throw new StoreFailedException("the de-duplication log cannot write (disk full or failing); the message is refused", e);
                }
            }

            Insert(entry);
            if (_log is not null && ++_logged > 2 * Size && TryRewrite())
            {
                _logged = _byAge.Count;
            }

            return true;
        }
    }

    /// <summary>The exchange is deleted: its saved keys go with it.</summary>
    public void Delete()
    {
        lock (_lock)
        {
            _keys.Clear();
            _byAge.Clear();
            _log?.Delete();
        }
    }

    public void Dispose() => _log?.Dispose();

    /// <summary>Rewrites the log from memory; false when the disk refused (the old log stays, and the next append tries again).</summary>
    private bool TryRewrite()
    {
        try
        {
            _log!.Rewrite(_byAge);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void Insert(DeduplicationEntry entry)
    {
        if (_keys.Remove(entry.Key, out var older))
        {
            _byAge.Remove(older);
        }

        _keys[entry.Key] = _byAge.AddLast(entry);
        while (_keys.Count > Size)
        {
            var oldest = _byAge.First!;
            _byAge.RemoveFirst();
            _keys.Remove(oldest.Value.Key);
        }
    }
}
