namespace Courier.Mqtt.Server;

/// <summary>
/// A subscription's 5.0 options that outlive SUBSCRIBE (Retain Handling acts once, at SUBSCRIBE),
/// kept in its binding's arguments so a persistent session gets them back with the binding.
/// </summary>
internal readonly record struct MqttSubscriptionOptions(bool NoLocal, bool RetainAsPublished, uint? Identifier)
{
    private const string NoLocalKey = "x-mqtt-no-local";
    private const string RetainAsPublishedKey = "x-mqtt-retain-as-published";
    private const string IdentifierKey = "x-mqtt-subscription-identifier";

    public bool IsDefault => !NoLocal && !RetainAsPublished && Identifier is null;

    /// <summary>The binding arguments that record these options; null for none (a plain binding, as before options existed).</summary>
    public IReadOnlyDictionary<string, object?>? ToBindingArguments()
    {
        if (IsDefault)
        {
            return null;
        }

        var arguments = new Dictionary<string, object?>(3, StringComparer.Ordinal);
        if (NoLocal)
        {
            arguments[NoLocalKey] = true;
        }

        if (RetainAsPublished)
        {
            arguments[RetainAsPublishedKey] = true;
        }

        if (Identifier is { } identifier)
        {
            arguments[IdentifierKey] = (long)identifier;
        }

        return arguments;
    }

    public static MqttSubscriptionOptions FromBindingArguments(IReadOnlyDictionary<string, object?> arguments) => new(
        arguments.TryGetValue(NoLocalKey, out var noLocal) && noLocal is true,
        arguments.TryGetValue(RetainAsPublishedKey, out var retain) && retain is true,
        Core.Messages.FieldTable.TryGetInt64(arguments, IdentifierKey, out var identifier) ? (uint)identifier : null);
}
