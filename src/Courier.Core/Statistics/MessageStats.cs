namespace Courier.Core.Statistics;

/// <summary>
/// Message counts since the node started, with the names of RabbitMQ's <c>message_stats</c>. Each
/// object fills the ones that mean something for it (a queue has no <c>confirm</c>, an exchange
/// only <c>publish_in</c> and <c>publish_out</c>); the rest stay 0.
/// </summary>
public readonly record struct MessageStats
{
    /// <summary>Messages published (into a vhost by clients, or into a queue by routing).</summary>
    public long Publish { get; init; }

    /// <summary>Published by clients that asked for a confirm (RabbitMQ's <c>messages_received_confirm</c>).</summary>
    public long PublishConfirm { get; init; }

    /// <summary>Published messages that reached at least one queue.</summary>
    public long Routed { get; init; }

    /// <summary>Messages published into an exchange.</summary>
    public long PublishIn { get; init; }

    /// <summary>Messages an exchange routed on to a queue.</summary>
    public long PublishOut { get; init; }

    public long Confirm { get; init; }

    public long ReturnUnroutable { get; init; }

    public long DropUnroutable { get; init; }

    /// <summary>Delivered to consumers that acknowledge.</summary>
    public long Deliver { get; init; }

    /// <summary>Delivered to consumers that do not acknowledge (AMQP no-ack, MQTT QoS 0).</summary>
    public long DeliverNoAck { get; init; }

    /// <summary>Taken by basic.get (or the API's get) to be acknowledged.</summary>
    public long Get { get; init; }

    public long GetNoAck { get; init; }

    /// <summary>Gets that found the queue empty.</summary>
    public long GetEmpty { get; init; }

    /// <summary>Deliveries of a message delivered before.</summary>
    public long Redeliver { get; init; }

    public long Ack { get; init; }

    /// <summary>RabbitMQ's <c>deliver_get</c>: every delivery, by consume or by get.</summary>
    public long DeliverGet => Deliver + DeliverNoAck + Get + GetNoAck;

    public static MessageStats operator +(MessageStats a, MessageStats b) => new()
    {
        Publish = a.Publish + b.Publish,
        PublishConfirm = a.PublishConfirm + b.PublishConfirm,
        Routed = a.Routed + b.Routed,
        PublishIn = a.PublishIn + b.PublishIn,
        PublishOut = a.PublishOut + b.PublishOut,
        Confirm = a.Confirm + b.Confirm,
        ReturnUnroutable = a.ReturnUnroutable + b.ReturnUnroutable,
        DropUnroutable = a.DropUnroutable + b.DropUnroutable,
        Deliver = a.Deliver + b.Deliver,
        DeliverNoAck = a.DeliverNoAck + b.DeliverNoAck,
        Get = a.Get + b.Get,
        GetNoAck = a.GetNoAck + b.GetNoAck,
        GetEmpty = a.GetEmpty + b.GetEmpty,
        Redeliver = a.Redeliver + b.Redeliver,
        Ack = a.Ack + b.Ack,
    };
}
