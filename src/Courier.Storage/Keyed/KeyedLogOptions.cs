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
}
