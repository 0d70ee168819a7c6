namespace Courier.Core.Storage;

/// <summary>
/// What journal compaction needs from a queue whose messages live in the node's journal: which
/// messages it holds in a segment, and repointing them at their copies. Queue types that keep
/// their messages elsewhere (a stream's own segments) do not implement it.
/// </summary>
internal interface IJournalHolder
{
    /// <summary>A total order over holders, for taking several queues' locks without deadlock.</summary>
    long LockOrder { get; }

    int StoreId { get; }

    void EnterLock();

    void ExitLock();

    /// <summary>True if any message this queue holds (ready or out) lives in <paramref name="segment"/>.</summary>
    bool HoldsIn(int segment);

    /// <summary>Under the lock: adds every message held in <paramref name="segment"/> to <paramref name="found"/>.</summary>
    void CollectLocked(int segment, Dictionary<long, RelocationCandidate> found);

    /// <summary>Under the lock: points every entry of a moved message at its new location.</summary>
    void MoveLocked(int segment, IReadOnlyDictionary<long, StoredLocation> moved);
}
