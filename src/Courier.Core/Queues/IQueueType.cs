namespace Courier.Core.Queues;

/// <summary>
/// One kind of queue (classic, later stream and quorum): the name clients ask for with
/// <c>x-queue-type</c>, and how a queue of that kind is made, on declare and on recovery alike.
/// </summary>
public interface IQueueType
{
    /// <summary>The name in <c>x-queue-type</c> and in saved definitions, e.g. <c>classic</c>.</summary>
    string Name { get; }

    IQueue Create(QueueCreation creation);
}
