using Courier.Core;
using Courier.Core.Queues;
using Courier.Core.Security;

namespace Courier.Stomp.Server;

/// <summary>
/// <c>/temp-queue/</c> in a SEND's <c>reply-to</c>: the first use of a name makes a private queue for
/// this connection and subscribes to it (ack auto); the header is rewritten to that queue's
/// <c>/reply-queue/</c> destination, so a replier on any protocol reaches the requester, and the
/// replies arrive with <c>subscription</c> and <c>destination</c> set to the <c>/temp-queue/</c> name,
/// as with RabbitMQ's plugin.
/// </summary>
internal sealed partial class StompConnection
{
    private const string TempQueuePrefix = "/temp-queue/";
    private Dictionary<string, string>? _tempQueues;

    private string RewriteReplyTo(string replyTo)
    {
        if (!replyTo.StartsWith(TempQueuePrefix, StringComparison.Ordinal) || replyTo.Length == TempQueuePrefix.Length)
        {
            return replyTo;
        }

        _tempQueues ??= new Dictionary<string, string>(StringComparer.Ordinal);
        if (!_tempQueues.TryGetValue(replyTo, out var queueName))
        {
            queueName = CreateTempQueue(replyTo);
            _tempQueues.Add(replyTo, queueName);
        }

        return StompDestination.ReplyQueue(queueName);
    }

    private string CreateTempQueue(string destination)
    {
        var queue = VirtualHost!.DeclareQueue(string.Empty, new QueueDefinition { Durable = false, AutoDelete = true, Exclusive = true }, passive: false, Session!).Queue;
        try
        {
            Authorize(AccessKind.Configure, "queue", queue.Name);
            Authorize(AccessKind.Read, "queue", queue.Name);
            Subscribe(new StompSubscription(this, destination, queue, StompAckMode.Auto, prefetch: 0, durable: false, fixedDestination: destination), exclusiveConsumer: true, activateNow: true);
        }
        catch (BrokerException)
        {
            VirtualHost.DeleteQueue(queue.Name, ifUnused: false, ifEmpty: false, Session!);
            throw;
        }

        return queue.Name;
    }
}
