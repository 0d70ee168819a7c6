using Courier.Core.Exchanges;
using Courier.Core.Tests.Support;

namespace Courier.Core.Tests.Exchanges;

public class FanoutExchangeTests
{
    private readonly FanoutExchange _exchange = new("f", new ExchangeDefinition { Type = ExchangeTypes.Fanout });

    private List<IBindingDestination> Route(string routingKey)
    {
        var matched = new List<IBindingDestination>();
        _exchange.Match(TestMessages.Create(routingKey), matched);
        return matched;
    }

    [Fact]
    public void Routes_to_every_bound_destination_whatever_the_routing_key()
    {
        var first = new TestDestination("q1");
        var second = new TestDestination("q2");
        _exchange.Bind(new Binding(_exchange, first, "ignored", null));
        _exchange.Bind(new Binding(_exchange, second, string.Empty, null));

        var expected = new HashSet<IBindingDestination> { first, second };
        Assert.Equal(expected, Route("anything").ToHashSet());
        Assert.Equal(expected, Route(string.Empty).ToHashSet());
    }

    [Fact]
    public void Routes_nowhere_with_no_bindings() => Assert.Empty(Route("k"));

    [Fact]
    public void Same_destination_bound_twice_is_routed_once_and_stays_until_the_last_unbind()
    {
        var queue = new TestDestination("q");
        var first = new Binding(_exchange, queue, "a", null);
        var second = new Binding(_exchange, queue, "b", new Dictionary<string, object?> { ["x"] = 1 });
        _exchange.Bind(first);
        _exchange.Bind(second);

        Assert.Equal([queue], Route("k"));

        _exchange.Unbind(second);
        Assert.Equal([queue], Route("k"));

        _exchange.Unbind(first);
        Assert.Empty(Route("k"));
    }
}
