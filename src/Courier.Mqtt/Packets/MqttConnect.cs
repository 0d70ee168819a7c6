namespace Courier.Mqtt.Packets;

/// <summary>
/// CONNECT. Its protocol level decides how the rest of the connection is read, so the reader takes
/// the version from the packet itself rather than from its caller.
/// </summary>
public sealed record MqttConnect : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Connect;

    public required MqttProtocolVersion ProtocolVersion { get; init; }

    /// <summary>Clean session (3.1, 3.1.1) or clean start (5.0).</summary>
    public bool CleanStart { get; init; }

    /// <summary>Seconds; 0 turns keep-alive off.</summary>
    public ushort KeepAlive { get; init; }

    /// <summary>May be empty; whether an empty id is acceptable is the session layer's decision.</summary>
    public string ClientId { get; init; } = string.Empty;

    public MqttWill? Will { get; init; }

    public string? UserName { get; init; }

    public byte[]? Password { get; init; }

    /// <summary>5.0 only; null when the packet carried none.</summary>
    public MqttProperties? Properties { get; init; }
}

/// <summary>The will message a CONNECT carries, published by the broker on an abnormal disconnect.</summary>
public sealed record MqttWill
{
    public required string Topic { get; init; }

    public ReadOnlyMemory<byte> Payload { get; init; }

    public MqttQos QoS { get; init; }

    public bool Retain { get; init; }

    /// <summary>5.0 only: will delay interval, message expiry, content type, response topic, ...</summary>
    public MqttProperties? Properties { get; init; }
}
