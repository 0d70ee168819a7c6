namespace Courier.Core.Exchanges;

/// <summary>What a binding points at: a queue, or another exchange (an exchange-to-exchange binding).</summary>
public interface IBindingDestination
{
    string Name { get; }
}
