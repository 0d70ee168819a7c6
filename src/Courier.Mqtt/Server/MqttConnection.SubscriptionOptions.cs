using Courier.Core.Messages;
using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>
/// The 5.0 subscription options that act on deliveries: No Local, Retain As Published and
/// Subscription Identifiers, kept per filter and applied when a delivery comes out of a queue.
/// </summary>
/// <remarks>
/// <para>A queue does not know which of its bindings took a message, so a delivery's topic is matched
/// against the filters bound to that queue (<see cref="MqttTopicMapping.Matches"/>): it carries the
/// identifiers of all that match, keeps its retain flag if one of them asks for it, and is skipped
/// (settled, not sent) when all of them are No Local and the session's own client id published it.
/// The publisher's client id travels as an annotation (<see cref="MqttMessageMapper.PublisherKey"/>)
/// that only the MQTT mapper reads.</para>
/// <para>Options are stored in the binding's arguments, as RabbitMQ 3.13's plugin stores them, so a
/// persistent session gets them back with its bindings. Only filters with an option have an entry
/// in <see cref="SubscriptionOptionsByFilter"/> (under <see cref="_deliveryGate"/>); with none, deliveries
/// match nothing.</para>
/// </remarks>
internal sealed partial class MqttConnection
{
    // Created on first use (by whichever thread comes first): an idle connection holds none of these.
    private Dictionary<string, MqttSubscriptionOptions>? _subscriptionOptionsCreated;
    private Dictionary<string, MqttSubscriptionOptions> SubscriptionOptionsByFilter => LazyInitializer.EnsureInitialized(ref _subscriptionOptionsCreated, static () => new Dictionary<string, MqttSubscriptionOptions>(StringComparer.Ordinal));

    private IReadOnlyDictionary<string, object?>? _publisherAnnotations;

    /// <summary>This connection's client id as the annotation on what it publishes; one table shared by all its messages.</summary>
    private IReadOnlyDictionary<string, object?> PublisherAnnotations =>
        _publisherAnnotations ??= new Dictionary<string, object?>(1, StringComparer.Ordinal) { [MqttMessageMapper.PublisherKey] = ClientId };

    private static MqttProperties? WithIdentifiers(MqttProperties? properties, List<uint>? identifiers)
    {
        if (identifiers is not null)
        {
            (properties ??= new()).SubscriptionIdentifiers = identifiers;
        }

        return properties;
    }

    private MqttSubscriptionOptions OptionsOfLocked(string filter) =>
        SubscriptionOptionsByFilter.TryGetValue(filter, out var options) ? options : default;

    /// <summary>Records <paramref name="filter"/>'s options; returns the ones it had (the default when none).</summary>
    private MqttSubscriptionOptions SetOptionsLocked(string filter, MqttSubscriptionOptions options)
    {
        var previous = OptionsOfLocked(filter);
        if (options.IsDefault)
        {
            SubscriptionOptionsByFilter.Remove(filter);
        }
        else
        {
            SubscriptionOptionsByFilter[filter] = options;
        }

        return previous;
    }

    /// <summary>
    /// What the options of the filters of queue <paramref name="qos"/> that match <paramref name="topic"/>
    /// do to a delivery: skip it (No Local), keep its retain flag, carry identifiers.
    /// </summary>
    private (bool Skip, bool RetainAsPublished, List<uint>? Identifiers) ApplyOptionsLocked(MqttQos qos, string topic, Message message)
    {
        if (SubscriptionOptionsByFilter.Count == 0)
        {
            return default;
        }

        var local = message.Annotations.Get(MqttMessageMapper.PublisherKey) is string publisher && string.Equals(publisher, ClientId, StringComparison.Ordinal);
        var delivered = false;
        var skippedAsLocal = false;
        var retainAsPublished = false;
        List<uint>? identifiers = null;
        foreach (var (filter, granted) in Subscriptions)
        {
            if (granted != qos || !MqttTopicMapping.Matches(filter, topic))
            {
                continue;
            }

            var options = OptionsOfLocked(filter);
            if (local && options.NoLocal)
            {
                skippedAsLocal = true;
                continue;
            }

            delivered = true;
            retainAsPublished |= options.RetainAsPublished;
            if (options.Identifier is { } identifier)
            {
                (identifiers ??= []).Add(identifier);
            }
        }

        return skippedAsLocal && !delivered ? (true, false, null) : (false, retainAsPublished, identifiers);
    }
}
