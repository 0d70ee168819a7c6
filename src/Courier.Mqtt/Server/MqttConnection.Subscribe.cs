using Courier.Core;
using Courier.Core.Queues;
using Courier.Core.Security;
using Courier.Mqtt.Packets;
using Courier.Mqtt.Retained;

namespace Courier.Mqtt.Server;

/// <summary>
/// SUBSCRIBE and UNSUBSCRIBE as bindings of the connection's subscription queues, and deliveries
/// out of those queues as PUBLISH, QoS 1 ones settled by the client's PUBACK.
/// </summary>
/// <remarks>
/// Three exclusive queues at most, one per granted QoS, as RabbitMQ's plugin had them: a filter
/// granted QoS 0 is bound to the QoS 0 queue (consumed with automatic settlement), one granted QoS 1
/// to the QoS 1 queue (settled by PUBACK), QoS 2 to the QoS 2 queue (settled by PUBREC, the id
/// freed by PUBCOMP); at most <see cref="_maxInFlight"/> QoS 1 and 2 deliveries are out at a time. Queues
/// deliver on their own threads: <see cref="_deliveryGate"/> guards the filters, the in-flight
/// deliveries and the packet ids, and orders the PUBLISH packets written.
/// </remarks>
internal sealed partial class MqttConnection
{
    private readonly Lock _deliveryGate = new();
    // Created on first use (by whichever thread comes first): an idle connection holds none of these.
    private Dictionary<string, MqttQos>? _subscriptionsCreated;
    private Dictionary<string, MqttQos> Subscriptions => LazyInitializer.EnsureInitialized(ref _subscriptionsCreated, static () => new Dictionary<string, MqttQos>(StringComparer.Ordinal));

    private readonly MqttSubscriptionQueue?[] _subscriptionQueues = new MqttSubscriptionQueue?[3];
    // QoS 2 deliveries whose PUBREC came (the message is settled) and whose PUBCOMP has not: their ids stay taken.
    // Created on first use (by whichever thread comes first): an idle connection holds none of these.
    private HashSet<ushort>? _releasingCreated;
    private HashSet<ushort> Releasing => LazyInitializer.EnsureInitialized(ref _releasingCreated, static () => new HashSet<ushort>());

    // Created on first use (by whichever thread comes first): an idle connection holds none of these.
    private Dictionary<ushort, (MqttSubscriptionQueue Queue, QueuedMessage Message)>? _inFlightCreated;
    private Dictionary<ushort, (MqttSubscriptionQueue Queue, QueuedMessage Message)> InFlight => LazyInitializer.EnsureInitialized(ref _inFlightCreated, static () => new Dictionary<ushort, (MqttSubscriptionQueue Queue, QueuedMessage Message)>());

    private List<(IQueue Queue, QueuedMessage Message)> _toSettle = [];
    private bool _settleScheduled;
    private ushort _lastPacketId;
    private int _maxInFlight;

    private void OnSubscribe(MqttSubscribe subscribe)
    {
        var identifier = subscribe.Properties?.SubscriptionIdentifiers is [var id] ? id : (uint?)null;
        var codes = new byte[subscribe.Subscriptions.Count];
        for (var i = 0; i < codes.Length; i++)
        {
            codes[i] = Subscribe(subscribe.Subscriptions[i], identifier);
        }

        Outbound.Write(new MqttSubAck { PacketId = subscribe.PacketId, ReasonCodes = codes });
        OnOutboundDrained();
    }

    /// <summary>Binds one filter; returns the granted QoS or a failure code.</summary>
    private byte Subscribe(MqttSubscription subscription, uint? identifier)
    {
        var failure = IsV5 ? MqttServerReason.UnspecifiedError : MqttServerReason.V3SubscribeFailure;
        if (subscription.Filter.StartsWith(MqttTopic.SharedPrefix, StringComparison.Ordinal))
        {
            // A shared queue's deliveries do not carry identifiers yet: refused, not ignored.
            return identifier is not null ? MqttServerReason.SubscriptionIdentifiersNotSupported : SubscribeShared(subscription, failure);
        }

        if (!MqttTopicMapping.IsValidFilter(subscription.Filter))
        {
            return IsV5 ? MqttServerReason.TopicFilterInvalid : failure;
        }

        var granted = subscription.MaximumQoS;
        var bindingKey = MqttTopicMapping.ToBindingKey(subscription.Filter);
        try
        {
            var queue = SubscriptionQueue(granted);
            Broker.Authorize(User!, VirtualHost!, AccessKind.Write, "queue", queue.Queue.Name);
            Broker.Authorize(User!, VirtualHost!, AccessKind.Read, "exchange", MqttTopicMapping.Exchange);
            Broker.AuthorizeTopic(User!, VirtualHost!, AccessKind.Read, MqttTopicMapping.Exchange, bindingKey, ClientId);
            var options = new MqttSubscriptionOptions(subscription.NoLocal, subscription.RetainAsPublished, identifier);
            VirtualHost!.BindQueue(queue.Queue.Name, MqttTopicMapping.Exchange, bindingKey, options.ToBindingArguments(), Session!);
            MqttQos previous;
            MqttSubscriptionOptions previousOptions;
            bool existed;
            lock (_deliveryGate)
            {
                existed = Subscriptions.TryGetValue(subscription.Filter, out previous);
                Subscriptions[subscription.Filter] = granted;
                previousOptions = SetOptionsLocked(subscription.Filter, options);
            }

            if (existed && (previous != granted || previousOptions != options))
            {
                // Subscribing again replaces the subscription (MQTT-3.8.4-3): its old binding goes.
                VirtualHost.UnbindQueue(_subscriptionQueues[(int)previous]!.Queue.Name, MqttTopicMapping.Exchange, bindingKey, previousOptions.ToBindingArguments(), Session!);
            }

            if (subscription.RetainHandling == MqttRetainHandling.SendOnSubscribe
                || (subscription.RetainHandling == MqttRetainHandling.SendOnSubscribeIfNew && !existed))
            {
                EnqueueRetained(queue, subscription.Filter);
            }

            return (byte)granted;
        }
        catch (BrokerException e)
        {
            return SubscribeRefusal(e, failure);
        }
    }

    /// <summary>The SUBACK code for a refusal from the core: 0x87 Not authorized or 0x97 Quota exceeded (a vhost's max-queues) in 5.0, the failure code otherwise.</summary>
    private byte SubscribeRefusal(BrokerException e, byte failure) =>
        !IsV5 ? failure
        : e.Error == BrokerError.AccessRefused ? MqttServerReason.NotAuthorized
        : e.IsLimit ? MqttServerReason.QuotaExceeded
        : failure;

    /// <summary>The subscription queue for <paramref name="qos"/>, declared and consumed on first use.</summary>
    private MqttSubscriptionQueue SubscriptionQueue(MqttQos qos)
    {
        if (_subscriptionQueues[(int)qos] is { } existing)
        {
            return existing;
        }

        var name = SubscriptionQueueName(ClientId, qos);
        Broker.Authorize(User!, VirtualHost!, AccessKind.Configure, "queue", name);
        Broker.Authorize(User!, VirtualHost!, AccessKind.Read, "queue", name);
        var declared = DeclareSubscriptionQueue(name);
        var sink = new MqttSubscriptionQueue(this, declared, qos);
        var consumer = new QueueConsumer("mqtt-" + ClientId + "-qos" + (int)qos, sink, autoSettle: qos == MqttQos.AtMostOnce, exclusive: true, owner: Session!);
        sink.Consumer = consumer;
        declared.AddConsumer(consumer);
        _subscriptionQueues[(int)qos] = sink;
        return sink;
    }

    private void OnUnsubscribe(MqttUnsubscribe unsubscribe)
    {
        var codes = new byte[unsubscribe.Filters.Count];
        for (var i = 0; i < codes.Length; i++)
        {
            var filter = unsubscribe.Filters[i];
            if (filter.StartsWith(MqttTopic.SharedPrefix, StringComparison.Ordinal))
            {
                codes[i] = UnsubscribeShared(filter);
                continue;
            }

            bool existed;
            MqttQos qos;
            MqttSubscriptionOptions options;
            lock (_deliveryGate)
            {
                existed = Subscriptions.Remove(filter, out qos);
                options = SetOptionsLocked(filter, default);
            }

            if (existed)
            {
                VirtualHost!.UnbindQueue(_subscriptionQueues[(int)qos]!.Queue.Name, MqttTopicMapping.Exchange, MqttTopicMapping.ToBindingKey(filter), options.ToBindingArguments(), Session!);
            }

            codes[i] = existed ? MqttReasonCode.Success : MqttServerReason.NoSubscriptionExisted;
        }

        Outbound.Write(new MqttUnsubAck { PacketId = unsubscribe.PacketId, ReasonCodes = IsV5 ? codes : [] });
    }

    /// <summary>
    /// Called by a subscription queue, under its lock, on any thread: writes the delivery if the
    /// connection can take it, or refuses with no effect.
    /// </summary>
    public bool TryDeliver(MqttSubscriptionQueue subscription, QueuedMessage queued)
    {
        lock (_deliveryGate)
        {
            if (!_connected || _finished || subscription.Cancelled || Outbound.IsCongested)
            {
                return false;
            }

            var message = queued.Message;
            var qos = (MqttQos)Math.Min((int)subscription.QoS, message.Annotations.Qos ?? (message.IsPersistent ? 1 : 0));
            if (qos != MqttQos.AtMostOnce && InFlight.Count + Releasing.Count >= _maxInFlight)
            {
                return false;
            }

            var topic = MqttTopicMapping.ToTopic(message.RoutingKey);
            if ((topic.StartsWith('$') && !FilterMatchesLocked(subscription, topic)) || !IsDeliverableTopic(topic))
            {
                // A '#' or '+' binding took a '$' topic, which MQTT keeps from leading wildcards; or
                // an AMQP routing key (empty, or with '+' or '#') that is no MQTT topic name.
                SettleLaterLocked(subscription, queued);
                return true;
            }

            var (skip, retainAsPublished, identifiers) = subscription.SharedFilter is null
                ? ApplyOptionsLocked(subscription.QoS, topic, message)
                : default;
            if (skip)
            {
                // No Local: this session published it, and only No Local filters of this queue match.
                SettleLaterLocked(subscription, queued);
                return true;
            }

            if (IsDurableQos2Delivery(qos, queued))
            {
                return DeliverDurablyLocked(subscription, queued, topic, retainAsPublished, identifiers);
            }

            var packetId = qos != MqttQos.AtMostOnce ? PacketIdForLocked(subscription, queued) : (ushort)0;
            try
            {
                if (DeliveryLocked(topic, qos, packetId, queued, retainAsPublished, identifiers) is not { } publish)
                {
                    // Larger than the client's Maximum Packet Size: dropped as if it had been sent.
                    SettleLaterLocked(subscription, queued);
                    return true;
                }

                Outbound.Write(publish);
                DeliveredLocked(topic, publish);
            }
            catch (ArgumentException)
            {
                // Not expressible in MQTT (a header value past 65,535 bytes from AMQP): dropped, as
                // the codec measures before it writes anything.
                SettleLaterLocked(subscription, queued);
                return true;
            }

            if (packetId != 0)
            {
                InFlight.Add(packetId, (subscription, queued));
            }
            else
            {
                SettleLaterLocked(subscription, queued);
            }

            return true;
        }
    }

    private static bool IsDeliverableTopic(string topic) => topic.Length > 0 && !MqttTopic.HasWildcard(topic);

    private bool FilterMatchesLocked(MqttSubscriptionQueue subscription, string topic) =>
        subscription.SharedFilter is { } filter ? MqttTopicMapping.Matches(filter, topic) : AnyFilterMatchesLocked(subscription.QoS, topic);

    private bool AnyFilterMatchesLocked(MqttQos qos, string topic)
    {
        foreach (var (filter, granted) in Subscriptions)
        {
            if (granted == qos && MqttTopicMapping.Matches(filter, topic))
            {
                return true;
            }
        }

        return false;
    }

    private ushort NextPacketIdLocked()
    {
        do
        {
            _lastPacketId = _lastPacketId == ushort.MaxValue ? (ushort)1 : (ushort)(_lastPacketId + 1);
        }
        while (InFlight.ContainsKey(_lastPacketId) || Releasing.Contains(_lastPacketId) || IsResumedIdLocked(_lastPacketId) || IsSavedQos2IdLocked(_lastPacketId));

        return _lastPacketId;
    }

    /// <summary>
    /// A delivery the QoS 1 queue handed over that needs no PUBACK (sent at QoS 0, or skipped): it
    /// is settled off the queue's lock, since a sink may not call back into its queue.
    /// </summary>
    private void SettleLaterLocked(MqttSubscriptionQueue subscription, QueuedMessage queued)
    {
        if (subscription.QoS == MqttQos.AtMostOnce)
        {
            return;
        }

        _toSettle.Add((subscription.Queue, queued));
        if (!_settleScheduled)
        {
            _settleScheduled = true;
            ThreadPool.UnsafeQueueUserWorkItem(static c => c.SettleDeferred(), this, preferLocal: false);
        }
    }

    private void SettleDeferred()
    {
        List<(IQueue Queue, QueuedMessage Message)> batch;
        lock (_deliveryGate)
        {
            batch = _toSettle;
            _toSettle = [];
            _settleScheduled = false;
        }

        foreach (var (queue, message) in batch)
        {
            queue.Settle(message);
        }

        if (batch.Count > 0)
        {
            batch[0].Queue.Dispatch();
        }
    }

    private void OnPubAck(MqttPubAck ack)
    {
        (MqttSubscriptionQueue Queue, QueuedMessage Message) delivery;
        lock (_deliveryGate)
        {
            if (!InFlight.Remove(ack.PacketId, out delivery))
            {
                return;
            }
        }

        delivery.Queue.Queue.Settle(delivery.Message);
        delivery.Queue.Queue.Dispatch();
    }

    /// <summary>
    /// PUBREC for a QoS 2 delivery: the client has it, so the queue settles it now (it is never
    /// handed out again) and PUBREL follows; the packet id stays taken until PUBCOMP.
    /// </summary>
    private void OnPubRec(MqttPubRec received)
    {
        if (TryReleaseDurably(received))
        {
            return;
        }

        (MqttSubscriptionQueue Queue, QueuedMessage Message) delivery;
        bool known;
        lock (_deliveryGate)
        {
            known = InFlight.Remove(received.PacketId, out delivery);
            if (known && received.ReasonCode < MqttServerReason.UnspecifiedError)
            {
                Releasing.Add(received.PacketId);
            }
        }

        if (known)
        {
            delivery.Queue.Queue.Settle(delivery.Message);
            delivery.Queue.Queue.Dispatch();
        }

        if (received.ReasonCode < MqttServerReason.UnspecifiedError)
        {
            Outbound.Write(new MqttPubRel
            {
                PacketId = received.PacketId,
                ReasonCode = known || !IsV5 ? MqttReasonCode.Success : MqttServerReason.PacketIdentifierNotFound,
            });
        }
    }

    private void OnPubComp(MqttPubComp completed)
    {
        bool known;
        lock (_deliveryGate)
        {
            known = Releasing.Remove(completed.PacketId);
            CompleteDurablyLocked(completed.PacketId);
        }

        if (known)
        {
            OnOutboundDrained();
        }
    }

    private void OnOutboundDrained()
    {
        foreach (var queue in _subscriptionQueues)
        {
            queue?.Queue.Dispatch();
        }

        DispatchShared();
    }
}
