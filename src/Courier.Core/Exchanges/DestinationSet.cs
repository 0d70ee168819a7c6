namespace Courier.Core.Exchanges;

/// <summary>
/// The distinct destinations of a group of bindings (several bindings may point at one queue with
/// different arguments), counted so that removing one binding keeps the destination while another
/// still points at it. Matching enumerates <see cref="Destinations"/>, a plain list.
/// </summary>
internal sealed class DestinationSet
{
    private readonly Dictionary<IBindingDestination, int> _counts = new(ReferenceEqualityComparer.Instance);

    public List<IBindingDestination> Destinations { get; } = [];

    public bool IsEmpty => Destinations.Count == 0;

    public void Add(IBindingDestination destination)
    {
        _counts.TryGetValue(destination, out var count);
        _counts[destination] = count + 1;
        if (count == 0)
        {
            Destinations.Add(destination);
        }
    }

    /// <summary>Removes one binding's share of <paramref name="destination"/>; false if it had none.</summary>
    public bool Remove(IBindingDestination destination)
    {
        if (!_counts.TryGetValue(destination, out var count))
        {
            return false;
        }

        if (count > 1)
        {
            _counts[destination] = count - 1;
            return true;
        }

        _counts.Remove(destination);
        Destinations.Remove(destination);
        return true;
    }
}
