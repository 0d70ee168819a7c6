namespace Courier.Storage.Journal;

/// <summary>When the committer syncs appended records to disk, and so when publishers are confirmed.</summary>
public enum CommitPolicy
{
    /// <summary>Every batch is fsynced before anything in it is reported durable (the default).</summary>
    Always,

    /// <summary>Wait up to <see cref="JournalOptions.BatchWindow"/> (or until <see cref="JournalOptions.BatchBytes"/> are pending) to gather a larger batch, then fsync.</summary>
    Batch,

    /// <summary>Write to the page cache and report durable without fsync; a power loss can lose confirmed messages.</summary>
    Never,
}

/// <summary>Settings of a segment log and its committer.</summary>
public sealed record JournalOptions
{
    /// <summary>Nominal size of a segment file; a record larger than this gets a segment of its own.</summary>
    public int SegmentSize { get; init; } = 64 * 1024 * 1024;

    public CommitPolicy Policy { get; init; } = CommitPolicy.Always;

    public TimeSpan BatchWindow { get; init; } = TimeSpan.FromMilliseconds(1);

    public int BatchBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// How long a deferrable record (settle, delivered) may wait for a commit that something else
    /// causes before the committer writes it on its own. Nobody waits for these records, so they
    /// ride along with the next publish's commit instead of costing an fsync each.
    /// </summary>
    public TimeSpan DeferredWindow { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Deferrable bytes pending at which the committer is woken without waiting for the window.</summary>
    public int DeferredBytes { get; init; } = 256 * 1024;

    /// <summary>The store's epoch, written into every record and segment header: 1 on a single node; the cluster bumps it on a change of leader.</summary>
    public int Epoch { get; init; } = 1;

    /// <summary>First wait before a stalled round (a write or sync that failed: disk full, I/O error) is retried; it doubles on each failure.</summary>
    public TimeSpan StallRetryMin { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest wait between retries of a stalled round.</summary>
    public TimeSpan StallRetryMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The clock of <see cref="DeferredWindow"/> and of the stall retries.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
