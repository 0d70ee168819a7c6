using Courier.Core;
using Courier.Core.Resources;

namespace Courier.Mqtt.Server;

/// <summary>
/// The connection limits (the node's <c>--max-connection-rate</c> and <c>--max-connections</c>, the
/// vhost's and the user's <c>max-connections</c>), checked at CONNECT once the client is authenticated.
/// </summary>
internal sealed partial class MqttConnection
{
    private ConnectionLease? _lease;

    /// <summary>Admits the connection, or refuses: 0x97 Quota exceeded (5.0), 0x03 Server unavailable (3.1.1).</summary>
    private bool TakeConnectionSlot(string user, string virtualHost)
    {
        try
        {
            Volatile.Write(ref _lease, Broker.OpenConnection(user, virtualHost));
            return true;
        }
        catch (BrokerException e)
        {
            Refuse(MqttServerReason.V3ServerUnavailable, MqttServerReason.QuotaExceeded, e.Message);
            return false;
        }
    }

    /// <summary>When the connection ends: gives everything back, once.</summary>
    private void ReleaseConnectionSlot() => Interlocked.Exchange(ref _lease, null)?.Dispose();
}
