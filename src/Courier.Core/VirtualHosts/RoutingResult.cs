using Courier.Core.Exchanges;
using Courier.Core.Queues;

namespace Courier.Core.VirtualHosts;

/// <summary>
/// Scratch space for routing one message, owned by one publisher (a channel) and reused for every
/// message it publishes, so routing allocates nothing per message.
/// </summary>
public sealed class RoutingResult
{
    private const int LinearSearchLimit = 16;
    private readonly HashSet<IQueue> _seen = new(ReferenceEqualityComparer.Instance);

    /// <summary>The distinct queues the message was routed to.</summary>
    public List<IQueue> Queues { get; } = [];

    /// <summary>A direct reply-to consumer the message goes to instead of queues.</summary>
    public IReplyTarget? ReplyTarget { get; internal set; }

    /// <summary>True when a queue refused the message (a length limit with reject-publish): the publisher is told (AMQP: basic.nack).</summary>
    public bool Refused { get; internal set; }

    /// <summary>True when the message reached at least one queue or reply target.</summary>
    public bool IsRouted => Queues.Count > 0 || ReplyTarget is not null;

    internal List<IBindingDestination> Matches { get; } = [];

    internal List<Exchange> Visited { get; } = [];

    public void Clear()
    {
        // _seen is filled once the list reaches the limit, so it must be emptied from that count on.
        if (Queues.Count >= LinearSearchLimit)
        {
            _seen.Clear();
        }

        Queues.Clear();
        ReplyTarget = null;
        Refused = false;
        Matches.Clear();
        Visited.Clear();
    }

    internal void AddQueue(IQueue queue)
    {
        if (Queues.Count < LinearSearchLimit)
        {
            foreach (var existing in Queues)
            {
                if (ReferenceEquals(existing, queue))
                {
                    return;
                }
            }

            Queues.Add(queue);
            if (Queues.Count == LinearSearchLimit)
            {
                foreach (var q in Queues)
                {
                    _seen.Add(q);
                }
            }

            return;
        }

        if (_seen.Add(queue))
        {
            Queues.Add(queue);
        }
    }
}
