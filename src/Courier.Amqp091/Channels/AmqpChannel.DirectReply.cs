using Courier.Amqp091.Framing;
using Courier.Core;
using Courier.Core.Messages;
using Courier.Core.VirtualHosts;

namespace Courier.Amqp091.Channels;

/// <summary>
/// Direct reply-to (RabbitMQ's <c>amq.rabbitmq.reply-to</c>): a no-ack consumer on the pseudo-queue
/// makes this channel a reply target; its requests' reply-to is rewritten to the target's unique
/// name, and replies published to that name are delivered here without touching a queue.
/// </summary>
internal sealed partial class AmqpChannel : IReplyTarget
{
    private string? _replyConsumerTag;
    private string? _replyName;

    private bool TryConsumeDirectReply(BasicConsume method)
    {
        if (!string.Equals(method.Queue, VirtualHost.DirectReplyQueue, StringComparison.Ordinal))
        {
            return false;
        }

        if (!method.NoAck)
        {
            throw BrokerException.PreconditionFailed("reply consumer cannot acknowledge");
        }

        if (_replyConsumerTag is not null)
        {
            throw BrokerException.PreconditionFailed("reply consumer already set");
        }

        var tag = method.ConsumerTag.Length > 0 ? method.ConsumerTag : NewConsumerTag();
        lock (_gate)
        {
            if (_consumers.ContainsKey(tag))
            {
                throw new AmqpProtocolException(AmqpConstants.NotAllowed, $"attempt to reuse consumer tag '{tag}'");
            }
        }

        if (!method.Nowait)
        {
            Write(new BasicConsumeOk { ConsumerTag = tag });
        }

        lock (_gate)
        {
            _replyConsumerTag = tag;
            _replyName = VirtualHost.RegisterReplyTarget(this);
        }

        return true;
    }

    private bool TryCancelDirectReply(string consumerTag)
    {
        string? name;
        lock (_gate)
        {
            if (_replyConsumerTag is null || !string.Equals(_replyConsumerTag, consumerTag, StringComparison.Ordinal))
            {
                return false;
            }

            name = _replyName;
            _replyConsumerTag = null;
            _replyName = null;
        }

        if (name is not null)
        {
            VirtualHost.UnregisterReplyTarget(name);
        }

        return true;
    }

    /// <summary>A request naming the pseudo-queue as reply-to gets this channel's reply name instead.</summary>
    private void RewriteDirectReplyTo(MessageProperties properties)
    {
        if (!string.Equals(properties.ReplyTo, VirtualHost.DirectReplyQueue, StringComparison.Ordinal))
        {
            return;
        }

        properties.ReplyTo = _replyName ?? throw BrokerException.PreconditionFailed("fast reply consumer does not exist");
    }

    public bool TryDeliverReply(Message message)
    {
        lock (_gate)
        {
            if (_state != ChannelState.Open || _replyConsumerTag is null)
            {
                return false;
            }

            _counters.OnDelivered(get: false, noAck: true, redelivered: false);
            WriteDeliverLocked(_replyConsumerTag, ++_deliveryTag, redelivered: false, message);
            return true;
        }
    }
}
