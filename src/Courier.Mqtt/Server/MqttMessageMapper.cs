using Courier.Core.Messages;
using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>
/// MQTT 5.0 PUBLISH properties to the neutral message and back (docs/protocol-mapping.md, MQTT
/// column), following RabbitMQ 3.13's plugin: content type, correlation data, response topic (as a
/// routing key, so an AMQP service replies by publishing to <c>amq.topic</c> with it), user
/// properties as headers, message expiry as the per-message TTL.
/// </summary>
internal static class MqttMessageMapper
{
    /// <summary>Where the 5.0 Payload Format Indicator travels (it has no neutral field).</summary>
    public const string PayloadFormatKey = "mqtt.payload-format";

    /// <summary>The client id of the MQTT connection that published the message (for No Local); never sent to other protocols.</summary>
    public const string PublisherKey = "mqtt.client-id";

    public static MessageProperties ToProperties(MqttQos qos, MqttProperties? mqtt)
    {
        var properties = new MessageProperties
        {
            Persistence = qos == MqttQos.AtMostOnce ? DeliveryPersistence.Transient : DeliveryPersistence.Persistent,
        };
        if (mqtt is null)
        {
            return properties;
        }

        properties.ContentType = mqtt.ContentType;
        properties.CorrelationId = mqtt.CorrelationData;
        if (mqtt.ResponseTopic is { } responseTopic)
        {
            properties.ReplyTo = MqttTopicMapping.ToRoutingKey(responseTopic);
        }

        if (mqtt.MessageExpiryInterval is { } seconds)
        {
            properties.ExpiryMilliseconds = seconds * 1000L;
        }

        if (mqtt.UserProperties is { Count: > 0 } userProperties)
        {
            // A name given twice keeps its last value: headers are a table, MQTT's list may repeat.
            var headers = new Dictionary<string, object?>(userProperties.Count, StringComparer.Ordinal);
            foreach (var (name, value) in userProperties)
            {
                headers[name] = value;
            }

            properties.Headers = headers;
        }

        return properties;
    }

    /// <summary>The annotations of an MQTT publish: <paramref name="publisher"/> (the publisher's, shared) plus the payload format when there is one.</summary>
    public static IReadOnlyDictionary<string, object?>? ToAnnotations(MqttProperties? mqtt, IReadOnlyDictionary<string, object?>? publisher = null)
    {
        if (mqtt?.PayloadFormatIndicator is not { } format)
        {
            return publisher;
        }

        var annotations = publisher is null ? new Dictionary<string, object?>(StringComparer.Ordinal) : new Dictionary<string, object?>(publisher, StringComparer.Ordinal);
        annotations[PayloadFormatKey] = format;
        return annotations;
    }

    /// <summary>The 5.0 properties a delivery of <paramref name="message"/> carries, or null when it has none.</summary>
    public static MqttProperties? ToMqtt(Message message)
    {
        var source = message.Properties;
        MqttProperties? mqtt = null;
        if (source.ContentType is { } contentType)
        {
            (mqtt ??= new()).ContentType = contentType;
        }

        if (source.CorrelationId is { } correlation)
        {
            (mqtt ??= new()).CorrelationData = correlation;
        }

        if (source.ReplyTo is { Length: > 0 } replyTo)
        {
            (mqtt ??= new()).ResponseTopic = MqttTopicMapping.ToTopic(replyTo);
        }

        if (source.ExpiryMilliseconds is { } expiry)
        {
            (mqtt ??= new()).MessageExpiryInterval = (uint)Math.Min(uint.MaxValue, (expiry + 999) / 1000);
        }

        if (source.Headers is { Count: > 0 } headers)
        {
            foreach (var (name, value) in headers)
            {
                if (AsText(value) is { } text)
                {
                    ((mqtt ??= new()).UserProperties ??= []).Add(new MqttUserProperty(name, text));
                }
            }
        }

        if (message.Annotations.Get(PayloadFormatKey) is byte format)
        {
            (mqtt ??= new()).PayloadFormatIndicator = format;
        }

        return mqtt;
    }

    /// <summary>A header value as a user property's text: strings as they are, numbers and booleans printed; tables, lists, binary and long strings that are not well-formed UTF-8 left out (never rewritten to U+FFFD).</summary>
    private static string? AsText(object? value) => value switch
    {
        string s => s,
        byte[] bytes => StrictUtf8.TryDecode(bytes, out var text) ? text : null,
        bool b => b ? "true" : "false",
        sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal =>
            Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };
}
