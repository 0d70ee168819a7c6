using System.Text;
using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Sessions;
using Courier.Core.VirtualHosts;

namespace Courier.Benchmarks.Routing;

/// <summary>
/// A vhost declared and bound through its public API, as clients would, with one exchange of each
/// type, and a message for each that routes somewhere:
/// <list type="bullet">
/// <item>direct: 100 queues, one binding key each; the message's key matches one.</item>
/// <item>fanout: 10 queues.</item>
/// <item>topic: 100,000 bindings of random 3–5 word patterns with <c>*</c> and <c>#</c> over 1,000
/// queues; the message's key (found by search from a fixed seed) matches a few of them.</item>
/// <item>headers: 10 queues bound with <c>x-match=all</c> on two headers; binding arguments and
/// message headers hold long strings as byte arrays, as the AMQP decoder produces them.</item>
/// </list>
/// Each route reuses one <see cref="RoutingResult"/>, as a channel does.
/// </summary>
public sealed class RoutingTopology
{
    public const int DirectQueues = 100;
    public const int FanoutQueues = 10;
    public const int TopicBindings = 100_000;
    public const int TopicQueues = 1_000;
    public const int HeadersQueues = 10;

    private const int TopicSeed = 20240;
    private const int TopicAreas = 100;
    private const int TopicWords = 40;

    private static readonly ClientSession Owner = BenchmarkSession.Instance;

    public RoutingTopology(bool includeTopic = true)
    {
        VirtualHost = new VirtualHost("/");
        Direct = DeclareDirect();
        Fanout = DeclareFanout();
        Headers = DeclareHeaders();
        DirectMessage = SampleMessage.Create("bench.direct", SampleMessage.RoutingKey);
        FanoutMessage = SampleMessage.Create("bench.fanout", SampleMessage.RoutingKey);
        HeadersMessage = CreateHeadersMessage();
        if (includeTopic)
        {
            Topic = DeclareTopic();
            TopicMessage = SampleMessage.Create("bench.topic", FindTopicKey());
        }
    }

    public VirtualHost VirtualHost { get; }

    public RoutingResult Result { get; } = new();

    public Exchange Direct { get; }

    public Exchange Fanout { get; }

    public Exchange? Topic { get; }

    public Exchange Headers { get; }

    public Message DirectMessage { get; }

    public Message FanoutMessage { get; }

    public Message? TopicMessage { get; }

    public Message HeadersMessage { get; }

    /// <summary>Queues the topic message reaches (distinct).</summary>
    public int TopicMatches { get; private set; }

    public int RouteDirect() => Route(Direct, DirectMessage);

    public int RouteFanout() => Route(Fanout, FanoutMessage);

    public int RouteTopic() => Route(Topic!, TopicMessage!);

    public int RouteHeaders() => Route(Headers, HeadersMessage);

    private int Route(Exchange exchange, Message message)
    {
        VirtualHost.Route(exchange, message, Result);
        return Result.Queues.Count;
    }

    private Exchange DeclareDirect()
    {
        var exchange = DeclareExchange("bench.direct", ExchangeTypes.Direct);
        for (var i = 0; i < DirectQueues; i++)
        {
            var key = i == DirectQueues / 2 ? SampleMessage.RoutingKey : $"orders.k{i}";
            Bind(DeclareQueue($"direct-{i}"), exchange, key);
        }

        return exchange;
    }

    private Exchange DeclareFanout()
    {
        var exchange = DeclareExchange("bench.fanout", ExchangeTypes.Fanout);
        for (var i = 0; i < FanoutQueues; i++)
        {
            Bind(DeclareQueue($"fanout-{i}"), exchange, "");
        }

        return exchange;
    }

    private Exchange DeclareHeaders()
    {
        var exchange = DeclareExchange("bench.headers", ExchangeTypes.Headers);
        for (var i = 0; i < HeadersQueues; i++)
        {
            var arguments = new Dictionary<string, object?>
            {
                ["x-match"] = Encoding.UTF8.GetBytes("all"),
                ["format"] = Encoding.UTF8.GetBytes("pdf"),
                ["region"] = Encoding.UTF8.GetBytes($"eu-{i}"),
            };
            VirtualHost.BindQueue(DeclareQueue($"headers-{i}").Name, exchange.Name, "", arguments, Owner);
        }

        return exchange;
    }

    private static Message CreateHeadersMessage()
    {
        var properties = SampleMessage.CreateProperties();
        properties.Headers = new Dictionary<string, object?>
        {
            ["format"] = Encoding.UTF8.GetBytes("pdf"),
            ["region"] = Encoding.UTF8.GetBytes("eu-3"),
            ["sender"] = Encoding.UTF8.GetBytes("billing"),
        };
        return new Message("bench.headers", "", properties, SampleMessage.CreateBody());
    }

    private Exchange DeclareTopic()
    {
        var exchange = DeclareExchange("bench.topic", ExchangeTypes.Topic);
        var queues = new IQueue[TopicQueues];
        for (var i = 0; i < queues.Length; i++)
        {
            queues[i] = DeclareQueue($"topic-{i}");
        }

        var random = new Random(TopicSeed);
        var bound = 0;
        while (bound < TopicBindings)
        {
            // A repeated (pattern, queue) pair is the same binding: count only new ones.
            var before = exchange.BindingCount;
            Bind(queues[bound % TopicQueues], exchange, RandomPattern(random));
            bound += exchange.BindingCount - before;
        }

        return exchange;
    }

    /// <summary>
    /// A pattern of 3–5 words: the first a literal from <see cref="TopicAreas"/> (as in
    /// <c>billing.*.created</c>), each other word <c>*</c> (10%), <c>#</c> (4%) or a literal from
    /// <see cref="TopicWords"/>. A first word that is always literal keeps keys matching a few patterns
    /// rather than the hundreds that all-wildcard patterns like <c>*.#.*</c> would add.
    /// </summary>
    private static string RandomPattern(Random random)
    {
        var words = random.Next(3, 6);
        var pattern = new StringBuilder(Area(random));
        for (var i = 1; i < words; i++)
        {
            var roll = random.Next(100);
            pattern.Append('.').Append(roll switch
            {
                < 10 => "*",
                < 14 => "#",
                _ => Word(random),
            });
        }

        return pattern.ToString();
    }

    /// <summary>A routing key shaped like the patterns, with no wildcards.</summary>
    private static string RandomKey(Random random)
    {
        var words = random.Next(3, 6);
        var key = new StringBuilder(Area(random));
        for (var i = 1; i < words; i++)
        {
            key.Append('.').Append(Word(random));
        }

        return key.ToString();
    }

    private static string Area(Random random) => $"a{random.Next(TopicAreas)}";

    private static string Word(Random random) => $"w{random.Next(TopicWords)}";

    /// <summary>A routing key of 3–5 words that reaches a few queues: not none, not a crowd.</summary>
    private string FindTopicKey()
    {
        var random = new Random(TopicSeed + 1);
        while (true)
        {
            var key = RandomKey(random);
            var matches = Route(Topic!, SampleMessage.Create("bench.topic", key));
            if (matches is >= 3 and <= 8)
            {
                TopicMatches = matches;
                return key;
            }
        }
    }

    private Exchange DeclareExchange(string name, string type) =>
        VirtualHost.DeclareExchange(name, new ExchangeDefinition { Type = type }, passive: false);

    private IQueue DeclareQueue(string name) =>
        VirtualHost.DeclareQueue(name, new QueueDefinition(), passive: false, Owner).Queue;

    private void Bind(IQueue queue, Exchange exchange, string key) =>
        VirtualHost.BindQueue(queue.Name, exchange.Name, key, arguments: null, Owner);
}
