namespace Courier.Core.Storage;

/// <summary>
/// A batch of records the committer has written and synced locally, handed to the
/// <see cref="IReplicationStage"/> before anyone waiting for them is told they are durable.
/// </summary>
/// <param name="Log">Name of the log the records belong to (the message journal is <c>messages</c>).</param>
/// <param name="Records">
/// The framed records, back to back, as they stand in the segment file (docs/storage-format.md).
/// Valid only until the stage's task completes: a stage that keeps them must copy them.
/// </param>
/// <param name="FirstSequence">Sequence number of the first record in <paramref name="Records"/>.</param>
/// <param name="LastSequence">Sequence number of the last record in <paramref name="Records"/>.</param>
/// <param name="Epoch">The epoch the records were written in.</param>
public readonly record struct ReplicationBatch(string Log, ReadOnlyMemory<byte> Records, long FirstSequence, long LastSequence, int Epoch);

/// <summary>
/// The step between "written and synced here" and "waiters told": the cluster implements it to
/// wait until enough replicas hold a batch. Batches of one log arrive in sequence order, one at a
/// time; a waiter is told only after the stage completed for every batch up to its record. A
/// stage that throws fails the log: its unconfirmed waiters are told the store failed, and it
/// accepts no more writes.
/// </summary>
public interface IReplicationStage
{
    ValueTask ReplicateAsync(ReplicationBatch batch, CancellationToken cancellationToken);
}

/// <summary>A single node: a batch synced here is safe enough. Completes at once, allocating nothing.</summary>
public sealed class LocalReplicationStage : IReplicationStage
{
    public static readonly LocalReplicationStage Instance = new();

    private LocalReplicationStage()
    {
    }

    public ValueTask ReplicateAsync(ReplicationBatch batch, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
