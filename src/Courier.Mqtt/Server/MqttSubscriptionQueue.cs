using Courier.Core.Queues;
using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>
/// One of a connection's subscription queues, <c>mqtt-subscription-{clientid}qos{n}</c>: every
/// filter subscribed with granted QoS n is a binding of this queue on <c>amq.topic</c>, and the
/// connection consumes it; or one consumer of a shared subscription's queue (MqttConnection.Shared.cs).
/// The sink the queue pushes deliveries into.
/// </summary>
internal sealed class MqttSubscriptionQueue : IDeliverySink
{
    public MqttSubscriptionQueue(MqttConnection connection, IQueue queue, MqttQos qos)
    {
        Connection = connection;
        Queue = queue;
        QoS = qos;
    }

    public MqttConnection Connection { get; }

    public IQueue Queue { get; }

    /// <summary>The QoS granted to the filters bound to this queue: deliveries go out at most at this QoS.</summary>
    public MqttQos QoS { get; }

    public QueueConsumer? Consumer { get; set; }

    /// <summary>For a shared subscription's queue (<c>$share/{group}/{filter}</c>), the filter; null for the connection's own queues.</summary>
    public string? SharedFilter { get; init; }

    /// <summary>Set (under the connection's delivery gate) when a shared subscription is being let go: it takes nothing more.</summary>
    public bool Cancelled { get; set; }

    public bool TryDeliver(IQueue queue, QueueConsumer consumer, QueuedMessage message) => Connection.TryDeliver(this, message);

    public void OnCancelled(IQueue queue, QueueConsumer consumer)
    {
        // The queue was deleted (by the connection ending, or by an operator): nothing more comes.
    }
}
