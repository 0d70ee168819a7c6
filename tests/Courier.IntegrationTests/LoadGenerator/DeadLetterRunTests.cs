using Courier.IntegrationTests.Infrastructure;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Courier.IntegrationTests.LoadGenerator;

/// <summary>
/// The load generator's TTL and dead-lettering scenario (<c>--queue-args x-message-ttl=0
/// --dead-letter-queue Q</c>) against a real broker: nobody consumes the queue published to, so
/// every message the consumers count went through expiry and dead-lettering, and the run still
/// accounts for each one.
/// </summary>
public sealed class DeadLetterRunTests : IAsyncLifetime
{
    private TestBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await TestBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Theory]
    [InlineData(AmqpClient.Lean)]
    [InlineData(AmqpClient.RabbitMqClient)]
    public async Task Every_confirmed_message_arrives_once_by_way_of_expiry_and_the_dead_letter_queue(AmqpClient client)
    {
        string deadLetterQueue = $"ttl-expired-{client}";
        var options = new PerfTestOptions
        {
            Uri = $"amqp://guest:guest@127.0.0.1:{_broker.AmqpPort}",
            Client = client,
            QueuePattern = $"ttl-work-{client}-%d",
            Queues = 2,
            Producers = 2,
            Consumers = 2,
            DurableQueues = true,
            Persistent = true,
            ConfirmWindow = 100,
            MultiAckEvery = 10,
            ProducerMessageCount = 3_000,
            QueueArguments = new Dictionary<string, object> { ["x-message-ttl"] = 0 },
            DeadLetterQueue = deadLetterQueue,
            Quiet = true,
            DrainIdleSeconds = 5,
            MaxRunSeconds = 60,
        };

        var summary = await new LoadRun(options, LoadTransports.For(options), TextWriter.Null).ExecuteAsync(CancellationToken.None);

        Assert.Empty(summary.Errors);
        Assert.Equal(6_000, summary.Confirmed);
        Assert.Equal(6_000, summary.Received);
        Assert.Equal(0, summary.Lost);
        Assert.Equal(0, summary.Duplicated);
        Assert.Equal(0, summary.Foreign);

        // The run removes what it declared, the dead-letter queue with the rest.
        await using var connection = await _broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await Assert.ThrowsAsync<OperationInterruptedException>(() => channel.QueueDeclarePassiveAsync(deadLetterQueue));
    }
}
