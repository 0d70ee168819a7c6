using System.Runtime.CompilerServices;
using Courier.Core;

namespace Courier.Mqtt.Server;

/// <summary>
/// The connected MQTT clients of one broker by vhost and client id, whichever listener they came
/// in on (TCP now, WebSockets later): a second connection with the same id takes the first over.
/// </summary>
internal sealed class MqttClientRegistry
{
    private static readonly ConditionalWeakTable<Broker, MqttClientRegistry> s_byBroker = [];
    private readonly Dictionary<(string VirtualHost, string ClientId), MqttConnection> _clients = [];

    public static MqttClientRegistry For(Broker broker) => s_byBroker.GetValue(broker, static _ => new MqttClientRegistry());

    /// <summary>Registers <paramref name="connection"/> under its id; returns the connection it replaces, if any.</summary>
    public MqttConnection? Register(string virtualHost, string clientId, MqttConnection connection)
    {
        lock (_clients)
        {
            _clients.TryGetValue((virtualHost, clientId), out var previous);
            _clients[(virtualHost, clientId)] = connection;
            return previous;
        }
    }

    /// <summary>Forgets <paramref name="connection"/> unless a newer one holds its id already.</summary>
    public void Unregister(string virtualHost, string clientId, MqttConnection connection)
    {
        lock (_clients)
        {
            if (_clients.TryGetValue((virtualHost, clientId), out var current) && ReferenceEquals(current, connection))
            {
                _clients.Remove((virtualHost, clientId));
            }
        }
    }
}
