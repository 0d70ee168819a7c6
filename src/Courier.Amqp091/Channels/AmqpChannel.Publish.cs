using System.Buffers;
using Courier.Amqp091.Framing;
using Courier.Amqp091.Mapping;
using Courier.Core;
using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Security;
using Courier.Core.Storage;
using Courier.Core.VirtualHosts;

namespace Courier.Amqp091.Channels;

/// <summary>basic.publish: assembling method, header and body frames into a message, routing it, confirms.</summary>
internal sealed partial class AmqpChannel
{
    private readonly RoutingResult _routing = new();

    // The publish being assembled: set by basic.publish, then the content header, then body frames.
    private BasicPublish _publish;
    private Exchange? _publishExchange;
    private ContentPhase _contentPhase;
    private MessageProperties? _publishProperties;
    private IReadOnlyDictionary<string, object?>? _publishAmqpOnly;
    private byte[]? _publishBody;
    private int _publishBodyFilled;

    // The last exchange this channel was allowed to publish to, so a stream of publishes to one
    // exchange looks it up and checks permission once (RabbitMQ's channels cache the same way).
    private string? _authorizedExchange;

    private bool _confirmMode;
    private ulong _nextPublishSeq = 1;

    /// <summary>True between basic.publish and the last byte of its body: only content frames may come.</summary>
    public bool ExpectsContent => _contentPhase != ContentPhase.None;

    public bool ExpectsContentHeader => _contentPhase == ContentPhase.Header;

    private void OnPublish(BasicPublish method)
    {
        if (method.Immediate)
        {
            throw new AmqpProtocolException(AmqpConstants.NotImplemented, "immediate=true");
        }

        _connection.MarkPublisher();
        var exchange = ResolvePublishExchange(method.Exchange);
        AuthorizeTopic(exchange, AccessKind.Write, method.RoutingKey);
        _publish = method;
        _publishExchange = exchange;
        _contentPhase = ContentPhase.Header;
    }

    private Exchange ResolvePublishExchange(string name)
    {
        var exchange = VirtualHost.GetExchange(name);
        if (exchange.Internal)
        {
            throw BrokerException.AccessRefused($"cannot publish to internal exchange '{name}' in vhost '{VirtualHost.Name}'");
        }

        if (!string.Equals(_authorizedExchange, name, StringComparison.Ordinal))
        {
            Broker.Authorize(_connection.User!, VirtualHost, AccessKind.Write, "exchange", name);
            _authorizedExchange = name;
        }

        return exchange;
    }

    public void OnContentHeader(ReadOnlySequence<byte> payload)
    {
        byte[]? rented = null;
        var span = payload.IsSingleSegment ? payload.FirstSpan : Contiguous(payload, ref rented);
        try
        {
            var bodySize = ContentHeaderCodec.PeekBodySize(span);
            if (bodySize > (ulong)Broker.Options.MaxMessageSize)
            {
                ClearPendingContent();
                throw BrokerException.PreconditionFailed(
                    $"message size {bodySize} is larger than configured max size {Broker.Options.MaxMessageSize}");
            }

            var header = ContentHeaderCodec.Read(span);
            if (header.ClassId != AmqpClassId.Basic)
            {
                throw new AmqpProtocolException(AmqpConstants.UnexpectedFrame, $"content header for class {header.ClassId} after basic.publish");
            }

            if (header.Properties.UserId is { } userId && !string.Equals(userId, _connection.User!.Name, StringComparison.Ordinal))
            {
                ClearPendingContent();
                throw BrokerException.PreconditionFailed(
                    $"user_id property set to '{userId}' but authenticated user was '{_connection.User!.Name}'");
            }

            RewriteDirectReplyTo(header.Properties);
            _publishProperties = header.Properties;
            _publishAmqpOnly = header.AmqpOnly;
            _publishBody = bodySize == 0 ? [] : GC.AllocateUninitializedArray<byte>((int)bodySize);
            _publishBodyFilled = 0;
            _contentPhase = ContentPhase.Body;
            if (bodySize == 0)
            {
                CompletePublish();
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public void OnContentBody(ReadOnlySequence<byte> payload)
    {
        var body = _publishBody!;
        if (payload.Length > body.Length - _publishBodyFilled)
        {
            throw new AmqpProtocolException(AmqpConstants.FrameError, "body frames carry more bytes than the content header announced");
        }

        payload.CopyTo(body.AsSpan(_publishBodyFilled));
        _publishBodyFilled += (int)payload.Length;
        if (_publishBodyFilled == body.Length)
        {
            CompletePublish();
        }
    }

    private void CompletePublish()
    {
        var annotations = new MessageAnnotations { PublishedBy = PublishingProtocol.Amqp091, More = _publishAmqpOnly };
        var message = new Message(_publish.Exchange, _publish.RoutingKey, _publishProperties!, _publishBody!, annotations);
        var exchange = _publishExchange!;
        var mandatory = _publish.Mandatory;
        ClearPendingContent();
        if (_txMode)
        {
            _txPublishes.Add(new PendingPublish(exchange, message, mandatory));
            return;
        }

        Deliver(exchange, message, mandatory);
    }

    /// <summary>Routes and enqueues one complete message; returns the journal position its confirm waits for.</summary>
    private long Deliver(Exchange exchange, Message message, bool mandatory)
    {
        var seq = _confirmMode ? _nextPublishSeq++ : 0;
        _counters.OnPublished();
        long position;
        try
        {
            position = VirtualHost.Publish(exchange, message, _routing);
        }
        catch (StoreFailedException)
        {
            // Never confirm what could not be saved: a confirming publisher gets basic.nack; one
            // that does not confirm would never learn, so its connection is closed instead.
            if (!_confirmMode)
            {
                throw new AmqpProtocolException(AmqpConstants.InternalError, "the message store has failed; persistent messages are not accepted");
            }

            position = FailedPosition;
        }

        // A queue refused it (x-overflow reject-publish): the publisher is nacked, as by RabbitMQ.
        if (_routing.Refused)
        {
            position = FailedPosition;
        }

        if (!_routing.IsRouted && mandatory)
        {
            VirtualHost.Publishes.OnReturned(PublishingProtocol.Amqp091);
            _connection.Outbound.WriteContent(
                Id,
                new BasicReturn
                {
                    ReplyCode = AmqpConstants.NoRoute,
                    ReplyText = "NO_ROUTE",
                    Exchange = AmqpWirePrimitives.FitShortString(message.Exchange),
                    RoutingKey = AmqpWirePrimitives.FitShortString(message.RoutingKey),
                },
                message,
                _connection.FrameMax);
        }

        foreach (var queue in _routing.Queues)
        {
            if (queue.IsFlowLimited)
            {
                _connection.PauseForFlow(queue);
                break;
            }
        }

        _routing.Clear();
        if (seq != 0)
        {
            VirtualHost.Publishes.OnConfirmExpected(PublishingProtocol.Amqp091);
            TrackConfirm(seq, position);
        }

        return position;
    }

    private void OnConfirmSelect(ConfirmSelect method)
    {
        if (_txMode)
        {
            throw BrokerException.PreconditionFailed("cannot switch from tx to confirm mode");
        }

        _confirmMode = true;
        if (!method.Nowait)
        {
            Write(new ConfirmSelectOk());
        }
    }

    private void ClearPendingContent()
    {
        _contentPhase = ContentPhase.None;
        _publish = default;
        _publishExchange = null;
        _publishProperties = null;
        _publishAmqpOnly = null;
        _publishBody = null;
        _publishBodyFilled = 0;
    }

    private static ReadOnlySpan<byte> Contiguous(ReadOnlySequence<byte> payload, ref byte[]? rented)
    {
        rented = ArrayPool<byte>.Shared.Rent((int)payload.Length);
        payload.CopyTo(rented);
        return rented.AsSpan(0, (int)payload.Length);
    }

    private enum ContentPhase
    {
        None,
        Header,
        Body,
    }
}
