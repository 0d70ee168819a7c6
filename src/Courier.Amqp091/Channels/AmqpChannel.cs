using Courier.Amqp091.Connections;
using Courier.Amqp091.Framing;
using Courier.Core;
using Courier.Core.Queues;
using Courier.Core.Sessions;
using Courier.Core.VirtualHosts;

namespace Courier.Amqp091.Channels;

/// <summary>
/// One AMQP channel: the methods a client sends on it, its consumers, its unacknowledged
/// deliveries, publisher confirms and transactions.
/// </summary>
/// <remarks>
/// Methods arrive on the connection's reader, one at a time. Deliveries arrive from queues on any
/// thread, under the delivering queue's lock. <see cref="_gate"/> guards what both touch: consumers'
/// credit, delivery tags and the unacked set. Lock order is queue, then channel, then the
/// connection's outbound buffer; so the reader never holds the channel lock while it calls a queue.
/// </remarks>
internal sealed partial class AmqpChannel
{
    private readonly Lock _gate = new();
    private readonly AmqpConnection _connection;
    private readonly Dictionary<string, AmqpConsumer> _consumers = new(StringComparer.Ordinal);

    // The consumers as an array, replaced (under _gate) whenever they change, so handing credit
    // back to their queues after every batch of acks needs no copy.
    private AmqpConsumer[] _consumerSnapshot = [];
    private readonly UnackedDeliveries _unacked = new();
    private readonly List<UnackedDelivery> _settleScratch = [];
    private ChannelState _state = ChannelState.Open;
    private bool _flowActive = true;
    private ulong _deliveryTag;
    private ushort _consumerPrefetch;
    private ushort _channelPrefetch;
    private int _consumerUnacked;
    private bool _creditFreed;
    private string? _lastQueueName;

    public AmqpChannel(AmqpConnection connection, ushort id)
    {
        _connection = connection;
        Id = id;
    }

    public ushort Id { get; }

    public bool IsOpen => _state == ChannelState.Open;

    /// <summary>True after the server sent channel.close: every frame but close and close-ok is dropped.</summary>
    public bool IsClosing => _state == ChannelState.Closing;

    private VirtualHost VirtualHost => _connection.VirtualHost!;

    private Broker Broker => _connection.Broker;

    /// <summary>The session that owns this channel's consumers and exclusive queues (channels exist only once the connection is open).</summary>
    private ClientSession Owner => _connection.Session!;

    /// <summary>Handles one method addressed to this channel.</summary>
    public void HandleMethod(uint key, ref AmqpReader reader)
    {
        switch (key)
        {
            case BasicPublish.Key: OnPublish(BasicPublish.Read(ref reader)); break;
            case BasicAck.Key: OnAck(BasicAck.Read(ref reader)); break;
            case BasicNack.Key: OnNack(BasicNack.Read(ref reader)); break;
            case BasicReject.Key: OnReject(BasicReject.Read(ref reader)); break;
            case BasicQos.Key: OnQos(BasicQos.Read(ref reader)); break;
            case BasicConsume.Key: OnConsume(BasicConsume.Read(ref reader)); break;
            case BasicCancel.Key: OnCancel(BasicCancel.Read(ref reader)); break;
            case BasicGet.Key: OnGet(BasicGet.Read(ref reader)); break;
            case BasicRecover.Key: OnRecover(BasicRecover.Read(ref reader).Requeue, reply: true); break;
            case BasicRecoverAsync.Key: OnRecover(BasicRecoverAsync.Read(ref reader).Requeue, reply: false); break;
            case ExchangeDeclare.Key: OnExchangeDeclare(ExchangeDeclare.Read(ref reader)); break;
            case ExchangeDelete.Key: OnExchangeDelete(ExchangeDelete.Read(ref reader)); break;
            case ExchangeBind.Key: OnExchangeBind(ExchangeBind.Read(ref reader)); break;
            case ExchangeUnbind.Key: OnExchangeUnbind(ExchangeUnbind.Read(ref reader)); break;
            case QueueDeclare.Key: OnQueueDeclare(QueueDeclare.Read(ref reader)); break;
            case QueueBind.Key: OnQueueBind(QueueBind.Read(ref reader)); break;
            case QueueUnbind.Key: OnQueueUnbind(QueueUnbind.Read(ref reader)); break;
            case QueuePurge.Key: OnQueuePurge(QueuePurge.Read(ref reader)); break;
            case QueueDelete.Key: OnQueueDelete(QueueDelete.Read(ref reader)); break;
            case ConfirmSelect.Key: OnConfirmSelect(ConfirmSelect.Read(ref reader)); break;
            case TxSelect.Key: OnTxSelect(); break;
            case TxCommit.Key: OnTxCommit(); break;
            case TxRollback.Key: OnTxRollback(); break;
            case ChannelFlow.Key: OnFlow(ChannelFlow.Read(ref reader)); break;
            case AccessRequest.Key:
                _ = AccessRequest.Read(ref reader);
                Write(new AccessRequestOk { Ticket = 1 });
                break;
            case ChannelOpen.Key:
                throw new AmqpProtocolException(AmqpConstants.ChannelError, $"second 'channel.open' seen on channel {Id}");
            default:
                throw new AmqpProtocolException(
                    AmqpConstants.CommandInvalid,
                    AmqpMethodRegistry.IsKnown(key)
                        ? $"method {key >> 16}/{key & 0xFFFF} is not valid from a client on a channel"
                        : $"unknown method {key >> 16}/{key & 0xFFFF}");
        }
    }

    /// <summary>Work left over from a batch of frames: confirms to send and credit to hand back to queues.</summary>
    public void AfterBatch()
    {
        FlushConfirms();
        if (_creditFreed)
        {
            _creditFreed = false;
            RedispatchConsumers();
        }
    }

    /// <summary>Asks the queues of this channel's consumers to deliver again (credit freed or output drained).</summary>
    public void RedispatchConsumers()
    {
        foreach (var consumer in Volatile.Read(ref _consumerSnapshot))
        {
            consumer.Queue.Dispatch();
        }
    }

    /// <summary>The client closed the channel: release everything and confirm.</summary>
    public void OnClientClose()
    {
        Release();
        Write(new ChannelCloseOk());
    }

    /// <summary>A soft error: tell the client, drop frames until its close-ok, and release resources now.</summary>
    public void CloseWithError(ushort code, string message, uint failingMethod)
    {
        if (_state != ChannelState.Open)
        {
            return;
        }

        Write(new ChannelClose
        {
            ReplyCode = code,
            ReplyText = AmqpReplies.Text(code, message),
            FailingClassId = (ushort)(failingMethod >> 16),
            FailingMethodId = (ushort)(failingMethod & 0xFFFF),
        });
        Release();
        _state = ChannelState.Closing;
    }

    /// <summary>
    /// Ends the channel's consumers and returns its unacknowledged deliveries to their queues, in
    /// delivery order, marked redelivered. Runs on channel close and connection close.
    /// </summary>
    public void Release()
    {
        AmqpConsumer[] consumers;
        var unacked = new List<UnackedDelivery>();
        lock (_gate)
        {
            if (_state == ChannelState.Closed)
            {
                return;
            }

            _state = ChannelState.Closed;
            consumers = [.. _consumers.Values];
            _consumers.Clear();
            ConsumersChangedLocked();
            foreach (var consumer in consumers)
            {
                consumer.Cancelled = true;
            }

            _unacked.TakeAll(unacked);
            _consumerUnacked = 0;
        }

        ClearPendingContent();
        if (_replyConsumerTag is { } replyTag)
        {
            TryCancelDirectReply(replyTag);
        }

        foreach (var consumer in consumers)
        {
            if (consumer.Registration is { } registration)
            {
                VirtualHost.RemoveConsumer(consumer.Queue, registration);
            }
        }

        RequeueAll(unacked);
    }

    private void ConsumersChangedLocked() => Volatile.Write(ref _consumerSnapshot, [.. _consumers.Values]);

    private void Write<TMethod>(in TMethod method)
        where TMethod : IAmqpMethod => _connection.Outbound.WriteMethod(Id, method);

    private string ResolveQueueName(string name)
    {
        if (name.Length > 0)
        {
            return name;
        }

        return _lastQueueName ?? throw new BrokerException(BrokerError.NotFound, "no previously declared queue");
    }

    private static void RequeueAll(List<UnackedDelivery> deliveries)
    {
        if (deliveries.Count == 0)
        {
            return;
        }

        // Usually every delivery comes from one queue; group only when they do not.
        var first = deliveries[0].Queue;
        var singleQueue = true;
        foreach (var delivery in deliveries)
        {
            if (!ReferenceEquals(delivery.Queue, first))
            {
                singleQueue = false;
                break;
            }
        }

        if (singleQueue)
        {
            var messages = new QueuedMessage[deliveries.Count];
            for (var i = 0; i < deliveries.Count; i++)
            {
                messages[i] = deliveries[i].Message;
            }

            first.Requeue(messages);
            return;
        }

        var byQueue = new Dictionary<IQueue, List<QueuedMessage>>(ReferenceEqualityComparer.Instance);
        foreach (var delivery in deliveries)
        {
            if (!byQueue.TryGetValue(delivery.Queue, out var list))
            {
                list = [];
                byQueue.Add(delivery.Queue, list);
            }

            list.Add(delivery.Message);
        }

        foreach (var (queue, messages) in byQueue)
        {
            queue.Requeue(messages);
        }
    }

    private enum ChannelState
    {
        Open,
        Closing,
        Closed,
    }
}
