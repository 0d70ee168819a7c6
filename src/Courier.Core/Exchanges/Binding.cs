using Courier.Core.Messages;

namespace Courier.Core.Exchanges;

/// <summary>
/// A binding from an exchange to a queue or exchange. Two bindings are the same binding when
/// source, destination, routing key and arguments are all equal (arguments compared by value),
/// which is what makes a repeated bind idempotent and an unbind find its binding.
/// </summary>
public sealed class Binding : IEquatable<Binding>
{
    public Binding(Exchange source, IBindingDestination destination, string routingKey, IReadOnlyDictionary<string, object?>? arguments)
    {
        Source = source;
        Destination = destination;
        RoutingKey = routingKey;
        Arguments = arguments ?? FieldTable.Empty;
    }

    public Exchange Source { get; }

    public IBindingDestination Destination { get; }

    public string RoutingKey { get; }

    public IReadOnlyDictionary<string, object?> Arguments { get; }

    public bool Equals(Binding? other) =>
        other is not null
        && ReferenceEquals(Source, other.Source)
        && ReferenceEquals(Destination, other.Destination)
        && string.Equals(RoutingKey, other.RoutingKey, StringComparison.Ordinal)
        && FieldTable.TableEquals(Arguments, other.Arguments);

    public override bool Equals(object? obj) => Equals(obj as Binding);

    public override int GetHashCode() => HashCode.Combine(Source, Destination, RoutingKey, Arguments.Count);

    public override string ToString() => $"{Source.Name} -> {Destination.Name} [{RoutingKey}]";
}
