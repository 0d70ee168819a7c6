using Courier.Core.Sessions;

namespace Courier.Mqtt.Server;

/// <summary>What management shows of an MQTT connection: its name and protocol version; MQTT has no channels.</summary>
internal sealed partial class MqttConnection : IClientSessionDetails
{
    string IClientSessionDetails.ProtocolDisplayName => "MQTT " + VersionName(_version);

    IReadOnlyDictionary<string, object?>? IClientSessionDetails.ClientProperties =>
        new Dictionary<string, object?>(StringComparer.Ordinal) { ["client_id"] = ClientId };

    IReadOnlyList<SessionChannel> IClientSessionDetails.GetChannels() => [];
}
