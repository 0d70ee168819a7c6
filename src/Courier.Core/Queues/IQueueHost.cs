using Courier.Core.Messages;

namespace Courier.Core.Queues;

/// <summary>What a queue needs from the vhost it lives in: somewhere to send dead letters, and its own deletion when it expires.</summary>
public interface IQueueHost
{
    /// <summary>
    /// Routes a dead letter (already carrying its death history, addressed to the dead-letter
    /// exchange) and enqueues it, dropping it when the exchange does not exist or the route would
    /// cycle back without a rejection in between, as RabbitMQ does.
    /// </summary>
    /// <exception cref="Storage.StoreFailedException">The dead letter had to be stored and the store has failed.</exception>
    void PublishDeadLetter(Message letter, IQueue from, DeathReason reason);

    /// <summary>The queue was unused for its <c>x-expires</c>: delete it as a client's delete would.</summary>
    void DeleteExpired(IQueue queue);
}
