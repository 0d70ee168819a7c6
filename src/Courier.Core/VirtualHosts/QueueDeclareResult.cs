using Courier.Core.Queues;

namespace Courier.Core.VirtualHosts;

/// <summary>The queue a declare found or made, with the counts the declare reply reports.</summary>
public readonly record struct QueueDeclareResult(IQueue Queue, int MessageCount, int ConsumerCount);
