using System.Globalization;
using Courier.Core.Deduplication;
using Courier.Core.Messages;

namespace Courier.Core.Exchanges;

/// <summary>
/// The rabbitmq-message-deduplication plugin's exchange type: it routes like a fanout (every bound
/// destination, whatever the routing key), except that a message whose
/// <c>x-deduplication-header</c> value it has routed before, and not yet forgotten, goes nowhere.
/// A message without the header always passes.
/// </summary>
/// <remarks>
/// Unlike the other types, matching changes state: the first message with a key records it
/// (<see cref="DeduplicationCache"/> has its own lock, so publishers still match in parallel under
/// the bindings' read lock). A dropped duplicate is simply unrouted: the publisher's confirm is an
/// ack, as from the plugin, and a mandatory one comes back with basic.return.
/// </remarks>
public sealed class DeduplicationExchange : Exchange
{
    public const string CacheSizeArgument = "x-cache-size";
    public const string CacheTtlArgument = "x-cache-ttl";
    public const string PersistenceArgument = "x-cache-persistence";

    private readonly DestinationSet _all = new();
    private readonly DeduplicationCache _cache;

    public DeduplicationExchange(string name, ExchangeDefinition definition, string virtualHost, TimeProvider time, IDeduplicationLogStore? logs)
        : base(name, definition)
    {
        var arguments = definition.Arguments;
        if (!TryGetPositive(arguments, CacheSizeArgument, out var size) || size > int.MaxValue)
        {
            throw BrokerException.PreconditionFailed($"Missing or invalid argument, '{CacheSizeArgument}' must be an integer greater than 0");
        }

        long? ttl = null;
        if (arguments.ContainsKey(CacheTtlArgument))
        {
            if (!TryGetPositive(arguments, CacheTtlArgument, out var value))
            {
                throw BrokerException.PreconditionFailed($"Invalid argument, '{CacheTtlArgument}' must be an integer greater than 0");
            }

            ttl = value;
        }

        var persistence = arguments.TryGetValue(PersistenceArgument, out var persistenceValue) ? persistenceValue : null;
        var onDisk = persistence switch
        {
            null => false,
            byte[] bytes when bytes.AsSpan().SequenceEqual("memory"u8) => false,
            byte[] bytes when bytes.AsSpan().SequenceEqual("disk"u8) => true,
            "memory" => false,
            "disk" => true,
            _ => throw BrokerException.PreconditionFailed($"Invalid argument, '{PersistenceArgument}' must be either 'disk' or 'memory'"),
        };

        // A transient exchange does not outlive the node, so neither does its cache.
        var log = onDisk && definition.Durable ? logs?.Open(virtualHost, name) : null;
        _cache = new DeduplicationCache((int)size, ttl, time, log);
    }

    public override string Type => ExchangeTypes.Deduplication;

    /// <summary>The keys held now (expired ones included until they are looked up or evicted).</summary>
    public int CachedKeys => _cache.Count;

    protected override void AddBinding(Binding binding) => _all.Add(binding.Destination);

    protected override void RemoveBinding(Binding binding) => _all.Remove(binding.Destination);

    protected override void MatchCore(Message message, List<IBindingDestination> destinations)
    {
        if (DeduplicationKey.Of(message) is { } key && !_cache.TryAdd(key, MessageTtl(message)))
        {
            return;
        }

        destinations.AddRange(_all.Destinations);
    }

    protected internal override void OnDeleted() => _cache.Delete();

    // The message's own x-cache-ttl header overrides the exchange's, as in the plugin; a value
    // that is not a positive integer is ignored.
    private static long? MessageTtl(Message message) =>
        TryGetPositive(message.Properties.Headers, CacheTtlArgument, out var ttl) ? ttl : null;

    // The plugin takes an integer of any width, or a string of digits.
    private static bool TryGetPositive(IReadOnlyDictionary<string, object?>? table, string key, out long value)
    {
        value = 0;
        if (FieldTable.TryGetInt64(table, key, out value))
        {
            return value > 0;
        }

        return FieldTable.GetString(table, key) is { } text
               && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value)
               && value > 0;
    }
}
