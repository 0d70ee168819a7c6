using Courier.Core.Storage;

namespace Courier.Core.Queues;

/// <summary>
/// Dead-lettering: messages rejected without requeue, expired, dropped by a length limit or
/// returned past <c>x-delivery-limit</c> are republished to <c>x-dead-letter-exchange</c> with
/// their death history (<see cref="DeathHistory"/>), or dropped when the queue has none.
/// </summary>
/// <remarks>
/// Dead letters are collected under the queue's lock and published after it is released (the
/// target queues take their own locks, and two queues may dead-letter into each other). A message
/// leaves this queue's journal references only after its dead letter was published, so a
/// persistent message between a durable queue and its dead-letter target survives a crash
/// (at-least-once: after a crash in between it may be in both).
/// </remarks>
public sealed partial class ClassicQueue
{
    private List<DeadLetter>? _dead;

    /// <summary>The message leaves the queue for <paramref name="reason"/>: dead-lettered later, or settled now when there is nowhere to send it.</summary>
    private void AddDeadLocked(QueuedMessage message, DeathReason reason)
    {
        if (Arguments.DeadLetterExchange is null || Host is null)
        {
            RecordSettled(message);
            return;
        }

        (_dead ??= []).Add(new DeadLetter(message, reason));
    }

    private List<DeadLetter>? TakeDeadLocked()
    {
        var dead = _dead;
        _dead = null;
        return dead;
    }

    /// <summary>Publishes collected dead letters, then releases the originals. Called without the lock.</summary>
    private void PublishDeadLetters(List<DeadLetter>? dead)
    {
        if (dead is null)
        {
            return;
        }

        foreach (var (queued, reason) in dead)
        {
            try
            {
                var message = queued.Message;
                var routingKey = Arguments.DeadLetterRoutingKey ?? message.RoutingKey;
                var letter = DeathHistory.Record(message, reason, Name, Arguments.DeadLetterExchange!, routingKey, NowMs());
                Host!.PublishDeadLetter(letter, this, reason);
            }
            catch (StoreFailedException)
            {
                // The dead letter could not be saved; the journal stopped, so the original's
                // settlement below is not written either and it comes back after a restart.
            }

            RecordSettled(queued);
        }
    }

    private readonly record struct DeadLetter(QueuedMessage Message, DeathReason Reason);
}
