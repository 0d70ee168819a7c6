using Courier.IntegrationTests.Infrastructure;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Options;
using Courier.PerfTest.Stomp.Wire;

namespace Courier.IntegrationTests.LoadGenerator;

/// <summary>
/// The load generator's lean STOMP client against Courier's STOMP listener over a real socket:
/// every message arrives as often as promised, receipts settle the window to the last SEND,
/// cumulative acks leave nothing behind, and the broker's ERROR ends a run with its message.
/// </summary>
public sealed class StompLeanClientTests : IAsyncLifetime
{
    private TestBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await TestBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private PerfTestOptions Options(string queuePattern) => new()
    {
        StompEndpoint = $"127.0.0.1:{_broker.StompPort}",
        QueuePattern = queuePattern,
        Quiet = true,
        DrainIdleSeconds = 5,
        MaxRunSeconds = 60,
    };

    private static async Task<RunSummary> RunAsync(PerfTestOptions options)
    {
        var summary = await new LoadRun(options, LoadTransports.For(options), TextWriter.Null).ExecuteAsync(CancellationToken.None);
        Assert.Empty(summary.Errors);
        return summary;
    }

    [Fact]
    public async Task Persistent_sends_with_receipts_are_all_receipted_delivered_once_and_acknowledged()
    {
        // 7 does not divide 5,000: the last deliveries are acknowledged when the reader catches up.
        var summary = await RunAsync(Options("stomp-lean-receipts-%d") with
        {
            Persistent = true, ConfirmWindow = 50, Prefetch = 20, MultiAckEvery = 7, ProducerMessageCount = 5_000,
        });

        Assert.Equal(5_000, summary.Sent);
        Assert.Equal(5_000, summary.Confirmed);
        Assert.Equal(5_000, summary.Received);
        Assert.Equal(0, summary.Lost);
        Assert.Equal(0, summary.Duplicated);
        Assert.Equal(0, summary.Foreign);

        await using var connection = await _broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.QueueDeclarePassiveAsync("stomp-lean-receipts-1");
        Assert.Equal(0u, queue.MessageCount); // every delivery was acked, none requeued when the subscriber left
    }

    [Fact]
    public async Task Auto_ack_run_delivers_every_message_once()
    {
        var summary = await RunAsync(Options("stomp-lean-auto-%d") with { AutoAck = true, ProducerMessageCount = 20_000 });

        Assert.Equal(20_000, summary.Received);
        Assert.Equal(0, summary.Lost);
        Assert.Equal(0, summary.Duplicated);
    }

    [Fact]
    public async Task A_topic_reaches_every_subscriber()
    {
        var summary = await RunAsync(Options("unused-%d") with
        {
            Consumers = 3, Fanout = true, Exchange = "stomp-lean-fanout", MultiAckEvery = 10, ProducerMessageCount = 2_000,
        });

        Assert.Equal(2_000, summary.Sent);
        Assert.Equal(6_000, summary.Received);
        Assert.Equal(0, summary.Lost);
        Assert.Equal(0, summary.Duplicated);
    }

    [Fact]
    public async Task An_ERROR_from_the_broker_ends_the_producer_with_its_message()
    {
        _broker.ErrorsExpected = true;
        var endpoint = new StompEndpoint("127.0.0.1", _broker.StompPort, "guest", "guest");
        await using var producer = await StompWireProducer.CreateAsync(endpoint, 0, "/no-such-kind/x", persistent: false, 256, window: 10,
            new ProducerCounters(), new RatePacer(0), CancellationToken.None);

        var error = await Wait.ForAsync(Task.Run(() => Assert.Throws<InvalidOperationException>(
            () => producer.Run(100_000, TimeSpan.FromSeconds(5), CancellationToken.None))), "the producer to stop");

        Assert.Contains("ERROR from the broker", error.Message);
    }

    [Fact]
    public async Task A_refused_login_is_reported_with_the_brokers_message()
    {
        _broker.ErrorsExpected = true;
        var endpoint = new StompEndpoint("127.0.0.1", _broker.StompPort, "guest", "not-the-password");

        var error = await Wait.ForAsync(Assert.ThrowsAsync<InvalidOperationException>(() => Task.Run(() => endpoint.Open())), "CONNECT to be refused");

        Assert.Contains("refused", error.Message);
    }
}
