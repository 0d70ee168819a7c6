using System.Buffers;
using Courier.Mqtt.Packets;

namespace Courier.Fuzz;

/// <summary>
/// MQTT: packets read as the connection reads them, the first (a CONNECT) by its own protocol level
/// and the rest by the version it chose. The refusal is <see cref="MqttProtocolException"/>.
/// </summary>
internal static class MqttTargets
{
    /// <summary>Smaller than the broker's default (256 MiB) so the size check is reached by small inputs.</summary>
    private const int MaximumPacketSize = 64 * 1024;

    /// <summary>First byte: the piece size; the rest: what a client sends after connecting.</summary>
    public static void Packets(byte[] input)
    {
        if (input.Length < 1)
        {
            return;
        }

        var version = MqttProtocolVersion.V311;
        try
        {
            Segments.Feed(input.AsMemory(1), Segments.PieceSize(input[0]), (ref ReadOnlySequence<byte> buffer) =>
            {
                if (!MqttPacketReader.TryRead(ref buffer, version, MaximumPacketSize, out var packet))
                {
                    return false;
                }

                if (packet is MqttConnect connect)
                {
                    version = connect.ProtocolVersion;
                }

                return true;
            });
        }
        catch (MqttProtocolException e)
        {
            FuzzTargets.Refused(e);
        }
    }
}
