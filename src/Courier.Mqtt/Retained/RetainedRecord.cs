using System.Buffers.Binary;
using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Retained;

/// <summary>
/// A retained message as the keyed log stores it under its topic (docs/storage-format.md, "MQTT
/// retained messages"): format (1), QoS (1), when it was retained in Unix milliseconds (8), the 5.0
/// property list as PUBLISH carries it, and the payload. MQTT's own encoding of the properties, so
/// a retained message goes out as it came in, and the time it was retained so that its Message
/// Expiry Interval counts down while it waits.
/// </summary>
internal readonly record struct RetainedRecord(MqttQos QoS, long RetainedAtUnixMs, MqttProperties? Properties, ReadOnlyMemory<byte> Payload)
{
    private const byte Format = 1;
    private const int FixedSize = 10;
    private const MqttPropertyScope Scope = MqttPropertyScope.Publish | MqttPropertyScope.Will;

    public byte[] Encode()
    {
        var properties = MqttPropertyCodec.Measure(Properties, Scope);
        var buffer = new byte[FixedSize + VariableByteInteger.Measure(properties) + properties + Payload.Length];
        buffer[0] = Format;
        buffer[1] = (byte)QoS;
        BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(2), RetainedAtUnixMs);
        var writer = new MqttBodyWriter(buffer.AsSpan(FixedSize));
        MqttPropertyCodec.Write(ref writer, Properties, Scope, properties);
        writer.WriteBytes(Payload.Span);
        return buffer;
    }

    /// <summary>Reads a stored record; null when it is in a format this build does not know (it is then not delivered).</summary>
    public static RetainedRecord? Decode(byte[] stored)
    {
        if (stored.Length < FixedSize || stored[0] != Format)
        {
            return null;
        }

        var reader = new MqttBodyReader(stored.AsSpan(FixedSize));
        var properties = MqttPropertyCodec.Read(ref reader, Scope);
        var payloadStart = stored.Length - reader.Remaining;
        return new RetainedRecord((MqttQos)stored[1], BinaryPrimitives.ReadInt64LittleEndian(stored.AsSpan(2)), properties, stored.AsMemory(payloadStart));
    }
}
