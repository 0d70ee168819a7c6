namespace Courier.Mqtt.Server;

/// <summary>The node's connection limit (<c>--max-connections</c>), checked at CONNECT once the client is authenticated.</summary>
internal sealed partial class MqttConnection
{
    private int _holdsConnectionSlot;

    /// <summary>Takes one of the node's connection slots, or refuses: 0x97 Quota exceeded (5.0), 0x03 Server unavailable (3.1.1).</summary>
    private bool TakeConnectionSlot()
    {
        var limit = Broker.Resources.Connections;
        if (!limit.TryOpen())
        {
            Refuse(MqttServerReason.V3ServerUnavailable, MqttServerReason.QuotaExceeded, $"node connection limit ({limit.Maximum}) is reached");
            return false;
        }

        Volatile.Write(ref _holdsConnectionSlot, 1);
        return true;
    }

    /// <summary>When the connection ends: gives its slot back, once.</summary>
    private void ReleaseConnectionSlot()
    {
        if (Interlocked.Exchange(ref _holdsConnectionSlot, 0) == 1)
        {
            Broker.Resources.Connections.Close();
        }
    }
}
