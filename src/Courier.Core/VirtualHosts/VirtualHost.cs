using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Courier.Core.Delayed;
using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Sessions;

namespace Courier.Core.VirtualHosts;

/// <summary>
/// A namespace of exchanges, queues and bindings, and the place a publish is routed.
/// </summary>
/// <remarks>
/// Definitions (declare, delete, bind, unbind) change under one lock per vhost, which keeps the
/// reverse index of bindings and auto-delete decisions consistent. Lookups and routing read the
/// concurrent maps and the exchanges' own binding structures without that lock, so publishing never
/// waits for a declaration elsewhere.
/// </remarks>
public sealed partial class VirtualHost
{
    private const string ReservedPrefix = "amq.";

    private readonly Lock _definitions = new();
    private readonly ConcurrentDictionary<string, Exchange> _exchanges = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IQueue> _queues = new(StringComparer.Ordinal);

    // For each destination, the exchanges with bindings to it: deleting a queue or exchange finds
    // its incoming bindings here instead of scanning every exchange.
    private readonly Dictionary<IBindingDestination, HashSet<Exchange>> _incoming = new(ReferenceEqualityComparer.Instance);

    private readonly Broker? _broker;
    private bool _definitionsChanged;

    public VirtualHost(string name)
        : this(name, broker: null)
    {
    }

    public VirtualHost(string name, Broker? broker)
    {
        Name = name;
        _broker = broker;
        var defaultExchange = new DefaultExchange(this);
        _exchanges[string.Empty] = defaultExchange;
        foreach (var (exchangeName, type) in new[]
                 {
                     ("amq.direct", ExchangeTypes.Direct), ("amq.fanout", ExchangeTypes.Fanout),
                     ("amq.topic", ExchangeTypes.Topic), ("amq.headers", ExchangeTypes.Headers),
                     ("amq.match", ExchangeTypes.Headers),
                 })
        {
            _exchanges[exchangeName] = ExchangeTypes.Create(exchangeName, new ExchangeDefinition { Type = type, Durable = true });
        }
    }

    public string Name { get; }

    private QueueTypeRegistry QueueTypes => _broker?.QueueTypes ?? QueueTypeRegistry.Default;

    public IEnumerable<Exchange> Exchanges => _exchanges.Values;

    /// <summary>
    /// Every queue, enumerated from the map as it changes: unlike its <c>Values</c>, this takes
    /// none of the map's locks and copies nothing (100,000 queues would be a large-object copy per walk).
    /// </summary>
    public IEnumerable<IQueue> Queues
    {
        get
        {
            foreach (var pair in _queues)
            {
                yield return pair.Value;
            }
        }
    }

    public bool TryGetExchange(string name, [NotNullWhen(true)] out Exchange? exchange) => _exchanges.TryGetValue(name, out exchange);

    public bool TryGetQueue(string name, [NotNullWhen(true)] out IQueue? queue) => _queues.TryGetValue(name, out queue);

    public Exchange GetExchange(string name) =>
        _exchanges.TryGetValue(name, out var exchange) ? exchange : throw NoExchange(name);

    /// <summary>Finds a queue the caller may use: an exclusive queue only by the connection that owns it.</summary>
    public IQueue GetQueue(string name, ClientSession accessor)
    {
        if (!_queues.TryGetValue(name, out var queue))
        {
            throw NoQueue(name);
        }

        CheckExclusiveAccess(queue, accessor);
        return queue;
    }

    public Exchange DeclareExchange(string name, ExchangeDefinition definition, bool passive)
    {
        if (passive)
        {
            return GetExchange(name);
        }

        if (!ExchangeTypes.IsKnown(definition.Type))
        {
            // A channel error, as RabbitMQ answers it since 3.12.x (rabbitmq-server #11214): one
            // bad declare must not close every other channel of the connection.
            throw new BrokerException(BrokerError.PreconditionFailed, $"unknown exchange type '{definition.Type}'");
        }

        Exchange.CheckArguments(definition.Arguments, $"exchange '{name}' in vhost '{Name}'");

        lock (_definitions)
        {
            if (_exchanges.TryGetValue(name, out var existing))
            {
                CheckEquivalent(existing, definition);
                return existing;
            }

            if (name.StartsWith(ReservedPrefix, StringComparison.Ordinal))
            {
                throw BrokerException.AccessRefused($"exchange name '{name}' contains reserved prefix '{ReservedPrefix}*'");
            }

            var exchange = ExchangeTypes.Create(name, definition, Name, _broker);
            if (exchange is DelayedExchange delayed)
            {
                var scheduler = _broker?.Delayed ?? throw new BrokerException(BrokerError.NotImplemented, $"exchange type '{ExchangeTypes.DelayedMessage}' needs a node with a store");
                scheduler.Attach(this, delayed);
            }

            exchange.Policy = PolicyForLocked(name, isQueue: false);
            _exchanges[name] = exchange;
            MarkChangedIf(exchange.Durable);
            SaveDefinitionsIfChangedLocked();
            return exchange;
        }
    }

    public void DeleteExchange(string name, bool ifUnused)
    {
        if (name.Length == 0 || name.StartsWith(ReservedPrefix, StringComparison.Ordinal))
        {
            throw BrokerException.AccessRefused(name.Length == 0
                ? "operation not permitted on the default exchange"
                : $"exchange name '{name}' contains reserved prefix '{ReservedPrefix}*'");
        }

        lock (_definitions)
        {
            if (!_exchanges.TryGetValue(name, out var exchange))
            {
                throw NoExchange(name);
            }

            if (ifUnused && exchange.BindingCount > 0)
            {
                throw BrokerException.PreconditionFailed($"exchange '{name}' in vhost '{Name}' in use");
            }

            DeleteExchangeLocked(exchange);
            SaveDefinitionsIfChangedLocked();
        }
    }

    public QueueDeclareResult DeclareQueue(string name, QueueDefinition definition, bool passive, ClientSession owner)
    {
        if (passive)
        {
            var found = GetQueue(name, owner);
            return new QueueDeclareResult(found, found.MessageCount, found.ConsumerCount);
        }

        var arguments = QueueArguments.Parse(definition.Arguments, $"queue '{(name.Length == 0 ? "amq.gen" : name)}' in vhost '{Name}'");
        lock (_definitions)
        {
            if (name.Length == 0)
            {
                do
                {
                    name = "amq.gen-" + Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                }
                while (_queues.ContainsKey(name));
            }
            else if (_queues.TryGetValue(name, out var existing))
            {
                CheckExclusiveAccess(existing, owner);
                CheckEquivalent(existing, definition);
                existing.MarkUsed();
                return new QueueDeclareResult(existing, existing.MessageCount, existing.ConsumerCount);
            }
            else if (name.StartsWith(ReservedPrefix, StringComparison.Ordinal))
            {
                throw BrokerException.AccessRefused($"queue name '{name}' contains reserved prefix '{ReservedPrefix}*'");
            }

            CheckQueueLimitLocked(name);
            var type = QueueTypes.Resolve(definition.Arguments, $"queue '{name}' in vhost '{Name}'");
            var stored = definition.Durable && !definition.Exclusive && _broker?.Store is not null;
            var queue = type.Create(new QueueCreation
            {
                Name = name,
                VirtualHost = Name,
                Definition = definition,
                ExclusiveOwner = definition.Exclusive ? owner : null,
                StoreId = stored ? _broker!.NextQueueStoreId() : 0,
                Store = _broker?.Store,
                Resources = _broker?.Resources,
                Clock = _broker?.Time,
                Arguments = arguments,
                Host = this,
                Policy = PolicyForLocked(name, isQueue: true),
                Totals = QueueTotals,
            });
            AddQueueLocked(queue);
            MarkChangedIf(stored);
            SaveDefinitionsIfChangedLocked();
            return new QueueDeclareResult(queue, 0, 0);
        }
    }

    /// <summary>Deletes a queue and its bindings; returns the number of ready messages it held.</summary>
    public int DeleteQueue(string name, bool ifUnused, bool ifEmpty, ClientSession accessor)
    {
        IQueue queue;
        lock (_definitions)
        {
            if (!_queues.TryGetValue(name, out queue!))
            {
                throw NoQueue(name);
            }

            CheckExclusiveAccess(queue, accessor);
            if (ifUnused && queue.ConsumerCount > 0)
            {
                throw BrokerException.PreconditionFailed($"queue '{name}' in vhost '{Name}' in use");
            }

            if (ifEmpty && queue.MessageCount > 0)
            {
                throw BrokerException.PreconditionFailed($"queue '{name}' in vhost '{Name}' is not empty");
            }

            RemoveQueueLocked(queue);
            SaveDefinitionsIfChangedLocked();
        }

        return queue.Delete();
    }

    public int PurgeQueue(string name, ClientSession accessor) => GetQueue(name, accessor).Purge();

    public void BindQueue(string queueName, string exchangeName, string routingKey, IReadOnlyDictionary<string, object?>? arguments, ClientSession accessor)
    {
        CheckNotDefaultExchange(exchangeName);
        lock (_definitions)
        {
            var queue = GetQueue(queueName, accessor);
            var exchange = GetExchange(exchangeName);
            exchange.CheckBindingArguments(arguments ?? FieldTable.Empty);
            AddBindingLocked(new Binding(exchange, queue, routingKey, arguments));
            SaveDefinitionsIfChangedLocked();
        }
    }

    public void UnbindQueue(string queueName, string exchangeName, string routingKey, IReadOnlyDictionary<string, object?>? arguments, ClientSession accessor)
    {
        CheckNotDefaultExchange(exchangeName);
        lock (_definitions)
        {
            var queue = GetQueue(queueName, accessor);
            var exchange = GetExchange(exchangeName);
            RemoveBindingLocked(new Binding(exchange, queue, routingKey, arguments));
            SaveDefinitionsIfChangedLocked();
        }
    }

    public void BindExchange(string destinationName, string sourceName, string routingKey, IReadOnlyDictionary<string, object?>? arguments)
    {
        CheckNotDefaultExchange(destinationName);
        CheckNotDefaultExchange(sourceName);
        lock (_definitions)
        {
            var destination = GetExchange(destinationName);
            var source = GetExchange(sourceName);
            source.CheckBindingArguments(arguments ?? FieldTable.Empty);
            AddBindingLocked(new Binding(source, destination, routingKey, arguments));
            SaveDefinitionsIfChangedLocked();
        }
    }

    public void UnbindExchange(string destinationName, string sourceName, string routingKey, IReadOnlyDictionary<string, object?>? arguments)
    {
        CheckNotDefaultExchange(destinationName);
        CheckNotDefaultExchange(sourceName);
        lock (_definitions)
        {
            var destination = GetExchange(destinationName);
            var source = GetExchange(sourceName);
            RemoveBindingLocked(new Binding(source, destination, routingKey, arguments));
            SaveDefinitionsIfChangedLocked();
        }
    }

    /// <summary>Every binding in the vhost, including each queue's implicit binding to the default exchange.</summary>
    public IReadOnlyList<Binding> GetBindings()
    {
        var bindings = new List<Binding>();
        foreach (var exchange in _exchanges.Values)
        {
            bindings.AddRange(exchange.GetBindings());
        }

        return bindings;
    }

    /// <summary>Removes a consumer from its queue, deleting the queue if it is auto-delete and that was its last consumer.</summary>
    public void RemoveConsumer(IQueue queue, QueueConsumer consumer)
    {
        if (!queue.RemoveConsumer(consumer))
        {
            return;
        }

        lock (_definitions)
        {
            if (queue.ConsumerCount > 0 || !_queues.TryGetValue(queue.Name, out var current) || !ReferenceEquals(current, queue))
            {
                return;
            }

            RemoveQueueLocked(queue);
            SaveDefinitionsIfChangedLocked();
        }

        queue.Delete();
    }

    /// <summary>Deletes the exclusive queues a session that is ending owned.</summary>
    public void ReleaseOwner(ClientSession owner)
    {
        RemoveSession(owner);
        List<IQueue>? owned = null;
        foreach (var queue in _queues.Values)
        {
            if (ReferenceEquals(queue.ExclusiveOwner, owner))
            {
                (owned ??= []).Add(queue);
            }
        }

        if (owned is null)
        {
            return;
        }

        foreach (var queue in owned)
        {
            DeleteIfCurrent(queue);
        }
    }

    /// <summary>Deletes <paramref name="queue"/> unless it is already gone (or replaced by another of its name).</summary>
    private void DeleteIfCurrent(IQueue queue)
    {
        lock (_definitions)
        {
            if (!_queues.TryGetValue(queue.Name, out var current) || !ReferenceEquals(current, queue))
            {
                return;
            }

            RemoveQueueLocked(queue);
            SaveDefinitionsIfChangedLocked();
        }

        queue.Delete();
    }

    /// <summary>
    /// The default exchange's bindings are implicit: binding to or from it is refused (403) before
    /// anything else is looked up, so the client hears why even when the other side does not exist,
    /// as from RabbitMQ.
    /// </summary>
    private static void CheckNotDefaultExchange(string name)
    {
        if (name.Length == 0)
        {
            throw BrokerException.AccessRefused("operation not permitted on the default exchange");
        }
    }

    private void CheckExclusiveAccess(IQueue queue, ClientSession accessor)
    {
        if (queue.ExclusiveOwner is not null && !ReferenceEquals(queue.ExclusiveOwner, accessor))
        {
            throw BrokerException.ResourceLocked(
                $"cannot obtain exclusive access to locked queue '{queue.Name}' in vhost '{Name}'. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.");
        }
    }

    private BrokerException NoExchange(string name) => BrokerException.NotFound($"no exchange '{name}' in vhost '{Name}'");

    private BrokerException NoQueue(string name) => BrokerException.NotFound($"no queue '{name}' in vhost '{Name}'");
}
