using Courier.Core.Messages;

namespace Courier.Core.Exchanges;

/// <summary>Routes to every bound destination, ignoring the routing key.</summary>
public sealed class FanoutExchange : Exchange
{
    private readonly DestinationSet _all = new();

    public FanoutExchange(string name, ExchangeDefinition definition)
        : base(name, definition)
    {
    }

    public override string Type => ExchangeTypes.Fanout;

    protected override void AddBinding(Binding binding) => _all.Add(binding.Destination);

    protected override void RemoveBinding(Binding binding) => _all.Remove(binding.Destination);

    protected override void MatchCore(Message message, List<IBindingDestination> destinations) =>
        destinations.AddRange(_all.Destinations);
}
