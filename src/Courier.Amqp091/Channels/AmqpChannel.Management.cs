using Courier.Core.Sessions;
using Courier.Core.Statistics;

namespace Courier.Amqp091.Channels;

/// <summary>A channel as management lists it; read from another thread, so the counts may be a moment old.</summary>
internal sealed partial class AmqpChannel
{
    /// <summary>The channel's <c>message_stats</c> counts; see <see cref="ChannelCounters"/> for who writes which.</summary>
    private readonly ChannelCounters _counters = new();

    public SessionChannel Describe()
    {
        lock (_gate)
        {
            return new SessionChannel(Id, _consumers.Count, _unacked.Live, _consumerPrefetch, _counters);
        }
    }
}
