using Courier.Core.Sessions;
using Courier.Core.Statistics;
using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>What management shows of an MQTT connection: its name, protocol version and traffic; MQTT has no channels.</summary>
internal sealed partial class MqttConnection : IClientSessionDetails
{
    // RabbitMQ's labels: its MQTT plugin reports the version as a tuple ({3,1,1}), which its
    // management formats with dashes, dropping a 0 revision.
    string IClientSessionDetails.ProtocolDisplayName => _version switch
    {
        MqttProtocolVersion.V310 => "MQTT 3-1",
        MqttProtocolVersion.V311 => "MQTT 3-1-1",
        _ => "MQTT 5-0",
    };

    ConnectionTraffic IClientSessionDetails.Traffic => Outbound.Traffic;

    IReadOnlyDictionary<string, object?>? IClientSessionDetails.ClientProperties =>
        new Dictionary<string, object?>(StringComparer.Ordinal) { ["client_id"] = ClientId };

    IReadOnlyList<SessionChannel> IClientSessionDetails.GetChannels() => [];
}
