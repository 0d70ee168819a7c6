namespace Courier.Core.Statistics;

/// <summary>
/// What the journal's committer did: rounds (each one write and one fsync batch), fsyncs, bytes
/// written, and per round its size and how long it took from collecting to telling its waiters.
/// </summary>
/// <remarks>Written only by the commit loop (one thread), read by metrics scrapes: plain fields, no atomics.</remarks>
public sealed class JournalStatistics
{
    private long _fsyncs;
    private long _bytesWritten;

    /// <summary>Seconds from a round's start to its waiters being told (the confirm latency the disk adds).</summary>
    public Histogram CommitSeconds { get; } = new(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5);

    /// <summary>Bytes written per round (how much one fsync covered).</summary>
    public Histogram BatchBytes { get; } = new(256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216);

    public long Fsyncs => Volatile.Read(ref _fsyncs);

    public long BytesWritten => Volatile.Read(ref _bytesWritten);

    /// <summary>A round that wrote something completed.</summary>
    public void OnRound(long bytes, int fsyncs, TimeSpan elapsed)
    {
        Volatile.Write(ref _fsyncs, _fsyncs + fsyncs);
        Volatile.Write(ref _bytesWritten, _bytesWritten + bytes);
        BatchBytes.Observe(bytes);
        CommitSeconds.Observe(elapsed.TotalSeconds);
    }
}

/// <summary>A message store that reports its journal's statistics (the node's file journal does).</summary>
public interface IJournalStatisticsSource
{
    JournalStatistics JournalStatistics { get; }
}
