using BenchmarkDotNet.Attributes;
using Courier.Core.Messages;

namespace Courier.Benchmarks.Framing;

/// <summary>Per-message framing: parsing a client's publish, writing a delivery to a consumer.</summary>
[MemoryDiagnoser]
public class FramingBenchmarks
{
    private readonly PublishFrames _publish = new();
    private readonly DeliveryFrames _delivery = new();

    [Benchmark(Description = "parse publish, 1 segment")]
    public Message ParsePublishSingleSegment() => PublishParser.Parse(_publish.SingleSegment, PublishFrames.FrameMax);

    [Benchmark(Description = "parse publish, 5 segments")]
    public Message ParsePublishSplit() => PublishParser.Parse(_publish.Split, PublishFrames.FrameMax);

    [Benchmark(Description = "write deliver+header+body")]
    public int WriteDelivery() => _delivery.Write();
}
