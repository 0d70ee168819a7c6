using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Model;

/// <summary>
/// basic.qos prefetch: per consumer (global=false) and per channel (global=true), as RabbitMQ
/// interprets them. channel.flow is not covered: RabbitMQ.Client 7 cannot send it (and RabbitMQ
/// itself refuses active=false from a client).
/// </summary>
public sealed class QosTests
{
    [Fact]
    public async Task A_consumer_with_prefetch_two_holds_at_most_two_unacked_deliveries()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var observer = await connection.CreateChannelAsync();
        var queue = await PublishAsync(observer, "work", 5);
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: 2, global: false);
        var consumer = new RecordingConsumer(channel);

        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        var held = await consumer.WaitForAsync(2);
        Assert.Equal(3u, await observer.ReadyCountAsync(queue));
        Assert.Equal(2, consumer.Count);

        await channel.BasicAckAsync(held[0].DeliveryTag, multiple: false);
        held = await consumer.WaitForAsync(3);
        Assert.Equal(2u, await observer.ReadyCountAsync(queue));
        Assert.Equal(3, consumer.Count);

        await channel.BasicAckAsync(held[2].DeliveryTag, multiple: true);
        Assert.Equal(new[] { "m0", "m1", "m2", "m3", "m4" }, (await consumer.WaitForAsync(5)).Select(d => d.Text));
    }

    [Fact]
    public async Task Per_consumer_prefetch_limits_each_consumer_on_the_channel_separately()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var observer = await connection.CreateChannelAsync();
        var first = await PublishAsync(observer, "first", 3);
        var second = await PublishAsync(observer, "second", 3);
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: 1, global: false);
        var a = new RecordingConsumer(channel);
        var b = new RecordingConsumer(channel);

        await channel.BasicConsumeAsync(first, autoAck: false, a);
        await channel.BasicConsumeAsync(second, autoAck: false, b);
        await a.WaitForAsync(1);
        await b.WaitForAsync(1);

        Assert.Equal(2u, await observer.ReadyCountAsync(first));
        Assert.Equal(2u, await observer.ReadyCountAsync(second));
    }

    [Fact]
    public async Task Global_prefetch_is_shared_by_all_consumers_on_the_channel()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var observer = await connection.CreateChannelAsync();
        var first = await PublishAsync(observer, "first", 5);
        var second = await PublishAsync(observer, "second", 5);
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: 3, global: true);
        var a = new RecordingConsumer(channel);
        var b = new RecordingConsumer(channel);

        await channel.BasicConsumeAsync(first, autoAck: false, a);
        await channel.BasicConsumeAsync(second, autoAck: false, b);
        await Wait.UntilAsync(() => a.Count + b.Count >= 3, "three deliveries");

        Assert.Equal(7u, await observer.ReadyCountAsync(first) + await observer.ReadyCountAsync(second));
        Assert.Equal(3, a.Count + b.Count);

        var any = a.Count > 0 ? a.Deliveries[0] : b.Deliveries[0];
        await channel.BasicAckAsync(any.DeliveryTag, multiple: false);
        await Wait.UntilAsync(() => a.Count + b.Count >= 4, "a fourth delivery once one is acked");
        Assert.Equal(6u, await observer.ReadyCountAsync(first) + await observer.ReadyCountAsync(second));
    }

    [Fact]
    public async Task Prefetch_zero_means_no_limit()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var observer = await connection.CreateChannelAsync();
        var queue = await PublishAsync(observer, "work", 50);
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: 1, global: false);
        await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: 0, global: false);
        var consumer = new RecordingConsumer(channel);

        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);

        await consumer.WaitForAsync(50);
        Assert.Equal(0u, await observer.ReadyCountAsync(queue));
    }

    private static async Task<string> PublishAsync(IChannel channel, string queue, int count)
    {
        await channel.DeclareQueueAsync(queue);
        for (var i = 0; i < count; i++)
        {
            await channel.PublishTextAsync(string.Empty, queue, $"m{i}");
        }

        return queue;
    }
}
