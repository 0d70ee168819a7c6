using Courier.IntegrationTests.Infrastructure;
using Courier.PerfTest.Amqp.Wire;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Options;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.LoadGenerator;

/// <summary>
/// The load generator's lean AMQP client against a real broker over a real socket: every message
/// it publishes arrives exactly as often as promised, confirms and acks go through, bodies larger
/// than a frame are split and put back together, and what it publishes RabbitMQ.Client reads (and
/// the other way round), so its figures can stand beside the reference client's.
/// </summary>
public sealed class LeanClientTests : IAsyncLifetime
{
    private TestBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await TestBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private PerfTestOptions Options(string queuePattern) => new()
    {
        Uri = $"amqp://guest:guest@127.0.0.1:{_broker.AmqpPort}",
        Client = AmqpClient.Lean,
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
    public async Task Transient_auto_ack_run_delivers_every_message_once()
    {
        var summary = await RunAsync(Options("lean-transient-%d") with { AutoAck = true, ProducerMessageCount = 20_000 });

        Assert.Equal(20_000, summary.Sent);
        Assert.Equal(20_000, summary.Received);
        Assert.Equal(0, summary.Lost);
        Assert.Equal(0, summary.Duplicated);
        Assert.Equal(0, summary.Foreign);
    }

    [Fact]
    public async Task Confirmed_persistent_run_is_confirmed_and_acknowledged_to_the_last_message()
    {
        // 7 does not divide 10,000: the last deliveries are acknowledged only when the consumer stops.
        var summary = await RunAsync(Options("lean-durable-%d") with
        {
            DurableQueues = true, Persistent = true, ConfirmWindow = 50, Prefetch = 20, MultiAckEvery = 7,
            ProducerMessageCount = 10_000, KeepTopology = true,
        });

        Assert.Equal(10_000, summary.Sent);
        Assert.Equal(10_000, summary.Confirmed);
        Assert.Equal(0, summary.Nacked);
        Assert.Equal(10_000, summary.Received);
        Assert.Equal(0, summary.Lost);
        Assert.Equal(0, summary.Duplicated);

        await using var connection = await _broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.QueueDeclarePassiveAsync("lean-durable-1");
        Assert.Equal(0u, queue.MessageCount); // every delivery was acked, none requeued at close
    }

    [Fact]
    public async Task Fanout_from_two_producers_reaches_every_queue()
    {
        var summary = await RunAsync(Options("lean-fanout-%d") with
        {
            Producers = 2, Consumers = 3, Queues = 3, Fanout = true, Exchange = "lean-fanout", MultiAckEvery = 10,
            ProducerMessageCount = 2_000,
        });

        Assert.Equal(4_000, summary.Sent);
        Assert.Equal(12_000, summary.Received);
        Assert.Equal(0, summary.Lost);
        Assert.Equal(0, summary.Duplicated);
    }

    [Fact]
    public async Task Bodies_larger_than_a_frame_are_split_and_reassembled()
    {
        var summary = await RunAsync(Options("lean-large-%d") with
        {
            MessageSize = 300_000, ConfirmWindow = 5, MultiAckEvery = 3, ProducerMessageCount = 40,
        });

        Assert.Equal(40, summary.Confirmed);
        Assert.Equal(40, summary.Received);
        Assert.Equal(0, summary.Lost);
        Assert.Equal(0, summary.Foreign); // a body reassembled from the wrong chunks would not start with its stamp
    }

    [Theory]
    [InlineData(AmqpClient.Lean, AmqpClient.RabbitMqClient)]
    [InlineData(AmqpClient.RabbitMqClient, AmqpClient.Lean)]
    public async Task Lean_client_and_RabbitMQ_client_read_each_others_messages(AmqpClient publisher, AmqpClient consumer)
    {
        string pattern = $"lean-cross-{publisher}-%d";
        var published = await RunAsync(Options(pattern) with
        {
            Client = publisher, Mode = RunMode.PublishOnly, Consumers = 0, DurableQueues = true, Persistent = true,
            ConfirmWindow = 100, ProducerMessageCount = 3_000,
        });
        Assert.Equal(3_000, published.Confirmed);

        var consumed = await RunAsync(Options(pattern) with
        {
            Client = consumer, Mode = RunMode.ConsumeOnly, Producers = 0, DurableQueues = true, ExpectedMessages = 3_000,
            MultiAckEvery = 50,
        });
        Assert.Equal(3_000, consumed.Received);
        Assert.Equal(0, consumed.Lost);
        Assert.Equal(0, consumed.Duplicated);
        Assert.Equal(0, consumed.Foreign);
    }

    [Fact]
    public async Task A_channel_closed_by_the_broker_ends_the_producer_with_its_reply()
    {
        _broker.ErrorsExpected = true;
        await using var producer = await WireProducer.CreateAsync(new Uri(Options("x-%d").Uri), 0, "no-such-exchange", "", 256,
            persistent: false, confirmWindow: 10, new ProducerCounters(), new RatePacer(0), CancellationToken.None);

        var error = await Wait.ForAsync(Task.Run(() => Assert.Throws<InvalidOperationException>(
            () => producer.Run(100_000, TimeSpan.FromSeconds(5), CancellationToken.None))), "the producer to stop");

        Assert.Contains("404", error.Message);
    }

    [Fact]
    public async Task Consuming_a_missing_queue_fails_with_the_brokers_reply()
    {
        _broker.ErrorsExpected = true;
        var sink = new DeliverySink(new DeliveryLedger(), _ => 1);
        await using var consumer = await WireConsumer.CreateAsync(new Uri(Options("x-%d").Uri), 0, "no-such-queue", autoAck: false,
            prefetch: 10, multiAckEvery: 1, sink, CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => consumer.StartAsync(CancellationToken.None));

        Assert.Contains("404", error.Message);
    }

    [Fact]
    public async Task A_producer_the_broker_stops_reading_gives_up_after_the_settle_timeout_instead_of_hanging()
    {
        await using var blocked = await TestBroker.StartAsync(o => o.Broker.DiskFreeLimit = long.MaxValue); // disk alarm from the start
        var uri = new Uri($"amqp://guest:guest@127.0.0.1:{blocked.AmqpPort}");
        var counters = new ProducerCounters();
        // One 32 MB message is more than the sockets and the broker's input buffer hold: the send
        // of the first publish cannot finish while the broker does not read.
        await using var producer = await WireProducer.CreateAsync(uri, 0, "", "nowhere", 32 * 1024 * 1024, persistent: false, confirmWindow: 0,
            counters, new RatePacer(0), CancellationToken.None);
        using var stop = new CancellationTokenSource();

        var run = Task.Run(() => producer.Run(0, TimeSpan.FromSeconds(1), stop.Token));
        await Wait.UntilAsync(() => counters.Sent >= 1, "the first publish to be on its way");
        stop.Cancel();

        var error = await Wait.ForAsync(Assert.ThrowsAsync<InvalidOperationException>(() => run), "the producer to give up", TimeSpan.FromSeconds(30));
        Assert.Contains("stopped reading", error.Message);
    }
}
