using Courier.Core.Buffers;
using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>
/// The packets waiting to be written to one MQTT connection's socket (<see cref="SocketOutbound"/>):
/// written by the connection's reader (acknowledgements), by queues delivering to its
/// subscriptions (on publishers' threads) and by the store's committer (PUBACKs once durable).
/// </summary>
internal sealed class MqttOutbound : SocketOutbound
{
    public MqttOutbound(int highWatermark)
        : base(highWatermark)
    {
    }

    /// <summary>The version packets are written in; set once CONNECT is read.</summary>
    public MqttProtocolVersion Version { get; set; } = MqttProtocolVersion.V311;

    /// <summary>The 5.0 client's Maximum Packet Size (<see cref="MqttPacketLimit"/>); deliveries are measured by the connection.</summary>
    public long ClientMaximumPacketSize { get; set; } = long.MaxValue;

    public void Write(MqttPacket packet)
    {
        if (ClientMaximumPacketSize != long.MaxValue && packet is not MqttPublish)
        {
            MqttPacketLimit.Trim(packet, Version, ClientMaximumPacketSize);
        }

        Append((packet, Version), static (output, state) => MqttPacketWriter.Write(output, state.packet, state.Version));
    }
}
