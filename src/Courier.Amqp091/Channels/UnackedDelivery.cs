using Courier.Core.Queues;

namespace Courier.Amqp091.Channels;

/// <summary>A delivery on a channel that the client has yet to settle.</summary>
internal readonly record struct UnackedDelivery(ulong DeliveryTag, IQueue Queue, QueuedMessage Message, AmqpConsumer? Consumer);
