using Courier.Core.Sessions;

namespace Courier.Core.Queues;

/// <summary>A consumer registered on a queue.</summary>
public sealed class QueueConsumer
{
    public QueueConsumer(string tag, IDeliverySink sink, bool autoSettle, bool exclusive, ClientSession owner)
    {
        Tag = tag;
        Sink = sink;
        AutoSettle = autoSettle;
        Exclusive = exclusive;
        Owner = owner;
    }

    public string Tag { get; }

    public IDeliverySink Sink { get; }

    /// <summary>True when a delivery counts as settled the moment it is handed over (AMQP no-ack, MQTT QoS 0).</summary>
    public bool AutoSettle { get; }

    public bool Exclusive { get; }

    /// <summary>The client session the consumer belongs to.</summary>
    public ClientSession Owner { get; }

    /// <summary>
    /// The consumer's priority (AMQP's <c>x-priority</c> consume argument): a queue offers messages
    /// to its highest-priority consumers first, and to lower ones only while those cannot take them.
    /// </summary>
    public int Priority { get; init; }
}
