using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Core.Queues;

/// <summary>
/// Settlement: what happens to a delivered message (acknowledged, rejected, returned), and the
/// journal records that keep the queue's contents across a restart (first delivery, delivery
/// counts under <c>x-delivery-limit</c>, settlement).
/// </summary>
public sealed partial class ClassicQueue
{
    /// <summary>Marks a delivered message as done with (acknowledged).</summary>
    public void Settle(QueuedMessage message)
    {
        using (EnterGate())
        {
            TakeBackLocked(message);
            RecordSettled(message);
            Counters.OnAcknowledged(message.DeliveredVia);
        }
    }

    /// <summary>A consumer rejected a delivered message without requeue: it is dead-lettered, or dropped.</summary>
    public void Reject(QueuedMessage message)
    {
        List<DeadLetter>? dead;
        using (EnterGate())
        {
            TakeBackLocked(message);
            AddDeadLocked(message, DeathReason.Rejected);
            dead = TakeDeadLocked();
        }

        AfterLock(dead);
    }

    private void TakeBackLocked(QueuedMessage message)
    {
        if (_unsettled > 0)
        {
            _unsettled--;
        }

        _out.Remove(message);
    }

    /// <summary>Returns delivered messages to their original places, marked redelivered, and delivers again.</summary>
    public void Requeue(IReadOnlyList<QueuedMessage> messages)
    {
        List<DeadLetter>? dead;
        using (EnterGate())
        {
            foreach (var message in messages)
            {
                TakeBackLocked(message);
                if (_deleted)
                {
                    RecordSettled(message);
                    continue;
                }

                // A poison message: returned more often than x-delivery-limit allows.
                if (Arguments.DeliveryLimit is { } limit && message.DeliveryCount > limit)
                {
                    AddDeadLocked(message, DeathReason.DeliveryLimit);
                    continue;
                }

                message.Redelivered = true;
                EnqueueHeadLocked(message);
                _readyBytes += message.Size;
            }

            DispatchLocked();
            ApplyLimitsLocked();
            dead = TakeDeadLocked();
        }

        AfterLock(dead);
    }

    private void OnDeliveredLocked(QueuedMessage message, bool autoSettle, PublishingProtocol via, bool get)
    {
        message.DeliveryCount++;
        message.DeliveredVia = via;
        Counters.OnDelivered(via, get, autoSettle, message.Redelivered);
        if (autoSettle)
        {
            RecordSettled(message);
        }
        else
        {
            _unsettled++;
            if (message.IsStored)
            {
                _out.Add(message);
            }

            // The first delivery is marked, so the message comes back redelivered after a restart;
            // under x-delivery-limit every delivery is, so its count does too.
            var mark = (message.DeliveryCount == 1 && !message.Redelivered) || Arguments.DeliveryLimit is not null;
            if (mark && message.IsStored && !message.IsPagedTransient && Store is { IsFailed: false } store)
            {
                try
                {
                    store.AppendDelivered(StoreId, message.Ref, message.DeliveryCount);
                }
                catch (StoreFailedException)
                {
                    // A failed store confirms nothing more; losing this hint is harmless.
                }
            }
        }
    }

    /// <summary>
    /// The message leaves this queue for good: release its memory, its de-duplication key (unless
    /// it never held one: <paramref name="holdsKey"/>), and record it in the journal.
    /// </summary>
    private void RecordSettled(QueuedMessage message, bool holdsKey = true)
    {
        if (holdsKey)
        {
            ReleaseKeyLocked(message);
        }

        if (message.MemoryBytes > 0)
        {
            Resources?.RemoveMessageBytes(message.MemoryBytes);
        }

        if (message.IsStored && message.Store is { IsFailed: false } store)
        {
            try
            {
                store.AppendSettle(message.IsPagedTransient ? 0 : StoreId, message.Ref);
            }
            catch (StoreFailedException)
            {
                // The journal stopped; it will replay this message as still held, which is the safe side.
            }
        }
    }
}
