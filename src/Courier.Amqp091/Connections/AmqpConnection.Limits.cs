using Courier.Amqp091.Framing;

namespace Courier.Amqp091.Connections;

/// <summary>The node's connection limit (<c>--max-connections</c>), checked at connection.open.</summary>
internal sealed partial class AmqpConnection
{
    private int _holdsConnectionSlot;

    /// <summary>At connection.open: takes one of the node's connection slots, or refuses with 530 as RabbitMQ's limits do.</summary>
    private void TakeConnectionSlot()
    {
        var limit = Broker.Resources.Connections;
        if (!limit.TryOpen())
        {
            throw new AmqpProtocolException(AmqpConstants.NotAllowed, $"connection refused: node connection limit ({limit.Maximum}) is reached");
        }

        Volatile.Write(ref _holdsConnectionSlot, 1);
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
