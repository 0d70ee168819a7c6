namespace Courier.Core.Queues;

/// <summary>A queue's ready and unacknowledged messages and its consumers, read together.</summary>
public readonly record struct QueueCounts(int Ready, int Unacknowledged, int Consumers)
{
    /// <summary>Ready and unacknowledged: RabbitMQ's <c>messages</c>.</summary>
    public long Messages => (long)Ready + Unacknowledged;
}
