using Courier.Core;
using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Security;
using Courier.Core.Storage;
using Courier.Core.VirtualHosts;
using Courier.Stomp.Frames;

namespace Courier.Stomp.Server;

/// <summary>
/// SEND: the destination resolved to an exchange and routing key (declaring a <c>/queue/</c> queue),
/// the message routed, and its RECEIPT written once it is durable, in frame order, as AMQP
/// confirms and MQTT PUBACKs are. Every other frame's RECEIPT goes through the same queue, so no
/// receipt overtakes an earlier one.
/// </summary>
internal sealed partial class StompConnection : IDurableReleaseTarget<StompReceipt>
{
    /// <summary>Position of a SEND the broker could not take: it is answered with ERROR.</summary>
    private const long FailedPosition = DurableReleases<StompReceipt>.FailedPosition;

    private readonly RoutingResult _routing = new();
    private readonly TaskCompletionSource _disconnectReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // /queue/ queues this connection declared already: later SENDs to them do not declare again.
    private readonly HashSet<string> _declaredQueues = new(StringComparer.Ordinal);
    private DurableReleases<StompReceipt>? _receipts;
    private string? _authorizedExchange;
    private IQueue? _flowLimitedBy;
    private volatile bool _readPaused;
    private volatile bool _disconnectReceipt;
    private bool _isPublisher;

    private long OnSend(StompFrame frame)
    {
        var destination = StompDestination.Parse(Require(frame, StompHeaderNames.Destination));
        if (destination.Kind == StompDestinationKind.TempQueue)
        {
            throw new StompProtocolException("a /temp-queue/ destination is named in reply-to, not sent to");
        }

        if (frame.Transaction is { } transaction)
        {
            HoldForTransaction(transaction, frame);
            return 0;
        }

        return Publish(frame, destination);
    }

    /// <summary>Routes one SEND; returns the journal position its receipt waits for (0: none; <see cref="FailedPosition"/>: refused).</summary>
    private long Publish(StompFrame frame, StompDestination destination)
    {
        _isPublisher = true;
        if (frame.Body.Length > Broker.Options.MaxMessageSize)
        {
            throw BrokerException.PreconditionFailed($"message size {frame.Body.Length} is larger than configured max size {Broker.Options.MaxMessageSize}");
        }

        if (destination.Kind == StompDestinationKind.Queue && !_declaredQueues.Contains(destination.Name))
        {
            // A SEND declares a missing queue; an existing one is redeclared (and so checked) only
            // when the SEND carries queue arguments, so a plain SEND never fails on a queue a
            // SUBSCRIBE declared with arguments.
            if (!VirtualHost!.TryGetQueue(destination.Name, out _) || StompQueueHeaders.ArgumentsOf(frame).Count > 0)
            {
                DeclareQueue(destination.Name, frame);
            }

            _declaredQueues.Add(destination.Name);
        }

        var exchange = PublishExchange(destination.PublishExchange);
        var routingKey = destination.PublishRoutingKey;
        if (exchange.Type == ExchangeTypes.Topic && Broker.Users.HasTopicPermissions)
        {
            Broker.AuthorizeTopic(User!, VirtualHost!, AccessKind.Write, exchange.Name, routingKey);
        }

        var replyTo = frame[StompMessageMapper.ReplyTo] is { } given ? RewriteReplyTo(given) : null;
        var properties = StompMessageMapper.ToProperties(frame, replyTo);
        if (properties.UserId is { } userId && !string.Equals(userId, User!.Name, StringComparison.Ordinal))
        {
            throw BrokerException.PreconditionFailed($"user-id header set to '{userId}' but authenticated user was '{User!.Name}'");
        }

        var message = new Message(exchange.Name, routingKey, properties, frame.Body, new MessageAnnotations { PublishedBy = PublishingProtocol.Stomp });
        long position;
        try
        {
            position = VirtualHost!.Publish(exchange, message, _routing);
        }
        catch (StoreFailedException)
        {
            // Never receipt what could not be saved.
            position = FailedPosition;
        }

        if (_routing.Refused)
        {
            position = FailedPosition;
        }

        foreach (var queue in _routing.Queues)
        {
            if (queue.IsFlowLimited)
            {
                _flowLimitedBy ??= queue;
                break;
            }
        }

        _routing.Clear();
        return position;
    }

    /// <summary>The exchange a SEND publishes to, once this user may write to it (checked once per run of SENDs to it, as AMQP channels do).</summary>
    private Exchange PublishExchange(string name)
    {
        var exchange = VirtualHost!.GetExchange(name);
        if (exchange.Internal)
        {
            throw BrokerException.AccessRefused($"cannot publish to internal exchange '{name}' in vhost '{VirtualHost.Name}'");
        }

        if (!string.Equals(_authorizedExchange, name, StringComparison.Ordinal))
        {
            Authorize(AccessKind.Write, "exchange", name);
            _authorizedExchange = name;
        }

        return exchange;
    }

    private void TrackReceipt(StompReceipt receipt, long position) =>
        (_receipts ??= new DurableReleases<StompReceipt>(this)).Add(receipt, position);

    /// <summary>End of a read batch: write the receipts that are due, and ask the store to report the rest.</summary>
    private void FlushReceipts() => _receipts?.Flush(Broker.Store);

    bool IDurableReleaseTarget<StompReceipt>.IsOpen => !_ended.Task.IsCompleted && !_lifetime.IsCancellationRequested;

    void IDurableReleaseTarget<StompReceipt>.Release(StompReceipt receipt, bool stored)
    {
        if (!stored)
        {
            // The message was refused (a full queue that rejects publishes) or could not be saved.
            StompLog.ClosedWithError(_logger, Name, "message refused or not stored");
            WriteError("the message could not be stored or was refused by a queue", receipt.ReceiptId);
            RequestShutdown();
        }
        else if (receipt.ReceiptId is { } id)
        {
            WriteReceipt(id);
        }

        if (receipt.EndsConnection)
        {
            _disconnectReleased.TrySetResult();
        }
    }

    void IDurableReleaseTarget<StompReceipt>.EndOfReleases()
    {
    }

    private void WriteReceipt(string id)
    {
        try
        {
            Outbound.Write(new StompFrame(StompCommand.Receipt, [new(StompHeaderNames.ReceiptId, id)]));
        }
        catch (ArgumentException)
        {
            // A 1.0 receipt id with a line feed cannot be written back; the reader had it escaped-free, so this is rare.
            WriteError("the receipt id cannot be written back in STOMP 1.0", receiptId: null);
            RequestShutdown();
        }
    }

    /// <summary>Reads nothing while an alarm holds publishers back or a queue's consumers are behind (bounded), as AMQP and MQTT do.</summary>
    private async Task PauseIfHeldBackAsync()
    {
        if (_isPublisher && Broker.Resources.IsBlocked)
        {
            await PauseReadingAsync(Broker.Resources.WaitUntilClearAsync(_lifetime.Token), Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        }

        if (_flowLimitedBy is { } queue)
        {
            _flowLimitedBy = null;
            await PauseReadingAsync(queue.WhenFlowReleased(), _options.FlowPauseLimit).ConfigureAwait(false);
        }
    }

    private async Task PauseReadingAsync(Task until, TimeSpan limit)
    {
        _readPaused = true;
        try
        {
            await Task.WhenAny(until, _shutdownSignal.Task).WaitAsync(limit, _lifetime.Token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A trickle, not a deadlock: the next buffer is read and the pause comes again.
        }
        finally
        {
            _readPaused = false;
            Volatile.Write(ref _lastReceived, _time.GetTimestamp());
        }
    }
}
