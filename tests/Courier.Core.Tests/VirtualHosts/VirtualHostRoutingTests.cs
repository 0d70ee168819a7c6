using Courier.Core.Exchanges;
using Courier.Core.Queues;
using Courier.Core.Sessions;
using Courier.Core.Tests.Support;
using Courier.Core.VirtualHosts;

namespace Courier.Core.Tests.VirtualHosts;

public class VirtualHostRoutingTests
{
    private readonly VirtualHost _vhost = new("/");
    private readonly ClientSession _connection = TestSessions.New();
    private readonly RoutingResult _result = new();

    private IQueue DeclareQueue(string name) =>
        _vhost.DeclareQueue(name, new QueueDefinition(), passive: false, _connection).Queue;

    private void DeclareExchange(string name, string type, IReadOnlyDictionary<string, object?>? arguments = null) =>
        _vhost.DeclareExchange(name, new ExchangeDefinition { Type = type, Arguments = arguments ?? new Dictionary<string, object?>() }, passive: false);

    private List<IQueue> Route(string exchange, string routingKey)
    {
        _vhost.Route(_vhost.GetExchange(exchange), TestMessages.Create(routingKey), _result);
        return _result.Queues;
    }

    [Fact]
    public void The_default_exchange_routes_to_the_queue_named_by_the_routing_key()
    {
        var orders = DeclareQueue("orders");
        DeclareQueue("invoices");

        Assert.Equal([orders], Route(string.Empty, "orders"));
        Assert.Empty(Route(string.Empty, "missing"));
    }

    [Fact]
    public void The_default_exchange_stops_routing_to_a_deleted_queue()
    {
        DeclareQueue("q");
        _vhost.DeleteQueue("q", ifUnused: false, ifEmpty: false, _connection);

        Assert.Empty(Route(string.Empty, "q"));
    }

    [Fact]
    public void Predeclared_exchanges_route_by_their_type()
    {
        var queue = DeclareQueue("q");
        _vhost.BindQueue("q", "amq.topic", "stock.*", null, _connection);

        Assert.Equal([queue], Route("amq.topic", "stock.nyse"));
        Assert.Empty(Route("amq.topic", "stock"));
    }

    [Fact]
    public void Exchange_to_exchange_bindings_route_through_to_queues()
    {
        var queue = DeclareQueue("q");
        DeclareExchange("front", ExchangeTypes.Topic);
        DeclareExchange("back", ExchangeTypes.Direct);
        _vhost.BindExchange("back", "front", "orders.#", null);
        _vhost.BindQueue("q", "back", "orders.eu", null, _connection);

        Assert.Equal([queue], Route("front", "orders.eu"));
        Assert.Empty(Route("front", "orders.us"));
        Assert.Empty(Route("front", "invoices.eu"));
    }

    [Fact]
    public void A_cycle_of_exchange_bindings_routes_each_queue_once_and_ends()
    {
        var queueA = DeclareQueue("qa");
        var queueB = DeclareQueue("qb");
        DeclareExchange("a", ExchangeTypes.Fanout);
        DeclareExchange("b", ExchangeTypes.Fanout);
        _vhost.BindExchange("b", "a", string.Empty, null);
        _vhost.BindExchange("a", "b", string.Empty, null);
        _vhost.BindExchange("a", "a", string.Empty, null);
        _vhost.BindQueue("qa", "a", string.Empty, null, _connection);
        _vhost.BindQueue("qb", "b", string.Empty, null, _connection);

        Assert.Equal(new HashSet<IQueue> { queueA, queueB }, Route("a", "k").ToHashSet());
        Assert.Equal(2, _result.Queues.Count);
        Assert.Equal(new HashSet<IQueue> { queueA, queueB }, Route("b", "k").ToHashSet());
    }

    [Fact]
    public void A_queue_reached_by_several_bindings_is_routed_once()
    {
        var queue = DeclareQueue("q");
        DeclareExchange("t", ExchangeTypes.Topic);
        DeclareExchange("f", ExchangeTypes.Fanout);
        _vhost.BindQueue("q", "t", "a.*", null, _connection);
        _vhost.BindQueue("q", "t", "#", null, _connection);
        _vhost.BindQueue("q", "t", "a.b", new Dictionary<string, object?> { ["n"] = 1 }, _connection);
        _vhost.BindExchange("f", "t", "#", null);
        _vhost.BindQueue("q", "f", string.Empty, null, _connection);

        Assert.Equal([queue], Route("t", "a.b"));
    }

    [Fact]
    public void The_alternate_exchange_takes_what_the_exchange_cannot_route()
    {
        var routed = DeclareQueue("routed");
        var unrouted = DeclareQueue("unrouted");
        DeclareExchange("ae", ExchangeTypes.Fanout);
        DeclareExchange("x", ExchangeTypes.Direct, new Dictionary<string, object?> { ["alternate-exchange"] = "ae" });
        _vhost.BindQueue("routed", "x", "known", null, _connection);
        _vhost.BindQueue("unrouted", "ae", string.Empty, null, _connection);

        Assert.Equal([routed], Route("x", "known"));
        Assert.Equal([unrouted], Route("x", "unknown"));
    }

    [Fact]
    public void An_alternate_exchange_given_as_long_string_bytes_is_followed()
    {
        var unrouted = DeclareQueue("unrouted");
        DeclareExchange("ae", ExchangeTypes.Fanout);
        DeclareExchange("x", ExchangeTypes.Direct, new Dictionary<string, object?> { ["alternate-exchange"] = "ae"u8.ToArray() });
        _vhost.BindQueue("unrouted", "ae", string.Empty, null, _connection);

        Assert.Equal([unrouted], Route("x", "anything"));
    }

    [Fact]
    public void A_missing_alternate_exchange_leaves_the_message_unrouted()
    {
        DeclareExchange("x", ExchangeTypes.Direct, new Dictionary<string, object?> { ["alternate-exchange"] = "nowhere" });

        Assert.Empty(Route("x", "k"));
    }

    [Fact]
    public void Alternate_exchanges_that_point_at_each_other_do_not_loop()
    {
        DeclareExchange("x", ExchangeTypes.Direct, new Dictionary<string, object?> { ["alternate-exchange"] = "y" });
        DeclareExchange("y", ExchangeTypes.Direct, new Dictionary<string, object?> { ["alternate-exchange"] = "x" });

        Assert.Empty(Route("x", "k"));
    }

    [Fact]
    public void Routing_result_holds_each_of_many_queues_once()
    {
        DeclareExchange("t", ExchangeTypes.Topic);
        var queues = new List<IQueue>();
        for (var i = 0; i < 40; i++)
        {
            var queue = DeclareQueue($"q{i}");
            queues.Add(queue);
            _vhost.BindQueue(queue.Name, "t", "a.*", null, _connection);
            _vhost.BindQueue(queue.Name, "t", "#", null, _connection);
        }

        var routed = Route("t", "a.b");

        Assert.Equal(40, routed.Count);
        Assert.Equal(queues.ToHashSet(), routed.ToHashSet());
    }

    [Theory]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(3)]
    public void A_reused_routing_result_forgets_the_queues_of_the_previous_message(int firstCount)
    {
        // The first message reaches 'firstCount' queues; the second reaches 20 others first and then
        // the first message's queues again, which must all be counted for the second message.
        DeclareExchange("t", ExchangeTypes.Topic);
        var early = new List<IQueue>();
        for (var i = 0; i < firstCount; i++)
        {
            early.Add(DeclareQueue($"early{i}"));
            _vhost.BindQueue($"early{i}", "t", "first", null, _connection);
        }

        var late = new List<IQueue>();
        for (var i = 0; i < 20; i++)
        {
            late.Add(DeclareQueue($"late{i}"));
            _vhost.BindQueue($"late{i}", "t", "second", null, _connection);
        }

        for (var i = 0; i < firstCount; i++)
        {
            _vhost.BindQueue($"early{i}", "t", "second", null, _connection);
        }

        Assert.Equal(firstCount, Route("t", "first").Count);

        var second = Route("t", "second");

        Assert.Equal(late.Concat(early).ToHashSet(), second.ToHashSet());
        Assert.Equal(firstCount + 20, second.Count);
    }
}
