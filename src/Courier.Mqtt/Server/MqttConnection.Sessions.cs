using Courier.Core;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Storage;
using Courier.Core.VirtualHosts;
using Courier.Mqtt.Packets;
using Courier.Mqtt.Retained;

namespace Courier.Mqtt.Server;

/// <summary>
/// Persistent sessions: 3.1.1 clean session 0 and 5.0 Session Expiry Interval &gt; 0. The session's
/// subscriptions and queued messages outlive the connection, its QoS 2 exchanges in progress are
/// taken up again on resume, and its will may wait for its delay.
/// </summary>
/// <remarks>
/// <para>Kept as RabbitMQ 3.13's plugin keeps it: the subscription queues of a persistent session
/// are durable and shared (not exclusive), named by client id in the session's vhost, with an
/// <c>x-expires</c> of the session expiry interval, so the queue deletes itself once it has had no
/// consumer for that long, also after a restart (where it counts from the restart). Their bindings
/// on <c>amq.topic</c> are durable too and are the subscription table: the queue a filter is bound
/// to is its granted QoS, and the table is read back from the bindings on resume.</para>
/// <para>What only a live connection knows (the QoS 2 packet ids in progress both ways, the ids of
/// the deliveries that were out, a delayed will) is kept in memory by <see cref="MqttSessionStore"/>
/// while the client is away, and lost in a restart.</para>
/// </remarks>
internal sealed partial class MqttConnection
{
    private uint _sessionExpiry;
    private bool _persistent;
    private Dictionary<(string Queue, long Sequence), ushort>? _resumedIds;

    private static string SubscriptionQueueName(string clientId, MqttQos qos) => $"mqtt-subscription-{clientId}qos{(int)qos}";

    /// <summary>
    /// Before CONNACK: the session's expiry, and the session this client left, taken up again or
    /// discarded (clean start). Returns true when one is resumed (CONNACK's Session Present).
    /// </summary>
    private bool StartSession(MqttConnect connect)
    {
        var requested = IsV5 ? connect.Properties?.SessionExpiryInterval ?? 0 : connect.CleanStart ? 0 : uint.MaxValue;
        _sessionExpiry = (uint)Math.Min(requested, (ulong)_options.MaxSessionExpiry.TotalSeconds);
        _persistent = _sessionExpiry > 0;

        var state = MqttSessionStore.For(Broker).Take(VirtualHost!.Name, ClientId);
        if (connect.CleanStart)
        {
            // The old session ends here: its delayed will goes out, its queues go.
            if (state is not null)
            {
                MqttSessionStore.PublishWill(state);
            }

            for (var qos = MqttQos.AtMostOnce; qos <= MqttQos.ExactlyOnce; qos++)
            {
                if (VirtualHost.TryGetQueue(SubscriptionQueueName(ClientId, qos), out var queue) && !queue.Exclusive)
                {
                    DeleteSessionQueue(queue);
                }
            }

            StartQos2Deliveries(resumed: false);
            StartReceivedQos2(resumed: false);
            return false;
        }

        var queuesKept = HasSessionQueues();
        var present = state is not null || queuesKept;

        if (state is not null)
        {
            lock (state)
            {
                // Back within the will delay: the will is never sent.
                state.PendingWill = null;
            }

            AwaitingRelease.UnionWith(state.AwaitingRelease);
            Releasing.UnionWith(state.Releasing);
            _resumedIds = state.InFlightIds.Count > 0 ? state.InFlightIds : null;
        }

        StartQos2Deliveries(resumed: queuesKept);
        // Received QoS 2 ids on disk make the session present even without queues (a publisher's).
        return StartReceivedQos2(resumed: true) || present;
    }

    /// <summary>The Session Expiry Interval CONNACK announces: only when the broker's maximum lowered the client's.</summary>
    private uint? AnnouncedSessionExpiry(MqttConnect connect) =>
        IsV5 && connect.Properties?.SessionExpiryInterval is { } requested && requested != _sessionExpiry ? _sessionExpiry : null;

    /// <summary>
    /// After CONNACK: the subscriptions read back from the durable bindings, the queues consumed
    /// again (what was out goes again, DUP set), and PUBREL sent again for QoS 2 deliveries half done.
    /// </summary>
    private void ResumeSession()
    {
        var exchange = VirtualHost!.GetExchange(MqttTopicMapping.Exchange);
        var bindings = exchange.GetBindings();
        for (var qos = MqttQos.AtMostOnce; qos <= MqttQos.ExactlyOnce; qos++)
        {
            if (!VirtualHost.TryGetQueue(SubscriptionQueueName(ClientId, qos), out var queue) || queue.Exclusive)
            {
                continue;
            }

            lock (_deliveryGate)
            {
                foreach (var binding in bindings)
                {
                    if (ReferenceEquals(binding.Destination, queue))
                    {
                        var filter = ToFilter(binding.RoutingKey);
                        Subscriptions[filter] = qos;
                        SetOptionsLocked(filter, MqttSubscriptionOptions.FromBindingArguments(binding.Arguments));
                    }
                }
            }

            SubscriptionQueue(qos);
        }

        ushort[] releasing;
        lock (_deliveryGate)
        {
            releasing = [.. Releasing];
        }

        foreach (var packetId in releasing)
        {
            Outbound.Write(new MqttPubRel { PacketId = packetId });
        }

        OnOutboundDrained();
    }

    /// <summary>The queue behind a subscription queue name: a persistent session's, taken up again, or a new one.</summary>
    private IQueue DeclareSubscriptionQueue(string name)
    {
        if (VirtualHost!.TryGetQueue(name, out var existing) && !existing.Exclusive)
        {
            return existing;
        }

        var definition = _persistent
            ? new QueueDefinition { Durable = true, Arguments = new Dictionary<string, object?> { ["x-expires"] = ExpiresMilliseconds } }
            : new QueueDefinition { Exclusive = true, AutoDelete = true };
        return VirtualHost.DeclareQueue(name, definition, passive: false, Session!).Queue;
    }

    private long ExpiresMilliseconds => _sessionExpiry * 1000L;

    /// <summary>The packet id of a delivery: the one it had when the last connection ended, if it was out then.</summary>
    private ushort PacketIdForLocked(MqttSubscriptionQueue subscription, QueuedMessage queued)
    {
        if (_resumedIds is not null && _resumedIds.Remove((subscription.Queue.Name, queued.Sequence), out var packetId)
            && !InFlight.ContainsKey(packetId) && !Releasing.Contains(packetId))
        {
            return packetId;
        }

        return NextPacketIdLocked();
    }

    /// <summary>True while <paramref name="packetId"/> waits for the delivery that had it before the client reconnected.</summary>
    private bool IsResumedIdLocked(ushort packetId) => _resumedIds is { Count: > 0 } && _resumedIds.ContainsValue(packetId);

    /// <summary>DISCONNECT may change the session expiry, but not from 0 (5.0 3.14.2.2.2).</summary>
    private void ChangeSessionExpiry(MqttDisconnect disconnect)
    {
        if (!IsV5 || disconnect.Properties?.SessionExpiryInterval is not { } requested)
        {
            return;
        }

        if (!_persistent && requested > 0)
        {
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, "the session expiry interval was 0 at CONNECT and may not be set at DISCONNECT");
        }

        _sessionExpiry = (uint)Math.Min(requested, (ulong)_options.MaxSessionExpiry.TotalSeconds);
    }

    /// <summary>
    /// The connection ends: a persistent session's deliveries that were out go back to their queues
    /// (marked redelivered) and the session is kept until it expires; a session that ends now loses
    /// its queues. Runs before the will, which a kept session may delay.
    /// </summary>
    private void EndSession()
    {
        List<(MqttSubscriptionQueue Queue, QueuedMessage Message, ushort PacketId)> outstanding = [];
        var state = new MqttSessionState();
        lock (_deliveryGate)
        {
            foreach (var (packetId, delivery) in InFlight)
            {
                outstanding.Add((delivery.Queue, delivery.Message, packetId));
            }

            InFlight.Clear();
            state.Releasing.UnionWith(Releasing);
        }

        foreach (var subscription in _subscriptionQueues)
        {
            if (subscription is { Consumer: { } consumer } && !subscription.Queue.Exclusive)
            {
                VirtualHost!.RemoveConsumer(subscription.Queue, consumer);
            }
        }

        foreach (var (subscription, message, packetId) in outstanding)
        {
            state.InFlightIds[(subscription.Queue.Name, message.Sequence)] = packetId;
            subscription.Queue.Requeue([message]);
        }

        if (_sessionExpiry == 0)
        {
            ForgetQos2Deliveries();
            foreach (var subscription in _subscriptionQueues)
            {
                if (subscription is not null && !subscription.Queue.Exclusive)
                {
                    DeleteSessionQueue(subscription.Queue);
                }
            }

            return;
        }

        foreach (var subscription in _subscriptionQueues)
        {
            if (subscription is not null && !subscription.Queue.Exclusive)
            {
                VirtualHost!.ChangeQueueExpires(subscription.Queue, ExpiresMilliseconds);
            }
        }

        state.AwaitingRelease.UnionWith(AwaitingRelease);
        var willDelay = TimeSpan.Zero;
        if (!_disconnectedCleanly && _will is { Properties.WillDelayInterval: > 0 } will && TopicExchange() is not null)
        {
            // The will waits for its delay; the client coming back within it cancels it.
            state.PendingWill = (will, VirtualHost!, Broker);
            willDelay = TimeSpan.FromSeconds(will.Properties!.WillDelayInterval!.Value);
            _will = null;
        }

        MqttSessionStore.For(Broker).Keep(VirtualHost!.Name, ClientId, state, TimeSpan.FromSeconds(_sessionExpiry), willDelay, _time);
    }

    /// <summary>The filter a subscription's binding key came from (<see cref="MqttTopicMapping.ToBindingKey"/> reversed: a level <c>*</c> is <c>+</c>).</summary>
    private static string ToFilter(string bindingKey)
    {
        var levels = MqttTopicMapping.ToTopic(bindingKey).Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            if (levels[i] == "*")
            {
                levels[i] = "+";
            }
        }

        return string.Join('/', levels);
    }

    private void DeleteSessionQueue(IQueue queue)
    {
        try
        {
            VirtualHost!.DeleteQueue(queue.Name, ifUnused: false, ifEmpty: false, Session!);
        }
        catch (BrokerException e) when (e.Error == BrokerError.NotFound)
        {
            // Expired or deleted meanwhile.
        }
    }

    /// <summary>Publishes a will on behalf of a client that is gone (a delayed will); best effort, as every will is.</summary>
    internal static void PublishWill(Broker broker, VirtualHost virtualHost, MqttWill will)
    {
        try
        {
            var message = ToMessage(will.Topic, will.Payload, will.QoS, will.Retain, will.Properties);
            virtualHost.Publish(virtualHost.GetExchange(MqttTopicMapping.Exchange), message, new RoutingResult());
            if (will.Retain)
            {
                var record = new RetainedRecord(will.QoS, broker.Time.GetUtcNow().ToUnixTimeMilliseconds(), will.Properties, will.Payload);
                RetainedMessages.For(broker, virtualHost).Retain(will.Topic, record);
            }
        }
        catch (Exception e) when (e is BrokerException or StoreFailedException)
        {
            // Nobody is left to tell.
        }
    }
}
