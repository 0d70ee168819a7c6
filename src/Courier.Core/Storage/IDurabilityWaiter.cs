namespace Courier.Core.Storage;

/// <summary>
/// Told by the store when appended records have reached the durability its policy promises
/// (fsync by default). Called on the store's committer thread: implementations must be quick.
/// </summary>
public interface IDurabilityWaiter
{
    /// <summary>Every record at or before <paramref name="position"/> is durable.</summary>
    void OnDurable(long position);

    /// <summary>The store failed: nothing not yet reported durable ever will be.</summary>
    void OnStoreFailed();
}
