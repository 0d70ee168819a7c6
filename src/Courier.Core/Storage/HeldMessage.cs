namespace Courier.Core.Storage;

/// <summary>A stored message a compaction step selected, with the queues that still hold it.</summary>
public sealed class HeldMessage(MessageRef message)
{
    public MessageRef Ref { get; } = message;

    /// <summary>Store ids of the queues holding it (0 for a transient message a queue paged out).</summary>
    public List<int> Holders { get; } = [];

    /// <summary>Those holders that delivered it, with their delivery counts: its delivered mark must move with it.</summary>
    public List<(int QueueId, int DeliveryCount)> DeliveredTo { get; } = [];
}
