using System.Globalization;
using Courier.Core;
using Courier.Core.Queues;
using Courier.Stomp.Frames;

namespace Courier.Stomp.Server;

/// <summary>
/// ACK and NACK: the delivery named by <c>id</c> (1.2) or <c>message-id</c> (1.0, 1.1) is settled,
/// with every earlier one of its subscription in <c>client</c> mode. NACK requeues unless it says
/// <c>requeue:false</c>, which dead-letters (or drops) the message, as RabbitMQ's plugin does.
/// </summary>
internal sealed partial class StompConnection
{
    private const string Requeue = "requeue";

    private void OnAck(StompFrame frame, bool ack)
    {
        var (subscription, tag) = Resolve(frame);
        if (frame.Transaction is { } transaction)
        {
            HoldForTransaction(transaction, frame);
            return;
        }

        Settle(subscription, tag, subscription.AckMode, ack, requeue: ack || !string.Equals(frame[Requeue], "false", StringComparison.Ordinal));
    }

    /// <summary>The subscription and delivery tag an ACK or NACK names; an unknown one is an error, as an unknown delivery tag is in AMQP.</summary>
    private (StompSubscription Subscription, ulong Tag) Resolve(StompFrame frame)
    {
        var header = _version == StompVersion.V12 ? StompHeaderNames.Id : StompHeaderNames.MessageId;
        var ackId = Require(frame, header);
        var marker = "@@" + _sessionId + "@@";
        var at = ackId.LastIndexOf(marker, StringComparison.Ordinal);
        if (at > 2 && ackId.StartsWith("T_", StringComparison.Ordinal)
            && ulong.TryParse(ackId.AsSpan(at + marker.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var tag))
        {
            var subscriptionId = ackId[2..at];
            lock (_deliveryGate)
            {
                if (_subscriptions.TryGetValue(subscriptionId, out var subscription) && subscription.Unacked.Contains(tag))
                {
                    return (subscription, tag);
                }
            }
        }

        throw BrokerException.PreconditionFailed($"{StompCommands.WireName(frame.Command)} names '{ackId}', which is no unacknowledged message of this connection");
    }

    /// <summary>
    /// Takes the deliveries an ACK or NACK names off the subscription (that one alone, or every one
    /// up to it for <see cref="StompAckMode.Client"/>), then acts on the queue outside the lock.
    /// </summary>
    private void Settle(StompSubscription subscription, ulong tag, StompAckMode mode, bool ack, bool requeue)
    {
        var taken = new List<QueuedMessage>();
        lock (_deliveryGate)
        {
            if (!subscription.Unacked.Contains(tag))
            {
                throw BrokerException.PreconditionFailed($"message {tag} of subscription '{subscription.Id}' is already acknowledged");
            }

            if (mode == StompAckMode.Client)
            {
                subscription.Unacked.RemoveUpTo(tag, taken);
            }
            else
            {
                subscription.Unacked.Remove(tag, out var message);
                taken.Add(message!);
            }
        }

        var queue = subscription.Queue;
        if (ack)
        {
            foreach (var message in taken)
            {
                queue.Settle(message);
            }
        }
        else if (requeue)
        {
            queue.Requeue(taken);
        }
        else
        {
            foreach (var message in taken)
            {
                queue.Reject(message);
            }
        }

        queue.Dispatch();
    }
}
