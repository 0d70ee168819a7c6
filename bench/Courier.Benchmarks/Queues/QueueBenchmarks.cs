using BenchmarkDotNet.Attributes;

namespace Courier.Benchmarks.Queues;

/// <summary>ClassicQueue.Enqueue, delivery to a consumer that accepts everything, and ClassicQueue.Settle.</summary>
[MemoryDiagnoser]
public class QueueBenchmarks
{
    private readonly QueueCycle _cycle = new();

    [Benchmark(Description = "enqueue+deliver+settle")]
    public long EnqueueDeliverSettle() => _cycle.EnqueueDeliverSettle();
}
