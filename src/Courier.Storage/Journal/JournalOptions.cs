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

/// <summary>Settings of the message journal.</summary>
public sealed record JournalOptions
{
    /// <summary>Nominal size of a segment file; a record larger than this gets a segment of its own.</summary>
    public int SegmentSize { get; init; } = 64 * 1024 * 1024;

    public CommitPolicy Policy { get; init; } = CommitPolicy.Always;

    public TimeSpan BatchWindow { get; init; } = TimeSpan.FromMilliseconds(1);

    public int BatchBytes { get; init; } = 1024 * 1024;
}
