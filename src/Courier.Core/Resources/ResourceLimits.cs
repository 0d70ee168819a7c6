namespace Courier.Core.Resources;

/// <summary>Thresholds past which publishers are blocked (RabbitMQ's memory and disk alarms).</summary>
public sealed record ResourceLimits
{
    /// <summary>
    /// Bytes of message bodies the broker may hold in memory before publishers are blocked.
    /// 0 means no limit.
    /// </summary>
    public long MemoryHighWatermark { get; init; }

    /// <summary>
    /// Fraction of <see cref="MemoryHighWatermark"/> at which queues start keeping message bodies
    /// only on disk (the journal), so a backlog does not reach the watermark.
    /// </summary>
    public double PagingRatio { get; init; } = 0.5;

    /// <summary>
    /// Ready messages one queue keeps in memory before newer transient arrivals go to the journal
    /// instead (persistent ones are kept as small entries behind the first
    /// <see cref="Queues.ClassicQueue.KeptInMemoryWhilePaging"/> anyway). It bounds the memory of a queue
    /// whose consumers fall behind without slowing its publishers. 0: transient messages are paged
    /// only under memory pressure.
    /// </summary>
    public int QueueReadyInMemory { get; init; }

    /// <summary>
    /// Body bytes a queue's head keeps in memory, besides at most
    /// <see cref="Queues.ClassicQueue.KeptInMemoryWhilePaging"/> messages: behind it persistent
    /// messages, and under memory pressure transient ones, wait in the journal, so large messages
    /// page like small ones. 0: the head is bounded in count only.
    /// </summary>
    public long QueueHeadBytes { get; init; }

    /// <summary>Client connections the node keeps open at once, every protocol together; 0: no limit.</summary>
    public int MaxConnections { get; init; }

    /// <summary>New client connections the node accepts per second, every protocol together; 0: no limit.</summary>
    public int MaxConnectionRate { get; init; }

    /// <summary>Free bytes the data directory's disk must keep; below it publishers are blocked. 0 means no limit.</summary>
    public long DiskFreeLimit { get; init; } = 50L * 1000 * 1000;

    /// <summary>How often free disk space is checked.</summary>
    public TimeSpan DiskCheckInterval { get; init; } = TimeSpan.FromSeconds(1);
}
