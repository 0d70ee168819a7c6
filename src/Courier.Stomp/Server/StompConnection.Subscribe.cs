using System.Globalization;
using System.Security.Cryptography;
using Courier.Core;
using Courier.Core.Exchanges;
using Courier.Core.Queues;
using Courier.Core.Security;
using Courier.Stomp.Frames;

namespace Courier.Stomp.Server;

/// <summary>
/// SUBSCRIBE and UNSUBSCRIBE as consumers on queues, and deliveries out of those queues as MESSAGE
/// frames (RabbitMQ's destinations: docs/stomp.md).
/// </summary>
/// <remarks>
/// Queues deliver on their own threads: <see cref="_deliveryGate"/> guards the subscriptions, their
/// unacknowledged deliveries and the delivery tags, and orders the MESSAGE frames written.
/// </remarks>
internal sealed partial class StompConnection
{
    private const string PrefetchCount = "prefetch-count";
    private const string Durable = "durable";
    private const string PersistentHeader = "persistent";
    private const string AutoDelete = "auto-delete";
    private const string Exclusive = "exclusive";

    private readonly Lock _deliveryGate = new();
    private readonly Dictionary<string, StompSubscription> _subscriptions = new(StringComparer.Ordinal);
    private ulong _deliveryTag;
    private StompSubscription? _pendingActivation;

    private void OnSubscribe(StompFrame frame)
    {
        var destinationText = Require(frame, StompHeaderNames.Destination);
        // 1.0 made the id optional: the destination stands in for it, as RabbitMQ does.
        var id = frame.Id ?? (_version == StompVersion.V10 ? destinationText : throw new StompProtocolException("SUBSCRIBE frame has no 'id' header"));
        var ackMode = frame.Ack switch
        {
            null or "auto" => StompAckMode.Auto,
            "client" => StompAckMode.Client,
            "client-individual" => StompAckMode.ClientIndividual,
            var other => throw new StompProtocolException($"ack mode '{other}' is not auto, client or client-individual"),
        };
        var prefetch = 0;
        if (frame[PrefetchCount] is { } prefetchText
            && (!int.TryParse(prefetchText, NumberStyles.None, CultureInfo.InvariantCulture, out prefetch)))
        {
            throw new StompProtocolException($"prefetch-count '{prefetchText}' is not a non-negative integer");
        }

        lock (_deliveryGate)
        {
            if (_subscriptions.ContainsKey(id))
            {
                throw new StompProtocolException($"a subscription with id '{id}' already exists on this connection");
            }
        }

        var destination = StompDestination.Parse(destinationText);
        var (queue, durable) = SubscriptionQueue(destination, frame);
        Subscribe(new StompSubscription(this, id, queue, ackMode, prefetch, durable, fixedDestination: null), IsTrue(frame, Exclusive) && destination.Kind != StompDestinationKind.Queue, activateNow: false);
    }

    private void Subscribe(StompSubscription subscription, bool exclusiveConsumer, bool activateNow)
    {
        var consumer = new QueueConsumer("stomp-" + _sessionId + "-" + subscription.Id, subscription, autoSettle: subscription.AckMode == StompAckMode.Auto, exclusive: exclusiveConsumer, owner: Session!);
        subscription.Consumer = consumer;
        lock (_deliveryGate)
        {
            _subscriptions.Add(subscription.Id, subscription);
        }

        try
        {
            subscription.Queue.AddConsumer(consumer);
        }
        catch
        {
            lock (_deliveryGate)
            {
                _subscriptions.Remove(subscription.Id);
            }

            throw;
        }

        if (activateNow)
        {
            Activate(subscription);
        }
        else
        {
            // After the receipt is written (Handle), so that no MESSAGE overtakes it.
            _pendingActivation = subscription;
        }
    }

    private void Activate(StompSubscription subscription)
    {
        lock (_deliveryGate)
        {
            subscription.Active = _subscriptions.ContainsKey(subscription.Id);
        }

        subscription.Queue.Dispatch();
    }

    /// <summary>The queue a SUBSCRIBE consumes from, declared and bound as its destination says; and whether it is a durable subscription's.</summary>
    private (IQueue Queue, bool Durable) SubscriptionQueue(StompDestination destination, StompFrame frame)
    {
        switch (destination.Kind)
        {
            case StompDestinationKind.Queue:
                var declared = DeclareQueue(destination.Name, frame);
                Authorize(AccessKind.Read, "queue", destination.Name);
                return (declared, false);
            case StompDestinationKind.AmqQueue:
                Authorize(AccessKind.Read, "queue", destination.Name);
                return (VirtualHost!.GetQueue(destination.Name, Session!), false);
            case StompDestinationKind.Topic or StompDestinationKind.Exchange:
                return BoundQueue(destination, frame);
            default:
                throw new StompProtocolException($"cannot SUBSCRIBE to '{frame.Destination}': /temp-queue/ and /reply-queue/ destinations are for replies");
        }
    }

    /// <summary>
    /// A queue of the subscription's own bound to the destination's exchange: durable, named after the
    /// subscription, for <c>durable:true</c> (or <c>persistent:true</c>) with an <c>id</c>; otherwise
    /// private to this connection and gone with it.
    /// </summary>
    private (IQueue Queue, bool Durable) BoundQueue(StompDestination destination, StompFrame frame)
    {
        var durable = IsTrue(frame, Durable) || IsTrue(frame, PersistentHeader);
        if (durable && frame.Id is null)
        {
            throw new StompProtocolException("a durable subscription needs an 'id' header");
        }

        var name = frame[StompQueueHeaders.QueueName]
                   ?? (durable ? StompNames.DurableSubscriptionQueue(destination.RoutingKey, frame.Id!) : "stomp-subscription-" + RandomSuffix());
        var exchange = VirtualHost!.GetExchange(destination.Name);
        Authorize(AccessKind.Configure, "queue", name);
        Authorize(AccessKind.Write, "queue", name);
        Authorize(AccessKind.Read, "exchange", exchange.Name);
        if (exchange.Type == ExchangeTypes.Topic)
        {
            Broker.AuthorizeTopic(User!, VirtualHost, AccessKind.Read, exchange.Name, destination.RoutingKey);
        }

        var definition = durable
            ? new QueueDefinition { Durable = true, AutoDelete = IsTrue(frame, AutoDelete), Exclusive = false, Arguments = StompQueueHeaders.ArgumentsOf(frame) }
            : new QueueDefinition { Durable = false, AutoDelete = true, Exclusive = true, Arguments = StompQueueHeaders.ArgumentsOf(frame) };
        var queue = VirtualHost.DeclareQueue(name, definition, passive: false, Session!).Queue;
        VirtualHost.BindQueue(name, exchange.Name, destination.RoutingKey, null, Session!);
        Authorize(AccessKind.Read, "queue", name);
        return (queue, durable);
    }

    /// <summary>Declares a <c>/queue/</c> queue: durable, shared and kept by default, as RabbitMQ's plugin does, with the frame's queue arguments.</summary>
    private IQueue DeclareQueue(string name, StompFrame frame)
    {
        Authorize(AccessKind.Configure, "queue", name);
        var definition = new QueueDefinition
        {
            Durable = frame[Durable] is not { } durable || durable == "true",
            AutoDelete = IsTrue(frame, AutoDelete),
            Exclusive = IsTrue(frame, Exclusive),
            Arguments = StompQueueHeaders.ArgumentsOf(frame),
        };
        return VirtualHost!.DeclareQueue(name, definition, passive: false, Session!).Queue;
    }

    private static bool IsTrue(StompFrame frame, string header) => string.Equals(frame[header], "true", StringComparison.Ordinal);

    private static string RandomSuffix() => StompNames.Base64Url(RandomNumberGenerator.GetBytes(16));

    private void OnUnsubscribe(StompFrame frame)
    {
        var id = frame.Id ?? (_version == StompVersion.V10 ? frame.Destination : null)
                 ?? throw new StompProtocolException("UNSUBSCRIBE frame has no 'id' header");
        StompSubscription? subscription;
        lock (_deliveryGate)
        {
            _subscriptions.Remove(id, out subscription);
        }

        var deleteDurable = IsTrue(frame, Durable) || IsTrue(frame, PersistentHeader);
        if (subscription is null)
        {
            if (deleteDurable && frame.Destination is { } destinationText && StompDestination.Parse(destinationText) is { IsExchangeBound: true } destination)
            {
                // The durable subscription of an earlier connection: its queue goes, as in RabbitMQ.
                DeleteQueue(frame[StompQueueHeaders.QueueName] ?? StompNames.DurableSubscriptionQueue(destination.RoutingKey, id));
                return;
            }

            throw new StompProtocolException($"no subscription with id '{id}' on this connection");
        }

        Cancel(subscription);
        if (deleteDurable && subscription.Durable)
        {
            DeleteQueue(subscription.Queue.Name);
        }
    }

    private void DeleteQueue(string name)
    {
        Authorize(AccessKind.Configure, "queue", name);
        try
        {
            VirtualHost!.DeleteQueue(name, ifUnused: false, ifEmpty: false, Session!);
        }
        catch (BrokerException e) when (e.Error == BrokerError.NotFound)
        {
            // Deleting what is not there succeeds, as in RabbitMQ.
        }
    }

    /// <summary>Ends a subscription: no more deliveries, and its unacknowledged messages go back to the queue.</summary>
    private void Cancel(StompSubscription subscription)
    {
        List<QueuedMessage> unacked;
        lock (_deliveryGate)
        {
            subscription.Active = false;
            unacked = subscription.Unacked.RemoveAll();
        }

        if (subscription.Consumer is { } consumer)
        {
            VirtualHost!.RemoveConsumer(subscription.Queue, consumer);
        }

        if (unacked.Count > 0 && !subscription.Queue.IsDeleted)
        {
            subscription.Queue.Requeue(unacked);
        }
    }

    /// <summary>The connection is ending: every subscription is cancelled and what it had unacknowledged is requeued.</summary>
    private void EndSubscriptions()
    {
        List<StompSubscription> all;
        lock (_deliveryGate)
        {
            all = [.. _subscriptions.Values];
            _subscriptions.Clear();
        }

        foreach (var subscription in all)
        {
            Cancel(subscription);
        }
    }

    /// <summary>
    /// Called by a queue, under its lock, on any thread: writes the delivery if the subscription has
    /// credit and the socket keeps up, or refuses with no effect.
    /// </summary>
    public bool TryDeliver(StompSubscription subscription, QueuedMessage queued)
    {
        lock (_deliveryGate)
        {
            if (!_connected || _finished || !subscription.Active || Outbound.IsCongested)
            {
                return false;
            }

            var acked = subscription.AckMode != StompAckMode.Auto;
            if (acked && subscription.Prefetch > 0 && subscription.Unacked.Count >= subscription.Prefetch)
            {
                return false;
            }

            var tag = ++_deliveryTag;
            var encoding = subscription.Encoding;
            if (encoding is null || encoding.Version != Outbound.Version)
            {
                subscription.Encoding = encoding = new StompMessageEncoding(subscription.Id, subscription.FixedDestination, _sessionId, Outbound.Version);
            }

            try
            {
                Outbound.WriteMessage(encoding, queued.Message, tag, withAck: acked && _version == StompVersion.V12, queued.Redelivered);
            }
            catch (ArgumentException)
            {
                // Not expressible in this version (a header with a line feed for a 1.0 client): the
                // message is taken and dropped, as MQTT drops what it cannot carry.
                if (acked)
                {
                    subscription.Unacked.Add(tag, queued);
                    ScheduleDrop(subscription, tag);
                }

                return true;
            }

            if (acked)
            {
                subscription.Unacked.Add(tag, queued);
            }

            return true;
        }
    }

    /// <summary>Settles an undeliverable message off the queue's lock (a sink may not call back into its queue).</summary>
    private void ScheduleDrop(StompSubscription subscription, ulong tag) =>
        ThreadPool.UnsafeQueueUserWorkItem(
            static state =>
            {
                var (connection, subscription, tag) = state;
                connection.Settle(subscription, tag, StompAckMode.ClientIndividual, ack: true, requeue: false);
            },
            (this, subscription, tag),
            preferLocal: false);

    /// <summary>The subscription's queue was deleted: the client is told with ERROR, and the connection closes (1.2 "ERROR").</summary>
    public void OnSubscriptionCancelledByBroker(StompSubscription subscription)
    {
        lock (_deliveryGate)
        {
            if (!subscription.Active)
            {
                return;
            }

            subscription.Active = false;
            _subscriptions.Remove(subscription.Id);
        }

        if (_connected && !_finished)
        {
            StompLog.ClosedWithError(_logger, Name, $"queue '{subscription.Queue.Name}' of subscription '{subscription.Id}' was deleted");
            WriteError($"subscription '{subscription.Id}' ended: its queue '{subscription.Queue.Name}' was deleted", receiptId: null);
            RequestShutdown();
        }
    }

    private void OnOutboundDrained()
    {
        List<StompSubscription> all;
        lock (_deliveryGate)
        {
            all = [.. _subscriptions.Values];
        }

        foreach (var subscription in all)
        {
            subscription.Queue.Dispatch();
        }
    }
}
