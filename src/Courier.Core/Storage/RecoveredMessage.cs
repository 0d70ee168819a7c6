namespace Courier.Core.Storage;

/// <summary>A message found in the journal at startup, still held by a queue.</summary>
public readonly record struct RecoveredMessage(long MessageId, StoredLocation Location, bool Delivered);
