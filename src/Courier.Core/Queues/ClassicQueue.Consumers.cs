using Courier.Core.Sessions;

namespace Courier.Core.Queues;

/// <summary>
/// Consumers: adding and removing them, and which consumer is offered the head. Consumers are kept
/// highest priority first (<c>x-priority</c>), in arrival order within a priority; with
/// <c>x-single-active-consumer</c> only the first receives, and the next takes over when it goes.
/// </summary>
public sealed partial class ClassicQueue
{
    public void AddConsumer(QueueConsumer consumer)
    {
        List<DeadLetter>? dead;
        using (EnterGate())
        {
            if (_deleted)
            {
                throw BrokerException.NotFound($"no queue '{Name}' in vhost '{VirtualHost}'");
            }

            if (_consumers.Count > 0 && (consumer.Exclusive || _consumers[0].Exclusive))
            {
                throw BrokerException.AccessRefused($"queue '{Name}' in vhost '{VirtualHost}' in exclusive use");
            }

            AddConsumerLocked(consumer);
            _hadConsumer = true;
            MarkUsedLocked();
            DispatchLocked();
            dead = TakeDeadLocked();
        }

        AfterLock(dead);
    }

    public IReadOnlyList<QueueConsumer> GetConsumers()
    {
        using (EnterGate())
        {
            return [.. _consumers];
        }
    }

    /// <summary>Removes a consumer. Returns true when the queue is auto-delete and has just lost its last consumer.</summary>
    public bool RemoveConsumer(QueueConsumer consumer)
    {
        List<DeadLetter>? dead;
        bool lastGone;
        using (EnterGate())
        {
            if (!_consumers.Remove(consumer))
            {
                return false;
            }

            if (_nextConsumer >= _consumers.Count)
            {
                _nextConsumer = 0;
            }

            MarkUsedLocked();

            // With a single active consumer, the next in line takes over what is ready.
            DispatchLocked();
            lastGone = AutoDelete && _hadConsumer && _consumers.Count == 0 && !_deleted;
            dead = TakeDeadLocked();
        }

        AfterLock(dead);
        return lastGone;
    }

    /// <summary>Offers the head to the consumers whose turn it is; true when one took it.</summary>
    private bool OfferLocked(QueuedMessage message)
    {
        // Consumers are kept highest priority first (x-priority); a lower group gets a message
        // only when no consumer of a higher one can take it. Within a group they take turns.
        var count = Arguments.SingleActiveConsumer ? 1 : _consumers.Count;
        var groupStart = 0;
        while (groupStart < count)
        {
            var priority = _consumers[groupStart].Priority;
            var groupEnd = _consumerPriorities ? groupStart + 1 : count;
            while (groupEnd < count && _consumers[groupEnd].Priority == priority)
            {
                groupEnd++;
            }

            var size = groupEnd - groupStart;
            var first = _nextConsumer >= groupStart && _nextConsumer < groupEnd ? _nextConsumer - groupStart : 0;
            for (var i = 0; i < size; i++)
            {
                var index = groupStart + ((first + i) % size);
                var consumer = _consumers[index];
                if (!consumer.Sink.TryDeliver(this, consumer, message))
                {
                    continue;
                }

                DequeueHeadLocked();
                _readyBytes -= message.Size;
                OnDeliveredLocked(message, consumer.AutoSettle, consumer.Owner.ProtocolKind, get: false);
                _nextConsumer = groupStart + ((index - groupStart + 1) % size);
                return true;
            }

            groupStart = groupEnd;
        }

        return false;
    }

    /// <summary>Adds a consumer after every consumer of its priority or higher.</summary>
    private void AddConsumerLocked(QueueConsumer consumer)
    {
        var at = _consumers.Count;
        while (at > 0 && _consumers[at - 1].Priority < consumer.Priority)
        {
            at--;
        }

        _consumers.Insert(at, consumer);
        _consumerPriorities |= _consumers[0].Priority != _consumers[^1].Priority;
        if (_nextConsumer >= at && at < _consumers.Count - 1)
        {
            _nextConsumer++;
        }
    }
}
