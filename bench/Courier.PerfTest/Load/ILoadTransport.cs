using Courier.PerfTest.Measurement;

namespace Courier.PerfTest.Load;

/// <summary>
/// What the run needs from a protocol: a topology, producers, consumers and idle connections.
/// Everything protocol-neutral (pacing, stamping, verification, reporting) stays outside.
/// </summary>
public interface ILoadTransport
{
    /// <summary>The target, without credentials, for the summary.</summary>
    string Target { get; }

    /// <summary>How many times a message from <paramref name="producerId"/> should arrive.</summary>
    int CopiesOf(int producerId);

    Task DeclareTopologyAsync(CancellationToken cancellationToken);

    Task DeleteTopologyAsync(CancellationToken cancellationToken);

    Task<ILoadProducer> CreateProducerAsync(int id, ProducerCounters counters, RatePacer pacer, CancellationToken cancellationToken);

    Task<ILoadConsumer> CreateConsumerAsync(int id, DeliverySink sink, CancellationToken cancellationToken);

    /// <summary>Opens one connection (AMQP: with one channel) that does nothing until disposed.</summary>
    Task<IAsyncDisposable> OpenIdleConnectionAsync(int id, CancellationToken cancellationToken);
}

/// <summary>
/// A producer runs on a thread of its own and blocks there, as RabbitMQ's PerfTest does: a paced
/// publish loop that waits its turn on the shared thread pool would fall behind whenever
/// consumers in the same process keep the pool busy.
/// </summary>
public interface ILoadProducer : IAsyncDisposable
{
    /// <summary>
    /// Publishes sequence numbers 0, 1, … until <paramref name="messageLimit"/> (0: no limit) or
    /// until <paramref name="stop"/> fires, then waits up to <paramref name="settleTimeout"/> for
    /// outstanding confirms. Returns when publishing stopped, as a <see cref="System.Diagnostics.Stopwatch"/> timestamp.
    /// </summary>
    long Run(long messageLimit, TimeSpan settleTimeout, CancellationToken stop);
}

public interface ILoadConsumer : IAsyncDisposable
{
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Acknowledges what is still unacknowledged and cancels the subscription.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
