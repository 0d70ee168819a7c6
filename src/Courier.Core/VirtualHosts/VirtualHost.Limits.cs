using Courier.Core.Resources;

namespace Courier.Core.VirtualHosts;

/// <summary>The vhost's <c>max-queues</c> limit, checked when a new queue is declared (whatever the protocol).</summary>
public sealed partial class VirtualHost
{
    /// <summary>Under the definitions lock, before a new queue is added: PRECONDITION_FAILED with RabbitMQ's text once the vhost holds its <c>max-queues</c>.</summary>
    private void CheckQueueLimitLocked(string name)
    {
        if (_broker is null)
        {
            return;
        }

        var limit = _broker.Limits.VirtualHostLimit(Name, ClientLimits.MaxQueues);
        if (limit >= 0 && _queues.Count >= limit)
        {
            throw new BrokerException(BrokerError.PreconditionFailed, $"cannot declare queue '{name}': queue limit in vhost '{Name}' ({limit}) is reached") { IsLimit = true };
        }
    }
}
