namespace Courier.Core.Queues;

/// <summary>Why a message left a queue other than by acknowledgement; named in <c>x-death</c> as RabbitMQ names it.</summary>
public enum DeathReason
{
    /// <summary><c>rejected</c>: basic.reject or basic.nack with requeue=false.</summary>
    Rejected,

    /// <summary><c>expired</c>: its TTL ran out.</summary>
    Expired,

    /// <summary><c>maxlen</c>: dropped or refused by a length limit.</summary>
    MaxLength,

    /// <summary><c>delivery_limit</c>: returned more often than <c>x-delivery-limit</c>.</summary>
    DeliveryLimit,
}
