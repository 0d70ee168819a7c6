using Courier.Core.Sessions;

namespace Courier.Amqp091.Connections;

/// <summary>What management shows of an AMQP connection: its name, client properties, channels and traffic.</summary>
internal sealed partial class AmqpConnection : IClientSessionDetails
{
    public IReadOnlyDictionary<string, object?>? ClientProperties { get; private set; }

    string IClientSessionDetails.ProtocolDisplayName => "AMQP 0-9-1";

    Core.Statistics.ConnectionTraffic IClientSessionDetails.Traffic => Outbound.Traffic;

    IReadOnlyList<SessionChannel> IClientSessionDetails.GetChannels()
    {
        lock (_channels)
        {
            var channels = new List<SessionChannel>(_channels.Count);
            foreach (var channel in _channels.Values)
            {
                if (channel.IsOpen)
                {
                    channels.Add(channel.Describe());
                }
            }

            return channels;
        }
    }
}
