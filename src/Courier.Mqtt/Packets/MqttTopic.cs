namespace Courier.Mqtt.Packets;

/// <summary>The checks on topic names and filters that the spec puts on the packet itself.</summary>
public static class MqttTopic
{
    /// <summary>True when a topic name holds '+' or '#', which only topic filters may.</summary>
    public static bool HasWildcard(string topic) => topic.AsSpan().IndexOfAny('+', '#') >= 0;

    /// <summary>The prefix of a shared subscription's filter, <c>$share/{group}/{filter}</c>.</summary>
    public const string SharedPrefix = "$share/";
}
