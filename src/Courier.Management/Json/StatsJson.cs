using System.Text.Json.Nodes;
using Courier.Core.Statistics;
using Courier.Management.Statistics;

namespace Courier.Management.Json;

/// <summary>
/// <c>message_stats</c> and the <c>*_details</c> rates, with RabbitMQ's field names: each count as
/// <c>name</c>, and its rate per second over the last sampling interval as <c>name_details: {rate}</c>.
/// Counts are read live; rates come from the sampler (0.0 until its first pass).
/// </summary>
public static class StatsJson
{
    // What left a queue, the same fields wherever they are shown.
    private static readonly (string Name, Func<MessageStats, long> Of)[] DeliveryFields =
    [
        ("deliver", s => s.Deliver),
        ("deliver_no_ack", s => s.DeliverNoAck),
        ("get", s => s.Get),
        ("get_no_ack", s => s.GetNoAck),
        ("get_empty", s => s.GetEmpty),
        ("deliver_get", s => s.DeliverGet),
        ("redeliver", s => s.Redeliver),
        ("ack", s => s.Ack),
    ];

    private static readonly (string Name, Func<MessageStats, long> Of)[] NodeFields =
    [
        ("publish", s => s.Publish),
        ("confirm", s => s.Confirm),
        ("return_unroutable", s => s.ReturnUnroutable),
        ("drop_unroutable", s => s.DropUnroutable),
        .. DeliveryFields,
    ];

    private static readonly (string Name, Func<MessageStats, long> Of)[] QueueFields = [("publish", s => s.Publish), .. DeliveryFields];

    // A channel's: what its client published and was confirmed, and what left queues through it.
    private static readonly (string Name, Func<MessageStats, long> Of)[] ChannelFields = [("publish", s => s.Publish), ("confirm", s => s.Confirm), .. DeliveryFields];

    private static readonly (string Name, Func<TrafficStats, long> Of)[] TrafficFields =
    [
        ("recv_oct", t => t.ReceivedBytes),
        ("send_oct", t => t.SentBytes),
    ];

    private static readonly (string Name, Func<MessageStats, long> Of)[] ExchangeFields =
    [
        ("publish_in", s => s.PublishIn),
        ("publish_out", s => s.PublishOut),
    ];

    /// <summary>The node's or a vhost's <c>message_stats</c>: what its publishers and consumers did.</summary>
    public static JsonObject Node(MessageStats counts, RateSample? sample) => Write(NodeFields, counts, sample);

    /// <summary>A queue's <c>message_stats</c>: published into it, delivered and acknowledged from it.</summary>
    public static JsonObject Queue(MessageStats counts, RateSample? sample) => Write(QueueFields, counts, sample);

    /// <summary>An exchange's <c>message_stats</c>: <c>publish_in</c> and <c>publish_out</c>.</summary>
    public static JsonObject Exchange(MessageStats counts, RateSample? sample) => Write(ExchangeFields, counts, sample);

    /// <summary>A channel's <c>message_stats</c>: published and confirmed on it, delivered, got and acknowledged through it.</summary>
    public static JsonObject Channel(MessageStats counts, RateSample? sample) => Write(ChannelFields, counts, sample);

    /// <summary>Sets a connection's <c>recv_oct</c>, <c>send_oct</c> (with their <c>_details</c> rates), <c>recv_cnt</c> and <c>send_cnt</c> on <paramref name="json"/>.</summary>
    public static void Traffic(JsonObject json, TrafficStats traffic, RateSample? sample)
    {
        foreach (var (name, of) in TrafficFields)
        {
            json[name] = of(traffic);
            json[name + "_details"] = Rate(sample?.TrafficRate(of) ?? 0.0);
        }

        json["recv_cnt"] = traffic.Receives;
        json["send_cnt"] = traffic.Sends;
    }

    /// <summary>Sets <c>messages</c>, <c>messages_ready</c>, <c>messages_unacknowledged</c> and their <c>_details</c> rates on <paramref name="json"/>.</summary>
    public static void Depth(JsonObject json, QueueDepth depth, RateSample? sample)
    {
        json["messages"] = depth.Total;
        json["messages_details"] = Rate(sample?.DepthRate(d => d.Total) ?? 0.0);
        json["messages_ready"] = depth.Ready;
        json["messages_ready_details"] = Rate(sample?.DepthRate(d => d.Ready) ?? 0.0);
        json["messages_unacknowledged"] = depth.Unacknowledged;
        json["messages_unacknowledged_details"] = Rate(sample?.DepthRate(d => d.Unacknowledged) ?? 0.0);
    }

    public static JsonObject Rate(double rate) => new() { ["rate"] = Math.Round(rate, 1) };

    private static JsonObject Write((string Name, Func<MessageStats, long> Of)[] fields, MessageStats counts, RateSample? sample)
    {
        var json = new JsonObject();
        foreach (var (name, of) in fields)
        {
            json[name] = of(counts);
            json[name + "_details"] = Rate(sample?.Rate(of) ?? 0.0);
        }

        return json;
    }
}
