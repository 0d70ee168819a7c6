using Courier.Core;
using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Security;
using Courier.Core.Storage;
using Courier.Core.VirtualHosts;
using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>
/// Inbound PUBLISH: the message routed on <c>amq.topic</c>, QoS 1 acknowledged (PUBACK) and QoS 2
/// received (PUBREC) once durable, in order, as AMQP confirms are; QoS 2's PUBREL and PUBCOMP; wills.
/// </summary>
/// <remarks>
/// The reader adds acknowledgements; the store's committer reports durability on its own thread;
/// <see cref="DurableReleases{T}"/> orders what is written, as it does AMQP's confirms.
/// </remarks>
internal sealed partial class MqttConnection : IDurableReleaseTarget<MqttPublishResponse>
{
    /// <summary>Position of a publish the broker could not take: it is refused (v5) or the connection closes (3.1.1).</summary>
    private const long FailedPosition = DurableReleases<MqttPublishResponse>.FailedPosition;

    /// <summary>
    /// QoS 2 publishes a v5 client may have unreleased (the Receive Maximum in CONNACK); one more is
    /// a protocol error, 0x93. QoS 1 publishes are acknowledged as soon as they are durable, so they
    /// are not counted.
    /// </summary>
    private const ushort ReceiveMaximum = 1024;

    // Created on first use (by whichever thread comes first): an idle connection holds none of these.
    private RoutingResult? _routingCreated;
    private RoutingResult Routing => LazyInitializer.EnsureInitialized(ref _routingCreated, static () => new RoutingResult());

    // QoS 2 packet ids received and not yet released: a resend of one is acknowledged, not routed again.
    // Created on first use (by whichever thread comes first): an idle connection holds none of these.
    private HashSet<ushort>? _awaitingReleaseCreated;
    private HashSet<ushort> AwaitingRelease => LazyInitializer.EnsureInitialized(ref _awaitingReleaseCreated, static () => new HashSet<ushort>());

    private Exchange? _topicExchange;
    private IQueue? _flowLimitedBy;
    private volatile bool _readPaused;
    private bool _isPublisher;
    private DurableReleases<MqttPublishResponse>? _acknowledgements;

    private void OnPublish(MqttPublish publish)
    {
        _isPublisher = true;
        var topic = TopicOf(publish);

        if (publish.QoS == MqttQos.ExactlyOnce && AwaitingRelease.Contains(publish.PacketId))
        {
            Track(new MqttPubRec { PacketId = publish.PacketId }, 0);
            return;
        }

        if (publish.QoS == MqttQos.ExactlyOnce && IsV5 && AwaitingRelease.Count >= ReceiveMaximum)
        {
            throw new MqttProtocolException(MqttServerReason.ReceiveMaximumExceeded, $"more than the Receive Maximum of {ReceiveMaximum} QoS 2 publishes are unreleased");
        }

        if (publish.Payload.Length > Broker.Options.MaxMessageSize)
        {
            throw new MqttProtocolException(MqttReasonCode.PacketTooLarge, $"payload of {publish.Payload.Length} bytes is larger than the broker's max message size {Broker.Options.MaxMessageSize}");
        }

        var exchange = TopicExchange();
        if (exchange is null)
        {
            if (publish.QoS == MqttQos.AtMostOnce || !IsV5)
            {
                throw BrokerException.AccessRefused($"write access to exchange '{MqttTopicMapping.Exchange}' in vhost '{VirtualHost!.Name}' refused for user '{User!.Name}'");
            }

            Track(Response(publish, MqttServerReason.NotAuthorized), FailedPosition);
            return;
        }

        if (!MayPublishTo(publish, topic))
        {
            Track(Response(publish, MqttServerReason.NotAuthorized), FailedPosition);
            return;
        }

        if (publish.Retain && !publish.Payload.IsEmpty && RetainedLogRefuses())
        {
            // Refused before anything is routed, so the client's failure means nothing happened
            // (QoS 0 is dropped: at most once). Clearing a topic (empty payload) still goes on.
            if (publish.QoS != MqttQos.AtMostOnce)
            {
                Track(Response(publish, IsV5 ? MqttServerReason.UnspecifiedError : (byte)0), FailedPosition);
            }

            return;
        }

        var message = ToMessage(topic, publish.Payload, publish.QoS, publish.Retain, publish.Properties, PublisherAnnotations);
        var (position, reason) = Route(exchange, message);
        var retained = publish.Retain && position != FailedPosition ? Retain(topic, publish.QoS, publish.Properties, publish.Payload) : 0;
        if (retained == FailedPosition)
        {
            (position, reason) = (FailedPosition, MqttServerReason.UnspecifiedError);
        }

        if (publish.QoS == MqttQos.AtMostOnce)
        {
            return;
        }

        if (publish.QoS == MqttQos.ExactlyOnce && position != FailedPosition)
        {
            AwaitingRelease.Add(publish.PacketId);
        }

        Track(Response(publish, IsV5 ? reason : (byte)0), position, retained);
    }

    private static MqttPublishResponse Response(MqttPublish publish, byte reason) => publish.QoS == MqttQos.ExactlyOnce
        ? new MqttPubRec { PacketId = publish.PacketId, ReasonCode = reason }
        : new MqttPubAck { PacketId = publish.PacketId, ReasonCode = reason };

    /// <summary>The vhost's <c>amq.topic</c> once this connection may write to it (checked once, as AMQP channels cache it); null when it may not.</summary>
    private Exchange? TopicExchange()
    {
        if (_topicExchange is null)
        {
            try
            {
                Broker.Authorize(User!, VirtualHost!, AccessKind.Write, "exchange", MqttTopicMapping.Exchange);
            }
            catch (BrokerException e) when (e.Error == BrokerError.AccessRefused)
            {
                return null;
            }

            _topicExchange = VirtualHost!.GetExchange(MqttTopicMapping.Exchange);
        }

        return _topicExchange;
    }

    /// <summary>The neutral message for an MQTT publish: persistent from QoS 1 up, as RabbitMQ makes it, with the 5.0 properties mapped.</summary>
    private static Message ToMessage(string topic, ReadOnlyMemory<byte> payload, MqttQos qos, bool retain, MqttProperties? mqtt, IReadOnlyDictionary<string, object?>? publisher = null)
    {
        var annotations = new MessageAnnotations
        {
            PublishedBy = PublishingProtocol.Mqtt,
            Qos = (byte)qos,
            Retain = retain,
            More = MqttMessageMapper.ToAnnotations(mqtt, publisher),
        };
        return new Message(MqttTopicMapping.Exchange, MqttTopicMapping.ToRoutingKey(topic), MqttMessageMapper.ToProperties(qos, mqtt), payload, annotations);
    }

    /// <summary>Routes and enqueues one message; returns the journal position its acknowledgement waits for, and the v5 reason code.</summary>
    private (long Position, byte Reason) Route(Exchange exchange, Message message)
    {
        long position;
        var reason = MqttReasonCode.Success;
        try
        {
            position = VirtualHost!.Publish(exchange, message, Routing);
        }
        catch (StoreFailedException)
        {
            // Never acknowledge what could not be saved.
            position = FailedPosition;
            reason = MqttServerReason.UnspecifiedError;
        }

        if (Routing.Refused)
        {
            position = FailedPosition;
            reason = MqttServerReason.QuotaExceeded;
        }
        else if (!Routing.IsRouted && reason == MqttReasonCode.Success)
        {
            reason = MqttServerReason.NoMatchingSubscribers;
        }

        foreach (var queue in Routing.Queues)
        {
            if (queue.IsFlowLimited)
            {
                _flowLimitedBy ??= queue;
                break;
            }
        }

        Routing.Clear();
        return (position, reason);
    }

    private void OnPubRel(MqttPubRel release)
    {
        var known = AwaitingRelease.Remove(release.PacketId);
        Track(new MqttPubComp { PacketId = release.PacketId, ReasonCode = known || !IsV5 ? MqttReasonCode.Success : MqttServerReason.PacketIdentifierNotFound }, 0);
    }

    private void Track(MqttPublishResponse response, long position) =>
        (_acknowledgements ??= new DurableReleases<MqttPublishResponse>(this)).Add(response, position);

    /// <summary>End of a read batch: acknowledge what is durable, and ask the store to report the rest.</summary>
    private void FlushAcknowledgements() => _acknowledgements?.Flush(Broker.Store);

    bool IDurableReleaseTarget<MqttPublishResponse>.IsOpen => !_ended.Task.IsCompleted && !_lifetime.IsCancellationRequested;

    void IDurableReleaseTarget<MqttPublishResponse>.Release(MqttPublishResponse response, bool stored) => ReleaseAfterRetained(response, stored);

    private void WriteAcknowledgement(MqttPublishResponse response, bool stored)
    {
        if (stored)
        {
            Outbound.Write(response);
        }
        else if (IsV5)
        {
            var code = response.ReasonCode >= MqttServerReason.UnspecifiedError ? response.ReasonCode : MqttServerReason.UnspecifiedError;
            Outbound.Write(response with { ReasonCode = code });
        }
        else
        {
            // 3.1.1 has no negative acknowledgement: the client learns by losing its connection.
            Abort();
        }
    }

    void IDurableReleaseTarget<MqttPublishResponse>.EndOfReleases()
    {
    }

    /// <summary>Reads nothing until <paramref name="until"/> completes or <paramref name="limit"/> passes; keep-alive does not count meanwhile.</summary>
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

    /// <summary>The will, published when the connection ends without DISCONNECT (or with 0x04).</summary>
    private void PublishWill()
    {
        if (_will is not { } will || TopicExchange() is not { } exchange)
        {
            return;
        }

        _will = null;
        try
        {
            Broker.AuthorizeTopic(User!, VirtualHost!, AccessKind.Write, MqttTopicMapping.Exchange, MqttTopicMapping.ToRoutingKey(will.Topic), ClientId);
            var message = ToMessage(will.Topic, will.Payload, will.QoS, will.Retain, will.Properties);
            if (Route(exchange, message).Position != FailedPosition && will.Retain)
            {
                Retain(will.Topic, will.QoS, will.Properties, will.Payload);
            }
        }
        catch (BrokerException)
        {
            // A will is best effort: the client that set it is gone and can be told nothing.
        }
    }
}
