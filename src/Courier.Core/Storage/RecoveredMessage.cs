namespace Courier.Core.Storage;

/// <summary>A message found in the journal at startup, still held by a queue.</summary>
public readonly record struct RecoveredMessage(MessageRef Ref, bool Delivered)
{
    /// <summary>The store's id of the message (<see cref="MessageRef.Id"/>).</summary>
    public long MessageId => Ref.Id;
}
