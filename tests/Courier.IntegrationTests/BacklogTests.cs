using Courier.Core.Queues;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests;

/// <summary>
/// A backlog larger than the broker should hold in memory: message bodies leave memory for the
/// journal and come back, in order and intact, when consumers catch up.
/// </summary>
public sealed class BacklogTests
{
    private const int BodySize = 4096;

    [Fact]
    public async Task A_persistent_backlog_keeps_only_the_head_of_the_queue_in_memory()
    {
        await using var broker = await TestBroker.StartAsync();
        var resources = broker.Host.Broker.Resources;
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync("backlog", durable: true, exclusive: false, autoDelete: false);

        const int count = 20_000;
        var peak = await PublishAsync(channel, count, persistent: true, () => resources.MessageBytes);

        // 80 MB went in; memory held the head of the queue only.
        Assert.True(peak <= (ClassicQueue.KeptInMemoryWhilePaging + 1) * (long)BodySize, $"peak {peak} bytes held in memory");
        await DrainInOrderAsync(channel, count);
        Assert.Equal(0, resources.MessageBytes);
    }

    [Fact]
    public async Task A_consumer_of_a_persistent_backlog_gets_it_in_order_as_it_is_read_ahead_with_requeues_in_between()
    {
        await using var broker = await TestBroker.StartAsync();
        var resources = broker.Host.Broker.Resources;
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync("backlog", durable: true, exclusive: false, autoDelete: false);

        // Several heads' worth: most of it is read back from the journal, a batch at a time.
        var count = ClassicQueue.KeptInMemoryWhilePaging * 4;
        await PublishAsync(channel, count, persistent: true, () => resources.MessageBytes);

        // Every 100th message is requeued the first time it arrives: it goes back to its place, ahead of later batches.
        await using var consuming = await connection.CreateChannelAsync();
        await consuming.BasicQosAsync(0, 50, global: false);
        var firstDeliveries = new List<int>(count);
        var acked = new HashSet<int>();
        var consumer = new AsyncEventingBasicConsumer(consuming);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var body = delivery.Body.Span;
            Assert.Equal(BodySize, body.Length);
            var n = BitConverter.ToInt32(body);
            var requeue = false;
            lock (acked)
            {
                if (!delivery.Redelivered)
                {
                    firstDeliveries.Add(n);
                    requeue = n % 100 == 0;
                }

                if (!requeue)
                {
                    acked.Add(n);
                }
            }

            if (requeue)
            {
                await consuming.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true);
            }
            else
            {
                await consuming.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            }
        };
        await consuming.BasicConsumeAsync("backlog", autoAck: false, consumer);

        await Wait.UntilAsync(() => { lock (acked) { return acked.Count == count; } }, "every message was acknowledged", TimeSpan.FromSeconds(60));
        lock (acked)
        {
            Assert.Equal(Enumerable.Range(0, count), firstDeliveries);
        }

        await Wait.UntilAsync(() => resources.MessageBytes == 0, "acknowledged bodies left memory");
        Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync("backlog")).MessageCount);
    }

    [Fact]
    public async Task Transient_messages_are_paged_out_when_memory_runs_short_instead_of_blocking()
    {
        // Paging starts at half the watermark: 4 MB of bodies.
        await using var broker = await TestBroker.StartAsync(o => o.Broker.MemoryHighWatermark = 8_000_000);
        var resources = broker.Host.Broker.Resources;
        var blocked = false;
        resources.Changed += alarm => blocked |= alarm.IsBlocked;
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync("transient-backlog", durable: false, exclusive: false, autoDelete: false);

        const int count = 20_000;
        var peak = await PublishAsync(channel, count, persistent: false, () => resources.MessageBytes, "transient-backlog");

        Assert.True(peak < 8_000_000, $"peak {peak} bytes held in memory");
        Assert.False(blocked, "publishers were blocked although paging had room");
        await DrainInOrderAsync(channel, count, "transient-backlog");
        Assert.Equal(0, resources.MessageBytes);
    }

    [Fact]
    public async Task A_transient_backlog_past_the_per_queue_limit_goes_to_the_journal_without_memory_pressure()
    {
        await using var broker = await TestBroker.StartAsync(o => o.Broker.QueueReadyInMemory = 2_000);
        var resources = broker.Host.Broker.Resources;
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync("slow-consumers", durable: false, exclusive: false, autoDelete: false);

        const int count = 10_000;
        var peak = await PublishAsync(channel, count, persistent: false, () => resources.MessageBytes, "slow-consumers");

        Assert.False(resources.IsPaging, "no memory pressure");
        Assert.True(peak <= 2_000L * BodySize, $"peak {peak} bytes held in memory: more than 2,000 bodies");
        await DrainInOrderAsync(channel, count, "slow-consumers");
        Assert.Equal(0, resources.MessageBytes);
    }

    private static async Task<long> PublishAsync(IChannel channel, int count, bool persistent, Func<long> heldBytes, string queue = "backlog")
    {
        var properties = new BasicProperties { Persistent = persistent };
        long peak = 0;
        var inFlight = new List<Task>(500);
        for (var i = 0; i < count; i++)
        {
            // A new array each time: the client may serialize a publish after this call returns.
            var body = new byte[BodySize];
            BitConverter.TryWriteBytes(body, i);
            body[^1] = (byte)i;
            inFlight.Add(channel.BasicPublishAsync(string.Empty, queue, false, properties, body).AsTask());
            if (inFlight.Count == 500)
            {
                await Wait.ForAsync(Task.WhenAll(inFlight), "a window of confirms", TimeSpan.FromSeconds(60));
                inFlight.Clear();
                peak = Math.Max(peak, heldBytes());
            }
        }

        await Wait.ForAsync(Task.WhenAll(inFlight), "the last confirms", TimeSpan.FromSeconds(60));
        return Math.Max(peak, heldBytes());
    }

    private static async Task DrainInOrderAsync(IChannel channel, int count, string queue = "backlog")
    {
        for (var i = 0; i < count; i++)
        {
            var result = await channel.BasicGetAsync(queue, autoAck: true);
            Assert.NotNull(result);
            var body = result.Body.Span;
            Assert.Equal(BodySize, body.Length);
            Assert.Equal(i, BitConverter.ToInt32(body));
            Assert.Equal((byte)i, body[^1]);
        }

        Assert.Null(await channel.BasicGetAsync(queue, autoAck: true));
    }
}
