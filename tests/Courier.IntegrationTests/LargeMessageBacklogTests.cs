using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests;

/// <summary>
/// Large messages under memory pressure (issue 13, finding 3): a queue nobody consumes keeps
/// accepting well past the memory high watermark because its head is bounded in bytes as well as
/// in count, so 64 KiB and 256 KiB messages page to the journal like small ones, and the memory
/// alarm, a last resort, never blocks the publisher.
/// </summary>
public sealed class LargeMessageBacklogTests
{
    private const long Watermark = 50_000_000;

    [Theory]
    [InlineData(64 * 1024, true)]
    [InlineData(256 * 1024, true)]
    [InlineData(64 * 1024, false)]
    public async Task A_queue_nobody_consumes_accepts_large_messages_well_past_the_memory_watermark(int bodySize, bool persistent)
    {
        await using var broker = await TestBroker.StartAsync(o => o.Broker.MemoryHighWatermark = Watermark);
        var resources = broker.Host.Broker.Resources;
        var alarms = 0;
        resources.Changed += alarm => Interlocked.Add(ref alarms, alarm.Memory ? 1 : 0);
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var queue = persistent ? "large.durable" : "large.transient";
        await channel.QueueDeclareAsync(queue, durable: persistent, exclusive: false, autoDelete: false);

        // Twice the watermark in bodies: without paging the publisher would be blocked half-way, for good.
        var count = (int)(2 * Watermark / bodySize);
        var properties = new BasicProperties { Persistent = persistent };
        var inFlight = new List<Task>(64);
        long peak = 0;
        for (var i = 0; i < count; i++)
        {
            inFlight.Add(channel.BasicPublishAsync(string.Empty, queue, false, properties, BodyOf(i, bodySize)).AsTask());
            if (inFlight.Count == 64)
            {
                await Wait.ForAsync(Task.WhenAll(inFlight), $"confirms up to message {i}", TimeSpan.FromSeconds(60));
                inFlight.Clear();
                peak = Math.Max(peak, resources.MessageBytes);
            }
        }

        await Wait.ForAsync(Task.WhenAll(inFlight), "the last confirms", TimeSpan.FromSeconds(60));
        Assert.Equal(0, Volatile.Read(ref alarms));
        Assert.True(peak < Watermark, $"peak {peak} bytes of bodies held in memory");
        Assert.Equal((uint)count, (await channel.QueueDeclarePassiveAsync(queue)).MessageCount);

        // Everything comes back from the journal, in order and intact.
        for (var i = 0; i < count; i++)
        {
            var result = await channel.BasicGetAsync(queue, autoAck: true);
            Assert.NotNull(result);
            Assert.True(result.Body.Span.SequenceEqual(BodyOf(i, bodySize)), $"message {i} came back altered");
        }

        Assert.Null(await channel.BasicGetAsync(queue, autoAck: true));
        await Wait.UntilAsync(() => resources.MessageBytes == 0, "consumed bodies left memory");
    }

    [Fact]
    public async Task A_persistent_head_of_large_messages_holds_no_more_than_its_byte_bound()
    {
        const long headBytes = 1024 * 1024;
        await using var broker = await TestBroker.StartAsync(o => o.Broker.QueueHeadBytes = headBytes);
        var resources = broker.Host.Broker.Resources;
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync("large.head", durable: true, exclusive: false, autoDelete: false);

        const int bodySize = 64 * 1024;
        var properties = new BasicProperties { Persistent = true };
        for (var i = 0; i < 100; i++)
        {
            await channel.BasicPublishAsync(string.Empty, "large.head", false, properties, BodyOf(i, bodySize));
        }

        // 6.4 MB went in; the head keeps 1 MiB of it (16 bodies), the rest waits in the journal.
        Assert.Equal(headBytes, resources.MessageBytes);
        for (var i = 0; i < 100; i++)
        {
            var result = await channel.BasicGetAsync("large.head", autoAck: true);
            Assert.NotNull(result);
            Assert.True(result.Body.Span.SequenceEqual(BodyOf(i, bodySize)), $"message {i} came back altered");
        }
    }

    private static byte[] BodyOf(int n, int size)
    {
        // A new array each time: the client may serialize a publish after its call returns.
        var body = new byte[size];
        new Random(n).NextBytes(body);
        BitConverter.TryWriteBytes(body, n);
        return body;
    }
}
