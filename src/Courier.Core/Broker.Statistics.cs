using Courier.Core.Statistics;
using Courier.Core.VirtualHosts;

namespace Courier.Core;

/// <summary>The node's message counts: the sum of its vhosts', plus what deleted vhosts had counted.</summary>
public sealed partial class Broker
{
    private readonly Lock _retiredStatsGate = new();
    private readonly MessageStats[] _retiredStats = new MessageStats[StatisticsProtocols.Count];

    /// <summary>The node's counts by protocol (indexed by <see cref="StatisticsProtocols.Index"/>), as RabbitMQ's global counters. Walks every queue.</summary>
    public MessageStats[] ReadMessageStatsByProtocol()
    {
        var byProtocol = new MessageStats[StatisticsProtocols.Count];
        lock (_retiredStatsGate)
        {
            _retiredStats.CopyTo(byProtocol, 0);
        }

        foreach (var virtualHost in _virtualHosts.Values)
        {
            Add(byProtocol, virtualHost.ReadMessageStatsByProtocol());
        }

        return byProtocol;
    }

    /// <summary>The node's counts over every protocol (the overview's <c>message_stats</c>).</summary>
    public MessageStats ReadMessageStats() => VirtualHost.Sum(ReadMessageStatsByProtocol());

    /// <summary>A deleted vhost's counts stay in the node's totals, which only ever grow.</summary>
    private void RetireStatistics(VirtualHost virtualHost)
    {
        var counted = virtualHost.ReadMessageStatsByProtocol();
        lock (_retiredStatsGate)
        {
            Add(_retiredStats, counted);
        }
    }

    private static void Add(MessageStats[] into, MessageStats[] from)
    {
        for (var p = 0; p < into.Length; p++)
        {
            into[p] += from[p];
        }
    }
}
