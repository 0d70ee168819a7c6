using Courier.Core.Messages;

namespace Courier.Core.Exchanges;

/// <summary>Routes by matching the routing key against binding patterns with <c>*</c> and <c>#</c> wildcards.</summary>
public sealed class TopicExchange : Exchange
{
    private readonly TopicTrie _trie = new();

    public TopicExchange(string name, ExchangeDefinition definition)
        : base(name, definition)
    {
    }

    public override string Type => ExchangeTypes.Topic;

    protected override void AddBinding(Binding binding) => _trie.Add(binding.RoutingKey, binding.Destination);

    protected override void RemoveBinding(Binding binding) => _trie.Remove(binding.RoutingKey, binding.Destination);

    protected override void MatchCore(Message message, List<IBindingDestination> destinations) =>
        _trie.Match(message.RoutingKey, destinations);
}
