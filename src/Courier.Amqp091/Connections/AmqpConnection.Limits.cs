using Courier.Amqp091.Framing;
using Courier.Core;
using Courier.Core.Resources;

namespace Courier.Amqp091.Connections;

/// <summary>
/// The connection limits (the node's <c>--max-connection-rate</c> and <c>--max-connections</c>,
/// the vhost's and the user's <c>max-connections</c>), checked at connection.open, and the user's
/// <c>max-channels</c>, checked at channel.open; each refused with 530 NOT_ALLOWED as RabbitMQ does.
/// </summary>
internal sealed partial class AmqpConnection
{
    private ConnectionLease? _lease;

    /// <summary>At connection.open: admits the connection against every connection limit, or closes it with 530.</summary>
    private void TakeConnectionSlot(string virtualHost)
    {
        try
        {
            Volatile.Write(ref _lease, Broker.OpenConnection(User!.Name, virtualHost));
        }
        catch (BrokerException e)
        {
            throw new AmqpProtocolException(AmqpConstants.NotAllowed, e.Message);
        }
    }

    /// <summary>At channel.open: counts the channel in the user's <c>max-channels</c>, or closes the connection with 530.</summary>
    private void TakeChannelSlot()
    {
        try
        {
            _lease?.OpenChannel();
        }
        catch (BrokerException e)
        {
            throw new AmqpProtocolException(AmqpConstants.NotAllowed, e.Message);
        }
    }

    /// <summary>When a channel is gone: gives its slot back.</summary>
    private void ReleaseChannelSlot() => _lease?.CloseChannel();

    /// <summary>When the connection ends: gives everything back, once.</summary>
    private void ReleaseConnectionSlot() => Interlocked.Exchange(ref _lease, null)?.Dispose();
}
