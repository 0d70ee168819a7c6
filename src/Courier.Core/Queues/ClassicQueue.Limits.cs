namespace Courier.Core.Queues;

/// <summary>Length limits: <c>x-max-length</c>, <c>x-max-length-bytes</c> and <c>x-overflow</c>.</summary>
/// <remarks>
/// As in RabbitMQ, the limits count ready messages (not those out with consumers) and their body
/// bytes. <c>drop-head</c> enqueues, offers to consumers, then drops (or dead-letters) from the head
/// while over a limit; <c>reject-publish</c> refuses a message that would take the queue over
/// (the publisher gets <c>basic.nack</c>), and <c>reject-publish-dlx</c> also dead-letters it.
/// </remarks>
public sealed partial class ClassicQueue
{
    private bool HasLengthLimit => Arguments.MaxLength is not null || Arguments.MaxLengthBytes is not null;

    /// <summary>True when a reject-publish queue must refuse <paramref name="message"/>.</summary>
    private bool RefusesLocked(Messages.Message message) =>
        Arguments.Overflow != OverflowBehaviour.DropHead
        && ((Arguments.MaxLength is { } max && ReadyCountLocked >= max)
            || (Arguments.MaxLengthBytes is { } maxBytes && _readyBytes + message.Body.Length > maxBytes));

    private bool OverLimitLocked() =>
        (Arguments.MaxLength is { } max && ReadyCountLocked > max)
        || (Arguments.MaxLengthBytes is { } maxBytes && _readyBytes > maxBytes);

    /// <summary>Drops from the head while a drop-head queue is over a limit.</summary>
    private void ApplyLimitsLocked()
    {
        if (Arguments.IsPlain || Arguments.Overflow != OverflowBehaviour.DropHead || !HasLengthLimit)
        {
            return;
        }

        var dropped = false;
        while (OverLimitLocked() && TryPeekHeadLocked(out _))
        {
            AddDeadLocked(TakeHeadLocked(), DeathReason.MaxLength);
            dropped = true;
        }

        if (dropped)
        {
            UpdateFlowLocked();
        }
    }

    /// <summary>
    /// The queue's head as the drop paths (expiry, drop-head) see it: the head of the ready set, or,
    /// with nothing being read ahead, the front of the journal-only backlog when the ready set is
    /// empty or (in a priority queue) the front comes first. False when there is none, or the head
    /// is in a batch being read (it is dropped when it is back).
    /// </summary>
    private bool TryPeekHeadLocked(out long expiresAt)
    {
        if (HeadDeliverableLocked)
        {
            expiresAt = _ready.Peek().ExpiresAt;
            return true;
        }

        if (!HasClaimedLocked && _paged.TryPeek(out var front) && (_ready.Count == 0 || front.Sequence < _ready.Peek().Sequence))
        {
            expiresAt = DeadlineOf(front);
            return true;
        }

        expiresAt = 0;
        return false;
    }

    /// <summary>Removes the head <see cref="TryPeekHeadLocked"/> found; one from the backlog is not read here (a dead letter is read outside the lock).</summary>
    private QueuedMessage TakeHeadLocked()
    {
        if (HeadDeliverableLocked)
        {
            var head = DequeueHeadLocked();
            _readyBytes -= head.Size;
            return head;
        }

        _paged.TryDequeue(out var entry);
        _readyBytes -= entry.Size;
        return Materialize(entry);
    }
}
