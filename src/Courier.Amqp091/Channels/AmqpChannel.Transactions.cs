using Courier.Amqp091.Framing;
using Courier.Core;
using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Amqp091.Channels;

/// <summary>
/// tx.select / tx.commit / tx.rollback: in a transaction, publishes and settlements are held on
/// the channel and take effect together at commit, or are dropped at rollback.
/// </summary>
internal sealed partial class AmqpChannel
{
    private readonly List<PendingPublish> _txPublishes = [];
    private readonly List<PendingSettle> _txSettles = [];

    // Tags settled by the open transaction; guarded by _gate. They stay unacked until commit.
    private readonly HashSet<ulong> _txSettledTags = [];
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

        long position = 0;
        lock (_gate)
        {
            _txSettledTags.Clear();
        }

        try
        {
            foreach (var publish in _txPublishes)
            {
                position = Math.Max(position, Deliver(publish.Exchange, publish.Message, publish.Mandatory));
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

        // commit-ok promises the transaction's persistent messages are on disk.
        if (position > 0 && Broker.Store is { } store)
        {
            store.WhenDurable(position, new CommitWaiter(this));
        }
        else
        {
            Write(new TxCommitOk());
        }
    }

    private void OnTxRollback()
    {
        if (!_txMode)
        {
            throw BrokerException.PreconditionFailed("channel is not transactional");
        }

        _txPublishes.Clear();
        _txSettles.Clear();
        lock (_gate)
        {
            _txSettledTags.Clear();
        }

        Write(new TxRollbackOk());
    }

    private sealed class CommitWaiter(AmqpChannel channel) : IDurabilityWaiter
    {
        public void OnDurable(long sequence) => channel.Write(new TxCommitOk());

        public void OnStoreFailed() =>
            channel._connection.Abort();
    }

    private readonly record struct PendingPublish(Exchange Exchange, Message Message, bool Mandatory);

    private readonly record struct PendingSettle(ulong DeliveryTag, bool Multiple, bool Requeue, bool IsAck);
}
