using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Statistics;

namespace Courier.Core.VirtualHosts;

/// <summary>
/// Message counts of the vhost: what its publishers did (counted as they publish) and what its
/// queues delivered (summed from the queues' own counters when read, plus what deleted queues had
/// delivered), so a delivery costs the vhost nothing.
/// </summary>
public sealed partial class VirtualHost
{
    private readonly Lock _retiredGate = new();
    private readonly MessageStats[] _retired = new MessageStats[StatisticsProtocols.Count];

    /// <summary>What publishers did in this vhost, by protocol.</summary>
    public PublishCounters Publishes { get; } = new();

    /// <summary>
    /// The vhost's counts by protocol (indexed by <see cref="StatisticsProtocols.Index"/>): the
    /// publishers' and the deliveries to each protocol's clients. Walks every queue.
    /// </summary>
    public MessageStats[] ReadMessageStatsByProtocol()
    {
        var byProtocol = new MessageStats[StatisticsProtocols.Count];
        lock (_retiredGate)
        {
            _retired.CopyTo(byProtocol, 0);
        }

        foreach (var queue in Queues)
        {
            AddDeliveries(queue.Counters, byProtocol);
        }

        for (var p = 0; p < byProtocol.Length; p++)
        {
            byProtocol[p] += Publishes.Read((PublishingProtocol)p);
        }

        return byProtocol;
    }

    /// <summary>The vhost's counts over every protocol (RabbitMQ's vhost <c>message_stats</c>).</summary>
    public MessageStats ReadMessageStats() => Sum(ReadMessageStatsByProtocol());

    internal static MessageStats Sum(MessageStats[] byProtocol)
    {
        var total = default(MessageStats);
        foreach (var stats in byProtocol)
        {
            total += stats;
        }

        return total;
    }

    private void CountPublished(Exchange exchange, Message message, RoutingResult result)
    {
        var routed = result.IsRouted;
        Publishes.OnPublished(message.Annotations.PublishedBy, routed);
        exchange.Counters.OnPublished(routed);
    }

    /// <summary>A queue leaves the vhost: what it delivered stays in the vhost's totals.</summary>
    private void RetireCounters(IQueue queue)
    {
        lock (_retiredGate)
        {
            AddDeliveries(queue.Counters, _retired);
        }
    }

    private static void AddDeliveries(QueueCounters counters, MessageStats[] byProtocol) => counters.AddDeliveriesTo(byProtocol);
}
