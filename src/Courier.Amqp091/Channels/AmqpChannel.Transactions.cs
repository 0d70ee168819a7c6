using Courier.Amqp091.Framing;
using Courier.Core;
using Courier.Core.Exchanges;
using Courier.Core.Messages;

namespace Courier.Amqp091.Channels;

/// <summary>
/// tx.select / tx.commit / tx.rollback: in a transaction, publishes and settlements are held on
/// the channel and take effect together at commit, or are dropped at rollback.
/// </summary>
internal sealed partial class AmqpChannel
{
    private readonly List<PendingPublish> _txPublishes = [];
    private readonly List<PendingSettle> _txSettles = [];
    private bool _txMode;

    private void OnTxSelect()
    {
        if (_confirmMode)
        {
            throw BrokerException.PreconditionFailed("cannot switch from confirm to tx mode");
        }

        _txMode = true;
        Write(new TxSelectOk());
    }

    private void OnTxCommit()
    {
        if (!_txMode)
        {
            throw BrokerException.PreconditionFailed("channel is not transactional");
        }

        try
        {
            foreach (var publish in _txPublishes)
            {
                Deliver(publish.Exchange, publish.Message, publish.Mandatory);
            }

            foreach (var settle in _txSettles)
            {
                Settle(settle.DeliveryTag, settle.Multiple, settle.IsAck, settle.Requeue);
            }
        }
        finally
        {
            _txPublishes.Clear();
            _txSettles.Clear();
        }

        Write(new TxCommitOk());
    }

    private void OnTxRollback()
    {
        if (!_txMode)
        {
            throw BrokerException.PreconditionFailed("channel is not transactional");
        }

        _txPublishes.Clear();
        _txSettles.Clear();
        Write(new TxRollbackOk());
    }

    private readonly record struct PendingPublish(Exchange Exchange, Message Message, bool Mandatory);

    private readonly record struct PendingSettle(ulong DeliveryTag, bool Multiple, bool Requeue, bool IsAck);
}
