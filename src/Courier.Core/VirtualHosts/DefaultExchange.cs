using Courier.Core.Exchanges;
using Courier.Core.Messages;

namespace Courier.Core.VirtualHosts;

/// <summary>
/// The nameless direct exchange every queue is implicitly bound to by its own name. It holds no
/// bindings of its own: matching looks the routing key up among the vhost's queues.
/// </summary>
internal sealed class DefaultExchange : Exchange
{
    private readonly VirtualHost _virtualHost;

    public DefaultExchange(VirtualHost virtualHost)
        : base(string.Empty, new ExchangeDefinition { Type = ExchangeTypes.Direct, Durable = true })
    {
        _virtualHost = virtualHost;
    }

    public override string Type => ExchangeTypes.Direct;

    protected override void AddBinding(Binding binding) =>
        throw new InvalidOperationException("the default exchange takes no explicit bindings");

    protected override void RemoveBinding(Binding binding)
    {
    }

    protected override void MatchCore(Message message, List<IBindingDestination> destinations)
    {
        if (_virtualHost.TryGetQueue(message.RoutingKey, out var queue))
        {
            destinations.Add(queue);
        }
    }
}
