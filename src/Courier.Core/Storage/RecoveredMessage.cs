namespace Courier.Core.Storage;

/// <summary>
/// A message found in the journal at startup, still held by a queue: whether it was delivered
/// before, and how often (the highest count a Delivered record gave; 1 when it gave none), and
/// when the store took it (<see cref="ArrivedAt"/>, Unix milliseconds; 0 when its record does not
/// say, as format 2's did not), which message TTLs count from.
/// </summary>
public readonly record struct RecoveredMessage(MessageRef Ref, bool Delivered, int DeliveryCount = 0, long ArrivedAt = 0)
{
    /// <summary>How many deliveries the message had: at least 1 once <see cref="Delivered"/>, 0 before.</summary>
    public int Deliveries => Delivered ? Math.Max(1, DeliveryCount) : 0;

    /// <summary>The store's id of the message (<see cref="MessageRef.Id"/>).</summary>
    public long MessageId => Ref.Id;
}
