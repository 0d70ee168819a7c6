using BenchmarkDotNet.Attributes;

namespace Courier.Benchmarks.Routing;

/// <summary>VirtualHost.Route: from a message and an exchange to the distinct queues it reaches.</summary>
[MemoryDiagnoser]
public class RoutingBenchmarks
{
    private RoutingTopology _topology = null!;

    [GlobalSetup]
    public void Setup() => _topology = new RoutingTopology();

    [Benchmark(Description = "route direct (100 keys)")]
    public int Direct() => _topology.RouteDirect();

    [Benchmark(Description = "route fanout (10 queues)")]
    public int Fanout() => _topology.RouteFanout();

    [Benchmark(Description = "route topic (100k bindings)")]
    public int Topic() => _topology.RouteTopic();

    [Benchmark(Description = "route headers (10 bindings)")]
    public int Headers() => _topology.RouteHeaders();
}
