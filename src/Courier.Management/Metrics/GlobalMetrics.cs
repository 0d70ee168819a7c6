using Courier.Core;
using Courier.Core.Messages;
using Courier.Core.Statistics;

namespace Courier.Management.Metrics;

/// <summary>
/// RabbitMQ's global message counters (<c>rabbitmq_global_messages_*_total</c>) by <c>protocol</c>,
/// the delivery ones also by <c>queue_type</c>, and Courier's own: connections opened and closed
/// (RabbitMQ's names), the journal's fsyncs, bytes, batch sizes and commit latency, and paging.
/// </summary>
internal static class GlobalMetrics
{
    private const string ClassicQueueType = "rabbit_classic_queue";

    /// <summary>The protocol label of each client protocol (RabbitMQ's for AMQP 0-9-1; MQTT is not split by version here).</summary>
    private static readonly (PublishingProtocol Protocol, string Label)[] Protocols =
    [
        (PublishingProtocol.Amqp091, "amqp091"),
        (PublishingProtocol.Mqtt, "mqtt"),
        (PublishingProtocol.Stomp, "stomp"),
    ];

    private static readonly (string Name, string Help, Func<MessageStats, long> Of)[] PublishFamilies =
    [
        ("rabbitmq_global_messages_received_total", "Total number of messages received from publishers", s => s.Publish),
        ("rabbitmq_global_messages_received_confirm_total", "Total number of messages received from publishers expecting confirmations", s => s.PublishConfirm),
        ("rabbitmq_global_messages_routed_total", "Total number of messages routed to queues or streams", s => s.Routed),
        ("rabbitmq_global_messages_unroutable_dropped_total", "Total number of messages published as non-mandatory into an exchange and dropped as unroutable", s => s.DropUnroutable),
        ("rabbitmq_global_messages_unroutable_returned_total", "Total number of messages published as mandatory into an exchange and returned to the publisher as unroutable", s => s.ReturnUnroutable),
        ("rabbitmq_global_messages_confirmed_total", "Total number of messages confirmed to publishers", s => s.Confirm),
    ];

    private static readonly (string Name, string Help, Func<MessageStats, long> Of)[] DeliveryFamilies =
    [
        ("rabbitmq_global_messages_delivered_total", "Total number of messages delivered to consumers", s => s.DeliverGet),
        ("rabbitmq_global_messages_delivered_consume_manual_ack_total", "Total number of messages delivered to consumers using basic.consume with manual acknowledgment", s => s.Deliver),
        ("rabbitmq_global_messages_delivered_consume_auto_ack_total", "Total number of messages delivered to consumers using basic.consume with automatic acknowledgment", s => s.DeliverNoAck),
        ("rabbitmq_global_messages_delivered_get_manual_ack_total", "Total number of messages delivered to consumers using basic.get with manual acknowledgment", s => s.Get),
        ("rabbitmq_global_messages_delivered_get_auto_ack_total", "Total number of messages delivered to consumers using basic.get with automatic acknowledgment", s => s.GetNoAck),
        ("rabbitmq_global_messages_get_empty_total", "Total number of times basic.get operations fetched no message", s => s.GetEmpty),
        ("rabbitmq_global_messages_redelivered_total", "Total number of messages redelivered to consumers", s => s.Redeliver),
        ("rabbitmq_global_messages_acknowledged_total", "Total number of messages acknowledged by consumers", s => s.Ack),
    ];

    public static void Write(Exposition text, Broker broker)
    {
        var byProtocol = broker.ReadMessageStatsByProtocol();
        foreach (var (name, help, of) in PublishFamilies)
        {
            text.Family(name, "counter", help);
            foreach (var (protocol, label) in Protocols)
            {
                text.Sample(name, of(byProtocol[StatisticsProtocols.Index(protocol)]), "protocol", label);
            }
        }

        foreach (var (name, help, of) in DeliveryFamilies)
        {
            text.Family(name, "counter", help);
            foreach (var (protocol, label) in Protocols)
            {
                text.Sample(name, of(byProtocol[StatisticsProtocols.Index(protocol)]), "protocol", label, "queue_type", ClassicQueueType);
            }
        }

        var (opened, closed) = broker.ReadSessionCounts();
        text.Counter("rabbitmq_connections_opened_total", "Total number of connections opened", opened);
        text.Counter("rabbitmq_connections_closed_total", "Total number of connections closed or terminated", closed);

        var paging = broker.Resources.Paging;
        text.Counter("courier_queue_messages_paged_out_total", "Messages whose bodies queues moved from memory to the journal", paging.PagedOut);
        text.Counter("courier_queue_messages_paged_in_total", "Messages queues read back from the journal to deliver them", paging.PagedIn);

        if (broker.Store is IJournalStatisticsSource { JournalStatistics: { } journal })
        {
            text.Counter("courier_journal_fsyncs_total", "Fsyncs of journal segments", journal.Fsyncs);
            text.Counter("courier_journal_written_bytes_total", "Bytes written to the journal", journal.BytesWritten);
            text.Histogram("courier_journal_batch_bytes", "Bytes written per commit round (one round is one fsync batch)", journal.BatchBytes);
            text.Histogram("courier_journal_commit_seconds", "Seconds from the start of a commit round to its waiters being told", journal.CommitSeconds);
        }
    }
}
