using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Core.Delayed;

/// <summary>A message that is due, with what the store needs to remove it once it is routed (<see cref="Record"/>, opaque to the core).</summary>
public readonly record struct DueMessage(int Key, long DueAt, Message Message, MessageRef Record, bool Persistent);
