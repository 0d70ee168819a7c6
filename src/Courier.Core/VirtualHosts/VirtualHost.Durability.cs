using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Storage;

namespace Courier.Core.VirtualHosts;

/// <summary>
/// What survives a restart: durable definitions are saved through the broker's definition store
/// whenever one changes (before the declaring client is answered), and are restored from it.
/// Exclusive queues, transient exchanges and queues, and bindings involving them never are.
/// </summary>
public sealed partial class VirtualHost
{
    private void MarkChangedIf(bool durable)
    {
        if (durable)
        {
            _definitionsChanged = true;
        }
    }

    private static bool IsDurable(Binding binding) => binding.Source.Durable && IsDurableDestination(binding.Destination);

    private static bool IsDurableDestination(IBindingDestination destination) => destination switch
    {
        IQueue queue => queue.StoreId != 0,
        Exchange exchange => exchange.Durable,
        _ => false,
    };

    /// <summary>Changes a queue's <c>x-expires</c> and saves the definitions if the queue is durable.</summary>
    public void ChangeQueueExpires(IQueue queue, long? milliseconds)
    {
        lock (_definitions)
        {
            var unchanged = FieldTable.TryGetInt64(queue.Definition.Arguments, "x-expires", out var old) ? old == milliseconds : milliseconds is null;
            if (unchanged || !_queues.TryGetValue(queue.Name, out var current) || !ReferenceEquals(current, queue))
            {
                return;
            }

            queue.ChangeExpires(milliseconds);
            MarkChangedIf(queue.StoreId != 0);
            SaveDefinitionsIfChangedLocked();
        }
    }

    private void SaveDefinitionsIfChangedLocked()
    {
        if (!_definitionsChanged)
        {
            return;
        }

        _definitionsChanged = false;
        _broker?.OnDefinitionsChanged(this, BuildRecordLocked());
    }

    /// <summary>The vhost's durable definitions; called under the definitions lock.</summary>
    internal VirtualHostRecord BuildRecordLocked()
    {
        var record = new VirtualHostRecord { Name = Name };
        foreach (var exchange in _exchanges.Values)
        {
            if (exchange.Durable && exchange is not DefaultExchange && !IsPredeclared(exchange.Name))
            {
                record.Exchanges.Add(new ExchangeRecord(exchange.Name, exchange.Type, exchange.AutoDelete, exchange.Internal, exchange.Arguments));
            }

            foreach (var binding in exchange.GetBindings())
            {
                if (IsDurable(binding))
                {
                    record.Bindings.Add(new BindingRecord(
                        exchange.Name, binding.Destination.Name, binding.Destination is IQueue, binding.RoutingKey, binding.Arguments));
                }
            }
        }

        foreach (var queue in _queues.Values)
        {
            if (queue.StoreId != 0)
            {
                record.Queues.Add(new QueueRecord(queue.Name, queue.StoreId, queue.AutoDelete, queue.Definition.Arguments, queue.Type));
            }
        }

        AddPolicyRecordsLocked(record);
        return record;
    }

    internal VirtualHostRecord BuildRecord()
    {
        lock (_definitions)
        {
            return BuildRecordLocked();
        }
    }

    /// <summary>
    /// Recreates saved definitions and puts recovered messages back into their queues. Returns the
    /// store ids of the queues restored.
    /// </summary>
    internal void Restore(VirtualHostRecord record, IMessageStore? store, IReadOnlyDictionary<int, List<RecoveredMessage>> recovered)
    {
        var restoring = new List<(IQueue Queue, List<RecoveredMessage> Messages)>();
        lock (_definitions)
        {
            RestorePoliciesLocked(record);
            foreach (var e in record.Exchanges)
            {
                if (!_exchanges.ContainsKey(e.Name) && ExchangeTypes.IsKnown(e.Type))
                {
                    _exchanges[e.Name] = ExchangeTypes.Create(
                        e.Name,
                        new ExchangeDefinition
                        {
                            Type = e.Type,
                            Durable = true,
                            AutoDelete = e.AutoDelete,
                            Internal = e.Internal,
                            Arguments = e.Arguments,
                        },
                        Name,
                        _broker);
                }
            }

            ApplyExchangePoliciesLocked();
            foreach (var q in record.Queues)
            {
                var definition = new QueueDefinition { Durable = true, AutoDelete = q.AutoDelete, Arguments = q.Arguments };
                if (!QueueTypes.TryGet(q.Type, out var type))
                {
                    // Saved by a build that had this type; starting without it would drop its messages.
                    throw new InvalidDataException($"queue '{q.Name}' in vhost '{Name}' is of type '{q.Type}', which this build does not have (it has: {QueueTypes.Supported})");
                }

                var queue = type.Create(new QueueCreation
                {
                    Name = q.Name,
                    VirtualHost = Name,
                    Definition = definition,
                    StoreId = q.StoreId,
                    Store = store,
                    Resources = _broker?.Resources,
                    Clock = _broker?.Time,
                    Arguments = QueueArguments.ParseSaved(q.Arguments, $"queue '{q.Name}' in vhost '{Name}'", reason => _broker?.Warn(reason)),
                    Host = this,
                    Policy = PolicyForLocked(q.Name, isQueue: true),
                    Totals = QueueTotals,
                });
                AddQueueLocked(queue);
                if (store is not null && recovered.TryGetValue(q.StoreId, out var messages))
                {
                    restoring.Add((queue, messages));
                }
            }

            foreach (var b in record.Bindings)
            {
                if (!_exchanges.TryGetValue(b.Source, out var source))
                {
                    continue;
                }

                IBindingDestination? destination = b.DestinationIsQueue
                    ? _queues.GetValueOrDefault(b.Destination)
                    : _exchanges.GetValueOrDefault(b.Destination);
                if (destination is not null)
                {
                    AddBindingLocked(new Binding(source, destination, b.RoutingKey, b.Arguments));
                }
            }

            _definitionsChanged = false;
        }

        // Messages last, with every exchange and binding in place: restoring may dead-letter what
        // expired while the node was down, or what is over a length limit.
        foreach (var (queue, messages) in restoring)
        {
            queue.Restore(store!, messages);
        }
    }

    private static bool IsPredeclared(string name) =>
        name is "amq.direct" or "amq.fanout" or "amq.topic" or "amq.headers" or "amq.match";
}
