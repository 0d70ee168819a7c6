namespace Courier.Core.Deduplication;

/// <summary>
/// Where a de-duplication cache with <c>x-cache-persistence</c> <c>disk</c> keeps its keys (a port
/// Storage implements). <see cref="Append"/> returns only once the entry is durable, so a publish
/// confirmed after it cannot be forgotten by a crash.
/// </summary>
public interface IDeduplicationLog : IDisposable
{
    /// <summary>The entries saved before, oldest first (a key saved twice: its last entry counts).</summary>
    IReadOnlyList<DeduplicationEntry> Load();

    /// <summary>Adds an entry and syncs it to disk before returning.</summary>
    void Append(in DeduplicationEntry entry);

    /// <summary>Replaces everything saved by <paramref name="entries"/>, atomically.</summary>
    void Rewrite(IReadOnlyCollection<DeduplicationEntry> entries);

    /// <summary>Removes the saved entries for good (the exchange was deleted).</summary>
    void Delete();
}

/// <summary>Opens the log of one exchange's cache.</summary>
public interface IDeduplicationLogStore
{
    IDeduplicationLog Open(string virtualHost, string exchange);
}
