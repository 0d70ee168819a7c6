using Courier.Core.Exchanges;

namespace Courier.Core.Tests.Support;

/// <summary>A binding destination compared by reference, as exchanges compare queues.</summary>
internal sealed class TestDestination(string name) : IBindingDestination
{
    public string Name { get; } = name;

    public override string ToString() => Name;
}
