using Courier.Core.Exchanges;
using Courier.Core.Tests.Support;

namespace Courier.Core.Tests.Exchanges;

public class TopicExchangeTests
{
    private readonly TopicExchange _exchange = new("t", new ExchangeDefinition { Type = ExchangeTypes.Topic });

    private HashSet<IBindingDestination> Route(string routingKey)
    {
        var matched = new List<IBindingDestination>();
        _exchange.Match(TestMessages.Create(routingKey), matched);
        return matched.ToHashSet();
    }

    [Fact]
    public void Routes_by_pattern_to_every_matching_destination()
    {
        var all = new TestDestination("all");
        var errors = new TestDestination("errors");
        var kernel = new TestDestination("kernel");
        _exchange.Bind(new Binding(_exchange, all, "#", null));
        _exchange.Bind(new Binding(_exchange, errors, "*.error", null));
        _exchange.Bind(new Binding(_exchange, kernel, "kern.#", null));

        Assert.Equal([all, errors, kernel], Route("kern.error"));
        Assert.Equal([all, errors], Route("app.error"));
        Assert.Equal([all, kernel], Route("kern"));
        Assert.Equal([all], Route(string.Empty));
    }

    [Fact]
    public void Same_pattern_bound_with_different_arguments_keeps_its_route_until_the_last_unbind()
    {
        var queue = new TestDestination("q");
        var first = new Binding(_exchange, queue, "a.*", new Dictionary<string, object?> { ["n"] = 1 });
        var second = new Binding(_exchange, queue, "a.*", new Dictionary<string, object?> { ["n"] = 2 });
        _exchange.Bind(first);
        _exchange.Bind(second);

        _exchange.Unbind(first);
        Assert.Equal([queue], Route("a.b"));

        _exchange.Unbind(second);
        Assert.Empty(Route("a.b"));
    }
}
