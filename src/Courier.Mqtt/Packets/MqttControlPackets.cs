namespace Courier.Mqtt.Packets;

/// <summary>PINGREQ: no body, so one shared instance.</summary>
public sealed record MqttPingReq : MqttPacket
{
    public static readonly MqttPingReq Instance = new();

    public override MqttPacketType Type => MqttPacketType.PingReq;
}

/// <summary>PINGRESP: no body, so one shared instance.</summary>
public sealed record MqttPingResp : MqttPacket
{
    public static readonly MqttPingResp Instance = new();

    public override MqttPacketType Type => MqttPacketType.PingResp;
}

/// <summary>DISCONNECT. 3.1 and 3.1.1 have no body; 5.0 adds a reason code and properties, both optional on the wire.</summary>
public sealed record MqttDisconnect : MqttPacket
{
    /// <summary>A normal disconnection without properties, the only kind 3.1 and 3.1.1 know.</summary>
    public static readonly MqttDisconnect Normal = new();

    public override MqttPacketType Type => MqttPacketType.Disconnect;

    public byte ReasonCode { get; init; }

    public MqttProperties? Properties { get; init; }
}

/// <summary>AUTH (5.0 only): a step of enhanced authentication.</summary>
public sealed record MqttAuth : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Auth;

    public byte ReasonCode { get; init; }

    public MqttProperties? Properties { get; init; }
}
