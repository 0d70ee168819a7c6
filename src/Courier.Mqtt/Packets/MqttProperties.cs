namespace Courier.Mqtt.Packets;

/// <summary>
/// The MQTT 5.0 properties of one packet (or of a will). A property is null when absent; the reader
/// only allocates this object when the packet has at least one. Which properties a packet may carry
/// is checked by <see cref="MqttPropertyCodec"/> on both reading and writing.
/// </summary>
public sealed class MqttProperties
{
    public byte? PayloadFormatIndicator { get; set; }

    public uint? MessageExpiryInterval { get; set; }

    public string? ContentType { get; set; }

    public string? ResponseTopic { get; set; }

    public byte[]? CorrelationData { get; set; }

    /// <summary>One on SUBSCRIBE; any number on a PUBLISH the server sends (one per matching subscription).</summary>
    public List<uint>? SubscriptionIdentifiers { get; set; }

    public uint? SessionExpiryInterval { get; set; }

    public string? AssignedClientIdentifier { get; set; }

    public ushort? ServerKeepAlive { get; set; }

    public string? AuthenticationMethod { get; set; }

    public byte[]? AuthenticationData { get; set; }

    public bool? RequestProblemInformation { get; set; }

    public uint? WillDelayInterval { get; set; }

    public bool? RequestResponseInformation { get; set; }

    public string? ResponseInformation { get; set; }

    public string? ServerReference { get; set; }

    public string? ReasonString { get; set; }

    public ushort? ReceiveMaximum { get; set; }

    public ushort? TopicAliasMaximum { get; set; }

    public ushort? TopicAlias { get; set; }

    /// <summary>0 or 1: a server that supports QoS 2 sends no Maximum QoS at all.</summary>
    public MqttQos? MaximumQoS { get; set; }

    public bool? RetainAvailable { get; set; }

    /// <summary>In the order they arrived, duplicates kept: the spec makes order meaningful.</summary>
    public List<MqttUserProperty>? UserProperties { get; set; }

    public uint? MaximumPacketSize { get; set; }

    public bool? WildcardSubscriptionAvailable { get; set; }

    public bool? SubscriptionIdentifiersAvailable { get; set; }

    public bool? SharedSubscriptionAvailable { get; set; }
}
