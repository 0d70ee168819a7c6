using Courier.Core.Delayed;
using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Queues;

namespace Courier.Core.VirtualHosts;

/// <summary>Binding bookkeeping and deletion cascades; every method here runs under the definitions lock.</summary>
public sealed partial class VirtualHost
{
    private void AddBindingLocked(Binding binding)
    {
        if (!binding.Source.Bind(binding))
        {
            return;
        }

        MarkChangedIf(IsDurable(binding));

        if (!_incoming.TryGetValue(binding.Destination, out var sources))
        {
            sources = new HashSet<Exchange>(ReferenceEqualityComparer.Instance);
            _incoming[binding.Destination] = sources;
        }

        sources.Add(binding.Source);
    }

    private void RemoveBindingLocked(Binding binding)
    {
        if (!binding.Source.Unbind(binding))
        {
            return;
        }

        MarkChangedIf(IsDurable(binding));

        if (_incoming.TryGetValue(binding.Destination, out var sources) && !HasBindingTo(binding.Source, binding.Destination))
        {
            sources.Remove(binding.Source);
            if (sources.Count == 0)
            {
                _incoming.Remove(binding.Destination);
            }
        }

        AutoDeleteIfUnusedLocked(binding.Source);
    }

    private static bool HasBindingTo(Exchange source, IBindingDestination destination)
    {
        foreach (var binding in source.GetBindings())
        {
            if (ReferenceEquals(binding.Destination, destination))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Removes every binding that points at <paramref name="destination"/>, auto-deleting sources left unused.</summary>
    private void RemoveIncomingLocked(IBindingDestination destination)
    {
        if (!_incoming.Remove(destination, out var sources))
        {
            return;
        }

        foreach (var source in sources)
        {
            if (source.UnbindAll(destination) > 0 && source.Durable && IsDurableDestination(destination))
            {
                _definitionsChanged = true;
            }
        }

        foreach (var source in sources)
        {
            AutoDeleteIfUnusedLocked(source);
        }
    }

    private void AutoDeleteIfUnusedLocked(Exchange exchange)
    {
        if (exchange.AutoDelete && exchange.BindingCount == 0 && _exchanges.TryGetValue(exchange.Name, out var current) && ReferenceEquals(current, exchange))
        {
            DeleteExchangeLocked(exchange);
        }
    }

    private void DeleteExchangeLocked(Exchange exchange)
    {
        if (!_exchanges.TryRemove(new KeyValuePair<string, Exchange>(exchange.Name, exchange)))
        {
            return;
        }

        MarkChangedIf(exchange.Durable);
        if (exchange is DelayedExchange delayed)
        {
            delayed.Scheduler?.Detach(delayed);
        }

        // Outgoing bindings: forget this exchange as a source in the reverse index.
        foreach (var binding in exchange.GetBindings())
        {
            exchange.Unbind(binding);
            if (_incoming.TryGetValue(binding.Destination, out var sources))
            {
                sources.Remove(exchange);
                if (sources.Count == 0)
                {
                    _incoming.Remove(binding.Destination);
                }
            }
        }

        // Incoming exchange-to-exchange bindings.
        RemoveIncomingLocked(exchange);
        exchange.OnDeleted();
    }

    private void RemoveQueueLocked(IQueue queue)
    {
        if (_queues.TryRemove(new KeyValuePair<string, IQueue>(queue.Name, queue)))
        {
            MarkChangedIf(queue.StoreId != 0);
            RemoveQueueOrderLocked(queue);
            RemoveIncomingLocked(queue);
            RetireCounters(queue);
        }
    }

    private void CheckEquivalent(Exchange existing, ExchangeDefinition requested)
    {
        var current = existing.Definition;
        var what = $"exchange '{existing.Name}' in vhost '{Name}'";
        if (!string.Equals(existing.Type, requested.Type, StringComparison.Ordinal))
        {
            throw Inequivalent("type", what, requested.Type, existing.Type);
        }

        if (current.Durable != requested.Durable)
        {
            throw Inequivalent("durable", what, requested.Durable, current.Durable);
        }

        if (current.AutoDelete != requested.AutoDelete)
        {
            throw Inequivalent("auto_delete", what, requested.AutoDelete, current.AutoDelete);
        }

        if (current.Internal != requested.Internal)
        {
            throw Inequivalent("internal", what, requested.Internal, current.Internal);
        }

        CheckArgumentsEquivalent(current.Arguments, requested.Arguments, what, ExchangeArgumentsCompared);
    }

    private void CheckEquivalent(IQueue existing, QueueDefinition requested)
    {
        var current = existing.Definition;
        var what = $"queue '{existing.Name}' in vhost '{Name}'";
        if (current.Durable != requested.Durable)
        {
            throw Inequivalent("durable", what, requested.Durable, current.Durable);
        }

        if (current.AutoDelete != requested.AutoDelete)
        {
            throw Inequivalent("auto_delete", what, requested.AutoDelete, current.AutoDelete);
        }

        if (current.Exclusive != requested.Exclusive)
        {
            throw Inequivalent("exclusive", what, requested.Exclusive, current.Exclusive);
        }

        CheckArgumentsEquivalent(current.Arguments, requested.Arguments, what, QueueArgumentsCompared);
    }

    // As in RabbitMQ, a redeclare compares only the arguments that change behaviour; others
    // (client bookkeeping, plugins' own keys) may differ between declarations.
    private static readonly string[] ExchangeArgumentsCompared = ["alternate-exchange"];

    private static readonly string[] QueueArgumentsCompared =
    [
        "x-expires", "x-message-ttl", "x-dead-letter-exchange", "x-dead-letter-routing-key",
        "x-max-length", "x-max-length-bytes", "x-max-priority", "x-overflow", "x-queue-mode",
        "x-single-active-consumer", "x-queue-type", "x-delivery-limit", "x-dead-letter-strategy",
        "x-max-age", "x-stream-max-segment-size-bytes", "x-queue-leader-locator",
    ];

    private static void CheckArgumentsEquivalent(
        IReadOnlyDictionary<string, object?> current, IReadOnlyDictionary<string, object?> requested, string what, string[] compared)
    {
        foreach (var key in compared)
        {
            var inRequest = requested.TryGetValue(key, out var value);
            var present = current.TryGetValue(key, out var existing);
            if (!inRequest && !present)
            {
                continue;
            }

            // As in RabbitMQ, a classic queue is the same whether a declaration names its type or not.
            if (key == QueueTypeRegistry.Argument && IsClassicOrAbsent(present, existing) && IsClassicOrAbsent(inRequest, value))
            {
                continue;
            }

            if (!inRequest)
            {
                throw InequivalentText(key, what, "none", DescribeTyped(existing));
            }

            if (!present || !FieldTable.ValueEquivalent(existing, value))
            {
                throw InequivalentText(key, what, DescribeTyped(value), present ? DescribeTyped(existing) : "none");
            }
        }
    }

    private static bool IsClassicOrAbsent(bool present, object? value) =>
        !present || value is ClassicQueueType.TypeName || (value is byte[] bytes && bytes.AsSpan().SequenceEqual("classic"u8));

    private static string Describe(object? value) => value switch
    {
        null => "none",
        byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
        bool b => b ? "true" : "false",
        _ => value.ToString() ?? "none",
    };

    // RabbitMQ names an argument by its value and its AMQP field type: "the value '10' of type 'long'".
    private static string DescribeTyped(object? value) => $"the value '{Describe(value)}' of type '{FieldTypeName(value)}'";

    private static string FieldTypeName(object? value) => value switch
    {
        null => "void",
        bool => "bool",
        sbyte => "byte",
        byte => "unsignedbyte",
        short => "short",
        ushort => "unsignedshort",
        int => "signedint",
        uint => "unsignedint",
        long => "long",
        float => "float",
        double => "double",
        decimal => "decimal",
        string or byte[] => "longstr",
        BinaryValue => "binary",
        Timestamp => "timestamp",
        IReadOnlyDictionary<string, object?> => "table",
        IReadOnlyList<object?> => "array",
        _ => value.GetType().Name,
    };

    private static BrokerException Inequivalent(string arg, string what, object received, object current) =>
        InequivalentText(arg, what, $"'{Describe(received)}'", $"'{Describe(current)}'");

    private static BrokerException InequivalentText(string arg, string what, string received, string current) =>
        BrokerException.PreconditionFailed($"inequivalent arg '{arg}' for {what}: received {received} but current is {current}");
}
