using Courier.Core.Delayed;
using Courier.Core.Messages;
using Courier.Core.Queues;

namespace Courier.Core.VirtualHosts;

/// <summary>The vhost as its queues' host: dead letters are routed here, and expired queues deleted.</summary>
public sealed partial class VirtualHost : IQueueHost
{
    public void PublishDeadLetter(Message letter, IQueue from, DeathReason reason)
    {
        if (!_exchanges.TryGetValue(letter.Exchange, out var exchange))
        {
            // As RabbitMQ: a dead-letter exchange that does not exist drops the message.
            return;
        }

        // A delayed dead-letter exchange holds the letter back by its x-delay, as it would any
        // publish (the plugin's exchange sees dead letters as publishes). Its record follows the
        // source's in the journal, so the settle of the source is never durable before it.
        if (exchange is DelayedExchange { Scheduler: { } scheduler } delayed && DelayHeader.TryGetDelay(letter, out var delay))
        {
            scheduler.Schedule(delayed, letter, delay);
            return;
        }

        var result = new RoutingResult();
        Route(exchange, letter, result);
        if (reason != DeathReason.Rejected)
        {
            RemoveCycles(letter, result.Queues);
        }

        Enqueue(letter, result);
    }

    public void DeleteExpired(IQueue queue) => DeleteIfCurrent(queue);

    /// <summary>
    /// RabbitMQ's cycle rule: a dead letter does not go back to a queue it already died in unless a
    /// client rejected it somewhere on the way (an automatic cycle of expiries or length drops would
    /// otherwise loop for ever). The history is the letter's, the latest death first.
    /// </summary>
    private static void RemoveCycles(Message letter, List<IQueue> queues)
    {
        List<(string Queue, string Reason)>? deaths = null;
        for (var i = queues.Count - 1; i >= 0; i--)
        {
            deaths ??= [.. DeathHistory.Deaths(letter)];
            var automatic = true;
            var found = false;
            foreach (var (queue, reason) in deaths)
            {
                automatic &= reason != "rejected";
                if (queue == queues[i].Name)
                {
                    found = true;
                    break;
                }
            }

            if (found && automatic)
            {
                queues.RemoveAt(i);
            }
        }
    }
}
