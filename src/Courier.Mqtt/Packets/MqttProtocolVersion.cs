namespace Courier.Mqtt.Packets;

/// <summary>The protocol level a CONNECT carries; it decides how every later packet on the connection is read.</summary>
public enum MqttProtocolVersion : byte
{
    /// <summary>MQTT 3.1, protocol name "MQIsdp".</summary>
    V310 = 3,

    /// <summary>MQTT 3.1.1, protocol name "MQTT".</summary>
    V311 = 4,

    /// <summary>MQTT 5.0, protocol name "MQTT": reason codes and properties on most packets.</summary>
    V500 = 5,
}
