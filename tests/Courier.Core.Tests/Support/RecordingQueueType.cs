using Courier.Core.Queues;

namespace Courier.Core.Tests.Support;

/// <summary>A queue type that makes classic queues and remembers what it was asked to make.</summary>
internal sealed class RecordingQueueType(string name) : IQueueType
{
    public string Name { get; } = name;

    public List<QueueCreation> Created { get; } = [];

    public IQueue Create(QueueCreation creation)
    {
        Created.Add(creation);
        return ClassicQueueType.Instance.Create(creation);
    }
}
