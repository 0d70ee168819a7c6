using Courier.Core.Sessions;
using Courier.Core.Statistics;
using Courier.Stomp.Frames;

namespace Courier.Stomp.Server;

/// <summary>What management shows of a STOMP connection: its name, protocol version and traffic; STOMP has no channels.</summary>
internal sealed partial class StompConnection : IClientSessionDetails
{
    // RabbitMQ's label: its STOMP plugin reports the version as a tuple ({1,2}), which its
    // management formats with a dash.
    string IClientSessionDetails.ProtocolDisplayName => _version switch
    {
        StompVersion.V10 => "STOMP 1-0",
        StompVersion.V11 => "STOMP 1-1",
        _ => "STOMP 1-2",
    };

    IReadOnlyDictionary<string, object?>? IClientSessionDetails.ClientProperties => null;

    IReadOnlyList<SessionChannel> IClientSessionDetails.GetChannels() => [];

    ConnectionTraffic IClientSessionDetails.Traffic => Outbound.Traffic;
}
