using System.Diagnostics.CodeAnalysis;

namespace Courier.Mqtt.Packets;

/// <summary>Throw sites kept out of line so the codec's hot methods stay small.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowMalformed(string message) =>
        throw new MqttProtocolException(MqttReasonCode.MalformedPacket, message);

    [DoesNotReturn]
    public static void ThrowProtocolError(string message) =>
        throw new MqttProtocolException(MqttReasonCode.ProtocolError, message);

    [DoesNotReturn]
    public static void ThrowTruncated() =>
        throw new MqttProtocolException(MqttReasonCode.MalformedPacket, "packet is shorter than its fields");

    [DoesNotReturn]
    public static void ThrowTooLarge(long size, int maximum) =>
        throw new MqttProtocolException(MqttReasonCode.PacketTooLarge, $"packet of {size} bytes exceeds the maximum packet size {maximum}");

    [DoesNotReturn]
    public static void ThrowUnsupportedVersion(string message) =>
        throw new MqttProtocolException(MqttReasonCode.UnsupportedProtocolVersion, message);

    [DoesNotReturn]
    public static void ThrowCannotEncode(string message) =>
        throw new ArgumentException(message);
}
