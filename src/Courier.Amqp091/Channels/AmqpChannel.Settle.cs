using Courier.Amqp091.Framing;
using Courier.Core;

namespace Courier.Amqp091.Channels;

/// <summary>basic.ack, basic.nack, basic.reject and basic.recover: settling deliveries.</summary>
internal sealed partial class AmqpChannel
{
    private void OnAck(BasicAck method)
    {
        if (_txMode)
        {
            HoldForTransaction(new PendingSettle(method.DeliveryTag, method.Multiple, Requeue: false, IsAck: true));
            return;
        }

        Settle(method.DeliveryTag, method.Multiple, ack: true, requeue: false);
    }

    private void OnNack(BasicNack method)
    {
        if (_txMode)
        {
            HoldForTransaction(new PendingSettle(method.DeliveryTag, method.Multiple, method.Requeue, IsAck: false));
            return;
        }

        Settle(method.DeliveryTag, method.Multiple, ack: false, method.Requeue);
    }

    private void OnReject(BasicReject method)
    {
        if (_txMode)
        {
            HoldForTransaction(new PendingSettle(method.DeliveryTag, Multiple: false, method.Requeue, IsAck: false));
            return;
        }

        Settle(method.DeliveryTag, multiple: false, ack: false, method.Requeue);
    }

    /// <summary>
    /// In a transaction a settlement waits for commit, but its tags are checked now, as RabbitMQ
    /// does: an unknown tag, or one already settled in this transaction, closes the channel at once.
    /// </summary>
    private void HoldForTransaction(PendingSettle settle)
    {
        lock (_gate)
        {
            var tag = settle.DeliveryTag;
            if (!(settle.Multiple && tag == 0) && (!_unacked.Contains(tag) || _txSettledTags.Contains(tag)))
            {
                throw BrokerException.PreconditionFailed($"unknown delivery tag {tag}");
            }

            if (settle.Multiple)
            {
                _unacked.CollectTagsUpTo(tag == 0 ? ulong.MaxValue : tag, _txSettledTags);
            }
            else
            {
                _txSettledTags.Add(tag);
            }
        }

        _txSettles.Add(settle);
    }

    private void OnRecover(bool requeue, bool reply)
    {
        if (!requeue)
        {
            throw new AmqpProtocolException(AmqpConstants.NotImplemented, "requeue=false");
        }

        Settle(0, multiple: true, ack: false, requeue: true);
        if (reply)
        {
            Write(new BasicRecoverOk());
        }
    }

    /// <summary>
    /// Takes the deliveries an ack/nack/reject names off the unacked set, then acts on their queues
    /// outside the channel lock. Tag 0 with multiple means every outstanding delivery.
    /// </summary>
    private void Settle(ulong tag, bool multiple, bool ack, bool requeue)
    {
        var taken = _settleScratch;
        taken.Clear();
        lock (_gate)
        {
            if (multiple)
            {
                if (tag != 0 && !_unacked.Contains(tag))
                {
                    throw BrokerException.PreconditionFailed($"unknown delivery tag {tag}");
                }

                _unacked.TakeUpTo(tag == 0 ? ulong.MaxValue : tag, taken);
            }
            else
            {
                if (!_unacked.TryTake(tag, out var delivery))
                {
                    throw BrokerException.PreconditionFailed($"unknown delivery tag {tag}");
                }

                taken.Add(delivery);
            }

            foreach (var delivery in taken)
            {
                if (delivery.Consumer is { } consumer)
                {
                    consumer.Unacked--;
                    _consumerUnacked--;
                }
            }
        }

        if (taken.Count == 0)
        {
            return;
        }

        _creditFreed = true;
        if (ack)
        {
            _counters.OnAcknowledged(taken.Count);
        }

        if (ack || !requeue)
        {
            foreach (var delivery in taken)
            {
                if (ack)
                {
                    delivery.Queue.Settle(delivery.Message);
                }
                else
                {
                    delivery.Queue.Reject(delivery.Message);
                }
            }
        }
        else
        {
            RequeueAll(taken);
        }

        taken.Clear();
    }
}
