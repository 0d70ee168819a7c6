using Courier.Core.Sessions;

namespace Courier.Benchmarks;

/// <summary>The owner of the benchmarks' queues and consumers: a client session nothing ever closes.</summary>
internal sealed class BenchmarkSession : IClientSessionControl
{
    public static ClientSession Instance { get; } = new("benchmark", "/", "guest", remoteEndPoint: null, new BenchmarkSession());

    public void Close(string reason)
    {
    }
}
