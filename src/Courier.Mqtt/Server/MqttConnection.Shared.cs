using Courier.Core;
using Courier.Core.Queues;
using Courier.Core.Security;
using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>
/// Shared subscriptions, <c>$share/{group}/{filter}</c> (MQTT 5.0 4.8.2, also taken from 3.1 and
/// 3.1.1 clients as Mosquitto does): one queue per vhost, group and filter, consumed by every
/// connection subscribed to it, so its messages are spread among them as among competing AMQP
/// consumers.
/// </summary>
/// <remarks>
/// <para>The queue is <c>mqtt-shared-{group}/{filter}</c>: not exclusive, not durable, auto-delete,
/// bound to <c>amq.topic</c> with the filter's binding key. Each subscriber adds a consumer with its
/// own granted QoS (settled automatically for QoS 0, by PUBACK or PUBREC otherwise). When a
/// subscriber unsubscribes or its connection ends, its consumer goes and the deliveries it had not
/// acknowledged go back to the queue, for the others; when the last one goes the queue is deleted
/// (clean sessions own nothing past their connection).</para>
/// <para>No retained messages are sent on subscribe (spec 4.8.2). A persistent session's shared
/// subscription will need its consumer to go with the connection but the queue to stay while the
/// session lives (durable, not auto-delete, deleted when the last session holding it expires):
/// <see cref="ReleaseSharedSubscriptions"/> is where a connection lets go of them.</para>
/// </remarks>
internal sealed partial class MqttConnection
{
    // Shared subscriptions by their whole name ($share/group/filter): this connection's consumer of each.
    // Created on first use (by whichever thread comes first): an idle connection holds none of these.
    private Dictionary<string, MqttSubscriptionQueue>? _sharedCreated;
    private Dictionary<string, MqttSubscriptionQueue> SharedSubscriptions => LazyInitializer.EnsureInitialized(ref _sharedCreated, static () => new Dictionary<string, MqttSubscriptionQueue>(StringComparer.Ordinal));

    // The same, for threads other than the reader (dispatch when the outbound drains).
    private volatile MqttSubscriptionQueue[] _sharedSinks = [];

    /// <summary>
    /// Splits <c>$share/{group}/{filter}</c>: the group at least one character with no <c>/</c>,
    /// <c>+</c> or <c>#</c>, followed by <c>/</c> and a valid filter (MQTT-4.8.2-1, MQTT-4.8.2-2).
    /// </summary>
    internal static bool TryParseShared(string name, out string group, out string filter)
    {
        group = filter = string.Empty;
        var rest = name.AsSpan(MqttTopic.SharedPrefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0 || rest[..slash].IndexOfAny('+', '#') >= 0)
        {
            return false;
        }

        group = rest[..slash].ToString();
        filter = rest[(slash + 1)..].ToString();
        return MqttTopicMapping.IsValidFilter(filter);
    }

    /// <summary>Subscribes to a shared subscription; returns the granted QoS or a failure code.</summary>
    private byte SubscribeShared(MqttSubscription subscription, byte failure)
    {
        if (!TryParseShared(subscription.Filter, out var group, out var filter))
        {
            return IsV5 ? MqttServerReason.TopicFilterInvalid : failure;
        }

        if (subscription.RetainAsPublished)
        {
            // Never accepted and ignored (docs/mqtt.md).
            return MqttServerReason.ImplementationSpecificError;
        }

        var granted = subscription.MaximumQoS;
        var name = $"mqtt-shared-{group}/{filter}";
        try
        {
            Broker.Authorize(User!, VirtualHost!, AccessKind.Configure, "queue", name);
            Broker.Authorize(User!, VirtualHost!, AccessKind.Read, "queue", name);
            Broker.Authorize(User!, VirtualHost!, AccessKind.Write, "queue", name);
            Broker.Authorize(User!, VirtualHost!, AccessKind.Read, "exchange", MqttTopicMapping.Exchange);

            // The queue's last subscriber may leave (and delete it) between the declare and the
            // consume here: then it is declared again, a bounded number of times.
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var queue = VirtualHost!.DeclareQueue(name, new QueueDefinition { AutoDelete = true }, passive: false, Session!).Queue;
                VirtualHost.BindQueue(name, MqttTopicMapping.Exchange, MqttTopicMapping.ToBindingKey(filter), null, Session!);
                var sink = new MqttSubscriptionQueue(this, queue, granted) { SharedFilter = filter };
                sink.Consumer = new QueueConsumer($"mqtt-{ClientId}-{subscription.Filter}", sink, autoSettle: granted == MqttQos.AtMostOnce, exclusive: false, owner: Session!);
                try
                {
                    queue.AddConsumer(sink.Consumer);
                }
                catch (BrokerException e) when (e.Error == BrokerError.NotFound)
                {
                    continue;
                }

                // Subscribing again replaces the subscription (MQTT-3.8.4-3): the new consumer is
                // added first, so the queue never loses its last one on the way.
                if (SharedSubscriptions.Remove(subscription.Filter, out var previous))
                {
                    ReleaseShared(previous);
                }

                SharedSubscriptions[subscription.Filter] = sink;
                _sharedSinks = [.. SharedSubscriptions.Values];
                return (byte)granted;
            }

            return failure;
        }
        catch (BrokerException e)
        {
            return SubscribeRefusal(e, failure);
        }
    }

    /// <summary>UNSUBSCRIBE of a shared subscription, by the name it was subscribed with.</summary>
    private byte UnsubscribeShared(string name)
    {
        if (!SharedSubscriptions.Remove(name, out var sink))
        {
            return MqttServerReason.NoSubscriptionExisted;
        }

        _sharedSinks = [.. SharedSubscriptions.Values];
        ReleaseShared(sink);
        return MqttReasonCode.Success;
    }

    /// <summary>
    /// The connection ends: its consumers of shared queues go, and what they had not acknowledged
    /// goes back to the queues for the other subscribers. The seam for persistent sessions.
    /// </summary>
    private void ReleaseSharedSubscriptions()
    {
        foreach (var sink in _sharedSinks)
        {
            ReleaseShared(sink);
        }

        SharedSubscriptions.Clear();
        _sharedSinks = [];
    }

    /// <summary>Removes this connection's consumer from a shared queue and puts back its unacknowledged deliveries.</summary>
    private void ReleaseShared(MqttSubscriptionQueue sink)
    {
        List<QueuedMessage>? unacknowledged = null;
        lock (_deliveryGate)
        {
            sink.Cancelled = true;
            foreach (var (packetId, delivery) in InFlight)
            {
                if (ReferenceEquals(delivery.Queue, sink))
                {
                    (unacknowledged ??= []).Add(delivery.Message);
                    InFlight.Remove(packetId);
                }
            }
        }

        VirtualHost!.RemoveConsumer(sink.Queue, sink.Consumer!);
        if (unacknowledged is not null)
        {
            sink.Queue.Requeue(unacknowledged);
        }
    }

    private void DispatchShared()
    {
        foreach (var sink in _sharedSinks)
        {
            sink.Queue.Dispatch();
        }
    }
}
