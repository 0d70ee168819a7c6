namespace Courier.Core.Storage;

/// <summary>
/// What compaction needs from a queue whose messages live in the node's journal: which messages it
/// holds that a compaction step selects, and repointing them at their copies. Queue types that keep
/// their messages elsewhere (a stream's own segments) do not implement it.
/// </summary>
internal interface IJournalHolder
{
    /// <summary>A total order over holders, for taking several queues' locks without deadlock.</summary>
    long LockOrder { get; }

    int StoreId { get; }

    void EnterLock();

    void ExitLock();

    /// <summary>True if any message this queue holds (ready, paged or out) is one <paramref name="relocation"/> selects.</summary>
    bool HoldsAny(IMessageRelocation relocation);

    /// <summary>Under the lock: adds every message held that <paramref name="relocation"/> selects to <paramref name="found"/>.</summary>
    void CollectLocked(IMessageRelocation relocation, Dictionary<long, HeldMessage> found);

    /// <summary>Under the lock: points every selected entry of a moved message at its copy.</summary>
    void MoveLocked(IMessageRelocation relocation, IReadOnlyDictionary<long, MessageRef> moved);
}
