using Courier.Core.Messages;
using Courier.Core.Queues;

namespace Courier.Benchmarks.Queues;

/// <summary>
/// One message through a memory queue with one consumer that has credit: enqueue (which delivers
/// at once, under the queue's lock) and then settle (the consumer's ack).
/// </summary>
public sealed class QueueCycle
{
    private readonly ClassicQueue _queue = new("bench", "/", new QueueDefinition(), exclusiveOwner: null);
    private readonly AcceptingDeliverySink _sink = new();
    private readonly Message _message = SampleMessage.Create();

    public QueueCycle()
    {
        _queue.AddConsumer(new QueueConsumer("amq.ctag-benchmark", _sink, autoSettle: false, exclusive: false, owner: BenchmarkSession.Instance));
    }

    public long EnqueueDeliverSettle()
    {
        _queue.Enqueue(_message);
        var delivered = _sink.Last!;
        _queue.Settle(delivered);
        return delivered.Sequence;
    }
}
