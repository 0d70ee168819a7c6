using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using Courier.Core;
using Courier.Core.Storage;
using Courier.Core.VirtualHosts;

namespace Courier.Mqtt.Server;

/// <summary>One QoS 2 delivery of a persistent session: the message (queue and store id) a packet id went out with, and whether its PUBREC came.</summary>
internal readonly record struct MqttQos2Delivery(string Queue, long MessageId, bool Released);

/// <summary>
/// The QoS 2 deliveries in progress of every persistent session of one vhost, kept in the node's
/// keyed log (one value per client id) so that a broker crash never hands a QoS 2 subscriber a
/// message twice: a delivery goes out only once its packet id is on disk, and its message is
/// settled only once its PUBREC is; after a restart the same message goes again with the same id
/// (DUP set), which the client recognises, and a released one gets its PUBREL again instead.
/// </summary>
/// <remarks>
/// A session's value is rewritten whole at each change (it holds at most the client's in-flight
/// window). Nothing here is kept for a node without a store (tests), where a crash loses the
/// session's queues anyway.
/// </remarks>
internal sealed partial class MqttQos2Deliveries
{
    public const string LogKind = "mqtt-qos2";
    private const byte FormatVersion = 1;
    private static readonly ConditionalWeakTable<VirtualHost, MqttQos2Deliveries> s_byVirtualHost = [];

    private MqttQos2Deliveries(IKeyedLog log)
    {
        Log = log;
    }

    public IKeyedLog Log { get; }

    /// <summary>The vhost's log, or null when the node keeps nothing on disk.</summary>
    public static MqttQos2Deliveries? For(Broker broker, VirtualHost virtualHost)
    {
        if (broker.KeyedLogs is not { } logs)
        {
            return null;
        }

        // Every connect asks: the common case takes no lock.
        if (s_byVirtualHost.TryGetValue(virtualHost, out var deliveries))
        {
            return deliveries;
        }

        lock (s_byVirtualHost)
        {
            if (!s_byVirtualHost.TryGetValue(virtualHost, out deliveries))
            {
                deliveries = new MqttQos2Deliveries(logs.Open(LogKind, virtualHost.Name));
                s_byVirtualHost.Add(virtualHost, deliveries);
            }

            return deliveries;
        }
    }

    /// <summary>Writes the session's deliveries (none: removes its value); returns the log's sequence number of the change.</summary>
    public long Save(string clientId, IReadOnlyDictionary<ushort, MqttQos2Delivery> deliveries) =>
        deliveries.Count == 0 ? Log.Remove(clientId) : Log.Put(clientId, Encode(deliveries));

    /// <summary>The deliveries the session had in progress, or null when it had none.</summary>
    public Dictionary<ushort, MqttQos2Delivery>? Load(string clientId) =>
        Log.Read(clientId) is { } value ? Decode(value) : null;

    /// <summary>Forgets the session (it ended), writing nothing when there is nothing to forget.</summary>
    public void Forget(string clientId)
    {
        if (Log.Read(clientId) is not null)
        {
            Log.Remove(clientId);
        }
    }

    /// <summary>Calls <paramref name="then"/> (true, or false when the log failed) once change <paramref name="sequence"/> is durable, on the log's thread or at once.</summary>
    public void WhenDurable(long sequence, Action<bool> then) => Log.WhenDurable(sequence, new Waiter(then));

    internal static byte[] Encode(IReadOnlyDictionary<ushort, MqttQos2Delivery> deliveries)
    {
        var size = 3;
        foreach (var (_, delivery) in deliveries)
        {
            size += 2 + 1 + 8 + 2 + Encoding.UTF8.GetByteCount(delivery.Queue);
        }

        var bytes = new byte[size];
        var span = bytes.AsSpan();
        span[0] = FormatVersion;
        BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)deliveries.Count);
        var offset = 3;
        foreach (var (packetId, delivery) in deliveries)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[offset..], packetId);
            span[offset + 2] = delivery.Released ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteInt64BigEndian(span[(offset + 3)..], delivery.MessageId);
            var length = Encoding.UTF8.GetBytes(delivery.Queue, span[(offset + 13)..]);
            BinaryPrimitives.WriteUInt16BigEndian(span[(offset + 11)..], (ushort)length);
            offset += 13 + length;
        }

        return bytes;
    }

    internal static Dictionary<ushort, MqttQos2Delivery> Decode(ReadOnlySpan<byte> value)
    {
        if (value.Length < 3 || value[0] != FormatVersion)
        {
            throw new InvalidDataException($"an MQTT QoS 2 session record of {value.Length} bytes has an unknown format");
        }

        var count = BinaryPrimitives.ReadUInt16BigEndian(value[1..]);
        // Each entry takes at least its 13-byte prefix: a count the value cannot hold is damage,
        // refused before a dictionary of that size is allocated (found by the keyed-log fuzz target).
        if (count > (value.Length - 3) / 13)
        {
            throw new InvalidDataException($"an MQTT QoS 2 session record of {value.Length} bytes claims {count} deliveries");
        }

        var deliveries = new Dictionary<ushort, MqttQos2Delivery>(count);
        var offset = 3;
        for (var i = 0; i < count; i++)
        {
            if (value.Length < offset + 13)
            {
                throw new InvalidDataException("an MQTT QoS 2 session record is cut short");
            }

            var packetId = BinaryPrimitives.ReadUInt16BigEndian(value[offset..]);
            var released = value[offset + 2] == 1;
            var messageId = BinaryPrimitives.ReadInt64BigEndian(value[(offset + 3)..]);
            var length = BinaryPrimitives.ReadUInt16BigEndian(value[(offset + 11)..]);
            if (value.Length < offset + 13 + length)
            {
                throw new InvalidDataException("an MQTT QoS 2 session record is cut short");
            }

            var queue = Encoding.UTF8.GetString(value.Slice(offset + 13, length));
            deliveries[packetId] = new MqttQos2Delivery(queue, messageId, released);
            offset += 13 + length;
        }

        return deliveries;
    }

    private sealed class Waiter(Action<bool> then) : IDurabilityWaiter
    {
        public void OnDurable(long sequence) => then(true);

        public void OnStoreFailed() => then(false);
    }
}
