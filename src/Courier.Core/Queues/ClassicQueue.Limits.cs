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
        && ((Arguments.MaxLength is { } max && _ready.Count + _paged.Count >= max)
            || (Arguments.MaxLengthBytes is { } maxBytes && _readyBytes + message.Body.Length > maxBytes));

    private bool OverLimitLocked() =>
        (Arguments.MaxLength is { } max && _ready.Count + _paged.Count > max)
        || (Arguments.MaxLengthBytes is { } maxBytes && _readyBytes > maxBytes);

    /// <summary>Drops from the head while a drop-head queue is over a limit.</summary>
    private void ApplyLimitsLocked()
    {
        if (Arguments.IsPlain || Arguments.Overflow != OverflowBehaviour.DropHead || !HasLengthLimit)
        {
            return;
        }

        var dropped = false;
        while (OverLimitLocked() && (_ready.Count > 0 || RefillLocked()))
        {
            var head = _ready.Dequeue();
            _readyBytes -= head.Size;
            AddDeadLocked(head, DeathReason.MaxLength);
            dropped = true;
        }

        if (dropped)
        {
            UpdateFlowLocked();
        }
    }
}
