using Courier.Core.Delayed;
using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Storage;

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

    /// <summary>
    /// Routes a message and enqueues it on every queue it reaches. A persistent message routed to
    /// durable queues is first appended to the journal, once, with a reference per such queue.
    /// Returns the journal position the publisher must wait for before confirming (0: none).
    /// </summary>
    /// <remarks>
    /// A message with a positive <c>x-delay</c> published to a delayed exchange is scheduled instead
    /// of routed (the position is then that of its record in the delayed store), and the result
    /// holds no queue: as with RabbitMQ's plugin, a mandatory publisher gets it back as unroutable.
    /// </remarks>
    /// <exception cref="StoreFailedException">The message had to be stored and the store has failed.</exception>
    public long Publish(Exchange exchange, Message message, RoutingResult result)
    {
        if (exchange is DelayedExchange delayed && DelayHeader.TryGetDelay(message, out var delay))
        {
            result.Clear();
            var scheduler = delayed.Scheduler ?? throw new BrokerException(BrokerError.NotImplemented, "delayed delivery needs the node's store");
            var position = scheduler.Schedule(delayed, message, delay);
            CountPublished(exchange, message, result);
            return position;
        }

        var stored = RouteAndEnqueue(exchange, message, result);
        CountPublished(exchange, message, result);
        return stored;
    }

    /// <summary>Routes a delayed message that is due through its exchange's bindings, as <see cref="Publish"/> routes any message.</summary>
    internal long PublishDue(DelayedExchange exchange, Message message, RoutingResult result) => RouteAndEnqueue(exchange, message, result);

    private long RouteAndEnqueue(Exchange exchange, Message message, RoutingResult result)
    {
        Route(exchange, message, result);
        return Enqueue(message, result);
    }

    /// <summary>Stores and enqueues a routed message on the queues in <paramref name="result"/> (see <see cref="Publish"/>).</summary>
    private long Enqueue(Message message, RoutingResult result)
    {
        var queues = result.Queues;
        var store = _broker?.Store;
        StoredMessage stored = default;
        if (store is not null && message.IsPersistent && queues.Count > 0)
        {
            Span<int> storeIds = queues.Count <= 64 ? stackalloc int[queues.Count] : new int[queues.Count];
            var count = 0;
            foreach (var queue in queues)
            {
                if (queue.StoreId != 0)
                {
                    storeIds[count++] = queue.StoreId;
                }
            }

            if (count > 0)
            {
                stored = store.AppendMessage(message, storeIds[..count]);
            }
        }

        for (var i = 0; i < queues.Count; i++)
        {
            var queue = queues[i];
            var accepted = stored.MessageId != 0 && queue.StoreId != 0
                ? queue.Enqueue(message, stored)
                : queue.Enqueue(message);
            if (!accepted)
            {
                result.Refused = true;
            }
        }

        // A reply target that is gone (its channel closed) did not take the message: unrouted.
        if (result.ReplyTarget is { } target && !target.TryDeliverReply(message))
        {
            result.ReplyTarget = null;
        }

        return stored.CommitSequence;
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
                case IQueue queue:
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
