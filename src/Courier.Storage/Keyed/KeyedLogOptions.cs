namespace Courier.Storage.Keyed;

/// <summary>Settings of the keyed logs (docs/architecture.md, "Keyed logs").</summary>
public sealed record KeyedLogOptions
{
    /// <summary>Fsync each batch before it is reported durable (false follows the journal's <c>never</c> commit policy).</summary>
    public bool SyncToDisk { get; init; } = true;

    /// <summary>
    /// A log is compacted once its file is larger than this and more than twice the bytes of its
    /// live records, so compaction costs at most one copy of the live data per as many bytes of
    /// overwritten or removed records.
    /// </summary>
    public long CompactionMinBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>First wait before a stalled log (a write or sync that failed: disk full, I/O error) tries again; it doubles on each failure.</summary>
    public TimeSpan StallRetryMin { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest wait between retries of a stalled log.</summary>
    public TimeSpan StallRetryMax { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Opens the log's file at a path (null: the file itself). Tests give a fault-injecting
    /// device's segment (<see cref="Devices.MemoryJournalDevice"/>), with compaction off: it
    /// writes a real file beside the log.
    /// </summary>
    public Func<string, Devices.ISegmentFile>? OpenFile { get; init; }

    /// <summary>The clock of the stall retries.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
