using Courier.Core.Exchanges;
using Courier.Core.Tests.Support;

namespace Courier.Core.Tests.Exchanges;

public class DirectExchangeTests
{
    private readonly DirectExchange _exchange = new("d", new ExchangeDefinition { Type = ExchangeTypes.Direct });

    private List<IBindingDestination> Route(string routingKey)
    {
        var matched = new List<IBindingDestination>();
        _exchange.Match(TestMessages.Create(routingKey), matched);
        return matched;
    }

    [Fact]
    public void Routes_only_to_destinations_bound_with_exactly_the_routing_key()
    {
        var red = new TestDestination("red");
        var green = new TestDestination("green");
        _exchange.Bind(new Binding(_exchange, red, "red", null));
        _exchange.Bind(new Binding(_exchange, green, "green", null));

        Assert.Equal([red], Route("red"));
        Assert.Empty(Route("Red"));
        Assert.Empty(Route("red.x"));
        Assert.Empty(Route(string.Empty));
    }

    [Fact]
    public void Several_destinations_on_one_key_all_receive()
    {
        var first = new TestDestination("q1");
        var second = new TestDestination("q2");
        _exchange.Bind(new Binding(_exchange, first, "k", null));
        _exchange.Bind(new Binding(_exchange, second, "k", null));

        Assert.Equal(new HashSet<IBindingDestination> { first, second }, Route("k").ToHashSet());
    }

    [Fact]
    public void Binding_the_same_way_twice_is_one_binding()
    {
        var queue = new TestDestination("q");
        Assert.True(_exchange.Bind(new Binding(_exchange, queue, "k", null)));
        Assert.False(_exchange.Bind(new Binding(_exchange, queue, "k", new Dictionary<string, object?>())));

        Assert.Equal(1, _exchange.BindingCount);
        Assert.True(_exchange.Unbind(new Binding(_exchange, queue, "k", null)));
        Assert.Empty(Route("k"));
    }

    [Fact]
    public void Same_destination_bound_with_different_arguments_keeps_its_route_until_the_last_unbind()
    {
        var queue = new TestDestination("q");
        var first = new Binding(_exchange, queue, "k", new Dictionary<string, object?> { ["tag"] = "one" });
        var second = new Binding(_exchange, queue, "k", new Dictionary<string, object?> { ["tag"] = "two" });
        _exchange.Bind(first);
        _exchange.Bind(second);

        Assert.Equal(2, _exchange.BindingCount);
        Assert.Equal([queue], Route("k"));

        Assert.True(_exchange.Unbind(first));
        Assert.Equal([queue], Route("k"));

        Assert.True(_exchange.Unbind(second));
        Assert.Empty(Route("k"));
    }

    [Fact]
    public void Unbinding_what_was_never_bound_returns_false_and_keeps_routes()
    {
        var queue = new TestDestination("q");
        _exchange.Bind(new Binding(_exchange, queue, "k", null));

        Assert.False(_exchange.Unbind(new Binding(_exchange, queue, "other", null)));
        Assert.False(_exchange.Unbind(new Binding(_exchange, new TestDestination("q"), "k", null)));
        Assert.Equal([queue], Route("k"));
    }

    [Fact]
    public void UnbindAll_removes_every_binding_to_a_destination()
    {
        var doomed = new TestDestination("doomed");
        var survivor = new TestDestination("survivor");
        _exchange.Bind(new Binding(_exchange, doomed, "a", null));
        _exchange.Bind(new Binding(_exchange, doomed, "b", null));
        _exchange.Bind(new Binding(_exchange, survivor, "a", null));

        Assert.Equal(2, _exchange.UnbindAll(doomed));

        Assert.Equal([survivor], Route("a"));
        Assert.Empty(Route("b"));
        Assert.Equal(1, _exchange.BindingCount);
    }
}
