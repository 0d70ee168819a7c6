using System.Security.Cryptography;
using Courier.Amqp091.Framing;
using Courier.Amqp091.Mapping;
using Courier.Core;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Security;

namespace Courier.Amqp091.Channels;

/// <summary>basic.qos, basic.consume, basic.cancel, basic.get, channel.flow, and writing deliveries.</summary>
internal sealed partial class AmqpChannel
{
    private void OnQos(BasicQos method)
    {
        if (method.PrefetchSize != 0)
        {
            throw new AmqpProtocolException(AmqpConstants.NotImplemented, $"prefetch_size!=0 ({method.PrefetchSize})");
        }

        lock (_gate)
        {
            // As in RabbitMQ: global=false sets the limit of each consumer created afterwards on
            // this channel; global=true sets one limit shared by all consumers on the channel.
            if (method.Global)
            {
                _channelPrefetch = method.PrefetchCount;
            }
            else
            {
                _consumerPrefetch = method.PrefetchCount;
            }
        }

        _creditFreed = true;
        Write(new BasicQosOk());
    }

    private void OnConsume(BasicConsume method)
    {
        if (TryConsumeDirectReply(method))
        {
            return;
        }

        var queueName = ResolveQueueName(method.Queue);
        Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Read, "queue", queueName);
        var queue = VirtualHost.GetQueue(queueName, Owner);
        var tag = method.ConsumerTag.Length > 0 ? method.ConsumerTag : NewConsumerTag();
        AmqpConsumer consumer;
        lock (_gate)
        {
            if (_consumers.ContainsKey(tag))
            {
                throw new AmqpProtocolException(AmqpConstants.NotAllowed, $"attempt to reuse consumer tag '{tag}'");
            }

            consumer = new AmqpConsumer(this, tag, queue, method.NoAck, _consumerPrefetch);
            _consumers.Add(tag, consumer);
            ConsumersChangedLocked();
        }

        // Registered before consume-ok is written (so exclusivity errors come instead of it), but
        // not Ready until after, so no delivery can reach the client ahead of its consume-ok.
        var registration = new QueueConsumer(tag, consumer, autoSettle: method.NoAck, exclusive: method.Exclusive, owner: Owner)
        {
            Priority = ConsumerPriority(method.Arguments, queue),
        };
        consumer.Registration = registration;
        try
        {
            queue.AddConsumer(registration);
        }
        catch
        {
            lock (_gate)
            {
                _consumers.Remove(tag);
                ConsumersChangedLocked();
            }

            throw;
        }

        if (!method.Nowait)
        {
            Write(new BasicConsumeOk { ConsumerTag = tag });
        }

        lock (_gate)
        {
            consumer.Ready = true;
        }

        queue.Dispatch();
    }

    /// <summary>The <c>x-priority</c> consume argument (0 when absent); any integer width, as RabbitMQ takes it.</summary>
    private int ConsumerPriority(IReadOnlyDictionary<string, object?> arguments, IQueue queue)
    {
        if (!arguments.ContainsKey("x-priority"))
        {
            return 0;
        }

        if (!FieldTable.TryGetInt64(arguments, "x-priority", out var priority) || priority is < int.MinValue or > int.MaxValue)
        {
            throw BrokerException.PreconditionFailed(
                $"invalid arg 'x-priority' for queue '{queue.Name}' in vhost '{VirtualHost.Name}': must be a 32-bit integer");
        }

        return (int)priority;
    }

    private void OnCancel(BasicCancel method)
    {
        if (TryCancelDirectReply(method.ConsumerTag))
        {
            if (!method.Nowait)
            {
                Write(new BasicCancelOk { ConsumerTag = method.ConsumerTag });
            }

            return;
        }

        AmqpConsumer? consumer;
        lock (_gate)
        {
            if (_consumers.Remove(method.ConsumerTag, out consumer))
            {
                ConsumersChangedLocked();
                consumer.Cancelled = true;
            }
        }

        if (consumer?.Registration is { } registration)
        {
            VirtualHost.RemoveConsumer(consumer.Queue, registration);
        }

        if (!method.Nowait)
        {
            Write(new BasicCancelOk { ConsumerTag = method.ConsumerTag });
        }
    }

    private void OnGet(BasicGet method)
    {
        var queueName = ResolveQueueName(method.Queue);
        Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Read, "queue", queueName);
        var queue = VirtualHost.GetQueue(queueName, Owner);
        var remaining = queue.TryGet(method.NoAck, PublishingProtocol.Amqp091, out var queued);
        if (queued is null)
        {
            _counters.OnGetEmpty();
            Write(new BasicGetEmpty());
            return;
        }

        lock (_gate)
        {
            var tag = ++_deliveryTag;
            if (!method.NoAck)
            {
                _unacked.Add(new UnackedDelivery(tag, queue, queued, null));
            }

            var message = queued.Message;
            _counters.OnDelivered(get: true, method.NoAck, queued.Redelivered);
            _connection.Outbound.WriteContent(
                Id,
                new BasicGetOk
                {
                    DeliveryTag = tag,
                    Redelivered = queued.Redelivered,
                    Exchange = AmqpWirePrimitives.FitShortString(message.Exchange),
                    RoutingKey = AmqpWirePrimitives.FitShortString(message.RoutingKey),
                    MessageCount = (uint)remaining,
                },
                message,
                _connection.FrameMax);
        }
    }

    private void OnFlow(ChannelFlow method)
    {
        lock (_gate)
        {
            _flowActive = method.Active;
        }

        Write(new ChannelFlowOk { Active = method.Active });
        if (method.Active)
        {
            _creditFreed = true;
        }
    }

    /// <summary>
    /// Called by a queue, under its lock, on any thread: writes the delivery if the consumer has
    /// credit, or refuses with no effect.
    /// </summary>
    public bool TryDeliver(AmqpConsumer consumer, QueuedMessage queued)
    {
        lock (_gate)
        {
            if (_state != ChannelState.Open || !_flowActive || !consumer.Ready || consumer.Cancelled)
            {
                return false;
            }

            if (!consumer.NoAck
                && ((consumer.Prefetch != 0 && consumer.Unacked >= consumer.Prefetch)
                    || (_channelPrefetch != 0 && _consumerUnacked >= _channelPrefetch)))
            {
                return false;
            }

            if (_connection.Outbound.IsCongested)
            {
                return false;
            }

            var tag = ++_deliveryTag;
            if (!consumer.NoAck)
            {
                _unacked.Add(new UnackedDelivery(tag, consumer.Queue, queued, consumer));
                consumer.Unacked++;
                _consumerUnacked++;
            }

            _counters.OnDelivered(get: false, consumer.NoAck, queued.Redelivered);
            WriteDeliverLocked(consumer.Tag, tag, queued.Redelivered, queued.Message);
            return true;
        }
    }

    /// <summary>Writes basic.deliver with its content; called under the channel lock so tags go out in order.</summary>
    private void WriteDeliverLocked(string consumerTag, ulong deliveryTag, bool redelivered, Core.Messages.Message message) =>
        _connection.Outbound.WriteContent(
            Id,
            new BasicDeliver
            {
                ConsumerTag = consumerTag,
                DeliveryTag = deliveryTag,
                Redelivered = redelivered,
                Exchange = AmqpWirePrimitives.FitShortString(message.Exchange),
                RoutingKey = AmqpWirePrimitives.FitShortString(message.RoutingKey),
            },
            message,
            _connection.FrameMax);

    /// <summary>The consumer's queue was deleted: forget the consumer and tell the client if it listens for that.</summary>
    public void OnConsumerCancelledByBroker(AmqpConsumer consumer)
    {
        lock (_gate)
        {
            if (consumer.Cancelled || _state != ChannelState.Open)
            {
                return;
            }

            consumer.Cancelled = true;
            _consumers.Remove(consumer.Tag);
            ConsumersChangedLocked();
        }

        if (_connection.ClientCapabilities.ConsumerCancelNotify)
        {
            Write(new BasicCancel { ConsumerTag = consumer.Tag, Nowait = true });
        }
    }

    private static string NewConsumerTag() =>
        "amq.ctag-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
