namespace Courier.Mqtt.Packets;

/// <summary>
/// The one exception the packet reader throws, for any input. <see cref="ReasonCode"/> is the
/// MQTT 5.0 reason code the connection answers with (a CONNACK or DISCONNECT in 5.0; in 3.1 and
/// 3.1.1, which have no reason codes for these, the connection is simply closed, except that an
/// unsupported level gets CONNACK return code 0x01).
/// </summary>
public sealed class MqttProtocolException : Exception
{
    public MqttProtocolException(byte reasonCode, string message)
        : base(message)
    {
        ReasonCode = reasonCode;
    }

    public MqttProtocolException()
        : this(MqttReasonCode.ProtocolError, "protocol error")
    {
    }

    public MqttProtocolException(string message)
        : this(MqttReasonCode.ProtocolError, message)
    {
    }

    public MqttProtocolException(string message, Exception inner)
        : base(message, inner)
    {
        ReasonCode = MqttReasonCode.ProtocolError;
    }

    public byte ReasonCode { get; }
}
