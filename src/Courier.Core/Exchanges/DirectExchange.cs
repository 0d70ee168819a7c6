using Courier.Core.Messages;

namespace Courier.Core.Exchanges;

/// <summary>Routes to the destinations bound with exactly the message's routing key.</summary>
public sealed class DirectExchange : Exchange
{
    private readonly Dictionary<string, DestinationSet> _byKey = new(StringComparer.Ordinal);

    public DirectExchange(string name, ExchangeDefinition definition)
        : base(name, definition)
    {
    }

    public override string Type => ExchangeTypes.Direct;

    protected override void AddBinding(Binding binding)
    {
        if (!_byKey.TryGetValue(binding.RoutingKey, out var set))
        {
            set = new DestinationSet();
            _byKey.Add(binding.RoutingKey, set);
        }

        set.Add(binding.Destination);
    }

    protected override void RemoveBinding(Binding binding)
    {
        if (_byKey.TryGetValue(binding.RoutingKey, out var set))
        {
            set.Remove(binding.Destination);
            if (set.IsEmpty)
            {
                _byKey.Remove(binding.RoutingKey);
            }
        }
    }

    protected override void MatchCore(Message message, List<IBindingDestination> destinations)
    {
        if (_byKey.TryGetValue(message.RoutingKey, out var set))
        {
            destinations.AddRange(set.Destinations);
        }
    }
}
