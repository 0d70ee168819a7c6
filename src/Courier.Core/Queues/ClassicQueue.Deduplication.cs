using Courier.Core.Deduplication;
using Courier.Core.Messages;

namespace Courier.Core.Queues;

/// <summary>
/// Queue-level de-duplication (<c>x-message-deduplication</c>, the rabbitmq-message-deduplication
/// plugin's queue argument): the queue refuses a message whose <c>x-deduplication-header</c> one of
/// its messages (ready or out with a consumer) already carries, and the publisher gets
/// <c>basic.nack</c>. A key is free again once its message leaves the queue (acked, dropped,
/// expired, dead-lettered, purged); a requeued message keeps it.
/// </summary>
/// <remarks>
/// The keys are a set under the queue's lock, rebuilt at start from the recovered messages (which
/// are read back once for it). A queue without the argument pays one null check per message.
/// </remarks>
public sealed partial class ClassicQueue
{
    private HashSet<string>? _heldKeys;

    private HashSet<string>? HeldKeys => Arguments.Deduplicate ? _heldKeys ??= new HashSet<string>(StringComparer.Ordinal) : null;

    private bool IsDuplicateLocked(Message message) =>
        HeldKeys is { Count: > 0 } keys && DeduplicationKey.Of(message) is { } key && keys.Contains(key);

    private void HoldKeyLocked(Message message)
    {
        if (HeldKeys is { } keys && DeduplicationKey.Of(message) is { } key)
        {
            keys.Add(key);
        }
    }

    private void ReleaseKeyLocked(QueuedMessage message)
    {
        // A message only the journal holds (dropped from the paged backlog, purged) is read back for
        // its key: a disk read under the lock that only a de-duplicating queue pays.
        if (HeldKeys is { Count: > 0 } keys
            && DeduplicationKey.Of(message.IsLoaded ? message.Message : message.Store!.Load(message.Ref)) is { } key)
        {
            keys.Remove(key);
        }
    }

    private void HoldRestoredKeysLocked(Message[] restored)
    {
        foreach (var message in restored)
        {
            HoldKeyLocked(message);
        }
    }
}
