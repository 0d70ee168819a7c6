namespace Courier.Core.Storage;

/// <summary>
/// A durable map from string keys to byte values, last write wins: each put or remove is appended
/// to a log and made durable in batches (group commit), and the log is compacted to the live
/// values. MQTT's retained messages are one; other protocols' per-key state may be others.
/// </summary>
/// <remarks>
/// Puts and removes may come from any thread and never wait for the disk: each returns a sequence
/// number, and <see cref="WhenDurable"/> tells a waiter once every change up to it is durable, on
/// the log's own thread. A failed log refuses changes with <see cref="StoreFailedException"/>.
/// A log whose disk refuses its writes (full, failing) is stalled: it still takes changes (the
/// settlements of work already confirmed) and retries until it can write them, and callers that
/// would save something new for a client refuse it while <see cref="IsStalled"/>.
/// </remarks>
public interface IKeyedLog : IDisposable
{
    /// <summary>How many keys hold a value.</summary>
    int Count { get; }

    /// <summary>True while the log cannot write (disk full or failing) and retries: nothing new should be promised to a client meanwhile.</summary>
    bool IsStalled { get; }

    /// <summary>Every key holding a value, at the time of the call.</summary>
    List<string> CopyKeys();

    /// <summary>Sets the value of <paramref name="key"/>; returns the change's sequence number.</summary>
    long Put(string key, ReadOnlySpan<byte> value);

    /// <summary>Removes <paramref name="key"/> (a removal of an absent key is still written, and ordered); returns the change's sequence number.</summary>
    long Remove(string key);

    /// <summary>The value of <paramref name="key"/>, or null when it has none.</summary>
    byte[]? Read(string key);

    /// <summary>Tells <paramref name="waiter"/> once every change up to <paramref name="sequence"/> is durable (at once when it is).</summary>
    void WhenDurable(long sequence, IDurabilityWaiter waiter);

    /// <summary>Closes the log and deletes what it holds on disk (its owner, a vhost, is gone).</summary>
    void Delete();
}

/// <summary>Opens the keyed logs of a node, one per kind and owner (MQTT retained messages of one vhost).</summary>
public interface IKeyedLogStore
{
    /// <summary>The log of <paramref name="kind"/> for <paramref name="owner"/>, loaded from disk on first open; the same instance while it is open.</summary>
    IKeyedLog Open(string kind, string owner);
}
