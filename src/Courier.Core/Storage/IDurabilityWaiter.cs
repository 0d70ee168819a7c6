namespace Courier.Core.Storage;

/// <summary>
/// Told by the store when appended records have reached the durability its policy promises
/// (fsync by default, and the replication stage's consent). Called on the store's committer
/// thread: implementations must be quick.
/// </summary>
public interface IDurabilityWaiter
{
    /// <summary>Every record with a sequence number up to <paramref name="sequence"/> is durable.</summary>
    void OnDurable(long sequence);

    /// <summary>The store failed: nothing not yet reported durable ever will be.</summary>
    void OnStoreFailed();
}
