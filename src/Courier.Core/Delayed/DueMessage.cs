using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Core.Delayed;

/// <summary>A message that is due, with what the store needs to remove it once it is routed.</summary>
public readonly record struct DueMessage(int Key, long DueAt, Message Message, StoredLocation Location, bool Persistent);
