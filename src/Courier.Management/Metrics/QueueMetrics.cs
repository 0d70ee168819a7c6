using Courier.Core;
using Courier.Core.Queues;

namespace Courier.Management.Metrics;

/// <summary>The queue families of <c>rabbitmq_prometheus</c>: summed over the node, or per queue with labels <c>vhost</c> and <c>queue</c>.</summary>
internal static class QueueMetrics
{
    private static readonly (string Name, string Type, string Help, Func<IQueue, long> Of)[] Families =
    [
        ("rabbitmq_queue_messages_ready", "gauge", "Messages ready to be delivered to consumers", q => q.MessageCount),
        ("rabbitmq_queue_messages_unacked", "gauge", "Messages delivered to consumers but not yet acknowledged", q => q.UnsettledCount),
        ("rabbitmq_queue_messages", "gauge", "Sum of ready and unacknowledged messages - total queue depth", q => (long)q.MessageCount + q.UnsettledCount),
        ("rabbitmq_queue_consumers", "gauge", "Consumers on a queue", q => q.ConsumerCount),
        ("rabbitmq_queue_messages_published_total", "counter", "Total number of messages published to queues", q => q.Counters.Published),
    ];

    public static void WriteTotals(Exposition text, Broker broker)
    {
        var totals = new long[Families.Length];
        long queues = 0;
        foreach (var virtualHost in broker.VirtualHosts)
        {
            foreach (var queue in virtualHost.Queues)
            {
                queues++;
                for (var i = 0; i < Families.Length; i++)
                {
                    totals[i] += Families[i].Of(queue);
                }
            }
        }

        text.Gauge("rabbitmq_queues", "Queues available", queues);
        text.Gauge("rabbitmq_consumers", "Consumers currently connected", totals[3]);
        for (var i = 0; i < Families.Length; i++)
        {
            var (name, type, help, _) = Families[i];
            text.Family(name, type, help).Sample(name, totals[i]);
        }
    }

    public static void WritePerQueue(Exposition text, Broker broker)
    {
        long queues = 0, consumers = 0;
        var all = new List<IQueue>();
        foreach (var virtualHost in broker.VirtualHosts)
        {
            foreach (var queue in virtualHost.Queues)
            {
                queues++;
                consumers += queue.ConsumerCount;
                all.Add(queue);
            }
        }

        text.Gauge("rabbitmq_queues", "Queues available", queues);
        text.Gauge("rabbitmq_consumers", "Consumers currently connected", consumers);
        foreach (var (name, type, help, of) in Families)
        {
            text.Family(name, type, help);
            foreach (var queue in all)
            {
                text.Sample(name, of(queue), "vhost", queue.VirtualHost, "queue", queue.Name);
            }
        }
    }
}
