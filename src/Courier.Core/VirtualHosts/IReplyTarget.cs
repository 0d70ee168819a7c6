using Courier.Core.Messages;

namespace Courier.Core.VirtualHosts;

/// <summary>
/// A direct reply-to consumer: replies addressed to it skip queues and go straight to the
/// requesting client, as with RabbitMQ's <c>amq.rabbitmq.reply-to</c>.
/// </summary>
public interface IReplyTarget
{
    /// <summary>Hands over one reply; false when the target can no longer take it (then it is dropped).</summary>
    bool TryDeliverReply(Message message);
}
