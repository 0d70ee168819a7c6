using Courier.Core.Sessions;

namespace Courier.Amqp091.Channels;

/// <summary>A channel as management lists it; read from another thread, so the counts may be a moment old.</summary>
internal sealed partial class AmqpChannel
{
    public SessionChannel Describe()
    {
        lock (_gate)
        {
            return new SessionChannel(Id, _consumers.Count, _unacked.Live, _consumerPrefetch);
        }
    }
}
