using Courier.Stomp.Frames;

namespace Courier.Stomp.Server;

/// <summary>The kinds of destination RabbitMQ's STOMP plugin names, which Courier names the same way.</summary>
internal enum StompDestinationKind
{
    /// <summary><c>/queue/q</c>: queue q, declared on first use; SEND goes through the default exchange.</summary>
    Queue,

    /// <summary><c>/amq/queue/q</c>: an existing queue q, never declared.</summary>
    AmqQueue,

    /// <summary><c>/topic/k</c>: routing key k on <c>amq.topic</c>; SUBSCRIBE binds a queue of the subscription's own.</summary>
    Topic,

    /// <summary><c>/exchange/x/k</c>: routing key k on exchange x; SUBSCRIBE binds a queue of the subscription's own.</summary>
    Exchange,

    /// <summary><c>/temp-queue/name</c>: in a SEND's <c>reply-to</c>, a private queue of the connection for replies.</summary>
    TempQueue,

    /// <summary><c>/reply-queue/q</c>: what a <c>/temp-queue/</c> reply-to was rewritten to; SEND goes to queue q.</summary>
    ReplyQueue,
}

/// <summary>A parsed destination header: its kind, and the exchange and routing key or queue it names.</summary>
internal readonly record struct StompDestination(StompDestinationKind Kind, string Name, string RoutingKey)
{
    public const string TopicExchange = "amq.topic";

    private const string QueuePrefix = "/queue/";
    private const string AmqQueuePrefix = "/amq/queue/";
    private const string TopicPrefix = "/topic/";
    private const string ExchangePrefix = "/exchange/";
    private const string TempQueuePrefix = "/temp-queue/";
    private const string ReplyQueuePrefix = "/reply-queue/";

    /// <summary>True for destinations whose SUBSCRIBE binds a queue of its own to an exchange.</summary>
    public bool IsExchangeBound => Kind is StompDestinationKind.Topic or StompDestinationKind.Exchange;

    /// <summary>The exchange a SEND to this destination publishes to.</summary>
    public string PublishExchange => Kind switch
    {
        StompDestinationKind.Topic => TopicExchange,
        StompDestinationKind.Exchange => Name,
        _ => string.Empty,
    };

    /// <summary>The routing key a SEND to this destination publishes with.</summary>
    public string PublishRoutingKey => IsExchangeBound ? RoutingKey : Name;

    /// <exception cref="StompProtocolException">Not one of the destinations above, or an empty name.</exception>
    public static StompDestination Parse(string destination)
    {
        if (destination.StartsWith(QueuePrefix, StringComparison.Ordinal))
        {
            return Named(StompDestinationKind.Queue, destination, QueuePrefix);
        }

        if (destination.StartsWith(AmqQueuePrefix, StringComparison.Ordinal))
        {
            return Named(StompDestinationKind.AmqQueue, destination, AmqQueuePrefix);
        }

        if (destination.StartsWith(TopicPrefix, StringComparison.Ordinal))
        {
            return new StompDestination(StompDestinationKind.Topic, TopicExchange, destination[TopicPrefix.Length..]);
        }

        if (destination.StartsWith(TempQueuePrefix, StringComparison.Ordinal))
        {
            return Named(StompDestinationKind.TempQueue, destination, TempQueuePrefix);
        }

        if (destination.StartsWith(ReplyQueuePrefix, StringComparison.Ordinal))
        {
            return Named(StompDestinationKind.ReplyQueue, destination, ReplyQueuePrefix);
        }

        if (destination.StartsWith(ExchangePrefix, StringComparison.Ordinal))
        {
            // The exchange runs to the next '/'; the routing key is the rest, slashes and all (RabbitMQ reads it so).
            var rest = destination[ExchangePrefix.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var exchange = slash < 0 ? rest : rest[..slash];
            if (exchange.Length == 0)
            {
                throw new StompProtocolException($"destination '{destination}' names no exchange");
            }

            return new StompDestination(StompDestinationKind.Exchange, exchange, slash < 0 ? string.Empty : rest[(slash + 1)..]);
        }

        throw new StompProtocolException($"unknown destination '{destination}': use /queue/, /topic/, /exchange/, /amq/queue/, /temp-queue/ or /reply-queue/");
    }

    private static StompDestination Named(StompDestinationKind kind, string destination, string prefix)
    {
        var name = destination[prefix.Length..];
        if (name.Length == 0)
        {
            throw new StompProtocolException($"destination '{destination}' names no queue");
        }

        return new StompDestination(kind, name, string.Empty);
    }

    /// <summary>The destination header of a MESSAGE for a message published to <paramref name="exchange"/> with <paramref name="routingKey"/>, as RabbitMQ writes it.</summary>
    public static string Of(string exchange, string routingKey) => exchange switch
    {
        "" => QueuePrefix + routingKey,
        TopicExchange => TopicPrefix + routingKey,
        _ => ExchangePrefix + exchange + "/" + routingKey,
    };

    /// <summary>A <c>/reply-queue/</c> destination for a temporary queue.</summary>
    public static string ReplyQueue(string queue) => ReplyQueuePrefix + queue;
}
