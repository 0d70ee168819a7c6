using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Queues;

namespace Courier.Core.VirtualHosts;

/// <summary>Routing: from an exchange name and a message to the set of queues it goes to.</summary>
public sealed partial class VirtualHost
{
    /// <summary>
    /// Finds the queues <paramref name="message"/> goes to when published to <paramref name="exchangeName"/>,
    /// following exchange-to-exchange bindings and alternate exchanges. The result holds each queue once.
    /// Pure and synchronous: it enqueues nothing.
    /// </summary>
    /// <exception cref="BrokerException">NotFound when the exchange does not exist.</exception>
    public void Route(Exchange exchange, Message message, RoutingResult result)
    {
        result.Clear();
        if (exchange.Name.Length == 0 && TryRouteDirectReply(message.RoutingKey, result))
        {
            return;
        }

        result.Visited.Add(exchange);
        RouteFrom(exchange, message, result);
    }

    private void RouteFrom(Exchange exchange, Message message, RoutingResult result)
    {
        var matches = result.Matches;
        var start = matches.Count;
        exchange.Match(message, matches);
        var end = matches.Count;
        for (var i = start; i < end; i++)
        {
            switch (matches[i])
            {
                case Queue queue:
                    result.AddQueue(queue);
                    break;
                case Exchange next when !result.Visited.Contains(next):
                    result.Visited.Add(next);
                    RouteFrom(next, message, result);
                    break;
            }
        }

        // An exchange that matched nothing hands the message to its alternate exchange, if it has one.
        if (end == start
            && exchange.AlternateExchange is { } alternateName
            && _exchanges.TryGetValue(alternateName, out var alternate)
            && !result.Visited.Contains(alternate))
        {
            result.Visited.Add(alternate);
            RouteFrom(alternate, message, result);
        }
    }
}
