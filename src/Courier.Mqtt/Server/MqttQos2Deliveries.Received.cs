using System.Buffers.Binary;

namespace Courier.Mqtt.Server;

/// <summary>
/// The inbound side: the QoS 2 packet ids a persistent session's client published and the broker
/// acknowledged with PUBREC, not yet released (PUBREL), kept in the same log under a key of their
/// own, so that after a crash a PUBLISH sent again with one of them is acknowledged, not routed
/// a second time.
/// </summary>
internal sealed partial class MqttQos2Deliveries
{
    private const byte ReceivedFormatVersion = 1;

    /// <summary>Writes the session's received ids (none: removes its value); returns the log's sequence number of the change.</summary>
    public long SaveReceived(string clientId, IReadOnlyCollection<ushort> packetIds) =>
        packetIds.Count == 0 ? Log.Remove(ReceivedKey(clientId)) : Log.Put(ReceivedKey(clientId), EncodeReceived(packetIds));

    /// <summary>The ids the session had received and not seen released, or null when it had none.</summary>
    public HashSet<ushort>? LoadReceived(string clientId) =>
        Log.Read(ReceivedKey(clientId)) is { } value ? DecodeReceived(value) : null;

    /// <summary>Forgets the session's received ids, writing nothing when there is nothing to forget.</summary>
    public void ForgetReceived(string clientId)
    {
        var key = ReceivedKey(clientId);
        if (Log.Read(key) is not null)
        {
            Log.Remove(key);
        }
    }

    // A client id never holds U+0000 (MQTT strings may not), so no client id is this key.
    private static string ReceivedKey(string clientId) => "\0received\0" + clientId;

    internal static byte[] EncodeReceived(IReadOnlyCollection<ushort> packetIds)
    {
        var bytes = new byte[3 + (2 * packetIds.Count)];
        bytes[0] = ReceivedFormatVersion;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(1), (ushort)packetIds.Count);
        var offset = 3;
        foreach (var packetId in packetIds)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(offset), packetId);
            offset += 2;
        }

        return bytes;
    }

    internal static HashSet<ushort> DecodeReceived(ReadOnlySpan<byte> value)
    {
        if (value.Length < 3 || value[0] != ReceivedFormatVersion || value.Length != 3 + (2 * BinaryPrimitives.ReadUInt16BigEndian(value[1..])))
        {
            throw new InvalidDataException($"an MQTT QoS 2 received-ids record of {value.Length} bytes has an unknown format");
        }

        var packetIds = new HashSet<ushort>();
        for (var offset = 3; offset < value.Length; offset += 2)
        {
            packetIds.Add(BinaryPrimitives.ReadUInt16BigEndian(value[offset..]));
        }

        return packetIds;
    }
}
