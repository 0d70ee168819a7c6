using Courier.Core.Exchanges;
using Courier.Core.Messages;

namespace Courier.Core.Delayed;

/// <summary>
/// The <c>x-delayed-message</c> exchange of RabbitMQ's delayed-message plugin. Its bindings route
/// as the exchange type named by the <c>x-delayed-type</c> argument (an inner exchange of that type
/// holds them); a message published with a positive <c>x-delay</c> header is not routed at publish
/// but handed to the node's <see cref="DelayedDelivery"/>, which routes it through these same
/// bindings when it is due.
/// </summary>
/// <remarks>
/// <see cref="Match"/> routes at once, whatever the message's headers: publishing decides whether to
/// delay (<see cref="VirtualHosts.VirtualHost.Publish"/>), so a message that reaches this exchange
/// through an exchange-to-exchange binding, or is due, is routed by the bindings directly.
/// </remarks>
public sealed class DelayedExchange : Exchange
{
    /// <summary>The declare argument naming the type whose routing the exchange uses.</summary>
    public const string TypeArgument = "x-delayed-type";

    private readonly Exchange _routing;

    public DelayedExchange(string name, ExchangeDefinition definition)
        : base(name, definition)
    {
        var delayedType = FieldTable.GetArgumentText(definition.Arguments, TypeArgument, $"exchange '{name}'");
        if (delayedType is not (ExchangeTypes.Direct or ExchangeTypes.Fanout or ExchangeTypes.Topic or ExchangeTypes.Headers))
        {
            // The plugin's wording for a missing argument; RabbitMQ refuses an unknown type with 406 too.
            throw BrokerException.PreconditionFailed(delayedType is null
                ? $"Invalid argument, '{TypeArgument}' must be an existing exchange type"
                : $"Invalid argument, '{TypeArgument}' must be direct, fanout, topic or headers, not '{delayedType}'");
        }

        DelayedType = delayedType;
        _routing = ExchangeTypes.Create(name, definition with { Type = delayedType });
    }

    public override string Type => ExchangeTypes.DelayedMessage;

    /// <summary>The exchange type whose routing due messages follow (<c>x-delayed-type</c>).</summary>
    public string DelayedType { get; }

    /// <summary>The scheduler that holds this exchange's delayed messages; set when it is attached.</summary>
    internal DelayedDelivery? Scheduler { get; set; }

    /// <summary>The exchange's key in the delayed store (0 until attached); its scheduled messages carry it.</summary>
    internal int StoreKey { get; set; }

    public override void CheckBindingArguments(IReadOnlyDictionary<string, object?> arguments) => _routing.CheckBindingArguments(arguments);

    protected override void AddBinding(Binding binding) => _routing.Bind(binding);

    protected override void RemoveBinding(Binding binding) => _routing.Unbind(binding);

    protected override void MatchCore(Message message, List<IBindingDestination> destinations) => _routing.Match(message, destinations);
}
