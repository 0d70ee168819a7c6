namespace Courier.Core.Storage;

/// <summary>One step of a store's compaction, as <see cref="IMessageHolders"/> sees it (the store implements it).</summary>
public interface IMessageRelocation
{
    /// <summary>True for a reference to a message this step moves (one in the part being compacted).</summary>
    bool Selects(MessageRef message);

    /// <summary>
    /// Called while every holder of <paramref name="held"/> is paused: copies each message forward
    /// and returns the copies' references by message id, or null to move nothing (the store could
    /// not account for every reference, say; the queues are left as they were).
    /// </summary>
    IReadOnlyDictionary<long, MessageRef>? Relocate(IReadOnlyCollection<HeldMessage> held);
}
